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

/* 1 + the index of text in names (n of them), or 0 when it is none of them:
 * the enums below number their members from 1 in the order named. */
static int parse_name(const char *text, const char *const *names, int n)
{
	for (int i = 0; text && i < n; i++)
		if (strcmp(text, names[i]) == 0)
			return i + 1;
	return 0;
}

enum indicator_polarity indicator_polarity_parse(const char *text)
{
	static const char *const names[] = { "higher_is_better", "lower_is_better" };

	return (enum indicator_polarity)parse_name(text, names, 2);
}

enum tolerance_kind indicator_tolerance_kind_parse(const char *text)
{
	static const char *const names[] = { "absolute", "percent" };

	return (enum tolerance_kind)parse_name(text, names, 2);
}
