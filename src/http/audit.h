/*
 * audit.h - one audit event for the request in hand (db/write_frame.h's
 * audit_insert, filled from the request): the server's request id, the
 * client's X-Request-Id beside it, the organisation and the key.
 */
#ifndef EQ_HTTP_AUDIT_H
#define EQ_HTTP_AUDIT_H

#include <stdbool.h>

struct audit_event;
struct request;
struct response;

/* The event http_audit records, into *out; its pointers borrow from req
 * and res (and action, outcome), valid while they are. */
void http_audit_event(const struct request *req, const struct response *res, const char *action,
		      const char *outcome, long records, struct audit_event *out);

/* Record action with outcome ("success", "refused", "failed") and res's
 * status and audit target, on req->db (which the caller holds).  A failure
 * is logged, never answered: the response is already decided. */
void http_audit(struct request *req, const struct response *res, const char *action,
		const char *outcome, long records, bool queued);

#endif
