/*
 * statistics.c - GET /v1/hate-crime/statistics: published,
 * disclosure-controlled counts of hate-crime reports and of strand flags.
 *
 * Every number this route can return is one canonical cell of
 * domain/hate_crime_table.h (a whole month, financial quarter or financial
 * year, by total, ward, offence type, channel or strand, or ward and strand
 * for a year), and suppression is decided once per data generation over all
 * canonical cells of a year.  A query only selects cells: filters never make
 * new sums, and a range that is not a canonical cell is refused unless it is
 * broken down by month, quarter or year.  So no two queries can be
 * differenced to reveal a withheld count.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/api.h"
#include "api/common.h"
#include "api/hate_crime_statistics/hcs.h"
#include "api/kit/releases.h"
#include "http/cache.h"
#include "http/request.h"
#include "http/response.h"

#define MAX_MONTHS 120

/* ---- the query --------------------------------------------------------- */

enum dim_slot { SLOT_WARD, SLOT_OFFENCE, SLOT_CHANNEL, SLOT_STRAND, SLOT_SOURCE, NSLOTS };

static const char *const slot_names[NSLOTS] = { "ward", "offence_type", "channel", "strand", "source" };

/* The codes of each breakdown but the ward (the snapshot's). */
static const char *const *const slot_lists[NSLOTS] = {
	NULL, hc_offence_types, hc_channels, hc_strands, hc_sources,
};

struct hcs_query {
	struct period from, to;
	bool has_from, has_to;
	enum period_kind grain;            /* 0: none */
	bool grouped[NSLOTS];
	const char **filter[NSLOTS];       /* request-owned strings */
	size_t nfilter[NSLOTS];
	bool compare;
	bool latest_complete;              /* period=latest-complete */
	bool rolling;                      /* period=rolling-12:YYYY-MM or :latest */
	bool rolling_latest;
	struct period window;              /* that rolling year */
	struct date start, end;            /* whole months */
};

static bool dims_valid(const bool *used)
{
	int n = 0;

	for (int i = 0; i < NSLOTS; i++)
		n += used[i];
	if (n <= 1)
		return true;
	return n == 2 && used[SLOT_WARD] && used[SLOT_STRAND];
}

static const char dims_hint[] =
	"counts are published by one breakdown at a time (ward, offence_type, channel, strand or source), "
	"or by ward and strand together for a financial year";

static int parse_group_by(struct request *req, struct response *res, struct hcs_query *q)
{
	const char **items = NULL;
	size_t n = 0;
	char detail[320];

	if (request_list_or_respond(req, res, "group_by", 4, &items, &n))
		return -1;
	for (size_t i = 0; i < n; i++) {
		int grain = 0, slot = -1;

		for (int g = PERIOD_MONTH; g <= PERIOD_FINANCIAL_YEAR; g++)
			if (strcmp(items[i], period_kind_name((enum period_kind)g)) == 0)
				grain = g;
		for (int d = 0; d < NSLOTS; d++)
			if (strcmp(items[i], slot_names[d]) == 0)
				slot = d;
		if (!grain && slot < 0) {
			snprintf(detail, sizeof(detail),
				 "'%.40s' is not a grouping; use month, quarter, financial_year, ward, strand, offence_type, channel or source",
				 items[i]);
			problem_send_bad_parameter(res, "group_by", detail);
			return -1;
		}
		if ((grain && q->grain == (enum period_kind)grain) || (slot >= 0 && q->grouped[slot])) {
			snprintf(detail, sizeof(detail), "'%s' is given twice", items[i]);
			problem_send_bad_parameter(res, "group_by", detail);
			return -1;
		}
		if (grain && q->grain) {
			problem_send_bad_parameter(res, "group_by",
				"takes at most one of month, quarter and financial_year");
			return -1;
		}
		if (grain)
			q->grain = (enum period_kind)grain;
		else
			q->grouped[slot] = true;
	}
	if (!dims_valid(q->grouped)) {
		snprintf(detail, sizeof(detail), "this combination is not published: %s", dims_hint);
		problem_send_bad_parameter(res, "group_by", detail);
		return -1;
	}
	return 0;
}

