/*
 * pay_gap_publication.h - the body rules of PUT
 * /v1/workforce/snapshots/{as_of}/pay-gaps: an employer's published pay
 * gaps and pay-quartile shares, checked and turned into the stored form.
 *
 * Only the groups the importer computes can be published, each against
 * its characteristic's reference group (female against male; asian,
 * black, mixed, other and minoritised against white; disabled against not
 * disabled).  A gap is a percentage from -1000 to 100, a bonus share from
 * 0 to 100; the four quartiles each give category shares that sum to 100
 * (within 0.1).
 *
 * Pure: no I/O.  Problems go to the caller's validation, each with its
 * JSON pointer; the functions fail (-1) only when memory runs out.
 */
#ifndef EQ_DOMAIN_PAY_GAP_PUBLICATION_H
#define EQ_DOMAIN_PAY_GAP_PUBLICATION_H

#include <jansson.h>
#include <stddef.h>

#include "domain/validate.h"

/* The characteristics that can be published, in order (NULL-terminated). */
extern const char *const pgp_characteristics[];

/*
 * The members of characteristic pc's object other than "quartiles": its
 * known fields and its "gaps", appended to gaps as
 * {characteristic, group, reference, published: true, <measures>}.
 * Returns 0, or -1 when memory runs out.
 */
__attribute__((warn_unused_result))
int pgp_gaps(struct validation *v, const json_t *obj, int pc, json_t *gaps);

/*
 * The "quartiles" of characteristic pc (an array of four already checked
 * for its size), against the known category codes, appended to quarts as
 * {characteristic, quartile, category, share}.  0, or -1 out of memory.
 */
__attribute__((warn_unused_result))
int pgp_quartiles(struct validation *v, const json_t *qs, int pc, const char *const *known,
		  size_t nknown, json_t *quarts);

#endif
