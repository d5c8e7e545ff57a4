/*
 * The token bucket behind the rate limits, on a clock we move by hand.
 *
 *   5 a second, bursts of 10:      one token every 200 ms, room for 10
 *   20 an hour, bursts of 10:      one token every 180 s (the default
 *                                  limit on failed authentications)
 *
 * What must hold: exactly `burst` at once and then none; one more after
 * each interval and not a nanosecond before; `count` per period in the long
 * run whatever the rhythm of the calls; a refused take changes nothing; a
 * peek never takes; a bucket left alone long enough is full (forgettable).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "domain/token_bucket.h"

#define MS 1000000ULL
#define S 1000000000ULL
/* Any moment will do as the start; not 0, to show nothing relies on it. */
#define T0 (12345 * S)

static void test_rule_init(void **state)
{
	struct token_bucket_rule r;

	(void)state;
	assert_int_equal(token_bucket_rule_init(&r, 5, 1, 10), 0);
	assert_int_equal(r.interval_ns, 200 * MS);
	assert_int_equal(r.capacity_ns, 2000 * MS);
	assert_int_equal(token_bucket_rule_init(&r, 20, 3600, 10), 0);
	assert_int_equal(r.interval_ns, 180 * S);
	assert_int_equal(r.capacity_ns, 1800 * S);
	/* 3 a second does not divide evenly: rounded towards faster. */
	assert_int_equal(token_bucket_rule_init(&r, 3, 1, 1), 0);
	assert_int_equal(r.interval_ns, 333333333ULL);
	/* More than a token a nanosecond still refills. */
	assert_int_equal(token_bucket_rule_init(&r, 2000000000ULL, 1, 1), 0);
	assert_int_equal(r.interval_ns, 1);
	/* Zero anywhere is "no limit": no rule. */
	assert_int_equal(token_bucket_rule_init(&r, 0, 1, 10), -1);
	assert_int_equal(token_bucket_rule_init(&r, 5, 0, 10), -1);
	assert_int_equal(token_bucket_rule_init(&r, 5, 1, 0), -1);
	/* Numbers that do not fit are refused, not wrapped. */
	assert_int_equal(token_bucket_rule_init(&r, 1, UINT64_MAX / 1000, 1), -1);
	assert_int_equal(token_bucket_rule_init(&r, 1, 3600, UINT64_MAX / 2), -1);
}

static void test_burst_then_empty(void **state)
{
	struct token_bucket_rule r;
	struct token_bucket b = TOKEN_BUCKET_FULL;
	uint64_t wait = 0;

	(void)state;
	assert_int_equal(token_bucket_rule_init(&r, 5, 1, 10), 0);
	for (int i = 0; i < 10; i++)
		assert_true(token_bucket_take(&b, &r, T0, &wait));
	assert_false(token_bucket_take(&b, &r, T0, &wait));
	assert_int_equal(wait, 200 * MS);
	/* One nanosecond short of the interval: still empty, and the wait
	 * counts down exactly. */
	assert_false(token_bucket_take(&b, &r, T0 + 200 * MS - 1, &wait));
	assert_int_equal(wait, 1);
	assert_true(token_bucket_take(&b, &r, T0 + 200 * MS, &wait));
	assert_false(token_bucket_take(&b, &r, T0 + 200 * MS, &wait));
	assert_int_equal(wait, 200 * MS);
}

static void test_refused_take_changes_nothing(void **state)
{
	struct token_bucket_rule r;
	struct token_bucket b = TOKEN_BUCKET_FULL, before;
	uint64_t wait = 0;

	(void)state;
	assert_int_equal(token_bucket_rule_init(&r, 20, 3600, 10), 0);
	for (int i = 0; i < 10; i++)
		assert_true(token_bucket_take(&b, &r, T0 + (uint64_t)i * S, NULL));
	before = b;
	for (int i = 0; i < 1000; i++)
		assert_false(token_bucket_take(&b, &r, T0 + 10 * S, &wait));
	assert_int_equal(b.full_at_ns, before.full_at_ns);
	/* The first token came back 180 s after the first take, at T0 + 180 s:
	 * from T0 + 10 s that is 170 s away. */
	assert_int_equal(wait, 170 * S);
	assert_true(token_bucket_take(&b, &r, T0 + 180 * S, NULL));
	assert_false(token_bucket_take(&b, &r, T0 + 180 * S, NULL));
}

