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

#include "seed_csv.h"

/* The files, loaded in one transaction (area "indicators"). */
extern const struct seed_group seed_indicators_files;

#endif
