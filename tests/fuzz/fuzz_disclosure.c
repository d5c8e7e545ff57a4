/*
 * fuzz_disclosure.c - statistical disclosure control (src/domain/disclosure.c)
 * checked against what disclosure.h promises, not only for crashes.
 *
 * The input describes a table as the service publishes them: wards (rows)
 * by a characteristic's categories (columns), each row with its total, top
 * level categories that may have children (Census groups), and optionally a
 * borough row that sums the wards; plus the threshold and cells forced
 * withheld by another table.  Totals are computed, so the table adds up.
 *
 * Checked on every output:
 *  - every count from 1 to threshold-1 is withheld, and every forced cell;
 *  - zero is published unless forced (no suppression ever picks a zero),
 *    save to protect a forced zero;
 *  - no withheld non-zero cell can be computed exactly from the published
 *    cells: an independent check, exact linear algebra over the integers
 *    modulo a 61-bit prime (the module itself uses floating point);
 *  - no withheld cell is pinned by the bound the module documents: withheld
 *    counts are at least 1, so k withheld parts of a published total that
 *    leaves exactly k are all 1;
 *  - the same input gives the same output; with no threshold and nothing
 *    forced nothing is withheld; invalid input withholds everything.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/disclosure.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond) do { if (!(cond)) { \
	fprintf(stderr, "fuzz_disclosure: %s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
	abort(); } } while (0)

#define MAX_WARDS 6
#define MAX_GROUPS 4
#define MAX_CHILDREN 4
#define MAX_COLS (1 + MAX_GROUPS * (1 + MAX_CHILDREN))
#define MAX_ROWS (MAX_WARDS + 1)
#define MAX_CELLS (MAX_ROWS * MAX_COLS)
#define MAX_CONSTRAINTS (MAX_ROWS * (1 + MAX_GROUPS) + MAX_COLS)

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

struct table {
	size_t nrows, ncols;          /* rows include the borough row when present */
	int64_t values[MAX_CELLS];
	bool forced[MAX_CELLS];
	struct disclosure_constraint cs[MAX_CONSTRAINTS];
	size_t ncs;
	size_t parts[MAX_CONSTRAINTS][MAX_WARDS + MAX_GROUPS + MAX_CHILDREN];
	int threshold;
	bool any_forced;
};

/* ---- exact determination: RREF modulo p ---------------------------------------- */

static const uint64_t P = ((uint64_t)1 << 61) - 1;

static uint64_t mulmod(uint64_t a, uint64_t b)
{
	return (uint64_t)(((unsigned __int128)a * b) % P);
}

static uint64_t powmod(uint64_t a, uint64_t e)
{
	uint64_t r = 1;

	while (e) {
		if (e & 1)
			r = mulmod(r, a);
		a = mulmod(a, a);
		e >>= 1;
	}
	return r;
}

/* determined[c]: withheld cell c is fixed by the published cells. */
static void exact_determined(const struct table *t, const bool *sup, size_t ncells,
			     bool *determined)
{
	static uint64_t m[MAX_CONSTRAINTS][MAX_CELLS];
	size_t col_cell[MAX_CELLS], k = 0, rank = 0;
	long cell_col[MAX_CELLS];
	long pivot_row_of[MAX_CELLS];

	for (size_t c = 0; c < ncells; c++) {
		cell_col[c] = -1;
		determined[c] = false;
		if (sup[c]) {
			cell_col[c] = (long)k;
			col_cell[k++] = c;
		}
	}
	for (size_t q = 0; q < t->ncs; q++) {
		memset(m[q], 0, sizeof(m[q]));
		if (cell_col[t->cs[q].total] >= 0)
			m[q][cell_col[t->cs[q].total]] = 1;
		for (size_t i = 0; i < t->cs[q].nparts; i++) {
			long j = cell_col[t->cs[q].parts[i]];

			if (j >= 0)
				m[q][j] = (m[q][j] + P - 1) % P;
		}
	}
	for (size_t j = 0; j < k; j++)
		pivot_row_of[j] = -1;
	for (size_t j = 0; j < k && rank < t->ncs; j++) {
		size_t r = rank;
		uint64_t inv;

		while (r < t->ncs && m[r][j] == 0)
			r++;
		if (r == t->ncs)
			continue;
		if (r != rank)
			for (size_t x = 0; x < k; x++) {
				uint64_t tmp = m[r][x];

				m[r][x] = m[rank][x];
				m[rank][x] = tmp;
			}
		inv = powmod(m[rank][j], P - 2);
		for (size_t x = 0; x < k; x++)
			m[rank][x] = mulmod(m[rank][x], inv);
		for (size_t q = 0; q < t->ncs; q++) {
			uint64_t f = m[q][j];

			if (q == rank || f == 0)
				continue;
			for (size_t x = 0; x < k; x++)
				m[q][x] = (m[q][x] + P - mulmod(f, m[rank][x])) % P;
		}
		pivot_row_of[j] = (long)rank;
		rank++;
	}
	/* e_j is in the row space iff column j has a pivot whose row is e_j. */
	for (size_t j = 0; j < k; j++) {
		bool alone = pivot_row_of[j] >= 0;

		for (size_t x = 0; alone && x < k; x++)
			if (x != j && m[pivot_row_of[j]][x] != 0)
				alone = false;
		determined[col_cell[j]] = alone;
	}
}

