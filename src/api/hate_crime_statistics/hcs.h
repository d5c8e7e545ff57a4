/*
 * hcs.h - what the files of GET /v1/hate-crime/statistics share: the
 * canonical cells of every financial year with their suppression
 * (domain/hate_crime_table.h), and the sources' coverage, built once per
 * data generation and shared through the memo kit.  Internal to
 * src/api/hate_crime_statistics/.
 */
#ifndef EQ_API_HATE_CRIME_STATISTICS_HCS_H
#define EQ_API_HATE_CRIME_STATISTICS_HCS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "api/kit/memo.h"
#include "db/db.h"
#include "domain/hate_crime_table.h"
#include "domain/period.h"

struct request;
struct response;

/* Reports, and the areas and organisations they are shown with. */
#define STATISTICS_DEPENDS (DATA_HATE_CRIME | DATA_REFERENCE)

struct hcs_ward {
	char *code, *name;
};

struct hcs_source {
	char *slug, *name, *kind;
	int *months;        /* year * 12 + month - 1, ascending */
	size_t nmonths;
};

struct hcs_snapshot {
	unsigned threshold;
	struct hcs_ward *wards;    /* areas by code, then unknown, outside_borough */
	size_t nwards;
	bool any;                  /* any counted crime at all */
	int fy_min, fy_max;
	struct hc_table table;     /* fy_min..fy_max and the rolling years, when any */
	struct hcs_source *sources;
	size_t nsources;
};

/* The statements snapshot.c runs (the module registers them). */
#define HCS_NSTATEMENTS 4
extern const struct db_statement hcs_statements[HCS_NSTATEMENTS];

/* The snapshot of the current data generation, or -1 after a problem in
 * res.  ref->value is a `const struct hcs_snapshot *`; give it back with
 * hcs_snapshot_release. */
__attribute__((warn_unused_result))
int hcs_snapshot_get_or_respond(struct request *req, struct response *res, struct memo_ref *ref);
void hcs_snapshot_release(struct memo_ref *ref);

/* Index of a ward code (buckets included), or -1. */
long hcs_ward_index(const struct hcs_snapshot *s, const char *code);

/* year * 12 + month - 1 */
int hcs_month_key(int year, int month);

/* One published cell: the measure, and a value of each breakdown (-1: all). */
struct hcs_cell {
	bool flags;          /* the strand_flags measure */
	long ward;
	int offence, channel, strand, source;
};

/* Value and suppression of a canonical cell of period p (a rolling year
 * only by total or source: any other is reported withheld). */
void hcs_cell_value(const struct hcs_snapshot *s, const struct period *p, const struct hcs_cell *c,
		    int64_t *value, bool *suppressed);

/* Did source src supply month key?  Has every source that had begun by
 * month key supplied it?  And a period's coverage: "complete", "partial"
 * or "none". */
/* The month key the one published rolling year ends in, or -1; and
 * whether any crime occurred in months first..last (keys). */
int hcs_rolling_last(const struct hcs_snapshot *s);
bool hcs_months_hold_crime(const struct hcs_snapshot *s, int first, int last);

bool hcs_source_covers(const struct hcs_source *src, int key);
bool hcs_month_complete(const struct hcs_snapshot *s, int key);
const char *hcs_period_coverage(const struct hcs_snapshot *s, const struct period *p);

/* Releases (release.c).  POST /v1/hate-crime/releases: */
void hcs_release_make(struct request *req, struct response *res);
/*
 * The snapshot a read serves, for its release= (api/kit/releases.h): live
 * itself, or the release's own financial years, wards, cells, rolling
 * year and suppression (request-owned), with live's sources' coverage and threshold
 * (borrowed).  *meta (a new reference) is meta.release.  0, or -1 after a
 * problem in res.
 */
__attribute__((warn_unused_result))
int hcs_release_view_or_respond(struct request *req, struct response *res, const struct hcs_snapshot *live,
				struct hcs_snapshot *view, json_t **meta);

#endif
