/*
 * action_plan.c - the rules of plans, actions and progress updates (see
 * action_plan.h).
 */
#include "domain/action_plan.h"

#include <stdio.h>
#include <string.h>

#include "domain/codes.h"
#include "domain/text.h"

const char *const action_plan_statuses[] = { "draft", "current", "closed", NULL };
const char *const action_statuses[] = {
	"not_started", "in_progress", "complete", "cancelled", "deferred", NULL,
};
const char *const action_rags[] = { "red", "amber", "green", "not_rated", NULL };

const char *const action_fields[] = {
	"reference", "title", "description", "outcome", "lead", "start_date", "due_date",
	"indicators", NULL,
};

static const char *const plan_fields[] = {
	"period", "title", "description", "years", "status", NULL,
};
static const char *const update_fields[] = { "date", "status", "rag", "note", "reason", NULL };

#define DIGITS "0123456789"
#define LOWER "abcdefghijklmnopqrstuvwxyz"
#define UPPER "ABCDEFGHIJKLMNOPQRSTUVWXYZ"

bool action_plan_id_is_valid(const char *s)
{
	if (!s)
		return false;
	if (strcmp(s, "current") == 0)
		return true;
	return strlen(s) == 7 && s[4] == '-' && strspn(s, DIGITS) == 4 &&
	       strspn(s + 5, DIGITS) == 2;
}

bool action_reference_is_valid(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	return n >= 1 && n <= ACTION_REFERENCE_MAX && strspn(s, LOWER UPPER DIGITS) >= 1 &&
	       strspn(s, LOWER UPPER DIGITS ".-") == n;
}

static const char *code_member(struct validation *v, const json_t *obj, const char *name,
			       const char *example)
{
	const char *s = validate_string(v, obj, "", name, true, 64);
	char ptr[48];

	if (!s)
		return NULL;
	if (!code_is_valid(s)) {
		snprintf(ptr, sizeof(ptr), "/%s", name);
		validation_add(v, ptr, "must be a code of lower-case letters, digits, - or _ such as %s",
			       example);
		return NULL;
	}
	return s;
}

/* Absent or null: the member says nothing. */
static bool absent(const json_t *obj, const char *name)
{
	const json_t *m = json_object_get(obj, name);

	return !m || json_is_null(m);
}

/* ---- plans ------------------------------------------------------------------ */

static void plan_dates(const struct period *fy, long long years, struct action_plan_values *out)
{
	int y = fy->fy_start_year;

	snprintf(out->slug, sizeof(out->slug), "%04d-%02d", (y % 10000 + 10000) % 10000,
		 ((y + 1) % 100 + 100) % 100);
	if (date_format(&fy->start, out->starts_on, sizeof(out->starts_on)) < 0)
		out->starts_on[0] = '\0';
	snprintf(out->ends_on, sizeof(out->ends_on), "%04lld-03-31", (long long)y + years);
}

void action_plan_validate(struct validation *v, const json_t *body,
			  struct action_plan_values *out)
{
	struct period fy;
	const char *period;
	long long years = 4;

	memset(out, 0, sizeof(*out));
	validate_known_fields(v, body, "", plan_fields);
	period = validate_string(v, body, "", "period", true, 16);
	if (period && period_parse_kinds(period, 1u << PERIOD_FINANCIAL_YEAR, &fy) != 0) {
		validation_add(v, "/period", "must be the financial year the plan starts in, such as 2024/25");
		period = NULL;
	}
	out->title = text_member(v, body, "title", true, ACTION_TITLE_MAX, false);
	out->description = text_member(v, body, "description", false, ACTION_DESCRIPTION_MAX, true);
	if (json_object_get(body, "years") &&
	    !validate_integer(v, body, "", "years", false, 1, 10, &years))
		years = 4;
	/* A null status is not a status (the contract has no null here). */
	if (!json_object_get(body, "status"))
		out->status = "draft";
	else if (json_is_null(json_object_get(body, "status")))
		validation_add(v, "/status", "must be one of: draft, current, closed");
	else
		out->status = validate_enum(v, body, "", "status", false, action_plan_statuses);
	if (period)
		plan_dates(&fy, years, out);
}

/* ---- actions ---------------------------------------------------------------- */

/* Distinct indicator codes; anything else in the array is an error at
 * its own index, and never read as a string. */
