/*
 * Releases decided jointly with the earlier ones (domain/release.h): the
 * issue's attack 3 replayed on a year of four quarters (withdrawing one
 * report moves a quarter from 5, published, to 4), unchanged withheld
 * cells staying withheld, and the change log's counts.  Each outcome is
 * audited the attacker's way: the LP ranges of the joint problem (both
 * releases' relations, unchanged cells shared) must all pass.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "domain/disclosure.h"
#include "domain/protection.h"
#include "domain/release.h"

/* Cell 0 the year, 1..4 its quarters. */
static const size_t quarters[4] = { 1, 2, 3, 4 };
static const struct disclosure_constraint year = { 0, quarters, 4 };

/*
 * The attacker's view of two releases of the year: cells 0..4 the new
 * release, 5..9 the old one, where a cell unchanged between them is one
 * variable (the old relation names the new cell).  Every withheld range
 * must pass.
 */
static void assert_joint_safe(const int64_t *old_v, const bool *old_w, const int64_t *new_v,
			      const bool *new_w)
{
	int64_t v[10], lo[10], hi[10];
	bool w[10];
	size_t old_parts[4];
	struct disclosure_constraint cs[2] = { year, { 0, old_parts, 4 } };

	for (size_t i = 0; i < 5; i++) {
		bool same = old_v[i] == new_v[i];

		v[i] = new_v[i];
		/* A cell published by either release is known. */
		w[i] = new_w[i] && !(same && !old_w[i]);
		v[5 + i] = old_v[i];
		w[5 + i] = same ? false : old_w[i];
		if (i == 0)
			cs[1].total = same ? 0 : 5;
		else
			old_parts[i - 1] = same ? i : 5 + i;
	}
	assert_int_equal(protection_ranges(v, 10, cs, 2, w, lo, hi), 0);
	for (size_t c = 0; c < 10; c++)
		if (w[c])
			assert_true(protection_range_ok(lo[c], hi[c], 5));
}

static void test_withdrawn_report_cannot_be_differenced(void **state)
{
	const int64_t old_v[5] = { 29, 5, 7, 8, 9 };
	const bool old_w[5] = { false };
	const int64_t new_v[5] = { 28, 4, 7, 8, 9 };
	const struct release_prior prior = { old_v, old_w, NULL };
	bool alone[5], w[5];

	(void)state;
	/* On its own the table withholds Q1 and its smallest sibling Q2 ... */
	assert_int_equal(disclosure_apply(new_v, 5, &year, 1, 5, alone), 0);
	assert_true(alone[1]);
	assert_true(alone[2]);
	assert_false(alone[0]);
	/* ... but Q2 = 7 was published before and has not changed: year - Q2 -
	 * Q3 - Q4 = 4.  Jointly, Q2 stays published and the year is withheld. */
	assert_int_equal(release_suppress(new_v, 5, &year, 1, NULL, 5, &prior, 1, w), 0);
	assert_true(w[1]);
	assert_true(w[0]);
	assert_false(w[2]);
	assert_false(w[3]);
	assert_false(w[4]);
	assert_joint_safe(old_v, old_w, new_v, w);
}

static void test_unchanged_withheld_stays_withheld(void **state)
{
	/* Release 1: Q1 = 3 withheld, Q2 = 6 its complement. */
	const int64_t old_v[5] = { 26, 3, 6, 8, 9 };
	bool old_w[5];
	/* A late report: Q2 becomes 10; Q1 is unchanged. */
	const int64_t new_v[5] = { 30, 3, 10, 8, 9 };
	const struct release_prior prior = { old_v, old_w, NULL };
	bool w[5];

	(void)state;
	assert_int_equal(disclosure_apply(old_v, 5, &year, 1, 5, old_w), 0);
	assert_true(old_w[1] && old_w[2]);
	assert_int_equal(release_suppress(new_v, 5, &year, 1, NULL, 5, &prior, 1, w), 0);
	assert_true(w[1]);
	/* Q3 and Q4 were published and have not changed: they stay. */
	assert_false(w[3]);
	assert_false(w[4]);
	assert_true(w[2] || w[0]);
	assert_joint_safe(old_v, old_w, new_v, w);
}

