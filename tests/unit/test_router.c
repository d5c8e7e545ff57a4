/*
 * The router: literal and {param} segments, the most specific template
 * winning whatever the table order, HEAD served by GET routes, 405 with the
 * allowed methods (OPTIONS included), strict segment matching (no trailing
 * slash, no empty segments), the parameter limits, and the Allow header.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "http/router.h"

static void handler_a(struct request *req, struct response *res)
{
	(void)req;
	(void)res;
}

static void handler_b(struct request *req, struct response *res)
{
	(void)req;
	(void)res;
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* A table shaped like the service's, plus a few non-GET routes. */
static const struct route table[] = {
	{ .method = HTTP_GET, .template = "/healthz", .handler = handler_a },
	{ .method = HTTP_GET, .template = "/v1/areas", .handler = handler_a, .flags = ROUTE_PUBLIC | ROUTE_CSV },
	{ .method = HTTP_GET, .template = "/v1/areas/{code}", .handler = handler_b, .flags = ROUTE_PUBLIC },
	{ .method = HTTP_GET, .template = "/v1/returns/{id}", .handler = handler_a, .scope = "returns:read" },
	{ .method = HTTP_DELETE, .template = "/v1/returns/{id}", .handler = handler_b, .scope = "returns:write" },
	{ .method = HTTP_PUT, .template = "/v1/returns/{id}", .handler = handler_b, .flags = ROUTE_BODY, .scope = "returns:write" },
	{ .method = HTTP_GET, .template = "/v1/returns/summary", .handler = handler_b, .scope = "returns:read" },
	{ .method = HTTP_POST, .template = "/v1/returns", .handler = handler_a, .flags = ROUTE_BODY, .scope = "returns:write" },
	{ .method = HTTP_GET, .template = "/v1/orgs/{org}/returns/{id}", .handler = handler_a },
};

#define ROUTE(i) (&table[(i)])

/* The value of parameter `name` in m must be `want`. */
static void assert_param(const struct route_match *m, const char *name, const char *want)
{
	const char *got = router_param(m, name);

	assert_non_null(got);
	assert_string_equal(got, want);
}

/* ---- http_method_parse / http_method_name ---- */

static void test_method_parse_known(void **state)
{
	(void)state;
	assert_int_equal(http_method_parse("GET"), HTTP_GET);
	assert_int_equal(http_method_parse("HEAD"), HTTP_HEAD);
	assert_int_equal(http_method_parse("POST"), HTTP_POST);
	assert_int_equal(http_method_parse("PUT"), HTTP_PUT);
	assert_int_equal(http_method_parse("PATCH"), HTTP_PATCH);
	assert_int_equal(http_method_parse("DELETE"), HTTP_DELETE);
	assert_int_equal(http_method_parse("OPTIONS"), HTTP_OPTIONS);
}

/* Methods the service does not speak, and near misses, give 0. */
static void test_method_parse_unknown(void **state)
{
	(void)state;
	assert_int_equal(http_method_parse("TRACE"), 0);
	assert_int_equal(http_method_parse("CONNECT"), 0);
	assert_int_equal(http_method_parse(""), 0);
	assert_int_equal(http_method_parse("get"), 0);      /* methods are case-sensitive */
	assert_int_equal(http_method_parse("GETX"), 0);
	assert_int_equal(http_method_parse("GE"), 0);
	assert_int_equal(http_method_parse(" GET"), 0);
}

static void test_method_name(void **state)
{
	(void)state;
	assert_string_equal(http_method_name(HTTP_GET), "GET");
	assert_string_equal(http_method_name(HTTP_HEAD), "HEAD");
	assert_string_equal(http_method_name(HTTP_POST), "POST");
	assert_string_equal(http_method_name(HTTP_PUT), "PUT");
	assert_string_equal(http_method_name(HTTP_PATCH), "PATCH");
	assert_string_equal(http_method_name(HTTP_DELETE), "DELETE");
	assert_string_equal(http_method_name(HTTP_OPTIONS), "OPTIONS");
	/* Name and parse are inverses. */
	assert_int_equal(http_method_parse(http_method_name(HTTP_PATCH)), HTTP_PATCH);
	/* Not a single method: a placeholder, never NULL. */
	assert_non_null(http_method_name(0));
	assert_string_equal(http_method_name(0), "?");
	assert_string_equal(http_method_name((enum http_method)(HTTP_GET | HTTP_POST)), "?");
}

