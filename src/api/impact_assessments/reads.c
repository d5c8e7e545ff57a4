/*
 * reads.c - the public list and record of equality impact assessments
 * (published and reviewed ones only) and the council's versions of one.
 */
#include "api/api.h"
#include "api/common.h"
#include "api/impact_assessments/impact_assessments.h"
#include "api/kit/list.h"
#include "domain/impact_assessment.h"
#include "http/request.h"
#include "http/response.h"

#define NOT_FOUND "There is no published impact assessment with that id."

const struct edit_kind ia_edit = {
	.name = "impact assessment",
	.lock = "ia_lock",
	.get = "ia_get",
	.location = "/v1/impact-assessments/",
};

static const char *const public_statuses[] = { "published", "reviewed", NULL };
static const char *const impacts[] = { "positive", "neutral", "negative", "unknown", NULL };
static const char *const booleans[] = { "true", "false", NULL };

static const struct csv_column ia_columns[] = {
	{ "id", "/id" },
	{ "reference", "/reference" },
	{ "title", "/title" },
	{ "service_area", "/service_area" },
	{ "decision", "/decision" },
	{ "decision_date", "/decision_date" },
	{ "status", "/status" },
	{ "positive", "/impact_counts/positive" },
	{ "neutral", "/impact_counts/neutral" },
	{ "negative", "/impact_counts/negative" },
	{ "unknown", "/impact_counts/unknown" },
	{ "document_url", "/document_url" },
	{ "review_date", "/review_date" },
	{ "review_overdue", "/review_overdue" },
	{ "illustrative", "/illustrative" },
	{ "version", "/version" },
};

static const struct list_query ia_query = {
	LIST_KEYSET("impact-assessments", CURSOR_KEY_DATE, CURSOR_KEY_UUID), "ia_list",
	LIST_KEY_COLS(1, 2), NULL, LIST_CSV(ia_columns), NULL, "ia_total",
};

void ia_list(struct request *req, struct response *res)
{
	const char *f[5];   /* status, service_area, characteristic, impact, overdue */

	if (request_enum_or_respond(req, res, "status", public_statuses, NULL, &f[0]) ||
	    request_single_or_respond(req, res, "service_area", &f[1]) ||
	    request_enum_or_respond(req, res, "characteristic", impact_assessment_characteristics,
				    NULL, &f[2]) ||
	    request_enum_or_respond(req, res, "impact", impacts, NULL, &f[3]) ||
	    request_enum_or_respond(req, res, "overdue", booleans, NULL, &f[4]))
		return;
	list_run(req, res, &ia_query, f, 5);
}

void ia_get(struct request *req, struct response *res)
{
	const char *id = request_param(req, "id");

	api_record_respond(req, res, "ia_public", id, uuid_is_valid(id), NOT_FOUND);
}

void ia_versions(struct request *req, struct response *res)
{
	static const struct edit_history history = {
		.versions = "ia_versions", .number = "version", .at = "changed_at",
		.record = "assessment",
	};

	edit_versions(req, res, &ia_edit, &history, request_param(req, "id"), NULL);
}
