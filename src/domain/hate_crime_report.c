/*
 * hate_crime_report.c - the rules of a hate-crime report's body (see
 * hate_crime_report.h).
 */
#include "domain/hate_crime_report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/codes.h"
#include "domain/hate_crime_table.h"
#include "domain/text.h"

#define REF_MAX 64
#define OTHER_REASON_MAX 200
#define WITHDRAWN_REASON_MAX 500

const char *const hcr_create_fields[] = {
	"occurred_from", "occurred_to", "reported_on", "location", "strands",
	"other_strand_reason", "offence_type", "channel", "submitter_reference",
	"police_reference", "victim", "suspect", NULL,
};
const char *const hcr_patch_fields[] = {
	"occurred_from", "occurred_to", "reported_on", "location", "strands",
	"other_strand_reason", "offence_type", "channel", "submitter_reference",
	"police_reference", "victim", "suspect", "status", "withdrawn_reason", NULL,
};
static const char *const location_fields[] = { "kind", "ward", NULL };
static const char *const location_kinds[] = { "ward", "unknown", "outside_borough", NULL };
static const char *const person_fields[] = { "characteristic", "category", NULL };
const char *const hcr_statuses[] = { "active", "withdrawn", NULL };
static const char *const withdrawn_only[] = { "withdrawn", NULL };

void hcr_values_release(struct hcr_values *rv)
{
	free(rv->victim);
	free(rv->suspect);
	rv->victim = rv->suspect = NULL;
}

/* The pairs of victim and suspect worth a database look-up: items whose
 * two codes are well-formed.  Malformed items are reported by validation. */
void hcr_lookup_collect(const json_t *obj, struct hcr_lookup *lk)
{
	static const char *const lists[] = { "victim", "suspect" };

	memset(lk, 0, sizeof(*lk));
	for (size_t l = 0; l < 2; l++) {
		const json_t *arr = json_object_get(obj, lists[l]);
		size_t i;
		const json_t *item;

		if (!json_is_array(arr) || json_array_size(arr) > HCR_MAX_PEOPLE)
			continue;
		json_array_foreach(arr, i, item) {
			const char *ch = json_string_value(json_object_get(item, "characteristic"));
			const char *cat = json_string_value(json_object_get(item, "category"));
			struct hcr_pair *p;

			if (!json_is_object(item) || !code_is_valid(ch) || !code_is_valid(cat) ||
			    lk->npairs >= HCR_MAX_PAIRS)
				continue;
			p = &lk->pairs[lk->npairs++];
			p->characteristic = ch;
			p->category = cat;
			snprintf(p->pointer, sizeof(p->pointer), "/%s/%zu", lists[l], i);
		}
	}
}

/* The ward worth looking up: location.ward when it is a well-formed code. */
const char *hcr_lookup_ward(const json_t *obj)
{
	const json_t *loc = json_object_get(obj, "location");
	const char *ward = json_is_object(loc) ? json_string_value(json_object_get(loc, "ward")) : NULL;

	return area_code_is_valid(ward) ? ward : NULL;
}

static void validate_location(struct validation *v, const json_t *obj,
			      const struct hcr_lookup *lk, struct hcr_values *rv)
{
	const json_t *loc = validate_object(v, obj, "", "location", true);
	const char *kind;
	const json_t *ward;

	if (!loc)
		return;
	validate_known_fields(v, loc, "/location", location_fields);
	kind = validate_enum(v, loc, "/location", "kind", true, location_kinds);
	ward = json_object_get(loc, "ward");
	if (!kind)
		return;
	rv->location = kind;
	if (strcmp(kind, "ward") != 0) {
		if (ward && !json_is_null(ward))
			validation_add(v, "/location/ward", "must be absent or null unless kind is ward");
		return;
	}
	if (!ward || json_is_null(ward)) {
		validation_add(v, "/location/ward", "is required when kind is ward");
		return;
	}
	if (!json_is_string(ward) || !area_code_is_valid(json_string_value(ward))) {
		validation_add(v, "/location/ward", "must be a ward's GSS code such as E05013628");
		return;
	}
	if (!lk->ward_known) {
		validation_add(v, "/location/ward", "is not a ward of the borough (see /v1/areas?kind=ward)");
		return;
	}
	rv->ward = json_string_value(ward);
}

