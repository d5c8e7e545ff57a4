/*
 * fuzz_demo_table.c - the demographics table (src/domain/demo_table.c):
 * any shape of areas (a borough and wards, some areas with no parent in
 * the table), categories with parents, absent cells and counts, checked
 * against what demo_table.h promises:
 *  - every published count from 1 to threshold - 1 is withheld;
 *  - a share is given only for a published cell of a published, present,
 *    positive total;
 *  - the lookups find what was set, and the same input gives the same output.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/demo_table.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond) do { if (!(cond)) { \
	fprintf(stderr, "fuzz_demo_table: %s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
	abort(); } } while (0)

#define MAX_AREAS 8
#define MAX_CATS 8

static const char *const area_codes[MAX_AREAS] = { "A0", "A1", "A2", "A3", "A4", "A5", "A6", "A7" };
static const char *const cat_codes[MAX_CATS] = { "c0", "c1", "c2", "c3", "c4", "c5", "c6", "c7" };

struct input {
	const uint8_t *p;
	size_t left;
};

static unsigned take(struct input *in)
{
	if (!in->left)
		return 0;
	in->left--;
	return *in->p++;
}

/* Build a table from the input; the same input builds the same table. */
static void build(struct demo_table *t, const uint8_t *data, size_t size, unsigned *threshold)
{
	struct input in = { data, size };
	size_t na = 1 + take(&in) % MAX_AREAS, nc = 1 + take(&in) % MAX_CATS;

	*threshold = take(&in) % 12;
	CHECK(demo_table_alloc(t, "ch", na, nc) == 0);
	for (size_t a = 0; a < na; a++) {
		unsigned parent = take(&in) % (MAX_AREAS + 1);

		t->areas[a] = (struct demo_area){ area_codes[a], area_codes[a], a == 0 ? "borough" : "ward",
			parent < na && parent != a ? area_codes[parent] : NULL };
	}
	for (size_t c = 1; c <= nc; c++) {
		unsigned parent = take(&in) % (MAX_CATS + 1);

		t->cats[c] = (struct demo_category){ cat_codes[c - 1], cat_codes[c - 1],
			parent < nc && parent != c - 1 ? cat_codes[parent] : NULL, -1 };
	}
	demo_table_link_parents(t);
	for (size_t a = 0; a < na; a++) {
		unsigned v = take(&in);

		t->values[a * t->ncats] = v == 255 ? -1 : (int64_t)v;
		for (size_t c = 0; c < nc; c++) {
			v = take(&in);
			if (v != 255)
				CHECK(demo_table_set(t, area_codes[a], cat_codes[c], (int64_t)v));
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct demo_table t, again;
	unsigned threshold, th2;

	build(&t, data, size, &threshold);
	build(&again, data, size, &th2);
	if (demo_table_suppress(&t, threshold) != 0 || demo_table_suppress(&again, th2) != 0)
		abort();
	for (size_t a = 0; a < t.nareas; a++) {
		CHECK(demo_table_area(&t, t.areas[a].code) == (long)a);
		for (size_t c = 0; c < t.ncats; c++) {
			size_t k = a * t.ncats + c;
			int64_t v = t.values[k];
			double share;

			CHECK(t.suppressed[k] == again.suppressed[k]);
			if (v >= 1 && v < (int64_t)threshold)
				CHECK(t.suppressed[k]);
			if (demo_table_share(&t, a, c, &share))
				CHECK(v >= 0 && !t.suppressed[k] && !t.suppressed[a * t.ncats] &&
				      t.values[a * t.ncats] > 0);
		}
	}
	demo_table_release(&t);
	demo_table_release(&again);
	return 0;
}
