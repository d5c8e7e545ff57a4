/*
 * annual_report.h - the rules of the Annual Equalities Report: which year
 * a path names, and which value of an indicator is its outturn for a year.
 *
 * A report is of a financial year, named in a path as "2024-25" (the
 * action plans' form).  An indicator's outturn for the year is its value
 * for the whole year when it has one, else the latest value of a period
 * inside the year (the fourth quarter, March), with or without an actual:
 * a year whose last quarter has no actual yet is incomplete, not reported
 * from an earlier quarter.
 *
 * Pure: no I/O.
 */
#ifndef EQ_DOMAIN_ANNUAL_REPORT_H
#define EQ_DOMAIN_ANNUAL_REPORT_H

#include <jansson.h>
#include <stddef.h>

#include "domain/indicator_value.h"
#include "domain/period.h"

/* "2024-25" -> the financial year 2024/25: 0, or -1 for anything else
 * ("2024-26", "2024/25", "24-25"). */
int annual_report_year(const char *text, struct period *out);

/* The outturn of pts (oldest first) for the financial year fy, or NULL
 * when no value lies inside it. */
const struct indicator_point *annual_outturn(const struct indicator_point *pts, size_t n,
					     const struct period *fy);

/*
 * The report (as GET /v1/reports/annual/{year} answers it) as the rows of
 * its CSV bundle, one figure a row: {section, item, period, value, target,
 * rag, suppressed, complete, source}, in section order; a withheld or
 * missing figure has value null.  A new array, or NULL when memory runs
 * out.
 */
json_t *annual_report_csv_rows(const json_t *report);

#endif
