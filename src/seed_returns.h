/*
 * seed_returns.h - the demo return windows and partner returns
 * (data/returns/windows.csv, data/returns/returns.csv) for
 * `equalities-api seed`.
 *
 * A return is written the way the API would have: created as a draft,
 * submitted (with its submission kept), then reviewed, in one
 * transaction.  Idempotent: a window (kind, period) or a return (window,
 * organisation) already present is left alone.  NOTIFY 'returns' when
 * anything changed.
 */
#ifndef EQ_SEED_RETURNS_H
#define EQ_SEED_RETURNS_H

#include "seed_csv.h"

/* The files, loaded in one transaction (area "returns"). */
extern const struct seed_group seed_returns_files;

#endif
