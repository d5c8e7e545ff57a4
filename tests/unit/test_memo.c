/*
 * The memo kit: hits share one table, a newer generation replaces an older
 * one without freeing it under a reader, generation 0 never stores, a
 * failed build is retried, and concurrent misses build once.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "api/kit/memo.h"

struct table {
	uint64_t gen;
	char key[32];
};

static int builds, frees;
static bool fail_next;

static void table_free(void *v)
{
	frees++;
	free(v);
}

static void *table_build(void *ctx, const char *key, uint64_t gen)
{
	struct table *t;

	(void)ctx;
	if (fail_next) {
		fail_next = false;
		return NULL;
	}
	builds++;
	t = calloc(1, sizeof(*t));
	if (t) {
		t->gen = gen;
		strncpy(t->key, key, sizeof(t->key) - 1);
	}
	return t;
}

static int reset(void **state)
{
	(void)state;
	builds = frees = 0;
	fail_next = false;
	return 0;
}

static void test_hit_shares_one_table(void **state)
{
	static struct memo m = MEMO_INIT(table_free);
	struct memo_ref a, b, c;

	(void)state;
	assert_int_equal(memo_get(&m, "x", 3, table_build, NULL, &a), 0);
	assert_int_equal(memo_get(&m, "x", 3, table_build, NULL, &b), 0);
	assert_ptr_equal(a.value, b.value);
	assert_int_equal(builds, 1);
	assert_int_equal(memo_get(&m, "y", 3, table_build, NULL, &c), 0);
	assert_ptr_not_equal(a.value, c.value);
	assert_string_equal(((struct table *)c.value)->key, "y");
	assert_int_equal(builds, 2);
	memo_release(&m, &a);
	memo_release(&m, &b);
	memo_release(&m, &c);
	assert_null(a.entry);
	assert_int_equal(frees, 0);   /* still stored */
	memo_clear(&m);
	assert_int_equal(frees, 2);
}

static void test_newer_generation_replaces_without_freeing_a_reader(void **state)
{
	static struct memo m = MEMO_INIT(table_free);
	struct memo_ref old, young, again;

	(void)state;
	assert_int_equal(memo_get(&m, "x", 1, table_build, NULL, &old), 0);
	assert_int_equal(memo_get(&m, "x", 2, table_build, NULL, &young), 0);
	assert_int_equal(builds, 2);
	assert_int_equal(frees, 0);   /* old is unstored but still read */
	assert_int_equal(((struct table *)old.value)->gen, 1);
	memo_release(&m, &old);
	assert_int_equal(frees, 1);
	assert_int_equal(memo_get(&m, "x", 2, table_build, NULL, &again), 0);
	assert_ptr_equal(again.value, young.value);
	memo_release(&m, &again);
	memo_release(&m, &young);
	assert_int_equal(frees, 1);
	memo_clear(&m);
	assert_int_equal(frees, 2);
}

static void test_newer_generation_drops_other_keys(void **state)
{
	static struct memo m = MEMO_INIT(table_free);
	struct memo_ref a, b;

	(void)state;
	assert_int_equal(memo_get(&m, "a", 1, table_build, NULL, &a), 0);
	memo_release(&m, &a);
	assert_int_equal(memo_get(&m, "b", 2, table_build, NULL, &b), 0);
	assert_int_equal(frees, 1);   /* "a" of generation 1 went with it */
	memo_release(&m, &b);
	memo_clear(&m);
	assert_int_equal(frees, 2);
}

static void test_older_generation_is_not_stored(void **state)
{
	static struct memo m = MEMO_INIT(table_free);
	struct memo_ref young, old, young2;

	(void)state;
	assert_int_equal(memo_get(&m, "x", 5, table_build, NULL, &young), 0);
	assert_int_equal(memo_get(&m, "x", 4, table_build, NULL, &old), 0);
	assert_int_equal(((struct table *)old.value)->gen, 4);
	memo_release(&m, &old);
	assert_int_equal(frees, 1);
	assert_int_equal(memo_get(&m, "x", 5, table_build, NULL, &young2), 0);
	assert_ptr_equal(young.value, young2.value);
	assert_int_equal(builds, 2);
	memo_release(&m, &young);
	memo_release(&m, &young2);
	memo_clear(&m);
	assert_int_equal(frees, 2);
}

static void test_generation_zero_never_stores(void **state)
{
	static struct memo m = MEMO_INIT(table_free);
	struct memo_ref a, b;

	(void)state;
	assert_int_equal(memo_get(&m, "x", 0, table_build, NULL, &a), 0);
	assert_int_equal(memo_get(&m, "x", 0, table_build, NULL, &b), 0);
	assert_ptr_not_equal(a.value, b.value);
	assert_int_equal(builds, 2);
	memo_release(&m, &a);
	assert_int_equal(frees, 1);
	memo_release(&m, &b);
	assert_int_equal(frees, 2);
}

