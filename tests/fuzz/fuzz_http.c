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
 * runs, are recognised and end the check: see check_replies.)
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "api/routes.h"
#include "config.h"
#include "db/db.h"
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
	fprintf(stderr, "fuzz_http: %s\n", what);
	abort();
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

/* ---- checking what came back --------------------------------------------- */

static const char *find_crlfcrlf(const char *p, size_t len)
{
	for (size_t i = 0; i + 3 < len; i++)
		if (p[i] == '\r' && p[i + 1] == '\n' && p[i + 2] == '\r' && p[i + 3] == '\n')
			return p + i;
	return NULL;
}

/*
 * Walk the responses in out[0..len).  bodies_known: no HEAD request was
 * sent, so that every Content-Length is followed by that many bytes.
 */
static void check_replies(const char *out, size_t len, bool bodies_known)
{
	size_t pos = 0;

	while (pos < len) {
		const char *r = out + pos, *end, *line;
		size_t rlen = len - pos, content_length = 0;
		bool have_length = false, have_request_id = false;
		int status;

		if (rlen < 12 || memcmp(r, "HTTP/1.1 ", 9) != 0)
			die("a reply does not start with \"HTTP/1.1 \"");
		if (r[9] < '1' || r[9] > '5' || r[10] < '0' || r[10] > '9' ||
		    r[11] < '0' || r[11] > '9')
			die("a reply's status is not three digits");
		status = (r[9] - '0') * 100 + (r[10] - '0') * 10 + (r[11] - '0');
		if (status == 500)
			die("500 Internal Server Error without a database fault");
		end = find_crlfcrlf(r, rlen);
		if (!end)
			return;   /* the connection was cut mid-header: nothing more to say */
		/* Every header line is "Name: value" ending in CRLF, no bare CR/LF. */
		line = (const char *)memchr(r, '\n', (size_t)(end + 2 - r)) + 1;
		while (line < end + 2) {
			const char *eol = memchr(line, '\n', (size_t)(end + 2 - line));
			const char *colon;

			if (!eol || eol == line || eol[-1] != '\r')
				die("a header line does not end in CRLF");
			colon = memchr(line, ':', (size_t)(eol - line));
			if (!colon || colon == line)
				die("a header line has no name");
			for (const char *c = line; c < eol - 1; c++)
				if (*c == '\r' || *c == '\0')
					die("a header line holds a CR or NUL");
			if ((size_t)(colon - line) == 12 && strncasecmp(line, "X-Request-Id", 12) == 0)
				have_request_id = true;
			if ((size_t)(colon - line) == 14 && strncasecmp(line, "Content-Length", 14) == 0) {
				have_length = true;
				content_length = strtoull(colon + 1, NULL, 10);
			}
			line = eol + 1;
		}
		pos += (size_t)(end - r) + 4;
		if (status < 200)
			continue;      /* 100 Continue: the real reply follows */
		/*
		 * Every reply of ours carries X-Request-Id.  One without it is
		 * libmicrohttpd's own refusal of a request it could not parse
		 * (a malformed or huge Content-Length, headers over its memory
		 * limit), sent before our code sees the request, after which it
		 * closes.  0.9.75 writes the status line and headers of those
		 * replies twice (fixed upstream later: "do not send error
		 * twice"); nothing of ours can change that, so the check ends
		 * here rather than fail on every such input.
		 */
		if (!have_request_id) {
			if (status != 400 && status != 413 && status != 414 && status != 431 &&
			    status != 505 && status != 501)
				die("a reply without X-Request-Id that is not a parse refusal");
			return;
		}
		if (!bodies_known || !have_length || status == 304 || status == 204)
			return;        /* cannot tell where the next reply starts */
		if (content_length > len - pos)
			return;        /* cut short by the close */
		pos += content_length;
	}
}

/* ---- one connection ------------------------------------------------------- */

static void set_nonblocking(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		die("fcntl");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int sv[2];
	struct sockaddr_in peer = { .sin_family = AF_INET, .sin_port = htons(40000) };
	struct buf out = BUF_INIT;
	size_t sent = 0;
	bool half_closed = false, eof = false;
	int idle = 0;

	peer.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
		die("socketpair");
	set_nonblocking(sv[0]);
	if (server_add_connection(srv, sv[1], (const struct sockaddr *)&peer, sizeof(peer)) != 0) {
		close(sv[0]);
		die("MHD_add_connection refused a connection");
	}

	/*
	 * Send, let the server work, read what it says, until it closes.  The
	 * client half-closes only once the server has gone quiet with all the
	 * input sent: libmicrohttpd 0.9.75 drops a connection as soon as it
	 * reads the end of input, and a request still being answered would
	 * never be seen.
	 */
	for (int round = 0; round < 100000 && !eof; round++) {
		bool progress = false;
		char chunk[16384];
		ssize_t n;

		if (sent < size) {
			n = send(sv[0], data + sent, size - sent, MSG_NOSIGNAL);
			if (n > 0) {
				sent += (size_t)n;
				progress = true;
			} else if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
				sent = size;   /* the server closed: stop sending */
			}
		}
		if (server_run_once(srv) != 0)
			die("MHD_run failed");
		while ((n = recv(sv[0], chunk, sizeof(chunk), 0)) > 0) {
			if (buf_append(&out, chunk, (size_t)n) != 0)
				die("out of memory");
			progress = true;
		}
		if (n == 0)
			eof = true;
		else if (errno != EAGAIN && errno != EWOULDBLOCK)
			eof = true;    /* ECONNRESET: closed with input unread */
		if (progress) {
			idle = 0;
			continue;
		}
		if (++idle >= 4 && sent == size && !half_closed) {
			shutdown(sv[0], SHUT_WR);
			half_closed = true;
			idle = 0;
		}
	}
	close(sv[0]);
	/* Let the daemon see the close and free the connection. */
	for (int i = 0; i < 1000 && server_connections(srv) > 0; i++)
		(void)server_run_once(srv);
	if (server_connections(srv) > 0)
		die("a connection outlived its client");
	if (!eof)
		die("the server neither answered to the end nor closed");

	if (getenv("EQ_FUZZ_VERBOSE"))
		fprintf(stderr, "---- %zu bytes back ----\n%.*s\n", out.len, (int)out.len,
			out.data ? out.data : "");
	check_replies(out.data ? out.data : "", out.len,
		      !memmem(data, size, "HEAD", 4) && !memmem(data, size, "head", 4));
	buf_release(&out);
	return 0;
}
