/*
 * fuzz_body.c - request bodies through the real server, in process, on
 * every operation of the contract.
 *
 * The daemon, route table and handlers are the service's own
 * (server_start_unlistened; each input is one connection over a socketpair
 * handed to MHD_add_connection, as in fuzz_http).  The operations are
 * tests/fuzz/body.ops, written by make_corpus.py from api/openapi.yaml:
 * method, which key, the path with valid-looking ids, its template.
 *
 * An input is "METHOD /template\n", one flags byte, then the body.  The
 * first line names the operation (anything else picks one by its hash, so
 * a mutated line still reaches a route); the flags choose the headers
 * (bearer key or none, Content-Type, If-Match, Idempotency-Key).
 *
 * With EQ_FUZZ_DATABASE_URL (scripts/test gives it the test database) the
 * target creates its keys with the real `keys create` code and, through
 * the server itself, the records the paths name (a plan, an action, a
 * return window, a draft return, a hate-crime report), so bodies reach the
 * handlers' own checks and writes.  Without it every handler behind the
 * bearer check answers 503 and only what runs before the database is
 * fuzzed.
 *
 * Checked on every reply (fuzz_conn.c): a well-formed HTTP/1.1 response,
 * never 500, X-Request-Id, an honest Content-Length, every 4xx of ours
 * application/problem+json, the connection closed with its client.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <libpq-fe.h>

#include "api/routes.h"
#include "config.h"
#include "db/db.h"
#include "fuzz_conn.h"
#include "http/cache.h"
#include "http/server.h"
#include "keys_cli.h"
#include "util/buf.h"
#include "util/log.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define WHO "fuzz_body"
#define MAX_OPS 128

struct op {
	char method[8];
	char key[16];          /* "council", "partner" or "none" */
	char path[256];        /* placeholders resolved at start-up */
	char line[256];        /* "METHOD /template": how an input names it */
	char etag[32];         /* If-Match to send ("" none): the last ETag it returned */
};

static struct config cfg;
static struct server *srv;
static struct op ops[MAX_OPS];
static size_t nops;
static char council_key[128] = "eq_fuzz_council_0123456789abcdef0123456789abcdef";
static char partner_key[128] = "eq_fuzz_partner_0123456789abcdef0123456789abcdef";
static unsigned long counter;

static void die(const char *what)
{
	fuzz_die(WHO, what);
}

/* ---- keys, made the way an operator makes them ---------------------------- */

/* `keys create --org ORG --scopes SCOPES` with its stdout caught into key. */
static int make_key(PGconn *pg, const char *org, const char *scopes, char *key, size_t keylen)
{
	char *argv[] = { "keys", "create", "--org", (char *)org, "--scopes", (char *)scopes, NULL };
	FILE *tmp = tmpfile();
	int saved, rc;

	if (!tmp)
		return -1;
	fflush(stdout);
	saved = dup(STDOUT_FILENO);
	if (saved < 0 || dup2(fileno(tmp), STDOUT_FILENO) < 0) {
		fclose(tmp);
		return -1;
	}
	rc = keys_cli_run(pg, 6, argv);
	fflush(stdout);
	(void)dup2(saved, STDOUT_FILENO);
	close(saved);
	rewind(tmp);
	if (rc != 0 || !fgets(key, (int)keylen, tmp)) {
		fclose(tmp);
		return -1;
	}
	fclose(tmp);
	key[strcspn(key, "\r\n")] = '\0';
	return key[0] ? 0 : -1;
}

/* ---- one request ------------------------------------------------------------ */

static const char *key_of(const char *name)
{
	if (strcmp(name, "partner") == 0)
		return partner_key;
	if (strcmp(name, "none") == 0)
		return NULL;
	return council_key;
}

/* Write the request; headers chosen by flags (see the file comment). */
static void build(struct buf *req, const struct op *op, unsigned flags, const void *body,
		  size_t len)
{
	static const char *const types[] = {
		"application/json", "application/json; charset=utf-8", "text/csv", "text/plain",
	};
	const char *key = key_of(op->key);
	int rc = 0;

	rc |= buf_appendf(req, "%s %s HTTP/1.1\r\nHost: fuzz\r\n", op->method, op->path);
	if (key && !(flags & 1))
		rc |= buf_appendf(req, "Authorization: Bearer %s\r\n", key);
	rc |= buf_appendf(req, "Content-Type: %s\r\n", types[(flags >> 1) & 3]);
	if (!(flags & 8) && op->etag[0])
		rc |= buf_appendf(req, "If-Match: %s\r\n", op->etag);
	if (!(flags & 16))
		rc |= buf_appendf(req, "Idempotency-Key: fuzz-%d-%lu\r\n", (int)getpid(), ++counter);
	rc |= buf_appendf(req, "Content-Length: %zu\r\nConnection: close\r\n\r\n", len);
	rc |= buf_append(req, body, len);
	if (rc)
		die("out of memory");
}

