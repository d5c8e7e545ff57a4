/*
 * organisation.h - who may change what of an organisation's record.
 *
 * The council manages organisations: their names, their equalities policy
 * links and the date it last reviewed each policy.  A partner keeps its
 * own policy link up to date and nothing else: the review date is the
 * council's judgement of the policy, and the name is the council's record
 * of whom it contracts with.  An organisation's kind is fixed when it is
 * created, because it decides what its keys may be given.
 *
 * Pure: no I/O.
 */
#ifndef EQ_DOMAIN_ORGANISATION_H
#define EQ_DOMAIN_ORGANISATION_H

#include <jansson.h>
#include <stdbool.h>

#include "domain/validate.h"

/* The kinds an organisation may be (NULL-terminated): the council first.
 * The kind decides what its keys may be given (domain/scopes.h). */
extern const char *const organisation_kinds[];

/* The members of an organisation a PATCH may carry (NULL-terminated). */
extern const char *const organisation_fields[];

/*
 * The members of patch the caller may not change, each an error in v
 * ("/name": "only the council may change this"): none for the council,
 * every one but equalities_policy_url for anyone else.
 */
void organisation_patch_check(struct validation *v, const json_t *patch, bool council);

/*
 * Is the key's organisation (its kind, "council", "partner", ...) the
 * council, whose keys manage every organisation?
 */
bool organisation_kind_is_council(const char *kind);

#endif
