/*
 * releases.h - releases of published statistics (migrations/0020), the
 * same for every statistic: making one from the tables a statistic's
 * builder produced, and resolving a read's `release=` to the cells it
 * serves.
 *
 * A statistic hands over its disclosure problems in a generic form (a
 * name, the cells' true values, the additive constraints), so that any
 * cell its builder gains flows into its releases with no code here.  The
 * new release is suppressed jointly with the earlier ones of the same
 * statistic and key (domain/release.h) and stored with its change log.
 *
 * A read takes `release=`: a release id, `latest` (the default) or `live`
 * (a council key only: the live table, never cached publicly).  Until a
 * statistic's first release is made its reads serve the live table with
 * meta.release null.
 */
#ifndef EQ_API_KIT_RELEASES_H
#define EQ_API_KIT_RELEASES_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "db/db.h"
#include "domain/disclosure.h"

struct request;
struct response;

/* Every statement of releases (the releases module registers them). */
#define RELEASES_NSTATEMENTS 7
extern const struct db_statement releases_statements[RELEASES_NSTATEMENTS];

/* One disclosure problem of a statistic, borrowed for the call. */
struct release_table {
	const char *name;   /* unique within the statistic: "2024/25 reports" */
	const int64_t *values;
	size_t ncells;
	const struct disclosure_constraint *constraints;
	size_t nconstraints;
	bool withhold_all;     /* publish nothing (too few contributors) */
	const json_t *about;   /* stored beside the cells (NULL: none), for the
	                          read's meta: what the table was made of */
	const bool *known;     /* ncells or NULL: cells the public knows already and
	                          the read does not serve (domain/release.h) */
	const bool *absent;    /* ncells or NULL: cells this release does not publish
	                          at all, stored withheld; later releases take
	                          nothing from them (release_prior) */
};

/* What a statistic's release is of. */
struct release_subject {
	const char *statistic;   /* "hate-crime", "returns-summary", "demographics" */
	const char *key;         /* "all-years", a window, a data set family */
	const char *layout;      /* the builder's cell layout: only releases of one
	                            layout are compared cell by cell */
};

/*
 * Make the next version of subject from tables (in a write's transaction)
 * and answer 201 with it, or the problem.  reason: why it is made (the
 * caller's words, "1 report withdrawn"), never NULL.
 */
void releases_make_respond(struct request *req, struct response *res,
			   const struct release_subject *subject, const char *reason,
			   const struct release_table *tables, size_t ntables);

/*
 * The core of both, on connection db (in the caller's transaction: the
 * version is locked until it ends) with the disclosure threshold: for a
 * maker without a request (the CLI's imports).  DB_OK with the release
 * made in *made (a new reference), or NULL when skip_unchanged and the
 * tables are exactly the previous version's (nothing to release); else
 * the failure (DB_ERROR too when memory runs out), *made NULL.
 */
__attribute__((warn_unused_result))
enum db_status releases_make(struct db_conn *db, int threshold, const struct release_subject *subject,
			     const char *reason, const struct release_table *tables, size_t ntables,
			     bool skip_unchanged, json_t **made);

/* The same without answering: 0 with the release made in *made (a new
 * reference), or -1 after a problem in res.  For a release made as part of
 * another write (a late return accepted). */
__attribute__((warn_unused_result))
int releases_make_or_respond(struct request *req, struct response *res,
			     const struct release_subject *subject, const char *reason,
			     const struct release_table *tables, size_t ntables, json_t **made);

/* The release a read serves. */
struct release_view {
	bool live;        /* serve the live table */
	json_t *meta;     /* meta.release: {id, version, made_at}, or null (live); owned */
	json_t *cells;    /* the release's cells, NULL when live; owned */
	char layout[128];
};

/*
 * Resolve the request's `release=` for subject (its layout is not
 * checked here).  live_scopes: the scopes a council key may hold to ask
 * for `live` ("admin,read:hate-crime").  0 with *v filled (release it
 * with releases_view_release), or -1 after a problem in res: 404 for an
 * id that is no release of this statistic, 401/403 for `live` without a
 * council key.
 */
__attribute__((warn_unused_result))
int releases_view_or_respond(struct request *req, struct response *res,
			     const struct release_subject *subject, const char *live_scopes,
			     struct release_view *v);

/* Fill values[] and withheld[] (ncells each) from the release's table
 * name; false when it has none of that size. */
bool releases_view_table(const struct release_view *v, const char *name, size_t ncells,
			 int64_t *values, bool *withheld);

/* The same over a release's cells object (borrowed), with absent[]
 * (ncells, may be NULL): the cells the release did not publish at all. */
bool releases_cells_table(const json_t *cells, const char *name, size_t ncells, int64_t *values,
			  bool *withheld, bool *absent);

struct csv_column;

/*
 * Answer a statistic's read: data and meta (both stolen; either NULL when
 * building it ran out of memory: 500), with meta.release set to release
 * (the view's meta, borrowed), as a list in JSON or CSV.
 */
void releases_list_respond(struct request *req, struct response *res, json_t *data, json_t *meta,
			   json_t *release, const struct csv_column *columns, size_t ncolumns);

/* What table name's maker stored beside it (borrowed from v), or NULL. */
const json_t *releases_view_about(const struct release_view *v, const char *name);

void releases_view_release(struct release_view *v);

#endif
