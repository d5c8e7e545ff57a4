/*
 * keys.c - the statements behind API-key authentication (see keys.h).
 */
#include "db/keys.h"

#include <stdio.h>

const struct db_statement keys_statements[] = {
	/* last_used_at to the minute: one write a minute per key, not one
	 * per request; only for the key whose secret was shown ($2, the hash
	 * of the whole key) and that may still be used.  In the look-up's own
	 * statement (a writable CTE: one statement, not two, per request). */
	{ "auth_key",
	  "WITH touch AS (UPDATE api_keys SET last_used_at = now() WHERE prefix = $1 AND key_hash = $2"
	  " AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())"
	  " AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute'))"
	  " SELECT k.key_hash, array_to_string(k.scopes, ','), k.revoked_at IS NOT NULL,"
	  " o.id, o.slug, o.kind, k.id, coalesce(k.expires_at <= now(), false),"
	  " k.replaced_by IS NOT NULL,"
	  " coalesce(to_char(k.expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), '')"
	  " FROM api_keys k JOIN organisations o ON o.id = k.organisation_id"
	  " WHERE k.prefix = $1", 2 },
};
const unsigned keys_nstatements = sizeof(keys_statements) / sizeof(keys_statements[0]);

#define COPY(field, col) snprintf(out->field, sizeof(out->field), "%s", PQgetvalue(r, 0, col))

enum db_status keys_find_and_touch(struct db_conn *c, const char *prefix, const char *hash,
				   struct key_record *out, bool *found)
{
	const char *params[2] = { prefix, hash };
	PGresult *r = NULL;
	enum db_status st = db_exec(c, "auth_key", 2, params, &r);

	*found = false;
	if (st != DB_OK)
		return st;
	if (PQntuples(r) == 1) {
		COPY(key_hash, 0);
		COPY(scopes, 1);
		out->revoked = PQgetvalue(r, 0, 2)[0] == 't';
		COPY(org_id, 3);
		COPY(org_slug, 4);
		COPY(org_kind, 5);
		COPY(key_id, 6);
		out->expired = PQgetvalue(r, 0, 7)[0] == 't';
		out->rotated = PQgetvalue(r, 0, 8)[0] == 't';
		COPY(expires_at, 9);
		*found = true;
	}
	PQclear(r);
	return DB_OK;
}