/* ---- matching ---- */

static void test_literal_match(void **state)
{
	struct route_match m;

	(void)state;
	assert_int_equal(router_match(table, N(table), HTTP_GET, "/healthz", &m), ROUTER_FOUND);
	assert_ptr_equal(m.route, ROUTE(0));
	assert_int_equal(m.nparams, 0);

	assert_int_equal(router_match(table, N(table), HTTP_GET, "/v1/areas", &m), ROUTER_FOUND);
	assert_ptr_equal(m.route, ROUTE(1));
	assert_int_equal(m.nparams, 0);
	assert_null(router_param(&m, "code"));
}

static void test_param_match(void **state)
{
	struct route_match m;

	(void)state;
	assert_int_equal(router_match(table, N(table), HTTP_GET, "/v1/areas/E09000003", &m),
			 ROUTER_FOUND);
	assert_ptr_equal(m.route, ROUTE(2));
	assert_int_equal(m.nparams, 1);
	assert_param(&m, "code", "E09000003");
	assert_int_equal(m.name_lens[0], 4);
	assert_memory_equal(m.names[0], "code", 4);
	/* Only the exact name: no prefixes, no extensions, no other names. */
	assert_null(router_param(&m, "cod"));
	assert_null(router_param(&m, "codes"));
	assert_null(router_param(&m, "id"));
	assert_null(router_param(&m, ""));
}

static void test_two_params(void **state)
{
	struct route_match m;

	(void)state;
	assert_int_equal(router_match(table, N(table), HTTP_GET, "/v1/orgs/barnet/returns/42", &m),
			 ROUTER_FOUND);
	assert_ptr_equal(m.route, ROUTE(8));
	assert_int_equal(m.nparams, 2);
	assert_param(&m, "org", "barnet");
	assert_param(&m, "id", "42");
	/* A literal segment must match exactly. */
	assert_int_equal(router_match(table, N(table), HTTP_GET, "/v1/orgs/barnet/return/42", &m),
			 ROUTER_NOT_FOUND);
}

/* A parameter value is a copy: it does not run on into the next segment. */
static void test_param_value_is_one_segment(void **state)
{
	static const struct route routes[] = {
		{ .method = HTTP_GET, .template = "/a/{x}/b", .handler = handler_a },
	};
	struct route_match m;
	char path[] = "/a/value/b";

	(void)state;
	assert_int_equal(router_match(routes, N(routes), HTTP_GET, path, &m), ROUTER_FOUND);
	assert_param(&m, "x", "value");
	/* The match does not point into the caller's path. */
	memset(path, 'z', sizeof(path) - 1);
	assert_param(&m, "x", "value");
}

/* "/v1/returns/summary" beats "/v1/returns/{id}" wherever it sits in the table. */
static void test_literal_beats_param(void **state)
{
	static const struct route param_first[] = {
		{ .method = HTTP_GET, .template = "/v1/returns/{id}", .handler = handler_a },
		{ .method = HTTP_GET, .template = "/v1/returns/summary", .handler = handler_b },
	};
	static const struct route literal_first[] = {
		{ .method = HTTP_GET, .template = "/v1/returns/summary", .handler = handler_b },
		{ .method = HTTP_GET, .template = "/v1/returns/{id}", .handler = handler_a },
	};
	struct route_match m;

	(void)state;
	assert_int_equal(router_match(param_first, 2, HTTP_GET, "/v1/returns/summary", &m),
			 ROUTER_FOUND);
	assert_ptr_equal(m.route, &param_first[1]);
	assert_int_equal(m.nparams, 0);
	assert_null(router_param(&m, "id"));

	assert_int_equal(router_match(literal_first, 2, HTTP_GET, "/v1/returns/summary", &m),
			 ROUTER_FOUND);
	assert_ptr_equal(m.route, &literal_first[0]);
	assert_int_equal(m.nparams, 0);

	/* Anything else still goes to the placeholder. */
	assert_int_equal(router_match(param_first, 2, HTTP_GET, "/v1/returns/7", &m), ROUTER_FOUND);
	assert_ptr_equal(m.route, &param_first[0]);
	assert_param(&m, "id", "7");
	assert_int_equal(router_match(literal_first, 2, HTTP_GET, "/v1/returns/summaryx", &m),
			 ROUTER_FOUND);
	assert_ptr_equal(m.route, &literal_first[1]);
	assert_param(&m, "id", "summaryx");

	/* And in the service-shaped table too. */
	assert_int_equal(router_match(table, N(table), HTTP_GET, "/v1/returns/summary", &m),
			 ROUTER_FOUND);
	assert_ptr_equal(m.route, ROUTE(6));
}