static int parse_filters(struct request *req, struct response *res, struct hcs_query *q)
{
	const char *const *const *lists = slot_lists;
	bool used[NSLOTS];
	char detail[320];

	memcpy(used, q->grouped, sizeof(used));
	for (int d = 0; d < NSLOTS; d++) {
		if (request_list_or_respond(req, res, slot_names[d], 50, &q->filter[d], &q->nfilter[d]))
			return -1;
		/* area= is the name every other statistic uses; ward= stays. */
		if (d == SLOT_WARD && !q->nfilter[d] &&
		    request_list_or_respond(req, res, "area", 50, &q->filter[d], &q->nfilter[d]))
			return -1;
		for (size_t i = 0; lists[d] && i < q->nfilter[d]; i++)
			if (hc_code_index(lists[d], q->filter[d][i]) < 0) {
				int len = snprintf(detail, sizeof(detail), "'%.40s' is not one of", q->filter[d][i]);

				for (int k = 0; lists[d][k] && len > 0 && (size_t)len < sizeof(detail); k++)
					len += snprintf(detail + len, sizeof(detail) - (size_t)len, "%s %s",
							k ? "," : "", lists[d][k]);
				problem_send_bad_parameter(res, slot_names[d], detail);
				return -1;
			}
		if (q->nfilter[d]) {
			used[d] = true;
			if (!dims_valid(used)) {
				snprintf(detail, sizeof(detail),
					 "cannot be combined with the other breakdowns asked for: %s", dims_hint);
				problem_send_bad_parameter(res, slot_names[d], detail);
				return -1;
			}
		}
	}
	return 0;
}

static int parse_period_param(struct request *req, struct response *res, const char *name,
			      struct period *out, bool *has)
{
	const char *text = NULL;

	if (request_single_or_respond(req, res, name, &text))
		return -1;
	*has = text != NULL;
	if (text && period_parse(text, out) != 0) {
		problem_send_bad_parameter(res, name,
			"must be a month such as 2024-04, a financial year such as 2024/25 or a financial quarter such as 2024/25-Q1");
		return -1;
	}
	return 0;
}

static int months_between(const struct date *a, const struct date *b)
{
	return hcs_month_key(b->year, b->month) - hcs_month_key(a->year, a->month) + 1;
}

/* The canonical cell that is exactly [start, end], if any. */
static bool canonical_range(const struct date *start, const struct date *end, struct period *out)
{
	for (enum period_kind k = PERIOD_MONTH; k <= PERIOD_FINANCIAL_YEAR; k++) {
		period_containing(k, start, out);
		if (date_compare(&out->start, start) == 0 && date_compare(&out->end, end) == 0)
			return true;
	}
	return false;
}

/* ---- rows -------------------------------------------------------------- */

static json_t *row_json(const struct hcs_snapshot *s, const struct period *p, const struct hcs_cell *c,
			bool compare)
{
	int64_t v;
	bool supp;
	json_t *row;

	hcs_cell_value(s, p, c, &v, &supp);
	row = json_pack("{s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:b, s:s}",
		"measure", c->flags ? "strand_flags" : "reports",
		"period", api_period_json(p),
		"ward", c->ward >= 0 ? json_pack("{s:s, s:s}", "code", s->wards[c->ward].code,
						 "name", s->wards[c->ward].name) : json_null(),
		"strand", c->strand >= 0 ? json_string(hc_strands[c->strand]) : json_null(),
		"offence_type", c->offence >= 0 ? json_string(hc_offence_types[c->offence]) : json_null(),
		"channel", c->channel >= 0 ? json_string(hc_channels[c->channel]) : json_null(),
		"source", c->source >= 0 ? json_string(hc_sources[c->source]) : json_null(),
		"value", supp ? json_null() : json_integer(v),
		"suppressed", supp,
		"coverage", hcs_period_coverage(s, p));
	if (row && compare) {
		struct period pp;
		int64_t pv;
		bool psupp, absent;

		const char *pcov, *cov = hcs_period_coverage(s, p);
		bool comparable;

		period_year_earlier(p, &pp);
		pcov = hcs_period_coverage(s, &pp);
		absent = strcmp(pcov, "none") == 0;
		/* A difference against a period some source has not supplied
		 * would show missing data as a fall (or rise) in hate crime. */
		comparable = strcmp(cov, "complete") == 0 && strcmp(pcov, "complete") == 0;
		hcs_cell_value(s, &pp, c, &pv, &psupp);
		json_object_set_new(row, "previous_year", json_pack("{s:o, s:o, s:b, s:s, s:o}",
			"period", api_period_json(&pp),
			"value", absent || psupp ? json_null() : json_integer(pv),
			"suppressed", !absent && psupp,
			"coverage", pcov,
			"change", absent || psupp || supp || !comparable ? json_null() : json_integer(v - pv)));
	}
	return row;
}

