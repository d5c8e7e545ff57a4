/*
 * period.h - the council's reporting periods.
 *
 * Councils report by financial year (April to March, written "2024/25"), by
 * its quarters ("2024/25 Q1" is April to June 2024) and by calendar month
 * ("2024-04").  Every period has a first and a last day; callers always
 * return both.  Pure: no I/O, no allocation.
 */
#ifndef EQ_DOMAIN_PERIOD_H
#define EQ_DOMAIN_PERIOD_H

#include <stdbool.h>
#include <stddef.h>

enum period_kind {
	PERIOD_MONTH = 1,          /* "2024-04" */
	PERIOD_QUARTER,            /* "2024/25 Q1" (financial quarter) */
	PERIOD_FINANCIAL_YEAR,     /* "2024/25" */
	PERIOD_ROLLING_YEAR,       /* "rolling-12:2024-07": the twelve months to July 2024 */
};

struct date {
	int year;   /* 1900..9999 */
	int month;  /* 1..12 */
	int day;    /* 1..31 */
};

struct period {
	enum period_kind kind;
	int fy_start_year;  /* financial year the period lies in: 2024 for 2024/25 */
	int quarter;        /* 1..4 for PERIOD_QUARTER, else 0 */
	int year, month;    /* calendar year and month for PERIOD_MONTH; the last
			     * month for PERIOD_ROLLING_YEAR; else 0 */
	struct date start;  /* first day */
	struct date end;    /* last day */
};

/*
 * Parse a period label.  Accepts exactly the month, quarter and financial
 * year forms above (the quarter also as "2024/25-Q1" for URLs); the second
 * year must follow the first ("2024/26" is refused); years 1900..9998.
 * Returns 0 and fills *out, or -1.  A rolling year is never accepted here:
 * it is no calendar unit, so only a caller that asks for it by kind gets it.
 */
__attribute__((warn_unused_result))
int period_parse(const char *text, struct period *out);

/* Only the given kinds are accepted (a bitmask of 1 << PERIOD_*). */
__attribute__((warn_unused_result))
int period_parse_kinds(const char *text, unsigned kinds_mask, struct period *out);

/*
 * Write the canonical label ("2024-04", "2024/25 Q1", "2024/25",
 * "12 months to 2024-07") into buf.
 * Returns the length written (excluding NUL) or -1 if it does not fit.
 */
int period_format(const struct period *p, char *buf, size_t size);

/* The kind's name in the API: "month", "quarter", "financial_year",
 * "rolling_12_months" ("" for none of them).  A static string. */
const char *period_kind_name(enum period_kind kind);

/* "YYYY-MM-DD" into buf (size >= 11).  Returns 10 or -1. */
int date_format(const struct date *d, char *buf, size_t size);

/* Parse a strict ISO 8601 calendar date "YYYY-MM-DD" (checks the day exists). */
__attribute__((warn_unused_result))
int date_parse(const char *text, struct date *out);

/* Days in a month, leap years included. */
int date_days_in_month(int year, int month);

/* <0, 0, >0 like strcmp. */
int date_compare(const struct date *a, const struct date *b);

/* The period of the given kind that contains date d (a rolling year: the
 * one that ends in d's month). */
void period_containing(enum period_kind kind, const struct date *d, struct period *out);

/* The period of the same kind one before / one after / one year before
 * (rolling years step by a month). */
void period_previous(const struct period *p, struct period *out);
void period_next(const struct period *p, struct period *out);
void period_year_earlier(const struct period *p, struct period *out);

#endif
