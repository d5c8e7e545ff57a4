/*
 * The demographics table: filling it, its lookups, shares, and the
 * suppression it decides over the whole table (category sums, parent
 * categories, and the borough as the sum of its wards).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "domain/demo_table.h"

/* A borough of two wards; categories a, b (top level), b1 and b2 within b. */
static void fill(struct demo_table *t, const int64_t (*rows)[5])
{
	static const char *codes[] = { "E09", "E05A", "E05B" };
	static const char *kinds[] = { "borough", "ward", "ward" };
	static const char *cats[] = { "a", "b", "b1", "b2" };
	static const char *parents[] = { NULL, NULL, "b", "b" };

	assert_int_equal(demo_table_alloc(t, "ch", 3, 4), 0);
	/* Sorted by code: E05A, E05B, E09. */
	for (size_t a = 0; a < 3; a++) {
		size_t src = a == 2 ? 0 : a + 1;

		t->areas[a] = (struct demo_area){ codes[src], codes[src], kinds[src], src ? "E09" : NULL };
	}
	for (size_t c = 0; c < 4; c++)
		t->cats[c + 1] = (struct demo_category){ cats[c], cats[c], parents[c], -1 };
	demo_table_link_parents(t);
	for (size_t a = 0; a < 3; a++) {
		size_t src = a == 2 ? 0 : a + 1;

		t->values[a * t->ncats] = rows[src][0];
		for (size_t c = 0; c < 4; c++)
			if (rows[src][c + 1] >= 0)
				assert_true(demo_table_set(t, codes[src], cats[c], rows[src][c + 1]));
	}
}

static void test_lookups(void **state)
{
	static const int64_t rows[3][5] = {
		{ 200, 100, 100, 50, 50 }, { 100, 50, 50, 25, 25 }, { 100, 50, 50, 25, 25 },
	};
	struct demo_table t;

	(void)state;
	fill(&t, rows);
	assert_int_equal(t.ncats, 5);
	assert_string_equal(t.cats[0].code, DEMO_TOTAL_CODE);
	assert_int_equal(demo_table_area(&t, "E05A"), 0);
	assert_int_equal(demo_table_area(&t, "E09"), 2);
	assert_int_equal(demo_table_area(&t, "E00"), -1);
	assert_int_equal(demo_table_category(&t, "b2"), 4);
	assert_int_equal(demo_table_category(&t, "zz"), -1);
	assert_int_equal(t.cats[3].parent_index, 2);
	assert_int_equal(t.cats[1].parent_index, -1);
	assert_int_equal(demo_table_borough(&t), 2);
	assert_false(demo_table_set(&t, "E09", DEMO_TOTAL_CODE, 5));
	assert_false(demo_table_set(&t, "E00", "a", 5));
	demo_table_release(&t);
	assert_null(t.values);
}

static void test_nothing_small_nothing_withheld(void **state)
{
	static const int64_t rows[3][5] = {
		{ 200, 100, 100, 50, 50 }, { 100, 50, 50, 25, 25 }, { 100, 50, 50, 25, 25 },
	};
	struct demo_table t;
	double share;

	(void)state;
	fill(&t, rows);
	assert_int_equal(demo_table_suppress(&t, 5), 0);
	for (size_t i = 0; i < t.nareas * t.ncats; i++)
		assert_false(t.suppressed[i]);
	assert_true(demo_table_share(&t, 2, 1, &share));
	assert_true(share > 0.4999 && share < 0.5001);
	demo_table_release(&t);
}

static void test_small_cell_and_its_complements(void **state)
{
	/* Ward A's b1 is 2: withheld, and b2 with it (b = b1 + b2), and the
	 * same category in ward B (the borough's b1 = A + B). */
	static const int64_t rows[3][5] = {
		{ 200, 100, 100, 52, 48 }, { 100, 50, 50, 2, 48 }, { 100, 50, 50, 50, 0 },
	};
	struct demo_table t;
	long a = 0, b = 1, e09 = 2;
	double share;

	(void)state;
	fill(&t, rows);
	assert_int_equal(demo_table_suppress(&t, 5), 0);
	assert_true(t.suppressed[(size_t)a * t.ncats + 3]);
	assert_true(t.suppressed[(size_t)a * t.ncats + 4]);
	assert_true(t.suppressed[(size_t)b * t.ncats + 3] || t.suppressed[(size_t)e09 * t.ncats + 3]);
	assert_false(t.suppressed[(size_t)b * t.ncats + 4]);   /* zero is published */
	assert_false(demo_table_share(&t, (size_t)a, 3, &share));
	assert_false(t.suppressed[(size_t)e09 * t.ncats]);
	demo_table_release(&t);
}

static void test_absent_cells_take_part_in_nothing(void **state)
{
	/* Ward B has no b2: the b = b1 + b2 constraint in B is not stated, and
	 * the borough's b2 is not the sum of its wards. */
	static const int64_t rows[3][5] = {
		{ 200, 100, 100, 50, 50 }, { 100, 50, 50, 25, 25 }, { 100, 50, 50, 25, -1 },
	};
	struct demo_table t;
	double share;

	(void)state;
	fill(&t, rows);
	assert_int_equal(demo_table_suppress(&t, 5), 0);
	for (size_t i = 0; i < t.nareas * t.ncats; i++)
		assert_false(t.suppressed[i]);
	assert_false(demo_table_share(&t, 1, 4, &share));   /* absent */
	demo_table_release(&t);
}

/*
 * The Cricklewood attack: a group published as 9 among all residents and
 * 6 among the working-age ones gives away 3 people outside working age.
 * Linked, the difference is a hidden cell under the same rules: 9 and 6
 * are not both left published.
 */