static size_t slot_count(const struct hcs_snapshot *s, int d)
{
	static const size_t counts[NSLOTS] = { 0, HC_NOFFENCES, HC_NCHANNELS, HC_NSTRANDS, HC_NSOURCES };

	return d == SLOT_WARD ? s->nwards : counts[d];
}

/* The values of one breakdown to list: the filter's, or every value with
 * the total (-1) first when grouped, or only the total. */
static size_t slot_values(const struct hcs_query *q, const struct hcs_snapshot *s, int d, long *out)
{
	const char *const *const *lists = slot_lists;
	size_t n = 0, count = slot_count(s, d);

	if (q->nfilter[d]) {
		/* Published order, each once. */
		for (size_t v = 0; v < count; v++)
			for (size_t i = 0; i < q->nfilter[d]; i++) {
				const char *code = d == SLOT_WARD ? s->wards[v].code : lists[d][v];

				if (strcmp(q->filter[d][i], code) == 0) {
					out[n++] = (long)v;
					break;
				}
			}
		return n;
	}
	out[n++] = -1;
	if (q->grouped[d]) {
		for (size_t v = 0; v < count; v++)
			out[n++] = (long)v;
	}
	return n;
}

/* ---- meta -------------------------------------------------------------- */

static json_t *month_label(int key)
{
	char buf[16];

	snprintf(buf, sizeof(buf), "%04d-%02d", key / 12, key % 12 + 1);
	return json_string(buf);
}

static json_t *coverage_json(const struct hcs_snapshot *s, const struct hcs_query *q)
{
	json_t *sources = json_array(), *gaps = json_array();
	int first = hcs_month_key(q->start.year, q->start.month), last = hcs_month_key(q->end.year, q->end.month);
	char note[400] = "";

	for (size_t i = 0; i < s->nsources; i++) {
		const struct hcs_source *src = &s->sources[i];
		json_t *ranges = json_array();

		for (size_t k = 0; k < src->nmonths;) {
			size_t e = k;

			while (e + 1 < src->nmonths && src->months[e + 1] == src->months[e] + 1)
				e++;
			json_array_append_new(ranges, json_pack("{s:o, s:o}", "from", month_label(src->months[k]),
								"to", month_label(src->months[e])));
			k = e + 1;
		}
		json_array_append_new(sources, json_pack("{s:s, s:s, s:s, s:o, s:o, s:o}",
			"slug", src->slug, "name", src->name, "kind", src->kind,
			"first_month", src->nmonths ? month_label(src->months[0]) : json_null(),
			"last_month", src->nmonths ? month_label(src->months[src->nmonths - 1]) : json_null(),
			"months", ranges));
	}
	for (int k = first; k <= last; k++) {
		bool some = false;

		for (size_t i = 0; i < s->nsources && !some; i++)
			some = hcs_source_covers(&s->sources[i], k);
		if (!some || !hcs_month_complete(s, k))
			json_array_append_new(gaps, month_label(k));
	}
	if (json_array_size(gaps))
		snprintf(note, sizeof(note),
			 "%zu of the %d months asked for have not been supplied by every source (listed in months_not_covered_by_every_source): a low count there may be missing data, not a fall in hate crime. Compare periods whose rows have coverage \"complete\".",
			 json_array_size(gaps), last - first + 1);
	return json_pack("{s:s, s:o, s:o, s:b, s:o}",
		"basis", "A source has supplied a month when it declared that month delivered (POST /v1/hate-crime/deliveries), whether or not the month had reports: coverage is never inferred from counts. A source is expected to supply every month from its first one on. A month is covered when every source expected then has supplied it. Each row's coverage is complete when every month of its period is covered, none when no source supplied any of them, partial otherwise.",
		"sources", sources,
		"months_not_covered_by_every_source", gaps,
		"complete", json_array_size(gaps) == 0,
		"note", note[0] ? json_string(note) : json_null());
}

