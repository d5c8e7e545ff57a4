/*
 * period.c - financial years, financial quarters and calendar months.
 *
 * Labels are parsed strictly (exact lengths, digits only, no spaces or
 * signs): they arrive in URLs and query strings, and a lenient parser would
 * let "2024-4" and "2024-04" name the same resource under two keys.
 */
#include "domain/period.h"

#include <stdio.h>
#include <string.h>

#define YEAR_MIN 1900
#define YEAR_MAX 9998   /* so a financial year's second year still fits */

static bool is_leap(int year)
{
	return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

int date_days_in_month(int year, int month)
{
	static const int days[12] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};

	if (month < 1 || month > 12)
		return 0;
	if (month == 2 && is_leap(year))
		return 29;
	return days[month - 1];
}

int date_compare(const struct date *a, const struct date *b)
{
	if (a->year != b->year)
		return a->year < b->year ? -1 : 1;
	if (a->month != b->month)
		return a->month < b->month ? -1 : 1;
	if (a->day != b->day)
		return a->day < b->day ? -1 : 1;
	return 0;
}

/* n ASCII digits at s, as a number; -1 if any is not a digit. */
static int digits(const char *s, size_t n)
{
	int v = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

static void set_date(struct date *d, int year, int month, int day)
{
	d->year = year;
	d->month = month;
	d->day = day;
}

static void make_month(int year, int month, struct period *out)
{
	memset(out, 0, sizeof(*out));
	out->kind = PERIOD_MONTH;
	out->fy_start_year = month >= 4 ? year : year - 1;
	out->year = year;
	out->month = month;
	set_date(&out->start, year, month, 1);
	set_date(&out->end, year, month, date_days_in_month(year, month));
}

/* The twelve months that end in month/year. */
static void make_rolling(int year, int month, struct period *out)
{
	int first = year * 12 + month - 1 - 11;

	memset(out, 0, sizeof(*out));
	out->kind = PERIOD_ROLLING_YEAR;
	out->fy_start_year = month >= 4 ? year : year - 1;
	out->year = year;
	out->month = month;
	set_date(&out->start, first / 12, first % 12 + 1, 1);
	set_date(&out->end, year, month, date_days_in_month(year, month));
}

static void make_quarter(int fy, int quarter, struct period *out)
{
	/* Q1 starts in April; Q4 (January to March) is in the next year. */
	int first = 4 + 3 * (quarter - 1);
	int year = fy;

	if (first > 12) {
		first -= 12;
		year++;
	}
	memset(out, 0, sizeof(*out));
	out->kind = PERIOD_QUARTER;
	out->fy_start_year = fy;
	out->quarter = quarter;
	set_date(&out->start, year, first, 1);
	set_date(&out->end, year, first + 2,
		 date_days_in_month(year, first + 2));
}

static void make_year(int fy, struct period *out)
{
	memset(out, 0, sizeof(*out));
	out->kind = PERIOD_FINANCIAL_YEAR;
	out->fy_start_year = fy;
	set_date(&out->start, fy, 4, 1);
	set_date(&out->end, fy + 1, 3, 31);
}

/* "YYYY/YY" with the second year following the first; -1 otherwise. */
static int parse_fy(const char *s)
{
	int first = digits(s, 4), second = digits(s + 5, 2);

	if (first < YEAR_MIN || first > YEAR_MAX || s[4] != '/' || second < 0)
		return -1;
	if (second != (first + 1) % 100)
		return -1;
	return first;
}

int period_parse_kinds(const char *text, unsigned kinds_mask,
		       struct period *out)
{
	size_t len;
	int year, month, quarter;

	if (!text || !out)
		return -1;
	len = strlen(text);
	if (len == 18 && strncmp(text, "rolling-12:", 11) == 0) {
		if (!(kinds_mask & (1u << PERIOD_ROLLING_YEAR)) ||
		    period_parse_kinds(text + 11, 1u << PERIOD_MONTH, out) != 0 ||
		    out->year < YEAR_MIN + 1)
			return -1;
		make_rolling(out->year, out->month, out);
		return 0;
	}
	if (len == 7 && text[4] == '-') {
		if (!(kinds_mask & (1u << PERIOD_MONTH)))
			return -1;
		year = digits(text, 4);
		month = digits(text + 5, 2);
		if (year < YEAR_MIN || year > YEAR_MAX || month < 1 || month > 12)
			return -1;
		make_month(year, month, out);
		return 0;
	}
	if (len == 7) {
		if (!(kinds_mask & (1u << PERIOD_FINANCIAL_YEAR)))
			return -1;
		year = parse_fy(text);
		if (year < 0)
			return -1;
		make_year(year, out);
		return 0;
	}
	if (len == 10) {
		if (!(kinds_mask & (1u << PERIOD_QUARTER)))
			return -1;
		year = parse_fy(text);
		if (year < 0 || (text[7] != ' ' && text[7] != '-') ||
		    text[8] != 'Q')
			return -1;
		quarter = digits(text + 9, 1);
		if (quarter < 1 || quarter > 4)
			return -1;
		make_quarter(year, quarter, out);
		return 0;
	}
	return -1;
}

int period_parse(const char *text, struct period *out)
{
	return period_parse_kinds(text,
				  (1u << PERIOD_MONTH) | (1u << PERIOD_QUARTER) |
				  (1u << PERIOD_FINANCIAL_YEAR),
				  out);
}

int period_format(const struct period *p, char *buf, size_t size)
{
	int n;

	if (!p)
		return -1;
	switch (p->kind) {
	case PERIOD_MONTH:
		n = snprintf(buf, size, "%04d-%02d", p->year, p->month);
		break;
	case PERIOD_QUARTER:
		n = snprintf(buf, size, "%04d/%02d Q%d", p->fy_start_year,
			     (p->fy_start_year + 1) % 100, p->quarter);
		break;
	case PERIOD_FINANCIAL_YEAR:
		n = snprintf(buf, size, "%04d/%02d", p->fy_start_year,
			     (p->fy_start_year + 1) % 100);
		break;
	case PERIOD_ROLLING_YEAR:
		n = snprintf(buf, size, "12 months to %04d-%02d", p->year, p->month);
		break;
	default:
		return -1;
	}
	if (n < 0 || (size_t)n >= size)
		return -1;
	return n;
}

const char *period_kind_name(enum period_kind kind)
{
	static const char *const names[] = {
		"", "month", "quarter", "financial_year", "rolling_12_months",
	};

	return kind >= PERIOD_MONTH && kind <= PERIOD_ROLLING_YEAR ? names[kind] : "";
}

int date_format(const struct date *d, char *buf, size_t size)
{
	int n;

	if (!d)
		return -1;
	n = snprintf(buf, size, "%04d-%02d-%02d", d->year, d->month, d->day);
	/* Anything but exactly ten characters was not a valid date. */
	if (n != 10 || size < 11)
		return -1;
	return n;
}

int date_parse(const char *text, struct date *out)
{
	int year, month, day;

	if (!text || !out || strlen(text) != 10 || text[4] != '-' ||
	    text[7] != '-')
		return -1;
	year = digits(text, 4);
	month = digits(text + 5, 2);
	day = digits(text + 8, 2);
	if (year < YEAR_MIN || year > 9999 || month < 1 || month > 12 ||
	    day < 1 || day > date_days_in_month(year, month))
		return -1;
	set_date(out, year, month, day);
	return 0;
}

void period_containing(enum period_kind kind, const struct date *d,
		       struct period *out)
{
	int fy = d->month >= 4 ? d->year : d->year - 1;

	switch (kind) {
	case PERIOD_MONTH:
		make_month(d->year, d->month, out);
		break;
	case PERIOD_QUARTER:
		/* Months since April, in whole quarters. */
		make_quarter(fy, (d->month + 8) % 12 / 3 + 1, out);
		break;
	case PERIOD_FINANCIAL_YEAR:
		make_year(fy, out);
		break;
	case PERIOD_ROLLING_YEAR:
		make_rolling(d->year, d->month, out);
		break;
	default:
		/* kind 0 is no period: period_format() refuses it. */
		memset(out, 0, sizeof(*out));
		break;
	}
}

/* Step p by delta units of its own kind (months, quarters or years). */
static void period_step(const struct period *p, int delta, struct period *out)
{
	int index;

	switch (p->kind) {
	case PERIOD_MONTH:
		index = p->year * 12 + (p->month - 1) + delta;
		make_month(index / 12, index % 12 + 1, out);
		break;
	case PERIOD_QUARTER:
		index = p->fy_start_year * 4 + (p->quarter - 1) + delta;
		make_quarter(index / 4, index % 4 + 1, out);
		break;
	case PERIOD_FINANCIAL_YEAR:
		make_year(p->fy_start_year + delta, out);
		break;
	case PERIOD_ROLLING_YEAR:
		index = p->year * 12 + (p->month - 1) + delta;
		make_rolling(index / 12, index % 12 + 1, out);
		break;
	default:
		*out = *p;
		break;
	}
}

void period_previous(const struct period *p, struct period *out)
{
	period_step(p, -1, out);
}

void period_next(const struct period *p, struct period *out)
{
	period_step(p, 1, out);
}

void period_year_earlier(const struct period *p, struct period *out)
{
	switch (p->kind) {
	case PERIOD_MONTH:
	case PERIOD_ROLLING_YEAR:
		period_step(p, -12, out);
		break;
	case PERIOD_QUARTER:
		period_step(p, -4, out);
		break;
	default:
		period_step(p, -1, out);
		break;
	}
}
