/*
 * indicator_value.c - the rules of indicator values (see indicator_value.h).
 */
#include "domain/indicator_value.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const value_fields[] = {
	"target", "actual", "commentary", "published_on", NULL,
};

enum period_kind indicator_frequency_kind(const char *frequency)
{
	if (frequency && strcmp(frequency, "monthly") == 0)
		return PERIOD_MONTH;
	if (frequency && strcmp(frequency, "annual") == 0)
		return PERIOD_FINANCIAL_YEAR;
	return PERIOD_QUARTER;
}

int indicator_value_period(const char *year, const char *tail, enum period_kind want,
			   struct period *out)
{
	char label[48];
	int n = snprintf(label, sizeof(label), "%s%s%s", year ? year : "", year ? "/" : "",
			 tail ? tail : "");

	if (n < 0 || (size_t)n >= sizeof(label) || period_parse(label, out) != 0 ||
	    out->kind != want)
		return -1;
	return 0;
}

void indicator_number_member(struct validation *v, const json_t *obj, const char *name,
			     struct indicator_number *out)
{
	const json_t *m = json_object_get(obj, name);
	char ptr[32], text[48], digits[48];
	double x;
	size_t k = 0;

	out->present = false;
	out->thousandths = 0;
	if (!m || json_is_null(m))
		return;
	snprintf(ptr, sizeof(ptr), "/%s", name);
	if (!json_is_number(m)) {
		validation_add(v, ptr, "must be a number or null");
		return;
	}
	x = json_number_value(m);
	if (!isfinite(x) || fabs(x) > 1e9) {
		validation_add(v, ptr, "must be between -1000000000 and 1000000000");
		return;
	}
	snprintf(text, sizeof(text), "%.3f", x);
	if (strtod(text, NULL) != x) {
		validation_add(v, ptr, "must have at most three decimal places");
		return;
	}
	/* The printed digits without the point are the exact thousandths. */
	for (const char *c = text; *c; c++)
		if (*c != '.')
			digits[k++] = *c;
	digits[k] = '\0';
	out->present = true;
	out->thousandths = strtoll(digits, NULL, 10);
}

/* Present and neither a number nor null: its own error says so already. */
static bool wrong_type(const json_t *m)
{
	return m && !json_is_number(m) && !json_is_null(m);
}

static bool has_control_chars(const char *s)
{
	for (; *s; s++)
		if (((unsigned char)*s < 0x20 && *s != '\n' && *s != '\t') || *s == 0x7f)
			return true;
	return false;
}

void indicator_value_validate(struct validation *v, const json_t *body,
			      const struct period *period, struct indicator_value_input *out)
{
	struct date published;
	char start[11];

	memset(out, 0, sizeof(*out));
	validate_known_fields(v, body, "", value_fields);
	indicator_number_member(v, body, "target", &out->target);
	indicator_number_member(v, body, "actual", &out->actual);
	if (!out->target.present && !out->actual.present &&
	    !wrong_type(json_object_get(body, "target")) &&
	    !wrong_type(json_object_get(body, "actual")))
		validation_add(v, "/actual", "is required unless a target is given (a value needs a target, an actual or both)");
	out->commentary = validate_string(v, body, "", "commentary", false, INDICATOR_COMMENTARY_MAX);
	if (out->commentary && has_control_chars(out->commentary)) {
		validation_add(v, "/commentary", "must not contain control characters other than new lines and tabs");
		out->commentary = NULL;
	}
	if (validate_date(v, body, "", "published_on", false, &published)) {
		if (date_compare(&published, &period->start) < 0) {
			if (date_format(&period->start, start, sizeof(start)) < 0)
				start[0] = '\0';
			validation_add(v, "/published_on", "must not be before the period begins (%s)", start);
		} else {
			out->published_on = json_string_value(json_object_get(body, "published_on"));
		}
	}
}

static bool same_number(struct indicator_number a, struct indicator_number b)
{
	return a.present == b.present && (!a.present || a.thousandths == b.thousandths);
}

static bool same_text(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

bool indicator_value_same(const struct indicator_value_input *a,
			  const struct indicator_value_input *b)
{
	return same_number(a->target, b->target) && same_number(a->actual, b->actual) &&
	       same_text(a->commentary, b->commentary) && same_text(a->published_on, b->published_on);
}

const struct indicator_point *indicator_point_find(const struct indicator_point *pts, size_t n,
						   const struct period *p)
{
	for (size_t i = 0; i < n; i++)
		if (pts[i].period.kind == p->kind && date_compare(&pts[i].period.start, &p->start) == 0)
			return &pts[i];
	return NULL;
}

const struct indicator_point *indicator_point_latest(const struct indicator_point *pts,
						     size_t n)
{
	for (size_t i = n; i > 0; i--)
		if (pts[i - 1].actual.present)
			return &pts[i - 1];
	return NULL;
}

bool indicator_newest_quarter(const struct indicator_point *pts, size_t n, struct period *out)
{
	bool found = false;

	for (size_t i = 0; i < n; i++)
		if (pts[i].period.kind == PERIOD_QUARTER && pts[i].actual.present &&
		    (!found || date_compare(&pts[i].period.start, &out->start) > 0)) {
			*out = pts[i].period;
			found = true;
		}
	return found;
}

void indicator_scorecard_period(const char *frequency, const struct period *quarter,
				struct period *out)
{
	period_containing(indicator_frequency_kind(frequency), &quarter->end, out);
}
