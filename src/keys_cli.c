/*
 * keys_cli.c - the keys subcommand (see keys_cli.h).
 */
#include "keys_cli.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "db/db.h"
#include "domain/apikey.h"
#include "domain/scopes.h"
#include "util/random.h"
#include "util/sha256.h"

static const char keys_usage[] =
	"usage: equalities-api keys create --org SLUG --scopes SCOPE[,SCOPE...] [--expires DATE]\n"
	"       equalities-api keys list [--org SLUG]\n"
	"       equalities-api keys revoke PREFIX\n"
	"       equalities-api keys rotate PREFIX [--overlap DURATION]\n"
	"scopes: submit:returns review:returns submit:hate-crime read:hate-crime\n"
	"        manage:action-plan manage:indicators admin manage:impact-assessments\n"
	"        manage:reports\n"
	"        (council: any; partner: submit:returns;\n"
	"         reporting_centre and police: submit:hate-crime read:hate-crime)\n"
	"DATE: YYYY-MM-DD (00:00 UTC) or an RFC 3339 time; DURATION: 30m, 12h, 7d (default 24h)\n"
	"--org is an organisation's slug from data/organisations.csv (loaded by seed),\n"
	"        such as barnet-council or partner-care\n";

void keys_cli_usage(FILE *out)
{
	fputs(keys_usage, out);
}

bool keys_cli_is_help(int argc, char **argv)
{
	return argc >= 3 && (strcmp(argv[2], "--help") == 0 || strcmp(argv[2], "-h") == 0 ||
	       strcmp(argv[2], "help") == 0);
}

