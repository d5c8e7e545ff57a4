/*
 * write_frame.h - the statements of the frame every write runs in
 * (http/write.h has the frame itself and its HTTP answers): the
 * Idempotency-Key claim, the stored first answer, and the audit trail.
 *
 * Each runs on the caller's pooled connection, inside the transaction the
 * caller began (db_begin), except audit_insert after a ROLLBACK, which
 * stands alone.  None of them commits.  Register write_frame_statements
 * once at start (db_register_statements).
 *
 * Round trips: the claim and the look-up of a stored answer go out with
 * BEGIN in one pipeline, which itself goes out after the API key's look-up
 * in its round trip (idempotency_claim_calls); the stored answer and the
 * audit event of a success are queued (db_defer) and go out with COMMIT,
 * or go out with the write's final statement and COMMIT
 * (write_commit_after_next).
 */
#ifndef EQ_DB_WRITE_FRAME_H
#define EQ_DB_WRITE_FRAME_H

#include <stdbool.h>
#include <stddef.h>

#include "db/db.h"

extern const struct db_statement write_frame_statements[];
extern const unsigned write_frame_nstatements;

/* The answer a write gave, as stored with its key. */
struct idempotency_answer {
	char request_hash[65];    /* hex SHA-256 of the request it answered */
	int status;
	char content_type[64];
	char *body;               /* owned; body_len bytes and a NUL */
	size_t body_len;
	char *location;           /* owned; NULL when none */
	char *etag;               /* owned; NULL when none */
};

/*
 * Take the transaction-scoped lock on (org_id, key) and, when taken, read
 * the answer stored for it, in one round trip (the look-up runs after the
 * lock, with its own snapshot, so it sees whatever the last holder
 * committed).  DB_OK with *claimed false: another transaction holds it now
 * (a request with the same key in flight); the lock is never waited for.
 * When *found, *out holds the answer, which the caller frees with
 * idempotency_answer_release; any other outcome leaves nothing to free.
 * Memory running out is DB_ERROR.
 */
__attribute__((warn_unused_result))
enum db_status idempotency_claim_find(struct db_conn *c, const char *org_id, const char *key,
				      bool *claimed, struct idempotency_answer *out, bool *found);
void idempotency_answer_release(struct idempotency_answer *a);

/*
 * The same claim and look-up as statements for db_begin_after_next, keyed
 * by the API key's prefix instead of its organisation (prefix_key: the
 * prefix, then the Idempotency-Key; copied when queued), so that
 * they travel with the key's own look-up.  Their two results (lock, got:
 * db_prefetched 0 and 1) are then read by idempotency_claim_read.
 */
void idempotency_claim_calls(const char *const *prefix_key, struct db_call calls[2]);

/* The claim's two results (taken, NULL for none: DB_ERROR) read as
 * idempotency_claim_find reads them. */
__attribute__((warn_unused_result))
enum db_status idempotency_claim_read(PGresult *lock, PGresult *got, bool *claimed,
				      struct idempotency_answer *out, bool *found);

/* What idempotency_store records; every pointer is borrowed for the call.
 * location and etag may be NULL. */
struct idempotency_record {
	const char *org_id, *key, *request_hash;
	int status;
	const char *content_type, *body, *location, *etag;
};

struct audit_event;

/* The answer, with success (the audit event of the write that gave it,
 * not NULL), queued to go out with the COMMIT (db_defer) as one statement:
 * audit_insert is not called for it. */
__attribute__((warn_unused_result))
enum db_status idempotency_store(struct db_conn *c, const struct idempotency_record *rec,
				 const struct audit_event *success);

/*
 * A write's final statement ends its transaction in its own round trip
 * (db_commit_after_next): after it, the answer stored under the key (rec;
 * NULL: no key, the audit event alone) and the audit event of the success,
 * then COMMIT.  The answer's body and ETag are the ones that statement
 * published with WRITE_ANSWER_PUBLISH (rec's body and etag are unused);
 * when it published none (it found a conflict, say) nothing is recorded,
 * and the empty transaction commits.  Pointers borrowed for the call.
 */
__attribute__((warn_unused_result))
enum db_status write_commit_after_next(struct db_conn *c, const struct idempotency_record *rec,
				      const struct audit_event *success);

/* What a final statement selects to publish its answer to the transaction
 * for write_commit_after_next: body, the JSON text the client is answered
 * (byte for byte: a replay sends it again), and version, the record's
 * version for its ETag "v<version>"; both SQL expressions. */
#define WRITE_ANSWER_PUBLISH(body, version) \
	"set_config('eq.answer', " body ", true)," \
	" set_config('eq.answer_version', (" version ")::text, true)"

/* Answers past their promise are swept by db/housekeeping.h. */

/* One row of the audit trail; pointers borrowed, NULL for "none" except
 * request_id, action and outcome.  request_id is the server's own id;
 * client_request_id what the client sent as X-Request-Id; key_prefix a key
 * that proved its secret, presented_prefix (refusals) a real key's prefix
 * presented without it (migrations/0014_key_policy.sql). */
struct audit_event {
	const char *org_id, *key_prefix, *request_id, *action, *target, *outcome;
	int status;
	const char *route;     /* the route's template */
	long records;          /* records shown by a read; -1: not a read */
	const char *reason;    /* the caller's reason (an erasure, a redaction) */
	const char *client_request_id, *presented_prefix;
};

/* Run now (queued: false), or queued to go out with the COMMIT. */
__attribute__((warn_unused_result))
enum db_status audit_insert(struct db_conn *c, const struct audit_event *e, bool queued);

#endif