/* The literal furthest to the left decides, not the number of literals. */
static void test_leftmost_literal_wins(void **state)
{
	static const struct route a_first[] = {
		{ .method = HTTP_GET, .template = "/a/{x}/{y}", .handler = handler_a },
		{ .method = HTTP_GET, .template = "/{p}/b/c", .handler = handler_b },
	};
	static const struct route a_last[] = {
		{ .method = HTTP_GET, .template = "/{p}/b/c", .handler = handler_b },
		{ .method = HTTP_GET, .template = "/a/{x}/{y}", .handler = handler_a },
	};
	static const struct route mid[] = {
		{ .method = HTTP_GET, .template = "/{p}/{q}/c", .handler = handler_a },
		{ .method = HTTP_GET, .template = "/{p}/b/{r}", .handler = handler_b },
	};
	struct route_match m;

	(void)state;
	assert_int_equal(router_match(a_first, 2, HTTP_GET, "/a/b/c", &m), ROUTER_FOUND);
	assert_ptr_equal(m.route, &a_first[0]);
	assert_param(&m, "x", "b");
	assert_param(&m, "y", "c");
	assert_null(router_param(&m, "p"));

	assert_int_equal(router_match(a_last, 2, HTTP_GET, "/a/b/c", &m), ROUTER_FOUND);
	assert_ptr_equal(m.route, &a_last[1]);

	assert_int_equal(router_match(mid, 2, HTTP_GET, "/a/b/c", &m), ROUTER_FOUND);
	assert_ptr_equal(m.route, &mid[1]);
	assert_param(&m, "p", "a");
	assert_param(&m, "r", "c");
	assert_null(router_param(&m, "q"));

	/* When only one template matches, it wins however unspecific. */
	assert_int_equal(router_match(a_first, 2, HTTP_GET, "/z/b/c", &m), ROUTER_FOUND);
	assert_ptr_equal(m.route, &a_first[1]);
	assert_param(&m, "p", "z");
}

/* A different segment count never matches. */
static void test_segment_count(void **state)
{
	struct route_match m;

	(void)state;
	assert_int_equal(router_match(table, N(table), HTTP_GET, "/v1", &m), ROUTER_NOT_FOUND);
	assert_int_equal(router_match(table, N(table), HTTP_GET, "/v1/areas/E09000003/wards", &m),
			 ROUTER_NOT_FOUND);
	assert_int_equal(router_match(table, N(table), HTTP_GET, "/healthz/x", &m), ROUTER_NOT_FOUND);
	assert_int_equal(router_match(table, N(table), HTTP_GET, "/health", &m), ROUTER_NOT_FOUND);
	assert_int_equal(router_match(table, N(table), HTTP_GET, "/healthzz", &m), ROUTER_NOT_FOUND);
	/* Deeper than any template, or not a path at all. */
	assert_int_equal(router_match(table, N(table), HTTP_GET,
				      "/v1/a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p/q/r/s/t", &m), ROUTER_NOT_FOUND);
	assert_int_equal(router_match(table, N(table), HTTP_GET, "healthz", &m), ROUTER_NOT_FOUND);
	assert_int_equal(router_match(table, N(table), HTTP_GET, "", &m), ROUTER_NOT_FOUND);
	assert_int_equal(router_match(table, N(table), HTTP_GET, "/healthz", &m), ROUTER_FOUND);
}

