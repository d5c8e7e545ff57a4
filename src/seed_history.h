/*
 * seed_history.h - the demo release history that `equalities-api seed`
 * makes after loading the data (issue #13: something for the public, and
 * the disclosure attacker in tests/security, to hold and difference):
 *
 *   hate-crime v1       every financial year's cells, as seeded;
 *   returns-summary v1  the first window past its due date that has a
 *                       return sent back for correction, as it closed;
 *   one report withdrawn by the organisation that submitted it (a report
 *                       that counts alone, in a ward and quarter published
 *                       at the threshold where there is one: attack 3);
 *   hate-crime v2       the next monthly release;
 *   the returned return resubmitted, late, and accepted: the acceptance
 *                       releases the window's summary again (v2, attack 4).
 *
 * The releases are made through the service itself, never by calling the
 * release builders here: the seed starts its own binary (`serve`, on a
 * free loopback port, metrics off), makes three short-lived keys (the
 * council's reviewer and administrator, the reporting organisation's, the
 * partner's; only their hashes stored, revoked at the end whatever
 * happens), drives the steps over HTTP and stops the child with SIGTERM.
 * Each step's status is checked: the first that fails ends the seed with
 * its answer.
 *
 * Idempotent: when any release exists the history is there (or the
 * council's own releases are), and nothing is made.
 */
#ifndef EQ_SEED_HISTORY_H
#define EQ_SEED_HISTORY_H

#include <libpq-fe.h>
#include <stddef.h>

/* threshold: the service's EQ_SUPPRESS_BELOW.  0, or -1 with err. */
__attribute__((warn_unused_result))
int seed_history(PGconn *pg, unsigned threshold, char *err, size_t errlen);

#endif
