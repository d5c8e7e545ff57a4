/*
 * seed_indicators.h - the demo indicators and their values
 * (data/indicators/indicators.csv and values.csv) for `equalities-api seed`.
 *
 * Figures in the files are decimals in the indicator's unit (a percentage
 * tolerance in percent); they are stored in thousandths.  Each value gets
 * its first revision as the API would have written it.  Idempotent: an
 * indicator or a value already present is left alone.  NOTIFY 'indicators'
 * when anything changed.
 */
#ifndef EQ_SEED_INDICATORS_H
#define EQ_SEED_INDICATORS_H

#include <libpq-fe.h>
#include <stddef.h>

/* 0, adding the rows inserted to *changed; -1 with a reason in err. */
__attribute__((warn_unused_result))
int seed_indicators(PGconn *pg, const char *root, size_t *changed, char *err, size_t errlen);

#endif
