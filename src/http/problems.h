/*
 * problems.h - the one registry of the problem types the service answers
 * with (RFC 9457 problem details, "type": "urn:equalities:problem:<slug>").
 *
 * Every slug a problem_send* call names is here, with its one HTTP status,
 * its stable title and one sentence on what it means; api/openapi.yaml
 * lists the same (the Problem schema's `type` enum and its table), and
 * tests/integration/test_problem_registry.py holds the sources, this table
 * and the contract together.  Clients may rely on type and title; a new
 * kind of problem is a new row here and in the contract, never a new title
 * for an old slug.
 */
#ifndef EQ_HTTP_PROBLEMS_H
#define EQ_HTTP_PROBLEMS_H

#include <stddef.h>

#define PROBLEM_TYPE_PREFIX "urn:equalities:problem:"

struct problem_type {
	const char *slug;          /* "not-found" */
	int status;                /* the status it is always sent with */
	const char *title;         /* short and stable */
	const char *description;   /* one sentence, for the contract */
};

/* The registry, sorted by slug (static storage). */
extern const struct problem_type problem_types[];
extern const size_t problem_ntypes;

/* The entry of slug, or NULL when it is not registered. */
const struct problem_type *problem_type_find(const char *slug);

#endif
