/*
 * fuzz_query.c - the query-string parser (src/http/query.c) and the
 * request helpers built on it (limit, cursor, lists, enums, If-Match).
 *
 * The input is the raw query string, the text after '?'.  Checked, beyond
 * not crashing: every parsed name and value is non-empty-named valid UTF-8
 * without NUL; percent-encoding what was parsed and parsing it again gives
 * the same parameters; the helpers either succeed with values inside their
 * bounds or leave a problem+json 400 naming the parameter; a cursor the
 * service issues (here /v1/areas's, src/api/kit/list.h) decodes to its key.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "api/kit/list.h"
#include "http/query.h"
#include "http/request.h"
#include "http/response.h"
#include "util/buf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond) do { if (!(cond)) { \
	fprintf(stderr, "fuzz_query: %s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
	abort(); } } while (0)

static void percent_encode(struct buf *out, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '_' || c == '.' || c == '~' || c == ',')
			CHECK(buf_append_char(out, (char)c) == 0);
		else
			CHECK(buf_appendf(out, "%%%c%c", hex[c >> 4], hex[c & 15]) == 0);
	}
}

/* A 400 from a helper: a problem+json body that is valid JSON. */
static void check_problem(struct response *res)
{
	json_t *body;

	CHECK(res->status == 400);
	CHECK(res->content_type && strcmp(res->content_type, "application/problem+json") == 0);
	body = json_loadb(res->body.data, res->body.len, 0, NULL);
	CHECK(body != NULL);
	CHECK(json_integer_value(json_object_get(body, "status")) == 400);
	json_decref(body);
	response_reset(res);
}

/* The keyset of /v1/areas: one text key, the area code. */
static const enum cursor_key area_keys[] = { CURSOR_KEY_TEXT };
static const struct cursor_spec area_keyset = { "areas", area_keys, 1 };

static void check_helpers(struct request *req)
{
	static const char *const formats[] = { "json", "csv", NULL };
	struct response res;
	struct list_page page;
	long n;
	const char *e, *s;
	const char **items;
	size_t count;

	response_init(&res);
	if (list_page_or_respond(req, &res, &area_keyset, &page) == 0) {
		CHECK(page.limit >= 1 && page.limit <= LIST_LIMIT_MAX);
		CHECK(query_count(&req->query, "limit") <= 1 && query_count(&req->query, "cursor") <= 1);
		if (page.after) {
			/* The service's own cursor for that key decodes to it. */
			const char *again = list_cursor_new(req, &page, page.after);
			struct request other;
			struct query_error err;
			struct list_page p2;
			struct buf raw = BUF_INIT;

			CHECK(again != NULL);
			CHECK(buf_appendf(&raw, "cursor=%s", again) == 0);
			memset(&other, 0, sizeof(other));
			CHECK(query_parse(buf_cstr(&raw), &other.query, &err) == 0);
			CHECK(list_page_or_respond(&other, &res, &area_keyset, &p2) == 0);
			CHECK(p2.after && strcmp(p2.after[0], page.after[0]) == 0);
			query_release(&other.query);
			request_free_arena(&other);
			buf_release(&raw);
		}
	} else {
		check_problem(&res);
	}
	if (request_long_or_respond(req, &res, "year", 2020, 1900, 9999, &n) == 0)
		CHECK(n >= 1900 && n <= 9999);
	else
		check_problem(&res);
	if (request_long_or_respond(req, &res, "delta", 0, -1000, 1000, &n) == 0) {
		char text[32];
		const char *given = query_get(&req->query, "delta");

		CHECK(n >= -1000 && n <= 1000);
		/* One spelling per number. */
		snprintf(text, sizeof(text), "%ld", n);
		CHECK(!given || strcmp(given, text) == 0);
	} else {
		check_problem(&res);
	}
	if (request_enum_or_respond(req, &res, "format", formats, NULL, &e) == 0)
		CHECK(!e || e == formats[0] || e == formats[1]);
	else
		check_problem(&res);
	if (request_list_or_respond(req, &res, "area", 8, &items, &count) == 0) {
		CHECK(count <= 8);
		for (size_t i = 0; i < count; i++)
			CHECK(items[i][0] != '\0' && !strchr(items[i], ','));
	} else {
		check_problem(&res);
	}
	if (request_single_or_respond(req, &res, "period", &s) != 0)
		check_problem(&res);
	response_release(&res);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *raw = malloc(size + 1);
	struct query q, again;
	struct query_error err = { { 0 }, NULL };
	struct buf enc = BUF_INIT;
	struct request req;

	CHECK(raw != NULL);
	memcpy(raw, data, size);
	raw[size] = '\0';

	/* query_decode on the whole input, both ways. */
	{
		char *dst = malloc(size + 1);
		long n;

		CHECK(dst != NULL);
		n = query_decode(raw, size, dst, true);
		if (n >= 0) {
			CHECK((size_t)n <= size && strlen(dst) == (size_t)n);
			CHECK(query_utf8_valid(dst, (size_t)n));
		}
		n = query_decode(raw, size, dst, false);
		if (n >= 0)
			CHECK((size_t)n <= size && strlen(dst) == (size_t)n);
		free(dst);
	}
	(void)request_if_match_version(raw, 3);

	if (query_parse(raw, &q, &err) != 0) {
		CHECK(err.detail != NULL);
		for (const char *c = err.param; *c; c++)
			CHECK((unsigned char)*c >= 0x20 && (unsigned char)*c < 0x7f);
		CHECK(q.n == 0 && q.storage == NULL);
		free(raw);
		return 0;
	}
	CHECK(q.n <= QUERY_MAX_PARAMS);
	for (size_t i = 0; i < q.n; i++) {
		const char *name = q.items[i].name, *value = q.items[i].value;

		CHECK(name[0] != '\0');
		CHECK(query_utf8_valid(name, strlen(name)) && query_utf8_valid(value, strlen(value)));
		CHECK(query_count(&q, name) >= 1);
		CHECK(query_get(&q, name) != NULL);
		if (i)
			CHECK(buf_append_char(&enc, '&') == 0);
		percent_encode(&enc, name);
		CHECK(buf_append_char(&enc, '=') == 0);
		percent_encode(&enc, value);
	}
	/* What was parsed survives being written out and read back. */
	if (enc.len <= 8192) {
		CHECK(query_parse(buf_cstr(&enc), &again, &err) == 0);
		CHECK(again.n == q.n);
		for (size_t i = 0; i < q.n; i++) {
			CHECK(strcmp(again.items[i].name, q.items[i].name) == 0);
			CHECK(strcmp(again.items[i].value, q.items[i].value) == 0);
		}
		query_release(&again);
	}
	buf_release(&enc);

	memset(&req, 0, sizeof(req));
	req.method = HTTP_GET;
	req.path = "/v1/fuzz";
	req.raw_query = raw;
	req.query = q;
	check_helpers(&req);
	request_free_arena(&req);
	query_release(&req.query);
	free(raw);
	return 0;
}
