/*
 * action_plan.h - what the files of the action-plan resource share; no
 * other resource includes it.
 *
 *   module.c    the routes and every statement (SQL) of the resource
 *   plans.c     GET/POST /v1/action-plans, GET .../{id}, GET .../{id}/summary
 *   actions.c   GET/POST /v1/action-plans/{id}/actions, GET/PATCH /v1/actions/{id}
 *   updates.c   POST /v1/actions/{id}/updates
 *
 * The rules of a body are in domain/action_plan.h; the representations are
 * SQL functions (migrations/0009), so responses, the summary and the seed
 * agree.
 */
#ifndef EQ_API_ACTION_PLAN_ACTION_PLAN_H
#define EQ_API_ACTION_PLAN_ACTION_PLAN_H

#include <jansson.h>
#include <libpq-fe.h>

#include "api/kit/edit.h"
#include "domain/validate.h"

#include "http/router.h"

struct request;
struct response;

/* The handlers (module.c routes them). */
route_handler plan_list, plan_create, plan_get, plan_summary, action_list,
	action_create, action_get, action_patch, update_create;

/* The database id (as text, into out of 24 bytes) of the plan named by
 * id (a slug or "current"), or -1 with a 404 or 503 in res. */
int ap_plan_id_or_respond(struct request *req, struct response *res, const char *id,
			  char out[24]);

/* Actions are edited through api/kit/edit.h.  ap_action_lock's columns:
 * 0 version, 1 JSON text, then these. */
extern const struct edit_kind ap_action_edit;
enum { AP_LOCK_STATUS = 2, AP_LOCK_PLAN = 3, AP_LOCK_LAST_UPDATE = 4 /* "" when none */ };

/* After a write (the change log's triggers tell every instance): answers
 * with the action, its whole update history, its version's ETag and, for
 * 201, its Location. */
void ap_respond(struct request *req, struct response *res, const char *id, int status);

#endif
