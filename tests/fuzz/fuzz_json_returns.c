/*
 * fuzz_json_returns.c - the partner return validators, reached by including
 * their file (they are static there), against the real category catalogue
 * (data/categories.csv, as the rt_categories statement returns it).
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
}