/* The status of the reply in out, its ETag (into etag) and its JSON body. */
static int reply(const struct buf *out, char *etag, size_t etaglen, json_t **json)
{
	const char *text = buf_cstr(out), *end = strstr(text, "\r\n\r\n"), *e;
	int status = 0;

	if (json)
		*json = NULL;
	if (out->len < 12 || sscanf(text, "HTTP/1.1 %d", &status) != 1 || !end)
		return 0;
	e = strcasestr(text, "\r\nETag: ");
	if (e && e < end && etag) {
		e += 8;
		snprintf(etag, etaglen, "%.*s", (int)strcspn(e, "\r"), e);
	}
	if (json)
		*json = json_loadb(end + 4, out->len - (size_t)(end + 4 - text), 0, NULL);
	return status;
}

static int send_op(struct op *op, unsigned flags, const void *body, size_t len, json_t **json)
{
	struct buf req = BUF_INIT, out = BUF_INIT;
	int status;
	char etag[32] = "";

	build(&req, op, flags, body, len);
	fuzz_conn_exchange(srv, WHO, req.data, req.len, &out);
	if (getenv("EQ_FUZZ_VERBOSE"))
		fprintf(stderr, "---- %s %s: %zu bytes back ----\n%.*s\n", op->method, op->path,
			out.len, (int)out.len, buf_cstr(&out));
	fuzz_conn_check(WHO, buf_cstr(&out), out.len, strcmp(op->method, "HEAD") != 0, true);
	status = reply(&out, etag, sizeof(etag), json);
	/* Follow the record's version (a 412 names the current one), so that
	 * versioned edits keep reaching their body checks. */
	if (((status >= 200 && status < 300) || status == 412) && etag[0] == '"' && etag[1] == 'v')
		snprintf(op->etag, sizeof(op->etag), "%s", etag);
	else if (status == 412)
		op->etag[0] = '\0';      /* nothing to match yet: create without */
	else if (status == 428)
		snprintf(op->etag, sizeof(op->etag), "\"v1\"");
	buf_release(&req);
	buf_release(&out);
	return status;
}

/* ---- start-up: the operations and the records they name ------------------- */

static void load_ops(void)
{
	char line[768];
	FILE *f = fopen(EQ_FUZZ_ROOT "/tests/fuzz/body.ops", "r");

	if (!f)
		die("cannot read tests/fuzz/body.ops (run tests/fuzz/make_corpus.py)");
	while (fgets(line, sizeof(line), f) && nops < MAX_OPS) {
		struct op *op = &ops[nops];
		char tmethod[8], template[256];

		if (line[0] == '#' || line[0] == '\n')
			continue;
		if (sscanf(line, "%7s %15s %255s %7s %255s", op->method, op->key, op->path, tmethod,
			   template) != 5)
			die("a line of body.ops is not METHOD KEY PATH METHOD TEMPLATE");
		snprintf(op->line, sizeof(op->line), "%s %s", tmethod, template);
		snprintf(op->etag, sizeof(op->etag), "\"v1\"");
		nops++;
	}
	fclose(f);
	if (nops == 0)
		die("body.ops lists no operation");
}

/* Replace @name@ in every op's path with value. */
static void resolve(const char *name, const char *value)
{
	char token[40];

	snprintf(token, sizeof(token), "@%s@", name);
	for (size_t i = 0; i < nops; i++) {
		char *at = strstr(ops[i].path, token), rest[256];

		if (!at)
			continue;
		snprintf(rest, sizeof(rest), "%s", at + strlen(token));
		snprintf(at, sizeof(ops[i].path) - (size_t)(at - ops[i].path), "%s%s", value, rest);
	}
}

