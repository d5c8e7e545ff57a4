/*
 * The workforce tables: where a count lands (every margin), quartile
 * shares, the pay-gap withholding rule, and suppression shared across the
 * tables of a snapshot (a headcount withheld in one table is withheld in
 * every one, so no table gives away what another hides).
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
#include "domain/workforce_table.h"

/* Two directorates; grade 1 of 2 is senior. */
static const bool senior[2] = { false, true };
static const struct wf_dims dims = { 2, 2, senior };
enum { D = 2, G = 2 };

static void table(struct wf_table *t, const char *a, const char *b)
{
	memset(t, 0, sizeof(*t));
	t->ncats = 2;
	t->cats[0] = a;
	t->cats[1] = b;
	assert_int_equal(wf_table_alloc(&dims, t), 0);
}

static int64_t at(const struct wf_table *t, size_t d, size_t g, size_t c)
{
	return t->values[wf_cell(&dims, t, d, g, c)];
}

static bool supp(const struct wf_table *t, size_t d, size_t g, size_t c)
{
	return t->supp[wf_cell(&dims, t, d, g, c)];
}

static void test_a_count_lands_in_every_margin(void **state)
{
	struct wf_table t;

	(void)state;
	table(&t, "x", "y");
	assert_int_equal(wf_ncells(&dims, &t), 3 * 4 * 3);
	wf_table_add(&dims, &t, 0, 0, 0, 10);
	wf_table_add(&dims, &t, 1, 1, 1, 7);
	assert_int_equal(at(&t, 0, 0, 0), 10);
	assert_int_equal(at(&t, 0, G, 0), 10);      /* directorate 0, all grades */
	assert_int_equal(at(&t, D, 0, 0), 10);      /* grade 0, all directorates */
	assert_int_equal(at(&t, D, G, 2), 17);      /* the council */
	assert_int_equal(at(&t, D, G + 1, 2), 7);   /* the senior grades: grade 1 only */
	assert_int_equal(at(&t, D, G + 1, 1), 7);
	assert_int_equal(at(&t, 1, G, 2), 7);
	wf_table_release(&t);
	assert_null(t.values);
}

static void test_quartile_shares(void **state)
{
	struct wf_table t;
	double pct = 0;

	(void)state;
	table(&t, "x", "y");
	assert_false(wf_quartile_share(&t, 1, 0, &pct));   /* no quartiles */
	for (int q = 1; q <= 4; q++) {
		wf_table_add_quartile(&t, q, 0, 30);
		wf_table_add_quartile(&t, q, 1, 10);
	}
	assert_true(t.has_quartiles);
	assert_true(wf_quartile_share(&t, 2, 0, &pct));
	assert_true(pct > 74.99 && pct < 75.01);
	assert_false(wf_quartile_share(&t, 5, 0, &pct));
	assert_false(wf_quartile_share(&t, 1, 2, &pct));
	t.qsupp[0] = true;   /* quartile 1, category x withheld */
	assert_false(wf_quartile_share(&t, 1, 0, &pct));
	wf_table_release(&t);
}

static void test_gap_withholding(void **state)
{
	struct wf_gap_counts n = { 10, 10, 5, 5 };

	(void)state;
	assert_false(wf_gap_withheld("mean_gap", &n, 5));
	assert_false(wf_gap_withheld("median_bonus_gap", &n, 5));
	assert_false(wf_gap_withheld("bonus_share_group", &n, 5));
	n.n_group = 4;
	assert_true(wf_gap_withheld("mean_gap", &n, 5));
	assert_true(wf_gap_withheld("bonus_share_reference", &n, 5));
	n = (struct wf_gap_counts){ 10, 10, 4, 5 };
	assert_false(wf_gap_withheld("median_gap", &n, 5));
	assert_true(wf_gap_withheld("mean_bonus_gap", &n, 5));
	assert_true(wf_gap_withheld("bonus_share_group", &n, 5));
	assert_false(wf_gap_withheld("bonus_share_reference", &n, 5));
	/* All of a group paid a bonus: the others number 0, not small. */
	n = (struct wf_gap_counts){ 10, 10, 10, 7 };
	assert_false(wf_gap_withheld("bonus_share_group", &n, 5));
	assert_true(wf_gap_withheld("bonus_share_reference", &n, 5));   /* 3 not paid */
	assert_false(wf_gap_withheld("unknown_measure", &n, 5));
}

static void test_nothing_small_nothing_withheld(void **state)
{
	struct wf_table t[2];

	(void)state;
	table(&t[0], "x", "y");
	table(&t[1], "p", "q");
	for (size_t d = 0; d < D; d++)
		for (size_t g = 0; g < G; g++) {
			wf_table_add(&dims, &t[0], d, g, 0, 10);
			wf_table_add(&dims, &t[0], d, g, 1, 10);
			wf_table_add(&dims, &t[1], d, g, 0, 20);
		}
	assert_int_equal(wf_tables_suppress(&dims, t, 2, 5), 0);
	for (size_t i = 0; i < wf_ncells(&dims, &t[0]); i++)
		assert_false(t[0].supp[i] || t[1].supp[i]);
	wf_table_release(&t[0]);
	wf_table_release(&t[1]);
}