static void test_trailing_slash_and_empty_segments(void **state)
{
	struct route_match m;

	(void)state;
	assert_int_equal(router_match(table, N(table), HTTP_GET, "/healthz/", &m), ROUTER_NOT_FOUND);
	assert_int_equal(router_match(table, N(table), HTTP_GET, "/v1/areas/", &m), ROUTER_NOT_FOUND);
	assert_int_equal(router_match(table, N(table), HTTP_GET, "/v1/areas/E09000003/", &m),
			 ROUTER_NOT_FOUND);
	assert_int_equal(router_match(table, N(table), HTTP_GET, "/v1//areas", &m), ROUTER_NOT_FOUND);
	assert_int_equal(router_match(table, N(table), HTTP_GET, "//v1/areas", &m), ROUTER_NOT_FOUND);
	assert_int_equal(router_match(table, N(table), HTTP_GET, "/v1/areas//", &m), ROUTER_NOT_FOUND);
	/* A placeholder needs a non-empty segment. */
	assert_int_equal(router_match(table, N(table), HTTP_GET, "/v1/orgs//returns/1", &m),
			 ROUTER_NOT_FOUND);
	assert_int_equal(router_match(table, N(table), HTTP_GET, "/v1/orgs/x/returns/", &m),
			 ROUTER_NOT_FOUND);
	/* No leading slash, or nothing at all. */
	assert_int_equal(router_match(table, N(table), HTTP_GET, "healthz", &m), ROUTER_NOT_FOUND);
	assert_int_equal(router_match(table, N(table), HTTP_GET, "", &m), ROUTER_NOT_FOUND);
	assert_int_equal(router_match(table, N(table), HTTP_GET, "/", &m), ROUTER_NOT_FOUND);
}

static void test_root_template(void **state)
{
	static const struct route routes[] = {
		{ .method = HTTP_GET, .template = "/", .handler = handler_a },
		{ .method = HTTP_GET, .template = "/{x}", .handler = handler_b },
	};
	struct route_match m;

	(void)state;
	assert_int_equal(router_match(routes, 2, HTTP_GET, "/", &m), ROUTER_FOUND);
	assert_ptr_equal(m.route, &routes[0]);
	assert_int_equal(router_match(routes, 2, HTTP_GET, "/a", &m), ROUTER_FOUND);
	assert_ptr_equal(m.route, &routes[1]);
	assert_param(&m, "x", "a");
	assert_int_equal(router_match(routes, 2, HTTP_GET, "//", &m), ROUTER_NOT_FOUND);
}

static void test_empty_table(void **state)
{
	struct route_match m;

	(void)state;
	assert_int_equal(router_match(table, 0, HTTP_GET, "/healthz", &m), ROUTER_NOT_FOUND);
	assert_null(m.route);
	assert_int_equal(m.allowed, 0);
}

/* ---- methods ---- */

static void test_head_matches_get(void **state)
{
	struct route_match m;

	(void)state;
	assert_int_equal(router_match(table, N(table), HTTP_HEAD, "/v1/areas/E09000003", &m),
			 ROUTER_FOUND);
	assert_ptr_equal(m.route, ROUTE(2));
	assert_int_equal(m.route->method, HTTP_GET);
	assert_param(&m, "code", "E09000003");
	/* The most specific GET route serves HEAD as well. */
	assert_int_equal(router_match(table, N(table), HTTP_HEAD, "/v1/returns/summary", &m),
			 ROUTER_FOUND);
	assert_ptr_equal(m.route, ROUTE(6));
}

/* HEAD is not served by POST: a POST-only path answers 405 to HEAD. */
static void test_head_without_get(void **state)
{
	struct route_match m;

	(void)state;
	assert_int_equal(router_match(table, N(table), HTTP_HEAD, "/v1/returns", &m),
			 ROUTER_METHOD_NOT_ALLOWED);
	assert_int_equal(m.allowed, HTTP_POST | HTTP_OPTIONS);
}

