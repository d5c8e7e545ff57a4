/*
 * seed_history.c - the demo release history (see seed_history.h).
 */
#include "seed_history.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "db/db.h"
#include "domain/apikey.h"
#include "keys_cli.h"
#include "util/http_client.h"
#include "util/log.h"

#define HISTORY_HTTP_TIMEOUT_S 60
#define HISTORY_START_WAIT_MS 60000
#define HISTORY_STOP_WAIT_MS 30000

#define HISTORY_FIELD 65

enum { KEY_COUNCIL, KEY_REPORTER, KEY_PARTNER, NKEYS };

struct history {
	PGconn *pg;
	pid_t child;
	unsigned short port;
	char key[NKEYS][APIKEY_LEN + 1];
	char prefix[NKEYS][APIKEY_PREFIX_LEN + 1];
	/* The report to withdraw and its organisation; the window, its
	 * returned return and that return's partner. */
	char report[HISTORY_FIELD], reporter[HISTORY_FIELD];
	char window[HISTORY_FIELD], ret[HISTORY_FIELD], partner[HISTORY_FIELD];
	char *err;
	size_t errlen;
};

/* ---- what the history is made of ------------------------------------------------ */

/* One row of sql into out[] (ncols fields of HISTORY_FIELD bytes); -1
 * with missing (or the database's message) in err when there is none. */
static int one_row(struct history *h, const char *sql, int n, const char *const *p,
		   char *const *out, int ncols, const char *missing)
{
	PGresult *r = NULL;
	bool found;

	if (db_direct_exec(h->pg, sql, n, p, &r, h->err, h->errlen))
		return -1;
	found = PQntuples(r) == 1;
	for (int i = 0; found && i < ncols; i++)
		snprintf(out[i], HISTORY_FIELD, "%s", PQgetvalue(r, 0, i));
	PQclear(r);
	if (!found)
		snprintf(h->err, h->errlen, "demo history: %s", missing);
	return found ? 0 : -1;
}

/* A report that counts alone (no police reference to share), in the ward
 * and quarter with the fewest published reports, the threshold itself
 * where one has it; and the first closed window with a returned return. */
static int history_subjects(struct history *h, unsigned threshold)
{
	static const char report_sql[] =
		"WITH u AS (SELECT r.id, r.ward_code, date_trunc('quarter', r.occurred_from) AS q,"
		"                  r.police_key, r.organisation_id FROM hate_crime_reports r"
		"           WHERE r.status = 'active' AND r.location = 'ward'),"
		" c AS (SELECT ward_code, q, count(DISTINCT coalesce(police_key, id::text)) AS n"
		"       FROM u GROUP BY ward_code, q)"
		" SELECT u.id, o.slug FROM u JOIN c USING (ward_code, q)"
		" JOIN organisations o ON o.id = u.organisation_id"
		" WHERE u.police_key IS NULL AND c.n >= $1::integer"
		" ORDER BY c.n <> $1::integer, c.n, u.id LIMIT 1";
	static const char return_sql[] =
		"SELECT w.id, p.id, o.slug FROM return_windows w"
		" JOIN partner_returns p ON p.window_id = w.id"
		" JOIN organisations o ON o.id = p.organisation_id"
		" WHERE w.due_date < current_date AND p.status = 'returned'"
		" ORDER BY w.due_date, w.id, o.slug LIMIT 1";
	char *const report_out[] = { h->report, h->reporter };
	char *const return_out[] = { h->window, h->ret, h->partner };
	char text[16];
	const char *p[1] = { text };

	snprintf(text, sizeof(text), "%u", threshold);
	return one_row(h, report_sql, 1, p, report_out, 2,
		       "no active ward report without a police reference to withdraw") ||
	       one_row(h, return_sql, 0, NULL, return_out, 3,
		       "no return window past its due date with a returned return") ? -1 : 0;
}

/* ---- keys ---------------------------------------------------------------------------- */

/* The three actors' keys, each expiring in a quarter of an hour should
 * the seed die before it revokes them. */
static int history_keys(struct history *h)
{
	const char *org[NKEYS] = { "barnet-council", h->reporter, h->partner };
	const char *scopes[NKEYS] = { "admin,read:hate-crime,review:returns", "submit:hate-crime,read:hate-crime",
				      "submit:returns" };
	time_t until_t = time(NULL) + 15 * 60;
	char until[32];

	strftime(until, sizeof(until), "%Y-%m-%dT%H:%M:%SZ", gmtime(&until_t));
	for (int i = 0; i < NKEYS; i++)
		if (keys_make(h->pg, org[i], scopes[i], until, h->key[i], h->prefix[i]) != 0) {
			snprintf(h->err, h->errlen, "demo history: cannot make a key for %s", org[i]);
			return -1;
		}
	return 0;
}

