/*
 * commentary.c - the council's commentary on a section of the Annual
 * Equalities Report (routes and SQL in module.c, rules in
 * domain/report_commentary.c):
 *
 *   PUT .../sections/{section}/commentary   creates (201, no If-Match) or
 *                                           replaces (200, If-Match
 *                                           "v<version>" required)
 *   GET .../sections/{section}/commentary   the current text, with its ETag
 *   GET .../commentary/versions             every version, oldest first
 *
 * A commentary is a versioned record of the edit kit named
 * "<year>/<section>"; every version is kept (rc_version_put).
 */
#include "api/api.h"
#include "api/common.h"
#include "api/kit/edit.h"
#include "api/reports/reports.h"
#include "domain/report_commentary.h"
#include "http/request.h"
#include "http/response.h"

static const struct edit_kind commentary_edit = {
	.name = "commentary",
	.not_found = "There is no commentary on that section: a report is named by its financial year"
		     " (2024-25) and its sections are objective, indicators, action_plan, workforce,"
		     " hate_crime, partner_returns and demographics.",
	.lock = "rc_lock",
	.get = "rc_get",
	.id_valid = report_commentary_id_valid,
};

/* The commentary's name from the path into id; on a path no report has,
 * "" (the kit's 404). */
static void commentary_id(struct request *req, char *id, size_t n)
{
	if (report_commentary_id(request_param(req, "year"), request_param(req, "section"), id, n))
		id[0] = '\0';
}

/* If-Match on a section without commentary names a version there is not:
 * 412, as for an indicator's first value.  0 when there is one, else -1
 * with the problem in res. */
static int exists_or_respond(struct request *req, struct response *res, const char *id)
{
	const char *p[1] = { id };
	PGresult *r = NULL;
	int n;

	if (api_exec_or_respond(req, res, "rc_get", 1, p, &r))
		return -1;
	n = PQntuples(r);
	PQclear(r);
	if (n == 1)
		return 0;
	problem_send(res, 412, "precondition-failed", "Precondition failed",
		     "The section has no commentary yet: write the first one without If-Match.");
	return -1;
}

/* A first commentary: 0 and *created when written (with no If-Match
 * sent), 0 and not *created when there is one to replace, or -1 with the
 * problem in res. */
static int create_or_respond(struct request *req, struct response *res, const char *id,
			     const char *text, bool *created)
{
	const char *p[2] = { id, text };
	char got[64];
	int rc;

	*created = false;
	if (request_header(req, "If-Match"))
		return exists_or_respond(req, res, id);
	rc = api_insert_or_respond(req, res, "rc_insert", 2, p, got, sizeof(got));
	*created = rc == 0;
	return rc < 0 ? -1 : 0;
}

void report_commentary_put(struct request *req, struct response *res)
{
	const char *text = NULL, *p[2];
	struct edit e;
	char id[64];
	bool created = false;

	commentary_id(req, id, sizeof(id));
	edit_init(&e, &commentary_edit, id);
	if (edit_id_or_respond(res, &e) || !edit_body_or_respond(req, res, &e))
		goto done;
	text = report_commentary_validate(&e.v, e.body);
	if (edit_valid_or_respond(res, &e.v) || create_or_respond(req, res, id, text, &created))
		goto done;
	p[0] = id;
	p[1] = text;
	/* A replacement names the version it was made on. */
	if (!created && (edit_lock_or_respond(req, res, &e, NULL, EDIT_IF_MATCH_REQUIRED) ||
			 api_exec_or_respond(req, res, "rc_update", 2, p, NULL)))
		goto done;
	if (edit_finish(req, res, &e, "rc_version_put", created ? 201 : 200))
		goto done;
done:
	edit_release(&e, res);
}

void report_commentary_get(struct request *req, struct response *res)
{
	char id[64];

	commentary_id(req, id, sizeof(id));
	edit_read(req, res, &commentary_edit, id, NULL);
}

void report_commentary_versions(struct request *req, struct response *res)
{
	static const struct edit_history history = {
		.versions = "rc_versions", .number = "version", .at = "changed_at",
		.record = "commentary",
	};
	char id[64];

	commentary_id(req, id, sizeof(id));
	edit_versions(req, res, &commentary_edit, &history, id, NULL);
}
