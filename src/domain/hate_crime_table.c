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

const char *const hc_sources[HC_NSOURCES + 1] = {
	"police", "reporting_centre", "council", "partner", NULL,
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
	return 1 + nwards + HC_NOFFENCES + HC_NCHANNELS + HC_NSOURCES;
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
	case HC_SOURCE:
		return base + 1 + nwards + HC_NOFFENCES + HC_NCHANNELS + idx;
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

	/* Per time cell: four breakdowns; per row: five time relations. */
	if (builder_init(&b, out, HC_TIME_CELLS * 4 + width * 5,
			 HC_TIME_CELLS * (width - 1) + width * 16) != 0)
		return -1;
	for (int t = 0; t < HC_TIME_CELLS; t++) {
		/* In each time cell the total is the sum of each breakdown. */
		const size_t count[] = { nwards, HC_NOFFENCES, HC_NCHANNELS, HC_NSOURCES };

		for (enum hc_dim d = HC_WARD; d <= HC_SOURCE; d++) {
			begin(&b, hc_reports_cell(nwards, t, HC_TOTAL, 0));
			for (size_t i = 0; i < count[d - HC_WARD]; i++)
				part(&b, hc_reports_cell(nwards, t, d, i));
			end(&b);
		}
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

/* Allocate year fy and count the groups into it; -1 on bad input or when
 * memory runs out. */
static int year_count(struct hc_year *y, int fy, size_t nwards,
		      const struct hc_crime_group *groups, size_t ngroups)
{
	size_t rw = reports_width(nwards);

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
		return -1;

	for (size_t i = 0; i < ngroups; i++) {
		const struct hc_crime_group *g = &groups[i];
		int gfy = g->month >= 4 ? g->year : g->year - 1;

		if (g->month < 1 || g->month > 12 || g->count < 0 ||
		    g->ward >= nwards || g->offence < 0 || g->offence >= HC_NOFFENCES ||
		    g->channel < 0 || g->channel >= HC_NCHANNELS ||
		    g->source < 0 || g->source >= HC_NSOURCES)
			return -1;
		if (gfy != fy)
			continue;
		add_time(y->reports, rw, 0, g->month, g->count);
		add_time(y->reports, rw, 1 + g->ward, g->month, g->count);
		add_time(y->reports, rw, 1 + nwards + (size_t)g->offence, g->month, g->count);
		add_time(y->reports, rw, 1 + nwards + HC_NOFFENCES + (size_t)g->channel,
			 g->month, g->count);
		add_time(y->reports, rw, 1 + nwards + HC_NOFFENCES + HC_NCHANNELS + (size_t)g->source,
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
	return 0;
}

/* The strand-flags problem of one year. */
static int year_suppress_flags(struct hc_year *y, int threshold)
{
	struct hc_constraints fc = { 0 };
	int rc = -1;

	if (hc_flags_constraints(y->nwards, &fc) == 0 &&
	    disclosure_apply(y->flags, y->nflags, fc.items, fc.n, threshold, y->flags_supp) == 0)
		rc = 0;
	hc_constraints_release(&fc);
	return rc;
}

int hc_year_build(struct hc_year *y, int fy, size_t nwards,
		  const struct hc_crime_group *groups, size_t ngroups,
		  int threshold)
{
	struct hc_constraints rc = { 0 };
	int rcode = -1;

	if (year_count(y, fy, nwards, groups, ngroups) != 0 ||
	    year_suppress_flags(y, threshold) != 0 ||
	    hc_reports_constraints(nwards, &rc) != 0 ||
	    disclosure_apply(y->reports, y->nreports, rc.items, rc.n, threshold,
			     y->reports_supp) != 0)
		goto done;
	rcode = 0;
done:
	hc_constraints_release(&rc);
	return rcode;
}

/* ---- rolling years: the linked reports problem ---------------------------- */

size_t hc_rolling_cell(size_t w, int source)
{
	return w * HC_ROLLING_WIDTH + (size_t)(source + 1);
}

/* The linked cell of month key k at row offset off, or -1 when k lies
 * outside the years from fy_min on. */
static long month_cell(size_t nyears, size_t nwards, int fy_min, int k, size_t off)
{
	int m = k - (fy_min * 12 + 3);     /* months since April of the first year */

	if (m < 0 || (size_t)m >= 12 * nyears)
		return -1;
	return (long)((size_t)(m / 12) * hc_reports_ncells(nwards) +
		      (size_t)(5 + m % 12) * reports_width(nwards) + off);
}

/* rolling(w, x) = its twelve months, for the total and each source; the
 * rolling total = its sources. */
static void rolling_relations(struct builder *b, const struct hc_linked *l)
{
	size_t base = l->nyears * hc_reports_ncells(l->nwards);
	size_t src0 = 1 + l->nwards + HC_NOFFENCES + HC_NCHANNELS;

	for (size_t w = 0; w < l->nwindows; w++) {
		int last = l->first_window + (int)w;

		for (int x = -1; x < HC_NSOURCES; x++) {
			begin(b, base + hc_rolling_cell(w, x));
			for (int k = last - 11; k <= last; k++) {
				long c = month_cell(l->nyears, l->nwards, l->fy_min, k,
						    x < 0 ? 0 : src0 + (size_t)x);

				if (c >= 0)
					part(b, (size_t)c);
			}
			end(b);
		}
		begin(b, base + hc_rolling_cell(w, -1));
		for (int x = 0; x < HC_NSOURCES; x++)
			part(b, base + hc_rolling_cell(w, x));
		end(b);
	}
}

int hc_linked_constraints(const struct hc_linked *l, struct hc_constraints *out)
{
	struct hc_constraints one = { 0 };
	struct builder b;
	size_t nparts = 0, nr = hc_reports_ncells(l->nwards);
	int rc = -1;

	if (hc_reports_constraints(l->nwards, &one) != 0)
		goto done;
	for (size_t i = 0; i < one.n; i++)
		nparts += one.items[i].nparts;
	if (builder_init(&b, out, l->nyears * one.n + l->nwindows * (HC_ROLLING_WIDTH + 1),
			 l->nyears * nparts + l->nwindows * (HC_ROLLING_WIDTH * 12 + HC_NSOURCES)) != 0)
		goto done;
	for (size_t y = 0; y < l->nyears; y++)
		for (size_t i = 0; i < one.n; i++) {
			begin(&b, y * nr + one.items[i].total);
			for (size_t p = 0; p < one.items[i].nparts; p++)
				part(&b, y * nr + one.items[i].parts[p]);
			end(&b);
		}
	rolling_relations(&b, l);
	rc = 0;
done:
	hc_constraints_release(&one);
	return rc;
}

void hc_table_release(struct hc_table *t)
{
	if (t->years)
		for (size_t y = 0; y < t->nyears; y++)
			hc_year_release(&t->years[y]);
	free(t->years);
	free(t->rolling);
	free(t->rolling_supp);
	memset(t, 0, sizeof(*t));
}

/* Sum the rolling cells from the years' month cells. */
static void rolling_count(struct hc_table *t)
{
	const struct hc_linked *l = &t->shape;
	size_t src0 = 1 + l->nwards + HC_NOFFENCES + HC_NCHANNELS, nr = hc_reports_ncells(l->nwards);
	const struct hc_year *years = t->years + (l->fy_min - t->fy_min);

	for (size_t w = 0; w < l->nwindows; w++)
		for (int k = l->first_window + (int)w - 11; k <= l->first_window + (int)w; k++)
			for (int x = -1; x < HC_NSOURCES; x++) {
				long c = month_cell(l->nyears, l->nwards, l->fy_min, k,
						    x < 0 ? 0 : src0 + (size_t)x);

				if (c >= 0)
					t->rolling[hc_rolling_cell(w, x)] +=
						years[(size_t)c / nr].reports[(size_t)c % nr];
			}
}

/* The cells of problem l, in and out: values into v from the parts, or
 * suppression from supp back to them. */
static void linked_in(const struct hc_table *t, const struct hc_linked *l, int64_t *v)
{
	size_t nr = hc_reports_ncells(l->nwards);
	const struct hc_year *years = t->years + (l->fy_min - t->fy_min);

	for (size_t y = 0; y < l->nyears; y++)
		memcpy(v + y * nr, years[y].reports, nr * sizeof(*v));
	memcpy(v + l->nyears * nr, t->rolling, l->nwindows * HC_ROLLING_WIDTH * sizeof(*v));
}

static void linked_out(struct hc_table *t, const struct hc_linked *l, const bool *supp)
{
	size_t nr = hc_reports_ncells(l->nwards);
	struct hc_year *years = t->years + (l->fy_min - t->fy_min);

	for (size_t y = 0; y < l->nyears; y++)
		memcpy(years[y].reports_supp, supp + y * nr, nr * sizeof(*supp));
	memcpy(t->rolling_supp, supp + l->nyears * nr, l->nwindows * HC_ROLLING_WIDTH * sizeof(*supp));
}

/* The class of each linked cell: its kind of period (year, quarter, month,
 * rolling year) and breakdown (total, ward, offence, channel, source). */
static void linked_classes(const struct hc_linked *l, unsigned *klass)
{
	size_t nr = hc_reports_ncells(l->nwards), width = reports_width(l->nwards);
	size_t first[] = { 1, 1 + l->nwards, 1 + l->nwards + HC_NOFFENCES,
			   1 + l->nwards + HC_NOFFENCES + HC_NCHANNELS, width };

	for (size_t c = 0; c < l->nyears * nr; c++) {
		size_t t = c % nr / width, off = c % width;
		unsigned dim = 0;

		while (dim < 4 && off >= first[dim])
			dim++;
		klass[c] = (t == 0 ? 0u : t < 5 ? 1u : 2u) * 8u + dim;
	}
	for (size_t w = 0; w < l->nwindows; w++)
		for (int x = -1; x < HC_NSOURCES; x++)
			klass[l->nyears * nr + hc_rolling_cell(w, x)] = 3u * 8u + (x < 0 ? 0u : 4u);
}

/* Suppress reports problem l and hand each part its cells. */
static int suppress_reports(struct hc_table *t, const struct hc_linked *l, int threshold)
{
	size_t n = l->nyears * hc_reports_ncells(l->nwards) + l->nwindows * HC_ROLLING_WIDTH;
	int64_t *v = calloc(n + 1, sizeof(*v));
	bool *supp = calloc(n + 1, sizeof(*supp));
	unsigned *klass = calloc(n + 1, sizeof(*klass));
	struct hc_constraints lc = { 0 };
	int rc = -1;

	if (v && supp && klass && hc_linked_constraints(l, &lc) == 0) {
		linked_in(t, l, v);
		linked_classes(l, klass);
		const struct disclosure_marks marks = { NULL, klass, NULL };

		rc = disclosure_apply_marked(v, n, lc.items, lc.n, threshold, &marks, supp);
		if (rc == 0)
			linked_out(t, l, supp);
	}
	free(v);
	free(supp);
	free(klass);
	hc_constraints_release(&lc);
	return rc;
}

/* The first and last month keys with a crime; false when there is none. */
static bool data_months(const struct hc_crime_group *groups, size_t ngroups, int *first, int *last)
{
	bool any = false;

	for (size_t i = 0; i < ngroups; i++) {
		int k = groups[i].year * 12 + groups[i].month - 1;

		if (groups[i].count <= 0)
			continue;
		if (!any || k < *first)
			*first = k;
		if (!any || k > *last)
			*last = k;
		any = true;
	}
	return any;
}

/* Each year on its own but the ones the rolling year spans, linked. */
static int table_suppress_reports(struct hc_table *t, int threshold)
{
	for (size_t y = 0; y < t->nyears; y++) {
		int fy = t->fy_min + (int)y;
		struct hc_linked one = { fy, 1, t->shape.nwards, 0, 0 };

		if (fy >= t->shape.fy_min && (size_t)(fy - t->shape.fy_min) < t->shape.nyears)
			continue;
		if (suppress_reports(t, &one, threshold) != 0)
			return -1;
	}
	return t->shape.nyears ? suppress_reports(t, &t->shape, threshold) : 0;
}

/* The financial year of month key k. */
static int key_fy(int k)
{
	return k % 12 >= 3 ? k / 12 : k / 12 - 1;
}

int hc_table_build(struct hc_table *t, int fy_min, int fy_max, size_t nwards,
		   const struct hc_crime_group *groups, size_t ngroups, int threshold)
{
	struct hc_linked *l = &t->shape;
	int first = 0, last = 0;

	memset(t, 0, sizeof(*t));
	if (fy_max < fy_min)
		return -1;
	t->fy_min = fy_min;
	t->nyears = (size_t)(fy_max - fy_min + 1);
	l->nwards = nwards;
	if (data_months(groups, ngroups, &first, &last) && last - first >= 11) {
		l->first_window = last;
		l->nwindows = 1;
		l->fy_min = key_fy(last - 11);
		l->nyears = (size_t)(key_fy(last) - l->fy_min + 1);
	}
	t->years = calloc(t->nyears, sizeof(*t->years));
	t->rolling = calloc(l->nwindows * HC_ROLLING_WIDTH + 1, sizeof(*t->rolling));
	t->rolling_supp = calloc(l->nwindows * HC_ROLLING_WIDTH + 1, sizeof(*t->rolling_supp));
	if (!t->years || !t->rolling || !t->rolling_supp)
		return -1;
	for (size_t i = 0; i < ngroups; i++) {
		int gfy = groups[i].month >= 4 ? groups[i].year : groups[i].year - 1;

		if (gfy < fy_min || gfy > fy_max)
			return -1;
	}
	for (size_t y = 0; y < t->nyears; y++)
		if (year_count(&t->years[y], fy_min + (int)y, nwards, groups, ngroups) != 0 ||
		    year_suppress_flags(&t->years[y], threshold) != 0)
			return -1;
	rolling_count(t);
	return table_suppress_reports(t, threshold);
}

int64_t hc_table_months_total(const struct hc_table *t, int first, int last)
{
	int64_t n = 0;

	for (int k = first; t->years && k <= last; k++) {
		int fy = key_fy(k);

		if (fy >= t->fy_min && (size_t)(fy - t->fy_min) < t->nyears)
			n += t->years[fy - t->fy_min].reports[hc_reports_cell(t->shape.nwards,
				5 + fy_month(k % 12 + 1), HC_TOTAL, 0)];
	}
	return n;
}

void hc_table_rolling(const struct hc_table *t, int last, int source,
		      int64_t *value, bool *suppressed)
{
	long w = (long)last - t->shape.first_window;

	*value = 0;
	*suppressed = false;
	if (hc_table_months_total(t, last - 11, last) == 0)
		return;   /* no crime in those twelve months: a true zero */
	if (w < 0 || (size_t)w >= t->shape.nwindows) {
		*suppressed = true;   /* not published: part of it has no data yet */
		return;
	}
	*value = t->rolling[hc_rolling_cell((size_t)w, source)];
	*suppressed = t->rolling_supp[hc_rolling_cell((size_t)w, source)];
}
