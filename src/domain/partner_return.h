/*
 * partner_return.h - the rules of a partner's equalities return: which
 * characteristics a window's kind asks for, and what a return's counts
 * must satisfy.
 *
 * A return's body: {"total": n, "lines": {characteristic: {category:
 * count}}}.  The window's kind fixes the characteristics, all required;
 * any category of a characteristic is accepted, but not a category
 * together with one of its ancestors (people would count twice).  The
 * counts of every characteristic add up to the total.
 *
 * Pure: the categories come in as a catalogue the caller read.
 */
#ifndef EQ_DOMAIN_PARTNER_RETURN_H
#define EQ_DOMAIN_PARTNER_RETURN_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "domain/validate.h"

#define RETURN_MAX_COUNT 10000000LL
#define RETURN_MAX_CATEGORIES 200

struct return_kind {
	const char *kind;
	const char *const *characteristics;   /* NULL-terminated, all required */
};

/* "workforce", "service_users", NULL. */
extern const char *const return_kind_names[];

/* The kind called kind, or NULL. */
const struct return_kind *return_kind_find(const char *kind);

/* Number of characteristics of a kind. */
size_t return_kind_size(const struct return_kind *k);

/* One category; parent NULL for a top-level one.  Strings borrowed. */
struct return_category {
	const char *characteristic, *code, *parent, *name;
};

/* Every category of every characteristic (borrowed rows). */
struct return_catalogue {
	const struct return_category *rows;
	size_t n;
};

/* Index of (characteristic, code), or -1. */
int return_catalogue_find(const struct return_catalogue *c, const char *characteristic,
			  const char *code);

/* The index of the top-level ancestor of row i (i itself when top-level),
 * or -1 for i < 0.  A chain deeper than 8 stops where it got to. */
int return_catalogue_top(const struct return_catalogue *c, int i);

/*
 * total and lines of obj against the kind (NULL: only total and lines'
 * types are judged, the window being wrong already).  Every problem into v
 * with its JSON pointer ("/lines/sex/female").
 */
void return_validate_content(struct validation *v, const json_t *obj,
			     const struct return_kind *kind, const struct return_catalogue *cat);

/* A return and its window as locked for an edit (strings borrowed). */
struct return_state {
	const char *status;            /* draft, submitted, accepted, returned */
	const char *kind;              /* the window's kind */
	bool open;                     /* the window has opened */
	bool past_due;                 /* today is after the window's due date */
	const char *open_date, *due_date;
};

/* A draft, or a return sent back for correction, may be changed and
 * submitted; nothing else may. */
bool return_editable(const char *status);

/* PUT: {"total", "lines"} replacing the content, once the window is open. */
void return_validate_replacement(struct validation *v, const json_t *body,
				 const struct return_state *s, const struct return_catalogue *cat);

/* Submit: {"late_reason"?}, required once the window is past due.
 * *reason the reason to keep: NULL when on time (one given anyway is not
 * kept) or invalid. */
void return_validate_submission(struct validation *v, const json_t *body,
				const struct return_state *s, const char **reason);

/* Review: {"outcome": "accepted"|"returned", "note"?}; a return sent back
 * needs a note saying why.  Borrowed strings, NULL when invalid. */
void return_validate_review(struct validation *v, const json_t *body, const char **outcome,
			    const char **note);

#endif
