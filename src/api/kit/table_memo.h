/*
 * table_memo.h - a request's way into the memo kit (memo.h): the table of
 * a name at the current generation of the data it is derived from, built
 * with the request's connection and the service's disclosure threshold.
 *
 * The key is the name and the threshold (a table suppressed at one
 * threshold is never served at another); the generation is
 * cache_data_generation_for(depends), so a change of that data builds anew;
 * while the change listener is down (generation 0) every call builds.  The
 * response cache being off (EQ_RESPONSE_CACHE=off) does not matter here:
 * a table is built once per change of its data either way.
 */
#ifndef EQ_API_KIT_TABLE_MEMO_H
#define EQ_API_KIT_TABLE_MEMO_H

#include <libpq-fe.h>
#include <stddef.h>

#include "api/kit/memo.h"

struct request;
struct response;

/* Build a table for req (statements on its connection); NULL after a
 * problem in res.  arg is the caller's. */
typedef void *(*table_build_fn)(struct request *req, struct response *res, void *arg);

/*
 * Get or build the table called name.  Returns 0 with *ref holding a
 * reference (give it back with memo_release(m, ref)), or -1 after a problem
 * in res (the builder's, or 500 when memory ran out before it could run).
 * With res->front_only (a handler tried on the HTTP thread) it only takes
 * a table already built, and otherwise returns -1 with res->needs_db set
 * and no problem in res.
 */
__attribute__((warn_unused_result))
int table_memo_get_or_respond(struct memo *m, struct request *req, struct response *res,
			      unsigned depends, const char *name, table_build_fn build, void *arg,
			      struct memo_ref *ref);

/*
 * The usual build: a zeroed table of size bytes filled by load from the
 * results of nstmts statements without parameters (stmts), run on the
 * request's connection.  load gets the disclosure threshold too; it may
 * keep a result by taking it (setting it NULL); the others are cleared
 * after it.  It returns 0, or -1 when memory ran out.
 */
struct table_loader {
	size_t size;
	const char *const *stmts;
	size_t nstmts;
	int (*load)(void *table, PGresult **results, unsigned threshold);
	void (*free_table)(void *table);   /* frees a table load failed on */
};

#define TABLE_LOADER_MAX_STMTS 8

/* The table loader l builds for req, or NULL after a problem in res
 * (503/500 for the database, 500 when memory ran out). */
void *table_load_or_respond(struct request *req, struct response *res,
			    const struct table_loader *l);

#endif
