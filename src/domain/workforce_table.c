/*
 * workforce_table.c - the cells of a workforce snapshot and their
 * disclosure control (see workforce_table.h).
 */
#include "domain/workforce_table.h"

#include <stdlib.h>
#include <string.h>

#include "domain/disclosure.h"

#define MAX_ROUNDS 20

size_t wf_ncells(const struct wf_dims *dims, const struct wf_table *t)
{
	return (dims->ndirs + 1) * (dims->ngrades + 2) * (t->ncats + 1);
}

size_t wf_cell(const struct wf_dims *dims, const struct wf_table *t, size_t d, size_t g, size_t c)
{
	return (d * (dims->ngrades + 2) + g) * (t->ncats + 1) + c;
}

int wf_table_alloc(const struct wf_dims *dims, struct wf_table *t)
{
	size_t n = wf_ncells(dims, t);

	t->values = calloc(n, sizeof(*t->values));
	t->supp = calloc(n, sizeof(*t->supp));
	return t->values && t->supp ? 0 : -1;
}

void wf_table_release(struct wf_table *t)
{
	free(t->values);
	free(t->supp);
	t->values = NULL;
	t->supp = NULL;
}

void wf_table_add(const struct wf_dims *dims, struct wf_table *t, size_t d, size_t g, size_t c,
		  int64_t v)
{
	for (int dd = 0; dd < 2; dd++)
		for (int gg = 0; gg < 3; gg++)
			for (int cc = 0; cc < 2; cc++) {
				size_t D = dd ? dims->ndirs : d, C = cc ? t->ncats : c;
				size_t G = gg == 0 ? g : gg == 1 ? dims->ngrades : dims->ngrades + 1;

				if (gg == 2 && !dims->senior[g])
					continue;
				t->values[wf_cell(dims, t, D, G, C)] += v;
			}
}

void wf_table_add_quartile(struct wf_table *t, int q, size_t c, int64_t v)
{
	size_t row = t->ncats + 1;

	t->has_quartiles = true;
	t->quart[(size_t)(q - 1) * row + c] += v;
	t->quart[(size_t)(q - 1) * row + t->ncats] += v;
	t->quart[4 * row + c] += v;
	t->quart[4 * row + t->ncats] += v;
}

bool wf_quartile_share(const struct wf_table *t, int q, size_t c, double *pct)
{
	size_t k, tot;
	double sh;

	if (!t->has_quartiles || c >= t->ncats || q < 1 || q > 4)
		return false;
	k = (size_t)(q - 1) * (t->ncats + 1) + c;
	tot = (size_t)(q - 1) * (t->ncats + 1) + t->ncats;
	if (!disclosure_share(t->quart[k], t->qsupp[k], t->quart[tot], t->qsupp[tot], &sh))
		return false;
	*pct = sh * 100.0;
	return true;
}

static bool small(long long n, unsigned threshold)
{
	return n > 0 && n < (long long)threshold;
}

bool wf_gap_withheld(const char *measure, const struct wf_gap_counts *n, unsigned threshold)
{
	long long th = (long long)threshold;
	bool enough = n->n_group >= th && n->n_reference >= th;

	if (strcmp(measure, "mean_gap") == 0 || strcmp(measure, "median_gap") == 0)
		return !enough;
	if (strcmp(measure, "mean_bonus_gap") == 0 || strcmp(measure, "median_bonus_gap") == 0)
		return !enough || n->bonus_n_group < th || n->bonus_n_reference < th;
	if (strcmp(measure, "bonus_share_group") == 0)
		return !enough || small(n->bonus_n_group, threshold) ||
		       small(n->n_group - n->bonus_n_group, threshold);
	if (strcmp(measure, "bonus_share_reference") == 0)
		return !enough || small(n->bonus_n_reference, threshold) ||
		       small(n->n_reference - n->bonus_n_reference, threshold);
	return false;
}

/* ---- the constraints ---------------------------------------------------- */

struct cons {
	struct disclosure_constraint *items;
	size_t n;
	size_t *parts, np;
};

static void begin(struct cons *cs, size_t total)
{
	cs->items[cs->n] = (struct disclosure_constraint){ total, cs->parts + cs->np, 0 };
}

static void part(struct cons *cs, size_t cell)
{
	cs->parts[cs->np++] = cell;
	cs->items[cs->n].nparts++;
}

/* Published cells: by directorate (d, G, c), by grade band (D, g, c), the
 * senior grades together (D, G + 1, c) and the whole council (D, G, c). */
static int profile_constraints(const struct wf_dims *dm, const struct wf_table *t, struct cons *cs)
{
	size_t D = dm->ndirs, G = dm->ngrades, C = t->ncats;

	cs->items = calloc((D + 1) * (G + 2) + 2 * (D + 1) * (C + 1) + (G + 2) * (C + 1), sizeof(*cs->items));
	cs->parts = calloc(wf_ncells(dm, t) * 4, sizeof(*cs->parts));
	if (!cs->items || !cs->parts)
		return -1;
	for (size_t d = 0; d <= D; d++) {
		begin(cs, wf_cell(dm, t, d, G, C));
		for (size_t c = 0; c < C; c++)
			part(cs, wf_cell(dm, t, d, G, c));
		cs->n++;
	}
	for (size_t g = 0; g < G + 2; g++) {
		if (g == G)
			continue;   /* the whole council: done above (d = D) */
		begin(cs, wf_cell(dm, t, D, g, C));
		for (size_t c = 0; c < C; c++)
			part(cs, wf_cell(dm, t, D, g, c));
		cs->n++;
	}
	for (size_t c = 0; c <= C; c++) {
		begin(cs, wf_cell(dm, t, D, G, c));
		for (size_t d = 0; d < D; d++)
			part(cs, wf_cell(dm, t, d, G, c));
		cs->n++;
		begin(cs, wf_cell(dm, t, D, G, c));
		for (size_t g = 0; g < G; g++)
			part(cs, wf_cell(dm, t, D, g, c));
		cs->n++;
		begin(cs, wf_cell(dm, t, D, G + 1, c));
		for (size_t g = 0; g < G; g++)
			if (dm->senior[g])
				part(cs, wf_cell(dm, t, D, g, c));
		cs->n++;
	}
	return 0;
}

