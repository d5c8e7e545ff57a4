/*
 * direct.c - one connection outside the pool, for the CLI (migrate, seed,
 * import, keys); see db.h.
 */
#include "db/db.h"

#include <stdio.h>
#include <string.h>

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
