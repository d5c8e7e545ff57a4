/*
 * versioned_edit.c - the decisions of an edit of a versioned record (see
 * versioned_edit.h).
 */
#include "domain/versioned_edit.h"

enum edit_precondition edit_precondition_unlocked(enum edit_if_match policy, bool present)
{
	/* Refused before the lock: no database work for an edit that cannot
	 * succeed, and the same answer whether the record exists or not. */
	if (policy == EDIT_IF_MATCH_REQUIRED && !present)
		return EDIT_PRECONDITION_REQUIRED;
	return EDIT_PRECONDITION_MET;
}

enum edit_precondition edit_precondition_locked(enum edit_if_match policy, bool present,
						int names)
{
	if (policy == EDIT_IF_MATCH_UNUSED)
		return EDIT_PRECONDITION_MET;
	if (!present)
		return policy == EDIT_IF_MATCH_REQUIRED ? EDIT_PRECONDITION_REQUIRED
							: EDIT_PRECONDITION_MET;
	/* Weak tags and malformed ones never match: an edit names the
	 * version it was made on, or "*" for whatever is current. */
	return names == 1 ? EDIT_PRECONDITION_MET : EDIT_PRECONDITION_FAILED;
}

json_t *edit_merge_new(const json_t *current, const json_t *patch, const char *const *fields,
		       struct validation *v)
{
	json_t *merged;

	if (json_object_size(patch) == 0) {
		validation_add(v, "", "must change at least one field");
		return NULL;
	}
	merged = validate_merge(current, patch, fields);
	if (!merged)
		v->oom = true;
	return merged;
}
