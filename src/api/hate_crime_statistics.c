/*
 * hate_crime_statistics.c - GET /v1/hate-crime/statistics: published,
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
 *
 * Counting base: active (not withdrawn) reports, one crime per police
 * reference (or per report without one), keeping the earliest-created
 * report of each, dated by the month of occurred_from.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/api.h"
#include "api/common.h"
#include "config.h"
#include "domain/hate_crime_table.h"
#include "domain/period.h"
#include "http/cache.h"
#include "http/request.h"
#include "http/response.h"

/* Reports, and the areas and organisations they are shown with. */
#define STATISTICS_DEPENDS (DATA_HATE_CRIME | DATA_REFERENCE)

static const struct db_statement statements[] = {
	{ "hcs_wards",
	  "SELECT code, name FROM areas WHERE kind = 'ward'"
	  " OR code IN (SELECT ward_code FROM hate_crime_reports WHERE ward_code IS NOT NULL)"
	  " ORDER BY code COLLATE \"C\"", 0 },
	{ "hcs_groups",
	  "SELECT extract(year FROM c.occurred_from)::int, extract(month FROM c.occurred_from)::int,"
	  " CASE WHEN c.location = 'ward' THEN c.ward_code ELSE c.location END,"
	  " c.offence_type, c.channel, array_to_string(c.strands, ','), count(*)"
	  " FROM (SELECT DISTINCT ON (r.police_reference,"
	  "                           CASE WHEN r.police_reference IS NULL THEN r.id END)"
	  "              r.occurred_from, r.location, r.ward_code, r.offence_type, r.channel, r.strands"
	  "       FROM hate_crime_reports r WHERE r.status = 'active'"
	  "       ORDER BY r.police_reference, CASE WHEN r.police_reference IS NULL THEN r.id END,"
	  "                r.created_at, r.id) c"
	  " GROUP BY 1, 2, 3, 4, 5, 6", 0 },
	{ "hcs_coverage",
	  "SELECT o.slug, o.name, o.kind,"
	  " string_agg(DISTINCT to_char(r.occurred_from, 'YYYY-MM'), ','"
	  "            ORDER BY to_char(r.occurred_from, 'YYYY-MM'))"
	  " FROM hate_crime_reports r JOIN organisations o ON o.id = r.organisation_id"
	  " GROUP BY o.slug, o.name, o.kind ORDER BY o.slug", 0 },
};

#define UNKNOWN_CODE "unknown"
#define OUTSIDE_CODE "outside_borough"
#define MAX_MONTHS 120

/* ---- the memoised canonical cells --------------------------------------- */

struct hcs_ward {
	char *code, *name;
};

struct hcs_source {
	char *slug, *name, *kind;
	int *months;        /* year * 12 + month - 1, ascending */
	size_t nmonths;
};

struct hcs_snapshot {
	uint64_t gen;
	unsigned threshold;
	int refs;                  /* under memo_lock */
	struct hcs_ward *wards;    /* areas by code, then unknown, outside_borough */
	size_t nwards;
	bool any;                  /* any counted crime at all */
	int fy_min, fy_max;
	struct hc_year *years;     /* fy_min..fy_max */
	struct hcs_source *sources;
	size_t nsources;
};

static pthread_mutex_t memo_lock = PTHREAD_MUTEX_INITIALIZER;
static struct hcs_snapshot *memo;

static void snapshot_free(struct hcs_snapshot *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->nwards; i++) {
		free(s->wards[i].code);
		free(s->wards[i].name);
	}
	free(s->wards);
	if (s->years)
		for (int fy = s->fy_min; fy <= s->fy_max; fy++)
			hc_year_release(&s->years[fy - s->fy_min]);
	free(s->years);
	for (size_t i = 0; i < s->nsources; i++) {
		free(s->sources[i].slug);
		free(s->sources[i].name);
		free(s->sources[i].kind);
		free(s->sources[i].months);
	}
	free(s->sources);
	free(s);
}

static void snapshot_put(struct hcs_snapshot *s)
{
	bool last;

	if (!s)
		return;
	pthread_mutex_lock(&memo_lock);
	last = --s->refs == 0;
	pthread_mutex_unlock(&memo_lock);
	if (last)
		snapshot_free(s);
}