/* ---- the table -------------------------------------------------------------------- */

static size_t cell(const struct table *t, size_t row, size_t col)
{
	return row * t->ncols + col;
}

static void build(struct table *t, struct input *in)
{
	size_t nwards, ngroups, nchildren[MAX_GROUPS], group_col[MAX_GROUPS];
	bool borough;
	unsigned flags;

	memset(t, 0, sizeof(*t));
	t->threshold = (int)(take(in) % 12);
	nwards = 1 + take(in) % MAX_WARDS;
	ngroups = 1 + take(in) % MAX_GROUPS;
	flags = take(in);
	borough = flags & 1;
	t->ncols = 1;
	for (size_t g = 0; g < ngroups; g++) {
		nchildren[g] = take(in) % (MAX_CHILDREN + 1);
		if (nchildren[g] == 1)
			nchildren[g] = 0;   /* one child is its parent again */
		group_col[g] = t->ncols;
		t->ncols += 1 + nchildren[g];
	}
	t->nrows = nwards + (borough ? 1 : 0);

	/* Leaves from the input; parents and totals summed. */
	for (size_t r = 0; r < nwards; r++) {
		int64_t total = 0;

		for (size_t g = 0; g < ngroups; g++) {
			int64_t sum = 0;

			for (size_t ch = 0; ch <= nchildren[g]; ch++) {
				unsigned b;
				int64_t v;

				if (nchildren[g] && ch == 0)
					continue;
				b = take(in);
				v = b < 192 ? (int64_t)(b % 16) : (int64_t)(b - 192) * 97;
				t->values[cell(t, r, group_col[g] + ch)] = v;
				sum += v;
			}
			t->values[cell(t, r, group_col[g])] = sum;
			total += sum;
		}
		t->values[cell(t, r, 0)] = total;
	}
	if (borough)
		for (size_t c = 0; c < t->ncols; c++) {
			int64_t sum = 0;

			for (size_t r = 0; r < nwards; r++)
				sum += t->values[cell(t, r, c)];
			t->values[cell(t, nwards, c)] = sum;
		}

	/* Constraints: each row's total and parents; the borough row's columns. */
	for (size_t r = 0; r < t->nrows; r++) {
		struct disclosure_constraint *k = &t->cs[t->ncs];
		size_t *parts = t->parts[t->ncs++];

		k->total = cell(t, r, 0);
		k->parts = parts;
		for (size_t g = 0; g < ngroups; g++)
			parts[k->nparts++] = cell(t, r, group_col[g]);
		for (size_t g = 0; g < ngroups; g++) {
			if (!nchildren[g])
				continue;
			k = &t->cs[t->ncs];
			parts = t->parts[t->ncs++];
			k->total = cell(t, r, group_col[g]);
			k->parts = parts;
			for (size_t ch = 1; ch <= nchildren[g]; ch++)
				parts[k->nparts++] = cell(t, r, group_col[g] + ch);
		}
	}
	if (borough)
		for (size_t c = 0; c < t->ncols; c++) {
			struct disclosure_constraint *k = &t->cs[t->ncs];
			size_t *parts = t->parts[t->ncs++];

			k->total = cell(t, nwards, c);
			k->parts = parts;
			for (size_t r = 0; r < nwards; r++)
				parts[k->nparts++] = cell(t, r, c);
		}

	/* Cells another table withheld. */
	if (flags & 2)
		for (size_t c = 0; c < t->nrows * t->ncols; c++)
			if (take(in) % 8 == 0)
				t->forced[c] = t->any_forced = true;
}

