/*
 * write.c - transactions, idempotency and audit for writes (see write.h).
 */
#include "http/write.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/cache.h"
#include "http/request.h"
#include "http/response.h"
#include "util/log.h"
#include "util/sha256.h"

const struct db_statement write_statements[] = {
	/* Two requests with one key must not both run: the second is told
	 * the first is in flight instead of waiting on its row lock. */
	{ "write_idem_lock",
	  "SELECT pg_try_advisory_xact_lock($1::int, hashtext($2))", 2 },
	{ "write_idem_get",
	  "SELECT request_hash, status, content_type, body, location, etag FROM idempotency_keys"
	  " WHERE organisation_id = $1 AND key = $2", 2 },
	{ "write_idem_put",
	  "INSERT INTO idempotency_keys (organisation_id, key, request_hash, status, content_type, body, location, etag)"
	  " VALUES ($1, $2, $3, $4, $5, $6, $7, $8)", 8 },
	/* Kept at least 24 hours (the promise), swept after 48. */
	{ "write_idem_sweep",
	  "DELETE FROM idempotency_keys WHERE created_at < now() - interval '48 hours'", 0 },
	{ "write_audit",
	  "INSERT INTO audit_events (organisation_id, key_prefix, request_id, action, target, outcome, status)"
	  " VALUES ($1, $2, $3, $4, $5, $6, $7)", 7 },
};
const unsigned write_nstatements = sizeof(write_statements) / sizeof(write_statements[0]);

#ifdef EQ_FAULT_INJECTION
/* TEST-ONLY fault injection (meson -Dfault_injection=true; tests/faults).
 * EQ_FAULT_INJECT=crash-after-commit kills the process between a write's
 * COMMIT and its reply: the window a client's retry with the same
 * Idempotency-Key must survive.  Compiled out of every other build. */
static void fault_point(const char *name)
{
	const char *want = getenv("EQ_FAULT_INJECT");

	if (want && strcmp(want, name) == 0)
		raise(SIGKILL);
}
#else
#define fault_point(name) ((void)0)
#endif

static bool idempotency_key_valid(const char *key)
{
	size_t len = strlen(key);

	if (len == 0 || len > 255)
		return false;
	for (size_t i = 0; i < len; i++)
		if (key[i] < 0x21 || key[i] > 0x7e)
			return false;
	return true;
}

/* What makes two requests "the same": method, path and exact body. */
static void request_fingerprint(const struct request *req, char hex[SHA256_HEX_LEN + 1])
{
	struct sha256 h;
	unsigned char digest[SHA256_DIGEST_LEN];
	static const char digits[] = "0123456789abcdef";
	const char *method = http_method_name(req->method);

	sha256_init(&h);
	sha256_update(&h, method, strlen(method));
	sha256_update(&h, " ", 1);
	sha256_update(&h, req->path, strlen(req->path));
	sha256_update(&h, "\n", 1);
	sha256_update(&h, req->body ? req->body : "", req->body_len);
	sha256_final(&h, digest);
	for (int i = 0; i < SHA256_DIGEST_LEN; i++) {
		hex[i * 2] = digits[digest[i] >> 4];
		hex[i * 2 + 1] = digits[digest[i] & 15];
	}
	hex[SHA256_HEX_LEN] = '\0';
}

static void audit(struct request *req, const struct response *res, const char *outcome)
{
	char status[8];
	const char *p[7];

	snprintf(status, sizeof(status), "%d", res->status);
	p[0] = req->auth.org_id[0] ? req->auth.org_id : NULL;
	p[1] = req->auth.key_prefix[0] ? req->auth.key_prefix : NULL;
	p[2] = req->request_id;
	p[3] = req->route && req->route->action ? req->route->action : "write";
	p[4] = res->audit_target[0] ? res->audit_target : NULL;
	p[5] = outcome;
	p[6] = status;
	if (!req->db || db_exec(req->db, "write_audit", 7, p, NULL) != DB_OK)
		log_event(LOG_ERROR, "could not record an audit event", NULL);
}

static void fail_unavailable(struct request *req, struct response *res)
{
	db_rollback(req->db);
	problem_send_unavailable(res);
}

