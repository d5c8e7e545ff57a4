/*
 * fuzz_json_returns.c - the partner return rules (src/domain/partner_return.h)
 * against the real category catalogue (data/categories.csv, as the
 * rt_categories statement returns it), for each kind of window, and the
 * rules of the edits (PUT, submit, review).
 */
#include <stdlib.h>
#include <string.h>

#include "domain/partner_return.h"

#include "fuzz_data.h"
#include "fuzz_json.h"

static struct return_catalogue catalogue(void)
{
	static const char *const columns[] = { "characteristic", "code", "parent", "name", NULL };
	static struct return_category *rows;
	static int n;

	if (!rows) {
		PGresult *r = fuzz_data_result("categories.csv", columns);

		n = PQntuples(r);
		rows = calloc((size_t)n + 1, sizeof(*rows));
		CHECK(rows != NULL);
		for (int i = 0; i < n; i++)
			rows[i] = (struct return_category){
				PQgetvalue(r, i, 0), PQgetvalue(r, i, 1),
				PQgetisnull(r, i, 2) ? NULL : PQgetvalue(r, i, 2), PQgetvalue(r, i, 3),
			};
	}
	return (struct return_catalogue){ rows, (size_t)n };
}

void fuzz_json_returns(const json_t *body)
{
	struct return_catalogue cat = catalogue();
	struct validation v;

	CHECK(cat.n > 0);
	for (size_t k = 0; return_kind_names[k]; k++) {
		const struct return_kind *kind = return_kind_find(return_kind_names[k]);

		validation_init(&v);
		return_validate_content(&v, body, kind, &cat);
		if (validation_ok(&v)) {
			const json_t *lines = json_object_get(body, "lines");

			CHECK(json_is_integer(json_object_get(body, "total")) && json_is_object(lines));
			for (size_t c = 0; kind->characteristics[c]; c++)
				CHECK(json_is_object(json_object_get(lines, kind->characteristics[c])));
		}
		fuzz_check_validation(&v);
		validation_release(&v);
	}

	{
		static const struct return_state late = {
			"draft", "workforce", true, true, "2025-04-01", "2025-05-01",
		};
		const char *a, *b;

		validation_init(&v);
		return_validate_replacement(&v, body, &late, &cat);
		fuzz_check_validation(&v);
		validation_release(&v);
		validation_init(&v);
		return_validate_submission(&v, body, &late, &a);
		if (validation_ok(&v))
			CHECK(a != NULL);   /* past due: a reason is kept */
		fuzz_check_validation(&v);
		validation_release(&v);
		validation_init(&v);
		return_validate_review(&v, body, &a, &b);
		if (validation_ok(&v))
			CHECK(a && (strcmp(a, "accepted") == 0 || b));
		fuzz_check_validation(&v);
		validation_release(&v);
	}
}
