/*
 * fuzz_json_indicators.c - the rules of an indicator value
 * (domain/indicator_value.h) as PUT /v1/indicators/{code}/values/{period}
 * applies them, with what they promise when a body passes.
 */
#include <math.h>
#include <stdlib.h>

#include "domain/indicator_value.h"

#include "fuzz_json.h"

static void check_number(const json_t *body, const char *name, const struct indicator_number *n)
{
	double x;

	if (!n->present)
		return;
	x = json_number_value(json_object_get(body, name));
	CHECK(llabs(n->thousandths) <= 1000000000000LL);
	CHECK(fabs((double)n->thousandths / 1000.0 - x) < 0.001);
}

void fuzz_json_indicators(const json_t *body)
{
	struct validation v;
	struct indicator_value_input in;
	struct period q2;

	CHECK(period_parse("2024/25 Q2", &q2) == 0);
	validation_init(&v);
	indicator_value_validate(&v, body, &q2, &in);
	check_number(body, "target", &in.target);
	check_number(body, "actual", &in.actual);
	if (validation_ok(&v))
		CHECK(in.target.present || in.actual.present);
	fuzz_check_validation(&v);
	validation_release(&v);
}
