/*
 * fuzz_json_hate_crime.c - the hate-crime report rules
 * (src/domain/hate_crime_report.h).  The database look-up
 * (hcr_lookup: today, whether the ward is the borough's, whether each
 * victim/suspect code pair exists) is answered from the input: wards ending
 * in 9 are unknown, characteristics starting with x and categories starting
 * with z do not exist.
 */
#include <string.h>

#include "domain/hate_crime_report.h"

#include "fuzz_json.h"

/* A valid report, as stored: the base of the merged PATCH. */
static const char current_report[] =
	"{\"occurred_from\":\"2025-04-02\",\"occurred_to\":\"2025-04-03\","
	"\"reported_on\":\"2025-04-05\",\"location\":{\"kind\":\"ward\",\"ward\":\"E05013628\"},"
	"\"strands\":[\"race\",\"other\"],\"other_strand_reason\":\"accent\","
	"\"offence_type\":\"harassment\",\"channel\":\"third_party_centre\","
	"\"submitter_reference\":\"TPC-2025-0001\",\"police_reference\":null,"
	"\"victim\":[{\"characteristic\":\"ethnicity\",\"category\":\"asian_indian\"}],"
	"\"suspect\":[]}";

static void fake_lookup(const json_t *obj, struct hcr_lookup *lk)
{
	const char *ward;

	hcr_lookup_collect(obj, lk);
	lk->today = (struct date){ 2025, 6, 30 };
	ward = hcr_lookup_ward(obj);
	lk->ward_known = ward && ward[strlen(ward) - 1] != '9';
	for (size_t i = 0; i < lk->npairs; i++)
		lk->verdict[i] = lk->pairs[i].characteristic[0] == 'x' ? 'x'
			       : lk->pairs[i].category[0] == 'z' ? 'c' : 0;
}

static void validate_report(const json_t *obj)
{
	struct validation v;
	struct hcr_lookup lk;
	struct hcr_values rv;

	fake_lookup(obj, &lk);
	validation_init(&v);
	hcr_validate(&v, obj, &lk, &rv);
	if (validation_ok(&v)) {
		/* Everything the insert binds. */
		CHECK(strlen(rv.occurred_from) == 10 && strlen(rv.occurred_to) == 10 &&
		      strlen(rv.reported_on) == 10);
		CHECK(strcmp(rv.occurred_from, rv.occurred_to) <= 0);
		CHECK(strcmp(rv.reported_on, "2025-06-30") <= 0);
		CHECK(rv.location && rv.strands[0] == '{' && rv.offence_type && rv.channel);
		CHECK(rv.submitter_reference && rv.victim && rv.suspect);
		CHECK(strcmp(rv.location, "ward") != 0 || rv.ward);
	}
	fuzz_check_validation(&v);
	hcr_values_release(&rv);
	validation_release(&v);
}

void fuzz_json_hate_crime(const json_t *body)
{
	json_t *current = json_loads(current_report, 0, NULL);
	json_t *merged;
	struct validation v;
	const char *reason = NULL;

	CHECK(current != NULL);
	validate_report(body);

	/* PATCH: unknown fields, a withdrawal, or an edit merged onto the report. */
	validation_init(&v);
	validate_known_fields(&v, body, "", hcr_patch_fields);
	if (json_object_get(body, "status")) {
		hcr_validate_withdrawal(&v, body, &reason);
		if (validation_ok(&v))
			CHECK(reason != NULL);
	}
	fuzz_check_validation(&v);
	validation_release(&v);
	merged = validate_merge(current, body, hcr_create_fields);
	CHECK(merged != NULL);
	validate_report(merged);
	json_decref(merged);
	json_decref(current);
}