static void test_method_not_allowed(void **state)
{
	struct route_match m;

	(void)state;
	assert_int_equal(router_match(table, N(table), HTTP_POST, "/v1/areas", &m),
			 ROUTER_METHOD_NOT_ALLOWED);
	assert_null(m.route);
	assert_int_equal(m.allowed, HTTP_GET | HTTP_HEAD | HTTP_OPTIONS);
	/* The log still names the template, never the raw path. */
	assert_string_equal(m.template, "/v1/areas");

	assert_int_equal(router_match(table, N(table), HTTP_GET, "/v1/returns", &m),
			 ROUTER_METHOD_NOT_ALLOWED);
	assert_int_equal(m.allowed, HTTP_POST | HTTP_OPTIONS);
}

/* allowed collects the methods of every template that matches the path. */
static void test_allowed_from_all_matching_templates(void **state)
{
	struct route_match m;

	(void)state;
	assert_int_equal(router_match(table, N(table), HTTP_PATCH, "/v1/returns/7", &m),
			 ROUTER_METHOD_NOT_ALLOWED);
	assert_int_equal(m.allowed, HTTP_GET | HTTP_HEAD | HTTP_PUT | HTTP_DELETE | HTTP_OPTIONS);

	/* "summary" also matches {id}, so DELETE and PUT are allowed there too. */
	assert_int_equal(router_match(table, N(table), HTTP_POST, "/v1/returns/summary", &m),
			 ROUTER_METHOD_NOT_ALLOWED);
	assert_int_equal(m.allowed, HTTP_GET | HTTP_HEAD | HTTP_PUT | HTTP_DELETE | HTTP_OPTIONS);

	/* A found match carries the same list (for OPTIONS and Allow). */
	assert_int_equal(router_match(table, N(table), HTTP_DELETE, "/v1/returns/7", &m),
			 ROUTER_FOUND);
	assert_ptr_equal(m.route, ROUTE(4));
	assert_param(&m, "id", "7");
	assert_int_equal(m.allowed, HTTP_GET | HTTP_HEAD | HTTP_PUT | HTTP_DELETE | HTTP_OPTIONS);
}

/* OPTIONS is never FOUND: it reports what the path allows. */
static void test_options(void **state)
{
	struct route_match m;

	(void)state;
	assert_int_equal(router_match(table, N(table), HTTP_OPTIONS, "/v1/areas/E09000003", &m),
			 ROUTER_METHOD_NOT_ALLOWED);
	assert_null(m.route);
	assert_int_equal(m.allowed, HTTP_GET | HTTP_HEAD | HTTP_OPTIONS);

	assert_int_equal(router_match(table, N(table), HTTP_OPTIONS, "/v1/returns", &m),
			 ROUTER_METHOD_NOT_ALLOWED);
	assert_int_equal(m.allowed, HTTP_POST | HTTP_OPTIONS);

	/* No route at the path: still NOT_FOUND. */
	assert_int_equal(router_match(table, N(table), HTTP_OPTIONS, "/nowhere", &m),
			 ROUTER_NOT_FOUND);
	assert_int_equal(m.allowed, 0);
}

/* An unknown method (0) on a real path is 405, not 404. */
static void test_unknown_method(void **state)
{
	struct route_match m;

	(void)state;
	assert_int_equal(router_match(table, N(table), http_method_parse("TRACE"), "/healthz", &m),
			 ROUTER_METHOD_NOT_ALLOWED);
	assert_int_equal(m.allowed, HTTP_GET | HTTP_HEAD | HTTP_OPTIONS);
	assert_int_equal(router_match(table, N(table), http_method_parse("TRACE"), "/nowhere", &m),
			 ROUTER_NOT_FOUND);
}

