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

/* Room for cells: the catalogue, the HR bands, two undeclared codes per
 * characteristic, the total and the adult total. */
static size_t cells_max(const struct return_catalogue *cat, size_t nchars)
{
	return cat->n + 8 + 2 * nchars + 2;
}

static void cell_add(struct returns_summary *s, struct constraints *c, size_t *used,
		     const char *ch, const char *code, const char *name, int row)
{
	s->cells[s->ncells] = (struct returns_summary_cell){ ch, code, name, row };
	c->parts[(*used)++] = s->ncells++;
}

/* One characteristic's cells: its top-level categories (or HR bands), then
 * the undeclared codes. */
static void characteristic_cells(struct returns_summary *s, struct constraints *c, size_t *used,
				 const char *ch, const struct return_catalogue *cat)
{
	if (strcmp(ch, "age") == 0 && s->rules->hr_age_bands) {
		for (size_t b = 0; return_hr_age_bands[b]; b++)
			cell_add(s, c, used, ch, return_hr_age_bands[b], return_hr_age_band_names[b], -1);
	} else {
		for (size_t i = 0; i < cat->n; i++)
			if (strcmp(cat->rows[i].characteristic, ch) == 0 && !cat->rows[i].parent)
				cell_add(s, c, used, ch, cat->rows[i].code, cat->rows[i].name, (int)i);
	}
	for (size_t u = 0; return_undeclared_codes[u]; u++)
		cell_add(s, c, used, ch, return_undeclared_codes[u], return_undeclared_names[u], -1);
}

/* Cells and constraints: the total (and adult total), then each
 * characteristic's cells, each characteristic adding up to its base. */
static int cells_build(struct returns_summary *s, struct constraints *c,
		       const struct return_catalogue *cat)
{
	const struct return_kind *kind = s->rules->kind;
	size_t nchars = return_kind_size(kind), used = 0, max = cells_max(cat, nchars);

	s->cells = calloc(max, sizeof(*s->cells));
	s->values = calloc(max, sizeof(*s->values));
	s->suppressed = calloc(max, sizeof(*s->suppressed));
	c->parts = calloc(max, sizeof(*c->parts));
	c->items = calloc(nchars + 1, sizeof(*c->items));
	if (!s->cells || !s->values || !s->suppressed || !c->parts || !c->items)
		return -1;
	s->cells[s->ncells++] = (struct returns_summary_cell){ NULL, "total", "Total", -1 };
	if (return_needs_adult_total(s->rules)) {
		s->adult_cell = s->ncells;
		s->cells[s->ncells++] = (struct returns_summary_cell){
			NULL, "adult_total", "Total aged 16 and over", -1 };
	}
	for (size_t ch = 0; ch < nchars; ch++) {
		size_t start = used;
		const char *name = kind->characteristics[ch];

		characteristic_cells(s, c, &used, name, cat);
		c->items[c->n++] = (struct disclosure_constraint){
			returns_summary_base(s, name), c->parts + start, used - start };
	}
	return 0;
}

/* The cell of (ch, code): sub-categories count towards their top-level
 * category; 0 when none (a code the rules did not take counts nothing). */
static size_t cell_of(const struct returns_summary *s, const struct return_catalogue *cat,
		      const char *ch, const char *code)
{
	int top = return_catalogue_top(cat, return_catalogue_find(cat, ch, code));

	if (top >= 0)
		code = cat->rows[top].code;
	for (size_t k = 1; k < s->ncells; k++)
		if (s->cells[k].characteristic && strcmp(s->cells[k].characteristic, ch) == 0 &&
		    strcmp(s->cells[k].category, code) == 0)
			return k;
	return 0;
}

/* A return's counts into their cells. */
static void add_return(struct returns_summary *s, const struct return_catalogue *cat,
		       const struct accepted_return *a)
{
	const char *ch;
	json_t *counts;

	s->values[0] += a->total;
	if (s->adult_cell)
		s->values[s->adult_cell] += a->adult_total;
	json_object_foreach((json_t *)a->lines, ch, counts) {
		const char *code;
		json_t *count;

		json_object_foreach(counts, code, count) {
			size_t k = cell_of(s, cat, ch, code);

			if (k)
				s->values[k] += json_integer_value(count);
		}
	}
}

int returns_summary_build(struct returns_summary *s, const struct return_rules *rules,
			  const struct return_catalogue *cat,
			  const struct accepted_return *accepted, size_t naccepted, int threshold)
{
	struct constraints c = { 0 };
	int rc = -1;

	memset(s, 0, sizeof(*s));
	s->rules = rules;
	if (!rules->kind || cells_build(s, &c, cat) != 0)
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
	/* Kept, for releases (the summary owns them from here). */
	s->constraints = c.items;
	s->nconstraints = c.n;
	s->parts = c.parts;
	if (rc != 0)
		returns_summary_release(s);
	return rc;
}

size_t returns_summary_base(const struct returns_summary *s, const char *ch)
{
	return s->adult_cell && return_adult_only(ch) ? s->adult_cell : 0;
}

bool returns_summary_in(const struct returns_summary *s, size_t k, const char *ch)
{
	if (!s->cells[k].characteristic)
		return k == returns_summary_base(s, ch);
	return strcmp(s->cells[k].characteristic, ch) == 0;
}

/* The relations kept for releases. */
static void relations_free(struct returns_summary *s)
{
	free(s->constraints);
	free(s->parts);
}

void returns_summary_release(struct returns_summary *s)
{
	free(s->cells);
	free(s->values);
	free(s->suppressed);
	relations_free(s);
	memset(s, 0, sizeof(*s));
}