static void test_withheld_headcounts_are_shared(void **state)
{
	struct wf_table t[2];

	(void)state;
	/* In table 0, directorate 1 has 2 people in category x: withheld,
	 * and with it enough of its row and column that they cannot be
	 * recovered.  Table 1 counts the same people by another
	 * characteristic with nothing small. */
	table(&t[0], "x", "y");
	table(&t[1], "p", "q");
	wf_table_add(&dims, &t[0], 0, 0, 0, 20);
	wf_table_add(&dims, &t[0], 0, 0, 1, 20);
	wf_table_add(&dims, &t[0], 1, 0, 0, 2);
	wf_table_add(&dims, &t[0], 1, 0, 1, 20);
	wf_table_add(&dims, &t[0], 1, 1, 1, 10);
	wf_table_add(&dims, &t[1], 0, 0, 0, 40);
	wf_table_add(&dims, &t[1], 1, 0, 1, 22);
	wf_table_add(&dims, &t[1], 1, 1, 0, 10);
	assert_int_equal(wf_tables_suppress(&dims, t, 2, 5), 0);
	assert_true(supp(&t[0], 1, G, 0));
	assert_false(supp(&t[0], D, G, 2));   /* the council's headcount stays */
	/* Every headcount (a directorate's, a grade's, the senior grades')
	 * is withheld in both tables or in neither. */
	for (size_t d = 0; d <= D; d++)
		for (size_t g = 0; g < G + 2; g++)
			assert_int_equal(supp(&t[0], d, g, 2), supp(&t[1], d, g, 2));
	wf_table_release(&t[0]);
	wf_table_release(&t[1]);
}

/* Many small random snapshots (a fixed sequence): in each, every shared
 * cell is withheld in every table that shows it or in none. */
static void test_shared_cells_agree_in_random_snapshots(void **state)
{
	uint32_t seed = 12345;

	(void)state;
	for (int round = 0; round < 300; round++) {
		struct wf_table t[2];

		table(&t[0], "x", "y");
		table(&t[1], "p", "q");
		for (size_t d = 0; d < D; d++)
			for (size_t g = 0; g < G; g++)
				for (size_t c = 0; c < 2; c++) {
					/* The same people, counted by two characteristics. */
					seed = seed * 1103515245u + 12345u;
					int64_t n = (seed >> 16) % 9;

					wf_table_add(&dims, &t[0], d, g, c, n);
					wf_table_add(&dims, &t[1], d, g, (c + (seed >> 8)) % 2, n);
				}
		for (int q = 1; q <= 4; q++) {
			seed = seed * 1103515245u + 12345u;
			wf_table_add_quartile(&t[0], q, (seed >> 16) % 2, (seed >> 20) % 6);
		}
		assert_int_equal(wf_tables_suppress(&dims, t, 2, 5), 0);
		for (size_t d = 0; d <= D; d++)
			for (size_t g = 0; g < G + 2; g++)
				assert_int_equal(supp(&t[0], d, g, 2), supp(&t[1], d, g, 2));
		for (size_t c = 0; c <= 2; c++)
			assert_true(!t[0].qsupp[4 * 3 + c] || supp(&t[0], D, G, c));
		wf_table_release(&t[0]);
		wf_table_release(&t[1]);
	}
}

static void test_quartiles_share_category_totals(void **state)
{
	struct wf_table t;

	(void)state;
	/* 3 people in category y over the quartiles: the category's total is
	 * small, so it is withheld in the profile and in the quartile table. */
	table(&t, "x", "y");
	wf_table_add(&dims, &t, 0, 0, 0, 40);
	wf_table_add(&dims, &t, 0, 0, 1, 3);
	for (int q = 1; q <= 4; q++)
		wf_table_add_quartile(&t, q, 0, 10);
	wf_table_add_quartile(&t, 1, 1, 3);
	assert_int_equal(wf_tables_suppress(&dims, &t, 1, 5), 0);
	assert_true(supp(&t, D, G, 1));
	assert_true(t.qsupp[4 * 3 + 1]);   /* all quartiles, category y */
	assert_true(t.qsupp[0 * 3 + 1]);   /* quartile 1, category y */
	wf_table_release(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_a_count_lands_in_every_margin),
		cmocka_unit_test(test_quartile_shares),
		cmocka_unit_test(test_gap_withholding),
		cmocka_unit_test(test_nothing_small_nothing_withheld),
		cmocka_unit_test(test_withheld_headcounts_are_shared),
		cmocka_unit_test(test_shared_cells_agree_in_random_snapshots),
		cmocka_unit_test(test_quartiles_share_category_totals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