/* The output is reset on every call, whatever it held before. */
static void test_match_resets_output(void **state)
{
	struct route_match m;

	(void)state;
	memset(&m, 0x5a, sizeof(m));
	assert_int_equal(router_match(table, N(table), HTTP_GET, "/nowhere", &m), ROUTER_NOT_FOUND);
	assert_null(m.route);
	assert_int_equal(m.allowed, 0);
	assert_int_equal(m.nparams, 0);
	assert_null(router_param(&m, "code"));

	assert_int_equal(router_match(table, N(table), HTTP_GET, "/v1/orgs/o/returns/1", &m),
			 ROUTER_FOUND);
	assert_int_equal(m.nparams, 2);
	assert_int_equal(router_match(table, N(table), HTTP_GET, "/healthz", &m), ROUTER_FOUND);
	assert_int_equal(m.nparams, 0);
	assert_null(router_param(&m, "org"));
	assert_null(router_param(&m, "id"));
}

/* ---- parameter limits ---- */

static void test_param_storage_limit(void **state)
{
	static const struct route routes[] = {
		{ .method = HTTP_GET, .template = "/x/{v}", .handler = handler_a },
	};
	char path[3 + ROUTER_PARAM_STORAGE + 2];
	struct route_match m;

	(void)state;
	/* 511 bytes and the NUL fill the storage exactly. */
	memcpy(path, "/x/", 3);
	memset(path + 3, 'a', ROUTER_PARAM_STORAGE - 1);
	path[3 + ROUTER_PARAM_STORAGE - 1] = '\0';
	assert_int_equal(router_match(routes, 1, HTTP_GET, path, &m), ROUTER_FOUND);
	assert_int_equal(strlen(router_param(&m, "v")), ROUTER_PARAM_STORAGE - 1);
	assert_memory_equal(router_param(&m, "v"), path + 3, ROUTER_PARAM_STORAGE - 1);

	/* One byte more cannot be held: not found rather than truncated. */
	memset(path + 3, 'a', ROUTER_PARAM_STORAGE);
	path[3 + ROUTER_PARAM_STORAGE] = '\0';
	assert_int_equal(router_match(routes, 1, HTTP_GET, path, &m), ROUTER_NOT_FOUND);
}

/* The storage is shared: several values together must fit. */
static void test_param_storage_shared(void **state)
{
	static const struct route routes[] = {
		{ .method = HTTP_GET, .template = "/x/{a}/{b}", .handler = handler_a },
	};
	char path[600];
	struct route_match m;
	size_t la = 300, lb = ROUTER_PARAM_STORAGE - 300 - 2; /* 300+1 + 210+1 = 512 */

	(void)state;
	memcpy(path, "/x/", 3);
	memset(path + 3, 'a', la);
	path[3 + la] = '/';
	memset(path + 4 + la, 'b', lb);
	path[4 + la + lb] = '\0';
	assert_int_equal(router_match(routes, 1, HTTP_GET, path, &m), ROUTER_FOUND);
	assert_int_equal(strlen(router_param(&m, "a")), la);
	assert_int_equal(strlen(router_param(&m, "b")), lb);
	assert_int_equal(router_param(&m, "b")[0], 'b');

	/* One more byte in the second value overflows the shared storage. */
	path[4 + la + lb] = 'b';
	path[5 + la + lb] = '\0';
	assert_int_equal(router_match(routes, 1, HTTP_GET, path, &m), ROUTER_NOT_FOUND);
}

static void test_param_count_limit(void **state)
{
	static const struct route four[] = {
		{ .method = HTTP_GET, .template = "/{a}/{b}/{c}/{d}", .handler = handler_a },
	};
	static const struct route five[] = {
		{ .method = HTTP_GET, .template = "/{a}/{b}/{c}/{d}/{e}", .handler = handler_a },
	};
	struct route_match m;

	(void)state;
	assert_int_equal(router_match(four, 1, HTTP_GET, "/1/2/3/4", &m), ROUTER_FOUND);
	assert_int_equal(m.nparams, ROUTER_MAX_PARAMS);
	assert_param(&m, "a", "1");
	assert_param(&m, "b", "2");
	assert_param(&m, "c", "3");
	assert_param(&m, "d", "4");
	/* More placeholders than the match can hold: never served. */
	assert_int_equal(router_match(five, 1, HTTP_GET, "/1/2/3/4/5", &m), ROUTER_NOT_FOUND);
}

/* ---- router_allow_header ---- */