/* Each quartile is the sum of its categories; each category's "all" row
 * the sum of its four quartiles. */
static void quartile_constraints(size_t C, struct disclosure_constraint *cs, size_t *parts, size_t *ncs)
{
	size_t n = 0, np = 0;

	for (size_t q = 0; q < 5; q++) {
		cs[n++] = (struct disclosure_constraint){ q * (C + 1) + C, parts + np, C };
		for (size_t c = 0; c < C; c++)
			parts[np++] = q * (C + 1) + c;
	}
	for (size_t c = 0; c <= C; c++) {
		cs[n++] = (struct disclosure_constraint){ 4 * (C + 1) + c, parts + np, 4 };
		for (size_t q = 0; q < 4; q++)
			parts[np++] = q * (C + 1) + c;
	}
	*ncs = n;
}

/* ---- suppression to a fixed point ---------------------------------------- */

struct shared {
	bool *head;                           /* (D + 1) x (G + 2) headcount cells */
	bool (*cat)[WF_MAX_CATS + 1];         /* per table, each category's total */
	bool *forced;                         /* scratch: one table's forced cells */
};

static int apply_table(const struct wf_dims *dm, struct wf_table *t, const struct cons *cs,
		       const bool *force_cat, struct shared *sh, unsigned threshold)
{
	size_t D = dm->ndirs, G = dm->ngrades, C = t->ncats, n = wf_ncells(dm, t);
	struct disclosure_constraint qcs[5 + WF_MAX_CATS + 1];
	size_t qparts[5 * WF_MAX_CATS + 4 * (WF_MAX_CATS + 1)], nq;
	bool qforced[5 * (WF_MAX_CATS + 1)] = { false };

	memset(sh->forced, 0, n * sizeof(bool));
	for (size_t d = 0; d <= D; d++)
		for (size_t g = 0; g < G + 2; g++)
			sh->forced[wf_cell(dm, t, d, g, C)] = sh->head[d * (G + 2) + g];
	for (size_t c = 0; c <= C; c++)
		sh->forced[wf_cell(dm, t, D, G, c)] = sh->forced[wf_cell(dm, t, D, G, c)] || force_cat[c];
	if (disclosure_apply_forced(t->values, n, cs->items, cs->n, (int)threshold, sh->forced, t->supp) != 0)
		return -1;
	if (!t->has_quartiles)
		return 0;
	quartile_constraints(C, qcs, qparts, &nq);
	for (size_t c = 0; c <= C; c++)
		qforced[4 * (C + 1) + c] = force_cat[c] || t->supp[wf_cell(dm, t, D, G, c)];
	return disclosure_apply_forced(t->quart, 5 * (C + 1), qcs, nq, (int)threshold, qforced, t->qsupp);
}

/* The union of what any table withholds among the shared cells; true when
 * it grew. */
static bool share_withheld(const struct wf_dims *dm, const struct wf_table *t, bool *force_cat,
			   bool *head)
{
	size_t D = dm->ndirs, G = dm->ngrades, C = t->ncats;
	bool changed = false;

	for (size_t d = 0; d <= D; d++)
		for (size_t g = 0; g < G + 2; g++)
			if (t->supp[wf_cell(dm, t, d, g, C)] && !head[d * (G + 2) + g])
				head[d * (G + 2) + g] = changed = true;
	for (size_t c = 0; c <= C; c++) {
		bool w = t->supp[wf_cell(dm, t, D, G, c)] || (t->has_quartiles && t->qsupp[4 * (C + 1) + c]);

		if (w && !force_cat[c])
			force_cat[c] = changed = true;
	}
	return changed;
}

int wf_tables_suppress(const struct wf_dims *dm, struct wf_table *tables, size_t ntables,
		       unsigned threshold)
{
	size_t D = dm->ndirs, G = dm->ngrades;
	struct cons *cs = calloc(ntables + 1, sizeof(*cs));
	struct shared sh = {
		.head = calloc((D + 1) * (G + 2), sizeof(bool)),
		.cat = calloc(ntables + 1, sizeof(*sh.cat)),
		.forced = calloc((D + 1) * (G + 2) * (WF_MAX_CATS + 1) + 1, sizeof(bool)),
	};
	int rc = -1;

	if (!cs || !sh.head || !sh.cat || !sh.forced)
		goto done;
	for (size_t i = 0; i < ntables; i++)
		if (profile_constraints(dm, &tables[i], &cs[i]) != 0)
			goto done;
	for (int round = 0; round < MAX_ROUNDS && rc != 0; round++) {
		bool changed = false;

		for (size_t i = 0; i < ntables; i++)
			if (apply_table(dm, &tables[i], &cs[i], sh.cat[i], &sh, threshold) != 0)
				goto done;
		for (size_t i = 0; i < ntables; i++)
			changed = share_withheld(dm, &tables[i], sh.cat[i], sh.head) || changed;
		if (!changed)
			rc = 0;
	}
done:
	for (size_t i = 0; cs && i < ntables; i++) {
		free(cs[i].items);
		free(cs[i].parts);
	}
	free(cs);
	free(sh.head);
	free(sh.cat);
	free(sh.forced);
	return rc;
}