int write_begin_or_respond(struct request *req, struct response *res)
{
	const char *key = request_header(req, "Idempotency-Key");
	char hash[SHA256_HEX_LEN + 1];
	PGresult *r = NULL;
	const char *p[2];

	if (!request_db_or_respond(req, res))
		return -1;
	if (db_begin(req->db) != DB_OK) {
		problem_send_unavailable(res);
		return -1;
	}
	if (!key || !(req->route->flags & ROUTE_IDEMPOTENT))
		return 0;
	if (!idempotency_key_valid(key)) {
		db_rollback(req->db);
		problem_send(res, 400, "bad-idempotency-key", "Bad Idempotency-Key",
			     "Idempotency-Key must be 1 to 255 visible ASCII characters.");
		return -1;
	}
	p[0] = req->auth.org_id;
	p[1] = key;
	if (db_exec(req->db, "write_idem_lock", 2, p, &r) != DB_OK) {
		fail_unavailable(req, res);
		return -1;
	}
	if (strcmp(PQgetvalue(r, 0, 0), "t") != 0) {
		PQclear(r);
		db_rollback(req->db);
		problem_send(res, 409, "idempotency-in-flight", "Request in progress",
			     "A request with this Idempotency-Key is still being processed; retry shortly for its result.");
		(void)response_header_add(res, "Retry-After", "1");
		return -1;
	}
	PQclear(r);
	if (db_exec(req->db, "write_idem_get", 2, p, &r) != DB_OK) {
		fail_unavailable(req, res);
		return -1;
	}
	if (PQntuples(r) == 0) {
		PQclear(r);
		return 0;
	}
	request_fingerprint(req, hash);
	if (strcmp(PQgetvalue(r, 0, 0), hash) != 0) {
		PQclear(r);
		db_rollback(req->db);
		problem_send(res, 422, "idempotency-key-reused", "Idempotency-Key reused",
			     "This Idempotency-Key was used with a different request; use a new key for a new request.");
		return -1;
	}
	/* The same request again: the first answer, nothing written. */
	{
		const char *ctype = PQgetvalue(r, 0, 2);
		int status = atoi(PQgetvalue(r, 0, 1));

		response_bytes(res, status,
			       strcmp(ctype, "application/json") == 0 ? "application/json" : "application/problem+json",
			       PQgetvalue(r, 0, 3), (size_t)PQgetlength(r, 0, 3));
		(void)response_header_add(res, "Idempotent-Replayed", "true");
		if (!PQgetisnull(r, 0, 4))
			(void)response_header_add(res, "Location", PQgetvalue(r, 0, 4));
		if (!PQgetisnull(r, 0, 5))
			(void)response_header_add(res, "ETag", PQgetvalue(r, 0, 5));
	}
	PQclear(r);
	db_rollback(req->db);
	return -1;
}

void write_finish(struct request *req, struct response *res)
{
	const char *key = request_header(req, "Idempotency-Key");
	bool ok = res->status >= 200 && res->status < 300;

	if (!req->db)
		return;
	if (!ok) {
		db_rollback(req->db);
		audit(req, res, res->status >= 500 ? "failed" : "refused");
		return;
	}
	if (key && (req->route->flags & ROUTE_IDEMPOTENT)) {
		char hash[SHA256_HEX_LEN + 1], status[8];
		const char *p[8];

		request_fingerprint(req, hash);
		snprintf(status, sizeof(status), "%d", res->status);
		p[0] = req->auth.org_id;
		p[1] = key;
		p[2] = hash;
		p[3] = status;
		p[4] = res->content_type ? res->content_type : "application/json";
		p[5] = buf_cstr(&res->body);
		p[6] = response_header_get(res, "Location");
		p[7] = response_header_get(res, "ETag");
		if (db_exec(req->db, "write_idem_put", 8, p, NULL) != DB_OK) {
			fail_unavailable(req, res);
			return;
		}
		/* Now and then, sweep expired records inside a write that is
		 * already paying for a transaction. */
		if ((unsigned char)req->request_id[0] % 64 == 0 &&
		    db_exec(req->db, "write_idem_sweep", 0, NULL, NULL) != DB_OK) {
			fail_unavailable(req, res);
			return;
		}
	}
	audit(req, res, "success");
	if (db_commit(req->db) != DB_OK) {
		/* Whether it committed is unknown: say so rather than claim
		 * success; a retry with the same Idempotency-Key is safe. */
		response_reset(res);
		problem_send_unavailable(res);
		return;
	}
	fault_point("crash-after-commit");
	/* The NOTIFY reaches this instance's listener a moment later; a client
	 * reading right after its own write must not be served what the cache
	 * held before it.  Other instances wait for the notification. */
	cache_invalidate(req->route->depends ? req->route->depends : DATA_ALL);
}

void write_audit_refused(struct request *req, const struct response *res)
{
	if (!req->db)
		req->db = db_acquire();
	if (req->db)
		audit(req, res, "refused");
}
