/*
 * json_fixture.h - what the unit tests of body rules share: a JSON text
 * fixture read into a value, and the count of errors a validation holds at
 * one pointer.  Static inline: each test binary links only its module.
 * Include after <cmocka.h> (fail_msg) and a header declaring struct
 * validation (domain/validate.h).
 */
#ifndef EQ_TESTS_UNIT_JSON_FIXTURE_H
#define EQ_TESTS_UNIT_JSON_FIXTURE_H

#include <jansson.h>
#include <string.h>

/* The fixture as a new value (the caller decrefs); a fixture that is not
 * JSON fails the test, it is never a silent NULL. */
static inline json_t *body(const char *text)
{
	json_error_t e;
	json_t *b = json_loads(text, JSON_DECODE_ANY, &e);

	if (!b)
		fail_msg("fixture is not JSON: %s", e.text);
	return b;
}

/* How many errors v holds at pointer. */
static inline int errors_at(const struct validation *v, const char *pointer)
{
	size_t i;
	json_t *e;
	int n = 0;

	json_array_foreach(v->errors, i, e)
		if (strcmp(json_string_value(json_object_get(e, "pointer")), pointer) == 0)
			n++;
	return n;
}

#endif
