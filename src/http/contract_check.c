/*
 * contract_check.c - the contract's checks in the life of a request (see
 * contract.h): the glue between the pure validator of contract.c and the
 * request and response helpers.
 */
#include "http/contract.h"

#include <stdio.h>

#include "http/json_body.h"
#include "http/query.h"
#include "http/request.h"
#include "http/response.h"

static const struct contract_op *op_for(const struct request *req, int *index)
{
	return contract_op_for(req->route, index);
}

static void send_errors(struct response *res, int status, const char *type, const char *title,
			const char *what, json_t *errors, size_t count)
{
	/* Room for the longest sentence a check writes (the choices of a
	 * list parameter), so that the next step is never cut off. */
	char detail[640];

	if (count == 1 && status == 400) {
		/* The sentence of the single problem, as before the pipeline. */
		json_t *e = json_array_get(errors, 0);

		snprintf(detail, sizeof(detail), "query parameter '%s': %s",
			 json_string_value(json_object_get(e, "parameter")),
			 json_string_value(json_object_get(e, "detail")));
	} else {
		if (count > CONTRACT_MAX_ERRORS)
			snprintf(detail, sizeof(detail), "The %s has %zu problems; the first %d are listed in errors.",
				 what, count, CONTRACT_MAX_ERRORS);
		else
			snprintf(detail, sizeof(detail), "The %s has %zu problem%s; each is listed in errors.",
				 what, count, count == 1 ? "" : "s");
	}
	problem_send_errors(res, status, type, title, detail, errors);
}

int contract_check_query_or_respond(struct request *req, struct response *res)
{
	int index = -1;
	const struct contract_op *op = op_for(req, &index);
	json_t *errors;
	size_t count;
	bool required = false;

	if (!op) {
		/* contract_bind refused any such table at start-up. */
		problem_send_internal(res);
		return -1;
	}
	for (unsigned k = 0; k < op->nparams && !required; k++)
		required = contract_bound_table()->params[op->param_first + k].required;
	if (req->query.n == 0 && !required)
		return 0;
	/* Count first, without allocating: the common case has no problem. */
	if (contract_validate_query(&req->query, (size_t)index, NULL) == 0)
		return 0;
	errors = json_array();
	if (!errors) {
		problem_send_internal(res);
		return -1;
	}
	count = contract_validate_query(&req->query, (size_t)index, errors);
	send_errors(res, 400, "invalid-parameter", "Invalid query parameter", "query", errors, count);
	return -1;
}

int contract_check_body_or_respond(struct request *req, struct response *res)
{
	int index = -1;
	const struct contract_op *op = op_for(req, &index);
	json_t *body, *errors;
	size_t count;

	if (!op) {
		problem_send_internal(res);
		return -1;
	}
	if (op->body < 0 || (!op->body_required && req->body_len == 0))
		return 0;
	/* The handler reads text/csv, and refuses the rest itself. */
	if (op->body_other_types && !json_body_is_json_type(request_header(req, "Content-Type")))
		return 0;
	body = request_body_json_or_respond(req, res,
		(contract_bound_table()->nodes[op->body].types & CONTRACT_OBJECT) != 0);
	if (!body)
		return -1;
	errors = json_array();
	if (!errors) {
		json_decref(body);
		problem_send_internal(res);
		return -1;
	}
	count = contract_validate_json(body, op->body, errors);
	if (count) {
		json_decref(body);
		send_errors(res, 422, "validation-failed", "Validation failed", "request body", errors,
			    count);
		return -1;
	}
	json_decref(errors);
	json_decref(req->json);
	req->json = body;
	return 0;
}
