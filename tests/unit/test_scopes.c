/*
 * The scopes each organisation kind may hold (domain/scopes.h), and the
 * client address behind trusted proxies (domain/forwarded.h).
 *
 * What must hold: a partner holds submit:returns and nothing else; centres
 * and the police their reports; the council anything; an unknown kind
 * nothing.  Forwarded addresses are believed from trusted peers only, the
 * rightmost untrusted hop wins, and nothing a client writes to its left
 * is ever the answer.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "domain/apikey.h"
#include "domain/forwarded.h"
#include "domain/scopes.h"

static void test_kind_matrix(void **state)
{
	unsigned all = 0;

	(void)state;
	for (unsigned bit = 1; bit <= SCOPE_MANAGE_REPORTS; bit <<= 1)
		all |= bit;
	assert_int_equal(scopes_allowed_for_kind("council"), all);
	assert_int_equal(scopes_allowed_for_kind("partner"), SCOPE_SUBMIT_RETURNS);
	assert_int_equal(scopes_allowed_for_kind("reporting_centre"),
			 SCOPE_SUBMIT_HATE_CRIME | SCOPE_READ_HATE_CRIME);
	assert_int_equal(scopes_allowed_for_kind("police"),
			 SCOPE_SUBMIT_HATE_CRIME | SCOPE_READ_HATE_CRIME);
	assert_int_equal(scopes_allowed_for_kind("Council"), 0);
	assert_int_equal(scopes_allowed_for_kind(""), 0);
	assert_int_equal(scopes_allowed_for_kind(NULL), 0);
	/* The finding: a partner with admin and the action plan. */
	assert_int_equal(scopes_refused_for_kind("partner", SCOPE_ADMIN | SCOPE_MANAGE_ACTION_PLAN |
						 SCOPE_SUBMIT_RETURNS),
			 SCOPE_ADMIN | SCOPE_MANAGE_ACTION_PLAN);
	assert_int_equal(scopes_refused_for_kind("council", all), 0);
	assert_int_equal(scopes_refused_for_kind("nobody", SCOPE_SUBMIT_RETURNS), SCOPE_SUBMIT_RETURNS);
	assert_true(scopes_kind_known("police"));
	assert_false(scopes_kind_known("police "));
}

static void test_join(void **state)
{
	char out[200], tiny[8];
	size_t n;

	(void)state;
	scopes_join(SCOPE_ADMIN | SCOPE_SUBMIT_RETURNS, ", ", out, sizeof(out));
	assert_string_equal(out, "submit:returns, admin");
	scopes_join(0, ", ", out, sizeof(out));
	assert_string_equal(out, "");
	n = scopes_join_all(",", out, sizeof(out));
	assert_int_equal(n, strlen(out));
	assert_string_equal(out, "submit:returns,review:returns,submit:hate-crime,read:hate-crime,"
			    "manage:action-plan,manage:indicators,admin,manage:impact-assessments,"
			    "manage:reports");
	/* Cut, terminated, and the length it needed. */
	assert_int_equal(scopes_join(SCOPE_ADMIN | SCOPE_SUBMIT_RETURNS, ", ", tiny, sizeof(tiny)), 21);
	assert_int_equal(strlen(tiny), 7);
}

