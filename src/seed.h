/*
 * seed.h - `equalities-api seed`: load the demo data set from data/.
 *
 * Reference data (areas, characteristics, categories, data sets) is upserted
 * from CSV, then every Census file in data/census/manifest.csv goes through
 * the same importer a council uses for the real tables.  Idempotent: a
 * second run changes no row.
 */
#ifndef EQ_SEED_H
#define EQ_SEED_H

#include <libpq-fe.h>
#include <stddef.h>

__attribute__((warn_unused_result))
int seed_run(PGconn *pg, const char *root, char *err, size_t errlen);

#endif
