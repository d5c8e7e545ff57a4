/*
 * action_plan.h - the rules of the equalities action plan: what a plan, an
 * action and a progress update must be before they are stored.
 *
 * A plan is named by the financial year it starts in ("2024-25") and runs
 * for 1 to 10 financial years.  An action has a reference such as A3.2
 * (unique in its plan, which the database checks), a title, an outcome and
 * a lead directorate (codes), a start and a due date (due not before
 * start) and at most 20 distinct indicator codes.  A progress update gives
 * the action's status and RAG as of a date that is neither in the future
 * nor before the action's latest update; completing an action needs a note
 * saying what was done, and moving a complete action back needs a reason.
 *
 * Each validator adds every problem it finds to a struct validation (with
 * its JSON pointer) and never crashes, whatever JSON it is given.  The
 * strings it returns point into the body it was given: they live as long
 * as that body.  Pure: no I/O.
 */
#ifndef EQ_DOMAIN_ACTION_PLAN_H
#define EQ_DOMAIN_ACTION_PLAN_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "domain/period.h"
#include "domain/validate.h"

#define ACTION_TITLE_MAX 200
#define ACTION_DESCRIPTION_MAX 2000
#define ACTION_NOTE_MAX 4000
#define ACTION_REASON_MAX 2000
#define ACTION_REFERENCE_MAX 16
#define ACTION_MAX_INDICATORS 20

/* The choices, NULL-terminated, in the contract's order. */
extern const char *const action_plan_statuses[];   /* draft, current, closed */
extern const char *const action_statuses[];        /* not_started ... deferred */
extern const char *const action_rags[];            /* red, amber, green, not_rated */

/* A plan's id in a URL: "2024-25" (shape only) or "current". */
bool action_plan_id_is_valid(const char *s);

/* A reference: 1-16 letters and digits, with '.' and '-' after the first. */
bool action_reference_is_valid(const char *s);

/* POST /v1/action-plans. */
struct action_plan_values {
	const char *title, *description, *status;   /* description may be NULL */
	char slug[16];        /* "2024-25" */
	char starts_on[11];   /* 1 April of the first year */
	char ends_on[16];     /* 31 March after the last year */
};

/* Fills out (meaningful only when v ends up with no errors). */
void action_plan_validate(struct validation *v, const json_t *body,
			  struct action_plan_values *out);

/* The fixed fields of an action (POST, and PATCH once merged). */
extern const char *const action_fields[];

struct action_values {
	const char *reference, *title, *description, *outcome, *lead;
	char start_date[11], due_date[11];
	const char *indicators[ACTION_MAX_INDICATORS];   /* distinct codes */
	size_t nindicators;
};

void action_validate(struct validation *v, const json_t *obj, struct action_values *out);

/*
 * A PATCH: patch may name action fields only, and merged (the patch
 * merged onto the current action, see edit_merge_new in
 * domain/versioned_edit.h) must be a valid action.
 */
void action_patch_validate(struct validation *v, const json_t *patch, const json_t *merged,
			   struct action_values *out);

/* POST /v1/actions/{id}/updates. */
struct action_update_values {
	struct date date;   /* today when the body gives none */
	const char *status, *rag, *note, *reason;   /* note, reason may be NULL */
};

/*
 * was: the action's current status; last: the date of its latest update
 * (NULL when it has none); today: in the council's time zone.
 */
void action_update_validate(struct validation *v, const json_t *body, const char *was,
			    const struct date *last, const struct date *today,
			    struct action_update_values *out);

#endif
