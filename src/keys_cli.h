/*
 * keys_cli.h - `equalities-api keys create|list|revoke`: API keys are made
 * and withdrawn by an operator at the command line, never over HTTP.
 */
#ifndef EQ_KEYS_CLI_H
#define EQ_KEYS_CLI_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdio.h>

#include "domain/apikey.h"

/* argv[0] is "keys".  Returns the process exit code (0, 1, or 2 for bad
 * usage).  The new key is printed once, alone on stdout. */
int keys_cli_run(PGconn *pg, int argc, char **argv);

/*
 * Make a key for organisation org (a slug) with scope_text ("a,b"),
 * expiring at until (a timestamptz literal, or NULL for never): only its
 * hash is stored.  The whole key into key, its prefix into prefix.  0, or
 * the exit code (1, 2) after saying why on stderr.
 */
__attribute__((warn_unused_result))
int keys_make(PGconn *pg, const char *org, const char *scope_text, const char *until,
	      char key[APIKEY_LEN + 1], char prefix[APIKEY_PREFIX_LEN + 1]);

/* Revoke the active key prefix (audited).  0, or 1 after saying why. */
int keys_revoke_prefix(PGconn *pg, const char *prefix);

/* The keys subcommand's usage, to out. */
void keys_cli_usage(FILE *out);

/* Is argv (the whole command line, argv[1] "keys") a request for help:
 * "keys --help", "keys -h" or "keys help"?  Answered without a database. */
bool keys_cli_is_help(int argc, char **argv);

#endif
