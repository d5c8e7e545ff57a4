/* The response cache: generations per data area, ETag matching, entries. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "http/cache.h"

static int setup(void **state)
{
	(void)state;
	return cache_init();
}

static int teardown(void **state)
{
	(void)state;
	cache_set_enabled(false);
	cache_shutdown();
	return 0;
}

static void test_area_parse(void **state)
{
	(void)state;
	assert_int_equal(cache_area_parse("demographics"), DATA_DEMOGRAPHICS);
	assert_int_equal(cache_area_parse("hate_crime"), DATA_HATE_CRIME);
	assert_int_equal(cache_area_parse("reference"), DATA_REFERENCE);
	/* Anything unknown must make everything stale, never nothing. */
	assert_int_equal(cache_area_parse("nonsense"), DATA_ALL);
	assert_int_equal(cache_area_parse(""), DATA_ALL);
	assert_int_equal(cache_area_parse(NULL), DATA_ALL);
}

static void test_generation_off_is_zero(void **state)
{
	(void)state;
	cache_set_enabled(false);
	assert_true(cache_generation() == 0);
	assert_true(cache_generation_for(DATA_DEMOGRAPHICS) == 0);
}

static void test_generation_moves_only_for_its_areas(void **state)
{
	uint64_t demo, hate, all;

	(void)state;
	cache_set_enabled(true);
	demo = cache_generation_for(DATA_DEMOGRAPHICS | DATA_REFERENCE);
	hate = cache_generation_for(DATA_HATE_CRIME);
	all = cache_generation();
	assert_true(demo != 0 && hate != 0 && all != 0);

	cache_invalidate(DATA_HATE_CRIME);
	assert_true(cache_generation_for(DATA_DEMOGRAPHICS | DATA_REFERENCE) == demo);
	assert_true(cache_generation_for(DATA_HATE_CRIME) != hate);
	assert_true(cache_generation() != all);

	demo = cache_generation_for(DATA_DEMOGRAPHICS | DATA_REFERENCE);
	cache_invalidate(DATA_REFERENCE);
	assert_true(cache_generation_for(DATA_DEMOGRAPHICS | DATA_REFERENCE) != demo);
}

static void test_reconnect_makes_everything_stale(void **state)
{
	uint64_t before;

	(void)state;
	cache_set_enabled(true);
	before = cache_generation_for(DATA_DEMOGRAPHICS);
	cache_set_enabled(false);
	cache_set_enabled(true);
	assert_true(cache_generation_for(DATA_DEMOGRAPHICS) != before);
}

/* Derived tables follow the data whether or not responses are cached. */
static void test_data_generation_ignores_the_response_cache(void **state)
{
	uint64_t before;

	(void)state;
	cache_set_listening(false);
	cache_set_enabled(false);
	assert_int_equal(cache_data_generation_for(DATA_DEMOGRAPHICS), 0);
	cache_set_listening(true);
	before = cache_data_generation_for(DATA_DEMOGRAPHICS);
	assert_true(before != 0);
	assert_int_equal(cache_generation_for(DATA_DEMOGRAPHICS), 0);
	assert_int_equal(cache_data_generation_for(DATA_DEMOGRAPHICS), before);
	cache_invalidate(DATA_DEMOGRAPHICS);
	assert_true(cache_data_generation_for(DATA_DEMOGRAPHICS) != before);
	cache_set_listening(false);
	assert_int_equal(cache_data_generation_for(DATA_DEMOGRAPHICS), 0);
}

static void test_etag_matching(void **state)
{
	(void)state;
	assert_true(cache_etag_matches("\"abc\"", "\"abc\""));
	assert_true(cache_etag_matches("W/\"abc\"", "\"abc\""));
	assert_true(cache_etag_matches("\"x\", \"abc\"", "\"abc\""));
	assert_true(cache_etag_matches("*", "\"abc\""));
	assert_false(cache_etag_matches("\"abcd\"", "\"abc\""));
	assert_false(cache_etag_matches("abc", "\"abc\""));
	assert_false(cache_etag_matches("\"ab", "\"abc\""));
	assert_false(cache_etag_matches(NULL, "\"abc\""));
}

static void test_store_and_lookup(void **state)
{
	struct cached out;
	uint64_t gen;

	(void)state;
	cache_set_enabled(true);
	gen = cache_generation_for(DATA_DEMOGRAPHICS);
	cache_store("/v1/x?a=1#0", gen, "hello", 5, "application/json", "\"e1\"", NULL);

	assert_int_equal(cache_lookup("/v1/x?a=1#0", gen, NULL, &out), CACHE_HIT);
	assert_int_equal(out.len, 5);
	assert_memory_equal(out.body, "hello", 5);
	assert_string_equal(out.etag, "\"e1\"");
	cache_body_release(out.shared);
	free(out.link);

	/* If-None-Match: no body, but the full length for the 304. */
	assert_int_equal(cache_lookup("/v1/x?a=1#0", gen, "\"e1\"", &out), CACHE_NOT_MODIFIED);
	assert_null(out.body);
	assert_int_equal(out.len, 5);

	/* Another key, or a newer generation, is a miss. */
	assert_int_equal(cache_lookup("/v1/x?a=2#0", gen, NULL, &out), CACHE_MISS);
	cache_invalidate(DATA_DEMOGRAPHICS);
	assert_int_equal(cache_lookup("/v1/x?a=1#0", cache_generation_for(DATA_DEMOGRAPHICS),
				      NULL, &out), CACHE_MISS);
	/* Nothing is cached while caching is off. */
	assert_int_equal(cache_lookup("/v1/x?a=1#0", 0, NULL, &out), CACHE_MISS);
}

/* A hit shares the stored body: an answer still sending it keeps it when
 * a newer store replaces the entry (freed with the last reference). */
static void test_hit_keeps_its_body_when_replaced(void **state)
{
	struct cached a, b;
	uint64_t gen;

	(void)state;
	cache_set_enabled(true);
	gen = cache_generation_for(DATA_WORKFORCE);
	cache_store("/v1/y#0", gen, "first", 5, "application/json", "\"e1\"", NULL);
	assert_int_equal(cache_lookup("/v1/y#0", gen, NULL, &a), CACHE_HIT);
	cache_store("/v1/y#0", gen, "second!", 7, "application/json", "\"e2\"", NULL);
	assert_int_equal(cache_lookup("/v1/y#0", gen, NULL, &b), CACHE_HIT);
	assert_memory_equal(a.body, "first", 5);
	assert_memory_equal(b.body, "second!", 7);
	assert_ptr_not_equal(a.shared, b.shared);
	cache_body_release(a.shared);
	cache_body_release(b.shared);
	cache_body_release(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_area_parse),
		cmocka_unit_test(test_generation_off_is_zero),
		cmocka_unit_test(test_generation_moves_only_for_its_areas),
		cmocka_unit_test(test_reconnect_makes_everything_stale),
		cmocka_unit_test(test_data_generation_ignores_the_response_cache),
		cmocka_unit_test(test_etag_matching),
		cmocka_unit_test(test_store_and_lookup),
		cmocka_unit_test(test_hit_keeps_its_body_when_replaced),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