/* POST body to path with key; the new record's "id" into id (or ""). */
static int create(const char *key, const char *path, const char *body, char *id, size_t idlen)
{
	struct op op;
	json_t *json = NULL;
	int status;

	memset(&op, 0, sizeof(op));
	snprintf(op.method, sizeof(op.method), "POST");
	snprintf(op.key, sizeof(op.key), "%s", key);
	snprintf(op.path, sizeof(op.path), "%s", path);
	snprintf(op.etag, sizeof(op.etag), "\"v1\"");
	status = send_op(&op, 0, body, strlen(body), &json);
	id[0] = '\0';
	if (status == 201 && json_string_value(json_object_get(json, "id")))
		snprintf(id, idlen, "%s", json_string_value(json_object_get(json, "id")));
	json_decref(json);
	return status;
}

/* Resolve @name@ to id, or to fallback (saying so when a database was given). */
static void record(const char *name, const char *id, const char *fallback)
{
	if (!id[0] && getenv("EQ_FUZZ_DATABASE_URL"))
		fprintf(stderr, "fuzz_body: could not create the %s; its routes get %s\n", name, fallback);
	resolve(name, id[0] ? id : fallback);
}

static void day(char *out, size_t len, long offset_days)
{
	time_t t = time(NULL) + offset_days * 86400;
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, len, "%Y-%m-%d", &tm);
}