/* Attack 4: one partner's late return adds 2 to category a.  Both
 * versions of a published would give the partner's 2 away. */
static void test_late_return_difference_is_protected(void **state)
{
	static const size_t ab[2] = { 1, 2 };
	static const struct disclosure_constraint total = { 0, ab, 2 };
	const int64_t old_v[3] = { 30, 12, 18 };
	const bool old_w[3] = { false, false, false };
	const int64_t new_v[3] = { 32, 14, 18 };
	const struct release_prior prior = { old_v, old_w, NULL };
	bool w[3];
	/* The attacker's view: new 0..2, old total and a (3, 4; b unchanged
	 * is cell 2), the differences of the total (5) and of a (6). */
	int64_t v[7] = { 32, 14, 18, 30, 12, 2, 2 }, lo[7], hi[7];
	bool hidden[7];
	static const size_t p_new[2] = { 1, 2 }, p_old[2] = { 4, 2 }, p_dt[2] = { 3, 5 }, p_da[2] = { 4, 6 };
	const struct disclosure_constraint cs[4] = { { 0, p_new, 2 }, { 3, p_old, 2 }, { 0, p_dt, 2 },
						     { 1, p_da, 2 } };

	(void)state;
	assert_int_equal(release_suppress(new_v, 3, &total, 1, NULL, 5, &prior, 1, w), 0);
	assert_true(w[1]);
	assert_true(w[0]);
	assert_false(w[2]);
	memcpy(hidden, (bool[7]){ w[0], w[1], w[2], false, false, true, true }, sizeof(hidden));
	assert_int_equal(protection_ranges(v, 7, cs, 4, hidden, lo, hi), 0);
	for (size_t c = 0; c < 7; c++)
		if (hidden[c])
			assert_true(protection_range_ok(lo[c], hi[c], 5));
}

static void test_no_priors_is_disclosure_apply(void **state)
{
	const int64_t v[5] = { 40, 2, 12, 13, 13 };
	bool a[5], b[5];

	(void)state;
	assert_int_equal(disclosure_apply(v, 5, &year, 1, 5, a), 0);
	assert_int_equal(release_suppress(v, 5, &year, 1, NULL, 5, NULL, 0, b), 0);
	assert_memory_equal(a, b, sizeof(a));
}

static void test_locked_cells_are_never_complements(void **state)
{
	const int64_t v[5] = { 28, 4, 7, 8, 9 };
	const bool locked[5] = { false, false, true, true, true };
	bool w[5];

	(void)state;
	const struct disclosure_marks marks = { NULL, NULL, locked };

	assert_int_equal(disclosure_apply_marked(v, 5, &year, 1, 5, &marks, w), 0);
	assert_true(w[1] && w[0]);
	assert_false(w[2] || w[3] || w[4]);
}

/* A known cell (an earlier rolling year the read no longer serves) is
 * published whatever its value, and the cells around it are protected
 * against it: known 4 in the year 28 = 4 + 7 + 8 + 9 withholds nothing,
 * and a known 7 never becomes the complement of the 4. */
static void test_known_cells_count_as_published(void **state)
{
	const int64_t v[5] = { 28, 4, 7, 8, 9 };
	const bool four[5] = { false, true, false, false, false };
	const bool seven[5] = { false, false, true, false, false };
	const struct release_prior prior = { v, (const bool[5]){ false }, NULL };
	bool w[5];

	(void)state;
	assert_int_equal(release_suppress(v, 5, &year, 1, four, 5, NULL, 0, w), 0);
	for (size_t i = 0; i < 5; i++)
		assert_false(w[i]);
	assert_int_equal(release_suppress(v, 5, &year, 1, seven, 5, NULL, 0, w), 0);
	assert_true(w[1]);
	assert_false(w[2]);
	assert_int_equal(disclosure_cell_is_determined(v, 5, &year, 1, w, 1), 0);
	/* The same with a prior that published everything. */
	assert_int_equal(release_suppress(v, 5, &year, 1, four, 5, &prior, 1, w), 0);
	assert_false(w[1]);
}

