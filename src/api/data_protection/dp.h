/*
 * dp.h - what the files of the data-protection resources share; included
 * only by the .c files of src/api/data_protection/.
 *
 *   module.c      the statements and the route table (data_protection_module)
 *   deliveries.c  POST /v1/hate-crime/deliveries: a source declares months delivered
 *   erasure.c     erasure of a report, redaction of free text (council)
 *   audit.c       GET /v1/audit-events: who did and who saw what (council)
 */
#ifndef EQ_API_DATA_PROTECTION_DP_H
#define EQ_API_DATA_PROTECTION_DP_H

#include "http/request.h"
#include "http/response.h"

/* The handlers (module.c routes them). */
route_handler delivery_create, report_erase, report_redact, action_update_redact,
	audit_event_list;

/* 0 for a council key, else -1 after a 403: the routes of erasure,
 * redaction and the audit trail are the council's alone, whatever scopes
 * another organisation's key carries. */
int dp_council_or_respond(const struct request *req, struct response *res);

/* The reason a council body gives (required by the contract), kept for
 * the audit event of this request. */
void dp_audit_reason(struct request *req, struct response *res);

/* A text[] literal "{a,b}" of a JSON array of strings the contract has
 * checked to need no quoting (months, field names); request-owned, NULL
 * when memory runs out. */
const char *dp_text_array(struct request *req, const json_t *items);

#endif
