/*
 * fuzz_http.c - the whole HTTP path: libmicrohttpd and our request handling
 * with the real route table, in process, fed through a socketpair (as
 * OSS-Fuzz runs HTTP servers).
 *
 * The input is the raw bytes a client sends on one connection: one or more
 * requests, pipelined or cut short.  There is no database (its address is a
 * socket path that does not exist), so handlers that need one answer 503;
 * everything before them (framing, target, query, routing, CORS, auth
 * header parsing, body limits, caching, problem+json) runs for real.
 *
 * Checked on every reply: the bytes the server sends form a sequence of
 * HTTP/1.1 responses, each with a three-digit status that is not 500, header
 * lines ending in CRLF, an X-Request-Id, and a Content-Length the body
 * honours.  And the connection is closed when the client has gone, with
 * nothing left open.  (libmicrohttpd's own refusals, sent before our code
 * runs, are recognised and end the check: see fuzz_conn.c.)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/routes.h"
#include "config.h"
#include "db/db.h"
#include "fuzz_conn.h"
#include "http/cache.h"
#include "http/server.h"
#include "util/buf.h"
#include "util/log.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct config cfg;
static struct server *srv;

static void die(const char *what)
{
	fuzz_die("fuzz_http", what);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char err[256];
	const struct route *table;
	size_t n;

	(void)argc;
	(void)argv;
	/* Defaults the run may override from its environment. */
	setenv("EQ_ROOT", EQ_FUZZ_ROOT, 0);
	/* A Unix socket that does not exist: refused at once, so every
	 * handler that needs PostgreSQL answers 503 without waiting. */
	setenv("EQ_DATABASE_URL", "host=/nonexistent/eq-fuzz port=1 connect_timeout=1", 0);
	setenv("EQ_THREADS", "1", 0);
	setenv("EQ_DB_POOL_SIZE", "1", 0);
	/* Small, so that fuzz inputs reach the 413 path. */
	setenv("EQ_MAX_BODY_BYTES", "2048", 0);
	setenv("EQ_CORS_ORIGINS", "https://www.example.gov.uk", 0);
	setenv("EQ_LOG_LEVEL", "error", 0);
	if (config_load(&cfg, err, sizeof(err)) != 0)
		die(err);
	log_set_level((enum log_level)cfg.log_level);
	if (routes_init(&cfg, err, sizeof(err)) != 0)
		die(err);
	if (cache_init() != 0 || db_pool_init(&cfg) != 0)
		die("cannot set up the cache or the pool");
	table = routes_table(&n);
	srv = server_start_unlistened(&cfg, table, n);
	if (!srv)
		die("the daemon did not start");
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf out = BUF_INIT;

	fuzz_conn_exchange(srv, "fuzz_http", data, size, &out);
	if (getenv("EQ_FUZZ_VERBOSE"))
		fprintf(stderr, "---- %zu bytes back ----\n%.*s\n", out.len, (int)out.len,
			out.data ? out.data : "");
	fuzz_conn_check("fuzz_http", out.data ? out.data : "", out.len,
			!memmem(data, size, "HEAD", 4) && !memmem(data, size, "head", 4), false);
	buf_release(&out);
	return 0;
}
