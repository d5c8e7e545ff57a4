/*
 * test_contract.c - the contract's checks (src/http/contract.c) on small
 * hand-made tables: each keyword passes and fails, pointers, every problem
 * at once, route binding.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "http/contract.h"
#include "http/query.h"

/* A node with no bounds; tests set what they check, overriding the
 * defaults: that is the point of the macro. */
#pragma GCC diagnostic ignored "-Woverride-init"
#define NODE(...) { .min_length = -1, .max_length = -1, .min_items = -1, .max_items = -1, \
		    .min_props = -1, .max_props = -1, .pattern = -1, .items = -1,       \
		    .additional = -1, __VA_ARGS__ }

enum {
	N_ROOT, N_NAME, N_COUNT, N_RATIO, N_KIND, N_DAY, N_ID, N_TAGS, N_TAG, N_NOTE,
	N_EXTRA, N_EXTRA_VALUE, N_CHOICE, N_CHOICE_A, N_CHOICE_B, N_FLAG, N_LIMIT, N_AREA, N_COUNT_OF
};

static const struct contract_value values[] = {
	{ CONTRACT_STRING, "red", 0 }, { CONTRACT_STRING, "green", 0 },   /* kind */
	{ CONTRACT_INTEGER, NULL, 3 },                                     /* count_of: const 3 */
};

static const struct contract_prop props[] = {
	/* root: 0..8 */
	{ "name", N_NAME, true }, { "count", N_COUNT, false }, { "ratio", N_RATIO, false },
	{ "kind", N_KIND, false }, { "day", N_DAY, false }, { "id", N_ID, false },
	{ "tags", N_TAGS, false }, { "note", N_NOTE, false }, { "extra", N_EXTRA, false },
	{ "choice", N_CHOICE, false }, { "flag", N_FLAG, false }, { "three", N_COUNT_OF, false },
	/* choice A: 12, choice B: 13-14 */
	{ "a", N_NAME, true },
	{ "b", N_NAME, true }, { "why", N_NAME, false },
};

static const int subs[] = { N_CHOICE_A, N_CHOICE_B };
static const char *const patterns[] = { "^[a-z]+$", "^[EW][0-9]{2}$", NULL };

static const struct contract_node nodes[] = {
	[N_ROOT] = NODE(.types = CONTRACT_OBJECT, .flags = CONTRACT_CLOSED, .prop_first = 0,
			.nprops = 12, .max_props = 11),
	[N_NAME] = NODE(.types = CONTRACT_STRING, .min_length = 1, .max_length = 3),
	[N_COUNT] = NODE(.types = CONTRACT_INTEGER, .flags = CONTRACT_HAS_MIN | CONTRACT_HAS_MAX,
			 .minimum = 0, .maximum = 10),
	[N_RATIO] = NODE(.types = CONTRACT_NUMBER | CONTRACT_NULL,
			 .flags = CONTRACT_HAS_MIN | CONTRACT_HAS_MAX | CONTRACT_EXCL_MIN | CONTRACT_EXCL_MAX,
			 .minimum = 0, .maximum = 1),
	[N_KIND] = NODE(.types = CONTRACT_STRING, .enum_first = 0, .nenum = 2),
	[N_DAY] = NODE(.types = CONTRACT_STRING, .format = CONTRACT_FORMAT_DATE),
	[N_ID] = NODE(.types = CONTRACT_STRING, .format = CONTRACT_FORMAT_UUID),
	[N_TAGS] = NODE(.types = CONTRACT_ARRAY, .flags = CONTRACT_UNIQUE_ITEMS, .min_items = 1,
			.max_items = 3, .items = N_TAG),
	[N_TAG] = NODE(.types = CONTRACT_STRING, .pattern = 0),
	[N_NOTE] = NODE(.types = 0),
	[N_EXTRA] = NODE(.types = CONTRACT_OBJECT, .min_props = 1, .additional = N_EXTRA_VALUE),
	[N_EXTRA_VALUE] = NODE(.types = CONTRACT_BOOLEAN),
	[N_CHOICE] = NODE(.one_of_first = 0, .none_of = 2),
	[N_CHOICE_A] = NODE(.types = CONTRACT_OBJECT, .flags = CONTRACT_CLOSED, .prop_first = 12, .nprops = 1),
	[N_CHOICE_B] = NODE(.types = CONTRACT_OBJECT, .flags = CONTRACT_CLOSED, .prop_first = 13, .nprops = 2),
	[N_FLAG] = NODE(.types = CONTRACT_BOOLEAN),
	[N_LIMIT] = NODE(.types = CONTRACT_INTEGER, .flags = CONTRACT_HAS_MIN | CONTRACT_HAS_MAX,
			 .minimum = 1, .maximum = 500),
	[N_AREA] = NODE(.types = CONTRACT_STRING, .pattern = 1,
			.refusal = "must be an area code such as E01 (GET /areas lists them)"),
	[N_COUNT_OF] = NODE(.types = CONTRACT_INTEGER, .enum_first = 2, .nenum = 1),
};