/* A cell an earlier release did not publish at all (absent) is no known
 * cell of it: the year 28 = 4 + 7 + 8 + 9, with 7, 8 and 9 published and
 * the 4 withheld before, must now be withheld to protect the 4.  Were the
 * year taken as published then, nothing could protect it. */
static void test_absent_prior_cells_teach_nothing(void **state)
{
	const int64_t v[5] = { 28, 4, 7, 8, 9 };
	const bool old_w[5] = { false, true, false, false, false };
	const bool absent[5] = { true, false, false, false, false };
	const struct release_prior prior = { v, old_w, absent };
	bool w[5];

	(void)state;
	assert_int_equal(release_suppress(v, 5, &year, 1, NULL, 5, &prior, 1, w), 0);
	assert_true(w[1]);
	assert_true(w[0]);
	assert_false(w[2] && w[3] && w[4]);
}

static void test_bad_prior_withholds_everything(void **state)
{
	const int64_t v[5] = { 28, 4, 7, 8, 9 };
	const struct release_prior prior = { v, NULL, NULL };
	bool w[5];

	(void)state;
	assert_int_equal(release_suppress(v, 5, &year, 1, NULL, 5, &prior, 1, w), -1);
	for (size_t i = 0; i < 5; i++)
		assert_true(w[i]);
}

/*
 * Property: 300 random 3x3 tables with margins, released, then one or two
 * cells changed (a report withdrawn, late ones added) and released again.
 * The attacker holds both releases and knows which cells changed: every
 * withheld range over both releases' relations passes, no cell published
 * in both moves by 1 to 4, and unchanged cells keep their state.
 */

#define PR 3
#define PC 3
/* Cells: interior r * PC + c, then row totals, column totals, the grand total. */
#define PN (PR * PC + PR + PC + 1)

static unsigned long rng_state = 20131;

static unsigned rnd(unsigned n)
{
	rng_state = rng_state * 6364136223846793005UL + 1442695040888963407UL;
	return (unsigned)(rng_state >> 33) % n;
}

static void margins(int64_t *v)
{
	v[PN - 1] = 0;
	for (size_t r = 0; r < PR; r++)
		v[PR * PC + r] = 0;
	for (size_t c = 0; c < PC; c++)
		v[PR * PC + PR + c] = 0;
	for (size_t r = 0; r < PR; r++)
		for (size_t c = 0; c < PC; c++) {
			v[PR * PC + r] += v[r * PC + c];
			v[PR * PC + PR + c] += v[r * PC + c];
			v[PN - 1] += v[r * PC + c];
		}
}

/* Row r = its cells, column c = its cells, the grand total = the rows. */
static size_t two_way(struct disclosure_constraint *cs, size_t *parts)
{
	size_t n = 0, used = 0;

	for (size_t r = 0; r < PR; r++) {
		for (size_t c = 0; c < PC; c++)
			parts[used + c] = r * PC + c;
		cs[n++] = (struct disclosure_constraint){ PR * PC + r, parts + used, PC };
		used += PC;
	}
	for (size_t c = 0; c < PC; c++) {
		for (size_t r = 0; r < PR; r++)
			parts[used + r] = r * PC + c;
		cs[n++] = (struct disclosure_constraint){ PR * PC + PR + c, parts + used, PR };
		used += PR;
	}
	for (size_t r = 0; r < PR; r++)
		parts[used + r] = PR * PC + r;
	cs[n++] = (struct disclosure_constraint){ PN - 1, parts + used, PR };
	return n;
}

