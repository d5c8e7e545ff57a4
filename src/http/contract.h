/*
 * contract.h - the request checks generated from api/openapi.yaml.
 *
 * tools/gen_contract.py turns every operation of the contract into the
 * tables below (build/contract_tables.c, contract_generated): its query
 * parameters and its JSON request-body schema, flattened into an array of
 * nodes.  The generator refuses any schema keyword this module does not
 * check, so the contract never promises more than the service enforces.
 *
 * The server binds each route of its table to its operation once, at
 * start-up (contract_bind: a route without an operation, or an operation
 * without a route, is an error), and then, for every request:
 *
 *   contract_check_query_or_respond   before authentication: unknown names,
 *     repetition, type, enum, pattern, range; a 400 listing every problem
 *     as errors[{"parameter", "detail"}].
 *   contract_check_body_or_respond    once the caller is known: 415 for a
 *     media type the operation does not take, 400 for malformed JSON (line
 *     and column), then the schema, a 422 listing every problem as
 *     errors[{"pointer", "detail"}] (RFC 6901).  The parsed body is kept on
 *     the request (req->json) and request_json_or_respond hands it out.
 *
 * A request without a query string or body allocates nothing here.
 * contract.c is pure (unit-tested alone); contract_bind.c holds the
 * binding made at start-up; contract_check.c holds the two
 * ..._or_respond functions that speak to the request and the response.
 */
#ifndef EQ_HTTP_CONTRACT_H
#define EQ_HTTP_CONTRACT_H

#include <jansson.h>
#include <regex.h>
#include <stdbool.h>
#include <stddef.h>

#include "http/router.h"

struct request;
struct response;

/* JSON types a node accepts (a set: "type": ["string", "null"]). */
enum contract_type {
	CONTRACT_NULL = 1u << 0,
	CONTRACT_BOOLEAN = 1u << 1,
	CONTRACT_INTEGER = 1u << 2,   /* a JSON integer: 5, never 5.0 */
	CONTRACT_NUMBER = 1u << 3,    /* an integer or a real */
	CONTRACT_STRING = 1u << 4,
	CONTRACT_ARRAY = 1u << 5,
	CONTRACT_OBJECT = 1u << 6,
};

enum contract_flag {
	CONTRACT_HAS_MIN = 1u << 0,
	CONTRACT_HAS_MAX = 1u << 1,
	CONTRACT_EXCL_MIN = 1u << 2,      /* minimum is exclusive */
	CONTRACT_EXCL_MAX = 1u << 3,
	CONTRACT_UNIQUE_ITEMS = 1u << 4,
	CONTRACT_CLOSED = 1u << 5,        /* additionalProperties: false */
};

enum contract_format { CONTRACT_FORMAT_NONE = 0, CONTRACT_FORMAT_DATE, CONTRACT_FORMAT_UUID };

/* An enum (or const) member. */
struct contract_value {
	unsigned type;       /* one CONTRACT_* type */
	const char *string;  /* CONTRACT_STRING */
	double number;       /* CONTRACT_INTEGER, CONTRACT_NUMBER; CONTRACT_BOOLEAN: 0 or 1 */
};

/* Lengths and counts are -1 when the schema sets no bound. */
struct contract_node {
	unsigned types;            /* contract_type bits; 0: any value */
	unsigned flags;            /* contract_flag bits */
	double minimum, maximum;   /* with CONTRACT_HAS_MIN / _MAX */
	long min_length, max_length;   /* in code points */
	long min_items, max_items;
	long min_props, max_props;
	int pattern;               /* index in contract_table.patterns, -1: none */
	const char *refusal;       /* said of a value the pattern refuses (x-refusal); NULL: the pattern is named */
	enum contract_format format;
	unsigned enum_first, nenum;        /* in contract_table.values; nenum 0: none */
	unsigned prop_first, nprops;       /* in contract_table.props */
	int items;                 /* node of every item, -1: any */
	int additional;            /* node of other members, -1: any (or none when CLOSED) */
	unsigned one_of_first, none_of;    /* node indexes in contract_table.subs */
};

struct contract_prop {
	const char *name;
	int node;                  /* -1: any value */
	bool required;
};

/* A query parameter.  Arrays (form style) may be repeated when explode is
 * set, and each value may hold several items separated by commas; node is
 * then the schema of one item. */
struct contract_param {
	const char *name;
	bool required;
	bool array;
	bool explode;
	long min_items, max_items;  /* arrays; -1: none */
	int node;
};

struct contract_op {
	enum http_method method;
	const char *path;          /* template, as in the route table */
	unsigned param_first, nparams;   /* in contract_table.params */
	int body;                  /* node of the JSON body, -1: no JSON body */
	bool body_required;
	bool body_other_types;     /* also takes a body that is not JSON (text/csv) */
	const char *scopes;        /* its security requirement's scopes, "a,b" (any one
				    * will do); NULL: public.  Must equal its route's. */
};

struct contract_table {
	const struct contract_node *nodes;
	size_t nnodes;
	const struct contract_prop *props;
	const struct contract_value *values;
	const int *subs;
	const char *const *patterns;   /* POSIX extended regular expressions */
	size_t npatterns;
	const struct contract_param *params;
	const struct contract_op *ops;
	size_t nops;
};

/* api/openapi.yaml, generated at build time. */
extern const struct contract_table contract_generated;

/*
 * Compile the table's patterns and bind routes[i] to its operation (method
 * and template equal).  0, or -1 with a sentence in err: a pattern that does
 * not compile, a route with no operation, an operation with no route, a
 * CSV route whose operation has no format parameter, a route whose scope is
 * not its operation's (the contract's security requirement is what clients
 * read, so it must be what the service enforces).  Binding again
 * replaces the previous binding.  table and routes must outlive it; not
 * thread-safe (call it before serving).
 */
__attribute__((warn_unused_result))
int contract_bind(const struct contract_table *table, const struct route *routes,
		  size_t nroutes, char *err, size_t errlen);
void contract_unbind(void);

/* Checks for req->route, which must come from the bound table.  0 to go on;
 * -1 after putting the problem into res. */
__attribute__((warn_unused_result))
int contract_check_query_or_respond(struct request *req, struct response *res);
__attribute__((warn_unused_result))
int contract_check_body_or_respond(struct request *req, struct response *res);

/*
 * The checks themselves, without a request, for tests: every problem is
 * appended to errors (an array the caller owns) as {"pointer", "detail"} or
 * {"parameter", "detail"}.  Return the number of problems added.  Bound
 * table required (its compiled patterns).
 */
size_t contract_validate_json(const json_t *value, int node, json_t *errors);
struct query;
size_t contract_validate_query(const struct query *q, size_t op, json_t *errors);

/* The operation bound to routes[i], or -1. */
int contract_op_of_route(size_t i);

/* The operation bound to route (a pointer into the bound table: O(1)),
 * with its index; NULL when route is not from the bound table. */
const struct contract_op *contract_op_for(const struct route *route, int *index);
const struct contract_table *contract_bound_table(void);

/* Pattern i of the bound table, compiled by contract_bind (owned by the
 * binding, valid until contract_unbind); NULL for -1 or out of range. */
const regex_t *contract_pattern(int i);

/* Past this many problems a reply lists the first ones and counts the rest. */
#define CONTRACT_MAX_ERRORS 200

#endif