static void test_cidr_parse(void **state)
{
	struct cidr_list l;
	char err[160];

	(void)state;
	assert_int_equal(cidr_list_parse("10.0.0.0/8, 192.168.1.7 2001:db8::/32", &l, err, sizeof(err)), 0);
	assert_int_equal(l.n, 3);
	assert_true(cidr_list_contains(&l, "10.200.3.4"));
	assert_false(cidr_list_contains(&l, "11.0.0.1"));
	assert_true(cidr_list_contains(&l, "192.168.1.7"));
	assert_false(cidr_list_contains(&l, "192.168.1.8"));
	assert_true(cidr_list_contains(&l, "2001:db8:1::5"));
	assert_false(cidr_list_contains(&l, "2001:db9::5"));
	assert_true(cidr_list_contains(&l, "::ffff:10.1.2.3"));   /* v4-mapped */
	assert_false(cidr_list_contains(&l, "not-an-address"));
	assert_false(cidr_list_contains(&l, NULL));
	cidr_list_release(&l);
	/* Tabs separate too (tests/fuzz/regressions/forwarded). */
	assert_int_equal(cidr_list_parse("10.0.0.1\t10.0.0.2\t10.0.0.3\t::1", &l, err, sizeof(err)), 0);
	assert_int_equal(l.n, 4);
	cidr_list_release(&l);
	assert_int_equal(cidr_list_parse("", &l, err, sizeof(err)), 0);
	assert_int_equal(l.n, 0);
	assert_false(cidr_list_contains(&l, "10.0.0.1"));
	cidr_list_release(&l);
	assert_int_equal(cidr_list_parse("10.0.0.0/33", &l, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "10.0.0.0/33"));
	assert_int_equal(cidr_list_parse("proxy.example", &l, err, sizeof(err)), -1);
	assert_int_equal(cidr_list_parse("10.0.0.0/", &l, err, sizeof(err)), -1);
	assert_int_equal(cidr_list_parse("10.0.0.0/12,10.1.0.0/12x", &l, err, sizeof(err)), -1);
	/* A /12 on a byte boundary's far side: 10.0-15 in, 10.16 out. */
	assert_int_equal(cidr_list_parse("10.0.0.0/12", &l, err, sizeof(err)), 0);
	assert_true(cidr_list_contains(&l, "10.15.255.255"));
	assert_false(cidr_list_contains(&l, "10.16.0.0"));
	cidr_list_release(&l);
}

#define CLIENT(peer, header, rfc, want) do { \
		char got[64]; \
		forwarded_client(peer, header, rfc, &l, got, sizeof(got)); \
		assert_string_equal(got, want); \
	} while (0)

static void test_forwarded_client(void **state)
{
	struct cidr_list l;
	char err[160];

	(void)state;
	assert_int_equal(cidr_list_parse("10.0.0.0/8,fd00::/8", &l, err, sizeof(err)), 0);
	/* An untrusted peer's header is never read. */
	CLIENT("203.0.113.9", "198.51.100.1", false, "203.0.113.9");
	CLIENT("203.0.113.9", NULL, false, "203.0.113.9");
	/* From our proxy: the rightmost hop that is not ours. */
	CLIENT("10.0.0.2", "198.51.100.1", false, "198.51.100.1");
	CLIENT("10.0.0.2", "1.1.1.1, 198.51.100.1, 10.0.0.5", false, "198.51.100.1");
	/* What the client wrote to the left is never the answer. */
	CLIENT("10.0.0.2", "10.9.9.9, 198.51.100.1", false, "198.51.100.1");
	/* Every hop ours: the leftmost of them. */
	CLIENT("10.0.0.2", "10.0.0.7, 10.0.0.5", false, "10.0.0.7");
	/* An unreadable hop stops the walk at the nearest trusted one. */
	CLIENT("10.0.0.2", "198.51.100.1, unknown", false, "10.0.0.2");
	CLIENT("10.0.0.2", "198.51.100.1, garbage, 10.0.0.5", false, "10.0.0.5");
	CLIENT("10.0.0.2", "", false, "10.0.0.2");
	CLIENT("10.0.0.2", ",,,", false, "10.0.0.2");
	/* Ports and brackets. */
	CLIENT("10.0.0.2", "198.51.100.1:4711", false, "198.51.100.1");
	CLIENT("10.0.0.2", "[2001:db8::1]:443", false, "2001:db8::1");
	CLIENT("fd00::1", " 2001:db8::2 ", false, "2001:db8::2");
	/* RFC 7239. */
	CLIENT("10.0.0.2", "for=198.51.100.1;proto=https, for=10.0.0.5", true, "198.51.100.1");
	CLIENT("10.0.0.2", "for=\"[2001:db8::3]:80\"", true, "2001:db8::3");
	CLIENT("10.0.0.2", "proto=https;For=198.51.100.4", true, "198.51.100.4");
	CLIENT("10.0.0.2", "by=10.0.0.2", true, "10.0.0.2");
	CLIENT("10.0.0.2", "for=_hidden", true, "10.0.0.2");
	/* An XFF-style value read as Forwarded has no for=: the peer. */
	CLIENT("10.0.0.2", "198.51.100.1", true, "10.0.0.2");
	cidr_list_release(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kind_matrix),
		cmocka_unit_test(test_join),
		cmocka_unit_test(test_cidr_parse),
		cmocka_unit_test(test_forwarded_client),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