static const struct contract_param params[] = {
	{ "limit", false, false, true, -1, -1, N_LIMIT },
	{ "kind", false, false, true, -1, -1, N_KIND },
	{ "area", false, true, true, -1, 3, N_AREA },
	{ "areas", false, true, false, -1, -1, N_AREA },
	{ "format", false, false, true, -1, -1, N_KIND },
	{ "need", true, false, true, -1, -1, N_NAME },
};

static const struct contract_op ops[] = {
	{ HTTP_GET, "/things", 0, 5, -1, false, false, NULL },
	{ HTTP_POST, "/things/{id}", 0, 0, N_ROOT, true, false, "manage:things,admin" },
	{ HTTP_GET, "/needs", 5, 1, -1, false, false, NULL },
	{ HTTP_OPTIONS, "/things", 0, 0, -1, false, false, NULL },
};

static const struct contract_table table = {
	.nodes = nodes, .nnodes = sizeof(nodes) / sizeof(nodes[0]), .props = props,
	.values = values, .subs = subs, .patterns = patterns, .npatterns = 2, .params = params,
	.ops = ops, .nops = sizeof(ops) / sizeof(ops[0]),
};

static const struct route routes[] = {
	{ .method = HTTP_GET, .template = "/things", .flags = ROUTE_CSV },
	{ .method = HTTP_POST, .template = "/things/{thing}", .scope = "manage:things,admin" },
	{ .method = HTTP_GET, .template = "/needs" },
};

static int setup(void **state)
{
	char err[128];

	(void)state;
	return contract_bind(&table, routes, 3, err, sizeof(err));
}

static int teardown(void **state)
{
	(void)state;
	contract_unbind();
	return 0;
}

/* The problems of body (JSON text) as "pointer detail" lines. */
static json_t *check(const char *text)
{
	json_error_t e;
	json_t *body = json_loads(text, 0, &e), *errors = json_array();
	size_t n;

	assert_non_null(body);
	n = contract_validate_json(body, N_ROOT, errors);
	assert_int_equal(n, json_array_size(errors));
	json_decref(body);
	return errors;
}

static void assert_problems(const char *text, const char *const *pointers)
{
	json_t *errors = check(text);
	size_t n = 0;

	for (; pointers[n]; n++) {
		json_t *e = json_array_get(errors, n);

		if (!e || strcmp(json_string_value(json_object_get(e, "pointer")), pointers[n]) != 0)
			fail_msg("%s: problem %zu is %s, expected %s", text, n,
				 e ? json_string_value(json_object_get(e, "pointer")) : "(none)", pointers[n]);
		assert_non_null(json_string_value(json_object_get(e, "detail")));
	}
	if (json_array_size(errors) != n)
		fail_msg("%s: %zu problems, expected %zu (%s)", text, json_array_size(errors), n,
			 json_dumps(errors, 0));
	json_decref(errors);
}

#define OK(text) assert_problems(text, (const char *const[]){ NULL })
#define BAD(text, ...) assert_problems(text, (const char *const[]){ __VA_ARGS__, NULL })