static void test_random_histories_hold_against_the_joint_lp(void **state)
{
	struct disclosure_constraint cs[PR + PC + 1], joint[2 * (PR + PC + 1)];
	size_t parts[2 * PR * PC + PR], old_parts[2 * PR * PC + PR], map[PN];
	size_t ncs = two_way(cs, parts);

	(void)state;
	for (int round = 0; round < 300; round++) {
		int64_t old_v[PN], v[PN], jv[2 * PN], lo[2 * PN], hi[2 * PN];
		bool old_w[PN], w[PN], jw[2 * PN];
		size_t n = PN;
		struct release_prior prior = { old_v, old_w, NULL };

		for (size_t i = 0; i < PR * PC; i++)
			old_v[i] = rnd(4) == 0 ? 0 : 1 + rnd(12);
		margins(old_v);
		memcpy(v, old_v, sizeof(v));
		for (size_t k = 0, m = 1 + rnd(2); k < m; k++) {
			size_t i = rnd(PR * PC);

			v[i] = v[i] > 0 && rnd(2) ? v[i] - 1 : v[i] + 1 + rnd(3);   /* withdrawn or late */
		}
		margins(v);
		assert_int_equal(disclosure_apply(old_v, PN, cs, ncs, 5, old_w), 0);
		assert_int_equal(release_suppress(v, PN, cs, ncs, NULL, 5, &prior, 1, w), 0);
		/* The attacker: unchanged cells shared, changed ones twice. */
		for (size_t i = 0; i < PN; i++) {
			bool same = old_v[i] == v[i];

			jv[i] = v[i];
			jw[i] = w[i] && !(same && !old_w[i]);
			map[i] = i;
			if (!same) {
				map[i] = n;
				jv[n] = old_v[i];
				jw[n++] = old_w[i];
			}
			/* Published in both: no small difference shows. */
			if (!same && !w[i] && !old_w[i])
				assert_false(llabs(v[i] - old_v[i]) < 5);
			/* Unchanged: published stays published, withheld withheld. */
			if (same)
				assert_true(w[i] == old_w[i] || !old_w[i]);
		}
		memcpy(joint, cs, ncs * sizeof(*cs));
		for (size_t q = 0, used = 0; q < ncs; q++) {
			for (size_t p = 0; p < cs[q].nparts; p++)
				old_parts[used + p] = map[cs[q].parts[p]];
			joint[ncs + q] = (struct disclosure_constraint){ map[cs[q].total], old_parts + used,
									 cs[q].nparts };
			used += cs[q].nparts;
		}
		assert_int_equal(protection_ranges(jv, n, joint, 2 * ncs, jw, lo, hi), 0);
		for (size_t c = 0; c < n; c++)
			if (jw[c])
				assert_true(protection_range_ok(lo[c], hi[c], 5));
	}
}

static void test_change_log_counts(void **state)
{
	const int64_t old_v[5] = { 29, 5, 7, 8, 9 };
	const bool old_w[5] = { false, false, false, true, false };
	const int64_t new_v[5] = { 28, 4, 7, 8, 12 };
	const bool new_w[5] = { true, true, false, false, false };
	struct release_changes ch;
	bool changed[5];

	(void)state;
	release_compare(old_v, old_w, new_v, new_w, 5, changed, &ch);
	assert_int_equal(ch.newly_withheld, 2);    /* the year and Q1 */
	assert_int_equal(ch.newly_published, 1);   /* Q3 */
	assert_int_equal(ch.revised, 1);           /* Q4 9 -> 12 */
	assert_int_equal(ch.unchanged, 1);         /* Q2 */
	assert_false(changed[2]);
	assert_true(changed[4]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_withdrawn_report_cannot_be_differenced),
		cmocka_unit_test(test_unchanged_withheld_stays_withheld),
		cmocka_unit_test(test_late_return_difference_is_protected),
		cmocka_unit_test(test_no_priors_is_disclosure_apply),
		cmocka_unit_test(test_locked_cells_are_never_complements),
		cmocka_unit_test(test_known_cells_count_as_published),
		cmocka_unit_test(test_absent_prior_cells_teach_nothing),
		cmocka_unit_test(test_bad_prior_withholds_everything),
		cmocka_unit_test(test_random_histories_hold_against_the_joint_lp),
		cmocka_unit_test(test_change_log_counts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
