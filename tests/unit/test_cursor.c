/*
 * The keyset cursor codec: fixed vectors (tokens already handed out must
 * keep working), round trips of every key kind, and every way a token can
 * be foreign, damaged or forged, each refused without a crash.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "domain/cursor.h"

static const enum cursor_key plan_keys[] = { CURSOR_KEY_DATE, CURSOR_KEY_INT };
static const struct cursor_spec plans = { "plans", plan_keys, 2 };
static const enum cursor_key action_keys[] = {
	CURSOR_KEY_DATE, CURSOR_KEY_TEXT, CURSOR_KEY_UUID,
};
static const struct cursor_spec actions = { "actions.due_date", action_keys, 3 };
static const struct cursor_spec actions_by_ref = { "actions.reference", action_keys, 3 };
static const enum cursor_key text_key[] = { CURSOR_KEY_TEXT };
static const struct cursor_spec codes = { "indicators", text_key, 1 };

#define UUID "0b9f3c2e-1d2a-4c5b-8e7f-123456789abc"

static void test_fixed_vectors(void **state)
{
	const char *pk[] = { "2024-04-01", "7" };
	const char *ak[] = { "2025-03-31", "A3.10", UUID };
	char out[CURSOR_TOKEN_MAX + 1];

	(void)state;
	assert_int_equal(cursor_encode(&plans, pk, out, sizeof(out)), 0);
	assert_string_equal(out, "YzIfcGxhbnMfMjAyNC0wNC0wMR83H2FjMWExYmYz");
	assert_int_equal(cursor_encode(&actions, ak, out, sizeof(out)), 0);
	assert_string_equal(out, "YzIfYWN0aW9ucy5kdWVfZGF0ZR8yMDI1LTAzLTMxH0EzLjEwHzBiOWYzYzJlLTFk"
				 "MmEtNGM1Yi04ZTdmLTEyMzQ1Njc4OWFiYx9mNTUwZTI4Ng");
}

static void test_round_trip(void **state)
{
	const char *ak[] = { "2025-03-31", "A3.10", UUID };
	const char *tk[][1] = { { "" }, { "a" }, { "ab" }, { "abc" }, { "caf\xc3\xa9 \xf0\x9f\x98\x80" } };
	char out[CURSOR_TOKEN_MAX + 1];
	struct cursor_keys keys;

	(void)state;
	assert_int_equal(cursor_encode(&actions, ak, out, sizeof(out)), 0);
	assert_int_equal(cursor_decode(&actions, out, &keys), CURSOR_OK);
	for (int i = 0; i < 3; i++)
		assert_string_equal(keys.key[i], ak[i]);
	assert_null(keys.key[3]);
	/* Every length mod 3, so every tail of the base64 is exercised. */
	for (size_t i = 0; i < sizeof(tk) / sizeof(tk[0]); i++) {
		assert_int_equal(cursor_encode(&codes, tk[i], out, sizeof(out)), 0);
		assert_null(strchr(out, '='));
		assert_int_equal(strspn(out, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
					     "0123456789-_"), strlen(out));
		assert_int_equal(cursor_decode(&codes, out, &keys), CURSOR_OK);
		assert_string_equal(keys.key[0], tk[i][0]);
	}
}

static void test_foreign(void **state)
{
	const char *ak[] = { "2025-03-31", "A3.10", UUID };
	const char *ck[] = { "hate-crime" };
	char out[CURSOR_TOKEN_MAX + 1];
	struct cursor_keys keys;
	static const struct cursor_spec one_key = { "actions.due_date", action_keys, 1 };

	(void)state;
	assert_int_equal(cursor_encode(&actions, ak, out, sizeof(out)), 0);
	/* The same list in another order, and another list. */
	assert_int_equal(cursor_decode(&actions_by_ref, out, &keys), CURSOR_FOREIGN);
	assert_int_equal(cursor_decode(&codes, out, &keys), CURSOR_FOREIGN);
	assert_null(keys.key[0]);
	/* The right name with another number of keys, both ways. */
	assert_int_equal(cursor_decode(&one_key, out, &keys), CURSOR_FOREIGN);
	assert_null(keys.key[0]);
	assert_int_equal(cursor_encode(&one_key, ak, out, sizeof(out)), 0);
	assert_int_equal(cursor_decode(&actions, out, &keys), CURSOR_FOREIGN);
	assert_int_equal(cursor_encode(&codes, ck, out, sizeof(out)), 0);
	assert_int_equal(cursor_decode(&plans, out, &keys), CURSOR_FOREIGN);
}

