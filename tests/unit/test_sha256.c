/* Known-answer tests from FIPS 180-4 examples and NIST CAVS vectors. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "util/sha256.h"

static void test_empty(void **state)
{
	char hex[SHA256_HEX_LEN + 1];

	(void)state;
	sha256_hex("", 0, hex);
	assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

static void test_abc(void **state)
{
	char hex[SHA256_HEX_LEN + 1];

	(void)state;
	sha256_hex("abc", 3, hex);
	assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

static void test_two_blocks(void **state)
{
	const char *msg = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	char hex[SHA256_HEX_LEN + 1];

	(void)state;
	sha256_hex(msg, strlen(msg), hex);
	assert_string_equal(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

/* Feeding in odd-sized pieces must give the same digest as one call. */
static void test_incremental_million_a(void **state)
{
	static char chunk[997];
	unsigned char digest[SHA256_DIGEST_LEN];
	struct sha256 ctx;
	size_t left = 1000000;

	(void)state;
	memset(chunk, 'a', sizeof(chunk));
	sha256_init(&ctx);
	while (left > 0) {
		size_t n = left < sizeof(chunk) ? left : sizeof(chunk);

		sha256_update(&ctx, chunk, n);
		left -= n;
	}
	sha256_final(&ctx, digest);
	assert_int_equal(digest[0], 0xcd);
	assert_int_equal(digest[1], 0xc7);
	assert_int_equal(digest[31], 0xd0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_abc),
		cmocka_unit_test(test_two_blocks),
		cmocka_unit_test(test_incremental_million_a),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
