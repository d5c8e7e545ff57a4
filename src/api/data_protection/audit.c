/*
 * audit.c - GET /v1/audit-events: the audit trail, newest first, for the
 * council to answer "who did what" and "who saw what": every write, every
 * refused attempt, every record-level read and export (with the route and
 * the number of records shown), each erasure and redaction with its reason.
 * Reading the trail is itself a read that is audited.
 */
#include "api/api.h"
#include "api/common.h"
#include "api/data_protection/dp.h"
#include "api/kit/list.h"
#include "http/response.h"

static const struct csv_column columns[] = {
	{ "id", "/id" }, { "at", "/at" }, { "organisation", "/organisation" },
	{ "key_prefix", "/key_prefix" }, { "request_id", "/request_id" },
	{ "client_request_id", "/client_request_id" }, { "action", "/action" },
	{ "route", "/route" }, { "target", "/target" }, { "outcome", "/outcome" },
	{ "status", "/status" }, { "records", "/records" }, { "reason", "/reason" },
};

static const struct list_query audit_query = {
	LIST_KEYSET("audit-events", CURSOR_KEY_INT), "dp_audit_list", LIST_KEY_COLS(1), NULL,
	LIST_CSV(columns), NULL, NULL,
};

void audit_event_list(struct request *req, struct response *res)
{
	static const char *const names[] = { "since", "until", "organisation", "action", "route" };
	const char *filters[API_COUNT(names)];

	if (dp_council_or_respond(req, res))
		return;
	for (size_t i = 0; i < API_COUNT(names); i++)
		if (request_single_or_respond(req, res, names[i], &filters[i]))
			return;
	list_run(req, res, &audit_query, filters, API_COUNT(names));
}
