/*
 * fuzz_json_workforce.c - PUT /v1/workforce/snapshots/{as_of}/pay-gaps, the
 * handler run whole.  It reads the top-level categories from the database
 * in the middle of its validation, so the included file's statements go to
 * fuzz_exec_or_respond instead: wf_publish_categories is answered from
 * data/categories.csv, every other statement (the store) with 503, as with
 * no database.
 */
#include <libpq-fe.h>

struct request;
struct response;
int fuzz_exec_or_respond(struct request *req, struct response *res, const char *stmt,
			 int nparams, const char *const *values, PGresult **out);
#define api_exec_or_respond fuzz_exec_or_respond
/* The service's own copies stay in the library: this one is renamed. */
#define wf_paygaps_put fuzz_wf_paygaps_put
#define wf_publish_statements fuzz_wf_publish_statements
#define wf_publish_nstatements fuzz_wf_publish_nstatements
#include "api/workforce/pay_gaps_put.c"
#undef api_exec_or_respond

#include <stdio.h>

#include "http/router.h"

#include "fuzz_data.h"
#include "fuzz_json.h"

int fuzz_exec_or_respond(struct request *req, struct response *res, const char *stmt,
			 int nparams, const char *const *values, PGresult **out)
{
	static PGresult *categories;
	static const char *const columns[] = { "characteristic", "code", "parent", NULL };
	PGresult *r;
	int row = 0;

	(void)req;
	if (out)
		*out = NULL;
	if (strcmp(stmt, "wf_publish_categories") != 0 || nparams != 1 || !out) {
		problem_send_unavailable(res);
		return -1;
	}
	if (!categories)
		categories = fuzz_data_result("categories.csv", columns);
	r = PQcopyResult(categories, PG_COPYRES_ATTRS);
	CHECK(r != NULL);
	for (int i = 0; i < PQntuples(categories); i++)
		if (strcmp(PQgetvalue(categories, i, 0), values[0]) == 0 && PQgetisnull(categories, i, 2))
			CHECK(PQsetvalue(r, row++, 0, PQgetvalue(categories, i, 1),
					 (int)strlen(PQgetvalue(categories, i, 1))));
	*out = r;
	return 0;
}

void fuzz_json_workforce(const char *text, size_t len)
{
	static const struct request_header json_type[] = {
		{ "Content-Type", "application/json" },
	};
	static const char path[] = "/v1/workforce/snapshots/2024-03-31/pay-gaps";
	struct route_match match;
	struct request req;
	struct response res;

	CHECK(router_match(workforce_module.routes, workforce_module.nroutes, HTTP_PUT, path, &match) == ROUTER_FOUND);
	memset(&req, 0, sizeof(req));
	req.method = HTTP_PUT;
	req.path = path;
	req.raw_query = "";
	req.match = &match;
	req.route = match.route;
	req.headers = json_type;
	req.nheaders = 1;
	req.body = text;
	req.body_len = len;
	response_init(&res);
	fuzz_wf_paygaps_put(&req, &res);
	if (getenv("EQ_FUZZ_VERBOSE"))
		fprintf(stderr, "pay-gaps: %d %.*s\n", res.status, (int)res.body.len,
			res.body.data ? res.body.data : "");
	fuzz_check_response(&res);
	CHECK(res.status == 400 || res.status == 422 || res.status == 503);
	response_release(&res);
	request_free_arena(&req);
}