static void create_records(void)
{
	/* Plans and windows are one per period, reports one per reference:
	 * each run picks its own, and another on a clash. */
	unsigned seed = (unsigned)time(NULL) * 2654435761u ^ (unsigned)getpid() * 40503u;
	char body[1024], path[256], open[11], due[11];
	char plan[64] = "", action[64] = "", window[64] = "", ret[64] = "", report[64] = "";

	day(open, sizeof(open), -60);
	day(due, sizeof(due), 30);
	for (int attempt = 0; attempt < 20 && !plan[0]; attempt++) {
		int y = 2100 + (int)((seed + (unsigned)attempt * 7919u) % 7800u);

		snprintf(body, sizeof(body), "{\"period\":\"%d/%02d\",\"title\":\"Fuzz plan\"}",
			 y, (y + 1) % 100);
		(void)create("council", "/v1/action-plans", body, plan, sizeof(plan));
	}
	for (int attempt = 0; attempt < 20 && !window[0]; attempt++) {
		int y = 2100 + (int)((seed + (unsigned)attempt * 7919u) % 7800u);

		snprintf(body, sizeof(body), "{\"kind\":\"workforce\",\"period\":\"%d/%02d\","
			 "\"open_date\":\"%s\",\"due_date\":\"%s\"}", y, (y + 1) % 100, open, due);
		(void)create("council", "/v1/return-windows", body, window, sizeof(window));
	}
	snprintf(path, sizeof(path), "/v1/action-plans/%s/actions", plan[0] ? plan : "2024-25");
	snprintf(body, sizeof(body), "{\"reference\":\"FZ%u\",\"title\":\"Fuzz action\","
		 "\"outcome\":\"access\",\"lead\":\"adults-and-health\","
		 "\"start_date\":\"2024-04-01\",\"due_date\":\"2030-03-31\"}", seed % 100000u);
	(void)create("council", path, body, action, sizeof(action));
	snprintf(body, sizeof(body), "{\"window\":\"%s\",\"total\":100,\"lines\":{"
		 "\"sex\":{\"female\":60,\"male\":40},"
		 "\"ethnicity\":{\"white_british\":50,\"asian_indian\":30,\"black_african\":20},"
		 "\"disability\":{\"disabled\":12,\"not_disabled\":88},"
		 "\"age\":{\"age_20_24\":30,\"age_25_29\":70}}}", window);
	(void)create("partner", "/v1/returns", body, ret, sizeof(ret));
	snprintf(body, sizeof(body), "{\"occurred_from\":\"2024-05-03\",\"reported_on\":\"2024-05-04\","
		 "\"location\":{\"kind\":\"ward\",\"ward\":\"E05013642\"},\"strands\":[\"religion\"],"
		 "\"offence_type\":\"public_order\",\"channel\":\"in_person\","
		 "\"submitter_reference\":\"FUZZ-%08x\"}", seed);
	(void)create("council", "/v1/hate-crime/reports", body, report, sizeof(report));
	record("plan", plan, "2024-25");
	record("action", action, "6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b");
	record("window", window, "1f2698ef-b6f5-4d3b-97a8-49d4190c37f0");
	record("return", ret, "2a7d9c1e-3b4f-4a5d-8e6f-7a8b9c0d1e2f");
	record("report", report, "3c8e0d2f-4a5b-4c6d-9e7f-8a9b0c1d2e3f");
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char *const limits_off[] = {
		"EQ_RATE_LIMIT_PER_IP", "EQ_RATE_LIMIT_PER_IP_BURST", "EQ_RATE_LIMIT_PER_KEY",
		"EQ_RATE_LIMIT_PER_KEY_BURST", "EQ_AUTH_FAILURES_PER_HOUR", "EQ_AUTH_FAILURE_BURST",
	};
	const char *url = getenv("EQ_FUZZ_DATABASE_URL");
	char err[256];
	const struct route *table;
	size_t n;

	(void)argc;
	(void)argv;
	setenv("EQ_ROOT", EQ_FUZZ_ROOT, 0);
	if (url && url[0])
		setenv("EQ_DATABASE_URL", url, 1);
	else
		setenv("EQ_DATABASE_URL", "host=/nonexistent/eq-fuzz port=1 connect_timeout=1", 1);
	setenv("EQ_THREADS", "1", 0);
	setenv("EQ_DB_POOL_SIZE", "2", 0);
	setenv("EQ_MAX_BODY_BYTES", "65536", 0);
	setenv("EQ_LOG_LEVEL", "error", 0);
	/* One key sends every request: a limit would answer 429 instead of
	 * running the handler. */
	for (size_t i = 0; i < sizeof(limits_off) / sizeof(limits_off[0]); i++)
		setenv(limits_off[i], "0", 1);
	if (config_load(&cfg, err, sizeof(err)) != 0)
		die(err);
	log_set_level((enum log_level)cfg.log_level);
	if (routes_init(&cfg, err, sizeof(err)) != 0)
		die(err);
	if (cache_init() != 0 || db_pool_init(&cfg) != 0)
		die("cannot set up the cache or the pool");
	load_ops();
	if (url && url[0]) {
		PGconn *pg = PQconnectdb(url);

		if (PQstatus(pg) != CONNECTION_OK ||
		    make_key(pg, "barnet-council", "admin,manage:action-plan,manage:indicators,"
			     "review:returns,submit:hate-crime,read:hate-crime",
			     council_key, sizeof(council_key)) != 0 ||
		    make_key(pg, "partner-care", "submit:returns", partner_key, sizeof(partner_key)) != 0)
			die("EQ_FUZZ_DATABASE_URL is set but keys create failed (migrated and seeded?)");
		/* The seed has quarterly indicators only; the monthly route needs one. */
		PQclear(PQexec(pg, "INSERT INTO indicators (code, title, definition, unit, polarity,"
			       " frequency, outcome, outcome_title, source, tolerance_kind, tolerance)"
			       " VALUES ('fuzz-monthly', 'Fuzz indicator', 'For fuzz_body.', 'percent',"
			       " 'higher_is_better', 'monthly', 'fuzz', 'Fuzz', 'tests', 'absolute', 2000)"
			       " ON CONFLICT DO NOTHING"));
		PQfinish(pg);
	}
	table = routes_table(&n);
	srv = server_start_unlistened(&cfg, table, n);
	if (!srv)
		die("the daemon did not start");
	create_records();
	for (size_t i = 0; i < nops; i++)
		if (strchr(ops[i].path, '@'))
			die("body.ops names a record fuzz_body does not create");
	return 0;
}

/* ---- one input ---------------------------------------------------------------- */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nl = memchr(data, '\n', size < 256 ? size : 256);
	size_t linelen = nl ? (size_t)(nl - data) : 0, i;
	struct op *op = NULL;
	unsigned flags = 0;
	uint32_t h = 2166136261u;

	for (i = 0; i < nops && nl; i++)
		if (strlen(ops[i].line) == linelen && memcmp(ops[i].line, data, linelen) == 0)
			op = &ops[i];
	if (!op) {
		for (i = 0; i < linelen; i++)
			h = (h ^ data[i]) * 16777619u;
		op = &ops[h % nops];
	}
	if (nl) {
		data = nl + 1;
		size -= linelen + 1;
	}
	if (size > 0) {
		flags = data[0];
		data++;
		size--;
	}
	(void)send_op(op, flags, data, size, NULL);
	return 0;
}
