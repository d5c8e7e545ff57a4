/*
 * apikey.h - the shape of API keys and scopes.  Pure.
 *
 * A key is "eq_" + 12 hex digits (the prefix: visible, stored, used to find
 * the key and to name it in `keys list` and audit events) + "_" + 48 hex
 * digits of secret: 240 random bits from the kernel in all.  Only the
 * SHA-256 of the whole key is stored.
 */
#ifndef EQ_DOMAIN_APIKEY_H
#define EQ_DOMAIN_APIKEY_H

#include <stdbool.h>
#include <stddef.h>

#define APIKEY_PREFIX_LEN 15     /* "eq_" + 12 hex */
#define APIKEY_LEN (APIKEY_PREFIX_LEN + 1 + 48)

/* Every scope a key may carry, with its bit and its name: one list, from
 * which the enum below and apikey.c's names are both made.  A new scope is
 * one line here (and a row of the kinds that may hold it, and the
 * contract's security requirements that name it). */
#define APIKEY_SCOPES(X) \
	X(SUBMIT_RETURNS, 0, "submit:returns") \
	X(REVIEW_RETURNS, 1, "review:returns") \
	X(SUBMIT_HATE_CRIME, 2, "submit:hate-crime") \
	X(READ_HATE_CRIME, 3, "read:hate-crime") \
	X(MANAGE_ACTION_PLAN, 4, "manage:action-plan") \
	X(MANAGE_INDICATORS, 5, "manage:indicators") \
	X(ADMIN, 6, "admin") \
	X(MANAGE_IMPACT_ASSESSMENTS, 7, "manage:impact-assessments") \
	X(MANAGE_REPORTS, 8, "manage:reports")

enum scope {
#define APIKEY_SCOPE_BIT(id, bit, name) SCOPE_##id = 1u << (bit),
	APIKEY_SCOPES(APIKEY_SCOPE_BIT)
#undef APIKEY_SCOPE_BIT
};

/* Every scope's bit at once. */
#define APIKEY_SCOPE_OR(id, bit, name) | (1u << (bit))
#define APIKEY_ALL_SCOPES (0u APIKEY_SCOPES(APIKEY_SCOPE_OR))

/* "submit:returns" -> SCOPE_SUBMIT_RETURNS; 0 for an unknown name. */
unsigned apikey_scope_parse(const char *name);
const char *apikey_scope_name(unsigned scope);

/*
 * Parse a comma-separated scope list ("submit:hate-crime,read:hate-crime")
 * into a mask.  Returns 0, or -1 with the first unknown name copied to bad.
 */
int apikey_scopes_parse(const char *list, unsigned *mask, char *bad, size_t badlen);

/* Is text shaped like a key?  On success copies its prefix (NUL-terminated)
 * into prefix, which must hold APIKEY_PREFIX_LEN + 1 bytes. */
bool apikey_parse(const char *text, char *prefix);

/* Is text shaped like a key prefix ("eq_" + 12 hex)? */
bool apikey_prefix_valid(const char *text);

/* Compare two equal-length strings in time independent of where they differ. */
bool apikey_equal_ct(const char *a, const char *b, size_t len);

#endif
