/*
 * seed_hate_crime.h - the demo hate-crime reports (data/hate-crime/reports.csv)
 * for `equalities-api seed`.
 *
 * Each report is inserted with its version 1 (and, for a withdrawn one, the
 * withdrawal as version 2) exactly as the API would have written them, in
 * one transaction.  Idempotent: a report already present (same
 * organisation and submitter_reference) is left alone.  NOTIFY
 * 'hate_crime' when anything changed.
 */
#ifndef EQ_SEED_HATE_CRIME_H
#define EQ_SEED_HATE_CRIME_H

#include <libpq-fe.h>
#include <stddef.h>

/* 0, adding the reports inserted to *changed; -1 with a reason in err. */
__attribute__((warn_unused_result))
int seed_hate_crime(PGconn *pg, const char *root, size_t *changed, char *err, size_t errlen);

#endif
