/*
 * seed_csv.h - what every demo-data loader does the same way: read a CSV
 * file below data/ by column name, and load a group of files in one
 * transaction that tells the other instances when it changed something.
 *
 * The loaders (seed.c, seed_*.c) keep only what is theirs: which files,
 * which columns, and the SQL of a row.
 */
#ifndef EQ_SEED_CSV_H
#define EQ_SEED_CSV_H

#include <libpq-fe.h>
#include <stddef.h>

#include "domain/csv.h"
#include "util/buf.h"

#define SEED_CSV_MAX_COLUMNS 20

/* One open file.  Everything it holds is its own; seed_csv_close frees it. */
struct seed_csv {
	char name[96];            /* "data/returns/windows.csv", for messages */
	struct buf text;
	struct csv_reader r;
	size_t ncolumns;
	long index[SEED_CSV_MAX_COLUMNS];   /* field of each wanted column */
	char where[128];          /* "data/returns/windows.csv line 4": the last row read */
};

/*
 * Read root/data/<name> whole and find each of columns in its header row.
 * 0, or -1 with a reason in err (unreadable, no header, a column missing,
 * more than SEED_CSV_MAX_COLUMNS).  Call seed_csv_close either way.
 */
__attribute__((warn_unused_result))
int seed_csv_open(struct seed_csv *f, const char *root, const char *name,
		  const char *const *columns, size_t ncolumns, char *err, size_t errlen);

/*
 * The next record's values in column order, an empty field as NULL; the
 * pointers live until the next call.  1 with a row, 0 at the end, -1 with
 * a reason (naming the line) in err.
 */
__attribute__((warn_unused_result))
int seed_csv_next(struct seed_csv *f, const char **values, char *err, size_t errlen);

void seed_csv_close(struct seed_csv *f);

/*
 * db_direct_exec for a row loader: on failure the reason names where (the
 * file and line) and the server's message.  0 or -1.
 */
__attribute__((warn_unused_result))
int seed_exec(PGconn *pg, const char *where, const char *sql, int nparams,
	      const char *const *values, PGresult **out, char *err, size_t errlen);

/*
 * A row loader: write values (one per column of its file) with pg; add the
 * rows it created to *inserted; 0, or -1 with a reason in err (where names
 * the file and line).  root is the folder holding data/, for a row that
 * names another file (a manifest).
 */
typedef int (*seed_row_fn)(PGconn *pg, const char *root, const char *const *values,
			   const char *where, size_t *inserted, char *err, size_t errlen);

/*
 * The upsert of a reference table, made from its columns (seed_csv_load):
 *
 *     INSERT INTO table (c1, ..., cn) VALUES ($1, ..., $n)
 *     ON CONFLICT (c1..ck) DO UPDATE SET c(k+1) = EXCLUDED.c(k+1), ...
 *     WHERE (table.c(k+1), ...) IS DISTINCT FROM (EXCLUDED.c(k+1), ...)
 *
 * so that a second run changes no row, and so notifies nobody.
 */
struct seed_upsert {
	const char *table;
	size_t nkeys;                    /* the first nkeys columns: the conflict key */
	const char *const *as;           /* the table's names of the file's columns; NULL: the same */
};

struct seed_file {
	const char *name;                /* below data/ */
	const char *const *columns;
	size_t ncolumns;
	/* One of: a statement run with the values as $1, $2 ... (counting the
	 * rows it changed), an upsert made from the columns (run the same
	 * way), or a loader of its own. */
	const char *sql;
	seed_row_fn row;
	/* A column naming a row of the same file (areas.csv's parent_code):
	 * rows where it is empty load first, so parents exist before the rows
	 * that name them.  NULL: file order. */
	const char *parent;
	struct seed_upsert upsert;       /* used when upsert.table is set */
};

/* A seed_file's name and columns, counted: an array of them, or the
 * columns written out beside the statement that numbers them. */
#define SEED_COLUMNS(name, columns) (name), (columns), (sizeof(columns) / sizeof((columns)[0]))
#define SEED_FILE(name, ...)                                                  \
	(name), (const char *const[]){ __VA_ARGS__ },                         \
	(sizeof((const char *const[]){ __VA_ARGS__ }) / sizeof(const char *))

/* Every row of one file, through f->sql, f->upsert or f->row. */
__attribute__((warn_unused_result))
int seed_csv_load(PGconn *pg, const char *root, const struct seed_file *f,
		  size_t *inserted, char *err, size_t errlen);

/* A group of files loaded together (seed_csv_load_group), notifying area. */
struct seed_group {
	const char *area;
	const struct seed_file *files;
	size_t nfiles;
};

#define SEED_GROUP(area, files) { (area), (files), sizeof(files) / sizeof((files)[0]) }

/*
 * Load files in order in one transaction: all of them or none.  When a row
 * was added, NOTIFY the listener channel with area (the change reaches
 * every instance's cache even from this command) and log "seed: <area>:
 * N rows added".  0, adding the rows to *changed; -1 with a reason, rolled
 * back.
 */
__attribute__((warn_unused_result))
int seed_csv_load_all(PGconn *pg, const char *root, const char *area,
		      const struct seed_file *files, size_t nfiles, size_t *changed,
		      char *err, size_t errlen);

/* seed_csv_load_all of a group. */
__attribute__((warn_unused_result))
int seed_csv_load_group(PGconn *pg, const char *root, const struct seed_group *g,
			size_t *changed, char *err, size_t errlen);

#endif
