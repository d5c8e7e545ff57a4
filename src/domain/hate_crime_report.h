/*
 * hate_crime_report.h - the rules of a hate-crime report's body: one
 * validator for a create and for a PATCH merged onto the current report,
 * and the rule of a withdrawal.
 *
 * A few facts from outside the body (today in London, whether a ward is
 * the borough's, which characteristic and category codes exist) come in
 * as a struct hcr_lookup: the caller collects what to ask
 * (hcr_lookup_collect, hcr_lookup_ward) and records the answers in it.
 * The service answers from its memo of the reference codes and sets
 * lk->verdict itself (api/hate_crime_reports/write.c);
 * hcr_lookup_verdicts reads the same answers written as text.
 * Everything else is judged here, every problem at once with its JSON
 * pointer.
 *
 * No names, addresses or contact details exist in a report; the two
 * free-text fields (other_strand_reason, withdrawn_reason) are checked for
 * length and control characters only.
 *
 * Pure.
 */
#ifndef EQ_DOMAIN_HATE_CRIME_REPORT_H
#define EQ_DOMAIN_HATE_CRIME_REPORT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "domain/period.h"
#include "domain/validate.h"

#define HCR_MAX_STRANDS 6
#define HCR_MAX_PEOPLE 20          /* victim or suspect entries */
#define HCR_MAX_PAIRS (2 * HCR_MAX_PEOPLE)

/* The members of a report (create) and of a PATCH (also the withdrawal's). */
extern const char *const hcr_create_fields[];
extern const char *const hcr_patch_fields[];
/* A report's statuses: "active", "withdrawn". */
extern const char *const hcr_statuses[];

/* A (characteristic, category) pair to look up, and where it came from. */
struct hcr_pair {
	const char *characteristic, *category;   /* borrowed from the body */
	char pointer[32];                         /* "/victim/3" */
};

/* What the reference data say about a body. */
struct hcr_lookup {
	struct date today;
	bool ward_known;
	struct hcr_pair pairs[HCR_MAX_PAIRS];
	size_t npairs;
	char verdict[HCR_MAX_PAIRS];   /* 0 known, 'c' unknown category, 'x' unknown characteristic */
};

/* The validated fields, ready as statement parameters (text). */
struct hcr_values {
	char occurred_from[11], occurred_to[11], reported_on[11];
	const char *location, *ward;
	char strands[160];          /* a text[] literal of validated values only */
	const char *other_reason, *offence_type, *channel;
	const char *submitter_reference, *police_reference;
	char *victim, *suspect;     /* JSON text, owned: hcr_values_release */
};

/* Empties lk and collects the pairs of victim and suspect worth a look-up:
 * items whose two codes are well-formed (validation reports the others). */
void hcr_lookup_collect(const json_t *obj, struct hcr_lookup *lk);

/* The ward worth looking up: location.ward when it is a well-formed code,
 * else NULL. */
const char *hcr_lookup_ward(const json_t *obj);

/* The database's verdicts on lk's pairs: "3:c,5:x" says item 3's category
 * is not one of its characteristic's and item 5's characteristic does not
 * exist (items numbered from 1); "" says every pair is known. */
void hcr_lookup_verdicts(struct hcr_lookup *lk, const char *verdicts);

/* A whole report body: every problem into v; rv is complete when v is ok
 * (its strings borrowed from obj, victim and suspect owned). */
void hcr_validate(struct validation *v, const json_t *obj, const struct hcr_lookup *lk,
		  struct hcr_values *rv);

void hcr_values_release(struct hcr_values *rv);

/* {"status": "withdrawn", "withdrawn_reason": "..."} and nothing else;
 * *reason the reason when valid, else NULL. */
void hcr_validate_withdrawal(struct validation *v, const json_t *patch, const char **reason);

#endif
