/*
 * demo_table.c - a demographics table and its disclosure control.
 */
#include "domain/demo_table.h"

#include <stdlib.h>
#include <string.h>

#include "domain/disclosure.h"

int demo_table_alloc(struct demo_table *t, const char *characteristic, size_t nareas, size_t ncats)
{
	memset(t, 0, sizeof(*t));
	t->characteristic = characteristic;
	t->nareas = nareas;
	t->ncats = ncats + 1;
	t->areas = calloc(nareas + 1, sizeof(*t->areas));
	t->cats = calloc(t->ncats, sizeof(*t->cats));
	t->values = malloc((nareas * t->ncats + 1) * sizeof(*t->values));
	t->suppressed = calloc(nareas * t->ncats + 1, sizeof(*t->suppressed));
	if (!t->areas || !t->cats || !t->values || !t->suppressed)
		return -1;
	t->cats[0] = (struct demo_category){ DEMO_TOTAL_CODE, "Total", NULL, -1 };
	for (size_t c = 1; c < t->ncats; c++)
		t->cats[c].parent_index = -1;
	for (size_t i = 0; i < nareas * t->ncats; i++)
		t->values[i] = -1;
	return 0;
}

void demo_table_release(struct demo_table *t)
{
	free(t->areas);
	free(t->cats);
	free(t->values);
	free(t->suppressed);
	memset(t, 0, sizeof(*t));
}

