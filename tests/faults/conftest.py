"""The fault and load suite shares the integration suite's fixtures
(fixtures.py: server, start_server, pg, cli, openapi, ...)."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))

from fixtures import *  # noqa: E402,F401,F403


def pytest_terminal_summary(terminalreporter):
    """The figures the tests measured (faultlib.figure), for the closing note."""
    import faultlib

    if faultlib.FIGURES:
        terminalreporter.section("fault and load figures")
        for line in faultlib.FIGURES:
            terminalreporter.write_line(line)
