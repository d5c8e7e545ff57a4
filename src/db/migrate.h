/*
 * migrate.h - forward-only schema migrations from migrations/NNNN_name.sql.
 *
 * Each file is applied once, in order, inside its own transaction, and
 * recorded in schema_migrations with its SHA-256.  An applied file that has
 * since changed is an error: history is never rewritten in place.
 */
#ifndef EQ_DB_MIGRATE_H
#define EQ_DB_MIGRATE_H

#include <libpq-fe.h>
#include <stddef.h>

struct migration {
	int version;
	char *name;       /* file name */
	char *path;
	char checksum[65];
};

struct migration_set {
	struct migration *items;
	size_t n;
};

/* Read and checksum every NNNN_*.sql in dir, sorted by version.  Refuses
 * duplicate versions and names that do not follow the pattern. */
__attribute__((warn_unused_result))
int migration_set_load(const char *dir, struct migration_set *set, char *err, size_t errlen);
void migration_set_release(struct migration_set *set);

/* Apply what is pending; progress lines go to the log.  0 or -1 with err. */
__attribute__((warn_unused_result))
int migrate_apply(PGconn *pg, const struct migration_set *set, char *err, size_t errlen);

/*
 * Compare the database with the set: 0 when every file is applied with the
 * same checksum, 1 when some are pending or changed (reason in err), -1 when
 * the database cannot be asked.  Used by /readyz with the result of the
 * named statement below.
 */
int migrate_check_rows(const struct migration_set *set, const PGresult *rows,
		       char *err, size_t errlen);

#define MIGRATE_STATUS_SQL "SELECT version, checksum FROM schema_migrations ORDER BY version"

#endif