static void test_types_and_required(void **state)
{
	(void)state;
	OK("{\"name\": \"ab\"}");
	BAD("{}", "/name");
	BAD("{\"name\": null}", "/name");
	BAD("{\"name\": 5}", "/name");
	BAD("{\"name\": \"a\", \"count\": 2.0}", "/count");       /* integer: a JSON integer */
	BAD("{\"name\": \"a\", \"count\": \"2\"}", "/count");
	OK("{\"name\": \"a\", \"count\": 2, \"ratio\": 0.5, \"flag\": false, \"note\": [1, {}]}");
	OK("{\"name\": \"a\", \"ratio\": null}");                  /* a type set with null */
	BAD("{\"name\": \"a\", \"flag\": 0}", "/flag");
}

static void test_numbers(void **state)
{
	(void)state;
	OK("{\"name\": \"a\", \"count\": 0}");
	OK("{\"name\": \"a\", \"count\": 10}");
	BAD("{\"name\": \"a\", \"count\": -1}", "/count");
	BAD("{\"name\": \"a\", \"count\": 11}", "/count");
	BAD("{\"name\": \"a\", \"ratio\": 0}", "/ratio");         /* exclusive */
	BAD("{\"name\": \"a\", \"ratio\": 1.0}", "/ratio");
	OK("{\"name\": \"a\", \"ratio\": 0.999}");
}

static void test_strings(void **state)
{
	(void)state;
	BAD("{\"name\": \"\"}", "/name");
	BAD("{\"name\": \"abcd\"}", "/name");
	OK("{\"name\": \"\\u00e9\\u00e9\\u00e9\"}");     /* three code points, six bytes */
	OK("{\"name\": \"a\", \"kind\": \"green\"}");
	BAD("{\"name\": \"a\", \"kind\": \"blue\"}", "/kind");
	OK("{\"name\": \"a\", \"three\": 3}");
	BAD("{\"name\": \"a\", \"three\": 4}", "/three");
	OK("{\"name\": \"a\", \"day\": \"2024-02-29\"}");
	BAD("{\"name\": \"a\", \"day\": \"2023-02-29\"}", "/day");
	BAD("{\"name\": \"a\", \"day\": \"2024-2-29\"}", "/day");
	BAD("{\"name\": \"a\", \"day\": \"2024-04-31\"}", "/day");
	OK("{\"name\": \"a\", \"id\": \"3ad7dc14-26b8-42ba-bbb6-1d54bab182df\"}");
	BAD("{\"name\": \"a\", \"id\": \"3ad7dc14-26b8-42ba-bbb6-1d54bab182d\"}", "/id");
	OK("{\"name\": \"a\", \"tags\": [\"x\", \"y\"]}");
	BAD("{\"name\": \"a\", \"tags\": [\"x\", \"Y\"]}", "/tags/1");   /* pattern */
}

static void test_arrays_and_objects(void **state)
{
	(void)state;
	BAD("{\"name\": \"a\", \"tags\": []}", "/tags");
	BAD("{\"name\": \"a\", \"tags\": [\"a\", \"b\", \"c\", \"d\"]}", "/tags");
	/* Over maxItems: the items are not walked. */
	BAD("{\"name\": \"a\", \"tags\": [1, 2, 3, 4]}", "/tags");
	BAD("{\"name\": \"a\", \"tags\": [\"a\", \"b\", \"a\"]}", "/tags/2");  /* uniqueItems */
	BAD("{\"name\": \"a\", \"tags\": [null, \"b\"]}", "/tags/0");
	OK("{\"name\": \"a\", \"extra\": {\"x\": true}}");
	BAD("{\"name\": \"a\", \"extra\": {}}", "/extra");                    /* minProperties */
	BAD("{\"name\": \"a\", \"extra\": {\"x\": 1}}", "/extra/x");          /* additionalProperties schema */
	BAD("{\"name\": \"a\", \"colour\": 1}", "/colour");                   /* closed */
	BAD("{\"name\": \"a\", \"count\": 1, \"ratio\": 0.5, \"kind\": \"red\", \"day\": \"2024-01-01\","
	    " \"tags\": [\"a\"], \"note\": 1, \"extra\": {\"a\": true}, \"flag\": true, \"three\": 3,"
	    " \"id\": \"3ad7dc14-26b8-42ba-bbb6-1d54bab182df\", \"choice\": {\"a\": \"x\"}}", "");        /* maxProperties */
}