/* ---- the handler ------------------------------------------------------- */

static const struct csv_column statistics_csv[] = {
	{ "measure", "/measure" },
	{ "period_label", "/period/label" }, { "period_kind", "/period/kind" },
	{ "period_start", "/period/start" }, { "period_end", "/period/end" },
	{ "ward_code", "/ward/code" }, { "ward_name", "/ward/name" },
	{ "strand", "/strand" }, { "offence_type", "/offence_type" }, { "channel", "/channel" },
	{ "source", "/source" },
	{ "value", "/value" }, { "suppressed", "/suppressed" }, { "coverage", "/coverage" },
	{ "previous_year_label", "/previous_year/period/label" },
	{ "previous_year_value", "/previous_year/value" },
	{ "previous_year_suppressed", "/previous_year/suppressed" },
	{ "previous_year_coverage", "/previous_year/coverage" },
	{ "change", "/previous_year/change" },
};

static const char *const compare_choices[] = { "previous_year", NULL };

/* period=: latest-complete, or a rolling year; it names the range itself. */
static int parse_period_choice(struct request *req, struct response *res, struct hcs_query *q)
{
	const char *period = NULL;

	if (request_single_or_respond(req, res, "period", &period))
		return -1;
	if (!period)
		return 0;
	q->latest_complete = strcmp(period, "latest-complete") == 0;
	q->rolling_latest = strcmp(period, "rolling-12:latest") == 0;
	q->rolling = !q->latest_complete &&
		     (q->rolling_latest || period_parse_kinds(period, 1u << PERIOD_ROLLING_YEAR, &q->window) == 0);
	if (!q->latest_complete && !q->rolling) {
		problem_send_bad_parameter(res, "period",
			"must be latest-complete, or rolling-12:YYYY-MM for the twelve months to a month (rolling-12:2024-07), or rolling-12:latest");
		return -1;
	}
	if (q->has_from || q->has_to) {
		problem_send_bad_parameter(res, "period", "names the range itself: leave out from and to");
		return -1;
	}
	if (q->rolling && q->grain) {
		problem_send_bad_parameter(res, "group_by",
			"a rolling year is one period: leave out month, quarter and financial_year");
		return -1;
	}
	return 0;
}

static int query_or_respond(struct request *req, struct response *res, struct hcs_query *q)
{
	const char *compare = NULL;

	if (parse_period_param(req, res, "from", &q->from, &q->has_from) ||
	    parse_period_param(req, res, "to", &q->to, &q->has_to) ||
	    parse_group_by(req, res, q) || parse_filters(req, res, q) ||
	    request_enum_or_respond(req, res, "compare", compare_choices, NULL, &compare) ||
	    parse_period_choice(req, res, q))
		return -1;
	q->compare = compare != NULL;
	return 0;
}

/* The latest period of kind (a financial year unless grouped by month or
 * quarter) that every source has supplied in full: into q's range.  -1
 * after a 404 when there is none. */
static int latest_complete_or_respond(struct response *res, struct hcs_query *q,
				      const struct hcs_snapshot *s)
{
	enum period_kind kind = q->grain ? q->grain : PERIOD_FINANCIAL_YEAR;
	struct date last = { s->fy_max + 1, 3, 31 };
	struct period p;

	period_containing(kind, &last, &p);
	for (int i = 0; s->any && i < MAX_MONTHS; i++, period_previous(&p, &p))
		if (strcmp(hcs_period_coverage(s, &p), "complete") == 0) {
			q->from = q->to = p;
			q->has_from = q->has_to = true;
			return 0;
		}
	problem_send(res, 404, "not-found", "Not found",
		     "No period of this kind has been supplied in full by every source yet: ask for one with from and to.");
	return -1;
}

/* Wards are checked against the data, so a typo is not a quiet zero. */
static int wards_known_or_respond(struct response *res, const struct hcs_query *q,
				  const struct hcs_snapshot *s)
{
	char detail[512];

	for (size_t i = 0; i < q->nfilter[SLOT_WARD]; i++)
		if (hcs_ward_index(s, q->filter[SLOT_WARD][i]) < 0) {
			snprintf(detail, sizeof(detail),
				 "'%.20s' is not a ward of the borough: use a ward's GSS code from /v1/areas, or unknown or outside_borough",
				 q->filter[SLOT_WARD][i]);
			problem_send_bad_parameter(res, "ward", detail);
			return -1;
		}
	return 0;
}

