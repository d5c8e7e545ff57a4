/*
 * workforce.h - what the files of the workforce resource share: the
 * memoised snapshots with their disclosure-controlled tables
 * (domain/workforce_table.h), the parameters every read takes, and the
 * handlers the route table (module.c) lists.  Internal to src/api/workforce/.
 *
 * Disclosure control.  Suppression is decided once per data generation over
 * whole tables (see domain/workforce_table.h); filters only choose cells.
 * A pay gap is withheld when either group has fewer than EQ_SUPPRESS_BELOW
 * people, a bonus gap when either group has fewer bonus recipients, and a
 * bonus share when the recipients or the others of the group number 1 to
 * EQ_SUPPRESS_BELOW - 1.
 */
#ifndef EQ_API_WORKFORCE_WORKFORCE_H
#define EQ_API_WORKFORCE_WORKFORCE_H

#include <jansson.h>
#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "api/kit/memo.h"
#include "db/db.h"
#include "domain/workforce_table.h"
#include "import/workforce.h"

#include "http/router.h"

struct request;
struct response;

/* Reads depend on the snapshots and on the reference data they name. */
#define WF_DEPENDS (DATA_WORKFORCE | DATA_REFERENCE)
#define WF_MAX_DIRS 64
#define WF_MAX_GRADES 16

struct wf_snap {
	char *id, *as_of, *source, *notes, *pay_basis, *loaded_at;
	bool official;
	long headcount;
	struct wf_dims dims;       /* dims.senior points into the state */
	char *dirs[WF_MAX_DIRS];
	struct wf_table tables[WF_NCHARS];
	json_t *pay_gaps;
	/* pay_basis 'published': {source, reference, published_on}, and the
	 * published quartile shares [{characteristic, quartile, category, share}]. */
	json_t *publication, *pub_quartiles;
};

struct wf_state {
	unsigned threshold;
	size_t ngrades;
	char *grades[WF_MAX_GRADES], *grade_names[WF_MAX_GRADES];
	bool senior[WF_MAX_GRADES];
	/* Category names by characteristic, for the responses. */
	PGresult *cat_rows;
	size_t nsnaps;
	struct wf_snap *snaps;     /* ascending as_of */
};

/* The statements state.c runs (module.c registers them with the others). */
extern const struct db_statement wf_state_statements[];
extern const size_t wf_state_nstatements;
extern const struct db_statement wf_representation_statements[];
extern const size_t wf_representation_nstatements;

/* The snapshots of the current data generation, or -1 after a problem in
 * res.  *ref's value is a `struct wf_state *`; give it back with
 * wf_state_release. */
__attribute__((warn_unused_result))
int wf_state_get_or_respond(struct request *req, struct response *res, struct memo_ref *ref);
void wf_state_release(struct memo_ref *ref);

/* What an endpoint publishes, for picking the default snapshot. */
enum wf_need { WF_NEED_COUNTS, WF_NEED_PAY };

/* The snapshot asked for (as_of; default the latest that has what the
 * endpoint publishes) with its index, or NULL after a 400/404. */
struct wf_snap *wf_snapshot_param(struct request *req, struct response *res, struct wf_state *st,
				  enum wf_need need, long *index);
/* The characteristic parameter (repeatable; default all of allowed) as
 * indices into wf_characteristics; -1 after a 400. */
int wf_characteristics_param(struct request *req, struct response *res, const char *const *allowed,
			     int *out, size_t *n);

/* Lookups: the index of code, or -1. */
long wf_find(const char *const *list, size_t n, const char *code);
long wf_find_nt(const char *const *list, const char *code);   /* NULL-terminated list */

/* A category's name for a response (borrowed from st or static). */
const char *wf_category_name(const struct wf_state *st, const char *ch, const char *code);

/* meta parts every read shares (new references). */
json_t *wf_disclosure_meta(const struct wf_state *st);
json_t *wf_snapshot_ref(const struct wf_snap *s);
json_t *wf_grade_bands_json(const struct wf_state *st);

extern const char *const wf_compare_choices[];   /* "previous" */

/* The handlers (one file each, by resource). */
route_handler wf_snapshots_get, wf_snapshot_create, wf_profile_get, wf_paygaps_get,
	wf_paygaps_put, wf_representation_get;

#endif
