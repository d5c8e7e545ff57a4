/*
 * The canonical hate-crime cells: time-cell numbering, the shape of both
 * constraint systems, sums over a built year, and a small hand-computed
 * example of suppression (primary, secondary across time and dimensions).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "domain/hate_crime_table.h"
#include "domain/protection.h"

static struct period parse(const char *text)
{
	struct period p;

	assert_int_equal(period_parse(text, &p), 0);
	return p;
}

static void test_time_cells(void **state)
{
	struct period p;

	(void)state;
	p = parse("2024/25");
	assert_int_equal(hc_time_cell(&p), 0);
	p = parse("2024/25 Q1");
	assert_int_equal(hc_time_cell(&p), 1);
	p = parse("2024/25 Q4");
	assert_int_equal(hc_time_cell(&p), 4);
	p = parse("2024-04");
	assert_int_equal(hc_time_cell(&p), 5);
	p = parse("2024-12");
	assert_int_equal(hc_time_cell(&p), 13);
	p = parse("2025-03");
	assert_int_equal(hc_time_cell(&p), 16);
}

static void test_codes(void **state)
{
	(void)state;
	assert_int_equal(hc_code_index(hc_strands, "race"), 0);
	assert_int_equal(hc_code_index(hc_strands, "other"), HC_NSTRANDS - 1);
	assert_int_equal(hc_code_index(hc_channels, "telephone"), 4);
	assert_int_equal(hc_code_index(hc_offence_types, "online"), 4);
	assert_int_equal(hc_code_index(hc_offence_types, "nope"), -1);
}

/* Every index in range, every cell of the layout distinct. */
static void test_cell_layout(void **state)
{
	size_t nw = 5, nr = hc_reports_ncells(nw), nf = hc_flags_ncells(nw);
	bool *seen = calloc(nr > nf ? nr : nf, 1);

	(void)state;
	assert_non_null(seen);
	assert_int_equal(nr, 17 * (1 + 5 + 6 + 7 + 4));
	assert_int_equal(nf, 17 * 7 + 5 * 7);
	for (int t = 0; t < HC_TIME_CELLS; t++) {
		size_t cells[1 + 5 + 6 + 7 + 4], k = 0;

		cells[k++] = hc_reports_cell(nw, t, HC_TOTAL, 0);
		for (size_t w = 0; w < nw; w++)
			cells[k++] = hc_reports_cell(nw, t, HC_WARD, w);
		for (size_t o = 0; o < HC_NOFFENCES; o++)
			cells[k++] = hc_reports_cell(nw, t, HC_OFFENCE, o);
		for (size_t c = 0; c < HC_NCHANNELS; c++)
			cells[k++] = hc_reports_cell(nw, t, HC_CHANNEL, c);
		for (size_t c = 0; c < HC_NSOURCES; c++)
			cells[k++] = hc_reports_cell(nw, t, HC_SOURCE, c);
		for (size_t i = 0; i < k; i++) {
			assert_true(cells[i] < nr);
			assert_false(seen[cells[i]]);
			seen[cells[i]] = true;
		}
	}
	memset(seen, 0, nf);
	for (int t = 0; t < HC_TIME_CELLS; t++)
		for (int s = -1; s < HC_NSTRANDS; s++) {
			size_t c = hc_flags_cell(nw, t, s);

			assert_true(c < nf);
			assert_false(seen[c]);
			seen[c] = true;
		}
	for (size_t w = 0; w < nw; w++)
		for (int s = -1; s < HC_NSTRANDS; s++) {
			size_t c = hc_ward_flags_cell(nw, w, s);

			assert_true(c < nf);
			assert_false(seen[c]);
			seen[c] = true;
		}
	free(seen);
}

