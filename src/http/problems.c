/*
 * problems.c - the registry of problem types (see problems.h).  Kept sorted
 * by slug: lookups are a binary search, and tests/unit/test_problems.c
 * checks the order.
 */
#include "http/problems.h"

#include <stdlib.h>
#include <string.h>

const struct problem_type problem_types[] = {
	{ "bad-idempotency-key", 400, "Bad Idempotency-Key",
	  "The Idempotency-Key header is not 1 to 255 visible ASCII characters." },
	{ "bad-request", 400, "Bad request",
	  "The request itself is malformed: its target, framing, method or headers break HTTP, or a cursor is not one this service issued." },
	{ "body-too-large", 413, "Request body too large",
	  "The request body is larger than the service accepts (EQ_MAX_BODY_BYTES)." },
	{ "current-plan-exists", 409, "Current plan exists",
	  "Another action plan is current; only one may be, so a new plan must be draft or closed." },
	{ "duplicate-action-plan", 409, "Duplicate action plan",
	  "A plan starting in that financial year exists already." },
	{ "duplicate-action-reference", 409, "Duplicate action reference",
	  "The plan has an action with that reference already." },
	{ "duplicate-impact-assessment", 409, "Duplicate impact assessment",
	  "An impact assessment with that reference exists already." },
	{ "duplicate-organisation", 409, "Duplicate organisation",
	  "An organisation with that slug exists already." },
	{ "duplicate-return", 409, "Duplicate return",
	  "The organisation has a return for that window already." },
	{ "duplicate-submitter-reference", 409, "Duplicate submitter reference",
	  "The organisation has a report with that submitter reference already." },
	{ "duplicate-window", 409, "Duplicate return window",
	  "A return window of that kind for that period exists already." },
	{ "expectation-failed", 417, "Expectation failed",
	  "The request carries an Expect header other than 100-continue." },
	{ "forbidden", 403, "Forbidden",
	  "The API key is valid but lacks the scope this operation needs, or the action is not its organisation's to take." },
	{ "idempotency-in-flight", 409, "Request in progress",
	  "A request with the same Idempotency-Key is still being processed; retry shortly for its result." },
	{ "idempotency-key-reused", 422, "Idempotency-Key reused",
	  "The Idempotency-Key was used before with a different request." },
	{ "internal", 500, "Internal error",
	  "The request could not be completed; the cause is logged under the request id, never returned." },
	{ "invalid-parameter", 400, "Invalid query parameter",
	  "A query parameter is unknown, repeated or has a value the operation does not accept; errors names each." },
	{ "malformed-json", 400, "Malformed JSON",
	  "The request body is not a JSON object." },
	{ "method-not-allowed", 405, "Method not allowed",
	  "The path exists but does not accept this method; Allow lists those it does." },
	{ "not-found", 404, "Not found",
	  "No route matches the path, or the record named does not exist or is not visible to this key." },
	{ "not-implemented", 501, "Not implemented",
	  "The method or transfer coding is not one this service implements." },
	{ "not-ready", 503, "Not ready",
	  "The instance cannot serve yet: the database is unreachable or its schema does not match this build." },
	{ "overloaded", 503, "Overloaded",
	  "Too many requests are waiting for the database (EQ_DB_QUEUE), or this one waited too long (EQ_DB_QUEUE_TIMEOUT_MS); nothing was done, so retry after Retry-After." },
	{ "pay-gaps-computed", 409, "Pay gaps computed from employee rows",
	  "The snapshot's pay gaps were computed from employee rows and are not overwritten by published figures." },
	{ "precondition-failed", 412, "Precondition failed",
	  "If-Match does not name the record's current version; its ETag is the current one." },
	{ "precondition-required", 428, "Precondition required",
	  "Changing a versioned record needs If-Match with the ETag last read." },
	{ "rate-limited", 429, "Too many requests",
	  "The client address or API key is over its request rate; Retry-After says when to try again." },
	{ "report-withdrawn", 409, "Report withdrawn",
	  "A withdrawn report is kept as it is and cannot be edited." },
	{ "return-state", 409, "Return not in a state for this",
	  "The return's status does not allow this action (for example a submitted return edited by its submitter)." },
	{ "shutting-down", 503, "Shutting down",
	  "The instance is stopping; retry and the request reaches another instance or this one restarted." },
	{ "unauthorized", 401, "Authentication required",
	  "The API key is missing, malformed, unknown or revoked." },
	{ "unavailable", 503, "Service unavailable",
	  "The database cannot be reached or did not answer in time; retry after Retry-After." },
	{ "unsupported-media-type", 415, "Unsupported media type",
	  "The request body is not sent as application/json." },
	{ "validation-failed", 422, "Validation failed",
	  "The request body breaks the operation's rules; errors names each problem with its JSON pointer." },
};
const size_t problem_ntypes = sizeof(problem_types) / sizeof(problem_types[0]);

static int by_slug(const void *key, const void *entry)
{
	return strcmp(key, ((const struct problem_type *)entry)->slug);
}

const struct problem_type *problem_type_find(const char *slug)
{
	if (!slug)
		return NULL;
	return bsearch(slug, problem_types, problem_ntypes, sizeof(problem_types[0]), by_slug);
}
