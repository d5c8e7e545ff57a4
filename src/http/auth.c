/*
 * auth.c - bearer keys to organisations and scopes (see auth.h).
 */
#include "http/auth.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "db/keys.h"
#include "domain/apikey.h"
#include "http/ratelimit.h"
#include "http/request.h"
#include "http/response.h"
#include "util/log.h"
#include "util/sha256.h"

/* A 401 is a failed authentication: it counts against the client's address
 * (ratelimit.h), which is what makes guessing keys hopeless. */
static void unauthorized(const struct request *req, struct response *res, const char *detail)
{
	ratelimit_auth_failed(req->client);
	problem_send(res, 401, "unauthorized", "Authentication required", detail);
	(void)response_header_add(res, "WWW-Authenticate",
				  "Bearer realm=\"equalities-api\", error=\"invalid_token\"");
}

int auth_check_or_respond(struct request *req, struct response *res, const char *scope)
{
	const char *header = request_header(req, "Authorization");
	const char *key;
	char prefix[APIKEY_PREFIX_LEN + 1], hash[SHA256_HEX_LEN + 1], detail[160];
	struct key_record key_row;
	/* "a,b": a key with any one of the scopes will do. */
	unsigned mask = 0, need = 0;
	bool found;

	if (apikey_scopes_parse(scope, &need, detail, sizeof(detail)) != 0)
		need = 0;
	if (!header) {
		unauthorized(req, res, "This endpoint needs an API key: send Authorization: Bearer <key>.");
		return -1;
	}
	if (strncasecmp(header, "Bearer ", 7) != 0) {
		unauthorized(req, res, "The Authorization header must be: Bearer <key>.");
		return -1;
	}
	for (key = header + 7; *key == ' '; key++)
		;
	if (!apikey_parse(key, prefix)) {
		unauthorized(req, res, "The API key is malformed.");
		return -1;
	}
	if (!request_db_or_respond(req, res))
		return -1;
	switch (keys_find_by_prefix(req->db, prefix, &key_row, &found)) {
	case DB_OK:
		break;
	case DB_UNAVAILABLE:
	case DB_TIMEOUT:
		problem_send_unavailable(res);
		return -1;
	default:
		problem_send_internal(res);
		return -1;
	}
	/* Hash even when the prefix is unknown, so that an unknown key and a
	 * wrong secret take the same time. */
	sha256_hex(key, strlen(key), hash);
	found = found && apikey_equal_ct(hash, key_row.key_hash, SHA256_HEX_LEN);
	/* Keep the prefix for the audit trail, refused or not; it is not secret. */
	snprintf(req->auth.key_prefix, sizeof(req->auth.key_prefix), "%s", prefix);
	if (!found || key_row.revoked) {
		unauthorized(req, res, found ? "This API key has been revoked." : "This API key is not known.");
		return -1;
	}
	{
		char bad[32];

		if (apikey_scopes_parse(key_row.scopes, &mask, bad, sizeof(bad)) != 0)
			mask = 0;
	}
	snprintf(req->auth.org_id, sizeof(req->auth.org_id), "%s", key_row.org_id);
	snprintf(req->auth.org_slug, sizeof(req->auth.org_slug), "%s", key_row.org_slug);
	snprintf(req->auth.org_kind, sizeof(req->auth.org_kind), "%s", key_row.org_kind);
	req->auth.scopes = mask;
	if (keys_touch(req->db, key_row.key_id) != DB_OK)
		log_event(LOG_WARN, "could not record a key's last use", NULL);
	if (!need || !(mask & need)) {
		if (strchr(scope, ','))
			snprintf(detail, sizeof(detail), "This API key has none of the scopes %s.", scope);
		else
			snprintf(detail, sizeof(detail), "This API key does not have the scope %s.", scope);
		problem_send(res, 403, "forbidden", "Forbidden", detail);
		return -1;
	}
	req->auth.authenticated = true;
	return 0;
}
