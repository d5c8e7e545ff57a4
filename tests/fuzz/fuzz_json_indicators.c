/*
 * fuzz_json_indicators.c - the indicator value validators, reached by
 * including their file (they are static there).  PUT
 * /v1/indicators/{code}/values/{period} checks its body after looking the
 * indicator up, so its checks are repeated here in the handler's order.
 */
#include "api/indicators.c"

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
	struct indicator_number target, actual;
	const char *commentary;
	struct date published;

	validation_init(&v);
	validate_known_fields(&v, body, "", value_fields);
	validate_number(&v, body, "target", &target);
	validate_number(&v, body, "actual", &actual);
	check_number(body, "target", &target);
	check_number(body, "actual", &actual);
	commentary = validate_string(&v, body, "", "commentary", false, COMMENTARY_MAX);
	if (commentary && has_control_chars(commentary))
		validation_add(&v, "/commentary", "must not contain control characters other than new lines and tabs");
	if (validate_date(&v, body, "", "published_on", false, &published) &&
	    date_compare(&published, &(struct date){ 2024, 4, 1 }) < 0)
		validation_add(&v, "/published_on", "must not be before the period begins (%s)", "2024-04-01");
	fuzz_check_validation(&v);
	validation_release(&v);
}
