/*
 * write.h - the frame every write runs in, applied by the server to routes
 * flagged ROUTE_WRITE, so that no handler repeats it:
 *
 *   BEGIN
 *   Idempotency-Key (ROUTE_IDEMPOTENT): same key, same body -> the stored
 *     first response again, nothing written; same key, other body -> 422;
 *     the same key still in flight in another request -> 409.
 *   the handler: reads req->body, writes through req->db (already in the
 *     transaction; it never commits), sets res->audit_target
 *   2xx: the idempotency record and an audit event join the transaction,
 *     then COMMIT; a failed COMMIT is a 503, never a false success.  (Or
 *     they go out with the handler's final statement and the COMMIT, when
 *     the handler says which it is: write_commit_with_next.)
 *   otherwise: ROLLBACK, and an audit event of the refusal on its own.
 *
 * The idempotency record commits with the write itself, so a crash between
 * COMMIT and the reply still leaves the client's retry a stored answer.
 */
#ifndef EQ_HTTP_WRITE_H
#define EQ_HTTP_WRITE_H

struct request;
struct response;

/* The statements are db/write_frame.h's; this is the HTTP policy around them. */

/* Before the key is checked: an idempotent write's transaction and its
 * Idempotency-Key claim are queued to go out with the key's look-up, in
 * its round trip (db_begin_after_next), keyed by the key's prefix.  0, or
 * -1 with a 503 in res. */
__attribute__((warn_unused_result))
int write_prepare(struct request *req, struct response *res);

/* 0: go on and run the handler; -1: res holds the answer already (a
 * replay, a 409/422/400, or 503). */
__attribute__((warn_unused_result))
int write_begin_or_respond(struct request *req, struct response *res);

/* What a write will answer, as its final statement finds it. */
struct write_answer {
	int status;              /* 201 */
	const char *location;    /* the Location header; NULL: none */
	const char *target;      /* the audit target (the new record's id) */
};

/*
 * The handler's next statement is its last, and the frame ends with it, in
 * its round trip: the answer stored under the Idempotency-Key, the audit
 * event of the success, COMMIT (db/write_frame.h, write_commit_after_next).
 * The statement publishes the answer's body and version
 * (WRITE_ANSWER_PUBLISH); when it finds its row, the handler answers
 * a->status with that body byte for byte, ETag "v<version>" and
 * a->location, as the frame recorded.  When it finds none, nothing is
 * recorded and the empty transaction commits: the handler answers its
 * refusal, audited on its own.  That statement's status covers the
 * COMMIT: a failure after the statement is DB_UNAVAILABLE, a 503.  Should
 * this not be possible (memory), the frame ends after the handler as usual.
 */
void write_commit_with_next(struct request *req, const struct response *res,
			    const struct write_answer *a);

/* After the handler: commit or roll back, record, audit (what is left of
 * it after write_commit_with_next). */
void write_finish(struct request *req, struct response *res);

/* A record-level read answered 2xx (ROUTE_READ_AUDIT): who saw how many
 * records through which route, on its own (the read has no transaction). */
void write_audit_read(struct request *req, const struct response *res);

/* An attempt refused before the transaction (401, 403): audit it alone. */
void write_audit_refused(struct request *req, const struct response *res);

#endif
