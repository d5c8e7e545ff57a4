/*
 * keys_cli.c - the keys subcommand (see keys_cli.h).
 */
#include "keys_cli.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "db/db.h"
#include "domain/apikey.h"
#include "util/random.h"
#include "util/sha256.h"

static int usage(const char *what)
{
	fprintf(stderr, "equalities-api: %s\n"
		"usage: equalities-api keys create --org SLUG --scopes SCOPE[,SCOPE...]\n"
		"       equalities-api keys list [--org SLUG]\n"
		"       equalities-api keys revoke PREFIX\n"
		"scopes: submit:returns review:returns submit:hate-crime read:hate-crime\n"
		"        manage:action-plan manage:indicators admin manage:impact-assessments\n", what);
	return 2;
}

static const char *option(int argc, char **argv, const char *name)
{
	size_t len = strlen(name);

	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], name) == 0 && i + 1 < argc)
			return argv[i + 1];
		if (strncmp(argv[i], name, len) == 0 && argv[i][len] == '=')
			return argv[i] + len + 1;
	}
	return NULL;
}

/* Scopes as a PostgreSQL array literal; names are from our fixed list, so
 * they need no quoting. */
static void scopes_literal(unsigned mask, char *out, size_t size)
{
	size_t used = 0;

	used += (size_t)snprintf(out + used, size - used, "{");
	for (unsigned bit = 1; bit <= SCOPE_MANAGE_IMPACT_ASSESSMENTS; bit <<= 1)
		if (mask & bit)
			used += (size_t)snprintf(out + used, size - used, "%s%s",
						 used > 1 ? "," : "", apikey_scope_name(bit));
	snprintf(out + used, size - used, "}");
}

/*
 * A key change and its audit event in one statement: change is an UPDATE
 * or INSERT on api_keys returning organisation_id and prefix, action the
 * audit name.  One row back when a key changed, none when none did.
 */
#define AUDITED(change, action) \
	"WITH k AS (" change " RETURNING organisation_id, prefix)" \
	" INSERT INTO audit_events (organisation_id, key_prefix, request_id, action, target, outcome, status)" \
	" SELECT organisation_id, prefix, 'cli', '" action "', prefix, 'success', 0 FROM k" \
	" RETURNING key_prefix"

/*
 * Run an AUDITED statement: 0 when it changed a key, else 1 after saying
 * why on stderr (the database's message, or missing_fmt when it matched no
 * key).
 */
__attribute__((format(printf, 5, 6)))
static int audited_change(PGconn *pg, const char *sql, int nparams, const char *const *params,
			  const char *missing_fmt, ...)
{
	char err[512];
	PGresult *r;
	int rows;
	va_list ap;

	if (db_direct_exec(pg, sql, nparams, params, &r, err, sizeof(err))) {
		fprintf(stderr, "equalities-api: %s\n", err);
		return 1;
	}
	rows = PQntuples(r);
	PQclear(r);
	if (rows == 1)
		return 0;
	fputs("equalities-api: ", stderr);
	va_start(ap, missing_fmt);
	vfprintf(stderr, missing_fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 1;
}

static int keys_create(PGconn *pg, int argc, char **argv)
{
	const char *org = option(argc, argv, "--org");
	const char *scope_text = option(argc, argv, "--scopes");
	char bad[64], scopes[256], hex_prefix[13], secret[49], key[APIKEY_LEN + 1];
	char prefix[APIKEY_PREFIX_LEN + 1], hash[SHA256_HEX_LEN + 1];
	unsigned mask;

	if (!org || !scope_text)
		return usage("keys create needs --org and --scopes");
	if (apikey_scopes_parse(scope_text, &mask, bad, sizeof(bad)) != 0) {
		fprintf(stderr, "equalities-api: unknown scope '%s'\n", bad);
		return usage("bad --scopes");
	}
	if (random_hex(hex_prefix, 6) != 0 || random_hex(secret, 24) != 0) {
		fprintf(stderr, "equalities-api: the kernel's random source failed\n");
		return 1;
	}
	snprintf(prefix, sizeof(prefix), "eq_%s", hex_prefix);
	snprintf(key, sizeof(key), "%s_%s", prefix, secret);
	sha256_hex(key, strlen(key), hash);
	scopes_literal(mask, scopes, sizeof(scopes));
	{
		const char *p[4] = { org, prefix, hash, scopes };

		if (audited_change(pg, AUDITED("INSERT INTO api_keys (organisation_id, prefix, key_hash, scopes)"
					       "  SELECT id, $2, $3, $4::text[] FROM organisations WHERE slug = $1",
					       "api_key.create"),
				   4, p,
				   "unknown organisation '%s' (organisations are loaded by seed from data/organisations.csv)",
				   org))
			return 1;
	}
	fprintf(stderr, "created key %s for %s with scopes %s; it is shown once, below, and only its hash is stored\n",
		prefix, org, scopes);
	printf("%s\n", key);
	return 0;
}

static int keys_list(PGconn *pg, int argc, char **argv)
{
	const char *org = option(argc, argv, "--org");
	const char *p[1] = { org };
	char err[512];
	PGresult *r;

	if (db_direct_exec(pg,
		"SELECT k.prefix, o.slug, array_to_string(k.scopes, ','),"
		" to_char(k.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),"
		" coalesce(to_char(k.last_used_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), '-'),"
		" coalesce(to_char(k.revoked_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), '-')"
		" FROM api_keys k JOIN organisations o ON o.id = k.organisation_id"
		" WHERE $1::text IS NULL OR o.slug = $1 ORDER BY o.slug, k.created_at",
		1, p, &r, err, sizeof(err))) {
		fprintf(stderr, "equalities-api: %s\n", err);
		return 1;
	}
	printf("%-16s %-24s %-20s %-20s %-20s %s\n", "PREFIX", "ORGANISATION", "CREATED", "LAST_USED",
	       "REVOKED", "SCOPES");
	for (int i = 0; i < PQntuples(r); i++)
		printf("%-16s %-24s %-20s %-20s %-20s %s\n", PQgetvalue(r, i, 0), PQgetvalue(r, i, 1),
		       PQgetvalue(r, i, 3), PQgetvalue(r, i, 4), PQgetvalue(r, i, 5), PQgetvalue(r, i, 2));
	PQclear(r);
	return 0;
}

static int keys_revoke(PGconn *pg, int argc, char **argv)
{
	const char *prefix = argc > 2 ? argv[2] : NULL;

	if (!prefix || argc > 3)
		return usage("keys revoke takes one PREFIX");
	if (!apikey_prefix_valid(prefix)) {
		fprintf(stderr, "equalities-api: '%s' is not a key prefix (eq_ and 12 hex digits)\n", prefix);
		return 2;
	}
	if (audited_change(pg, AUDITED("UPDATE api_keys SET revoked_at = now()"
				       "  WHERE prefix = $1 AND revoked_at IS NULL",
				       "api_key.revoke"),
			   1, &prefix, "no active key %s", prefix))
		return 1;
	fprintf(stderr, "revoked %s: it stops working on its next request\n", prefix);
	return 0;
}

int keys_cli_run(PGconn *pg, int argc, char **argv)
{
	if (argc < 2)
		return usage("keys needs create, list or revoke");
	if (strcmp(argv[1], "create") == 0)
		return keys_create(pg, argc, argv);
	if (strcmp(argv[1], "list") == 0)
		return keys_list(pg, argc, argv);
	if (strcmp(argv[1], "revoke") == 0)
		return keys_revoke(pg, argc, argv);
	return usage("keys needs create, list or revoke");
}