/* Strands: 1..6 unique values; returns whether "other" is among them, or
 * -1 when the strands are invalid (other_strand_reason is then not judged). */
static int validate_strands(struct validation *v, const json_t *obj, struct hcr_values *rv)
{
	const json_t *arr = validate_array(v, obj, "", "strands", true, 1, HCR_MAX_STRANDS);
	const char *seen[HCR_MAX_STRANDS];
	size_t i, used = 0;
	const json_t *item;
	bool ok = arr != NULL, other = false;
	char ptr[32];

	if (!arr)
		return -1;
	json_array_foreach(arr, i, item) {
		const char *s = json_string_value(item);
		const char *match = NULL;

		snprintf(ptr, sizeof(ptr), "/strands/%zu", i);
		for (size_t k = 0; s && hc_strands[k]; k++)
			if (strcmp(s, hc_strands[k]) == 0)
				match = hc_strands[k];
		if (!match) {
			validation_add(v, ptr, "must be one of: race, religion, sexual_orientation, disability, transgender_identity, other");
			ok = false;
			continue;
		}
		for (size_t k = 0; k < i; k++)
			if (seen[k] == match) {
				validation_add(v, ptr, "repeats %s (each strand at most once)", match);
				ok = false;
			}
		seen[i] = match;
		if (strcmp(match, "other") == 0)
			other = true;
	}
	if (!ok)
		return -1;
	used += (size_t)snprintf(rv->strands, sizeof(rv->strands), "{");
	for (i = 0; i < json_array_size(arr); i++)
		used += (size_t)snprintf(rv->strands + used, sizeof(rv->strands) - used, "%s%s",
					 i ? "," : "", seen[i]);
	snprintf(rv->strands + used, sizeof(rv->strands) - used, "}");
	return other;
}

/* victim or suspect: 0..20 of {"characteristic", "category"}. */
static char *validate_people(struct validation *v, const json_t *obj, const char *name,
			     const struct hcr_lookup *lk)
{
	const json_t *arr = validate_array(v, obj, "", name, false, 0, HCR_MAX_PEOPLE);
	size_t i;
	const json_t *item;
	bool ok = true;
	char base[32], ptr[64];

	if (!arr)
		return json_object_get(obj, name) && !json_is_null(json_object_get(obj, name))
			       ? NULL : strdup("[]");
	json_array_foreach(arr, i, item) {
		snprintf(base, sizeof(base), "/%s/%zu", name, i);
		if (!json_is_object(item)) {
			validation_add(v, base, "must be an object with characteristic and category");
			ok = false;
			continue;
		}
		validate_known_fields(v, item, base, person_fields);
		if (json_object_size(item) != 2)
			ok = false;
		for (size_t f = 0; f < 2; f++) {
			const char *s = validate_string(v, item, base, person_fields[f], true, 64);

			if (!s) {
				ok = false;
				continue;
			}
			if (!code_is_valid(s)) {
				snprintf(ptr, sizeof(ptr), "%s/%s", base, person_fields[f]);
				validation_add(v, ptr, "must be a code such as %s (see /v1/characteristics)",
					       f == 0 ? "ethnicity" : "asian_indian");
				ok = false;
			}
		}
		for (size_t p = 0; p < lk->npairs; p++) {
			if (strcmp(lk->pairs[p].pointer, base) != 0 || !lk->verdict[p])
				continue;
			ok = false;
			if (lk->verdict[p] == 'x') {
				snprintf(ptr, sizeof(ptr), "%s/characteristic", base);
				validation_add(v, ptr, "is not a characteristic (see /v1/characteristics)");
			} else {
				snprintf(ptr, sizeof(ptr), "%s/category", base);
				validation_add(v, ptr, "is not a category of %s (see /v1/characteristics/%s)",
					       lk->pairs[p].characteristic, lk->pairs[p].characteristic);
			}
		}
	}
	return ok ? json_dumps(arr, JSON_COMPACT) : NULL;
}

