/*
 * hate_crime_table.c - canonical hate-crime cells and their suppression
 * (see hate_crime_table.h).
 */
#include "domain/hate_crime_table.h"

#include <stdlib.h>
#include <string.h>

const char *const hc_offence_types[HC_NOFFENCES + 1] = {
	"violence_against_the_person", "harassment", "criminal_damage",
	"public_order", "online", "other", NULL,
};
const char *const hc_channels[HC_NCHANNELS + 1] = {
	"police", "third_party_centre", "council_officer", "online_form",
	"telephone", "in_person", "other", NULL,
};
const char *const hc_strands[HC_NSTRANDS + 1] = {
	"race", "religion", "sexual_orientation", "disability",
	"transgender_identity", "other", NULL,
};

int hc_code_index(const char *const *list, const char *code)
{
	for (int i = 0; list[i]; i++)
		if (strcmp(list[i], code) == 0)
			return i;
	return -1;
}

/* Month of the financial year, 0 for April .. 11 for March. */
static int fy_month(int month)
{
	return (month + 8) % 12;
}

int hc_time_cell(const struct period *p)
{
	switch (p->kind) {
	case PERIOD_FINANCIAL_YEAR:
		return 0;
	case PERIOD_QUARTER:
		return p->quarter >= 1 && p->quarter <= 4 ? p->quarter : -1;
	case PERIOD_MONTH:
		return p->month >= 1 && p->month <= 12 ? 5 + fy_month(p->month) : -1;
	default:
		return -1;
	}
}

static size_t reports_width(size_t nwards)
{
	return 1 + nwards + HC_NOFFENCES + HC_NCHANNELS;
}

size_t hc_reports_ncells(size_t nwards)
{
	return HC_TIME_CELLS * reports_width(nwards);
}

size_t hc_reports_cell(size_t nwards, int t, enum hc_dim dim, size_t idx)
{
	size_t base = (size_t)t * reports_width(nwards);

	switch (dim) {
	case HC_WARD:
		return base + 1 + idx;
	case HC_OFFENCE:
		return base + 1 + nwards + idx;
	case HC_CHANNEL:
		return base + 1 + nwards + HC_NOFFENCES + idx;
	case HC_TOTAL:
	default:
		return base;
	}
}

#define FLAGS_WIDTH (1 + HC_NSTRANDS)

size_t hc_flags_ncells(size_t nwards)
{
	return HC_TIME_CELLS * FLAGS_WIDTH + nwards * FLAGS_WIDTH;
}

size_t hc_flags_cell(size_t nwards, int t, int strand)
{
	(void)nwards;
	return (size_t)t * FLAGS_WIDTH + (size_t)(strand + 1);
}

size_t hc_ward_flags_cell(size_t nwards, size_t w, int strand)
{
	(void)nwards;
	return HC_TIME_CELLS * FLAGS_WIDTH + w * FLAGS_WIDTH + (size_t)(strand + 1);
}

void hc_constraints_release(struct hc_constraints *c)
{
	free(c->items);
	free(c->parts);
	memset(c, 0, sizeof(*c));
}

/* A constraint builder over preallocated arrays. */
struct builder {
	struct hc_constraints *c;
	size_t used, maxc, maxp;
};

static void begin(struct builder *b, size_t total)
{
	b->c->items[b->c->n].total = total;
	b->c->items[b->c->n].parts = b->c->parts + b->used;
	b->c->items[b->c->n].nparts = 0;
}

static void part(struct builder *b, size_t cell)
{
	b->c->parts[b->used++] = cell;
	b->c->items[b->c->n].nparts++;
}

static void end(struct builder *b)
{
	b->c->n++;
}

static int builder_init(struct builder *b, struct hc_constraints *c,
			size_t maxc, size_t maxp)
{
	memset(c, 0, sizeof(*c));
	b->c = c;
	b->used = 0;
	b->maxc = maxc;
	b->maxp = maxp;
	c->items = calloc(maxc + 1, sizeof(*c->items));
	c->parts = calloc(maxp + 1, sizeof(*c->parts));
	if (!c->items || !c->parts) {
		hc_constraints_release(c);
		return -1;
	}
	return 0;
}

/* year = sum of quarters, quarter q = sum of its three months, for the
 * cell at offset `off` of each time block of width `width`. */
static void time_relations(struct builder *b, size_t width, size_t off)
{
	begin(b, off);
	for (int q = 1; q <= 4; q++)
		part(b, (size_t)q * width + off);
	end(b);
	for (int q = 1; q <= 4; q++) {
		begin(b, (size_t)q * width + off);
		for (int m = 0; m < 3; m++)
			part(b, (size_t)(5 + (q - 1) * 3 + m) * width + off);
		end(b);
	}
}

int hc_reports_constraints(size_t nwards, struct hc_constraints *out)
{
	size_t width = reports_width(nwards);
	struct builder b;

	/* Per time cell: three breakdowns; per row: five time relations. */
	if (builder_init(&b, out, HC_TIME_CELLS * 3 + width * 5,
			 HC_TIME_CELLS * (width - 1) + width * 16) != 0)
		return -1;
	for (int t = 0; t < HC_TIME_CELLS; t++) {
		begin(&b, hc_reports_cell(nwards, t, HC_TOTAL, 0));
		for (size_t w = 0; w < nwards; w++)
			part(&b, hc_reports_cell(nwards, t, HC_WARD, w));
		end(&b);
		begin(&b, hc_reports_cell(nwards, t, HC_TOTAL, 0));
		for (size_t o = 0; o < HC_NOFFENCES; o++)
			part(&b, hc_reports_cell(nwards, t, HC_OFFENCE, o));
		end(&b);
		begin(&b, hc_reports_cell(nwards, t, HC_TOTAL, 0));
		for (size_t c = 0; c < HC_NCHANNELS; c++)
			part(&b, hc_reports_cell(nwards, t, HC_CHANNEL, c));
		end(&b);
	}
	for (size_t off = 0; off < width; off++)
		time_relations(&b, width, off);
	return 0;
}

