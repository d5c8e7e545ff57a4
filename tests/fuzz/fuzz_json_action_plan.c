/*
 * fuzz_json_action_plan.c - the action plan, action and action update
 * validators, reached by including their file (they are static there).
 * The plan's and the update's checks sit inside their handlers, so they are
 * repeated here in the handlers' order (with the update's row lock answered
 * by fixed dates).
 */
#include "api/action_plan.c"

#include "fuzz_json.h"

static const char current_action[] =
	"{\"reference\":\"A3.2\",\"title\":\"Publish the workforce profile\","
	"\"description\":null,\"outcome\":\"equal-access\",\"lead\":\"adults-and-health\","
	"\"start_date\":\"2024-04-01\",\"due_date\":\"2025-03-31\","
	"\"indicators\":[\"hate-crime-reported\"]}";

static void validate_action(const json_t *obj)
{
	struct validation v;
	struct action_values av = { .indicators = BUF_INIT };

	validation_init(&v);
	action_validate(&v, obj, &av);
	if (validation_ok(&v)) {
		CHECK(av.reference && reference_is_valid(av.reference));
		CHECK(av.title && av.outcome && av.lead);
		CHECK(strlen(av.start_date) == 10 && strlen(av.due_date) == 10);
		CHECK(strcmp(av.start_date, av.due_date) <= 0);
		CHECK(av.indicators.len >= 2 && av.indicators.data[0] == '{' &&
		      av.indicators.data[av.indicators.len - 1] == '}');
	}
	fuzz_check_validation(&v);
	buf_release(&av.indicators);
	validation_release(&v);
}

static void validate_update(const json_t *body)
{
	struct validation v;
	struct date today = { 2025, 6, 30 }, last = { 2025, 1, 15 }, when;
	bool have_when;
	const char *status, *note, *reason;

	validation_init(&v);
	validate_known_fields(&v, body, "", update_fields);
	have_when = validate_date(&v, body, "", "date", false, &when);
	if (!have_when && !json_object_get(body, "date"))
		when = today, have_when = true;
	if (have_when && date_compare(&when, &today) > 0)
		validation_add(&v, "/date", "must not be in the future");
	else if (have_when && date_compare(&when, &last) < 0)
		validation_add(&v, "/date", "must not be before the action's latest update");
	status = validate_enum(&v, body, "", "status", true, statuses);
	(void)validate_enum(&v, body, "", "rag", true, rags);
	note = validate_text(&v, body, "note", false, NOTE_MAX, true);
	reason = validate_text(&v, body, "reason", false, REASON_MAX, true);
	if (status && strcmp(status, "complete") == 0 && !note && absent(body, "note"))
		validation_add(&v, "/note", "is required to complete an action: say what was done");
	if (status && strcmp(status, "complete") != 0 && !reason && absent(body, "reason"))
		validation_add(&v, "/reason", "is required to move a complete action back to %s", status);
	fuzz_check_validation(&v);
	validation_release(&v);
}

/* POST /v1/action-plans: the handler's checks, in its order, up to the
 * first statement (the handler itself needs the connection its write
 * transaction would have opened). */
static void validate_plan(const json_t *body)
{
	struct validation v;
	struct period fy;
	bool have_fy = false;
	const char *period, *title, *status;
	long long years = 4;

	validation_init(&v);
	validate_known_fields(&v, body, "", plan_fields);
	period = validate_string(&v, body, "", "period", true, 16);
	if (period) {
		have_fy = period_parse_kinds(period, 1u << PERIOD_FINANCIAL_YEAR, &fy) == 0;
		if (!have_fy)
			validation_add(&v, "/period", "must be the financial year the plan starts in, such as 2024/25");
	}
	title = validate_text(&v, body, "title", true, TITLE_MAX, false);
	(void)validate_text(&v, body, "description", false, DESCRIPTION_MAX, true);
	if (json_object_get(body, "years") &&
	    !validate_integer(&v, body, "", "years", false, 1, 10, &years))
		years = 4;
	status = validate_enum(&v, body, "", "status", false, plan_statuses);
	if (!status && !json_object_get(body, "status"))
		status = "draft";
	if (validation_ok(&v)) {
		CHECK(have_fy && fy.kind == PERIOD_FINANCIAL_YEAR && title && status);
		CHECK(years >= 1 && years <= 10);
	}
	fuzz_check_validation(&v);
	validation_release(&v);
}

void fuzz_json_action_plan(const json_t *body)
{
	json_t *current, *merged;

	validate_plan(body);

	/* POST /v1/action-plans/{id}/actions, and a PATCH merged onto an action. */
	validate_action(body);
	current = json_loads(current_action, 0, NULL);
	CHECK(current != NULL);
	merged = validate_merge(current, body, action_fields);
	CHECK(merged != NULL);
	validate_action(merged);
	json_decref(merged);
	json_decref(current);

	/* POST /v1/actions/{id}/updates. */
	validate_update(body);
}