static void test_one_of(void **state)
{
	(void)state;
	OK("{\"name\": \"a\", \"choice\": {\"a\": \"x\"}}");
	OK("{\"name\": \"a\", \"choice\": {\"b\": \"x\", \"why\": \"y\"}}");
	/* Neither: the problems of the branch that declares the members sent. */
	BAD("{\"name\": \"a\", \"choice\": {\"why\": \"y\"}}", "/choice/b");
	/* As near to both: the first branch's. */
	BAD("{\"name\": \"a\", \"choice\": {\"b\": \"x\", \"a\": \"y\"}}", "/choice/b");
	BAD("{\"name\": \"a\", \"choice\": 7}", "/choice");
}

static void test_pointers_escape_and_every_problem_at_once(void **state)
{
	json_t *errors;

	(void)state;
	BAD("{\"name\": \"a\", \"a/b~c\": 1}", "/a~1b~0c");
	BAD("{\"name\": \"a\", \"\": 1}", "/");
	BAD("{\"count\": -1, \"kind\": \"x\", \"tags\": [\"a\", 2], \"zz\": 0, \"extra\": {\"q\": null}}",
	    "/name", "/count", "/kind", "/tags/1", "/extra/q", "/zz");
	errors = check("{\"name\": 1}");
	assert_string_equal(json_string_value(json_object_get(json_array_get(errors, 0), "detail")),
			    "must be a string");
	json_decref(errors);
}

/* ---- query parameters ---- */

static size_t query_problems(const char *raw, size_t op, json_t **errors_out)
{
	struct query q;
	struct query_error qerr;
	json_t *errors = json_array();
	size_t n, counted;

	assert_int_equal(query_parse(raw, &q, &qerr), 0);
	counted = contract_validate_query(&q, op, NULL);
	n = contract_validate_query(&q, op, errors);
	assert_int_equal(n, counted);                 /* counting alone finds the same */
	assert_int_equal(n, json_array_size(errors));
	query_release(&q);
	if (errors_out)
		*errors_out = errors;
	else
		json_decref(errors);
	return n;
}

static void test_query(void **state)
{
	json_t *errors;

	(void)state;
	assert_int_equal(query_problems("", 0, NULL), 0);
	assert_int_equal(query_problems("limit=500&kind=red&area=E01,W02&area=E03", 0, NULL), 0);
	assert_int_equal(query_problems("limit=0", 0, NULL), 1);
	assert_int_equal(query_problems("limit=501", 0, NULL), 1);
	assert_int_equal(query_problems("limit=1x", 0, NULL), 1);
	assert_int_equal(query_problems("limit=01", 0, NULL), 1);
	assert_int_equal(query_problems("limit=5&limit=5", 0, NULL), 1);     /* repetition */
	assert_int_equal(query_problems("kind=blue", 0, NULL), 1);
	assert_int_equal(query_problems("area=E1", 0, &errors), 1);            /* pattern */
	/* A pattern with an x-refusal says it, not the regular expression. */
	assert_string_equal(json_string_value(json_object_get(json_array_get(errors, 0), "detail")),
			    "must be an area code such as E01 (GET /areas lists them)");
	json_decref(errors);
	assert_int_equal(query_problems("area=E01,,W02", 0, NULL), 1);         /* empty item */
	assert_int_equal(query_problems("area=E01,E02&area=E03,E04", 0, NULL), 1);   /* maxItems 3 */
	assert_int_equal(query_problems("areas=E01,E02", 0, NULL), 0);
	assert_int_equal(query_problems("areas=E01&areas=E02", 0, NULL), 1);  /* not exploded */
	assert_int_equal(query_problems("colour=blue", 0, NULL), 1);          /* unknown */
	assert_int_equal(query_problems("", 2, NULL), 1);                     /* required */
	assert_int_equal(query_problems("need=ab", 2, NULL), 0);
	/* Every problem at once, each named once, in the order sent. */
	assert_int_equal(query_problems("limit=x&colour=1&colour=2&kind=blue", 0, &errors), 3);
	assert_string_equal(json_string_value(json_object_get(json_array_get(errors, 0), "parameter")), "limit");
	assert_string_equal(json_string_value(json_object_get(json_array_get(errors, 1), "parameter")), "colour");
	assert_string_equal(json_string_value(json_object_get(json_array_get(errors, 2), "parameter")), "kind");
	json_decref(errors);
}

