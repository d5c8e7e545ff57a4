/*
 * indicator_rag.h - the RAG rating and direction of travel of an indicator
 * value, computed by the service (never entered by hand).
 *
 * Every quantity is an integer in thousandths of the indicator's unit
 * (72.5 % is 72500), so that a value exactly on a tolerance boundary is
 * rated the same on every machine: no floating point is involved.
 *
 * RAG, for a target T, an actual A and a tolerance:
 *   shortfall = T - A when higher is better, A - T when lower is better
 *   green  when shortfall <= 0           (on target or better)
 *   amber  when 0 < shortfall <= band    (within tolerance; the boundary
 *                                         itself is amber)
 *   red    when shortfall > band
 * The band is the tolerance itself when it is absolute (thousandths of the
 * unit), or |T| * tolerance / 100 when it is a percentage of the target
 * (the tolerance then in thousandths of a percent: 5 % is 5000); the
 * percentage comparison is done as shortfall * 100000 <= |T| * tolerance,
 * exact in integers.  No RAG when the target or the actual is missing.
 *
 * Direction of travel compares an actual with an earlier one (the previous
 * period, or the same period a year earlier): improving when it moved the
 * way the polarity calls better, worsening the other way, no_change when
 * equal, not_comparable when either is missing.
 *
 * Pure: no I/O, no allocation.
 */
#ifndef EQ_DOMAIN_INDICATOR_RAG_H
#define EQ_DOMAIN_INDICATOR_RAG_H

#include <stdbool.h>

/* Values are bounded so that every product above fits in 64 bits. */
#define INDICATOR_VALUE_MAX 1000000000000LL   /* 10^9 units, in thousandths */
#define INDICATOR_PERCENT_TOLERANCE_MAX 100000LL   /* 100 %, in thousandths */

enum indicator_polarity {
	POLARITY_HIGHER_IS_BETTER = 1,
	POLARITY_LOWER_IS_BETTER,
};

enum tolerance_kind {
	TOLERANCE_ABSOLUTE = 1,
	TOLERANCE_PERCENT,
};

enum indicator_rag {
	RAG_NONE = 0,   /* target or actual missing */
	RAG_GREEN,
	RAG_AMBER,
	RAG_RED,
};

enum indicator_direction {
	DIRECTION_NOT_COMPARABLE = 0,
	DIRECTION_IMPROVING,
	DIRECTION_WORSENING,
	DIRECTION_NO_CHANGE,
};

/* An optional value in thousandths. */
struct indicator_number {
	bool present;
	long long thousandths;   /* |x| <= INDICATOR_VALUE_MAX */
};

struct indicator_tolerance {
	enum tolerance_kind kind;
	long long amount;        /* >= 0, thousandths of the unit or of a percent */
};

enum indicator_rag indicator_rag_compute(enum indicator_polarity polarity,
					 const struct indicator_tolerance *tolerance,
					 struct indicator_number target,
					 struct indicator_number actual);

enum indicator_direction indicator_direction_compute(enum indicator_polarity polarity,
						     struct indicator_number earlier,
						     struct indicator_number now);

/* "green", "amber", "red"; NULL for RAG_NONE. */
const char *indicator_rag_name(enum indicator_rag rag);
/* "improving", "worsening", "no_change", "not_comparable". */
const char *indicator_direction_name(enum indicator_direction d);

/* "higher_is_better" / "lower_is_better" -> the polarity; 0 for anything else. */
enum indicator_polarity indicator_polarity_parse(const char *text);
/* "absolute" / "percent" -> the kind; 0 for anything else. */
enum tolerance_kind indicator_tolerance_kind_parse(const char *text);

#endif
