/*
 * seed_csv.c - CSV files of the demo data read by column name, and the
 * transaction a group of them is loaded in (see seed_csv.h).
 */
#include "seed_csv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/db.h"
#include "db/listener.h"
#include "util/log.h"

/* The demo files are small; this bounds a mistaken path to a huge file. */
#define SEED_CSV_MAX_BYTES (64 * 1024 * 1024)

int seed_csv_open(struct seed_csv *f, const char *root, const char *name,
		  const char *const *columns, size_t ncolumns, char *err, size_t errlen)
{
	struct buf path = BUF_INIT;
	int rc = -1;

	memset(f, 0, sizeof(*f));
	csv_reader_init(&f->r, "", 0);
	snprintf(f->name, sizeof(f->name), "data/%s", name);
	if (ncolumns > SEED_CSV_MAX_COLUMNS) {
		snprintf(err, errlen, "%s: more than %d columns to load", f->name, SEED_CSV_MAX_COLUMNS);
		goto done;
	}
	if (buf_appendf(&path, "%s/data/%s", root, name) ||
	    buf_read_file(&f->text, buf_cstr(&path), SEED_CSV_MAX_BYTES)) {
		snprintf(err, errlen, "cannot read %s", path.data ? buf_cstr(&path) : f->name);
		goto done;
	}
	csv_reader_release(&f->r);
	csv_reader_init(&f->r, f->text.data ? f->text.data : "", f->text.len);
	if (csv_reader_next(&f->r) != CSV_RECORD) {
		snprintf(err, errlen, "%s: no header row", f->name);
		goto done;
	}
	f->ncolumns = ncolumns;
	for (size_t c = 0; c < ncolumns; c++) {
		f->index[c] = -1;
		for (size_t i = 0; i < f->r.nfields; i++)
			if (strcmp(csv_reader_field(&f->r, i), columns[c]) == 0)
				f->index[c] = (long)i;
		if (f->index[c] < 0) {
			snprintf(err, errlen, "%s: missing column '%s'", f->name, columns[c]);
			goto done;
		}
	}
	rc = 0;
done:
	buf_release(&path);
	return rc;
}

int seed_csv_next(struct seed_csv *f, const char **values, char *err, size_t errlen)
{
	enum csv_status st = csv_reader_next(&f->r);

	if (st == CSV_END)
		return 0;
	snprintf(f->where, sizeof(f->where), "%s line %zu", f->name, f->r.line);
	if (st == CSV_ERROR) {
		snprintf(err, errlen, "%s: %s", f->where, f->r.error);
		return -1;
	}
	for (size_t c = 0; c < f->ncolumns; c++) {
		const char *v = csv_reader_field(&f->r, (size_t)f->index[c]);

		values[c] = v && *v ? v : NULL;
	}
	return 1;
}

void seed_csv_close(struct seed_csv *f)
{
	csv_reader_release(&f->r);
	buf_release(&f->text);
}

int seed_exec(PGconn *pg, const char *where, const char *sql, int nparams,
	      const char *const *values, PGresult **out, char *err, size_t errlen)
{
	char msg[256];

	if (db_direct_exec(pg, sql, nparams, values, out, msg, sizeof(msg)) == 0)
		return 0;
	snprintf(err, errlen, "%s: %s", where, msg);
	return -1;
}

/* The table's name of the file's column c. */
static const char *table_column(const struct seed_file *file, size_t c)
{
	return file->upsert.as ? file->upsert.as[c] : file->columns[c];
}

enum piece { NAMES, PARAMS, ASSIGNS };

/* Appends the file's columns from..to-1, comma separated, to b: as names
 * (qualified when qualifier is set), as parameters "$1" or as
 * "c = EXCLUDED.c".  0, or -1 when memory runs out. */
static int append_list(struct buf *b, const struct seed_file *file, size_t from, size_t to,
		       const char *qualifier, enum piece piece)
{
	int rc = 0;

	for (size_t c = from; c < to && rc == 0; c++) {
		const char *sep = c > from ? ", " : "", *name = table_column(file, c);

		if (piece == PARAMS)
			rc = buf_appendf(b, "%s$%zu", sep, c + 1);
		else if (piece == ASSIGNS)
			rc = buf_appendf(b, "%s%s = EXCLUDED.%s", sep, name, name);
		else
			rc = buf_appendf(b, "%s%s%s%s", sep, qualifier ? qualifier : "",
					 qualifier ? "." : "", name);
	}
	return rc;
}

/* The statement of file->upsert (see seed_csv.h) into b.  0, or -1 when
 * memory runs out. */