static void test_constraint_shape(void **state)
{
	struct hc_constraints rc, fc;
	size_t nw = 3;

	(void)state;
	assert_int_equal(hc_reports_constraints(nw, &rc), 0);
	/* 17 time cells x 4 breakdowns, (1+3+6+7+4) rows x 5 time relations. */
	assert_int_equal(rc.n, 17 * 4 + 21 * 5);
	for (size_t i = 0; i < rc.n; i++) {
		assert_true(rc.items[i].total < hc_reports_ncells(nw));
		for (size_t p = 0; p < rc.items[i].nparts; p++)
			assert_true(rc.items[i].parts[p] < hc_reports_ncells(nw));
	}
	/* The first constraint: the year's total is the sum of the wards. */
	assert_int_equal(rc.items[0].total, hc_reports_cell(nw, 0, HC_TOTAL, 0));
	assert_int_equal(rc.items[0].nparts, nw);
	assert_int_equal(rc.items[1].nparts, HC_NOFFENCES);
	assert_int_equal(rc.items[2].nparts, HC_NCHANNELS);
	assert_int_equal(rc.items[3].nparts, HC_NSOURCES);
	/* The year total is the sum of the four quarters. */
	assert_int_equal(rc.items[68].total, hc_reports_cell(nw, 0, HC_TOTAL, 0));
	assert_int_equal(rc.items[68].nparts, 4);
	assert_int_equal(rc.items[69].nparts, 3);
	hc_constraints_release(&rc);

	assert_int_equal(hc_flags_constraints(nw, &fc), 0);
	/* 17 strand sums, 7 rows x 5 time relations, 3 ward sums, 7 ward-by-strand columns. */
	assert_int_equal(fc.n, 17 + 35 + 3 + 7);
	for (size_t i = 0; i < fc.n; i++) {
		assert_true(fc.items[i].total < hc_flags_ncells(nw));
		for (size_t p = 0; p < fc.items[i].nparts; p++)
			assert_true(fc.items[i].parts[p] < hc_flags_ncells(nw));
	}
	hc_constraints_release(&fc);
}

static struct hc_crime_group group(int year, int month, size_t ward, const char *offence,
				   const char *channel, unsigned strands, int64_t count)
{
	struct hc_crime_group g = {
		.year = year, .month = month, .ward = ward,
		.offence = hc_code_index(hc_offence_types, offence),
		.channel = hc_code_index(hc_channels, channel),
		.strands = strands, .count = count,
	};
	return g;
}

#define RACE (1u << 0)
#define RELIGION (1u << 1)
#define DISABILITY (1u << 3)

/* Every constraint holds on the built values. */
static void assert_sums(const int64_t *v, const struct hc_constraints *c)
{
	for (size_t i = 0; i < c->n; i++) {
		int64_t s = 0;

		for (size_t p = 0; p < c->items[i].nparts; p++)
			s += v[c->items[i].parts[p]];
		assert_int_equal(v[c->items[i].total], s);
	}
}

/* No published count below the threshold; no withheld cell determined. */
static void audit(const int64_t *v, const bool *supp, size_t n,
		  const struct hc_constraints *c, int threshold)
{
	int64_t *lo = malloc(n * sizeof(*lo)), *hi = malloc(n * sizeof(*hi));

	assert_non_null(lo);
	assert_non_null(hi);
	assert_int_equal(protection_ranges(v, n, c->items, c->n, supp, lo, hi), 0);
	for (size_t i = 0; i < n; i++) {
		if (!supp[i]) {
			assert_false(v[i] >= 1 && v[i] < threshold);
			continue;
		}
		assert_int_equal(disclosure_cell_is_determined(v, n, c->items, c->n, supp, i), 0);
		/* A year has non-zero cells to spare: every range passes. */
		assert_true(protection_range_ok(lo[i], hi[i], threshold));
	}
	free(lo);
	free(hi);
}