long demo_table_area(const struct demo_table *t, const char *code)
{
	size_t lo = 0, hi = t->nareas;

	/* Areas are sorted by code. */
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(t->areas[mid].code, code);

		if (c == 0)
			return (long)mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

long demo_table_category(const struct demo_table *t, const char *code)
{
	for (size_t i = 0; i < t->ncats; i++)
		if (strcmp(t->cats[i].code, code) == 0)
			return (long)i;
	return -1;
}

long demo_table_borough(const struct demo_table *t)
{
	long area = -1;

	for (size_t a = 0; a < t->nareas; a++)
		if (strcmp(t->areas[a].kind, "borough") == 0)
			area = (long)a;
	return area;
}

void demo_table_link_parents(struct demo_table *t)
{
	for (size_t c = 1; c < t->ncats; c++)
		t->cats[c].parent_index = t->cats[c].parent ? demo_table_category(t, t->cats[c].parent) : -1;
}

bool demo_table_set(struct demo_table *t, const char *area, const char *category, int64_t value)
{
	long a = demo_table_area(t, area);
	long c = demo_table_category(t, category);

	if (a < 0 || c <= 0)
		return false;
	t->values[(size_t)a * t->ncats + (size_t)c] = value;
	return true;
}

bool demo_table_share(const struct demo_table *t, size_t a, size_t c, double *share)
{
	size_t cell = a * t->ncats + c, total = a * t->ncats;

	if (t->values[cell] < 0 || t->values[total] < 0)
		return false;
	return disclosure_share(t->values[cell], t->suppressed[cell], t->values[total],
				t->suppressed[total], share);
}

struct builder {
	struct disclosure_constraint *cons;
	size_t *parts;
	size_t ncons, used, start;
	size_t base;   /* the first cell of the table being described */
	bool complete;
};

static void begin(struct builder *b, bool total_present)
{
	b->start = b->used;
	b->complete = total_present;
}

static void part(struct builder *b, const struct demo_table *t, size_t cell)
{
	if (t->values[cell] < 0)
		b->complete = false;
	b->parts[b->used++] = b->base + cell;
}

/* Keep the constraint only when it has parts and all its cells are present. */
static void end(struct builder *b, size_t total)
{
	if (b->used == b->start || !b->complete) {
		b->used = b->start;
		return;
	}
	b->cons[b->ncons++] = (struct disclosure_constraint){ b->base + total, b->parts + b->start,
							       b->used - b->start };
}

/* In each area, the total is the sum of the top-level categories and a
 * parent category the sum of its children. */
static void category_sums(struct builder *b, const struct demo_table *t)
{
	for (size_t a = 0; a < t->nareas; a++)
		for (size_t p = 0; p < t->ncats; p++) {
			begin(b, t->values[a * t->ncats + p] >= 0);
			for (size_t c = 1; c < t->ncats; c++)
				if (p == 0 ? t->cats[c].parent_index < 0 : t->cats[c].parent_index == (long)p)
					part(b, t, a * t->ncats + c);
			end(b, a * t->ncats + p);
		}
}

/* For each category (and the total), an area with sub-areas in the table
 * (the borough) is the sum of them (the wards). */
static void area_sums(struct builder *b, const struct demo_table *t)
{
	for (size_t a = 0; a < t->nareas; a++)
		for (size_t c = 0; c < t->ncats; c++) {
			begin(b, t->values[a * t->ncats + c] >= 0);
			for (size_t w = 0; w < t->nareas; w++)
				if (t->areas[w].parent && strcmp(t->areas[w].parent, t->areas[a].code) == 0)
					part(b, t, w * t->ncats + c);
			end(b, a * t->ncats + c);
		}
}

/*
 * The linked cells of a subset table `sub` (cells from sub_base) and the
 * superset table `sup` (cells from 0): for each (area, category) both hold,
 * sup = sub + hidden, the hidden cell counting the people outside the
 * subset.  Hidden cells are appended from *next; their values go to vals.
 */
static void link_cells(struct builder *b, const struct demo_table *sup, const struct demo_table *sub,
		       size_t sub_base, int64_t *vals, size_t *next)
{
	for (size_t a = 0; a < sub->nareas; a++) {
		long sa = demo_table_area(sup, sub->areas[a].code);

		for (size_t c = 0; c < sub->ncats && sa >= 0; c++) {
			long sc = demo_table_category(sup, sub->cats[c].code);
			size_t cell = a * sub->ncats + c, scell;

			if (sc < 0)
				continue;
			scell = (size_t)sa * sup->ncats + (size_t)sc;
			/* An absent cell, or a subset larger than its superset
			 * (inconsistent data): no relation to state. */
			if (sub->values[cell] < 0 || sup->values[scell] < sub->values[cell])
				continue;
			vals[*next] = sup->values[scell] - sub->values[cell];
			b->parts[b->used] = sub_base + cell;
			b->parts[b->used + 1] = *next;
			b->cons[b->ncons++] = (struct disclosure_constraint){ scell, b->parts + b->used, 2 };
			b->used += 2;
			(*next)++;
		}
	}
}

int demo_table_suppress(struct demo_table *t, unsigned threshold)
{
	return demo_table_suppress_linked(&t, 1, threshold);
}

/* Cells of all tables, then one hidden cell per linked pair of cells. */
static size_t linked_cells(struct demo_table *const *tables, size_t n, size_t *hidden)
{
	size_t own = 0;

	for (size_t i = 0; i < n; i++)
		own += tables[i]->nareas * tables[i]->ncats;
	*hidden = 0;
	for (size_t i = 1; i < n; i++)
		*hidden += tables[i]->nareas * tables[i]->ncats;
	return own;
}

int demo_problem_build(struct demo_table *const *tables, size_t n, struct demo_problem *p)
{
	size_t hidden, own = linked_cells(tables, n, &hidden), next = own, base = 0;
	struct builder b = {
		.cons = calloc(2 * own + hidden + 1, sizeof(*b.cons)),
		.parts = calloc(own * 3 + 2 * hidden + 1, sizeof(*b.parts)),
	};

	memset(p, 0, sizeof(*p));
	p->cons = b.cons;
	p->parts = b.parts;
	p->values = calloc(own + hidden + 1, sizeof(*p->values));
	p->absent = calloc(own + hidden + 1, sizeof(*p->absent));
	if (!b.cons || !b.parts || !p->values || !p->absent)
		return -1;
	for (size_t i = 0; i < n; i++) {
		const struct demo_table *t = tables[i];

		b.base = base;
		category_sums(&b, t);
		area_sums(&b, t);
		/* Absent cells take part in no constraint; give the pure
		 * function zeros for them and never publish them. */
		for (size_t c = 0; c < t->nareas * t->ncats; c++) {
			p->values[base + c] = t->values[c] < 0 ? 0 : t->values[c];
			p->absent[base + c] = t->values[c] < 0;
		}
		if (i > 0)
			link_cells(&b, tables[0], t, base, p->values, &next);
		base += t->nareas * t->ncats;
	}
	p->ncells = next;
	p->nown = own;
	p->ncons = b.ncons;
	return 0;
}

void demo_problem_release(struct demo_problem *p)
{
	void *owned[] = { p->values, p->absent, p->cons, p->parts };

	for (size_t i = 0; i < sizeof(owned) / sizeof(owned[0]); i++)
		free(owned[i]);
	memset(p, 0, sizeof(*p));
}

/* keep: each table's suppressed[] on entry is withheld from the start. */
static int suppress_linked(struct demo_table *const *tables, size_t n, unsigned threshold, bool keep)
{
	struct demo_problem p;
	bool *supp = NULL, *forced = NULL;
	size_t base = 0;
	int rc = -1;

	if (demo_problem_build(tables, n, &p) != 0 || !(supp = calloc(p.ncells + 1, sizeof(*supp))) ||
	    !(forced = calloc(p.ncells + 1, sizeof(*forced))))
		goto done;
	for (size_t i = 0; keep && i < n; i++) {
		memcpy(forced + base, tables[i]->suppressed, tables[i]->nareas * tables[i]->ncats * sizeof(*forced));
		base += tables[i]->nareas * tables[i]->ncats;
	}
	rc = disclosure_apply_forced(p.values, p.ncells, p.cons, p.ncons, (int)threshold, keep ? forced : NULL,
				     supp);
	base = 0;
	for (size_t i = 0; i < n; i++) {
		size_t cells = tables[i]->nareas * tables[i]->ncats;

		memcpy(tables[i]->suppressed, supp + base, cells * sizeof(*supp));
		base += cells;
	}
done:
	if (rc != 0)
		for (size_t i = 0; i < n; i++)
			memset(tables[i]->suppressed, 1, tables[i]->nareas * tables[i]->ncats);
	free(supp);
	free(forced);
	demo_problem_release(&p);
	return rc;
}

int demo_table_suppress_linked(struct demo_table *const *tables, size_t n, unsigned threshold)
{
	return suppress_linked(tables, n, threshold, false);
}

int demo_table_suppress_linked_more(struct demo_table *const *tables, size_t n, unsigned threshold)
{
	return suppress_linked(tables, n, threshold, true);
}
