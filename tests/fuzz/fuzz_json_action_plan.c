/*
 * fuzz_json_action_plan.c - the rules of action plans, actions and
 * progress updates (domain/action_plan.h), as every write route of the
 * resource applies them, with what each promises when a body passes.
 */
#include <string.h>

#include "domain/action_plan.h"
#include "domain/versioned_edit.h"

#include "fuzz_json.h"

static const char current_action[] =
	"{\"reference\":\"A3.2\",\"title\":\"Publish the workforce profile\","
	"\"description\":null,\"outcome\":\"equal-access\",\"lead\":\"adults-and-health\","
	"\"start_date\":\"2024-04-01\",\"due_date\":\"2025-03-31\","
	"\"indicators\":[\"hate-crime-reported\"]}";

static void check_action(struct validation *v, const struct action_values *av)
{
	if (validation_ok(v)) {
		CHECK(av->reference && action_reference_is_valid(av->reference));
		CHECK(av->title && av->outcome && av->lead);
		CHECK(strlen(av->start_date) == 10 && strlen(av->due_date) == 10);
		CHECK(strcmp(av->start_date, av->due_date) <= 0);
		CHECK(av->nindicators <= ACTION_MAX_INDICATORS);
		for (size_t i = 0; i < av->nindicators; i++)
			CHECK(av->indicators[i] != NULL);
	}
	fuzz_check_validation(v);
}

void fuzz_json_action_plan(const json_t *body)
{
	const struct date today = { 2025, 6, 30 }, last = { 2025, 1, 15 };
	struct validation v;
	struct action_values av;
	struct action_plan_values pv;
	struct action_update_values uv;
	json_t *current, *merged;

	/* POST /v1/action-plans */
	validation_init(&v);
	action_plan_validate(&v, body, &pv);
	if (validation_ok(&v))
		CHECK(pv.title && pv.status && strlen(pv.slug) == 7 && strlen(pv.starts_on) == 10);
	fuzz_check_validation(&v);
	validation_release(&v);

	/* POST /v1/action-plans/{id}/actions */
	validation_init(&v);
	action_validate(&v, body, &av);
	check_action(&v, &av);
	validation_release(&v);

	/* PATCH /v1/actions/{id} */
	current = json_loads(current_action, 0, NULL);
	CHECK(current != NULL);
	validation_init(&v);
	merged = edit_merge_new(current, body, action_fields, &v);
	if (merged) {
		action_patch_validate(&v, body, merged, &av);
		check_action(&v, &av);
	}
	fuzz_check_validation(&v);
	validation_release(&v);
	json_decref(merged);
	json_decref(current);

	/* POST /v1/actions/{id}/updates, on a complete action */
	validation_init(&v);
	action_update_validate(&v, body, "complete", &last, &today, &uv);
	if (validation_ok(&v))
		CHECK(uv.status && uv.rag && date_compare(&uv.date, &today) <= 0 &&
		      date_compare(&uv.date, &last) >= 0);
	fuzz_check_validation(&v);
	validation_release(&v);
}