int hc_flags_constraints(size_t nwards, struct hc_constraints *out)
{
	struct builder b;
	size_t maxc = HC_TIME_CELLS + FLAGS_WIDTH * 5 + nwards + HC_NSTRANDS + 1;
	size_t maxp = HC_TIME_CELLS * HC_NSTRANDS + FLAGS_WIDTH * 16 +
		      nwards * HC_NSTRANDS + HC_NSTRANDS * nwards + nwards;

	if (builder_init(&b, out, maxc, maxp) != 0)
		return -1;
	for (int t = 0; t < HC_TIME_CELLS; t++) {
		begin(&b, hc_flags_cell(nwards, t, -1));
		for (int s = 0; s < HC_NSTRANDS; s++)
			part(&b, hc_flags_cell(nwards, t, s));
		end(&b);
	}
	for (size_t off = 0; off < FLAGS_WIDTH; off++)
		time_relations(&b, FLAGS_WIDTH, off);
	for (size_t w = 0; w < nwards; w++) {
		begin(&b, hc_ward_flags_cell(nwards, w, -1));
		for (int s = 0; s < HC_NSTRANDS; s++)
			part(&b, hc_ward_flags_cell(nwards, w, s));
		end(&b);
	}
	for (int s = -1; s < HC_NSTRANDS; s++) {
		begin(&b, hc_flags_cell(nwards, 0, s));
		for (size_t w = 0; w < nwards; w++)
			part(&b, hc_ward_flags_cell(nwards, w, s));
		end(&b);
	}
	return 0;
}

void hc_year_release(struct hc_year *y)
{
	free(y->reports);
	free(y->reports_supp);
	free(y->flags);
	free(y->flags_supp);
	memset(y, 0, sizeof(*y));
}

/* Add n to cell c of every time cell (month, its quarter, the year). */
static void add_time(int64_t *v, size_t width, size_t c, int month, int64_t n)
{
	int m = fy_month(month);

	v[c] += n;                                   /* year */
	v[(size_t)(1 + m / 3) * width + c] += n;     /* quarter */
	v[(size_t)(5 + m) * width + c] += n;         /* month */
}

int hc_year_build(struct hc_year *y, int fy, size_t nwards,
		  const struct hc_crime_group *groups, size_t ngroups,
		  int threshold)
{
	struct hc_constraints rc = { 0 }, fc = { 0 };
	size_t rw = reports_width(nwards);
	int rcode = -1;

	memset(y, 0, sizeof(*y));
	y->fy = fy;
	y->nwards = nwards;
	y->nreports = hc_reports_ncells(nwards);
	y->nflags = hc_flags_ncells(nwards);
	y->reports = calloc(y->nreports, sizeof(*y->reports));
	y->reports_supp = calloc(y->nreports, sizeof(*y->reports_supp));
	y->flags = calloc(y->nflags, sizeof(*y->flags));
	y->flags_supp = calloc(y->nflags, sizeof(*y->flags_supp));
	if (!y->reports || !y->reports_supp || !y->flags || !y->flags_supp)
		goto done;

	for (size_t i = 0; i < ngroups; i++) {
		const struct hc_crime_group *g = &groups[i];
		int gfy = g->month >= 4 ? g->year : g->year - 1;

		if (g->month < 1 || g->month > 12 || g->count < 0 ||
		    g->ward >= nwards || g->offence < 0 || g->offence >= HC_NOFFENCES ||
		    g->channel < 0 || g->channel >= HC_NCHANNELS)
			goto done;
		if (gfy != fy)
			continue;
		add_time(y->reports, rw, 0, g->month, g->count);
		add_time(y->reports, rw, 1 + g->ward, g->month, g->count);
		add_time(y->reports, rw, 1 + nwards + (size_t)g->offence, g->month, g->count);
		add_time(y->reports, rw, 1 + nwards + HC_NOFFENCES + (size_t)g->channel,
			 g->month, g->count);
		for (int s = 0; s < HC_NSTRANDS; s++) {
			if (!(g->strands & (1u << s)))
				continue;
			add_time(y->flags, FLAGS_WIDTH, 0, g->month, g->count);
			add_time(y->flags, FLAGS_WIDTH, (size_t)(s + 1), g->month, g->count);
			y->flags[hc_ward_flags_cell(nwards, g->ward, -1)] += g->count;
			y->flags[hc_ward_flags_cell(nwards, g->ward, s)] += g->count;
		}
	}

	if (hc_reports_constraints(nwards, &rc) != 0 ||
	    hc_flags_constraints(nwards, &fc) != 0)
		goto done;
	if (disclosure_apply(y->reports, y->nreports, rc.items, rc.n, threshold,
			     y->reports_supp) != 0 ||
	    disclosure_apply(y->flags, y->nflags, fc.items, fc.n, threshold,
			     y->flags_supp) != 0)
		goto done;
	rcode = 0;
done:
	hc_constraints_release(&rc);
	hc_constraints_release(&fc);
	return rcode;
}
