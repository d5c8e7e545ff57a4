/*
 * contract_bind.c - the contract bound to the route table at start-up (see
 * contract.h): each route's operation found once, by its position in the
 * table, and every pattern compiled once, so that a request's checks look
 * nothing up by name and compile nothing.
 */
#include "http/contract.h"

#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct {
	const struct contract_table *table;
	regex_t *regex;
	size_t nregex;
	const struct route *routes;
	size_t nroutes;
	int *route_op;
} bound;

void contract_unbind(void)
{
	for (size_t i = 0; i < bound.nregex; i++)
		regfree(&bound.regex[i]);
	free(bound.regex);
	free(bound.route_op);
	memset(&bound, 0, sizeof(bound));
}

static bool op_has_param(const struct contract_table *t, const struct contract_op *op,
			 const char *name)
{
	for (unsigned k = 0; k < op->nparams; k++)
		if (strcmp(t->params[op->param_first + k].name, name) == 0)
			return true;
	return false;
}

/* Templates equal up to their placeholders' names: the contract may call
 * a segment {fy_start} where the route calls it {year}. */
/* A route's scope and its operation's: both public (NULL or ""), or the
 * same list in the same order. */
static bool same_scopes(const char *route, const char *op)
{
	if (!route || !*route)
		return !op || !*op;
	return op && strcmp(route, op) == 0;
}

static bool same_template(const char *a, const char *b)
{
	while (*a && *b) {
		if (*a == '{' && *b == '{') {
			a += strcspn(a, "}");
			b += strcspn(b, "}");
			if (!*a || !*b)
				return false;
		} else if (*a != *b) {
			return false;
		}
		a++;
		b++;
	}
	return *a == *b;
}

int contract_bind(const struct contract_table *table, const struct route *routes,
		  size_t nroutes, char *err, size_t errlen)
{
	bool *used = NULL;
	int rc = -1;

	contract_unbind();
	bound.table = table;
	bound.regex = calloc(table->npatterns ? table->npatterns : 1, sizeof(*bound.regex));
	bound.route_op = calloc(nroutes ? nroutes : 1, sizeof(*bound.route_op));
	used = calloc(table->nops ? table->nops : 1, sizeof(*used));
	if (!bound.regex || !bound.route_op || !used) {
		snprintf(err, errlen, "out of memory");
		goto done;
	}
	for (size_t i = 0; i < table->npatterns; i++) {
		if (regcomp(&bound.regex[i], table->patterns[i], REG_EXTENDED | REG_NOSUB) != 0) {
			snprintf(err, errlen, "contract pattern %s does not compile", table->patterns[i]);
			goto done;
		}
		bound.nregex++;
	}
	bound.routes = routes;
	bound.nroutes = nroutes;
	for (size_t i = 0; i < nroutes; i++) {
		const struct route *r = &routes[i];

		bound.route_op[i] = -1;
		for (size_t k = 0; k < table->nops; k++)
			if (table->ops[k].method == r->method &&
			    same_template(table->ops[k].path, r->template)) {
				bound.route_op[i] = (int)k;
				used[k] = true;
				break;
			}
		if (bound.route_op[i] < 0) {
			snprintf(err, errlen, "route %s %s is not in the contract (api/openapi.yaml)",
				 http_method_name(r->method), r->template);
			goto done;
		}
		if (!same_scopes(r->scope, table->ops[bound.route_op[i]].scopes)) {
			snprintf(err, errlen, "route %s %s needs scope %s but its operation says %s",
				 http_method_name(r->method), r->template, r->scope ? r->scope : "(none)",
				 table->ops[bound.route_op[i]].scopes ? table->ops[bound.route_op[i]].scopes
								      : "(public)");
			goto done;
		}
		if ((r->flags & ROUTE_CSV) &&
		    !op_has_param(table, &table->ops[bound.route_op[i]], "format")) {
			snprintf(err, errlen, "route %s %s serves CSV but its operation has no format parameter",
				 http_method_name(r->method), r->template);
			goto done;
		}
	}
	/* OPTIONS (and HEAD) are the server's own answers on any route's path
	 * (router.h): their operations need a route of the same path only. */
	for (size_t k = 0; k < table->nops; k++)
		if (table->ops[k].method == HTTP_OPTIONS || table->ops[k].method == HTTP_HEAD)
			for (size_t i = 0; i < nroutes && !used[k]; i++)
				used[k] = same_template(table->ops[k].path, routes[i].template);
	for (size_t k = 0; k < table->nops; k++)
		if (!used[k]) {
			snprintf(err, errlen, "operation %s %s of the contract has no route",
				 http_method_name(table->ops[k].method), table->ops[k].path);
			goto done;
		}
	rc = 0;
done:
	free(used);
	if (rc != 0)
		contract_unbind();
	return rc;
}

int contract_op_of_route(size_t i)
{
	return bound.route_op && i < bound.nroutes ? bound.route_op[i] : -1;
}

const struct contract_op *contract_op_for(const struct route *route, int *index)
{
	size_t i;

	if (!bound.table || !route || route < bound.routes || route >= bound.routes + bound.nroutes)
		return NULL;
	i = (size_t)(route - bound.routes);
	if (bound.route_op[i] < 0)
		return NULL;
	*index = bound.route_op[i];
	return &bound.table->ops[bound.route_op[i]];
}

const struct contract_table *contract_bound_table(void)
{
	return bound.table;
}

const regex_t *contract_pattern(int i)
{
	return i >= 0 && (size_t)i < bound.nregex ? &bound.regex[i] : NULL;
}