static void test_hand_example(void **state)
{
	/* 2024/25, two wards + nothing else.  Ward 0: 10 crimes in April;
	 * ward 1: 3 crimes in May (race and religion).  A crime in another
	 * year is ignored. */
	struct hc_crime_group g[] = {
		group(2024, 4, 0, "harassment", "police", RACE, 10),
		group(2024, 5, 1, "harassment", "police", RACE | RELIGION, 3),
		group(2024, 3, 1, "online", "police", DISABILITY, 7),
	};
	struct hc_year y;
	struct hc_constraints rc, fc;
	size_t nw = 2;
	int fy = 5 + 0, my = 5 + 1;  /* April, May */

	(void)state;
	assert_int_equal(hc_year_build(&y, 2024, nw, g, 3, 5), 0);
	assert_int_equal(hc_reports_constraints(nw, &rc), 0);
	assert_int_equal(hc_flags_constraints(nw, &fc), 0);
	assert_sums(y.reports, &rc);
	assert_sums(y.flags, &fc);

	/* Values. */
	assert_int_equal(y.reports[hc_reports_cell(nw, 0, HC_TOTAL, 0)], 13);
	assert_int_equal(y.reports[hc_reports_cell(nw, 1, HC_TOTAL, 0)], 13);
	assert_int_equal(y.reports[hc_reports_cell(nw, 2, HC_TOTAL, 0)], 0);
	assert_int_equal(y.reports[hc_reports_cell(nw, fy, HC_WARD, 0)], 10);
	assert_int_equal(y.reports[hc_reports_cell(nw, my, HC_WARD, 1)], 3);
	assert_int_equal(y.reports[hc_reports_cell(nw, 0, HC_OFFENCE, 1)], 13);
	assert_int_equal(y.reports[hc_reports_cell(nw, 0, HC_OFFENCE, 4)], 0);
	assert_int_equal(y.flags[hc_flags_cell(nw, 0, -1)], 16);
	assert_int_equal(y.flags[hc_flags_cell(nw, 0, 0)], 13);
	assert_int_equal(y.flags[hc_flags_cell(nw, 0, 1)], 3);
	assert_int_equal(y.flags[hc_flags_cell(nw, 0, 3)], 0);
	assert_int_equal(y.flags[hc_ward_flags_cell(nw, 1, -1)], 6);
	assert_int_equal(y.flags[hc_ward_flags_cell(nw, 0, 0)], 10);

	/* Suppression: May's 3 is withheld, and so April (else the quarter
	 * gives May away) and ward 0 for the year (else the year's total
	 * gives ward 1 away); the year's total and zeros stay published. */
	assert_true(y.reports_supp[hc_reports_cell(nw, my, HC_TOTAL, 0)]);
	assert_true(y.reports_supp[hc_reports_cell(nw, fy, HC_TOTAL, 0)]);
	assert_true(y.reports_supp[hc_reports_cell(nw, 0, HC_WARD, 1)]);
	assert_true(y.reports_supp[hc_reports_cell(nw, 0, HC_WARD, 0)]);
	assert_false(y.reports_supp[hc_reports_cell(nw, 0, HC_TOTAL, 0)]);
	assert_false(y.reports_supp[hc_reports_cell(nw, 0, HC_OFFENCE, 4)]);
	assert_false(y.reports_supp[hc_reports_cell(nw, 2, HC_TOTAL, 0)]);
	/* Religion's 3 is withheld, and race with it; ward 1's race and
	 * religion (3 and 3) would then be each at most 3 below the year's
	 * published total, so the protection intervals take the total too. */
	assert_true(y.flags_supp[hc_flags_cell(nw, 0, 1)]);
	assert_true(y.flags_supp[hc_flags_cell(nw, 0, 0)]);
	assert_true(y.flags_supp[hc_flags_cell(nw, 0, -1)]);

	audit(y.reports, y.reports_supp, y.nreports, &rc, 5);
	audit(y.flags, y.flags_supp, y.nflags, &fc, 5);
	hc_constraints_release(&rc);
	hc_constraints_release(&fc);
	hc_year_release(&y);

	/* The other year holds only the March crime. */
	assert_int_equal(hc_year_build(&y, 2023, nw, g, 3, 5), 0);
	assert_int_equal(y.reports[hc_reports_cell(nw, 16, HC_TOTAL, 0)], 7);
	assert_int_equal(y.reports[hc_reports_cell(nw, 4, HC_WARD, 1)], 7);
	assert_int_equal(y.flags[hc_flags_cell(nw, 0, 3)], 7);
	hc_year_release(&y);
}

/* Rolling years link two financial years: Jan 2024 to Jan 2025 has 6
 * police crimes a month and 2 from a reporting centre every other month.
 * The one rolling year (to January 2025) is its twelve months, crossing
 * 2023/24 and 2024/25; the sources add up to the total; the linked
 * problem leaves no withheld cell narrow; other rolling years are withheld
 * unless they hold no crime. */
