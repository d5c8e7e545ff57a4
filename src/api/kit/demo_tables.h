/*
 * demo_tables.h - the demographics tables (domain/demo_table.h) as the
 * service reads them: loaded by named statements, suppressed once per data
 * generation and shared, through the memo kit, by every request that
 * slices them (GET /v1/demographics and GET /v1/workforce/representation).
 */
#ifndef EQ_API_KIT_DEMO_TABLES_H
#define EQ_API_KIT_DEMO_TABLES_H

#include <stddef.h>

#include "api/kit/memo.h"
#include "db/db.h"
#include "domain/demo_table.h"

struct request;
struct response;

/* Statements to register (demographics.c registers them at start). */
extern const struct db_statement demo_tables_statements[];
extern const size_t demo_tables_nstatements;

/*
 * The suppressed table of one characteristic of data set dataset_id, with
 * the request's threshold.  Returns 0 with *ref holding a reference whose
 * value is a `const struct demo_table *`, to give back with
 * demo_tables_release; or -1 after a problem (503, 500) in res.
 */
__attribute__((warn_unused_result))
int demo_tables_get_or_respond(struct request *req, struct response *res, const char *dataset_id,
			       const char *characteristic, struct memo_ref *ref);
void demo_tables_release(struct memo_ref *ref);

#endif