static void test_damaged(void **state)
{
	const char *pk[] = { "2024-04-01", "7" };
	char out[CURSOR_TOKEN_MAX + 1], bad[CURSOR_TOKEN_MAX + 1];
	struct cursor_keys keys;
	size_t len;

	(void)state;
	assert_int_equal(cursor_encode(&plans, pk, out, sizeof(out)), 0);
	len = strlen(out);
	/* Every single character changed, and every cut, is refused. */
	for (size_t i = 0; i < len; i++) {
		memcpy(bad, out, len + 1);
		bad[i] = bad[i] == 'A' ? 'B' : 'A';
		assert_int_not_equal(cursor_decode(&plans, bad, &keys), CURSOR_OK);
		memcpy(bad, out, len + 1);
		bad[i] = '\0';
		assert_int_not_equal(cursor_decode(&plans, bad, &keys), CURSOR_OK);
	}
	/* A dangling bit past the last byte would be a second token for the
	 * same position. */
	memcpy(bad, out, len + 1);
	assert_int_equal(len % 4, 0);
	assert_int_equal(cursor_decode(&plans, "YzIfcGxhbnMfMjAyNC0wNC0wMR83H2FjMWExYmYz", &keys),
			 CURSOR_OK);
	assert_int_equal(cursor_decode(&plans, "YzIfcGxhbnMfMjAyNC0wNC0wMR83H2FjMWExYmYzAB", &keys),
			 CURSOR_MALFORMED);
}

static void test_garbage(void **state)
{
	static const char *const tokens[] = {
		NULL, "", "x", "=", "YzE6", "YzE6MTA", "eyJpZCI6MX0", "../../etc", "%00",
		"' UNION SELECT key_hash FROM api_keys--", "YzIf", "YzIfcGxhbnM",
		"AAAA", "////", "YzIfcGxhbnMfMjAyNC0wNC0wMR83H2FjMWExYmYz====",
	};
	char huge[CURSOR_TOKEN_MAX + 8];
	struct cursor_keys keys;

	(void)state;
	for (size_t i = 0; i < sizeof(tokens) / sizeof(tokens[0]); i++) {
		assert_int_equal(cursor_decode(&plans, tokens[i], &keys), CURSOR_MALFORMED);
		assert_null(keys.key[0]);
	}
	memset(huge, 'A', sizeof(huge) - 1);
	huge[sizeof(huge) - 1] = '\0';
	assert_int_equal(cursor_decode(&plans, huge, &keys), CURSOR_MALFORMED);
	assert_int_equal(cursor_decode(NULL, "AAAA", &keys), CURSOR_MALFORMED);
}

/* A token whose checksum is right but whose keys are not of their kind
 * (what a forger computing the public checksum would send) is refused, so
 * that nothing that fails a cast reaches SQL. */
static void test_forged_kinds(void **state)
{
	static const enum cursor_key all_text[] = { CURSOR_KEY_TEXT, CURSOR_KEY_TEXT };
	static const struct cursor_spec plans_as_text = { "plans", all_text, 2 };
	static const char *const forged[][2] = {
		{ "2024-02-30", "7" }, { "2024-4-1", "7" }, { "24-04-01", "7" },
		{ "2024-04-01", "" }, { "2024-04-01", "7x" }, { "2024-04-01", "1234567890123456789" },
		{ "2024-04-01", "-" }, { "2024-04-01", "'; DROP TABLE x" },
	};
	char out[CURSOR_TOKEN_MAX + 1];
	struct cursor_keys keys;

	(void)state;
	for (size_t i = 0; i < sizeof(forged) / sizeof(forged[0]); i++) {
		assert_int_equal(cursor_encode(&plans_as_text, forged[i], out, sizeof(out)), 0);
		assert_int_equal(cursor_decode(&plans, out, &keys), CURSOR_MALFORMED);
		/* and they are never issued either */
		assert_int_equal(cursor_encode(&plans, forged[i], out, sizeof(out)), -1);
	}
}