static void test_rolling_year(void **state)
{
	struct hc_crime_group g[26];
	size_t ng = 0, nw = 2;
	struct hc_table t;
	struct hc_constraints lc;
	int64_t v;
	bool supp;

	(void)state;
	for (int k = 2024 * 12; k <= 2025 * 12; k++) {
		g[ng] = group(k / 12, k % 12 + 1, (size_t)(k % 2), "harassment", "police", RACE, 6);
		g[ng++].source = hc_code_index(hc_sources, "police");
		if (k % 2 == 0) {
			g[ng] = group(k / 12, k % 12 + 1, 1, "online", "in_person", RELIGION, 2);
			g[ng++].source = hc_code_index(hc_sources, "reporting_centre");
		}
	}
	assert_int_equal(hc_table_build(&t, 2023, 2024, nw, g, ng, 5), 0);
	assert_int_equal(t.shape.nwindows, 1);
	assert_int_equal(t.shape.first_window, 2025 * 12);
	/* February 2024 .. January 2025: 12 x 6 police, 6 x 2 centre. */
	hc_table_rolling(&t, 2025 * 12, 0, &v, &supp);
	assert_int_equal(v, 72);
	hc_table_rolling(&t, 2025 * 12, -1, &v, &supp);
	assert_int_equal(v, 84);
	hc_table_rolling(&t, 2025 * 12, 1, &v, &supp);
	assert_int_equal(v, 12);
	/* Another rolling year with crimes is never published; one without is 0. */
	hc_table_rolling(&t, 2024 * 12 + 6, -1, &v, &supp);
	assert_true(supp);
	hc_table_rolling(&t, 2023 * 12, -1, &v, &supp);
	assert_false(supp);
	assert_int_equal(v, 0);
	hc_table_rolling(&t, 2026 * 12 + 1, -1, &v, &supp);
	assert_false(supp);
	assert_int_equal(v, 0);

	{
		size_t nr = hc_reports_ncells(nw), n = 2 * nr + HC_ROLLING_WIDTH;
		int64_t *all = calloc(n, sizeof(*all));
		bool *allsupp = calloc(n, sizeof(*allsupp));

		assert_non_null(all);
		assert_non_null(allsupp);
		for (size_t y = 0; y < 2; y++) {
			memcpy(all + y * nr, t.years[y].reports, nr * sizeof(*all));
			memcpy(allsupp + y * nr, t.years[y].reports_supp, nr * sizeof(*allsupp));
		}
		memcpy(all + 2 * nr, t.rolling, HC_ROLLING_WIDTH * sizeof(*all));
		memcpy(allsupp + 2 * nr, t.rolling_supp, HC_ROLLING_WIDTH * sizeof(*allsupp));
		assert_int_equal(hc_linked_constraints(&t.shape, &lc), 0);
		assert_sums(all, &lc);
		audit(all, allsupp, n, &lc, 5);
		/* Month sources: a centre's 2 is withheld, the year's 12 is not. */
		assert_int_equal(all[hc_reports_cell(nw, 6, HC_SOURCE, 1) + nr], 2);
		assert_true(allsupp[hc_reports_cell(nw, 6, HC_SOURCE, 1) + nr]);
		assert_false(allsupp[hc_reports_cell(nw, 0, HC_SOURCE, 0) + nr]);
		hc_constraints_release(&lc);
		free(all);
		free(allsupp);
	}
	hc_table_release(&t);
}

static void test_bad_input(void **state)
{
	struct hc_crime_group g = group(2024, 4, 9, "harassment", "police", RACE, 1);
	struct hc_year y;

	(void)state;
	assert_int_equal(hc_year_build(&y, 2024, 2, &g, 1, 5), -1);
	hc_year_release(&y);
	g.ward = 0;
	g.offence = -1;
	assert_int_equal(hc_year_build(&y, 2024, 2, &g, 1, 5), -1);
	hc_year_release(&y);
	g.offence = 0;
	g.source = HC_NSOURCES;
	assert_int_equal(hc_year_build(&y, 2024, 2, &g, 1, 5), -1);
	hc_year_release(&y);
}

/* A pseudo-random year with many wards: the audit holds everywhere. */
static void test_random_year_audit(void **state)
{
	enum { NW = 12, NG = 300 };
	struct hc_crime_group g[NG];
	struct hc_constraints rc, fc;
	struct hc_year y;
	unsigned seed = 12345;

	(void)state;
	for (size_t i = 0; i < NG; i++) {
		seed = seed * 1103515245u + 12345u;
		g[i].month = (int)(seed >> 8) % 12 + 1;
		g[i].year = g[i].month >= 4 ? 2023 : 2024;
		g[i].ward = (seed >> 12) % NW;
		g[i].offence = (int)((seed >> 16) % HC_NOFFENCES);
		g[i].channel = (int)((seed >> 20) % HC_NCHANNELS);
		g[i].source = (int)((seed >> 6) % HC_NSOURCES);
		g[i].strands = 1u + (seed >> 24) % 63u;
		g[i].count = 1 + (seed >> 4) % 3;
	}
	assert_int_equal(hc_year_build(&y, 2023, NW, g, NG, 5), 0);
	assert_int_equal(hc_reports_constraints(NW, &rc), 0);
	assert_int_equal(hc_flags_constraints(NW, &fc), 0);
	assert_sums(y.reports, &rc);
	assert_sums(y.flags, &fc);
	audit(y.reports, y.reports_supp, y.nreports, &rc, 5);
	audit(y.flags, y.flags_supp, y.nflags, &fc, 5);
	hc_constraints_release(&rc);
	hc_constraints_release(&fc);
	hc_year_release(&y);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_time_cells),
		cmocka_unit_test(test_codes),
		cmocka_unit_test(test_cell_layout),
		cmocka_unit_test(test_constraint_shape),
		cmocka_unit_test(test_hand_example),
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_rolling_year),
		cmocka_unit_test(test_random_year_audit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
