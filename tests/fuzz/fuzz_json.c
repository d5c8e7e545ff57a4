/*
 * fuzz_json.c - every JSON request body validator.
 *
 * The input is a request body.  It goes through the service's own JSON path
 * (request_json_or_respond: Content-Type check, jansson with duplicate keys
 * refused, object required), and each object through every resource's
 * validators: the hate-crime report (create, and a PATCH merged onto a
 * valid report), the partner return (workforce and service-user kinds,
 * against the real category catalogue), its review and the return window,
 * the action plan, action and action update, the indicator value, and the
 * workforce pay-gap publication.  The validators are static in their
 * src/api files: fuzz_json_<resource>.c includes the file to reach them
 * (their database look-ups are replaced by answers derived from the input).
 *
 * Checked, beyond not crashing: a refused body gets 400/415 problem+json;
 * every validation error has a JSON pointer and a sentence, and the errors
 * always make a valid 422 body (never the 500 that an error text cut
 * mid-UTF-8 would cause); a body found valid has every field the handler
 * then uses.
 */
#include <stdint.h>
#include <string.h>

#include "config.h"
#include "db/db.h"
#include "fuzz_json.h"
#include "http/request.h"
#include "util/log.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct config cfg;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char err[256];

	(void)argc;
	(void)argv;
	/* A database that refuses at once: a handler run whole answers 503
	 * where it would have written. */
	setenv("EQ_DATABASE_URL", "host=/nonexistent/eq-fuzz port=1 connect_timeout=1", 0);
	setenv("EQ_DB_POOL_SIZE", "1", 0);
	setenv("EQ_LOG_LEVEL", "error", 0);
	if (config_load(&cfg, err, sizeof(err)) != 0 || db_pool_init(&cfg) != 0) {
		fprintf(stderr, "fuzz_json: %s\n", err);
		abort();
	}
	log_set_level((enum log_level)cfg.log_level);
	return 0;
}

void fuzz_check_response(const struct response *res)
{
	CHECK(res->status >= 200 && res->status <= 599);
	CHECK(res->status != 500);
	if (res->content_type && strstr(res->content_type, "json")) {
		json_t *doc = json_loadb(res->body.data ? res->body.data : "", res->body.len, 0, NULL);

		CHECK(doc != NULL);
		json_decref(doc);
	}
}

void fuzz_check_validation(struct validation *v)
{
	size_t i;
	json_t *item;
	struct response res;

	CHECK(!v->oom);
	CHECK(json_is_array(v->errors));
	json_array_foreach(v->errors, i, item) {
		const char *pointer = json_string_value(json_object_get(item, "pointer"));
		const char *detail = json_string_value(json_object_get(item, "detail"));

		CHECK(json_object_size(item) == 2);
		CHECK(pointer && pointer[0] == '/');
		CHECK(detail && detail[0]);
	}
	if (json_array_size(v->errors) == 0)
		return;
	response_init(&res);
	problem_send_invalid(&res, validation_take_errors(v));
	CHECK(res.status == 422);
	fuzz_check_response(&res);
	response_release(&res);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct request_header json_type[] = {
		{ "Content-Type", "application/json; charset=utf-8" },
	};
	struct request req;
	struct response res;
	json_t *body;

	memset(&req, 0, sizeof(req));
	req.method = HTTP_POST;
	req.path = "/v1/fuzz";
	req.raw_query = "";
	req.headers = json_type;
	req.nheaders = 1;
	req.body = (const char *)data;
	req.body_len = size;
	response_init(&res);
	body = request_json_or_respond(&req, &res);
	if (!body) {
		CHECK(res.status == 400);
		fuzz_check_response(&res);
	} else {
		CHECK(json_is_object(body));
		fuzz_json_hate_crime(body);
		fuzz_json_returns(body);
		fuzz_json_action_plan(body);
		fuzz_json_indicators(body);
		fuzz_json_workforce((const char *)data, size);
		json_decref(body);
	}
	response_release(&res);
	request_free_arena(&req);
	return 0;
}
