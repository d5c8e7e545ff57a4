/*
 * partner_return.h - the rules of a partner's equalities return: which
 * characteristics a window's kind asks for, and what a return's counts
 * must satisfy.
 *
 * A return's body: {"total": n, "adult_total"?: n, "notes"?: text,
 * "lines": {characteristic: {category: count}}}.  The window's kind fixes
 * the characteristics, all required; any category of a characteristic is
 * accepted, but not a category together with one of its ancestors (people
 * would count twice).  Every characteristic also takes prefer_not_to_say
 * and not_known: people who declined, and people whose answer the partner
 * does not hold.  They are counted, so that the counts of every
 * characteristic add up to the total - or, for a measure asked only of
 * people aged 16 and over (sexual orientation), to the adult total.
 *
 * The window declares its age bands (census five-year bands from the
 * catalogue, or the council's HR bands age_16_24 ... age_65_plus) and its
 * universe (everyone, or adults only: then the adult total is the total).
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

/* The codes every characteristic takes for people not counted in a
 * category: "prefer_not_to_say", "not_known", NULL. */
extern const char *const return_undeclared_codes[];
/* Their display names, in the same order. */
extern const char *const return_undeclared_names[];

/* The HR age bands ("age_16_24" ... "age_65_plus", NULL) and their names. */
extern const char *const return_hr_age_bands[];
extern const char *const return_hr_age_band_names[];

/* A window's age band schemes ("census", "hr", NULL) and universes
 * ("everyone", "adults", NULL). */
extern const char *const return_age_band_schemes[];
extern const char *const return_universes[];

/* Is ch asked only of people aged 16 and over (sexual_orientation)? */
bool return_adult_only(const char *ch);

/* The universe a kind's windows take when none is given: workforce
 * "adults" (staff are 16 and over), service_users "everyone". */
const char *return_default_universe(const char *kind);

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

/* What a window asks of a return. */
struct return_rules {
	const struct return_kind *kind;   /* NULL: the window is wrong already */
	bool hr_age_bands;                /* age in return_hr_age_bands, not census bands */
	bool adults_only;                 /* the universe is people aged 16 and over */
};

/* The rules of a window of kind with age_bands and universe (NULL: census
 * bands, the kind's default universe). */
struct return_rules return_rules_of(const char *kind, const char *age_bands, const char *universe);

/* Does a window with these rules need adult_total (an adult-only
 * characteristic in a universe that includes children)? */
bool return_needs_adult_total(const struct return_rules *r);

/*
 * total, adult_total, notes and lines of obj against the rules (kind NULL:
 * only their types are judged, the window being wrong already).  Every
 * problem into v with its JSON pointer ("/lines/sex/female").
 */
void return_validate_content(struct validation *v, const json_t *obj,
			     const struct return_rules *rules, const struct return_catalogue *cat);

/* A return and its window as locked for an edit (strings borrowed). */
struct return_state {
	const char *status;            /* draft, submitted, accepted, returned */
	const char *kind;              /* the window's kind */
	bool open;                     /* the window has opened */
	bool past_due;                 /* today is after the window's due date */
	const char *open_date, *due_date;
	const char *age_bands, *universe;   /* the window's; NULL: the defaults */
	bool was_late;                      /* the last submission was late */
};

/* Is a submission in state s late?  After the due date, yes - except the
 * correction of a return the council sent back when its first submission
 * was on time: the partner met the deadline, the review round is the
 * council's. */
bool return_submission_late(const struct return_state *s);

/* A submitted return not yet reviewed may be recalled to a draft. */
bool return_recallable(const char *status);

/* What a client can do next with a return in status, as a sentence
 * ("Change it with PUT ... and submit it again."). */
const char *return_next_step(const char *status);

/* A draft, or a return sent back for correction, may be changed and
 * submitted; nothing else may. */
bool return_editable(const char *status);

/* PUT: {"total", "lines"} replacing the content, once the window is open. */
void return_validate_replacement(struct validation *v, const json_t *body,
				 const struct return_state *s, const struct return_catalogue *cat);

/* Submit: {"late_reason"?}, required when the submission is late
 * (return_submission_late); line breaks allowed.  *reason the reason to
 * keep: NULL when on time (one given anyway is not kept) or invalid. */
void return_validate_submission(struct validation *v, const json_t *body,
				const struct return_state *s, const char **reason);

/* Review: {"outcome": "accepted"|"returned", "note"?}; a return sent back
 * needs a note saying why.  Borrowed strings, NULL when invalid. */
void return_validate_review(struct validation *v, const json_t *body, const char **outcome,
			    const char **note);

#endif
