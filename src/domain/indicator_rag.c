/*
 * indicator_rag.c - RAG rating and direction of travel (see indicator_rag.h).
 */
#include "domain/indicator_rag.h"

#include <string.h>

enum indicator_rag indicator_rag_compute(enum indicator_polarity polarity,
					 const struct indicator_tolerance *tolerance,
					 struct indicator_number target,
					 struct indicator_number actual)
{
	long long shortfall, base;

	if (!target.present || !actual.present || !tolerance)
		return RAG_NONE;
	shortfall = polarity == POLARITY_LOWER_IS_BETTER
		? actual.thousandths - target.thousandths
		: target.thousandths - actual.thousandths;
	if (shortfall <= 0)
		return RAG_GREEN;
	if (tolerance->kind == TOLERANCE_PERCENT) {
		base = target.thousandths < 0 ? -target.thousandths : target.thousandths;
		/* shortfall <= |T| * (amount / 1000) / 100, times 100000 */
		return shortfall * 100000LL <= base * tolerance->amount ? RAG_AMBER : RAG_RED;
	}
	return shortfall <= tolerance->amount ? RAG_AMBER : RAG_RED;
}

enum indicator_direction indicator_direction_compute(enum indicator_polarity polarity,
						     struct indicator_number earlier,
						     struct indicator_number now)
{
	long long delta;

	if (!earlier.present || !now.present)
		return DIRECTION_NOT_COMPARABLE;
	delta = now.thousandths - earlier.thousandths;
	if (delta == 0)
		return DIRECTION_NO_CHANGE;
	if (polarity == POLARITY_LOWER_IS_BETTER)
		delta = -delta;
	return delta > 0 ? DIRECTION_IMPROVING : DIRECTION_WORSENING;
}

const char *indicator_rag_name(enum indicator_rag rag)
{
	switch (rag) {
	case RAG_GREEN: return "green";
	case RAG_AMBER: return "amber";
	case RAG_RED: return "red";
	case RAG_NONE: break;
	}
	return NULL;
}

const char *indicator_direction_name(enum indicator_direction d)
{
	switch (d) {
	case DIRECTION_IMPROVING: return "improving";
	case DIRECTION_WORSENING: return "worsening";
	case DIRECTION_NO_CHANGE: return "no_change";
	case DIRECTION_NOT_COMPARABLE: break;
	}
	return "not_comparable";
}

enum indicator_polarity indicator_polarity_parse(const char *text)
{
	if (text && strcmp(text, "higher_is_better") == 0)
		return POLARITY_HIGHER_IS_BETTER;
	if (text && strcmp(text, "lower_is_better") == 0)
		return POLARITY_LOWER_IS_BETTER;
	return 0;
}

enum tolerance_kind indicator_tolerance_kind_parse(const char *text)
{
	if (text && strcmp(text, "absolute") == 0)
		return TOLERANCE_ABSOLUTE;
	if (text && strcmp(text, "percent") == 0)
		return TOLERANCE_PERCENT;
	return 0;
}