/* Only the rolling year to the latest month with data is a cell (see
 * domain/hate_crime_table.h); others that hold no crime are 0. */
static int rolling_published_or_respond(struct response *res, struct hcs_query *q,
					const struct hcs_snapshot *s)
{
	int last = hcs_rolling_last(s), key;
	char detail[400];

	if (q->rolling_latest) {
		if (last < 0) {
			problem_send(res, 404, "not-found", "Not found",
				     "No rolling year is published yet: the data do not cover twelve months.");
			return -1;
		}
		period_containing(PERIOD_ROLLING_YEAR, &(struct date){ last / 12, last % 12 + 1, 1 }, &q->window);
	}
	key = hcs_month_key(q->window.year, q->window.month);

	if (key == last || !hcs_months_hold_crime(s, key - 11, key))
		return 0;
	if (last < 0)
		snprintf(detail, sizeof(detail), "no rolling year is published yet: the data do not cover twelve months");
	else
		snprintf(detail, sizeof(detail),
			 "only the rolling year to the latest month with data is published: rolling-12:%04d-%02d. Two rolling years a month apart would differ by one month minus the same month a year earlier, which could give small counts away; use months, quarters or financial years for trends.",
			 last / 12, last % 12 + 1);
	problem_send_bad_parameter(res, "period", detail);
	return -1;
}

/* The range: whole months; by default the latest financial year with data. */
static int range_or_respond(struct response *res, struct hcs_query *q, const struct hcs_snapshot *s)
{
	if (q->latest_complete && latest_complete_or_respond(res, q, s))
		return -1;
	if (q->rolling && rolling_published_or_respond(res, q, s))
		return -1;
	if (q->rolling) {
		q->from = q->to = q->window;
		q->start = q->window.start;
		q->end = q->window.end;
		return 0;
	}
	if (!q->has_from && !q->has_to) {
		time_t now = time(NULL);
		struct tm tm;
		struct date today;

		gmtime_r(&now, &tm);
		today = (struct date){ tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday };
		if (s->any)
			today = (struct date){ s->fy_max, 4, 1 };
		period_containing(PERIOD_FINANCIAL_YEAR, &today, &q->from);
		q->to = q->from;
	} else if (!q->has_from) {
		q->from = q->to;
	} else if (!q->has_to) {
		q->to = q->from;
	}
	q->start = q->from.start;
	q->end = q->to.end;
	if (date_compare(&q->end, &q->start) < 0) {
		problem_send_bad_parameter(res, "to", "must not end before from starts");
		return -1;
	}
	if (months_between(&q->start, &q->end) > MAX_MONTHS) {
		problem_send_bad_parameter(res, "to", "the range may cover at most 10 financial years (120 months)");
		return -1;
	}
	return 0;
}

/* The periods of the range by the grain asked for (whole ones only). */
static int grain_periods_or_respond(struct response *res, const struct hcs_query *q,
				    struct period *periods, size_t *n)
{
	struct period p, last;
	char detail[512];

	period_containing(q->grain, &q->start, &p);
	period_containing(q->grain, &q->end, &last);
	if (date_compare(&p.start, &q->start) != 0 || date_compare(&last.end, &q->end) != 0) {
		bool bad_from = date_compare(&p.start, &q->start) != 0;

		snprintf(detail, sizeof(detail),
			 "with group_by=%s the range must be made of whole %s: %s",
			 period_kind_name(q->grain),
			 q->grain == PERIOD_QUARTER ? "financial quarters" :
			 q->grain == PERIOD_FINANCIAL_YEAR ? "financial years" : "months",
			 bad_from ? "from does not start one" : "to does not end one");
		problem_send_bad_parameter(res, bad_from ? "from" : "to", detail);
		return -1;
	}
	for (*n = 0;;) {
		periods[(*n)++] = p;
		if (date_compare(&p.end, &q->end) >= 0 || *n == MAX_MONTHS)
			break;
		period_next(&p, &p);
	}
	return 0;
}