static void test_peek_never_takes(void **state)
{
	struct token_bucket_rule r;
	struct token_bucket b = TOKEN_BUCKET_FULL;
	uint64_t wait = 0;

	(void)state;
	assert_int_equal(token_bucket_rule_init(&r, 1, 1, 2), 0);
	for (int i = 0; i < 100; i++)
		assert_true(token_bucket_has(&b, &r, T0, &wait));
	assert_true(token_bucket_take(&b, &r, T0, NULL));
	assert_true(token_bucket_has(&b, &r, T0, NULL));
	assert_true(token_bucket_take(&b, &r, T0, NULL));
	assert_false(token_bucket_has(&b, &r, T0, &wait));
	assert_int_equal(wait, 1 * S);
	assert_true(token_bucket_has(&b, &r, T0 + S, NULL));
}

/* Over a long run the number allowed is the burst plus one per interval,
 * whether the client calls every millisecond or in irregular spurts. */
static void test_long_run_rate(void **state)
{
	struct token_bucket_rule r;
	struct token_bucket steady = TOKEN_BUCKET_FULL, spurts = TOKEN_BUCKET_FULL;
	struct token_bucket sparse = TOKEN_BUCKET_FULL;
	unsigned long allowed_steady = 0, allowed_spurts = 0, allowed_sparse = 0;
	uint64_t now;

	(void)state;
	assert_int_equal(token_bucket_rule_init(&r, 5, 1, 10), 0);
	/* 60 s, one attempt a millisecond: 10 + 60 * 5 = 310 allowed. */
	for (now = T0; now <= T0 + 60 * S; now += MS)
		allowed_steady += token_bucket_take(&steady, &r, now, NULL);
	assert_int_equal(allowed_steady, 310);
	/* The same minute in spurts of 50 attempts every 1.5 s (the last at
	 * 60 s): each spurt empties the bucket, none finds it full, so the
	 * total is the same 310. */
	for (now = T0; now <= T0 + 60 * S; now += 1500 * MS)
		for (int i = 0; i < 50; i++)
			allowed_spurts += token_bucket_take(&spurts, &r, now, NULL);
	assert_int_equal(allowed_spurts, 310);
	/* Spurts 7 s apart find the bucket full each time: what a full bucket
	 * would have gained beyond its burst is lost, 9 spurts of 10. */
	for (now = T0; now <= T0 + 60 * S; now += 7 * S)
		for (int i = 0; i < 50; i++)
			allowed_sparse += token_bucket_take(&sparse, &r, now, NULL);
	assert_int_equal(allowed_sparse, 90);
}

static void test_refills_to_full_and_no_further(void **state)
{
	struct token_bucket_rule r;
	struct token_bucket b = TOKEN_BUCKET_FULL;
	int n = 0;

	(void)state;
	assert_int_equal(token_bucket_rule_init(&r, 5, 1, 10), 0);
	assert_true(token_bucket_is_full(&b, T0));
	assert_true(token_bucket_take(&b, &r, T0, NULL));
	assert_true(token_bucket_take(&b, &r, T0, NULL));
	assert_false(token_bucket_is_full(&b, T0));
	assert_false(token_bucket_is_full(&b, T0 + 400 * MS - 1));
	assert_true(token_bucket_is_full(&b, T0 + 400 * MS));
	/* An hour of silence still gives only the burst. */
	while (token_bucket_take(&b, &r, T0 + 3600 * S, NULL))
		n++;
	assert_int_equal(n, 10);
}

static void test_retry_after_seconds(void **state)
{
	(void)state;
	assert_int_equal(token_bucket_retry_after_s(0), 1);
	assert_int_equal(token_bucket_retry_after_s(1), 1);
	assert_int_equal(token_bucket_retry_after_s(200 * MS), 1);
	assert_int_equal(token_bucket_retry_after_s(S), 1);
	assert_int_equal(token_bucket_retry_after_s(S + 1), 2);
	assert_int_equal(token_bucket_retry_after_s(180 * S), 180);
	assert_int_equal(token_bucket_retry_after_s(170 * S + 1), 171);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rule_init),
		cmocka_unit_test(test_burst_then_empty),
		cmocka_unit_test(test_refused_take_changes_nothing),
		cmocka_unit_test(test_peek_never_takes),
		cmocka_unit_test(test_long_run_rate),
		cmocka_unit_test(test_refills_to_full_and_no_further),
		cmocka_unit_test(test_retry_after_seconds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