/* ---- binding ---- */

static void test_binding(void **state)
{
	static const struct route missing_op[] = {
		{ .method = HTTP_GET, .template = "/things", .flags = ROUTE_CSV },
		{ .method = HTTP_POST, .template = "/things/{id}", .scope = "manage:things,admin" },
		{ .method = HTTP_GET, .template = "/needs" },
		{ .method = HTTP_DELETE, .template = "/things/{id}" },
	};
	static const struct route no_format[] = {
		{ .method = HTTP_GET, .template = "/things" },
		{ .method = HTTP_POST, .template = "/things/{id}", .scope = "manage:things,admin" },
		{ .method = HTTP_GET, .template = "/needs", .flags = ROUTE_CSV },
	};
	/* The contract's security requirement is what clients read: a route
	 * that enforces another scope, or none, is refused at start-up. */
	static const struct route other_scope[] = {
		{ .method = HTTP_GET, .template = "/things", .flags = ROUTE_CSV },
		{ .method = HTTP_POST, .template = "/things/{id}", .scope = "manage:things" },
		{ .method = HTTP_GET, .template = "/needs" },
	};
	static const struct route no_scope[] = {
		{ .method = HTTP_GET, .template = "/things", .flags = ROUTE_CSV },
		{ .method = HTTP_POST, .template = "/things/{id}" },
		{ .method = HTTP_GET, .template = "/needs" },
	};
	static const struct route scope_on_public[] = {
		{ .method = HTTP_GET, .template = "/things", .flags = ROUTE_CSV, .scope = "admin" },
		{ .method = HTTP_POST, .template = "/things/{id}", .scope = "manage:things,admin" },
		{ .method = HTTP_GET, .template = "/needs" },
	};
	char err[160];

	(void)state;
	/* Placeholder names may differ; OPTIONS needs only the path. */
	assert_int_equal(contract_op_of_route(1), 1);
	assert_int_equal(contract_bind(&table, missing_op, 4, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "DELETE /things/{id} is not in the contract"));
	assert_int_equal(contract_bind(&table, routes, 2, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "GET /needs of the contract has no route"));
	assert_int_equal(contract_bind(&table, no_format, 3, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "no format parameter"));
	assert_int_equal(contract_bind(&table, other_scope, 3, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "needs scope manage:things but its operation says manage:things,admin"));
	assert_int_equal(contract_bind(&table, no_scope, 3, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "needs scope (none)"));
	assert_int_equal(contract_bind(&table, scope_on_public, 3, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "its operation says (public)"));
	assert_int_equal(contract_bind(&table, routes, 3, err, sizeof(err)), 0);
	{
		int index = -1;

		assert_ptr_equal(contract_op_for(&routes[2], &index), &ops[2]);
		assert_int_equal(index, 2);
		assert_null(contract_op_for(&missing_op[0], &index));   /* not the bound table */
	}
}

static void test_a_pattern_that_does_not_compile_is_refused(void **state)
{
	static const char *const bad_patterns[] = { "^[a-z+$", NULL };
	struct contract_table t = table;
	char err[160];

	(void)state;
	t.patterns = bad_patterns;
	t.npatterns = 1;
	assert_int_equal(contract_bind(&t, routes, 3, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "does not compile"));
	assert_int_equal(contract_bind(&table, routes, 3, err, sizeof(err)), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_types_and_required),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_arrays_and_objects),
		cmocka_unit_test(test_one_of),
		cmocka_unit_test(test_pointers_escape_and_every_problem_at_once),
		cmocka_unit_test(test_query),
		cmocka_unit_test(test_binding),
		cmocka_unit_test(test_a_pattern_that_does_not_compile_is_refused),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