/* Rolling years are published as the total and by source only. */
static int rolling_dims_or_respond(struct response *res, const struct hcs_query *q)
{
	for (int d = 0; d < NSLOTS; d++)
		if (d != SLOT_SOURCE && (q->grouped[d] || q->nfilter[d])) {
			problem_send_bad_parameter(res, q->nfilter[d] ? slot_names[d] : "group_by",
				"rolling years are published as the total and by source only: for other breakdowns use a month, financial quarter or financial year");
			return -1;
		}
	return 0;
}

/* The periods to publish: each of the grain, or the one canonical cell
 * that is the whole range.  Ward and strand together exist for financial
 * years only.  -1 after a 400. */
static int periods_or_respond(struct response *res, const struct hcs_query *q,
			      struct period *periods, size_t *n)
{
	bool ward = q->grouped[SLOT_WARD] || q->nfilter[SLOT_WARD];
	bool strand = q->grouped[SLOT_STRAND] || q->nfilter[SLOT_STRAND];

	if (q->rolling) {
		periods[0] = q->window;
		*n = 1;
	} else if (q->grain) {
		if (grain_periods_or_respond(res, q, periods, n))
			return -1;
	} else if (canonical_range(&q->start, &q->end, &periods[0])) {
		*n = 1;
	} else {
		problem_send_bad_parameter(res, "to",
			"the range from..to is not one month, financial quarter or financial year. Totals over other ranges are not published, because comparing overlapping ranges could reveal withheld counts; add group_by=month, quarter or financial_year to get each period of the range.");
		return -1;
	}
	if (periods[0].kind == PERIOD_ROLLING_YEAR && rolling_dims_or_respond(res, q))
		return -1;
	if (ward && strand && periods[0].kind != PERIOD_FINANCIAL_YEAR) {
		problem_send_bad_parameter(res, q->grouped[SLOT_WARD] && q->grouped[SLOT_STRAND] ? "group_by"
					   : q->nfilter[SLOT_STRAND] ? "strand" : "ward",
			"ward and strand together are published for whole financial years only: use group_by=financial_year or a range of one financial year");
		return -1;
	}
	return 0;
}

/* Every row: each period by each value of each breakdown.  -1 when memory
 * runs out. */
static int append_rows(struct request *req, const struct hcs_query *q, const struct hcs_snapshot *s,
		       const struct period *periods, size_t nperiods, json_t *data)
{
	bool flags = q->grouped[SLOT_STRAND] || q->nfilter[SLOT_STRAND];
	long *v[NSLOTS];
	size_t n[NSLOTS];

	for (int d = 0; d < NSLOTS; d++) {
		if (!(v[d] = request_alloc(req, (s->nwards + HC_NCHANNELS + 2) * sizeof(long))))
			return -1;
		n[d] = slot_values(q, s, d, v[d]);
	}
	for (size_t pi = 0; pi < nperiods; pi++)
		for (size_t a = 0; a < n[SLOT_WARD]; a++)
			for (size_t b = 0; b < n[SLOT_STRAND]; b++)
				for (size_t c = 0; c < n[SLOT_OFFENCE]; c++)
					for (size_t e = 0; e < n[SLOT_CHANNEL]; e++)
						for (size_t f = 0; f < n[SLOT_SOURCE]; f++) {
							struct hcs_cell cl = {
								flags, v[SLOT_WARD][a], (int)v[SLOT_OFFENCE][c],
								(int)v[SLOT_CHANNEL][e], (int)v[SLOT_STRAND][b],
								(int)v[SLOT_SOURCE][f],
							};
							json_t *row = row_json(s, &periods[pi], &cl, q->compare);

							if (!row || json_array_append_new(data, row))
								return -1;
						}
	return 0;
}

/* The range as labels and dates; NULL when memory runs out. */
static json_t *range_json(const struct hcs_query *q)
{
	struct period fm, lm;
	char from_label[16], to_label[16], start[11], end[11];

	period_containing(PERIOD_MONTH, &q->start, &fm);
	period_containing(PERIOD_MONTH, &q->end, &lm);
	if (period_format(&fm, from_label, sizeof(from_label)) < 0 ||
	    period_format(&lm, to_label, sizeof(to_label)) < 0 ||
	    date_format(&q->start, start, sizeof(start)) < 0 ||
	    date_format(&q->end, end, sizeof(end)) < 0)
		return NULL;
	return json_pack("{s:s, s:s, s:s, s:s}", "from", from_label, "to", to_label, "start", start, "end", end);
}

