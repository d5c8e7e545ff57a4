/*
 * auth.c - bearer keys to organisations and scopes (see auth.h).
 */
#include "http/auth.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "db/keys.h"
#include "domain/apikey.h"
#include "domain/scopes.h"
#include "http/audit.h"
#include "http/ratelimit.h"
#include "http/request.h"
#include "http/response.h"
#include "util/sha256.h"

/* A 401 is a failed authentication: it counts against the client's address
 * and the real key presented, if any (ratelimit.h), which is what makes
 * guessing hopeless without locking out other keys at that address. */
static void unauthorized(const struct request *req, struct response *res, const char *detail)
{
	ratelimit_auth_failed(req->client, request_header(req, "Authorization"),
			      req->auth.key_prefix[0] || req->auth.presented_prefix[0]);
	problem_send(res, 401, "unauthorized", "Authentication required", detail);
	(void)response_header_add(res, "WWW-Authenticate",
				  "Bearer realm=\"equalities-api\", error=\"invalid_token\"");
}

/* The key is known and its secret matched: why it may not be used still,
 * into detail (401), or 0 when it may. */
static int key_unusable(const struct key_record *k, char *detail, size_t size)
{
	if (k->revoked)
		snprintf(detail, size, "This API key has been revoked.");
	else if (k->expired && k->rotated)
		snprintf(detail, size, "This API key was rotated and its overlap ended at %s; use its successor.",
			 k->expires_at);
	else if (k->expired)
		snprintf(detail, size, "This API key expired at %s.", k->expires_at);
	else
		return 0;
	return -1;
}

/*
 * A key holding scopes its organisation's kind may not hold (domain/
 * scopes.h), made before the rule or past it: refused outright, whatever
 * the route, with an audit event, so that the council learns of it.
 */
static int kind_refused(struct request *req, struct response *res, unsigned mask)
{
	unsigned refused = scopes_refused_for_kind(req->auth.org_kind, mask);
	char names[160], allowed[160];

	if (!refused)
		return 0;
	scopes_join(refused, ", ", names, sizeof(names));
	scopes_join(scopes_allowed_for_kind(req->auth.org_kind), ", ", allowed, sizeof(allowed));
	problem_sendf(res, 403, "forbidden", "Forbidden",
		      "This API key holds scopes a %s organisation may not hold (%s), so it is refused on every route; "
		      "ask the council for a new key. A %s may hold: %s.",
		      req->auth.org_kind, names, req->auth.org_kind, allowed[0] ? allowed : "no scope");
	http_audit(req, res, "api_key.scope_refused", "refused", -1, false);
	return -1;
}

/* The key row for prefix into *row (found or not), its use recorded when
 * hash is its own, or -1 after a 503/500. */
static int lookup_or_respond(struct request *req, struct response *res, const char *prefix,
			     const char *hash, struct key_record *row, bool *found)
{
	enum db_status st;

	if (!request_db_or_respond(req, res))
		return -1;
	st = keys_find_and_touch(req->db, prefix, hash, row, found);
	if (st == DB_OK)
		return 0;
	if (st == DB_UNAVAILABLE || st == DB_TIMEOUT)
		problem_send_unavailable(res);
	else
		problem_send_internal(res);
	return -1;
}

/* The route's scope ("a,b": any one will do) against the key's. */
static int scope_or_respond(const struct request *req, struct response *res, const char *scope,
			    unsigned need)
{
	char detail[160];

	if (need && (req->auth.scopes & need))
		return 0;
	if (strchr(scope, ','))
		snprintf(detail, sizeof(detail), "This API key has none of the scopes %s.", scope);
	else
		snprintf(detail, sizeof(detail), "This API key does not have the scope %s.", scope);
	problem_send(res, 403, "forbidden", "Forbidden", detail);
	return -1;
}

/* The key after "Bearer " and its spaces, or NULL when the header is not
 * of that form. */
static const char *bearer(const char *header)
{
	if (!header || strncasecmp(header, "Bearer ", 7) != 0)
		return NULL;
	header += 7;
	while (*header == ' ')
		header++;
	return header;
}

bool auth_presented_prefix(const struct request *req, char *prefix)
{
	const char *key = bearer(request_header(req, "Authorization"));

	return key && apikey_parse(key, prefix);
}

int auth_check_or_respond(struct request *req, struct response *res, const char *scope)
{
	const char *header = request_header(req, "Authorization");
	const char *key;
	char prefix[APIKEY_PREFIX_LEN + 1], hash[SHA256_HEX_LEN + 1], detail[160];
	struct key_record key_row;
	unsigned mask = 0, need = 0;
	bool found, known;

	if (apikey_scopes_parse(scope, &need, detail, sizeof(detail)) != 0)
		need = 0;
	if (!header) {
		unauthorized(req, res, "This endpoint needs an API key: send Authorization: Bearer <key>.");
		return -1;
	}
	if (!(key = bearer(header))) {
		unauthorized(req, res, "The Authorization header must be: Bearer <key>.");
		return -1;
	}
	if (!apikey_parse(key, prefix)) {
		unauthorized(req, res, "The API key is malformed.");
		return -1;
	}
	/* Hashed whatever the prefix, so that an unknown key and a wrong
	 * secret take the same time. */
	sha256_hex(key, strlen(key), hash);
	if (lookup_or_respond(req, res, prefix, hash, &key_row, &found) != 0)
		return -1;
	known = found;
	found = found && apikey_equal_ct(hash, key_row.key_hash, SHA256_HEX_LEN);
	/* The audit trail names a key only when its secret was shown; a real
	 * key's prefix presented without it is kept apart, and an invented
	 * prefix nowhere (migrations/0014_key_policy.sql). */
	snprintf(found ? req->auth.key_prefix : req->auth.presented_prefix,
		 sizeof(req->auth.key_prefix), "%s", known ? prefix : "");
	/* Guessing whole keys: 429 once the address has guessed enough. */
	if (!known && ratelimit_unknown_key_or_respond(req, res) != 0)
		return -1;
	if (!found) {
		unauthorized(req, res, "This API key is not known.");
		return -1;
	}
	if (key_unusable(&key_row, detail, sizeof(detail)) != 0) {
		unauthorized(req, res, detail);
		return -1;
	}
	if (apikey_scopes_parse(key_row.scopes, &mask, detail, sizeof(detail)) != 0)
		mask = 0;
	snprintf(req->auth.org_id, sizeof(req->auth.org_id), "%s", key_row.org_id);
	snprintf(req->auth.org_slug, sizeof(req->auth.org_slug), "%s", key_row.org_slug);
	snprintf(req->auth.org_kind, sizeof(req->auth.org_kind), "%s", key_row.org_kind);
	req->auth.scopes = mask;
	if (kind_refused(req, res, mask) != 0 || scope_or_respond(req, res, scope, need) != 0)
		return -1;
	req->auth.authenticated = true;
	return 0;
}
