/*
 * test_report_commentary.c - a report section's commentary: its sections,
 * its name and its body (src/domain/report_commentary.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "domain/report_commentary.h"

static void test_sections(void **state)
{
	(void)state;
	assert_true(report_section_known("objective"));
	assert_true(report_section_known("demographics"));
	assert_false(report_section_known("Objective"));
	assert_false(report_section_known(""));
	assert_false(report_section_known(NULL));
}

static void test_id(void **state)
{
	char id[32], tiny[8];

	(void)state;
	assert_int_equal(report_commentary_id("2024-25", "hate_crime", id, sizeof(id)), 0);
	assert_string_equal(id, "2024-25/hate_crime");
	assert_int_equal(report_commentary_id("2024-26", "hate_crime", id, sizeof(id)), -1);
	assert_int_equal(report_commentary_id("2024-25", "summary", id, sizeof(id)), -1);
	assert_int_equal(report_commentary_id("2024-25", "workforce", tiny, sizeof(tiny)), -1);
	assert_true(report_commentary_id_valid("2024-25/workforce"));
	assert_false(report_commentary_id_valid("2024-25/workforce/x"));
	assert_false(report_commentary_id_valid("2024/25/workforce"));
	assert_false(report_commentary_id_valid("2024-25"));
	assert_false(report_commentary_id_valid(NULL));
}

static int check(const char *json)
{
	json_t *body = json_loads(json, 0, NULL);
	struct validation v;
	const char *text;
	int n;

	assert_non_null(body);
	validation_init(&v);
	text = report_commentary_validate(&v, body);
	n = validation_ok(&v) ? 0 : (int)json_array_size(v.errors);
	if (n == 0)
		assert_non_null(text);
	validation_release(&v);
	json_decref(body);
	return n;
}

static void test_body(void **state)
{
	char big[REPORT_COMMENTARY_MAX + 32];

	(void)state;
	assert_int_equal(check("{\"text\": \"Better than last year.\\nMore to do.\"}"), 0);
	assert_int_equal(check("{\"text\": \"\"}"), 1);
	assert_int_equal(check("{}"), 1);
	assert_int_equal(check("{\"text\": 3}"), 1);
	assert_int_equal(check("{\"text\": \"bell\\u0007\"}"), 1);
	assert_int_equal(check("{\"text\": \"ok\", \"by\": \"x\"}"), 1);
	snprintf(big, sizeof(big), "{\"text\": \"%0*d\"}", REPORT_COMMENTARY_MAX, 0);
	assert_int_equal(check(big), 0);
	snprintf(big, sizeof(big), "{\"text\": \"%0*d\"}", REPORT_COMMENTARY_MAX + 1, 0);
	assert_int_equal(check(big), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sections),
		cmocka_unit_test(test_id),
		cmocka_unit_test(test_body),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
