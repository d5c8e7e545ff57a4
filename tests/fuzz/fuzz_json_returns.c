/*
 * fuzz_json_returns.c - the partner return validators, reached by including
 * their file (they are static there), against the real category catalogue
 * (data/categories.csv, as the rt_categories statement returns it); the
 * review's and the return window's checks, which sit inside their handlers,
 * repeated in the handlers' order.
 */
#include "api/returns.c"

#include "fuzz_data.h"
#include "fuzz_json.h"

void fuzz_json_returns(const json_t *body)
{
	static PGresult *categories;
	static const char *const columns[] = { "characteristic", "code", "parent", "name", NULL };
	struct catalogue cat;
	struct validation v;

	if (!categories)
		categories = fuzz_data_result("categories.csv", columns);
	cat.rows = categories;
	cat.n = PQntuples(categories);
	CHECK(cat.n > 0);

	/* POST /v1/returns and PUT /v1/returns/{id}, for each kind of window. */
	for (size_t k = 0; k < API_COUNT(window_kinds); k++) {
		validation_init(&v);
		validate_known_fields(&v, body, "", k == 0 ? create_fields : put_fields);
		validate_content(&v, body, &window_kinds[k], &cat);
		if (validation_ok(&v)) {
			const json_t *lines = json_object_get(body, "lines");

			CHECK(json_is_integer(json_object_get(body, "total")) && json_is_object(lines));
			for (size_t c = 0; window_kinds[k].characteristics[c]; c++)
				CHECK(json_is_object(json_object_get(lines, window_kinds[k].characteristics[c])));
		}
		fuzz_check_validation(&v);
		validation_release(&v);
	}
	(void)kind_find(json_string_value(json_object_get(body, "window")));

	/* POST /v1/returns/{id}/review: the handler's checks after its lock. */
	{
		const char *outcome, *note;

		validation_init(&v);
		validate_known_fields(&v, body, "", review_fields);
		outcome = validate_enum(&v, body, "", "outcome", true, outcomes);
		note = validate_string(&v, body, "", "note", false, NOTE_MAX);
		if (note && (note[0] == '\0' || has_control_chars(note))) {
			validation_add(&v, "/note", "must be 1 to 1000 bytes of text without control characters");
			note = NULL;
		} else if (outcome && strcmp(outcome, "returned") == 0 && !note) {
			validation_add(&v, "/note", "is required when the return goes back for correction");
		}
		if (validation_ok(&v))
			CHECK(outcome && (strcmp(outcome, "accepted") == 0 || note));
		fuzz_check_validation(&v);
		validation_release(&v);
	}

	/* POST /v1/return-windows: the handler's checks (after its role check). */
	{
		struct date open, due;
		bool have_open, have_due;
		const char *kind, *period_text;
		char label[24] = "";

		validation_init(&v);
		validate_known_fields(&v, body, "", window_fields);
		kind = validate_enum(&v, body, "", "kind", true, kind_names);
		period_text = validate_string(&v, body, "", "period", true, 20);
		if (period_text) {
			struct period p;

			if (period_parse_kinds(period_text, 1u << PERIOD_FINANCIAL_YEAR | 1u << PERIOD_QUARTER, &p) != 0 ||
			    period_format(&p, label, sizeof(label)) < 0) {
				validation_add(&v, "/period", "must be a financial year such as 2024/25 or a quarter such as 2024/25 Q1");
				label[0] = '\0';
			}
		}
		have_open = validate_date(&v, body, "", "open_date", true, &open);
		have_due = validate_date(&v, body, "", "due_date", true, &due);
		if (have_open && have_due && date_compare(&due, &open) < 0)
			validation_add(&v, "/due_date", "must not be before open_date");
		if (validation_ok(&v))
			CHECK(kind && label[0] && have_open && have_due);
		fuzz_check_validation(&v);
		validation_release(&v);
	}
}
