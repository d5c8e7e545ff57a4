/*
 * release_cli.h - the demographics releases the CLI makes after loading
 * Census data (`import census`, `seed`): the same maker the service's
 * kit has (api/kit/demo_releases.h), on a connection pool of its own.
 */
#ifndef EQ_RELEASE_CLI_H
#define EQ_RELEASE_CLI_H

#include <libpq-fe.h>

struct config;

/*
 * Make a release of the family of data set dataset (NULL: of every family
 * that holds counts) unless its counts are exactly the latest release's,
 * for reason (what was loaded).  pg: the CLI's connection, whose database
 * the pool connects to when EQ_DATABASE_URL is unset.  Prints each
 * release made.  0, or -1 with the reason in err.
 */
__attribute__((warn_unused_result))
int release_cli_demographics(const struct config *cfg, PGconn *pg, const char *dataset,
			     const char *reason, char *err, size_t errlen);

#endif
