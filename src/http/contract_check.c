/*
 * contract_check.c - the contract's checks in the life of a request (see
 * contract.h): the glue between the pure validator of contract.c and the
 * request and response helpers.
 */
#include "http/contract.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

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
	char detail[160];

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

static bool is_json_type(const char *ctype)
{
	size_t len = ctype ? strcspn(ctype, "; ") : 0;

	return ctype && len == strlen("application/json") &&
	       strncasecmp(ctype, "application/json", len) == 0;
}

int contract_check_body_or_respond(struct request *req, struct response *res)
{
	int index = -1;
	const struct contract_op *op = op_for(req, &index);
	const char *ctype = request_header(req, "Content-Type");
	const struct contract_node *root;
	json_error_t error;
	json_t *body, *errors;
	size_t count;

	if (!op) {
		problem_send_internal(res);
		return -1;
	}
	if (op->body < 0 || (!op->body_required && req->body_len == 0))
		return 0;
	if (!is_json_type(ctype)) {
		if (op->body_other_types)
			return 0;   /* the handler reads text/csv, and refuses the rest */
		problem_send(res, 415, "unsupported-media-type", "Unsupported media type",
			     "Send the body as JSON with Content-Type: application/json.");
		return -1;
	}
	/* Duplicate keys would make "which value counts" ambiguous.  A NUL
	 * (\u0000) and a lone surrogate (\ud800) are refused by jansson here,
	 * as malformed: 400. */
	body = json_loadb(req->body ? req->body : "", req->body_len, JSON_REJECT_DUPLICATES, &error);
	if (!body) {
		/* jansson quotes the input near the error, cut to fit its
		 * buffer: a character cut in two would make the reply
		 * unbuildable. */
		query_utf8_repair(error.text);
		problem_sendf(res, 400, "malformed-json", "Malformed JSON",
			      "The body is not valid JSON: %s (line %d, column %d).",
			      error.text, error.line, error.column);
		return -1;
	}
	root = &contract_bound_table()->nodes[op->body];
	if ((root->types & CONTRACT_OBJECT) && !json_is_object(body)) {
		json_decref(body);
		problem_send(res, 400, "malformed-json", "Malformed JSON", "The body must be a JSON object.");
		return -1;
	}
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