static void indicators_member(struct validation *v, const json_t *obj, struct action_values *out)
{
	const json_t *arr = validate_array(v, obj, "", "indicators", false, 0,
					   ACTION_MAX_INDICATORS);
	const json_t *item;
	size_t i;

	out->nindicators = 0;
	json_array_foreach(arr, i, item) {
		const char *s = json_string_value(item);
		char ptr[48];
		bool repeated = false;

		snprintf(ptr, sizeof(ptr), "/indicators/%zu", i);
		if (!code_is_valid(s)) {
			validation_add(v, ptr, "must be an indicator code such as hate-crime-reported");
			continue;
		}
		for (size_t k = 0; k < out->nindicators; k++)
			if (strcmp(s, out->indicators[k]) == 0)
				repeated = true;
		if (repeated)
			validation_add(v, ptr, "repeats %s", s);
		else if (out->nindicators < ACTION_MAX_INDICATORS)
			out->indicators[out->nindicators++] = s;
	}
}

static void date_member(struct validation *v, const json_t *obj, const char *name, bool *have,
			struct date *d, char *text, size_t size)
{
	*have = validate_date(v, obj, "", name, true, d);
	if (!*have || date_format(d, text, size) < 0)
		text[0] = '\0';
}

void action_validate(struct validation *v, const json_t *obj, struct action_values *out)
{
	struct date start, due;
	bool have_start, have_due;

	memset(out, 0, sizeof(*out));
	validate_known_fields(v, obj, "", action_fields);
	out->reference = validate_string(v, obj, "", "reference", true, ACTION_REFERENCE_MAX);
	if (out->reference && !action_reference_is_valid(out->reference)) {
		validation_add(v, "/reference", "must be a reference such as A3.2 (letters, digits, . and -)");
		out->reference = NULL;
	}
	out->title = text_member(v, obj, "title", true, ACTION_TITLE_MAX, false);
	out->description = text_member(v, obj, "description", false, ACTION_DESCRIPTION_MAX, true);
	out->outcome = code_member(v, obj, "outcome", "equal-access");
	out->lead = code_member(v, obj, "lead", "adults-and-health");
	date_member(v, obj, "start_date", &have_start, &start, out->start_date, sizeof(out->start_date));
	date_member(v, obj, "due_date", &have_due, &due, out->due_date, sizeof(out->due_date));
	if (have_start && have_due && date_compare(&due, &start) < 0)
		validation_add(v, "/due_date", "must not be before start_date");
	indicators_member(v, obj, out);
}

void action_patch_validate(struct validation *v, const json_t *patch, const json_t *merged,
			   struct action_values *out)
{
	/* The merge keeps action fields only: anything else is seen here. */
	validate_known_fields(v, patch, "", action_fields);
	action_validate(v, merged, out);
}

/* ---- progress updates ------------------------------------------------------- */

void action_update_validate(struct validation *v, const json_t *body, const char *was,
			    const struct date *last, const struct date *today,
			    struct action_update_values *out)
{
	bool have_date;

	memset(out, 0, sizeof(*out));
	validate_known_fields(v, body, "", update_fields);
	have_date = validate_date(v, body, "", "date", false, &out->date);
	/* Absent or null: today.  (A wrong date has its error already, and
	 * out->date must never go on unset.) */
	if (!have_date && absent(body, "date"))
		out->date = *today, have_date = true;
	if (have_date && date_compare(&out->date, today) > 0)
		validation_add(v, "/date", "must not be in the future");
	else if (have_date && last && date_compare(&out->date, last) < 0)
		validation_add(v, "/date", "must not be before the action's latest update");
	out->status = validate_enum(v, body, "", "status", true, action_statuses);
	out->rag = validate_enum(v, body, "", "rag", true, action_rags);
	out->note = text_member(v, body, "note", false, ACTION_NOTE_MAX, true);
	out->reason = text_member(v, body, "reason", false, ACTION_REASON_MAX, true);
	if (out->status && strcmp(out->status, "complete") == 0 && !out->note && absent(body, "note"))
		validation_add(v, "/note", "is required to complete an action: say what was done");
	if (out->status && was && strcmp(was, "complete") == 0 &&
	    strcmp(out->status, "complete") != 0 && !out->reason && absent(body, "reason"))
		validation_add(v, "/reason", "is required to move a complete action back to %s",
			       out->status);
}
