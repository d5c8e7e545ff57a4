/*
 * action_plan.h - what the action-plan resource offers other resources
 * (the quarterly scorecard).
 */
#ifndef EQ_API_ACTION_PLAN_H
#define EQ_API_ACTION_PLAN_H

#include <jansson.h>

struct request;
struct response;

/* The summary of a plan (its slug, or NULL for the current plan) as the
 * JSON object GET /v1/action-plans/{id}/summary returns; new reference,
 * or NULL after putting the problem (404/503) into res. Runs on req->db. */
json_t *action_plan_summary_json(struct request *req, struct response *res, const char *plan);

#endif
