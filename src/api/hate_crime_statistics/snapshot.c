/*
 * snapshot.c - the canonical hate-crime cells of every financial year,
 * loaded by named statements and suppressed once per data generation (the
 * exact disclosure check is the expensive part), shared by every request
 * through the memo kit; and the sources' coverage.
 *
 * Counting base: active (not withdrawn) reports, one crime per police
 * reference (or per report without one), keeping the earliest-created
 * report of each, dated by the month of occurred_from.  The reference is
 * compared by its keyed pseudonym police_key, which survives the purge of
 * the reference itself (migrations/0015).  Coverage is what each source
 * declared delivered (hate_crime_deliveries), never inferred from counts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/common.h"
#include "api/kit/table_memo.h"
#include "api/hate_crime_statistics/hcs.h"
#include "config.h"
#include "http/cache.h"
#include "http/request.h"
#include "http/response.h"

const struct db_statement hcs_statements[HCS_NSTATEMENTS] = {
	{ "hcs_wards",
	  "SELECT code, name FROM areas WHERE kind = 'ward'"
	  " OR code IN (SELECT ward_code FROM hate_crime_reports WHERE ward_code IS NOT NULL)"
	  " ORDER BY code COLLATE \"C\"", 0 },
	{ "hcs_groups",
	  "SELECT extract(year FROM c.occurred_from)::int, extract(month FROM c.occurred_from)::int,"
	  " CASE WHEN c.location = 'ward' THEN c.ward_code ELSE c.location END,"
	  " c.offence_type, c.channel, array_to_string(c.strands, ','), c.source, count(*)"
	  " FROM (SELECT DISTINCT ON (r.police_key,"
	  "                           CASE WHEN r.police_key IS NULL THEN r.id END)"
	  "              r.occurred_from, r.location, r.ward_code, r.offence_type, r.channel, r.strands,"
	  /* The police count every crime they recorded, whoever else had it. */
	  "              CASE WHEN o.kind = 'police' OR (r.police_key IS NOT NULL AND EXISTS ("
	  "                     SELECT 1 FROM hate_crime_reports p JOIN organisations po ON po.id = p.organisation_id"
	  "                     WHERE p.police_key = r.police_key AND p.status = 'active' AND po.kind = 'police'))"
	  "                   THEN 'police' ELSE o.kind END AS source"
	  "       FROM hate_crime_reports r JOIN organisations o ON o.id = r.organisation_id"
	  "       WHERE r.status = 'active'"
	  "       ORDER BY r.police_key, CASE WHEN r.police_key IS NULL THEN r.id END,"
	  "                r.created_at, r.id) c"
	  " GROUP BY 1, 2, 3, 4, 5, 6, 7", 0 },
	{ "hcs_coverage",
	  "SELECT o.slug, o.name, o.kind,"
	  " string_agg(to_char(d.month, 'YYYY-MM'), ',' ORDER BY d.month)"
	  " FROM hate_crime_deliveries d JOIN organisations o ON o.id = d.organisation_id"
	  " GROUP BY o.slug, o.name, o.kind ORDER BY o.slug", 0 },
	/* What moved since the last release, for the next one's reason. */
	{ "hcs_release_activity",
	  "SELECT (SELECT count(*) FROM hate_crime_reports r WHERE r.created_at > l.at),"
	  " (SELECT count(*) FROM hate_crime_reports r WHERE r.status = 'withdrawn' AND r.updated_at > l.at),"
	  " l.at = '-infinity',"
	  /* The rolling years the latest release knows of (release.c). */
	  " (SELECT jsonb_path_query_array(cells, '$.*.about.windows[*]')::text FROM releases"
	  "  WHERE statistic = 'hate-crime' AND key = 'all-years' ORDER BY version DESC LIMIT 1)"
	  " FROM (SELECT coalesce(max(made_at), '-infinity') AS at FROM releases"
	  "       WHERE statistic = 'hate-crime' AND key = 'all-years') l", 0 },
};


#define UNKNOWN_CODE "unknown"
#define OUTSIDE_CODE "outside_borough"

static void snapshot_free(void *v)
{
	struct hcs_snapshot *s = v;

	if (!s)
		return;
	for (size_t i = 0; i < s->nwards; i++) {
		free(s->wards[i].code);
		free(s->wards[i].name);
	}
	free(s->wards);
	hc_table_release(&s->table);
	for (size_t i = 0; i < s->nsources; i++) {
		free(s->sources[i].slug);
		free(s->sources[i].name);
		free(s->sources[i].kind);
		free(s->sources[i].months);
	}
	free(s->sources);
	free(s);
}

static struct memo snapshots = MEMO_INIT(snapshot_free);

long hcs_ward_index(const struct hcs_snapshot *s, const char *code)
{
	for (size_t i = 0; i < s->nwards; i++)
		if (strcmp(s->wards[i].code, code) == 0)
			return (long)i;
	return -1;
}

int hcs_month_key(int year, int month)
{
	return year * 12 + month - 1;
}