static int usage(const char *what)
{
	fprintf(stderr, "equalities-api: %s\n%s", what, keys_usage);
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
	for (unsigned bit = 1; bit && bit <= APIKEY_ALL_SCOPES; bit <<= 1)
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

/*
 * The organisation's kind into kind, or 1 after saying on stderr that it is
 * unknown, with the organisations there are.
 */
static int org_kind(PGconn *pg, const char *org, char *kind, size_t size)
{
	const char *p[1] = { org };
	char err[512];
	PGresult *r;
	int rc = 1;

	if (db_direct_exec(pg, "SELECT kind, (SELECT string_agg(slug, ', ' ORDER BY slug) FROM organisations)"
			   " FROM (SELECT 1) one LEFT JOIN organisations ON slug = $1", 1, p, &r,
			   err, sizeof(err))) {
		fprintf(stderr, "equalities-api: %s\n", err);
		return 1;
	}
	if (PQntuples(r) == 1 && !PQgetisnull(r, 0, 0)) {
		snprintf(kind, size, "%s", PQgetvalue(r, 0, 0));
		rc = 0;
	} else {
		fprintf(stderr, "equalities-api: unknown organisation '%s'; organisations: %s"
			" (loaded by seed from data/organisations.csv)\n", org,
			PQntuples(r) == 1 && !PQgetisnull(r, 0, 1) ? PQgetvalue(r, 0, 1) : "none");
	}
	PQclear(r);
	return rc;
}

/* The scopes parsed and fitted to the organisation's kind, or 2 after
 * saying why, with the valid values. */
static int scopes_for(const char *text, const char *kind, unsigned *mask)
{
	char bad[64], names[200];

	if (apikey_scopes_parse(text, mask, bad, sizeof(bad)) != 0) {
		scopes_join_all(", ", names, sizeof(names));
		fprintf(stderr, "equalities-api: unknown scope '%s'; scopes: %s\n", bad, names);
		return 2;
	}
	if (scopes_refused_for_kind(kind, *mask)) {
		char refused[200];

		scopes_join(scopes_refused_for_kind(kind, *mask), ", ", refused, sizeof(refused));
		scopes_join(scopes_allowed_for_kind(kind), ", ", names, sizeof(names));
		fprintf(stderr, "equalities-api: a %s organisation may not hold %s; a %s may hold: %s\n",
			kind, refused, kind, names[0] ? names : "no scope");
		return 2;
	}
	return 0;
}

/* --expires as a timestamptz literal: a date is its midnight UTC. */
static int expiry_text(const char *given, char *out, size_t size)
{
	size_t len = strlen(given);

	if (len < 10 || len > 40 || strspn(given, "0123456789-:TZ+.") != len) {
		fprintf(stderr, "equalities-api: --expires must be a date (YYYY-MM-DD) or an RFC 3339 time, got '%s'\n",
			given);
		return 2;
	}
	snprintf(out, size, "%.40s%s", given, len == 10 ? "T00:00:00Z" : "");
	return 0;
}

/* A new key's prefix, whole text and hash; 1 when the kernel fails us. */
static int new_key(char prefix[APIKEY_PREFIX_LEN + 1], char key[APIKEY_LEN + 1],
		   char hash[SHA256_HEX_LEN + 1])
{
	char hex_prefix[13], secret[49];

	if (random_hex(hex_prefix, 6) != 0 || random_hex(secret, 24) != 0) {
		fprintf(stderr, "equalities-api: the kernel's random source failed\n");
		return 1;
	}
	snprintf(prefix, APIKEY_PREFIX_LEN + 1, "eq_%s", hex_prefix);
	snprintf(key, APIKEY_LEN + 1, "%s_%s", prefix, secret);
	sha256_hex(key, strlen(key), hash);
	return 0;
}

int keys_make(PGconn *pg, const char *org, const char *scope_text, const char *until,
	      char key[APIKEY_LEN + 1], char prefix[APIKEY_PREFIX_LEN + 1])
{
	char scopes[256], kind[32], hash[SHA256_HEX_LEN + 1];
	unsigned mask;
	int rc;

	if ((rc = org_kind(pg, org, kind, sizeof(kind))) != 0 ||
	    (rc = scopes_for(scope_text, kind, &mask)) != 0 ||
	    (rc = new_key(prefix, key, hash)) != 0)
		return rc;
	scopes_literal(mask, scopes, sizeof(scopes));
	{
		const char *p[5] = { org, prefix, hash, scopes, until };

		if (audited_change(pg, AUDITED("INSERT INTO api_keys (organisation_id, prefix, key_hash, scopes, expires_at)"
					       "  SELECT id, $2, $3, $4::text[], $5::timestamptz FROM organisations"
					       "  WHERE slug = $1 AND ($5::timestamptz IS NULL OR $5::timestamptz > now())",
					       "api_key.create"),
				   5, p, "--expires %s is not in the future", until ? until : "-"))
			return 1;
	}
	fprintf(stderr, "created key %s for %s with scopes %s%s%s; only its hash is stored\n",
		prefix, org, scopes, until ? ", expiring " : "", until ? until : "");
	return 0;
}

static int keys_create(PGconn *pg, int argc, char **argv)
{
	const char *org = option(argc, argv, "--org");
	const char *scope_text = option(argc, argv, "--scopes");
	const char *expires = option(argc, argv, "--expires");
	char key[APIKEY_LEN + 1], until[64] = "";
	char prefix[APIKEY_PREFIX_LEN + 1];
	int rc;

	if (!org || !scope_text)
		return usage("keys create needs --org and --scopes");
	if ((expires && (rc = expiry_text(expires, until, sizeof(until))) != 0) ||
	    (rc = keys_make(pg, org, scope_text, expires ? until : NULL, key, prefix)) != 0)
		return rc;
	fprintf(stderr, "key %s is shown once, below\n", prefix);
	printf("%s\n", key);
	return 0;
}

/* "30m", "12h", "7d", "0" as a PostgreSQL interval, or 2 after saying why. */
static int overlap_interval(const char *given, char *out, size_t size)
{
	static const struct { char unit; const char *name; } units[] = {
		{ 's', "seconds" }, { 'm', "minutes" }, { 'h', "hours" }, { 'd', "days" },
	};
	size_t digits = strspn(given, "0123456789");

	if (strcmp(given, "0") == 0) {
		snprintf(out, size, "0 seconds");
		return 0;
	}
	for (size_t i = 0; digits > 0 && digits <= 6 && i < sizeof(units) / sizeof(units[0]); i++)
		if (given[digits] == units[i].unit && given[digits + 1] == '\0') {
			snprintf(out, size, "%.*s %s", (int)digits, given, units[i].name);
			return 0;
		}
	fprintf(stderr, "equalities-api: --overlap must be a number and a unit (s, m, h, d), such as 24h or 7d, got '%s'\n",
		given);
	return 2;
}

/*
 * keys rotate PREFIX: a successor with the same organisation and scopes
 * (and expiry, if the old key had one later than the overlap), and the old
 * key's expiry brought forward to now + overlap, in one statement with one
 * audit event naming both.  Clients switch keys within the overlap.
 */
static int keys_rotate(PGconn *pg, int argc, char **argv)
{
	const char *prefix = argc > 2 ? argv[2] : NULL;
	const char *overlap = option(argc, argv, "--overlap");
	char interval[48], key[APIKEY_LEN + 1], new_prefix[APIKEY_PREFIX_LEN + 1];
	char hash[SHA256_HEX_LEN + 1];
	int rc;

	if (!prefix || prefix[0] == '-')
		return usage("keys rotate takes one PREFIX");
	if (!apikey_prefix_valid(prefix)) {
		fprintf(stderr, "equalities-api: '%s' is not a key prefix (eq_ and 12 hex digits)\n", prefix);
		return 2;
	}
	if ((rc = overlap_interval(overlap ? overlap : "24h", interval, sizeof(interval))) != 0 ||
	    (rc = new_key(new_prefix, key, hash)) != 0)
		return rc;
	{
		const char *p[4] = { prefix, new_prefix, hash, interval };

		if (audited_change(pg,
			"WITH old AS (SELECT id, organisation_id, scopes, expires_at FROM api_keys"
			"   WHERE prefix = $1 AND revoked_at IS NULL AND replaced_by IS NULL"
			"     AND (expires_at IS NULL OR expires_at > now()) FOR UPDATE),"
			" successor AS (INSERT INTO api_keys (organisation_id, prefix, key_hash, scopes, expires_at)"
			"   SELECT organisation_id, $2, $3, scopes, expires_at FROM old RETURNING id, organisation_id, prefix),"
			" ended AS (UPDATE api_keys k SET replaced_by = s.id,"
			"   expires_at = least(coalesce(k.expires_at, 'infinity'), now() + $4::interval)"
			"   FROM successor s WHERE k.prefix = $1 RETURNING k.prefix)"
			" INSERT INTO audit_events (organisation_id, key_prefix, request_id, action, target, outcome, status)"
			" SELECT s.organisation_id, s.prefix, 'cli', 'api_key.rotate', e.prefix || ' -> ' || s.prefix, 'success', 0"
			" FROM successor s, ended e RETURNING key_prefix",
			4, p, "no active key %s to rotate (revoked, expired or rotated already)", prefix))
			return 1;
	}
	fprintf(stderr, "rotated %s: its successor %s is below, shown once; %s works for %s more, then stops\n",
		prefix, new_prefix, prefix, interval);
	printf("%s\n", key);
	return 0;
}

/* A read of the keys is a record-level read: audited like the API's, with
 * the number of keys shown (target: the --org filter).  0, or 1 after a
 * line on stderr. */
static int audit_list(PGconn *pg, int shown, const char *org)
{
	char n[16], err[512];
	const char *a[2] = { n, org };
	PGresult *r = NULL;

	snprintf(n, sizeof(n), "%d", shown);
	if (db_direct_exec(pg,
		"INSERT INTO audit_events (request_id, action, target, outcome, status, route, record_count)"
		" VALUES ('cli', 'api_key.list', $2, 'success', 0, 'cli keys list', $1::int)",
		2, a, &r, err, sizeof(err))) {
		fprintf(stderr, "equalities-api: %s\n", err);
		return 1;
	}
	PQclear(r);
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
		" coalesce(to_char(k.revoked_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), '-'),"
		" coalesce(to_char(k.expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), '-')"
		" FROM api_keys k JOIN organisations o ON o.id = k.organisation_id"
		" WHERE $1::text IS NULL OR o.slug = $1 ORDER BY o.slug, k.created_at",
		1, p, &r, err, sizeof(err))) {
		fprintf(stderr, "equalities-api: %s\n", err);
		return 1;
	}
	if (audit_list(pg, PQntuples(r), org) != 0) {
		PQclear(r);
		return 1;
	}
	printf("%-16s %-24s %-20s %-20s %-20s %-20s %s\n", "PREFIX", "ORGANISATION", "CREATED", "LAST_USED",
	       "REVOKED", "EXPIRES", "SCOPES");
	for (int i = 0; i < PQntuples(r); i++)
		printf("%-16s %-24s %-20s %-20s %-20s %-20s %s\n", PQgetvalue(r, i, 0), PQgetvalue(r, i, 1),
		       PQgetvalue(r, i, 3), PQgetvalue(r, i, 4), PQgetvalue(r, i, 5), PQgetvalue(r, i, 6),
		       PQgetvalue(r, i, 2));
	PQclear(r);
	return 0;
}

int keys_revoke_prefix(PGconn *pg, const char *prefix)
{
	if (audited_change(pg, AUDITED("UPDATE api_keys SET revoked_at = now()"
				       "  WHERE prefix = $1 AND revoked_at IS NULL",
				       "api_key.revoke"),
			   1, &prefix, "no active key %s", prefix))
		return 1;
	fprintf(stderr, "revoked %s: it stops working on its next request\n", prefix);
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
	return keys_revoke_prefix(pg, prefix);
}

int keys_cli_run(PGconn *pg, int argc, char **argv)
{
	if (argc < 2)
		return usage("keys needs create, list, revoke or rotate");
	if (strcmp(argv[1], "create") == 0)
		return keys_create(pg, argc, argv);
	if (strcmp(argv[1], "list") == 0)
		return keys_list(pg, argc, argv);
	if (strcmp(argv[1], "revoke") == 0)
		return keys_revoke(pg, argc, argv);
	if (strcmp(argv[1], "rotate") == 0)
		return keys_rotate(pg, argc, argv);
	return usage("keys needs create, list, revoke or rotate");
}
