/*
 * indicator_value.h - the rules of an indicator's values: which periods an
 * indicator takes, what a value sent to PUT .../values/{period} must be,
 * when a PUT changes nothing, and which values the scorecard shows.
 *
 * An indicator is reported monthly, quarterly or annually, and its values
 * are for periods of that kind only ("2024-04", "2024/25 Q2", "2024/25").
 * A value has a target, an actual or both, each a number of at most three
 * decimal places within +-10^9, kept as exact thousandths (see
 * indicator_rag.h); commentary without control characters other than new
 * lines and tabs; and published_on, not before the period begins.
 *
 * The scorecard of a quarter shows, for each indicator, the period of its
 * kind that contains the quarter's last day (the quarter's last month, the
 * quarter itself, or its financial year); without a quarter named, the
 * newest quarter any value has an actual for.
 *
 * Pure: no I/O.  Strings returned point into the body given.
 */
#ifndef EQ_DOMAIN_INDICATOR_VALUE_H
#define EQ_DOMAIN_INDICATOR_VALUE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "domain/indicator_rag.h"
#include "domain/period.h"
#include "domain/validate.h"

#define INDICATOR_COMMENTARY_MAX 2000

/* "monthly", "quarterly" or "annual" (anything else reads as quarterly). */
enum period_kind indicator_frequency_kind(const char *frequency);

/*
 * The period a PUT names: the path's {year} and {period} segments joined
 * with '/' ("2024/25" + "Q2"; year NULL for a single segment such as
 * "2024-04").  0 with *out, or -1 when it is not a period of kind want.
 */
int indicator_value_period(const char *year, const char *tail, enum period_kind want,
			   struct period *out);

/* The body of a PUT. */
struct indicator_value_input {
	struct indicator_number target, actual;
	const char *commentary;     /* NULL for none */
	const char *published_on;   /* YYYY-MM-DD, NULL for none */
};

void indicator_value_validate(struct validation *v, const json_t *body,
			      const struct period *period, struct indicator_value_input *out);

/*
 * A number member as exact thousandths: out->present false when absent or
 * null (no error) or when wrong (an error naming /name).  Printed with
 * three decimals and read back it must be the very same double, so 72.1
 * passes and 0.0015 does not.
 */
void indicator_number_member(struct validation *v, const json_t *obj, const char *name,
			     struct indicator_number *out);

/* The same figures, commentary and publication date: a PUT of b over a
 * stored a makes no new revision. */
bool indicator_value_same(const struct indicator_value_input *a,
			  const struct indicator_value_input *b);

/* One stored value of an indicator, as the rules need it. */
struct indicator_point {
	struct period period;
	struct indicator_number target, actual;
};

/* The point for period p (same kind and start), or NULL. */
const struct indicator_point *indicator_point_find(const struct indicator_point *pts, size_t n,
						   const struct period *p);

/* The newest point with an actual (pts oldest first), or NULL. */
const struct indicator_point *indicator_point_latest(const struct indicator_point *pts,
						     size_t n);

/* The newest quarter any point has an actual for: true with *out, or
 * false when there is none. */
bool indicator_newest_quarter(const struct indicator_point *pts, size_t n, struct period *out);

/* The period an indicator of this frequency shows on the scorecard of
 * quarter. */
void indicator_scorecard_period(const char *frequency, const struct period *quarter,
				struct period *out);

#endif
