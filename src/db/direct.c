/*
 * direct.c - how every connection is opened (the pool's, the listener's,
 * the CLI's), one connection outside the pool for the CLI (migrate,
 * seed, import, keys), and reading results' columns; see db.h.
 */
#include "db/db.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "util/log.h"

static void notice_to_log(void *arg, const char *message)
{
	(void)arg;
	log_msgf(strncmp(message, "NOTICE", 6) == 0 ? LOG_INFO : LOG_WARN, "postgresql: %.*s",
		 (int)strcspn(message, "\n"), message);
}

void db_limits_from_config(struct db_limits *out, const struct config *cfg)
{
	out->connect_timeout_s = cfg->db_connect_timeout_s;
	out->statement_timeout_ms = cfg->statement_timeout_ms;
	out->lock_timeout_ms = cfg->lock_timeout_ms;
	out->idle_in_transaction_ms = cfg->idle_in_transaction_timeout_ms;
}

PGconn *db_connect_with_defaults(const char *conninfo, const struct db_limits *limits)
{
	const char *keys[16], *values[16];
	PGconn *pg;
	char options[200], connect_timeout[16];
	int i = 0;

	snprintf(connect_timeout, sizeof(connect_timeout), "%u",
		 limits && limits->connect_timeout_s ? limits->connect_timeout_s : 3);
	/* Our defaults first; the operator's conninfo (expanded from dbname)
	 * comes after and wins where it sets the same thing. */
	/* The whole connection set-up (TCP, TLS, authentication), in seconds;
	 * libpq takes 1 as 2. */
	keys[i] = "connect_timeout"; values[i++] = connect_timeout;
	keys[i] = "application_name"; values[i++] = "equalities-api";
	/* A peer that vanished without a word (power cut, partition) is noticed
	 * on an idle connection within 30 + 3 * 10 s; with data in flight, the
	 * kernel gives up after tcp_user_timeout.  A server that is there but
	 * does not answer is the answer wait's business (ANSWER_GRACE_MS). */
	keys[i] = "keepalives"; values[i++] = "1";
	keys[i] = "keepalives_idle"; values[i++] = "30";
	keys[i] = "keepalives_interval"; values[i++] = "10";
	keys[i] = "keepalives_count"; values[i++] = "3";
	keys[i] = "tcp_user_timeout"; values[i++] = "10000";
	keys[i] = "client_encoding"; values[i++] = "UTF8";
	if (limits && limits->statement_timeout_ms) {
		/* Set at connection start (the startup packet), so that every
		 * session has them from its first statement, with no round trip. */
		snprintf(options, sizeof(options),
			 "-c statement_timeout=%u -c lock_timeout=%u -c idle_in_transaction_session_timeout=%u",
			 limits->statement_timeout_ms, limits->lock_timeout_ms,
			 limits->idle_in_transaction_ms);
		keys[i] = "options"; values[i++] = options;
	}
	if (conninfo && *conninfo) {
		keys[i] = "dbname"; values[i++] = conninfo;
	}
	keys[i] = NULL; values[i] = NULL;
	pg = PQconnectdbParams(keys, values, 1);
	/* libpq prints server notices (and the FATAL a server sends as it
	 * shuts down) straight to stderr; our stderr is JSON lines only. */
	if (pg)
		PQsetNoticeProcessor(pg, notice_to_log, NULL);
	return pg;
}


PGconn *db_connect_direct(const char *conninfo, char *err, size_t errlen)
{
	PGconn *pg = db_connect_with_defaults(conninfo, NULL);

	if (!pg) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (PQstatus(pg) != CONNECTION_OK) {
		const char *msg = PQerrorMessage(pg);
		size_t len = strcspn(msg, "\n");

		snprintf(err, errlen, "cannot connect to PostgreSQL: %.*s", (int)len, msg);
		PQfinish(pg);
		return NULL;
	}
	return pg;
}

int db_direct_exec(PGconn *pg, const char *sql, int nparams, const char *const *values,
		   PGresult **out, char *err, size_t errlen)
{
	PGresult *r = PQexecParams(pg, sql, nparams, NULL, values, NULL, NULL, 0);
	ExecStatusType st = PQresultStatus(r);

	if (out)
		*out = NULL;
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
		const char *msg = r ? PQresultErrorMessage(r) : PQerrorMessage(pg);

		snprintf(err, errlen, "%.*s", (int)strcspn(msg, "\n"), msg);
		PQclear(r);
		return -1;
	}
	if (out)
		*out = r;
	else
		PQclear(r);
	return 0;
}

void db_direct_rollback(PGconn *pg)
{
	PQclear(PQexec(pg, "ROLLBACK"));
}

long long db_get_ll(const PGresult *r, int row, int col)
{
	const char *text;
	char *end;
	long long v;

	if (PQgetisnull(r, row, col))
		return -1;
	text = PQgetvalue(r, row, col);
	errno = 0;
	v = strtoll(text, &end, 10);
	if (errno || *end || end == text)
		return -1;
	return v;
}

const char *db_get_text(const PGresult *r, int row, int col)
{
	return PQgetisnull(r, row, col) ? NULL : PQgetvalue(r, row, col);
}
