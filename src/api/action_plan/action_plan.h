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

struct request;
struct response;

void plan_list(struct request *req, struct response *res);
void plan_create(struct request *req, struct response *res);
void plan_get(struct request *req, struct response *res);
void plan_summary(struct request *req, struct response *res);
void action_list(struct request *req, struct response *res);
void action_create(struct request *req, struct response *res);
void action_get(struct request *req, struct response *res);
void action_patch(struct request *req, struct response *res);
void update_create(struct request *req, struct response *res);

/* The database id (as text, into out of 24 bytes) of the plan named by
 * id (a slug or "current"), or -1 with a 404 or 503 in res. */
int ap_plan_id_or_respond(struct request *req, struct response *res, const char *id,
			  char out[24]);

/* Actions are edited through api/kit/edit.h.  ap_action_lock's columns:
 * 0 version, 1 JSON text, then these. */
extern const struct edit_kind ap_action_edit;
enum { AP_LOCK_STATUS = 2, AP_LOCK_PLAN = 3, AP_LOCK_LAST_UPDATE = 4 /* "" when none */ };

/* After a write: tells every instance (ap_notify), then answers with the
 * action, its whole update history, its version's ETag and, for 201, its
 * Location. */
void ap_notify_and_respond(struct request *req, struct response *res, const char *id, int status);

#endif
