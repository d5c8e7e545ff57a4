/*
 * write_frame.h - the statements of the frame every write runs in
 * (http/write.h has the frame itself and its HTTP answers): the
 * Idempotency-Key claim, the stored first answer, and the audit trail.
 *
 * Each runs on the caller's pooled connection, inside the transaction the
 * caller began (db_begin), except audit_insert after a ROLLBACK, which
 * stands alone.  None of them commits.  Register write_frame_statements
 * once at start (db_register_statements).
 */
#ifndef EQ_DB_WRITE_FRAME_H
#define EQ_DB_WRITE_FRAME_H

#include <stdbool.h>
#include <stddef.h>

#include "db/db.h"

extern const struct db_statement write_frame_statements[];
extern const unsigned write_frame_nstatements;

/*
 * Take the transaction-scoped lock on (org_id, key).  DB_OK with *claimed
 * false: another transaction holds it now (a request with the same key in
 * flight); the lock is never waited for.
 */
__attribute__((warn_unused_result))
enum db_status idempotency_claim(struct db_conn *c, const char *org_id, const char *key,
				 bool *claimed);

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
 * The answer stored for (org_id, key) into *out, which the caller frees
 * with idempotency_answer_release when *found.  Any status but DB_OK leaves
 * *found false and nothing to free; memory running out is DB_ERROR.
 */
__attribute__((warn_unused_result))
enum db_status idempotency_find(struct db_conn *c, const char *org_id, const char *key,
				struct idempotency_answer *out, bool *found);
void idempotency_answer_release(struct idempotency_answer *a);

/* What idempotency_store records; every pointer is borrowed for the call.
 * location and etag may be NULL. */
struct idempotency_record {
	const char *org_id, *key, *request_hash;
	int status;
	const char *content_type, *body, *location, *etag;
};

__attribute__((warn_unused_result))
enum db_status idempotency_store(struct db_conn *c, const struct idempotency_record *rec);

/* Delete answers past their promise (kept 24 hours, swept after 48). */
__attribute__((warn_unused_result))
enum db_status idempotency_sweep(struct db_conn *c);

/* One row of the audit trail; pointers borrowed, NULL for "none" except
 * request_id, action and outcome.  request_id is the server's own id;
 * client_request_id what the client sent as X-Request-Id; key_prefix a key
 * that proved its secret, presented_prefix (refusals) a real key's prefix
 * presented without it (migrations/0014_key_policy.sql). */
struct audit_event {
	const char *org_id, *key_prefix, *request_id, *action, *target, *outcome;
	int status;
	const char *client_request_id, *presented_prefix;
};

__attribute__((warn_unused_result))
enum db_status audit_insert(struct db_conn *c, const struct audit_event *e);

#endif