static void history_keys_revoke(struct history *h)
{
	for (int i = 0; i < NKEYS; i++)
		if (h->prefix[i][0] && keys_revoke_prefix(h->pg, h->prefix[i]) != 0)
			log_msgf(LOG_WARN, "seed: could not revoke the demo history's key %s (it expires by itself)",
				 h->prefix[i]);
}

/* ---- the service, as a child ------------------------------------------------------------ */

static int free_port(unsigned short *port)
{
	struct sockaddr_in addr = { .sin_family = AF_INET };
	socklen_t len = sizeof(addr);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), rc = -1;

	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd >= 0 && bind(fd, (struct sockaddr *)&addr, sizeof(addr)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&addr, &len) == 0) {
		*port = ntohs(addr.sin_port);
		rc = 0;
	}
	if (fd >= 0)
		close(fd);
	return rc;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* Has the child ended?  Reaps it when it has. */
static bool child_gone(struct history *h, int *status)
{
	if (h->child > 0 && waitpid(h->child, status, WNOHANG) == h->child) {
		h->child = 0;
		return true;
	}
	return h->child <= 0;
}

/* This very binary, serving on a free loopback port with no metrics
 * listener (another instance may hold its port); ready when /readyz is. */
static int serve_start(struct history *h)
{
	char listen_at[32], self[4096];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	int status = 0;

	if (n <= 0 || free_port(&h->port) != 0) {
		snprintf(h->err, h->errlen, "demo history: cannot find this binary or a free port: %s",
			 strerror(errno));
		return -1;
	}
	self[n] = '\0';
	snprintf(listen_at, sizeof(listen_at), "127.0.0.1:%u", h->port);
	h->child = fork();
	if (h->child < 0) {
		snprintf(h->err, h->errlen, "demo history: fork: %s", strerror(errno));
		return -1;
	}
	if (h->child == 0) {
		setenv("EQ_LISTEN", listen_at, 1);
		setenv("EQ_METRICS_LISTEN", "off", 1);
		setenv("EQ_LOG_LEVEL", "warn", 1);
		execl(self, self, "serve", (char *)NULL);
		_exit(127);
	}
	for (long waited = 0; waited < HISTORY_START_WAIT_MS; waited += 100) {
		struct http_reply reply;
		char ignored[160];

		if (child_gone(h, &status))
			break;
		if (http_client_request(h->port, "GET", "/readyz", NULL, NULL, 5, &reply, ignored,
					sizeof(ignored)) == 0) {
			bool ready = reply.status == 200;

			http_reply_release(&reply);
			if (ready)
				return 0;
		}
		sleep_ms(100);
	}
	snprintf(h->err, h->errlen, "demo history: the service on %s did not become ready (%s)", listen_at,
		 h->child ? "timed out" : "it exited");
	return -1;
}

/* SIGTERM, and wait for the drain; SIGKILL if it never ends. */
static void serve_stop(struct history *h)
{
	int status = 0;

	if (h->child <= 0)
		return;
	kill(h->child, SIGTERM);
	for (long waited = 0; waited < HISTORY_STOP_WAIT_MS; waited += 50) {
		if (child_gone(h, &status))
			return;
		sleep_ms(50);
	}
	kill(h->child, SIGKILL);
	waitpid(h->child, &status, 0);
	h->child = 0;
}

/* ---- the steps ----------------------------------------------------------------------------- */

/* One request as actor; its status must be want.  etag: If-Match to send
 * (NULL: none); got_etag: where to keep the answer's ETag (NULL: not). */
static int step(struct history *h, int actor, const char *method, const char *path, const char *body,
		const char *etag, int want, char *got_etag, size_t got_len)
{
	struct http_reply reply;
	char headers[256];
	int rc = -1;

	snprintf(headers, sizeof(headers), "Authorization: Bearer %s\r\n%s%s%s", h->key[actor],
		 etag ? "If-Match: " : "", etag ? etag : "", etag ? "\r\n" : "");
	if (http_client_request(h->port, method, path, headers, body, HISTORY_HTTP_TIMEOUT_S, &reply,
				h->err, h->errlen) != 0)
		return -1;
	if (reply.status != want) {
		snprintf(h->err, h->errlen, "demo history: %s %s answered %d, not %d: %.400s", method, path,
			 reply.status, want, reply.body);
	} else {
		if (got_etag)
			snprintf(got_etag, got_len, "%s", reply.etag);
		log_msgf(LOG_INFO, "seed: demo history: %s %s: %d", method, path, reply.status);
		rc = 0;
	}
	http_reply_release(&reply);
	return rc;
}

