/*
 * edits.c - the versioned edits of a partner's return, each through the
 * kit (src/api/kit/edit.h): change a draft, submit it, review it.
 *
 *   PUT  /v1/returns/{id}          submit:returns, own organisation, If-Match
 *   POST /v1/returns/{id}/submit   submit:returns, own organisation, idempotent
 *   POST /v1/returns/{id}/review   review:returns (council), idempotent
 *
 * A return is changed while it is a draft or returned for correction, and
 * only once its window is open; submitted after the due date it needs a
 * reason.  Each submission is kept as a version (rt_submission_put).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/common.h"
#include "api/returns/returns.h"
#include "domain/text.h"
#include "domain/validate.h"

#define LATE_REASON_MAX 500
#define NOTE_MAX 1000

static const char *const put_fields[] = { "total", "lines", NULL };
static const char *const outcomes[] = { "accepted", "returned", NULL };

/* What the rules need of the locked return (rt_lock's columns). */
struct locked {
	const char *status, *kind, *open_date, *due_date;
	bool open, past_due;
};

static struct locked locked_view(const struct edit *e)
{
	return (struct locked){
		.status = edit_column(e, 2),
		.kind = edit_column(e, 3),
		.open = strcmp(edit_column(e, 4), "t") == 0,
		.past_due = strcmp(edit_column(e, 5), "t") == 0,
		.open_date = edit_column(e, 7),
		.due_date = edit_column(e, 8),
	};
}

static bool editable(const char *status)
{
	return strcmp(status, "draft") == 0 || strcmp(status, "returned") == 0;
}

static void wrong_state(struct response *res, const char *status, const char *action)
{
	problem_sendf(res, 409, "return-state", "Return not in a state for this",
		      "The return is %s; %s.", status, action);
}

void return_put(struct request *req, struct response *res)
{
	json_t *body = NULL;
	struct validation v;
	struct returns_categories cat = { 0 };
	struct edit e;
	struct locked l;
	char total[24];
	char *lines = NULL;

	validation_init(&v);
	edit_init(&e, &return_edit, request_param(req, "id"));
	body = request_json_or_respond(req, res);
	if (!body || edit_lock_or_respond(req, res, &e, req->auth.org_id, EDIT_IF_MATCH_REQUIRED))
		goto done;
	l = locked_view(&e);
	if (!editable(l.status)) {
		wrong_state(res, l.status, "only a draft or a returned return can be changed");
		goto done;
	}
	if (returns_categories_load_or_respond(req, res, &cat))
		goto done;
	validate_known_fields(&v, body, "", put_fields);
	if (!l.open)
		validation_add(&v, "", "the return's window is not open yet: it opens on %s", l.open_date);
	return_validate_content(&v, body, return_kind_find(l.kind), &cat.cat);
	if (!validation_ok(&v)) {
		edit_invalid(res, &v);
		goto done;
	}
	snprintf(total, sizeof(total), "%lld", (long long)json_integer_value(json_object_get(body, "total")));
	lines = json_dumps(json_object_get(body, "lines"), JSON_COMPACT | JSON_SORT_KEYS);
	if (!lines) {
		problem_send_internal(res);
		goto done;
	}
	{
		const char *p[3] = { e.id, total, lines };

		if (api_exec_or_respond(req, res, "rt_update", 3, p, NULL) ||
		    edit_finish(req, res, &e, NULL, 200))
			goto done;
	}
done:
	edit_release(&e, res);
	free(lines);
	returns_categories_release(&cat);
	validation_release(&v);
	json_decref(body);
}

static const char *const submit_fields[] = { "late_reason", NULL };

void return_submit(struct request *req, struct response *res)
{
	json_t *body = NULL;
	struct validation v;
	struct edit e;
	struct locked l;
	const char *reason;

	validation_init(&v);
	edit_init(&e, &return_edit, request_param(req, "id"));
	body = request_json_or_respond(req, res);
	if (!body || edit_lock_or_respond(req, res, &e, req->auth.org_id, EDIT_IF_MATCH_OPTIONAL))
		goto done;
	l = locked_view(&e);
	if (!editable(l.status)) {
		wrong_state(res, l.status, "only a draft or a returned return can be submitted");
		goto done;
	}
	validate_known_fields(&v, body, "", submit_fields);
	reason = validate_string(&v, body, "", "late_reason", false, LATE_REASON_MAX);
	if (reason && (reason[0] == '\0' || text_has_control_chars(reason))) {
		validation_add(&v, "/late_reason", "must be 1 to 500 bytes of text without control characters");
		reason = NULL;
	}
	if (!l.open)
		validation_add(&v, "", "the return's window is not open yet: it opens on %s", l.open_date);
	if (l.past_due && !reason && validation_ok(&v))
		validation_add(&v, "/late_reason", "is required: the window was due on %s", l.due_date);
	if (!validation_ok(&v)) {
		edit_invalid(res, &v);
		goto done;
	}
	{
		/* On time: a reason given anyway is not kept. */
		const char *p[3] = { e.id, l.past_due ? "true" : "false", l.past_due ? reason : NULL };

		if (api_exec_or_respond(req, res, "rt_submit", 3, p, NULL) ||
		    edit_finish(req, res, &e, "rt_submission_put", 200))
			goto done;
	}
done:
	edit_release(&e, res);
	validation_release(&v);
	json_decref(body);
}

static const char *const review_fields[] = { "outcome", "note", NULL };

void return_review(struct request *req, struct response *res)
{
	json_t *body = NULL;
	struct validation v;
	struct edit e;
	const char *outcome, *note, *status;

	validation_init(&v);
	edit_init(&e, &return_edit, request_param(req, "id"));
	body = request_json_or_respond(req, res);
	if (!body)
		goto done;
	if (!returns_reviewer(req)) {
		problem_send(res, 403, "forbidden", "Forbidden", "Only the council reviews returns.");
		goto done;
	}
	if (edit_lock_or_respond(req, res, &e, NULL, EDIT_IF_MATCH_OPTIONAL))
		goto done;
	status = locked_view(&e).status;
	if (strcmp(status, "submitted") != 0) {
		wrong_state(res, status, "only a submitted return can be reviewed");
		goto done;
	}
	validate_known_fields(&v, body, "", review_fields);
	outcome = validate_enum(&v, body, "", "outcome", true, outcomes);
	note = validate_string(&v, body, "", "note", false, NOTE_MAX);
	if (note && (note[0] == '\0' || text_has_control_chars(note))) {
		validation_add(&v, "/note", "must be 1 to 1000 bytes of text without control characters");
		note = NULL;
	} else if (outcome && strcmp(outcome, "returned") == 0 && !note) {
		validation_add(&v, "/note", "is required when the return goes back for correction");
	}
	if (!validation_ok(&v)) {
		edit_invalid(res, &v);
		goto done;
	}
	{
		const char *p[3] = { e.id, outcome, note };

		if (api_exec_or_respond(req, res, "rt_review", 3, p, NULL) ||
		    edit_finish(req, res, &e, NULL, 200))
			goto done;
	}
done:
	edit_release(&e, res);
	validation_release(&v);
	json_decref(body);
}
