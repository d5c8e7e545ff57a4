/*
 * fuzz_rules.c - the body rules of src/domain/, called directly with any
 * JSON: actions, action plans and progress updates (domain/action_plan.h),
 * indicator values (domain/indicator_value.h), partner returns
 * (domain/partner_return.h), hate-crime reports and their withdrawal
 * (domain/hate_crime_report.h) and the merge of a PATCH
 * (domain/versioned_edit.h).
 *
 * The contract's checks (http/contract.h) keep wrong types away from these
 * rules in the service, but the rules are pure functions any caller may
 * use, so each must answer any JSON value - an object of nulls, arrays of
 * mixed types, huge numbers - with errors, never a crash or an unset
 * field.  Checked on every input, beyond the sanitizers:
 *  - a rule that reports no error has filled what its header promises
 *    (the required strings are set, dates are real dates);
 *  - the same input gives the same verdict.
 *
 * Input: the first byte picks the rule, the rest is JSON text.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "domain/action_plan.h"
#include "domain/hate_crime_report.h"
#include "domain/indicator_value.h"
#include "domain/partner_return.h"
#include "domain/period.h"
#include "domain/validate.h"
#include "domain/versioned_edit.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond) do { if (!(cond)) { \
	fprintf(stderr, "fuzz_rules: %s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
	abort(); } } while (0)

static const struct date today = { 2025, 6, 30 };
static const struct date last_update = { 2025, 1, 15 };

/* A small catalogue of the characteristics a return names. */
static const struct return_category categories[] = {
	{ "sex", "female", NULL, "Female" },
	{ "sex", "male", NULL, "Male" },
	{ "ethnicity", "white", NULL, "White" },
	{ "ethnicity", "white_british", "white", "White British" },
	{ "ethnicity", "asian", NULL, "Asian" },
	{ "age", "age_16_24", NULL, "16 to 24" },
	{ "disability", "disabled", NULL, "Disabled" },
	{ "religion", "none", NULL, "No religion" },
	{ "sexual_orientation", "straight", NULL, "Straight" },
};
static const struct return_catalogue catalogue = {
	categories, sizeof(categories) / sizeof(categories[0])
};

static bool real_date(const struct date *d)
{
	char text[16];

	return date_format(d, text, sizeof(text)) == 10;
}

/* One rule on one body: 1 when it found no error. */
static int run(unsigned rule, const json_t *body)
{
	struct validation v;
	int ok;

	validation_init(&v);
	switch (rule % 10) {
	case 0: {
		struct action_values av;

		action_validate(&v, body, &av);
		if (validation_ok(&v))
			CHECK(av.reference && av.title && av.outcome && av.lead &&
			      action_reference_is_valid(av.reference) &&
			      av.nindicators <= ACTION_MAX_INDICATORS);
		break;
	}
	case 1: {
		static const char current[] =
			"{\"reference\":\"A1.1\",\"title\":\"t\",\"outcome\":\"access\",\"lead\":\"adults\","
			"\"start_date\":\"2024-04-01\",\"due_date\":\"2025-03-31\",\"indicators\":[]}";
		json_t *cur = json_loads(current, 0, NULL);
		json_t *merged = NULL;
		struct action_values av;

		CHECK(cur != NULL);
		if (json_is_object(body))
			merged = edit_merge_new(cur, body, action_fields, &v);
		if (merged) {
			action_patch_validate(&v, body, merged, &av);
			if (validation_ok(&v))
				CHECK(av.reference && av.title && av.outcome && av.lead);
		}
		json_decref(merged);
		json_decref(cur);
		break;
	}
	case 2: {
		struct action_update_values uv;

		action_update_validate(&v, body, "complete", &last_update, &today, &uv);
		if (validation_ok(&v))
			CHECK(uv.status && uv.rag && real_date(&uv.date) &&
			      date_compare(&uv.date, &today) <= 0);
		break;
	}
	case 3: {
		struct action_plan_values pv;

		action_plan_validate(&v, body, &pv);
		if (validation_ok(&v))
			CHECK(pv.title && pv.status && pv.slug[0] && pv.starts_on[0] && pv.ends_on[0]);
		break;
	}
	case 4: {
		struct period p;
		struct indicator_value_input in;

		CHECK(period_parse("2024/25 Q2", &p) == 0);
		indicator_value_validate(&v, body, &p, &in);
		break;
	}
	case 5: {
		struct return_rules rules = return_rules_of("service_users", "hr", NULL);

		CHECK(rules.kind != NULL);
		return_validate_content(&v, body, &rules, &catalogue);
		break;
	}
	case 6: {
		struct return_state s = { "submitted", "workforce", true, true, "2025-04-01", "2025-05-01", NULL, NULL, false };
		const char *outcome = NULL, *note = NULL, *reason = NULL;

		return_validate_review(&v, body, &outcome, &note);
		if (validation_ok(&v))
			CHECK(outcome != NULL);
		validation_release(&v);
		validation_init(&v);
		return_validate_submission(&v, body, &s, &reason);
		if (validation_ok(&v))
			CHECK(reason != NULL);   /* past due: a reason is required */
		break;
	}
	case 7: {
		struct return_state s = { "draft", "service_users", true, false, "2025-04-01", "2025-05-01", NULL, NULL, false };

		return_validate_replacement(&v, body, &s, &catalogue);
		break;
	}
	case 8: {
		struct hcr_lookup lk;
		struct hcr_values rv;

		memset(&rv, 0, sizeof(rv));
		hcr_lookup_collect(body, &lk);
		lk.today = today;
		lk.ward_known = true;
		hcr_lookup_verdicts(&lk, "");
		hcr_validate(&v, body, &lk, &rv);
		if (validation_ok(&v))
			CHECK(rv.occurred_from[0] && rv.reported_on[0] && rv.victim && rv.suspect);
		hcr_values_release(&rv);
		break;
	}
	default: {
		const char *reason = NULL;

		hcr_validate_withdrawal(&v, body, &reason);
		if (validation_ok(&v))
			CHECK(reason != NULL);
		break;
	}
	}
	ok = validation_ok(&v);
	validation_release(&v);
	return ok;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *body;

	if (size < 1)
		return 0;
	body = json_loadb((const char *)data + 1, size - 1, JSON_DECODE_ANY, NULL);
	if (!body)
		return 0;
	CHECK(run(data[0], body) == run(data[0], body));
	json_decref(body);
	return 0;
}