static void test_failed_build_is_retried(void **state)
{
	static struct memo m = MEMO_INIT(table_free);
	struct memo_ref a, b;

	(void)state;
	fail_next = true;
	assert_int_equal(memo_get(&m, "x", 1, table_build, NULL, &a), -1);
	assert_null(a.value);
	memo_release(&m, &a);   /* a no-op on an empty reference */
	assert_int_equal(memo_get(&m, "x", 1, table_build, NULL, &b), 0);
	assert_int_equal(builds, 1);
	memo_release(&m, &b);
	memo_clear(&m);
	assert_int_equal(frees, 1);
}

static void test_long_key_is_built_every_time(void **state)
{
	static struct memo m = MEMO_INIT(table_free);
	char key[MEMO_KEY_MAX + 8];
	struct memo_ref a, b;

	(void)state;
	memset(key, 'k', sizeof(key) - 1);
	key[sizeof(key) - 1] = '\0';
	assert_int_equal(memo_get(&m, key, 1, table_build, NULL, &a), 0);
	assert_int_equal(memo_get(&m, key, 1, table_build, NULL, &b), 0);
	assert_int_equal(builds, 2);
	memo_release(&m, &a);
	memo_release(&m, &b);
	assert_int_equal(frees, 2);
}

/* ---- concurrent misses ---- */

#define NTHREADS 8

static pthread_mutex_t gate_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_cond = PTHREAD_COND_INITIALIZER;
static int started;
static int concurrent_builds;
static struct memo shared = MEMO_INIT(table_free);

/* The one build holds the others back until every thread has started, so
 * they all ask while it is in progress. */
static void *slow_build(void *ctx, const char *key, uint64_t gen)
{
	pthread_mutex_lock(&gate_lock);
	concurrent_builds++;
	while (started < NTHREADS)
		pthread_cond_wait(&gate_cond, &gate_lock);
	pthread_mutex_unlock(&gate_lock);
	return table_build(ctx, key, gen);
}

static void *reader(void *arg)
{
	struct memo_ref *ref = arg;

	pthread_mutex_lock(&gate_lock);
	started++;
	pthread_cond_broadcast(&gate_cond);
	pthread_mutex_unlock(&gate_lock);
	if (memo_get(&shared, "x", 7, slow_build, NULL, ref) != 0)
		ref->value = NULL;
	return NULL;
}

static void test_concurrent_misses_build_once(void **state)
{
	pthread_t th[NTHREADS];
	struct memo_ref refs[NTHREADS];

	(void)state;
	for (int i = 0; i < NTHREADS; i++)
		assert_int_equal(pthread_create(&th[i], NULL, reader, &refs[i]), 0);
	for (int i = 0; i < NTHREADS; i++)
		assert_int_equal(pthread_join(th[i], NULL), 0);
	assert_int_equal(concurrent_builds, 1);
	for (int i = 0; i < NTHREADS; i++) {
		assert_non_null(refs[i].value);
		assert_ptr_equal(refs[i].value, refs[0].value);
	}
	for (int i = 0; i < NTHREADS; i++)
		memo_release(&shared, &refs[i]);
	assert_int_equal(frees, 0);
	memo_clear(&shared);
	assert_int_equal(frees, 1);
}

/* A peek never builds: it finds a stored table of the generation asked for
 * or nothing (another generation, another key, caching off). */
static void test_peek_takes_only_what_is_built(void **state)
{
	static struct memo m = MEMO_INIT(table_free);
	struct memo_ref a, b;

	(void)state;
	assert_int_equal(memo_peek(&m, "x", 4, &a), -1);
	assert_null(a.entry);
	assert_int_equal(builds, 0);
	assert_int_equal(memo_get(&m, "x", 4, table_build, NULL, &a), 0);
	assert_int_equal(memo_peek(&m, "x", 4, &b), 0);
	assert_ptr_equal(a.value, b.value);
	memo_release(&m, &b);
	assert_int_equal(memo_peek(&m, "x", 5, &b), -1);
	assert_int_equal(memo_peek(&m, "y", 4, &b), -1);
	assert_int_equal(memo_peek(&m, "x", 0, &b), -1);
	assert_int_equal(builds, 1);
	memo_release(&m, &a);
	memo_clear(&m);
	assert_int_equal(frees, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_hit_shares_one_table, reset),
		cmocka_unit_test_setup(test_newer_generation_replaces_without_freeing_a_reader, reset),
		cmocka_unit_test_setup(test_newer_generation_drops_other_keys, reset),
		cmocka_unit_test_setup(test_older_generation_is_not_stored, reset),
		cmocka_unit_test_setup(test_generation_zero_never_stores, reset),
		cmocka_unit_test_setup(test_failed_build_is_retried, reset),
		cmocka_unit_test_setup(test_long_key_is_built_every_time, reset),
		cmocka_unit_test_setup(test_concurrent_misses_build_once, reset),
		cmocka_unit_test_setup(test_peek_takes_only_what_is_built, reset),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
