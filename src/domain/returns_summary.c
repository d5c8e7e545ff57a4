/*
 * returns_summary.c - the summary of accepted partner returns and its
 * suppression (see returns_summary.h).
 */
#include "domain/returns_summary.h"

#include <stdlib.h>
#include <string.h>

#include "domain/disclosure.h"

/* The constraints of the table: per characteristic, total = its cells. */
struct constraints {
	struct disclosure_constraint *items;
	size_t n;
	size_t *parts;
};

/* Cells and constraints: the total, then each characteristic's top-level
 * categories in catalogue order. */
static int cells_build(struct returns_summary *s, struct constraints *c,
		       const struct return_kind *kind, const struct return_catalogue *cat)
{
	size_t nchars = return_kind_size(kind), used = 0;

	s->cells = calloc(cat->n + 1, sizeof(*s->cells));
	s->values = calloc(cat->n + 1, sizeof(*s->values));
	s->suppressed = calloc(cat->n + 1, sizeof(*s->suppressed));
	c->parts = calloc(cat->n + 1, sizeof(*c->parts));
	c->items = calloc(nchars + 1, sizeof(*c->items));
	if (!s->cells || !s->values || !s->suppressed || !c->parts || !c->items)
		return -1;
	s->cells[s->ncells++] = (struct returns_summary_cell){ NULL, "total", "Total", -1 };
	for (size_t ch = 0; ch < nchars; ch++) {
		size_t start = used;

		for (size_t i = 0; i < cat->n; i++) {
			const struct return_category *r = &cat->rows[i];

			if (strcmp(r->characteristic, kind->characteristics[ch]) != 0 || r->parent)
				continue;
			s->cells[s->ncells] = (struct returns_summary_cell){
				kind->characteristics[ch], r->code, r->name, (int)i };
			c->parts[used++] = s->ncells++;
		}
		c->items[c->n++] = (struct disclosure_constraint){ 0, c->parts + start, used - start };
	}
	return 0;
}

/* A return's counts into the cells of their top-level categories. */
static void add_return(struct returns_summary *s, const struct return_catalogue *cat,
		       const struct accepted_return *a)
{
	const char *ch;
	json_t *counts;

	s->values[0] += a->total;
	json_object_foreach((json_t *)a->lines, ch, counts) {
		const char *code;
		json_t *count;

		json_object_foreach(counts, code, count) {
			int top = return_catalogue_top(cat, return_catalogue_find(cat, ch, code));

			for (size_t k = 1; top >= 0 && k < s->ncells; k++)
				if (s->cells[k].row == top)
					s->values[k] += json_integer_value(count);
		}
	}
}

int returns_summary_build(struct returns_summary *s, const struct return_kind *kind,
			  const struct return_catalogue *cat,
			  const struct accepted_return *accepted, size_t naccepted, int threshold)
{
	struct constraints c = { 0 };
	int rc = -1;

	memset(s, 0, sizeof(*s));
	if (cells_build(s, &c, kind, cat) != 0)
		goto done;
	s->partners = naccepted;
	for (size_t a = 0; a < naccepted; a++)
		add_return(s, cat, &accepted[a]);
	if (naccepted < RETURNS_MIN_PARTNERS) {
		for (size_t k = 0; k < s->ncells; k++)
			s->suppressed[k] = true;
		rc = 0;
	} else {
		rc = disclosure_apply(s->values, s->ncells, c.items, c.n, threshold, s->suppressed);
	}
done:
	free(c.items);
	free(c.parts);
	if (rc != 0)
		returns_summary_release(s);
	return rc;
}

bool returns_summary_in(const struct returns_summary *s, size_t k, const char *ch)
{
	return k == 0 || strcmp(s->cells[k].characteristic, ch) == 0;
}

void returns_summary_release(struct returns_summary *s)
{
	free(s->cells);
	free(s->values);
	free(s->suppressed);
	memset(s, 0, sizeof(*s));
}