/* "2024-04" -> key, or -1. */
static int parse_month_key(const char *text)
{
	struct period p;

	if (period_parse_kinds(text, 1u << PERIOD_MONTH, &p) != 0)
		return -1;
	return hcs_month_key(p.year, p.month);
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
		long w = hcs_ward_index(s, PQgetvalue(r, (int)i, 2));

		g[i].year = (int)db_get_ll(r, (int)i, 0);
		g[i].month = (int)db_get_ll(r, (int)i, 1);
		g[i].offence = hc_code_index(hc_offence_types, PQgetvalue(r, (int)i, 3));
		g[i].channel = hc_code_index(hc_channels, PQgetvalue(r, (int)i, 4));
		g[i].source = hc_code_index(hc_sources, PQgetvalue(r, (int)i, 6));
		g[i].count = db_get_ll(r, (int)i, 7);
		if (w < 0 || g[i].offence < 0 || g[i].channel < 0 || g[i].source < 0 ||
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
	if (s->any && hc_table_build(&s->table, s->fy_min, s->fy_max, s->nwards, g, n,
				     (int)s->threshold) != 0)
		goto done;
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

/* Load and suppress everything (results: hcs_wards, hcs_groups,
 * hcs_coverage).  -1 when memory ran out. */
static int snapshot_load(void *table, PGresult **r, unsigned threshold)
{
	struct hcs_snapshot *s = table;

	s->threshold = threshold;
	return load_wards(s, r[0]) || load_groups(s, r[1]) || load_sources(s, r[2]) ? -1 : 0;
}

static void *snapshot_build(struct request *req, struct response *res, void *arg)
{
	static const char *const stmts[] = { "hcs_wards", "hcs_groups", "hcs_coverage" };
	static const struct table_loader loader = {
		sizeof(struct hcs_snapshot), stmts, 3, snapshot_load, snapshot_free,
	};

	(void)arg;
	return table_load_or_respond(req, res, &loader);
}

int hcs_snapshot_get_or_respond(struct request *req, struct response *res, struct memo_ref *ref)
{
	return table_memo_get_or_respond(&snapshots, req, res, STATISTICS_DEPENDS, "hate_crime", snapshot_build,
					 NULL, ref);
}

void hcs_snapshot_release(struct memo_ref *ref)
{
	memo_release(&snapshots, ref);
}

/* ---- reading the cells ----------------------------------------------------- */

/* Value and suppression of a canonical cell of period p. */
void hcs_cell_value(const struct hcs_snapshot *s, const struct period *p, const struct hcs_cell *c,
		    int64_t *value, bool *suppressed)
{
	const struct hc_year *y = NULL;
	int t = hc_time_cell(p);
	size_t i;

	if (s->any && p->fy_start_year >= s->fy_min && p->fy_start_year <= s->fy_max)
		y = &s->table.years[p->fy_start_year - s->fy_min];
	*value = 0;
	*suppressed = false;
	if (p->kind == PERIOD_ROLLING_YEAR) {
		if (c->flags || c->ward >= 0 || c->offence >= 0 || c->channel >= 0)
			*suppressed = true;   /* never asked: not a rolling cell */
		else if (s->any)
			hc_table_rolling(&s->table, hcs_month_key(p->year, p->month), c->source,
					 value, suppressed);
		return;
	}
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
	else if (c->source >= 0)
		i = hc_reports_cell(s->nwards, t, HC_SOURCE, (size_t)c->source);
	else
		i = hc_reports_cell(s->nwards, t, HC_TOTAL, 0);
	*value = y->reports[i];
	*suppressed = y->reports_supp[i];
}

int hcs_rolling_last(const struct hcs_snapshot *s)
{
	return s->any && s->table.shape.nwindows ? s->table.shape.first_window : -1;
}

bool hcs_months_hold_crime(const struct hcs_snapshot *s, int first, int last)
{
	return s->any && hc_table_months_total(&s->table, first, last) > 0;
}

bool hcs_source_covers(const struct hcs_source *src, int key)
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
bool hcs_month_complete(const struct hcs_snapshot *s, int k)
{
	for (size_t i = 0; i < s->nsources; i++) {
		const struct hcs_source *src = &s->sources[i];

		if (src->nmonths && src->months[0] <= k && !hcs_source_covers(src, k))
			return false;
	}
	return true;
}

/* "complete": every month of p is complete and some source supplied it;
 * "none": no source supplied any month of p; "partial" otherwise. */
const char *hcs_period_coverage(const struct hcs_snapshot *s, const struct period *p)
{
	int first = hcs_month_key(p->start.year, p->start.month), last = hcs_month_key(p->end.year, p->end.month);
	bool all = s->nsources > 0, some = false;

	for (int k = first; k <= last; k++) {
		all = all && hcs_month_complete(s, k);
		for (size_t i = 0; i < s->nsources && !some; i++)
			some = hcs_source_covers(&s->sources[i], k);
	}
	return all && some ? "complete" : some ? "partial" : "none";
}