static void test_linked_subset_hides_a_small_difference(void **state)
{
	/* Ward A's "b1": 9 of all residents, 6 of working age. */
	static const int64_t all[3][5] = {
		{ 400, 150, 250, 109, 141 }, { 200, 80, 120, 9, 111 }, { 200, 70, 130, 100, 30 },
	};
	static const int64_t working[3][5] = {
		{ 300, 110, 190, 86, 104 }, { 150, 60, 90, 6, 84 }, { 150, 50, 100, 80, 20 },
	};
	struct demo_table a, w;
	struct demo_table *both[2] = { &a, &w };
	size_t cell;

	(void)state;
	fill(&a, all);
	fill(&w, working);
	/* Separately, nothing is small: everything is published. */
	assert_int_equal(demo_table_suppress(&a, 5), 0);
	assert_int_equal(demo_table_suppress(&w, 5), 0);
	cell = (size_t)demo_table_area(&a, "E05A") * a.ncats + (size_t)demo_table_category(&a, "b1");
	assert_false(a.suppressed[cell] || w.suppressed[cell]);
	/* Linked, the 3 outside working age is protected. */
	assert_int_equal(demo_table_suppress_linked(both, 2, 5), 0);
	assert_true(a.suppressed[cell] || w.suppressed[cell]);
	/* And the tables stay usable: the borough totals are published. */
	assert_false(a.suppressed[(size_t)demo_table_area(&a, "E09") * a.ncats]);
	demo_table_release(&a);
	demo_table_release(&w);
}

/*
 * The problem handed to a release is the one the linked suppression
 * decides: the tables' cells in order, then one hidden cell per linked
 * pair holding the difference, tied by superset = subset + hidden; an
 * absent cell is 0, marked absent and in no constraint.
 */
static void test_problem_states_the_linked_cells(void **state)
{
	static const int64_t all[3][5] = {
		{ 400, 150, 250, 109, 141 }, { 200, 80, 120, 9, 111 }, { 200, 70, 130, 100, 30 },
	};
	static const int64_t working[3][5] = {
		{ 300, 110, 190, 86, 104 }, { 150, 60, 90, 6, 84 }, { 150, 50, 100, 80, -1 },
	};
	struct demo_table a, w;
	struct demo_table *both[2] = { &a, &w };
	struct demo_problem p;
	size_t own, cell, hidden_links = 0;
	bool found = false;

	(void)state;
	fill(&a, all);
	fill(&w, working);
	own = a.nareas * a.ncats;
	assert_int_equal(demo_problem_build(both, 2, &p), 0);
	assert_int_equal(p.nown, 2 * own);
	/* Every present cell of the subset is linked: one hidden cell each. */
	for (size_t i = 0; i < own; i++)
		hidden_links += w.values[i] >= 0;
	assert_int_equal(p.ncells, 2 * own + hidden_links);
	cell = (size_t)demo_table_area(&w, "E05B") * w.ncats + (size_t)demo_table_category(&w, "b2");
	assert_true(p.absent[own + cell]);
	assert_int_equal(p.values[own + cell], 0);
	assert_false(p.absent[cell]);
	for (size_t k = 0; k < p.ncons; k++) {
		assert_false(p.cons[k].total == own + cell);
		for (size_t j = 0; j < p.cons[k].nparts; j++)
			assert_false(p.cons[k].parts[j] == own + cell);
	}
	/* Ward A's b1: 9 = 6 + a hidden 3. */
	cell = (size_t)demo_table_area(&a, "E05A") * a.ncats + (size_t)demo_table_category(&a, "b1");
	for (size_t k = 0; k < p.ncons; k++)
		if (p.cons[k].total == cell && p.cons[k].nparts == 2 && p.cons[k].parts[0] == own + cell) {
			assert_true(p.cons[k].parts[1] >= 2 * own);
			assert_int_equal(p.values[p.cons[k].parts[1]], 3);
			found = true;
		}
	assert_true(found);
	demo_problem_release(&p);
	demo_table_release(&a);
	demo_table_release(&w);
}

/*
 * A release decided at threshold 5 served at 10: what it withheld stays
 * withheld, and the counts from 5 to 9 it published are withheld too.
 */
static void test_more_keeps_what_was_withheld(void **state)
{
	static const int64_t rows[3][5] = {
		{ 400, 150, 250, 107, 143 }, { 200, 80, 120, 7, 113 }, { 200, 70, 130, 100, 30 },
	};
	struct demo_table t;
	struct demo_table *one[1] = { &t };
	size_t b1, a, kept;

	(void)state;
	fill(&t, rows);
	b1 = (size_t)demo_table_category(&t, "b1");
	a = (size_t)demo_table_area(&t, "E05A");
	assert_int_equal(demo_table_suppress(&t, 5), 0);
	assert_false(t.suppressed[a * t.ncats + b1]);   /* 7: published at 5 */
	/* A cell the lower threshold published, withheld by the release. */
	kept = (size_t)demo_table_area(&t, "E05B") * t.ncats + (size_t)demo_table_category(&t, "a");
	t.suppressed[kept] = true;
	assert_int_equal(demo_table_suppress_linked_more(one, 1, 10), 0);
	assert_true(t.suppressed[kept]);
	assert_true(t.suppressed[a * t.ncats + b1]);
	demo_table_release(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lookups),
		cmocka_unit_test(test_nothing_small_nothing_withheld),
		cmocka_unit_test(test_small_cell_and_its_complements),
		cmocka_unit_test(test_absent_cells_take_part_in_nothing),
		cmocka_unit_test(test_linked_subset_hides_a_small_difference),
		cmocka_unit_test(test_problem_states_the_linked_cells),
		cmocka_unit_test(test_more_keeps_what_was_withheld),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