/* Release 1 of each; the report withdrawn by its organisation; release 2
 * of the hate-crime statistics. */
static int history_withdrawn_report(struct history *h)
{
	char report_path[128], window_body[160], etag[80];

	snprintf(report_path, sizeof(report_path), "/v1/hate-crime/reports/%s", h->report);
	snprintf(window_body, sizeof(window_body),
		 "{\"window\": \"%s\", \"reason\": \"Demo history: the window closed.\"}", h->window);
	return step(h, KEY_COUNCIL, "POST", "/v1/hate-crime/releases",
		    "{\"reason\": \"Demo history: the monthly release.\"}", NULL, 201, NULL, 0) ||
	       step(h, KEY_COUNCIL, "POST", "/v1/returns/summary/releases", window_body, NULL, 201, NULL, 0) ||
	       step(h, KEY_REPORTER, "GET", report_path, NULL, NULL, 200, etag, sizeof(etag)) ||
	       step(h, KEY_REPORTER, "PATCH", report_path,
		    "{\"status\": \"withdrawn\", \"withdrawn_reason\": \"Demo history: the same incident was reported twice.\"}",
		    etag, 200, NULL, 0) ||
	       step(h, KEY_COUNCIL, "POST", "/v1/hate-crime/releases",
		    "{\"reason\": \"Demo history: the next monthly release.\"}", NULL, 201, NULL, 0)
	       ? -1 : 0;
}

/* The returned return resubmitted after the due date, and accepted: the
 * acceptance itself releases the window's summary again. */
static int history_late_return(struct history *h)
{
	char submit_path[128], review_path[128];

	snprintf(submit_path, sizeof(submit_path), "/v1/returns/%s/submit", h->ret);
	snprintf(review_path, sizeof(review_path), "/v1/returns/%s/review", h->ret);
	return step(h, KEY_PARTNER, "POST", submit_path,
		    "{\"late_reason\": \"Demo history: corrected after the council's review.\"}", NULL, 200,
		    NULL, 0) ||
	       step(h, KEY_COUNCIL, "POST", review_path, "{\"outcome\": \"accepted\"}", NULL, 200, NULL, 0)
	       ? -1 : 0;
}

/* Two versions of each statistic, or the history is not what it says. */
static int history_check(struct history *h)
{
	PGresult *r = NULL;
	bool whole;

	if (db_direct_exec(h->pg, "SELECT count(*) FILTER (WHERE statistic = 'hate-crime') = 2"
			   " AND count(*) FILTER (WHERE statistic = 'returns-summary') = 2 FROM releases",
			   0, NULL, &r, h->err, h->errlen))
		return -1;
	whole = strcmp(PQgetvalue(r, 0, 0), "t") == 0;
	PQclear(r);
	if (!whole)
		snprintf(h->err, h->errlen, "demo history: every step answered, yet the releases are not two of each");
	return whole ? 0 : -1;
}

/* Any release of the statistics the history is of: the history, or the
 * council's own, is there.  (Demographics releases are the import's, made
 * by the seed before this, and say nothing about the history.) */
static int releases_exist(struct history *h, bool *exist)
{
	PGresult *r = NULL;

	if (db_direct_exec(h->pg, "SELECT EXISTS (SELECT 1 FROM releases"
			   " WHERE statistic IN ('hate-crime', 'returns-summary'))", 0, NULL, &r, h->err, h->errlen))
		return -1;
	*exist = strcmp(PQgetvalue(r, 0, 0), "t") == 0;
	PQclear(r);
	return 0;
}

int seed_history(PGconn *pg, unsigned threshold, char *err, size_t errlen)
{
	struct history h = { .pg = pg, .err = err, .errlen = errlen };
	bool exist = false;
	int rc = -1;

	if (releases_exist(&h, &exist))
		return -1;
	if (exist) {
		log_msgf(LOG_INFO, "seed: releases exist already: no demo history made");
		return 0;
	}
	if (history_subjects(&h, threshold) == 0 && history_keys(&h) == 0 && serve_start(&h) == 0 &&
	    history_withdrawn_report(&h) == 0 && history_late_return(&h) == 0 && history_check(&h) == 0)
		rc = 0;
	serve_stop(&h);
	history_keys_revoke(&h);
	if (rc == 0)
		log_msgf(LOG_INFO, "seed: demo release history made (2 hate-crime, 2 returns-summary releases)");
	return rc;
}
