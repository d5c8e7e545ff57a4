/*
 * write_frame.c - idempotency records and audit events (see write_frame.h).
 */
#include "db/write_frame.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/log.h"

/* Parameters of a column that is a domain (migrations/0025) are sent as
 * its base type (the casts): typed as the domain, each would be read by
 * domain_in, which sets up the domain's checks anew for every value; the
 * insert checks them once, with the statement. */
const struct db_statement write_frame_statements[] = {
	/* Two requests with one key must not both run: the second is told
	 * the first is in flight instead of waiting on its row lock. */
	{ "write_idem_lock",
	  "SELECT pg_try_advisory_xact_lock($1::int, hashtext($2))", 2 },
	{ "write_idem_get",
	  "SELECT request_hash, status, content_type, body, location, etag FROM idempotency_keys"
	  " WHERE organisation_id = $1 AND key = $2::text", 2 },
	/* The stored answer and the audit event of the success that gave it:
	 * one statement (a writable CTE), one executor start, not two. */
	/* The same two, keyed by the API key's prefix (its organisation's),
	 * for when they travel with the key's look-up (idempotency_claim_calls):
	 * the lock is on the same two numbers. */
	{ "write_idem_lock_by_key",
	  "SELECT pg_try_advisory_xact_lock(k.organisation_id::int, hashtext($2)) FROM api_keys k"
	  " WHERE k.prefix = $1", 2 },
	{ "write_idem_get_by_key",
	  "SELECT i.request_hash, i.status, i.content_type, i.body, i.location, i.etag"
	  " FROM idempotency_keys i JOIN api_keys k ON k.organisation_id = i.organisation_id"
	  " WHERE k.prefix = $1 AND i.key = $2::text", 2 },
	{ "write_idem_put",
	  "WITH audit AS (INSERT INTO audit_events (organisation_id, key_prefix, request_id, action, target,"
	  " outcome, status, route, record_count, reason, client_request_id, presented_prefix)"
	  " VALUES ($9, $10, $11, $12, $13, $14::text, $15, $16, $17::int, $18::text, $19::text, $20::text))"
	  " INSERT INTO idempotency_keys (organisation_id, key, request_hash, status, content_type, body, location, etag)"
	  " VALUES ($1, $2::text, $3, $4, $5, $6, $7, $8)", 20 },
	/* The same two after a final statement that published its answer
	 * (WRITE_ANSWER_PUBLISH), read from the transaction: nothing when it
	 * published none (a conflict: refused, and audited on its own). */
	{ "write_idem_put_published",
	  "WITH a AS (SELECT NULLIF(current_setting('eq.answer', true), '') AS body,"
	  " '\"v' || current_setting('eq.answer_version', true) || '\"' AS etag),"
	  " audit AS (INSERT INTO audit_events (organisation_id, key_prefix, request_id, action, target,"
	  " outcome, status, route, record_count, reason, client_request_id, presented_prefix)"
	  " SELECT $7, $8, $9, $10, $11, $12::text, $13, $14, $15::int, $16::text, $17::text, $18::text"
	  " FROM a WHERE a.body IS NOT NULL)"
	  " INSERT INTO idempotency_keys (organisation_id, key, request_hash, status, content_type, body, location, etag)"
	  " SELECT $1, $2::text, $3, $4, $5, a.body, $6, a.etag FROM a WHERE a.body IS NOT NULL", 18 },
	{ "write_audit_published",
	  "INSERT INTO audit_events (organisation_id, key_prefix, request_id, action, target, outcome, status,"
	  " route, record_count, reason, client_request_id, presented_prefix)"
	  " SELECT $1, $2, $3, $4, $5, $6::text, $7, $8, $9::int, $10::text, $11::text, $12::text"
	  " WHERE current_setting('eq.answer', true) <> ''", 12 },
	{ "write_audit",
	  "INSERT INTO audit_events (organisation_id, key_prefix, request_id, action, target, outcome, status,"
	  " route, record_count, reason, client_request_id, presented_prefix)"
	  " VALUES ($1, $2, $3, $4, $5, $6::text, $7, $8, $9::int, $10::text, $11::text, $12::text)", 12 },
};
const unsigned write_frame_nstatements =
	sizeof(write_frame_statements) / sizeof(write_frame_statements[0]);

void idempotency_answer_release(struct idempotency_answer *a)
{
	free(a->body);
	free(a->location);
	free(a->etag);
	a->body = a->location = a->etag = NULL;
}

/* A copy of a nullable column: NULL for SQL NULL; *oom set when it fails. */
static char *copy_nullable(const PGresult *r, int col, bool *oom)
{
	char *s;

	if (PQgetisnull(r, 0, col))
		return NULL;
	s = strdup(PQgetvalue(r, 0, col));
	if (!s)
		*oom = true;
	return s;
}

