/*
 * keys_cli.h - `equalities-api keys create|list|revoke`: API keys are made
 * and withdrawn by an operator at the command line, never over HTTP.
 */
#ifndef EQ_KEYS_CLI_H
#define EQ_KEYS_CLI_H

#include <libpq-fe.h>

/* argv[0] is "keys".  Returns the process exit code (0, 1, or 2 for bad
 * usage).  The new key is printed once, alone on stdout. */
int keys_cli_run(PGconn *pg, int argc, char **argv);

#endif