static long ward_index(const struct hcs_snapshot *s, const char *code)
{
	for (size_t i = 0; i < s->nwards; i++)
		if (strcmp(s->wards[i].code, code) == 0)
			return (long)i;
	return -1;
}

static int month_key(int year, int month)
{
	return year * 12 + month - 1;
}

/* "2024-04" -> key, or -1. */
static int parse_month_key(const char *text)
{
	struct period p;

	if (period_parse_kinds(text, 1u << PERIOD_MONTH, &p) != 0)
		return -1;
	return month_key(p.year, p.month);
}

static int load_wards(struct hcs_snapshot *s, const PGresult *r)
{
	size_t n = (size_t)PQntuples(r);

	s->wards = calloc(n + 2, sizeof(*s->wards));
	if (!s->wards)
		return -1;
	for (size_t i = 0; i < n + 2; i++) {
		const char *code = i < n ? PQgetvalue(r, (int)i, 0) : i == n ? UNKNOWN_CODE : OUTSIDE_CODE;
		const char *name = i < n ? PQgetvalue(r, (int)i, 1)
				   : i == n ? "Location unknown" : "Outside the borough";

		s->wards[i].code = strdup(code);
		s->wards[i].name = strdup(name);
		s->nwards = i + 1;
		if (!s->wards[i].code || !s->wards[i].name)
			return -1;
	}
	return 0;
}

