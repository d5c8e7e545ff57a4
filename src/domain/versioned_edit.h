/*
 * versioned_edit.h - the decisions of an edit of a versioned record, apart
 * from the database and HTTP (src/api/kit/edit.h does those).
 *
 * A versioned record carries ETag "v<version>".  An edit says which version
 * it was made on with If-Match, so that of two clients editing the same
 * version the second learns it is stale (412) instead of silently undoing
 * the first one's change.  Where a route insists on it, an edit without
 * If-Match is refused (428) before anything is read.  A partial update
 * (PATCH) is merged onto the current representation and the whole result
 * validated again, so one rule judges a create and an edit alike.
 *
 * Pure: no I/O.
 */
#ifndef EQ_DOMAIN_VERSIONED_EDIT_H
#define EQ_DOMAIN_VERSIONED_EDIT_H

#include <jansson.h>
#include <stdbool.h>

#include "domain/validate.h"

/* What a route asks of If-Match. */
enum edit_if_match {
	EDIT_IF_MATCH_REQUIRED,   /* every edit names its version (PUT, PATCH) */
	EDIT_IF_MATCH_OPTIONAL,   /* checked when sent (a submit, a review) */
	EDIT_IF_MATCH_UNUSED,     /* not looked at (appending an update) */
};

enum edit_precondition {
	EDIT_PRECONDITION_MET,
	EDIT_PRECONDITION_REQUIRED,   /* 428: If-Match is missing */
	EDIT_PRECONDITION_FAILED,     /* 412: If-Match does not name the current version */
};

/* Before the record is locked: is a required If-Match missing? */
enum edit_precondition edit_precondition_unlocked(enum edit_if_match policy, bool present);

/*
 * Once the record is locked at its current version: names is what
 * request_if_match_version answered for the header (1 it names the
 * current version, 0 other versions, -1 none such as "*" or a weak tag);
 * it is not read when the header is absent.
 */
enum edit_precondition edit_precondition_locked(enum edit_if_match policy, bool present,
						int names);

/*
 * A partial update merged onto the current representation: the members of
 * fields (NULL-terminated) from current, replaced by those patch has, a
 * null clearing one (validate_merge).  A patch without members changes
 * nothing and is an error "must change at least one field" for the
 * whole body ("" in v).
 * Returns a new object the caller owns, or NULL after recording why in v
 * (the empty patch, or v->oom when memory runs out).
 */
__attribute__((warn_unused_result))
json_t *edit_merge_new(const json_t *current, const json_t *patch, const char *const *fields,
		       struct validation *v);

#endif
