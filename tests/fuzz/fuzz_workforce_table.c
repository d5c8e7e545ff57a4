/*
 * fuzz_workforce_table.c - the tables of a workforce snapshot
 * (src/domain/workforce_table.c): any number of directorates, grades
 * (some senior), characteristics and categories, with counts and pay
 * quartiles, checked against what workforce_table.h promises:
 *  - every count from 1 to threshold - 1 is withheld, in every table and
 *    in the quartiles;
 *  - each headcount (of a directorate, a grade, the senior grades, the
 *    council) is withheld in every table or in none;
 *  - a category's total withheld among the quartiles is withheld in the
 *    profile too;
 *  - the same input gives the same output.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/workforce_table.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond) do { if (!(cond)) { \
	fprintf(stderr, "fuzz_workforce_table: %s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
	abort(); } } while (0)

#define MAX_TABLES 3
#define MAX_DIRS 4
#define MAX_GRADES 4
#define MAX_CATS 4

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

struct snapshot {
	bool senior[MAX_GRADES];
	struct wf_dims dims;
	struct wf_table t[MAX_TABLES];
	size_t nt;
	unsigned threshold;
};

static const char *const codes[MAX_CATS] = { "a", "b", "c", "d" };

/* The same people in every table: each person group (d, g) is split over
 * each table's categories by the input. */
static void build(struct snapshot *s, const uint8_t *data, size_t size)
{
	struct input in = { data, size };

	memset(s, 0, sizeof(*s));
	s->dims.ndirs = 1 + take(&in) % MAX_DIRS;
	s->dims.ngrades = 1 + take(&in) % MAX_GRADES;
	s->dims.senior = s->senior;
	s->nt = 1 + take(&in) % MAX_TABLES;
	s->threshold = take(&in) % 8;
	for (size_t g = 0; g < s->dims.ngrades; g++)
		s->senior[g] = take(&in) & 1;
	for (size_t i = 0; i < s->nt; i++) {
		s->t[i].ncats = 1 + take(&in) % MAX_CATS;
		memcpy(s->t[i].cats, codes, sizeof(codes));
		CHECK(wf_table_alloc(&s->dims, &s->t[i]) == 0);
	}
	for (size_t d = 0; d < s->dims.ndirs; d++)
		for (size_t g = 0; g < s->dims.ngrades; g++) {
			unsigned n = take(&in) % 16;

			for (size_t i = 0; i < s->nt; i++)
				for (unsigned k = 0; k < n; k++)
					wf_table_add(&s->dims, &s->t[i], d, g, take(&in) % s->t[i].ncats, 1);
		}
	for (int q = 1; q <= 4 && (take(&in) & 1); q++)
		for (size_t c = 0; c < s->t[0].ncats; c++)
			wf_table_add_quartile(&s->t[0], q, c, take(&in) % 12);
}

static void release(struct snapshot *s)
{
	for (size_t i = 0; i < s->nt; i++)
		wf_table_release(&s->t[i]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct snapshot s, again;
	size_t D, G;

	build(&s, data, size);
	build(&again, data, size);
	if (wf_tables_suppress(&s.dims, s.t, s.nt, s.threshold) != 0) {
		release(&s);
		release(&again);
		return 0;   /* no fixed point within the rounds: the service answers 500 */
	}
	CHECK(wf_tables_suppress(&again.dims, again.t, again.nt, again.threshold) == 0);
	D = s.dims.ndirs;
	G = s.dims.ngrades;
	for (size_t i = 0; i < s.nt; i++) {
		const struct wf_table *t = &s.t[i];
		size_t C = t->ncats;

		for (size_t k = 0; k < wf_ncells(&s.dims, t); k++) {
			CHECK(t->supp[k] == again.t[i].supp[k]);
			if (t->values[k] >= 1 && t->values[k] < (int64_t)s.threshold)
				CHECK(t->supp[k]);
		}
		for (size_t d = 0; d <= D; d++)
			for (size_t g = 0; g < G + 2; g++)
				CHECK(t->supp[wf_cell(&s.dims, t, d, g, C)] ==
				      s.t[0].supp[wf_cell(&s.dims, &s.t[0], d, g, s.t[0].ncats)]);
		for (size_t k = 0; t->has_quartiles && k < 5 * (C + 1); k++)
			if (t->quart[k] >= 1 && t->quart[k] < (int64_t)s.threshold)
				CHECK(t->qsupp[k]);
		for (size_t c = 0; t->has_quartiles && c <= C; c++)
			if (t->qsupp[4 * (C + 1) + c])
				CHECK(t->supp[wf_cell(&s.dims, t, D, G, c)]);
	}
	release(&s);
	release(&again);
	return 0;
}