static int load_groups(struct hcs_snapshot *s, const PGresult *r)
{
	size_t n = (size_t)PQntuples(r);
	struct hc_crime_group *g = calloc(n + 1, sizeof(*g));
	int rc = -1;

	if (!g)
		return -1;
	for (size_t i = 0; i < n; i++) {
		char strands[128], *save = NULL;
		long w = ward_index(s, PQgetvalue(r, (int)i, 2));

		g[i].year = (int)db_get_ll(r, (int)i, 0);
		g[i].month = (int)db_get_ll(r, (int)i, 1);
		g[i].offence = hc_code_index(hc_offence_types, PQgetvalue(r, (int)i, 3));
		g[i].channel = hc_code_index(hc_channels, PQgetvalue(r, (int)i, 4));
		g[i].count = db_get_ll(r, (int)i, 6);
		if (w < 0 || g[i].offence < 0 || g[i].channel < 0 ||
		    snprintf(strands, sizeof(strands), "%s", PQgetvalue(r, (int)i, 5)) >= (int)sizeof(strands))
			goto done;
		g[i].ward = (size_t)w;
		for (char *tok = strtok_r(strands, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
			int st = hc_code_index(hc_strands, tok);

			if (st < 0)
				goto done;
			g[i].strands |= 1u << st;
		}
		{
			int fy = g[i].month >= 4 ? g[i].year : g[i].year - 1;

			if (!s->any || fy < s->fy_min)
				s->fy_min = fy;
			if (!s->any || fy > s->fy_max)
				s->fy_max = fy;
			s->any = true;
		}
	}
	if (s->any) {
		size_t ny = (size_t)(s->fy_max - s->fy_min + 1);

		s->years = calloc(ny, sizeof(*s->years));
		if (!s->years)
			goto done;
		for (int fy = s->fy_min; fy <= s->fy_max; fy++)
			if (hc_year_build(&s->years[fy - s->fy_min], fy, s->nwards, g, n,
					  (int)s->threshold) != 0)
				goto done;
	}
	rc = 0;
done:
	free(g);
	return rc;
}

static int load_sources(struct hcs_snapshot *s, const PGresult *r)
{
	size_t n = (size_t)PQntuples(r);

	s->sources = calloc(n + 1, sizeof(*s->sources));
	if (!s->sources)
		return -1;
	for (size_t i = 0; i < n; i++) {
		struct hcs_source *src = &s->sources[i];
		const char *list = PQgetvalue(r, (int)i, 3);
		size_t cap = strlen(list) / 8 + 2;

		s->nsources = i + 1;
		src->slug = strdup(PQgetvalue(r, (int)i, 0));
		src->name = strdup(PQgetvalue(r, (int)i, 1));
		src->kind = strdup(PQgetvalue(r, (int)i, 2));
		src->months = calloc(cap, sizeof(*src->months));
		if (!src->slug || !src->name || !src->kind || !src->months)
			return -1;
		for (const char *p = list; *p;) {
			char m[16];
			const char *comma = strchr(p, ',');
			size_t len = comma ? (size_t)(comma - p) : strlen(p);
			int key;

			if (len >= sizeof(m) || src->nmonths >= cap)
				return -1;
			memcpy(m, p, len);
			m[len] = '\0';
			if ((key = parse_month_key(m)) < 0)
				return -1;
			src->months[src->nmonths++] = key;
			p = comma ? comma + 1 : p + len;
		}
	}
	return 0;
}

/* Load and suppress everything.  NULL after a problem in res. */
static struct hcs_snapshot *snapshot_build(struct request *req, struct response *res, uint64_t gen)
{
	struct hcs_snapshot *s = calloc(1, sizeof(*s));
	PGresult *wards = NULL, *groups = NULL, *cov = NULL;

	if (!s) {
		problem_send_internal(res);
		return NULL;
	}
	s->gen = gen;
	s->threshold = req->cfg->suppress_below;
	s->refs = 1;
	if (api_exec_or_respond(req, res, "hcs_wards", 0, NULL, &wards) ||
	    api_exec_or_respond(req, res, "hcs_groups", 0, NULL, &groups) ||
	    api_exec_or_respond(req, res, "hcs_coverage", 0, NULL, &cov))
		goto fail;
	if (load_wards(s, wards) != 0 || load_groups(s, groups) != 0 || load_sources(s, cov) != 0) {
		problem_send_internal(res);
		goto fail;
	}
	PQclear(wards);
	PQclear(groups);
	PQclear(cov);
	return s;
fail:
	PQclear(wards);
	PQclear(groups);
	PQclear(cov);
	snapshot_free(s);
	return NULL;
}

/*
 * The canonical cells for the current data generation, built at most once
 * per generation (the exact disclosure check is the expensive part).  With
 * caching off (generation 0) every request builds its own.  The caller
 * releases the result with snapshot_put.
 */
static struct hcs_snapshot *snapshot_get(struct request *req, struct response *res)
{
	uint64_t gen = cache_generation_for(STATISTICS_DEPENDS);
	unsigned threshold = req->cfg->suppress_below;
	struct hcs_snapshot *s = NULL, *old = NULL;

	if (gen != 0) {
		pthread_mutex_lock(&memo_lock);
		if (memo && memo->gen == gen && memo->threshold == threshold) {
			memo->refs++;
			s = memo;
		}
		pthread_mutex_unlock(&memo_lock);
		if (s)
			return s;
	}
	if (!request_db_or_respond(req, res))
		return NULL;
	s = snapshot_build(req, res, gen);
	if (!s || gen == 0)
		return s;
	pthread_mutex_lock(&memo_lock);
	/* Keep the newest generation; a slower builder of an older one loses. */
	if (!memo || memo->gen <= gen) {
		old = memo;
		memo = s;
		s->refs++;
	}
	pthread_mutex_unlock(&memo_lock);
	snapshot_put(old);
	return s;
}

/* ---- the query --------------------------------------------------------- */

enum dim_slot { SLOT_WARD, SLOT_OFFENCE, SLOT_CHANNEL, SLOT_STRAND, NSLOTS };

static const char *const slot_names[NSLOTS] = { "ward", "offence_type", "channel", "strand" };

struct hcs_query {
	struct period from, to;
	bool has_from, has_to;
	enum period_kind grain;            /* 0: none */
	bool grouped[NSLOTS];
	const char **filter[NSLOTS];       /* request-owned strings */
	size_t nfilter[NSLOTS];
	bool compare;
	struct date start, end;            /* whole months */
};

static const char *const grain_names[] = { "", "month", "quarter", "financial_year" };

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
	"counts are published by one breakdown at a time (ward, offence_type, channel or strand), "
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

		for (int g = 1; g <= 3; g++)
			if (strcmp(items[i], grain_names[g]) == 0)
				grain = g;
		for (int d = 0; d < NSLOTS; d++)
			if (strcmp(items[i], slot_names[d]) == 0)
				slot = d;
		if (!grain && slot < 0) {
			snprintf(detail, sizeof(detail),
				 "'%.40s' is not a grouping; use month, quarter, financial_year, ward, strand, offence_type or channel",
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
	static const char *const *const lists[NSLOTS] = { NULL, hc_offence_types, hc_channels, hc_strands };
	bool used[NSLOTS];
	char detail[320];

	memcpy(used, q->grouped, sizeof(used));
	for (int d = 0; d < NSLOTS; d++) {
		if (request_list_or_respond(req, res, slot_names[d], 50, &q->filter[d], &q->nfilter[d]))
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
	return month_key(b->year, b->month) - month_key(a->year, a->month) + 1;
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

struct cell {
	bool flags;          /* the strand_flags measure */
	long ward;           /* -1: all */
	int offence, channel, strand;  /* -1: all */
};

/* Value and suppression of a canonical cell of period p. */
static void cell_value(const struct hcs_snapshot *s, const struct period *p, const struct cell *c,
		       int64_t *value, bool *suppressed)
{
	const struct hc_year *y = NULL;
	int t = hc_time_cell(p);
	size_t i;

	if (s->any && p->fy_start_year >= s->fy_min && p->fy_start_year <= s->fy_max)
		y = &s->years[p->fy_start_year - s->fy_min];
	*value = 0;
	*suppressed = false;
	if (!y || t < 0)
		return;   /* no crime counted in that year at all */
	if (c->flags) {
		if (c->ward >= 0) {
			if (t != 0) {   /* never asked: ward x strand is a year cell only */
				*suppressed = true;
				return;
			}
			i = hc_ward_flags_cell(s->nwards, (size_t)c->ward, c->strand);
		} else {
			i = hc_flags_cell(s->nwards, t, c->strand);
		}
		*value = y->flags[i];
		*suppressed = y->flags_supp[i];
		return;
	}
	if (c->ward >= 0)
		i = hc_reports_cell(s->nwards, t, HC_WARD, (size_t)c->ward);
	else if (c->offence >= 0)
		i = hc_reports_cell(s->nwards, t, HC_OFFENCE, (size_t)c->offence);
	else if (c->channel >= 0)
		i = hc_reports_cell(s->nwards, t, HC_CHANNEL, (size_t)c->channel);
	else
		i = hc_reports_cell(s->nwards, t, HC_TOTAL, 0);
	*value = y->reports[i];
	*suppressed = y->reports_supp[i];
}

static bool source_covers(const struct hcs_source *src, int key)
{
	size_t lo = 0, hi = src->nmonths;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (src->months[mid] == key)
			return true;
		if (src->months[mid] < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

/* Has every source that had begun supplying by month k supplied k?  (A
 * source is not expected before its first month: it did not exist yet.) */
static bool month_complete(const struct hcs_snapshot *s, int k)
{
	for (size_t i = 0; i < s->nsources; i++) {
		const struct hcs_source *src = &s->sources[i];

		if (src->nmonths && src->months[0] <= k && !source_covers(src, k))
			return false;
	}
	return true;
}

/* "complete": every month of p is complete and some source supplied it;
 * "none": no source supplied any month of p; "partial" otherwise. */
static const char *period_coverage(const struct hcs_snapshot *s, const struct period *p)
{
	int first = month_key(p->start.year, p->start.month), last = month_key(p->end.year, p->end.month);
	bool all = s->nsources > 0, some = false;

	for (int k = first; k <= last; k++) {
		all = all && month_complete(s, k);
		for (size_t i = 0; i < s->nsources && !some; i++)
			some = source_covers(&s->sources[i], k);
	}
	return all && some ? "complete" : some ? "partial" : "none";
}

static json_t *period_json(const struct period *p)
{
	char label[32], start[11], end[11];

	if (period_format(p, label, sizeof(label)) < 0 ||
	    date_format(&p->start, start, sizeof(start)) < 0 ||
	    date_format(&p->end, end, sizeof(end)) < 0)
		return NULL;
	return json_pack("{s:s, s:s, s:s, s:s}", "label", label, "kind", grain_names[p->kind],
			 "start", start, "end", end);
}

static json_t *row_json(const struct hcs_snapshot *s, const struct period *p, const struct cell *c,
			bool compare)
{
	int64_t v;
	bool supp;
	json_t *row;

	cell_value(s, p, c, &v, &supp);
	row = json_pack("{s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:b, s:s}",
		"measure", c->flags ? "strand_flags" : "reports",
		"period", period_json(p),
		"ward", c->ward >= 0 ? json_pack("{s:s, s:s}", "code", s->wards[c->ward].code,
						 "name", s->wards[c->ward].name) : json_null(),
		"strand", c->strand >= 0 ? json_string(hc_strands[c->strand]) : json_null(),
		"offence_type", c->offence >= 0 ? json_string(hc_offence_types[c->offence]) : json_null(),
		"channel", c->channel >= 0 ? json_string(hc_channels[c->channel]) : json_null(),
		"value", supp ? json_null() : json_integer(v),
		"suppressed", supp,
		"coverage", period_coverage(s, p));
	if (row && compare) {
		struct period pp;
		int64_t pv;
		bool psupp, absent;

		const char *pcov, *cov = period_coverage(s, p);
		bool comparable;

		period_year_earlier(p, &pp);
		pcov = period_coverage(s, &pp);
		absent = strcmp(pcov, "none") == 0;
		/* A difference against a period some source has not supplied
		 * would show missing data as a fall (or rise) in hate crime. */
		comparable = strcmp(cov, "complete") == 0 && strcmp(pcov, "complete") == 0;
		cell_value(s, &pp, c, &pv, &psupp);
		json_object_set_new(row, "previous_year", json_pack("{s:o, s:o, s:b, s:s, s:o}",
			"period", period_json(&pp),
			"value", absent || psupp ? json_null() : json_integer(pv),
			"suppressed", !absent && psupp,
			"coverage", pcov,
			"change", absent || psupp || supp || !comparable ? json_null() : json_integer(v - pv)));
	}
	return row;
}

/* The values of one breakdown to list: the filter's, or every value with
 * the total (-1) first when grouped, or only the total. */
static size_t slot_values(const struct hcs_query *q, const struct hcs_snapshot *s, int d, long *out)
{
	static const char *const *const lists[NSLOTS] = { NULL, hc_offence_types, hc_channels, hc_strands };
	size_t n = 0, count;

	if (q->nfilter[d]) {
		count = d == SLOT_WARD ? s->nwards : (size_t)(d == SLOT_OFFENCE ? HC_NOFFENCES
							      : d == SLOT_CHANNEL ? HC_NCHANNELS : HC_NSTRANDS);
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
		count = d == SLOT_WARD ? s->nwards : (size_t)(d == SLOT_OFFENCE ? HC_NOFFENCES
							      : d == SLOT_CHANNEL ? HC_NCHANNELS : HC_NSTRANDS);
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
	int first = month_key(q->start.year, q->start.month), last = month_key(q->end.year, q->end.month);
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
			some = source_covers(&s->sources[i], k);
		if (!some || !month_complete(s, k))
			json_array_append_new(gaps, month_label(k));
	}
	if (json_array_size(gaps))
		snprintf(note, sizeof(note),
			 "%zu of the %d months asked for have not been supplied by every source (listed in months_not_covered_by_every_source): a low count there may be missing data, not a fall in hate crime. Compare periods whose rows have coverage \"complete\".",
			 json_array_size(gaps), last - first + 1);
	return json_pack("{s:s, s:o, s:o, s:b, s:o}",
		"basis", "A source has supplied a month when at least one report it submitted (withdrawn reports included) occurred in that month; a source is expected to supply every month from its first one on. A month is covered when every source expected then has supplied it. Each row's coverage is complete when every month of its period is covered, none when no source supplied any of them, partial otherwise.",
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
	{ "value", "/value" }, { "suppressed", "/suppressed" }, { "coverage", "/coverage" },
	{ "previous_year_label", "/previous_year/period/label" },
	{ "previous_year_value", "/previous_year/value" },
	{ "previous_year_suppressed", "/previous_year/suppressed" },
	{ "previous_year_coverage", "/previous_year/coverage" },
	{ "change", "/previous_year/change" },
};

static const char *const compare_choices[] = { "previous_year", NULL };

static void statistics_get(struct request *req, struct response *res)
{
	struct hcs_query q = { 0 };
	struct hcs_snapshot *s = NULL;
	struct period periods[MAX_MONTHS], canon;
	size_t nperiods = 0;
	long *values[NSLOTS];
	size_t nvalues[NSLOTS];
	const char *compare = NULL;
	json_t *data = NULL, *meta;
	char detail[512], rule[400], from_label[16], to_label[16], start[11], end[11];
	bool flags;
	int nmonths;

	if (parse_period_param(req, res, "from", &q.from, &q.has_from) ||
	    parse_period_param(req, res, "to", &q.to, &q.has_to) ||
	    parse_group_by(req, res, &q) || parse_filters(req, res, &q) ||
	    request_enum_or_respond(req, res, "compare", compare_choices, NULL, &compare))
		return;
	q.compare = compare != NULL;

	if (!(s = snapshot_get(req, res)))
		return;

	/* Wards are checked against the data, so a typo is not a quiet zero. */
	for (size_t i = 0; i < q.nfilter[SLOT_WARD]; i++)
		if (ward_index(s, q.filter[SLOT_WARD][i]) < 0) {
			snprintf(detail, sizeof(detail),
				 "'%.20s' is not a ward of the borough: use a ward's GSS code from /v1/areas, or unknown or outside_borough",
				 q.filter[SLOT_WARD][i]);
			problem_send_bad_parameter(res, "ward", detail);
			goto done;
		}

	/* The range: whole months; by default the latest financial year with data. */
	if (!q.has_from && !q.has_to) {
		struct date today;
		time_t now = time(NULL);
		struct tm tm;

		gmtime_r(&now, &tm);
		today.year = tm.tm_year + 1900;
		today.month = tm.tm_mon + 1;
		today.day = tm.tm_mday;
		period_containing(PERIOD_FINANCIAL_YEAR, &today, &q.from);
		if (s->any) {
			struct date d = { s->fy_max, 4, 1 };

			period_containing(PERIOD_FINANCIAL_YEAR, &d, &q.from);
		}
		q.to = q.from;
	} else if (!q.has_from) {
		q.from = q.to;
	} else if (!q.has_to) {
		q.to = q.from;
	}
	q.start = q.from.start;
	q.end = q.to.end;
	if (date_compare(&q.end, &q.start) < 0) {
		problem_send_bad_parameter(res, "to", "must not end before from starts");
		goto done;
	}
	nmonths = months_between(&q.start, &q.end);
	if (nmonths > MAX_MONTHS) {
		problem_send_bad_parameter(res, "to", "the range may cover at most 10 financial years (120 months)");
		goto done;
	}

	if (q.grain) {
		struct period p, last;

		period_containing(q.grain, &q.start, &p);
		period_containing(q.grain, &q.end, &last);
		if (date_compare(&p.start, &q.start) != 0 || date_compare(&last.end, &q.end) != 0) {
			bool bad_from = date_compare(&p.start, &q.start) != 0;

			snprintf(detail, sizeof(detail),
				 "with group_by=%s the range must be made of whole %s: %s",
				 grain_names[q.grain],
				 q.grain == PERIOD_QUARTER ? "financial quarters" :
				 q.grain == PERIOD_FINANCIAL_YEAR ? "financial years" : "months",
				 bad_from ? "from does not start one" : "to does not end one");
			problem_send_bad_parameter(res, bad_from ? "from" : "to", detail);
			goto done;
		}
		for (;;) {
			periods[nperiods++] = p;
			if (date_compare(&p.end, &q.end) >= 0 || nperiods == MAX_MONTHS)
				break;
			period_next(&p, &p);
		}
	} else {
		if (!canonical_range(&q.start, &q.end, &canon)) {
			problem_send_bad_parameter(res, "to",
				"the range from..to is not one month, financial quarter or financial year. Totals over other ranges are not published, because comparing overlapping ranges could reveal withheld counts; add group_by=month, quarter or financial_year to get each period of the range.");
			goto done;
		}
		periods[nperiods++] = canon;
	}

	/* Ward and strand together exist for financial years only. */
	{
		bool ward = q.grouped[SLOT_WARD] || q.nfilter[SLOT_WARD];
		bool strand = q.grouped[SLOT_STRAND] || q.nfilter[SLOT_STRAND];

		if (ward && strand && periods[0].kind != PERIOD_FINANCIAL_YEAR) {
			problem_send_bad_parameter(res, q.grouped[SLOT_WARD] && q.grouped[SLOT_STRAND] ? "group_by"
						   : q.nfilter[SLOT_STRAND] ? "strand" : "ward",
				"ward and strand together are published for whole financial years only: use group_by=financial_year or a range of one financial year");
			goto done;
		}
		flags = strand;
	}

	for (int d = 0; d < NSLOTS; d++) {
		values[d] = request_alloc(req, (s->nwards + HC_NCHANNELS + 2) * sizeof(long));
		if (!values[d]) {
			problem_send_internal(res);
			goto done;
		}
		nvalues[d] = slot_values(&q, s, d, values[d]);
	}

	data = json_array();
	for (size_t pi = 0; pi < nperiods; pi++)
		for (size_t a = 0; a < nvalues[SLOT_WARD]; a++)
			for (size_t b = 0; b < nvalues[SLOT_STRAND]; b++)
				for (size_t c = 0; c < nvalues[SLOT_OFFENCE]; c++)
					for (size_t e = 0; e < nvalues[SLOT_CHANNEL]; e++) {
						struct cell cl = {
							.flags = flags,
							.ward = values[SLOT_WARD][a],
							.strand = (int)values[SLOT_STRAND][b],
							.offence = (int)values[SLOT_OFFENCE][c],
							.channel = (int)values[SLOT_CHANNEL][e],
						};
						json_t *row = row_json(s, &periods[pi], &cl, q.compare);

						if (!row || json_array_append_new(data, row)) {
							problem_send_internal(res);
							goto done;
						}
					}

	{
		struct period fm, lm;

		period_containing(PERIOD_MONTH, &q.start, &fm);
		period_containing(PERIOD_MONTH, &q.end, &lm);
		if (period_format(&fm, from_label, sizeof(from_label)) < 0 ||
		    period_format(&lm, to_label, sizeof(to_label)) < 0 ||
		    date_format(&q.start, start, sizeof(start)) < 0 ||
		    date_format(&q.end, end, sizeof(end)) < 0) {
			problem_send_internal(res);
			goto done;
		}
	}
	snprintf(rule, sizeof(rule),
		 "Counts from 1 to %u are withheld (value null, suppressed true), and further cells where needed so that no withheld count can be recovered from published cells and totals, in this or any other query. Zero is published as zero.",
		 s->threshold - 1);
	meta = json_pack("{s:s, s:{s:s, s:s}, s:{s:s, s:i, s:s}, s:s, s:{s:s, s:s, s:s, s:s}, s:o, s:s, s:s, s:s, s:i}",
		"measure", flags ? "strand_flags" : "reports",
		"measures",
		"reports", "reports count each crime once.",
		"strand_flags", "strand_flags count a report once for each strand it is flagged with (a report may carry several), so strand counts do not add up to the report count.",
		"disclosure",
		"method", "primary and secondary cell suppression",
		"threshold", (int)s->threshold,
		"rule", rule,
		"cells", "Only fixed cells are published: calendar months, financial quarters and financial years, by total, ward, offence type, channel or strand, and by ward and strand for a financial year. Suppression is decided once over all of them together, so filters and groupings only choose which cells to show.",
		"range",
		"from", from_label, "to", to_label, "start", start, "end", end,
		"coverage", coverage_json(s, &q),
		"deduplication", "Reports from two sources that share a police reference are one crime and counted once (the earliest report received); withdrawn reports are excluded.",
		"dating", "A crime is counted in the month in which it occurred (the first day it may have occurred).",
		"locations", "ward is null for the borough as a whole; the codes unknown (location not known) and outside_borough (occurred outside the borough, reported here) are listed with the wards and are part of the borough total.",
		"count", (int)json_array_size(data));
	response_list(req, res, data, meta, NULL, statistics_csv, API_COUNT(statistics_csv));
	data = NULL;
done:
	json_decref(data);
	snapshot_put(s);
}

static const char *const statistics_params[] = {
	"from", "to", "group_by", "ward", "strand", "offence_type", "channel", "compare", NULL,
};

static const struct route routes[] = {
	{ .method = HTTP_GET, .template = "/v1/hate-crime/statistics", .handler = statistics_get,
	  .query_params = statistics_params, .flags = ROUTE_PUBLIC | ROUTE_CSV,
	  .depends = STATISTICS_DEPENDS },
};

const struct api_module hate_crime_statistics_module = {
	.name = "hate_crime_statistics",
	.routes = routes,
	.nroutes = API_COUNT(routes),
	.statements = statements,
	.nstatements = API_COUNT(statements),
};
