/*
 * read.c - hate-crime reports read: the list (JSON or CSV, keyset pages),
 * one report with its ETag, and its every version.
 *
 * Visibility: a council key sees every organisation's reports, any other
 * key only its own organisation's; another organisation's report is 404.
 */
#include <stdbool.h>
#include <string.h>

#include "api/api.h"
#include "api/common.h"
#include "api/hate_crime_reports/reports.h"
#include "api/kit/list.h"
#include "domain/hate_crime_report.h"
#include "domain/hate_crime_table.h"
#include "domain/period.h"

/* The organisation whose reports this key may read: NULL for a council
 * key (all of them), else its own. */
static const char *report_visible_org(const struct request *req)
{
	return strcmp(req->auth.org_kind, "council") == 0 ? NULL : req->auth.org_id;
}

/* ---- GET /v1/hate-crime/reports --------------------------------------------- */

static const struct csv_column csv_columns[] = {
	{ "id", "/id" },
	{ "organisation", "/organisation" },
	{ "submitter_reference", "/submitter_reference" },
	{ "police_reference", "/police_reference" },
	{ "occurred_from", "/occurred_from" },
	{ "occurred_to", "/occurred_to" },
	{ "reported_on", "/reported_on" },
	{ "location", "/location/kind" },
	{ "ward", "/location/ward" },
	{ "strands", "/strands" },
	{ "offence_type", "/offence_type" },
	{ "channel", "/channel" },
	{ "status", "/status" },
	{ "version", "/version" },
	{ "created_at", "/created_at" },
	{ "updated_at", "/updated_at" },
};

/* from/to: a month ("2024-04") or a financial year ("2024/25"). */
static int period_param_or_respond(struct request *req, struct response *res, const char *name,
				   bool first_day, char *out)
{
	const char *text;
	struct period p;

	out[0] = '\0';
	if (request_single_or_respond(req, res, name, &text))
		return -1;
	if (!text)
		return 0;
	if (period_parse_kinds(text, 1u << PERIOD_MONTH | 1u << PERIOD_FINANCIAL_YEAR, &p) != 0) {
		problem_send_bad_parameter(res, name,
			"must be a month such as 2024-04 or a financial year such as 2024/25");
		return -1;
	}
	(void)date_format(first_day ? &p.start : &p.end, out, 11);
	return 0;
}

static const struct list_query report_query = {
	LIST_KEYSET("hate-crime-reports", CURSOR_KEY_INT, CURSOR_KEY_UUID), "hcr_list",
	LIST_KEY_COLS(1, 2), NULL, LIST_CSV(csv_columns), NULL, NULL,
};

/* The filters that are not plain strings: 0, or -1 after a 400. */
static int filters_or_respond(struct request *req, struct response *res, const char *from,
			      const char *to, const char *ward, const char *org)
{
	if (from[0] && to[0] && strcmp(from, to) > 0) {
		problem_send_bad_parameter(res, "to", "must not end before from begins");
		return -1;
	}
	if (ward && !area_code_is_valid(ward)) {
		problem_send_bad_parameter(res, "ward", "must be a ward's GSS code such as E05013628");
		return -1;
	}
	if (org && !code_is_valid(org)) {
		problem_send_bad_parameter(res, "organisation", "must be an organisation's slug such as police-feed");
		return -1;
	}
	return 0;
}

void report_list(struct request *req, struct response *res)
{
	char from[11], to[11];
	const char *ward, *strand, *org, *status;
	struct list_page page;

	if (period_param_or_respond(req, res, "from", true, from) ||
	    period_param_or_respond(req, res, "to", false, to) ||
	    request_single_or_respond(req, res, "ward", &ward) ||
	    request_enum_or_respond(req, res, "strand", hc_strands, NULL, &strand) ||
	    request_single_or_respond(req, res, "organisation", &org) ||
	    request_enum_or_respond(req, res, "status", hcr_statuses, NULL, &status) ||
	    list_page_or_respond(req, res, report_query.spec, &page) ||
	    filters_or_respond(req, res, from, to, ward, org))
		return;
	{
		const char *filters[7] = {
			report_visible_org(req), from[0] ? from : NULL, to[0] ? to : NULL, ward, strand,
			org, status,
		};

		list_run_page(req, res, &report_query, &page, filters, 7, NULL);
	}
}

/* ---- GET /v1/hate-crime/reports/{id} and its versions ------------------------ */

void report_get(struct request *req, struct response *res)
{
	edit_read(req, res, &report_edit, request_param(req, "id"), report_visible_org(req));
}

void report_versions(struct request *req, struct response *res)
{
	static const struct edit_history history = {
		.versions = "hcr_versions", .number = "version", .at = "changed_at", .record = "report",
	};

	edit_versions(req, res, &report_edit, &history, request_param(req, "id"),
		      report_visible_org(req));
}
