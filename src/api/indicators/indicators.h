/*
 * indicators.h - what the files of the indicators resource share; no other
 * resource includes it.
 *
 *   module.c      the routes and every statement (SQL) of the resource
 *   set.c         the indicators and their values, loaded once per request,
 *                 and their JSON representations
 *   indicators.c  GET /v1/indicators, GET /v1/indicators/{code}
 *   values.c      GET and PUT /v1/indicators/{code}/values...
 *   scorecard.c   GET /v1/scorecard
 *
 * Numbers are integers in thousandths of the unit everywhere below the
 * JSON (see domain/indicator_rag.h).  RAG and direction of travel are
 * never stored: every read computes them from the stored targets, actuals,
 * polarity and tolerance, so they can never disagree with the numbers.
 * The rules of a value are in domain/indicator_value.h.
 */
#ifndef EQ_API_INDICATORS_INDICATORS_H
#define EQ_API_INDICATORS_INDICATORS_H

#include <jansson.h>
#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>

#include "domain/indicator_rag.h"
#include "domain/indicator_value.h"

#include "http/router.h"

struct request;
struct response;

/* The handlers (module.c routes them). */
route_handler indicators_list, indicators_get, values_list, value_put, value_get, scorecard;

/* The columns of ind_all and ind_values. */
enum { IC_CODE, IC_TITLE, IC_DEFINITION, IC_UNIT, IC_POLARITY, IC_FREQUENCY, IC_OUTCOME,
       IC_OUTCOME_TITLE, IC_SOURCE, IC_TOL_KIND, IC_TOL, IC_COMPUTED };
enum { VC_CODE, VC_PERIOD, VC_TARGET, VC_ACTUAL, VC_COMMENTARY, VC_PUBLISHED, VC_REVISION,
       VC_UPDATED };

/* Where a value's actual came from (computed.c): typed in, or computed
 * from the published figure at `from` (a path and query), withheld there. */
struct indicator_origin {
	bool computed, withheld;
	char from[128];
};

struct indicator {
	int row;                          /* in set.ind */
	const char *code;
	enum indicator_polarity polarity;
	struct indicator_tolerance tolerance;
	const struct indicator_point *points;   /* its values, oldest first, in set.points */
	const struct indicator_origin *origins; /* points[i]'s is origins[i] */
	size_t npoints;
};

/* The indicators and every value; points[i] is row i of val. */
struct indicator_set {
	PGresult *ind, *val;
	struct indicator *items;
	size_t n;
	struct indicator_point *points;
	struct indicator_origin *origins;       /* one per point */
	size_t npoints;
};

/* Loads the indicators (all, or the one code) and their values: 0 (the
 * caller releases s), or -1 with the problem in res and nothing to
 * release. */
int set_load_or_respond(struct request *req, struct response *res, const char *code,
			struct indicator_set *s);
void set_release(struct indicator_set *s);

/* The row in s->val of a point. */
int set_point_row(const struct indicator_set *s, const struct indicator_point *pt);

/* A nullable number column in thousandths. */
struct indicator_number set_number_col(const PGresult *r, int row, int col);

enum indicator_rag set_point_rag(const struct indicator *ind, const struct indicator_point *pt);

/*
 * Representations, each a new reference or NULL when memory runs out
 * (a period is api_period_json's): text or null; what every value shows (period, target, actual,
 * RAG, direction of travel and what it was compared with); a value as GET
 * .../values shows it (rev: ind_revisions of the indicator); an indicator
 * with its latest value.
 */
json_t *set_text_json(const PGresult *r, int row, int col);
json_t *set_value_core_json(const struct indicator *ind, const struct indicator_point *pt);
json_t *set_value_json(const struct indicator_set *s, const struct indicator *ind,
		       const struct indicator_point *pt, const PGresult *rev);
json_t *set_indicator_json(const struct indicator_set *s, const struct indicator *ind);

void indicator_not_found(struct response *res);

/* computed.c: the actual of every value of a computed indicator in s
 * replaced by the published figure it is computed from (absent where that
 * is withheld or there is none), and s->origins set.  0, or -1 with the
 * problem in res. */
__attribute__((warn_unused_result))
int computed_apply_or_respond(struct request *req, struct response *res, struct indicator_set *s);

/* {"kind": "manual" | "computed", "from", "withheld"} for points[i] of ind;
 * a new reference or NULL. */
json_t *computed_source_json(const struct indicator *ind, const struct indicator_point *pt);

#endif
