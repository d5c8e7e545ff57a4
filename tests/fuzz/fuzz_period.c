/*
 * fuzz_period.c - the period and date parsers (src/domain/period.c).
 *
 * The input is a label such as "2024/25 Q1".  Checked, beyond not crashing:
 * a parsed period starts no later than it ends, within its financial year;
 * its canonical label parses back to the same period; it is the period of
 * its kind containing its first and last days; next and previous undo each
 * other; a parsed date formats back to the same text; parsing by kind
 * accepts exactly the periods of those kinds.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/period.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond) do { if (!(cond)) { \
	fprintf(stderr, "fuzz_period: %s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
	abort(); } } while (0)

static int period_cmp(const struct period *a, const struct period *b)
{
	return a->kind != b->kind || a->fy_start_year != b->fy_start_year ||
	       a->quarter != b->quarter || a->year != b->year || a->month != b->month ||
	       date_compare(&a->start, &b->start) != 0 || date_compare(&a->end, &b->end) != 0;
}

static void check_date(const struct date *d)
{
	CHECK(d->year >= 1900 && d->year <= 9999);
	CHECK(d->month >= 1 && d->month <= 12);
	CHECK(d->day >= 1 && d->day <= date_days_in_month(d->year, d->month));
}

/* Add one day. */
static void next_day(struct date *d)
{
	if (d->day < date_days_in_month(d->year, d->month)) {
		d->day++;
	} else if (d->month < 12) {
		d->month++;
		d->day = 1;
	} else {
		d->year++;
		d->month = 1;
		d->day = 1;
	}
}

static void check_period(const struct period *p)
{
	char label[32];
	struct period again, other;
	struct date d;

	CHECK(p->kind >= PERIOD_MONTH && p->kind <= PERIOD_FINANCIAL_YEAR);
	check_date(&p->start);
	check_date(&p->end);
	CHECK(date_compare(&p->start, &p->end) <= 0);
	/* Inside its financial year: 1 April fy to 31 March fy+1. */
	CHECK(p->start.year * 100 + p->start.month >= p->fy_start_year * 100 + 4);
	CHECK(p->end.year * 100 + p->end.month <= (p->fy_start_year + 1) * 100 + 3);
	CHECK(p->start.day == 1);
	CHECK(p->end.day == date_days_in_month(p->end.year, p->end.month));

	CHECK(period_format(p, label, sizeof(label)) > 0);
	CHECK(period_parse(label, &again) == 0);
	CHECK(period_cmp(p, &again) == 0);
	CHECK(period_format(p, label, 4) == -1 || strlen(label) < 4);

	period_containing(p->kind, &p->start, &other);
	CHECK(period_cmp(p, &other) == 0);
	period_containing(p->kind, &p->end, &other);
	CHECK(period_cmp(p, &other) == 0);

	/* The day after it ends starts the next period. */
	if (p->fy_start_year < 9997) {
		d = p->end;
		next_day(&d);
		period_next(p, &other);
		CHECK(date_compare(&other.start, &d) == 0);
		period_previous(&other, &again);
		CHECK(period_cmp(p, &again) == 0);
		period_year_earlier(&other, &again);
		CHECK(again.kind == other.kind && again.fy_start_year == other.fy_start_year - 1);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	struct period p;
	struct date d;
	int whole;

	CHECK(text != NULL);
	memcpy(text, data, size);
	text[size] = '\0';

	whole = period_parse(text, &p);
	if (whole == 0)
		check_period(&p);
	for (unsigned mask = 0; mask < 16; mask++) {
		struct period q;
		int rc = period_parse_kinds(text, mask, &q);

		if (rc == 0) {
			CHECK(whole == 0 && (mask & (1u << q.kind)));
			CHECK(period_cmp(&p, &q) == 0);
		} else if (whole == 0) {
			CHECK(!(mask & (1u << p.kind)));
		}
	}

	if (date_parse(text, &d) == 0) {
		char back[16];
		struct period m;

		check_date(&d);
		CHECK(date_format(&d, back, sizeof(back)) == 10);
		CHECK(strcmp(back, text) == 0);
		for (int kind = PERIOD_MONTH; kind <= PERIOD_FINANCIAL_YEAR; kind++) {
			if (d.year >= 9998)
				break;
			period_containing((enum period_kind)kind, &d, &m);
			CHECK(date_compare(&m.start, &d) <= 0 && date_compare(&d, &m.end) <= 0);
			if (d.year > 1900)
				check_period(&m);
		}
	}
	free(text);
	return 0;
}
