/* the asset tests/unit/embed/page.html names */
