/*
 * impact_assessment.c - the rules of an equality impact assessment (see
 * impact_assessment.h).
 */
#include "domain/impact_assessment.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

const char *const impact_assessment_characteristics[] = {
	"age", "disability", "ethnicity", "gender_identity", "legal_partnership",
	"pregnancy_maternity", "religion", "sex", "sexual_orientation", NULL,
};

const char *const impact_assessment_fields[] = {
	"title", "service_area", "decision", "decision_date", "status", "impacts",
	"actions", "document_url", "review_date", NULL,
};

#define NCHARACTERISTICS 9

static const char *const statuses[] = { "draft", "published", "reviewed", NULL };

int impact_assessment_status_rank(const char *status)
{
	for (int i = 0; status && statuses[i]; i++)
		if (strcmp(statuses[i], status) == 0)
			return i;
	return -1;
}

static const char *text(const json_t *obj, const char *name)
{
	const char *s = json_string_value(json_object_get(obj, name));

	return s && *s ? s : NULL;
}

static int characteristic_index(const char *code)
{
	for (int i = 0; code && impact_assessment_characteristics[i]; i++)
		if (strcmp(impact_assessment_characteristics[i], code) == 0)
			return i;
	return -1;
}

/* Each impact: assessed once, evidence unless unknown, mitigations when
 * negative.  seen[i]: characteristic i is assessed. */
static void check_impacts(struct validation *v, const json_t *impacts, bool seen[NCHARACTERISTICS])
{
	size_t i;
	json_t *e;

	json_array_foreach(impacts, i, e) {
		int c = characteristic_index(text(e, "characteristic"));
		const char *impact = text(e, "impact");
		char at[64];

		if (c >= 0 && seen[c]) {
			snprintf(at, sizeof(at), "/impacts/%zu/characteristic", i);
			validation_add(v, at, "is assessed twice");
		}
		if (c >= 0)
			seen[c] = true;
		if (impact && strcmp(impact, "unknown") != 0 && !text(e, "evidence")) {
			snprintf(at, sizeof(at), "/impacts/%zu/evidence", i);
			validation_add(v, at, "an assessed impact needs its evidence");
		}
		if (impact && strcmp(impact, "negative") == 0 && !text(e, "mitigations")) {
			snprintf(at, sizeof(at), "/impacts/%zu/mitigations", i);
			validation_add(v, at, "a negative impact needs its mitigations");
		}
	}
}

/* A published or reviewed assessment is complete. */
static void check_complete(struct validation *v, const json_t *body, const bool seen[NCHARACTERISTICS])
{
	static const char *const required[] = { "decision", "decision_date", "review_date", NULL };
	char missing[256] = "";
	size_t used = 0;

	for (size_t i = 0; required[i]; i++)
		if (!text(body, required[i])) {
			char at[32];

			snprintf(at, sizeof(at), "/%s", required[i]);
			validation_add(v, at, "is required once the assessment is published");
		}
	for (int c = 0; c < NCHARACTERISTICS; c++)
		if (!seen[c] && used < sizeof(missing))
			used += (size_t)snprintf(missing + used, sizeof(missing) - used, "%s%s",
						 used ? ", " : "", impact_assessment_characteristics[c]);
	if (used)
		validation_add(v, "/impacts", "must assess every protected characteristic once published; "
			       "missing: %s", missing);
}

static void check_status(struct validation *v, const char *status, const char *was)
{
	int to = impact_assessment_status_rank(status), from = impact_assessment_status_rank(was);

	if (to < 0)
		return;   /* the contract's enum answers for it */
	if (was && to < from)
		validation_add(v, "/status", "cannot go back from %s to %s", was, status);
	else if (to == 2 && from < 1)
		validation_add(v, "/status", "must be published before it is reviewed");
}

void impact_assessment_validate(struct validation *v, const json_t *body, const char *was)
{
	bool seen[NCHARACTERISTICS] = { false };
	const char *status = text(body, "status");
	const char *decided = text(body, "decision_date"), *review = text(body, "review_date");
	const json_t *impacts = json_object_get(body, "impacts");

	if (json_is_array(impacts))
		check_impacts(v, impacts, seen);
	if (impact_assessment_status_rank(status) > 0)
		check_complete(v, body, seen);
	/* ISO dates compare as text. */
	if (decided && review && strcmp(review, decided) <= 0)
		validation_add(v, "/review_date", "must be after decision_date");
	check_status(v, status, was);
}