static void test_kinds(void **state)
{
	static const enum cursor_key k_int[] = { CURSOR_KEY_INT };
	static const enum cursor_key k_uuid[] = { CURSOR_KEY_UUID };
	static const struct cursor_spec ints = { "i", k_int, 1 }, uuids = { "u", k_uuid, 1 };
	char out[CURSOR_TOKEN_MAX + 1];
	const char *k[1];

	(void)state;
	k[0] = "-123456789012345678";
	assert_int_equal(cursor_encode(&ints, k, out, sizeof(out)), 0);
	k[0] = "0";
	assert_int_equal(cursor_encode(&ints, k, out, sizeof(out)), 0);
	k[0] = "1.5";
	assert_int_equal(cursor_encode(&ints, k, out, sizeof(out)), -1);
	k[0] = UUID;
	assert_int_equal(cursor_encode(&uuids, k, out, sizeof(out)), 0);
	k[0] = "0B9F3C2E-1D2A-4C5B-8E7F-123456789ABC";
	assert_int_equal(cursor_encode(&uuids, k, out, sizeof(out)), 0);
	k[0] = "0b9f3c2e-1d2a-4c5b-8e7f-123456789abg";
	assert_int_equal(cursor_encode(&uuids, k, out, sizeof(out)), -1);
	k[0] = "0b9f3c2e1d2a-4c5b-8e7f-123456789abcd";
	assert_int_equal(cursor_encode(&uuids, k, out, sizeof(out)), -1);
	/* Text: no control characters (the separator above all), UTF-8 only. */
	k[0] = "a\x1f" "b";
	assert_int_equal(cursor_encode(&codes, k, out, sizeof(out)), -1);
	k[0] = "a\nb";
	assert_int_equal(cursor_encode(&codes, k, out, sizeof(out)), -1);
	k[0] = "\xc0\xaf";      /* overlong '/' */
	assert_int_equal(cursor_encode(&codes, k, out, sizeof(out)), -1);
	k[0] = "\xed\xa0\x80";  /* a surrogate */
	assert_int_equal(cursor_encode(&codes, k, out, sizeof(out)), -1);
	k[0] = "\xe2\x82";      /* cut short */
	assert_int_equal(cursor_encode(&codes, k, out, sizeof(out)), -1);
	k[0] = NULL;
	assert_int_equal(cursor_encode(&codes, k, out, sizeof(out)), -1);
}

static void test_sizes(void **state)
{
	char key[CURSOR_TOKEN_MAX], out[CURSOR_TOKEN_MAX + 1], small[8];
	const char *k[1] = { key };
	struct cursor_keys keys;

	(void)state;
	/* The longest key that fits makes a token of at most the limit. */
	memset(key, 'k', 700);
	key[700] = '\0';
	assert_int_equal(cursor_encode(&codes, k, out, sizeof(out)), 0);
	assert_true(strlen(out) <= CURSOR_TOKEN_MAX);
	assert_int_equal(cursor_decode(&codes, out, &keys), CURSOR_OK);
	assert_int_equal(strlen(keys.key[0]), 700);
	memset(key, 'k', 800);
	key[800] = '\0';
	assert_int_equal(cursor_encode(&codes, k, out, sizeof(out)), -1);
	key[3] = '\0';
	assert_int_equal(cursor_encode(&codes, k, small, sizeof(small)), -1);
	assert_int_equal(cursor_encode(&codes, k, out, 0), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixed_vectors),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_foreign),
		cmocka_unit_test(test_damaged),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_forged_kinds),
		cmocka_unit_test(test_kinds),
		cmocka_unit_test(test_sizes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
