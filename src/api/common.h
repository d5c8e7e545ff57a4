/*
 * common.h - small helpers shared by the resource files.
 */
#ifndef EQ_API_COMMON_H
#define EQ_API_COMMON_H

#include <libpq-fe.h>
#include <stdbool.h>

#include "db/db.h"

struct request;
struct response;

/* Run a statement on the request's connection; on failure put the right
 * problem (503 for an unreachable database or a timeout, 500 otherwise) in
 * res and return -1. */
int api_exec_or_respond(struct request *req, struct response *res, const char *stmt,
			int nparams, const char *const *values, PGresult **out);

/* GSS codes: a letter for the nation and eight digits, "E05013628". */
bool area_code_is_valid(const char *code);

/* Our slugs and codes: lower-case letters, digits, '_' or '-', 1-64 long. */
bool code_is_valid(const char *code);

#endif
