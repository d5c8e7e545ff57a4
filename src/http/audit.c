/*
 * audit.c - an audit event from a request (see audit.h).
 */
#include "http/audit.h"

#include "db/write_frame.h"
#include "http/request.h"
#include "http/response.h"
#include "util/log.h"

#define OR_NULL(s) ((s)[0] ? (s) : NULL)

void http_audit_event(const struct request *req, const struct response *res, const char *action,
		      const char *outcome, long records, struct audit_event *out)
{
	*out = (struct audit_event){
		.org_id = OR_NULL(req->auth.org_id),
		.key_prefix = OR_NULL(req->auth.key_prefix),
		.request_id = req->request_id,
		.action = action,
		.target = OR_NULL(res->audit_target),
		.outcome = outcome,
		.status = res->status,
		.route = req->route ? req->route->template : NULL,
		.records = records,
		.reason = res->audit_reason,
		.client_request_id = OR_NULL(req->client_request_id),
		.presented_prefix = OR_NULL(req->auth.presented_prefix),
	};
}

void http_audit(struct request *req, const struct response *res, const char *action,
		const char *outcome, long records, bool queued)
{
	struct audit_event e;

	http_audit_event(req, res, action, outcome, records, &e);
	/* An event that stands alone: a write refused before its frame began
	 * may have its transaction open already (write_prepare), and must not
	 * take the event with it when it rolls back. */
	if (!queued && req->db)
		db_rollback(req->db);
	if (!req->db || audit_insert(req->db, &e, queued) != DB_OK)
		log_event(LOG_ERROR, "could not record an audit event", NULL);
}
