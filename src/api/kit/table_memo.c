/*
 * table_memo.c - memoised tables for requests (see table_memo.h).
 */
#include "api/kit/table_memo.h"

#include <stdio.h>
#include <stdlib.h>

#include "api/common.h"
#include "config.h"
#include "http/cache.h"
#include "http/request.h"
#include "http/response.h"

struct call {
	struct request *req;
	struct response *res;
	table_build_fn build;
	void *arg;
};

static void *build_for_request(void *ctx, const char *key, uint64_t gen)
{
	struct call *c = ctx;

	(void)key;
	(void)gen;
	return c->build(c->req, c->res, c->arg);
}

int table_memo_get_or_respond(struct memo *m, struct request *req, struct response *res,
			      unsigned depends, const char *name, table_build_fn build, void *arg,
			      struct memo_ref *ref)
{
	struct call c = { req, res, build, arg };
	char key[MEMO_KEY_MAX];

	snprintf(key, sizeof(key), "%s|%u", name, req->cfg->suppress_below);
	if (res->front_only) {
		/* On the HTTP thread: a built table or the executor. */
		if (memo_peek(m, key, cache_data_generation_for(depends), ref) == 0)
			return 0;
		res->needs_db = true;
		return -1;
	}
	if (memo_get(m, key, cache_data_generation_for(depends), build_for_request, &c, ref) == 0)
		return 0;
	if (res->status == 0)
		problem_send_internal(res);
	return -1;
}

void *table_load_or_respond(struct request *req, struct response *res,
			    const struct table_loader *l)
{
	PGresult *r[TABLE_LOADER_MAX_STMTS] = { NULL };
	struct db_call calls[TABLE_LOADER_MAX_STMTS];
	void *table = NULL;
	size_t i;

	if (l->nstmts > TABLE_LOADER_MAX_STMTS || !(table = calloc(1, l->size))) {
		problem_send_internal(res);
		return NULL;
	}
	/* Every statement in one round trip. */
	for (i = 0; i < l->nstmts; i++)
		calls[i] = (struct db_call){ l->stmts[i], 0, NULL, &r[i] };
	if (!request_db_or_respond(req, res) || api_batch_or_respond(req, res, calls, l->nstmts))
		goto fail;
	if (l->load(table, r, req->cfg->suppress_below) != 0) {
		problem_send_internal(res);
		goto fail;
	}
	for (i = 0; i < l->nstmts; i++)
		PQclear(r[i]);
	return table;
fail:
	for (i = 0; i < l->nstmts; i++)
		PQclear(r[i]);
	l->free_table(table);
	return NULL;
}