/* The table, for reading a finding (EQ_FUZZ_VERBOSE=1). */
static void dump(const struct table *t)
{
	fprintf(stderr, "threshold %d, %zu x %zu cells (value, * when forced):\n",
		t->threshold, t->nrows, t->ncols);
	for (size_t r = 0; r < t->nrows; r++) {
		for (size_t c = 0; c < t->ncols; c++)
			fprintf(stderr, " %6lld%s", (long long)t->values[cell(t, r, c)],
				t->forced[cell(t, r, c)] ? "*" : " ");
		fprintf(stderr, "\n");
	}
	for (size_t q = 0; q < t->ncs; q++) {
		fprintf(stderr, "  cell %zu =", t->cs[q].total);
		for (size_t i = 0; i < t->cs[q].nparts; i++)
			fprintf(stderr, " %s%zu", i ? "+ " : "", t->cs[q].parts[i]);
		fprintf(stderr, "\n");
	}
}

/* ---- the checks ------------------------------------------------------------------------ */

static void check_bounds(const struct table *t, const bool *sup)
{
	for (size_t q = 0; q < t->ncs; q++) {
		const struct disclosure_constraint *k = &t->cs[q];
		int64_t left = t->values[k->total];
		size_t withheld = 0;
		bool zero_forced = false;

		if (sup[k->total])
			continue;
		for (size_t i = 0; i < k->nparts; i++) {
			size_t c = k->parts[i];

			if (sup[c]) {
				withheld++;
				zero_forced = zero_forced || t->values[c] == 0;
			} else {
				left -= t->values[c];
			}
		}
		/* A forced zero breaks the "at least 1" an attacker assumes. */
		if (withheld && !zero_forced && left <= (int64_t)withheld && getenv("EQ_FUZZ_VERBOSE")) {
			fprintf(stderr, "pinned: cell %zu = %lld leaves %lld for %zu withheld:",
				k->total, (long long)t->values[k->total], (long long)left, withheld);
			for (size_t i = 0; i < k->nparts; i++)
				if (sup[k->parts[i]])
					fprintf(stderr, " %zu (%lld)", k->parts[i],
						(long long)t->values[k->parts[i]]);
			fprintf(stderr, "\n");
		}
		if (withheld && !zero_forced)
			CHECK(left > (int64_t)withheld);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = { data, size };
	static struct table t;
	bool sup[MAX_CELLS], again[MAX_CELLS], det[MAX_CELLS];
	size_t ncells;
	bool forced_zero = false;

	build(&t, &in);
	ncells = t.nrows * t.ncols;
	if (getenv("EQ_FUZZ_VERBOSE"))
		dump(&t);
	CHECK(disclosure_apply_forced(t.values, ncells, t.cs, t.ncs, t.threshold,
				      t.any_forced ? t.forced : NULL, sup) == 0);

	for (size_t c = 0; c < ncells; c++)
		forced_zero = forced_zero || (t.forced[c] && t.values[c] == 0);
	for (size_t c = 0; c < ncells; c++) {
		if (t.values[c] > 0 && t.values[c] < t.threshold)
			CHECK(sup[c]);
		if (t.forced[c])
			CHECK(sup[c]);
		/* A zero may protect a forced zero (withheld, yet 0 = its total
		 * would give it away); otherwise zero is published. */
		if (t.values[c] == 0 && !t.forced[c] && !forced_zero)
			CHECK(!sup[c]);
		if (t.threshold <= 1 && !t.any_forced)
			CHECK(!sup[c]);
	}
	exact_determined(&t, sup, ncells, det);
	for (size_t c = 0; c < ncells; c++) {
		if (sup[c] && t.values[c] > 0)
			CHECK(!det[c]);
		/* The module's own audit agrees. */
		if (sup[c] && t.values[c] > 0)
			CHECK(disclosure_cell_is_determined(t.values, ncells, t.cs, t.ncs, sup, c) == 0);
	}
	check_bounds(&t, sup);

	/* Deterministic, and the same through disclosure_apply. */
	CHECK(disclosure_apply_forced(t.values, ncells, t.cs, t.ncs, t.threshold,
				      t.any_forced ? t.forced : NULL, again) == 0);
	CHECK(memcmp(sup, again, ncells * sizeof(bool)) == 0);
	if (!t.any_forced) {
		CHECK(disclosure_apply(t.values, ncells, t.cs, t.ncs, t.threshold, again) == 0);
		CHECK(memcmp(sup, again, ncells * sizeof(bool)) == 0);
	}

	/* Invalid input publishes nothing. */
	if (ncells > 1) {
		size_t victim = take(&in) % ncells;
		int64_t saved = t.values[victim];

		t.values[victim] = -1;
		CHECK(disclosure_apply(t.values, ncells, t.cs, t.ncs, t.threshold, again) == -1);
		for (size_t c = 0; c < ncells; c++)
			CHECK(again[c]);
		t.values[victim] = saved;
	}
	return 0;
}
