/*
 * keys_cli.h - `equalities-api keys create|list|revoke`: API keys are made
 * and withdrawn by an operator at the command line, never over HTTP.
 */
#ifndef EQ_KEYS_CLI_H
#define EQ_KEYS_CLI_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdio.h>

/* argv[0] is "keys".  Returns the process exit code (0, 1, or 2 for bad
 * usage).  The new key is printed once, alone on stdout. */
int keys_cli_run(PGconn *pg, int argc, char **argv);

/* The keys subcommand's usage, to out. */
void keys_cli_usage(FILE *out);

/* Is argv (the whole command line, argv[1] "keys") a request for help:
 * "keys --help", "keys -h" or "keys help"?  Answered without a database. */
bool keys_cli_is_help(int argc, char **argv);

#endif
