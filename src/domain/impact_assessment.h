/*
 * impact_assessment.h - what an equality impact assessment must hold.
 *
 * The council assesses the impact of a strategy, policy or programme on
 * people of each protected characteristic before it decides.  A draft may
 * be incomplete.  Once published it is a public promise, so it must say
 * what was decided and when, when it will be reviewed, and give every one
 * of the nine protected characteristics an assessed impact; an impact
 * other than "unknown" rests on evidence, and a negative one says how it
 * is mitigated.  An assessment moves forward only: draft, published, then
 * reviewed (never back, never reviewed before it was published).
 *
 * The contract has already checked every member's type and form; these
 * are the rules across members.  Pure: no I/O.
 */
#ifndef EQ_DOMAIN_IMPACT_ASSESSMENT_H
#define EQ_DOMAIN_IMPACT_ASSESSMENT_H

#include <jansson.h>

#include "domain/validate.h"

/* The protected characteristics, as /v1/characteristics codes (NULL-terminated). */
extern const char *const impact_assessment_characteristics[];

/* The members a PATCH may carry (NULL-terminated): all but the reference,
 * which names the assessment for good. */
extern const char *const impact_assessment_fields[];

/*
 * body: a whole assessment (a create's body, or a PATCH merged onto the
 * current representation).  was: its status before this change, NULL for
 * a create.  Every problem found goes to v, each with its pointer.
 */
void impact_assessment_validate(struct validation *v, const json_t *body, const char *was);

/* 0, 1, 2 for "draft", "published", "reviewed" (the order an assessment
 * moves in); -1 for anything else, NULL included. */
int impact_assessment_status_rank(const char *status);

#endif