static json_t *statistics_meta(const struct hcs_snapshot *s, const struct hcs_query *q, size_t count)
{
	bool flags = q->grouped[SLOT_STRAND] || q->nfilter[SLOT_STRAND];
	json_t *range = range_json(q);
	char rule[400];

	if (!range)
		return NULL;
	snprintf(rule, sizeof(rule),
		 "Counts from 1 to %u are withheld (value null, suppressed true), and further cells where needed so that no withheld count can be recovered from published cells and totals, in this or any other query. Zero is published as zero.",
		 s->threshold - 1);
	return json_pack("{s:s, s:{s:s, s:s}, s:{s:s, s:i, s:s}, s:s, s:o, s:o, s:s, s:s, s:s, s:i}",
		"measure", flags ? "strand_flags" : "reports",
		"measures",
		"reports", "reports count each crime once.",
		"strand_flags", "strand_flags count a report once for each strand it is flagged with (a report may carry several), so strand counts do not add up to the report count.",
		"disclosure",
		"method", "primary and secondary cell suppression",
		"threshold", (int)s->threshold,
		"rule", rule,
		"cells", "Only fixed cells are published: calendar months, financial quarters and financial years, by total, ward, offence type, channel, source or strand, and by ward and strand for a financial year; and the rolling year to the latest month with data, by total and source. Suppression is decided once over all of them together, so filters and groupings only choose which cells to show.",
		"range", range,
		"coverage", coverage_json(s, q),
		"deduplication", "Reports from two sources that share a police reference are one crime and counted once (the earliest report received); withdrawn reports are excluded.",
		"dating", "A crime is counted in the month in which it occurred (the first day it may have occurred).",
		"locations", "ward is null for the borough as a whole; the codes unknown (location not known) and outside_borough (occurred outside the borough, reported here) are listed with the wards and are part of the borough total.",
		"count", (int)count);
}

static void statistics_get(struct request *req, struct response *res)
{
	struct hcs_query q = { 0 };
	struct memo_ref ref = { 0 };
	struct hcs_snapshot view;
	const struct hcs_snapshot *s = &view;
	struct period periods[MAX_MONTHS];
	size_t nperiods = 0;
	json_t *data = NULL, *release = NULL;

	/* The public reads a release (release.c): its cells in place of live ones. */
	if (query_or_respond(req, res, &q) || hcs_snapshot_get_or_respond(req, res, &ref) != 0 ||
	    hcs_release_view_or_respond(req, res, ref.value, &view, &release) != 0)
		goto done;
	if (wards_known_or_respond(res, &q, s) || range_or_respond(res, &q, s) ||
	    periods_or_respond(res, &q, periods, &nperiods))
		goto done;
	/* Rolling years reach back before the months that name them. */
	q.start = periods[0].start;
	q.end = periods[nperiods - 1].end;
	if (!(data = json_array()) || append_rows(req, &q, s, periods, nperiods, data) != 0) {
		problem_send_internal(res);
		goto done;
	}
	releases_list_respond(req, res, data, statistics_meta(s, &q, json_array_size(data)), release,
			      statistics_csv, API_COUNT(statistics_csv));
	data = NULL;
done:
	json_decref(data);
	json_decref(release);
	hcs_snapshot_release(&ref);
}

static const struct route routes[] = {
	{ .method = HTTP_GET, .template = "/v1/hate-crime/statistics", .handler = statistics_get,
	  .flags = ROUTE_PUBLIC | ROUTE_CSV,
	  .depends = STATISTICS_DEPENDS },
	{ .method = HTTP_POST, .template = "/v1/hate-crime/releases", .handler = hcs_release_make,
	  .flags = ROUTE_WRITE | ROUTE_IDEMPOTENT | ROUTE_BODY, .scope = "admin", .action = "release.create",
	  .depends = DATA_REFERENCE },
};

const struct api_module hate_crime_statistics_module = {
	.name = "hate_crime_statistics", API_ROUTES(routes),
	.statements = hcs_statements, .nstatements = HCS_NSTATEMENTS,
};
