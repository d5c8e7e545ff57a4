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

#include <libpq-fe.h>
#include <stddef.h>

/* 0, adding the rows inserted to *changed; -1 with a reason in err. */
__attribute__((warn_unused_result))
int seed_returns(PGconn *pg, const char *root, size_t *changed, char *err, size_t errlen);

#endif
