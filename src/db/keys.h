/*
 * keys.h - the API keys table, as the authentication of a request needs it:
 * one key looked up by its public prefix, and its last use recorded, in one
 * statement.
 *
 * The statements are registered once at start (db_register_statements with
 * keys_statements); keys_find_and_touch then runs on a pooled connection the
 * caller holds.  No policy here: whether the hash matches, whether a revoked
 * key or a missing scope is a 401 or a 403, is http/auth.c's business.
 */
#ifndef EQ_DB_KEYS_H
#define EQ_DB_KEYS_H

#include <stdbool.h>

#include "db/db.h"

extern const struct db_statement keys_statements[];
extern const unsigned keys_nstatements;

/* One key and its organisation, copied out of the result (no pointers into
 * libpq memory: the struct is the caller's, on its stack).  Text longer
 * than a field is cut, which no valid row is. */
struct key_record {
	char key_hash[65];      /* hex SHA-256 of the whole key */
	char scopes[512];       /* "read:x,submit:y" */
	bool revoked;
	bool expired;           /* expires_at has passed */
	bool rotated;           /* a successor was issued (keys rotate) */
	char expires_at[32];    /* "2026-01-31T00:00:00Z", "" when it never expires */
	char org_id[24];        /* the sizes of struct request's auth */
	char org_slug[65];
	char org_kind[24];
	char key_id[24];        /* the row's id */
};

/*
 * The key with this prefix into *out, and, when hash (the hex SHA-256 of
 * the whole key presented) is that key's and the key is neither revoked nor
 * expired, its last use recorded: at most once a minute per key (one write
 * a minute, not one per request), in the same statement.  DB_OK with
 * *found true or false; any other status (DB_UNAVAILABLE, DB_TIMEOUT,
 * DB_ERROR) leaves *found false and *out unspecified.
 */
__attribute__((warn_unused_result))
enum db_status keys_find_and_touch(struct db_conn *c, const char *prefix, const char *hash,
				   struct key_record *out, bool *found);

#endif