static int upsert_sql(struct buf *b, const struct seed_file *file)
{
	const struct seed_upsert *u = &file->upsert;
	size_t n = file->ncolumns, k = u->nkeys;

	return buf_appendf(b, "INSERT INTO %s (", u->table) ||
	       append_list(b, file, 0, n, NULL, NAMES) ||
	       buf_appendf(b, ") VALUES (") || append_list(b, file, 0, n, NULL, PARAMS) ||
	       buf_appendf(b, ") ON CONFLICT (") || append_list(b, file, 0, k, NULL, NAMES) ||
	       buf_appendf(b, ") DO UPDATE SET ") || append_list(b, file, k, n, NULL, ASSIGNS) ||
	       buf_appendf(b, " WHERE (") || append_list(b, file, k, n, u->table, NAMES) ||
	       buf_appendf(b, ") IS DISTINCT FROM (") ||
	       append_list(b, file, k, n, "EXCLUDED", NAMES) || buf_appendf(b, ")") ? -1 : 0;
}

static int exec_row(PGconn *pg, const char *root, const struct seed_file *file,
		    const char *sql, const char *const *values, const char *where,
		    size_t *inserted, char *err, size_t errlen)
{
	PGresult *res = NULL;

	if (file->row)
		return file->row(pg, root, values, where, inserted, err, errlen);
	if (seed_exec(pg, where, sql, (int)file->ncolumns, values, &res, err, errlen))
		return -1;
	/* Rows inserted or updated (an upsert that changed nothing: 0). */
	*inserted += (size_t)atol(PQcmdTuples(res));
	PQclear(res);
	return 0;
}

static long column_of(const struct seed_file *file, const char *name)
{
	for (size_t c = 0; name && c < file->ncolumns; c++)
		if (strcmp(file->columns[c], name) == 0)
			return (long)c;
	return -1;
}

int seed_csv_load(PGconn *pg, const char *root, const struct seed_file *file,
		  size_t *inserted, char *err, size_t errlen)
{
	struct seed_csv f = { .text = BUF_INIT };
	struct buf sql = BUF_INIT;
	const char *values[SEED_CSV_MAX_COLUMNS];
	long parent = column_of(file, file->parent);
	int more = 0, rc = -1;

	if (file->upsert.table && upsert_sql(&sql, file)) {
		snprintf(err, errlen, "out of memory");
		goto done;
	}
	/* Two passes when rows name parents in the same file: the file is
	 * read again rather than its rows kept. */
	for (int pass = 0; pass < (parent >= 0 ? 2 : 1); pass++) {
		if (seed_csv_open(&f, root, file->name, file->columns, file->ncolumns, err, errlen))
			goto done;
		while ((more = seed_csv_next(&f, values, err, errlen)) > 0) {
			if (parent >= 0 && (pass == 0) != (values[parent] == NULL))
				continue;
			if (exec_row(pg, root, file, file->upsert.table ? buf_cstr(&sql) : file->sql,
				     values, f.where, inserted, err, errlen))
				goto done;
		}
		if (more < 0)
			goto done;
		seed_csv_close(&f);
	}
	rc = 0;
done:
	seed_csv_close(&f);
	buf_release(&sql);
	return rc;
}

int seed_csv_load_all(PGconn *pg, const char *root, const char *area,
		      const struct seed_file *files, size_t nfiles, size_t *changed,
		      char *err, size_t errlen)
{
	size_t inserted = 0;
	const char *notify[2] = { LISTENER_CHANNEL, area };

	if (db_direct_exec(pg, "BEGIN", 0, NULL, NULL, err, errlen))
		return -1;
	for (size_t i = 0; i < nfiles; i++)
		if (seed_csv_load(pg, root, &files[i], &inserted, err, errlen))
			goto rollback;
	if (inserted && db_direct_exec(pg, "SELECT pg_notify($1, $2)", 2, notify, NULL, err, errlen))
		goto rollback;
	if (db_direct_exec(pg, "COMMIT", 0, NULL, NULL, err, errlen))
		goto rollback;
	log_msgf(LOG_INFO, "seed: %s: %zu rows changed", area, inserted);
	*changed += inserted;
	return 0;
rollback:
	db_direct_rollback(pg);
	return -1;
}

int seed_csv_load_group(PGconn *pg, const char *root, const struct seed_group *g,
			size_t *changed, char *err, size_t errlen)
{
	return seed_csv_load_all(pg, root, g->area, g->files, g->nfiles, changed, err, errlen);
}