/* Validate a whole report body (a create, or a PATCH merged onto the
 * current report): every problem goes into v; rv is complete when v is ok. */
void hcr_validate(struct validation *v, const json_t *obj, const struct hcr_lookup *lk,
			    struct hcr_values *rv)
{
	struct date from, to, reported;
	bool have_from, have_to, have_reported;
	int other;
	const char *reason;
	bool given;

	memset(rv, 0, sizeof(*rv));
	validate_known_fields(v, obj, "", hcr_create_fields);

	have_from = validate_date(v, obj, "", "occurred_from", true, &from);
	have_to = validate_date(v, obj, "", "occurred_to", false, &to);
	have_reported = validate_date(v, obj, "", "reported_on", true, &reported);
	if (have_from && !have_to && !json_object_get(obj, "occurred_to"))
		to = from, have_to = true;
	if (have_from && have_to && date_compare(&to, &from) < 0)
		validation_add(v, "/occurred_to", "must not be before occurred_from");
	if (have_from && have_reported && date_compare(&reported, &from) < 0)
		validation_add(v, "/reported_on", "must not be before occurred_from");
	if (have_reported && date_compare(&reported, &lk->today) > 0)
		validation_add(v, "/reported_on", "must not be in the future");
	if (have_from)
		(void)date_format(&from, rv->occurred_from, sizeof(rv->occurred_from));
	if (have_to)
		(void)date_format(&to, rv->occurred_to, sizeof(rv->occurred_to));
	if (have_reported)
		(void)date_format(&reported, rv->reported_on, sizeof(rv->reported_on));

	validate_location(v, obj, lk, rv);

	other = validate_strands(v, obj, rv);
	given = json_object_get(obj, "other_strand_reason") &&
		!json_is_null(json_object_get(obj, "other_strand_reason"));
	reason = text_validate(v, obj, "other_strand_reason", OTHER_REASON_MAX);
	if (other == 1 && !given)
		validation_add(v, "/other_strand_reason", "is required when strands include other");
	else if (other == 0 && given)
		validation_add(v, "/other_strand_reason", "is accepted only when strands include other");
	rv->other_reason = reason;

	rv->offence_type = validate_enum(v, obj, "", "offence_type", true, hc_offence_types);
	rv->channel = validate_enum(v, obj, "", "channel", true, hc_channels);
	rv->submitter_reference = text_member(v, obj, "submitter_reference", true, REF_MAX, false);
	rv->police_reference = text_member(v, obj, "police_reference", false, REF_MAX, false);
	rv->victim = validate_people(v, obj, "victim", lk);
	rv->suspect = validate_people(v, obj, "suspect", lk);
}

/* {"status": "withdrawn", "withdrawn_reason": "..."} and nothing else. */
void hcr_validate_withdrawal(struct validation *v, const json_t *patch, const char **reason)
{
	const char *key;
	json_t *value;

	(void)validate_enum(v, patch, "", "status", true, withdrawn_only);
	*reason = validate_string(v, patch, "", "withdrawn_reason", true, WITHDRAWN_REASON_MAX);
	if (*reason && text_has_control_chars(*reason)) {
		validation_add(v, "/withdrawn_reason", "must not contain control characters");
		*reason = NULL;
	}
	json_object_foreach((json_t *)patch, key, value) {
		char ptr[80];

		if (strcmp(key, "status") == 0 || strcmp(key, "withdrawn_reason") == 0)
			continue;
		snprintf(ptr, sizeof(ptr), "/%.70s", key);
		validation_add(v, ptr, "cannot be changed in the request that withdraws the report");
	}
}

void hcr_lookup_verdicts(struct hcr_lookup *lk, const char *verdicts)
{
	memset(lk->verdict, 0, sizeof(lk->verdict));
	while (*verdicts) {
		char *end;
		long i = strtol(verdicts, &end, 10);

		/* Items the database did not number in range are ignored:
		 * only a known pair can be judged unknown. */
		if (*end == ':' && i >= 1 && (size_t)i <= lk->npairs)
			lk->verdict[i - 1] = end[1];
		verdicts = strchr(verdicts, ',');
		if (!verdicts)
			break;
		verdicts++;
	}
}
