/*
 * migrate.c - the migrations runner (see migrate.h).
 */
#include "db/migrate.h"

#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/log.h"
#include "util/sha256.h"

/* Serialises concurrent migrators (two instances starting together). */
#define MIGRATE_LOCK_KEY "727274001"

static int cmp_version(const void *a, const void *b)
{
	const struct migration *x = a, *y = b;

	return (x->version > y->version) - (x->version < y->version);
}

int migration_set_load(const char *dir, struct migration_set *set, char *err, size_t errlen)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	size_t cap = 0;

	memset(set, 0, sizeof(*set));
	if (!d) {
		snprintf(err, errlen, "cannot open the migrations folder %s: %s", dir, strerror(errno));
		return -1;
	}
	while ((de = readdir(d))) {
		const char *n = de->d_name;
		size_t len = strlen(n);
		struct migration *m;
		struct buf content = BUF_INIT, path = BUF_INIT;

		if (n[0] == '.' || len < 9 || strcmp(n + len - 4, ".sql") != 0)
			continue;
		if (!(n[0] >= '0' && n[0] <= '9' && n[1] >= '0' && n[1] <= '9' &&
		      n[2] >= '0' && n[2] <= '9' && n[3] >= '0' && n[3] <= '9' && n[4] == '_')) {
			snprintf(err, errlen, "migration file %s does not follow NNNN_name.sql", n);
			goto fail;
		}
		if (set->n == cap) {
			struct migration *grown;

			cap = cap ? cap * 2 : 16;
			grown = realloc(set->items, cap * sizeof(*grown));
			if (!grown)
				goto oom;
			set->items = grown;
		}
		m = &set->items[set->n];
		memset(m, 0, sizeof(*m));
		m->version = atoi(n);
		if (buf_appendf(&path, "%s/%s", dir, n) || buf_read_file(&content, buf_cstr(&path), 64 * 1024 * 1024)) {
			snprintf(err, errlen, "cannot read migration %s", n);
			buf_release(&path);
			buf_release(&content);
			goto fail;
		}
		sha256_hex(content.data ? content.data : "", content.len, m->checksum);
		buf_release(&content);
		m->name = strdup(n);
		m->path = buf_detach(&path, NULL);
		set->n++;
		if (!m->name || !m->path)
			goto oom;
	}
	closedir(d);
	d = NULL;
	qsort(set->items, set->n, sizeof(*set->items), cmp_version);
	for (size_t i = 1; i < set->n; i++)
		if (set->items[i].version == set->items[i - 1].version) {
			snprintf(err, errlen, "migrations %s and %s share a version number",
				 set->items[i - 1].name, set->items[i].name);
			goto fail;
		}
	return 0;
oom:
	snprintf(err, errlen, "out of memory reading migrations");
fail:
	if (d)
		closedir(d);
	migration_set_release(set);
	return -1;
}

void migration_set_release(struct migration_set *set)
{
	for (size_t i = 0; i < set->n; i++) {
		free(set->items[i].name);
		free(set->items[i].path);
	}
	free(set->items);
	memset(set, 0, sizeof(*set));
}

static int exec_ok(PGconn *pg, const char *sql, char *err, size_t errlen)
{
	PGresult *r = PQexec(pg, sql);
	ExecStatusType st = PQresultStatus(r);
	int rc = 0;

	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
		const char *msg = PQresultErrorMessage(r);

		snprintf(err, errlen, "%.*s", (int)strcspn(msg, "\n"), msg);
		rc = -1;
	}
	PQclear(r);
	return rc;
}

int migrate_check_rows(const struct migration_set *set, const PGresult *rows,
		       char *err, size_t errlen)
{
	int n = PQntuples(rows);

	for (int i = 0; i < n; i++) {
		int version = atoi(PQgetvalue(rows, i, 0));
		const char *sum = PQgetvalue(rows, i, 1);
		const struct migration *m = NULL;

		for (size_t k = 0; k < set->n; k++)
			if (set->items[k].version == version)
				m = &set->items[k];
		if (!m) {
			snprintf(err, errlen, "the database has migration %04d, which this build does not know", version);
			return 1;
		}
		if (strcmp(m->checksum, sum) != 0) {
			snprintf(err, errlen, "migration %s has changed since it was applied", m->name);
			return 1;
		}
	}
	if ((size_t)n < set->n) {
		snprintf(err, errlen, "%zu migration(s) pending", set->n - (size_t)n);
		return 1;
	}
	return 0;
}

int migrate_apply(PGconn *pg, const struct migration_set *set, char *err, size_t errlen)
{
	PGresult *rows = NULL;
	int rc = -1;
	char check[512];

	if (exec_ok(pg, "SELECT pg_advisory_lock(" MIGRATE_LOCK_KEY ")", err, errlen) ||
	    exec_ok(pg,
		    "CREATE TABLE IF NOT EXISTS schema_migrations ("
		    " version integer PRIMARY KEY,"
		    " name text NOT NULL,"
		    " checksum text NOT NULL,"
		    " applied_at timestamptz NOT NULL DEFAULT now())", err, errlen))
		goto done;

	rows = PQexec(pg, MIGRATE_STATUS_SQL);
	if (PQresultStatus(rows) != PGRES_TUPLES_OK) {
		snprintf(err, errlen, "cannot read schema_migrations");
		goto done;
	}
	/* Every applied file must be unchanged before anything new goes on. */
	if (migrate_check_rows(set, rows, check, sizeof(check)) == 1 &&
	    strstr(check, "pending") == NULL) {
		snprintf(err, errlen, "%s", check);
		goto done;
	}
	for (size_t i = 0; i < set->n; i++) {
		const struct migration *m = &set->items[i];
		struct buf sql = BUF_INIT;
		char version[16];
		const char *params[3];
		PGresult *r;
		bool applied = false;

		for (int k = 0; k < PQntuples(rows); k++)
			if (atoi(PQgetvalue(rows, k, 0)) == m->version)
				applied = true;
		if (applied)
			continue;

		if (buf_read_file(&sql, m->path, 64 * 1024 * 1024) != 0) {
			snprintf(err, errlen, "cannot read %s", m->name);
			buf_release(&sql);
			goto done;
		}
		if (exec_ok(pg, "BEGIN", err, errlen)) {
			buf_release(&sql);
			goto done;
		}
		if (exec_ok(pg, buf_cstr(&sql), check, sizeof(check))) {
			snprintf(err, errlen, "%s failed: %s", m->name, check);
			buf_release(&sql);
			(void)exec_ok(pg, "ROLLBACK", check, sizeof(check));
			goto done;
		}
		buf_release(&sql);
		snprintf(version, sizeof(version), "%d", m->version);
		params[0] = version;
		params[1] = m->name;
		params[2] = m->checksum;
		r = PQexecParams(pg, "INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)",
				 3, NULL, params, NULL, NULL, 0);
		if (PQresultStatus(r) != PGRES_COMMAND_OK) {
			snprintf(err, errlen, "cannot record %s", m->name);
			PQclear(r);
			(void)exec_ok(pg, "ROLLBACK", check, sizeof(check));
			goto done;
		}
		PQclear(r);
		if (exec_ok(pg, "COMMIT", err, errlen))
			goto done;
		log_msgf(LOG_INFO, "applied migration %s", m->name);
	}
	rc = 0;
done:
	PQclear(rows);
	(void)exec_ok(pg, "SELECT pg_advisory_unlock(" MIGRATE_LOCK_KEY ")", check, sizeof(check));
	return rc;
}