static void test_allow_header(void **state)
{
	char buf[96];

	(void)state;
	router_allow_header(HTTP_GET | HTTP_HEAD | HTTP_OPTIONS, buf, sizeof(buf));
	assert_string_equal(buf, "GET, HEAD, OPTIONS");
	router_allow_header(HTTP_POST | HTTP_OPTIONS, buf, sizeof(buf));
	assert_string_equal(buf, "POST, OPTIONS");
	router_allow_header(HTTP_OPTIONS, buf, sizeof(buf));
	assert_string_equal(buf, "OPTIONS");
	/* Fixed order whatever the bits. */
	router_allow_header(HTTP_OPTIONS | HTTP_DELETE | HTTP_PATCH | HTTP_PUT | HTTP_POST |
			    HTTP_HEAD | HTTP_GET, buf, sizeof(buf));
	assert_string_equal(buf, "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS");
	router_allow_header(HTTP_DELETE | HTTP_GET, buf, sizeof(buf));
	assert_string_equal(buf, "GET, DELETE");
	/* Nothing allowed: empty text, not stale text. */
	router_allow_header(0, buf, sizeof(buf));
	assert_string_equal(buf, "");
}

static void test_allow_header_from_match(void **state)
{
	struct route_match m;
	char buf[96];

	(void)state;
	assert_int_equal(router_match(table, N(table), HTTP_PATCH, "/v1/returns/7", &m),
			 ROUTER_METHOD_NOT_ALLOWED);
	router_allow_header(m.allowed, buf, sizeof(buf));
	assert_string_equal(buf, "GET, HEAD, PUT, DELETE, OPTIONS");
}

/* A small buffer is never overrun and always terminated. */
static void test_allow_header_small_buffer(void **state)
{
	const char *full = "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS";
	unsigned all = HTTP_GET | HTTP_HEAD | HTTP_POST | HTTP_PUT | HTTP_PATCH | HTTP_DELETE |
		       HTTP_OPTIONS;
	char buf[64];

	(void)state;
	for (size_t size = 1; size <= strlen(full) + 1; size++) {
		memset(buf, '#', sizeof(buf));
		router_allow_header(all, buf, size);
		assert_true(strlen(buf) < size);
		assert_int_equal(strncmp(buf, full, strlen(buf)), 0);
		assert_int_equal(buf[size], '#');
	}
	router_allow_header(all, buf, strlen(full) + 1);
	assert_string_equal(buf, full);
	router_allow_header(HTTP_GET, buf, 4);
	assert_string_equal(buf, "GET");

	/* Size 0 writes nothing at all. */
	memset(buf, '#', sizeof(buf));
	router_allow_header(all, buf, 0);
	assert_int_equal(buf[0], '#');
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_method_parse_known),
		cmocka_unit_test(test_method_parse_unknown),
		cmocka_unit_test(test_method_name),
		cmocka_unit_test(test_literal_match),
		cmocka_unit_test(test_param_match),
		cmocka_unit_test(test_two_params),
		cmocka_unit_test(test_param_value_is_one_segment),
		cmocka_unit_test(test_literal_beats_param),
		cmocka_unit_test(test_leftmost_literal_wins),
		cmocka_unit_test(test_segment_count),
		cmocka_unit_test(test_trailing_slash_and_empty_segments),
		cmocka_unit_test(test_root_template),
		cmocka_unit_test(test_empty_table),
		cmocka_unit_test(test_head_matches_get),
		cmocka_unit_test(test_head_without_get),
		cmocka_unit_test(test_method_not_allowed),
		cmocka_unit_test(test_allowed_from_all_matching_templates),
		cmocka_unit_test(test_options),
		cmocka_unit_test(test_unknown_method),
		cmocka_unit_test(test_match_resets_output),
		cmocka_unit_test(test_param_storage_limit),
		cmocka_unit_test(test_param_storage_shared),
		cmocka_unit_test(test_param_count_limit),
		cmocka_unit_test(test_allow_header),
		cmocka_unit_test(test_allow_header_from_match),
		cmocka_unit_test(test_allow_header_small_buffer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
