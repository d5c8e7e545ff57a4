/*
 * annual_report.c - the rules of the Annual Equalities Report (see
 * annual_report.h).
 */
#include "domain/annual_report.h"

#include <stdio.h>
#include <string.h>

int annual_report_year(const char *text, struct period *out)
{
	char label[8];

	if (!text || strlen(text) != 7 || text[4] != '-')
		return -1;
	memcpy(label, text, 7);
	label[4] = '/';
	label[7] = '\0';
	return period_parse_kinds(label, 1u << PERIOD_FINANCIAL_YEAR, out);
}

static int inside(const struct period *p, const struct period *fy)
{
	return date_compare(&p->start, &fy->start) >= 0 && date_compare(&p->end, &fy->end) <= 0;
}

const struct indicator_point *annual_outturn(const struct indicator_point *pts, size_t n,
					     const struct period *fy)
{
	const struct indicator_point *best = NULL;

	for (size_t i = 0; i < n; i++) {
		const struct period *p = &pts[i].period;

		if (!inside(p, fy))
			continue;
		if (p->kind == PERIOD_FINANCIAL_YEAR)
			return &pts[i];
		if (!best || date_compare(&p->end, &best->period.end) > 0)
			best = &pts[i];
	}
	return best;
}
