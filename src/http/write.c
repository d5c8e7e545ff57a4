/*
 * write.c - transactions, idempotency and audit for writes (see write.h).
 */
#include "http/write.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/write_frame.h"
#include "domain/apikey.h"
#include "http/audit.h"
#include "http/auth.h"
#include "http/cache.h"
#include "http/request.h"
#include "http/response.h"
#include "util/log.h"
#include "util/sha256.h"

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

static const char *action_of(const struct request *req)
{
	return req->route && req->route->action ? req->route->action : "write";
}

/* With the COMMIT (queued), or on its own after a ROLLBACK. */
static void audit(struct request *req, const struct response *res, const char *outcome, bool queued)
{
	http_audit(req, res, action_of(req), outcome, -1, queued);
}

static void fail_unavailable(struct request *req, struct response *res)
{
	db_rollback(req->db);
	problem_send_unavailable(res);
}

/* The same request again: the first answer, nothing written. */
static void replay(struct response *res, const struct idempotency_answer *a)
{
	response_bytes(res, a->status,
		       strcmp(a->content_type, "application/json") == 0 ? "application/json" : "application/problem+json",
		       a->body, a->body_len);
	(void)response_header_add(res, "Idempotent-Replayed", "true");
	if (a->location)
		(void)response_header_add(res, "Location", a->location);
	if (a->etag)
		(void)response_header_add(res, "ETag", a->etag);
}

/* An idempotent write with a valid key, whose API key's prefix is known
 * (into prefix) before the key is checked: its transaction and claim travel
 * with the key's look-up. */
static bool claim_travels(const struct request *req, char *prefix)
{
	const char *key = request_header(req, "Idempotency-Key");

	return req->route->scope && (req->route->flags & ROUTE_IDEMPOTENT) && key &&
	       idempotency_key_valid(key) && auth_presented_prefix(req, prefix);
}

int write_prepare(struct request *req, struct response *res)
{
	char prefix[APIKEY_PREFIX_LEN + 1];
	const char *p[2] = { prefix, request_header(req, "Idempotency-Key") };
	struct db_call calls[2];

	if (!claim_travels(req, prefix))
		return 0;
	if (!request_db_or_respond(req, res))
		return -1;
	idempotency_claim_calls(p, calls);
	if (db_begin_after_next(req->db, calls, 2) != DB_OK) {
		problem_send_unavailable(res);
		return -1;
	}
	return 0;
}

int write_begin_or_respond(struct request *req, struct response *res)
{
	const char *key = request_header(req, "Idempotency-Key");
	char hash[SHA256_HEX_LEN + 1], prefix[APIKEY_PREFIX_LEN + 1];
	struct idempotency_answer first;
	bool claimed, found, travelled = claim_travels(req, prefix);
	enum db_status st;

	if (!request_db_or_respond(req, res))
		return -1;
	if (!travelled && db_begin(req->db) != DB_OK) {
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
	st = travelled ? idempotency_claim_read(db_prefetched(req->db, 0), db_prefetched(req->db, 1),
						&claimed, &first, &found)
		       : idempotency_claim_find(req->db, req->auth.org_id, key, &claimed, &first, &found);
	if (st != DB_OK) {
		fail_unavailable(req, res);
		return -1;
	}
	if (!claimed) {
		db_rollback(req->db);
		problem_send(res, 409, "idempotency-in-flight", "Request in progress",
			     "A request with this Idempotency-Key is still being processed; retry shortly for its result.");
		(void)response_header_add(res, "Retry-After", "1");
		return -1;
	}
	if (!found)
		return 0;
	request_fingerprint(req, hash);
	if (strcmp(first.request_hash, hash) != 0)
		problem_send(res, 422, "idempotency-key-reused", "Idempotency-Key reused",
			     "This Idempotency-Key was used with a different request; use a new key for a new request.");
	else
		replay(res, &first);
	idempotency_answer_release(&first);
	db_rollback(req->db);
	return -1;
}

/* The success queued to go out with the COMMIT: its audit event and, with
 * an Idempotency-Key, the answer stored under it (one statement for both).
 * 0, or -1 when it could not be queued. */
static int record_success(struct request *req, const struct response *res, const char *key)
{
	char hash[SHA256_HEX_LEN + 1];
	struct audit_event success;
	const struct idempotency_record rec = {
		.org_id = req->auth.org_id,
		.key = key,
		.request_hash = hash,
		.status = res->status,
		.content_type = res->content_type ? res->content_type : "application/json",
		.body = buf_cstr(&res->body),
		.location = response_header_get(res, "Location"),
		.etag = response_header_get(res, "ETag"),
	};

	if (!key || !(req->route->flags & ROUTE_IDEMPOTENT)) {
		audit(req, res, "success", true);
		return 0;
	}
	request_fingerprint(req, hash);
	http_audit_event(req, res, action_of(req), "success", -1, &success);
	return idempotency_store(req->db, &rec, &success) == DB_OK ? 0 : -1;
}

void write_commit_with_next(struct request *req, const struct response *res,
			    const struct write_answer *a)
{
	const char *key = request_header(req, "Idempotency-Key");
	char hash[SHA256_HEX_LEN + 1];
	struct audit_event success;
	/* The body and ETag are the final statement's own (in SQL). */
	const struct idempotency_record rec = { req->auth.org_id, key, hash, a->status,
						"application/json", NULL, a->location, NULL };
	bool keyed = key && (req->route->flags & ROUTE_IDEMPOTENT);

	if (!req->db || !(req->route->flags & ROUTE_WRITE))
		return;
	if (keyed)
		request_fingerprint(req, hash);
	http_audit_event(req, res, action_of(req), "success", -1, &success);
	success.status = a->status;
	success.target = a->target;
	if (write_commit_after_next(req->db, keyed ? &rec : NULL, &success) != DB_OK)
		log_event(LOG_WARN, "a write's end could not be queued with its last statement", NULL);
}

void write_finish(struct request *req, struct response *res)
{
	const char *key = request_header(req, "Idempotency-Key");
	bool ok = res->status >= 200 && res->status < 300;
	enum db_status ended = DB_OK;
	/* The handler's last statement may have committed already, its
	 * success recorded with it (write_commit_with_next). */
	bool committed_with_handler = req->db && db_ended(req->db, &ended);

	if (!req->db)
		return;
	if (!ok) {
		db_rollback(req->db);
		audit(req, res, res->status >= 500 ? "failed" : "refused", false);
		return;
	}
	if (!committed_with_handler && record_success(req, res, key) != 0) {
		fail_unavailable(req, res);
		return;
	}
	if ((committed_with_handler ? ended : db_commit(req->db)) != DB_OK) {
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

void write_audit_read(struct request *req, const struct response *res)
{
	if (!req->db)
		req->db = db_acquire();
	http_audit(req, res, req->route->action ? req->route->action : "read", "success",
		   res->records >= 0 ? res->records : 1, false);
}

void write_audit_refused(struct request *req, const struct response *res)
{
	if (!req->db)
		req->db = db_acquire();
	if (req->db)
		audit(req, res, "refused", false);
}