/* The stored answer in row 0 of r into out; -1 when memory ran out
 * (nothing left to free then). */
static int answer_read(const PGresult *r, struct idempotency_answer *out)
{
	bool oom = false;

	snprintf(out->request_hash, sizeof(out->request_hash), "%s", PQgetvalue(r, 0, 0));
	out->status = atoi(PQgetvalue(r, 0, 1));
	snprintf(out->content_type, sizeof(out->content_type), "%s", PQgetvalue(r, 0, 2));
	out->body_len = (size_t)PQgetlength(r, 0, 3);
	out->body = malloc(out->body_len + 1);
	if (out->body)
		memcpy(out->body, PQgetvalue(r, 0, 3), out->body_len + 1);
	else
		oom = true;
	out->location = copy_nullable(r, 4, &oom);
	out->etag = copy_nullable(r, 5, &oom);
	if (!oom)
		return 0;
	log_event(LOG_ERROR, "out of memory reading a stored idempotent answer", NULL);
	idempotency_answer_release(out);
	return -1;
}

enum db_status idempotency_claim_read(PGresult *lock, PGresult *got, bool *claimed,
				      struct idempotency_answer *out, bool *found)
{
	enum db_status st = lock && got ? DB_OK : DB_ERROR;

	*claimed = *found = false;
	memset(out, 0, sizeof(*out));
	if (st == DB_OK) {
		*claimed = PQntuples(lock) == 1 && strcmp(PQgetvalue(lock, 0, 0), "t") == 0;
		if (*claimed && PQntuples(got) == 1) {
			if (answer_read(got, out) == 0)
				*found = true;
			else
				st = DB_ERROR;
		}
	}
	PQclear(lock);
	PQclear(got);
	return st;
}

enum db_status idempotency_claim_find(struct db_conn *c, const char *org_id, const char *key,
				      bool *claimed, struct idempotency_answer *out, bool *found)
{
	const char *p[2] = { org_id, key };
	PGresult *lock = NULL, *got = NULL;
	const struct db_call calls[2] = {
		{ "write_idem_lock", 2, p, &lock },
		{ "write_idem_get", 2, p, &got },
	};
	enum db_status st = db_exec_batch(c, calls, 2);

	if (st != DB_OK) {
		*claimed = *found = false;
		memset(out, 0, sizeof(*out));
		return st;
	}
	return idempotency_claim_read(lock, got, claimed, out, found);
}

void idempotency_claim_calls(const char *const *prefix_key, struct db_call calls[2])
{
	calls[0] = (struct db_call){ "write_idem_lock_by_key", 2, prefix_key, NULL };
	calls[1] = (struct db_call){ "write_idem_get_by_key", 2, prefix_key, NULL };
}

/* The 12 values of an audit row into p; status and records are their
 * text's room. */
static void audit_values(const struct audit_event *e, const char **p, char status[12],
			 char records[24])
{
	const char *v[12] = { e->org_id, e->key_prefix, e->request_id, e->action,
			      e->target, e->outcome, status, e->route,
			      e->records >= 0 ? records : NULL, e->reason,
			      e->client_request_id, e->presented_prefix };

	snprintf(status, 12, "%d", e->status);
	snprintf(records, 24, "%ld", e->records);
	memcpy(p, v, sizeof(v));
}

enum db_status idempotency_store(struct db_conn *c, const struct idempotency_record *rec,
				 const struct audit_event *success)
{
	char status[12], audit_status[12], records[24];
	const char *p[20] = { rec->org_id, rec->key, rec->request_hash, status,
			      rec->content_type, rec->body, rec->location, rec->etag };

	snprintf(status, sizeof(status), "%d", rec->status);
	audit_values(success, p + 8, audit_status, records);
	return db_defer(c, "write_idem_put", 20, p);
}

enum db_status write_commit_after_next(struct db_conn *c, const struct idempotency_record *rec,
				      const struct audit_event *success)
{
	char status[12], audit_status[12], records[24];
	const char *p[18];

	audit_values(success, p + 6, audit_status, records);
	if (!rec)
		return db_commit_after_next(c, "write_audit_published", 12, p + 6);
	snprintf(status, sizeof(status), "%d", rec->status);
	p[0] = rec->org_id;
	p[1] = rec->key;
	p[2] = rec->request_hash;
	p[3] = status;
	p[4] = rec->content_type;
	p[5] = rec->location;
	return db_commit_after_next(c, "write_idem_put_published", 18, p);
}

enum db_status audit_insert(struct db_conn *c, const struct audit_event *e, bool queued)
{
	char status[12], records[24];
	const char *p[12];

	audit_values(e, p, status, records);
	return queued ? db_defer(c, "write_audit", 12, p) : db_exec(c, "write_audit", 12, p, NULL);
}
