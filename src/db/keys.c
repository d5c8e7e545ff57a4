/*
 * keys.c - the statements behind API-key authentication (see keys.h).
 */
#include "db/keys.h"

#include <stdio.h>

const struct db_statement keys_statements[] = {
	{ "auth_key",
	  "SELECT k.key_hash, array_to_string(k.scopes, ','), k.revoked_at IS NOT NULL,"
	  " o.id, o.slug, o.kind, k.id, coalesce(k.expires_at <= now(), false),"
	  " k.replaced_by IS NOT NULL,"
	  " coalesce(to_char(k.expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), '')"
	  " FROM api_keys k JOIN organisations o ON o.id = k.organisation_id"
	  " WHERE k.prefix = $1", 1 },
	/* last_used_at to the minute: one write a minute per key, not one
	 * per request. */
	{ "auth_touch",
	  "UPDATE api_keys SET last_used_at = now() WHERE id = $1"
	  " AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')", 1 },
};
const unsigned keys_nstatements = sizeof(keys_statements) / sizeof(keys_statements[0]);

#define COPY(field, col) snprintf(out->field, sizeof(out->field), "%s", PQgetvalue(r, 0, col))

enum db_status keys_find_by_prefix(struct db_conn *c, const char *prefix,
				   struct key_record *out, bool *found)
{
	const char *params[1] = { prefix };
	PGresult *r = NULL;
	enum db_status st = db_exec(c, "auth_key", 1, params, &r);

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

enum db_status keys_touch(struct db_conn *c, const char *key_id)
{
	const char *params[1] = { key_id };

	return db_exec(c, "auth_touch", 1, params, NULL);
}
