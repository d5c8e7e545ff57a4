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

enum scope {
	SCOPE_SUBMIT_RETURNS = 1u << 0,
	SCOPE_REVIEW_RETURNS = 1u << 1,
	SCOPE_SUBMIT_HATE_CRIME = 1u << 2,
	SCOPE_READ_HATE_CRIME = 1u << 3,
	SCOPE_MANAGE_ACTION_PLAN = 1u << 4,
	SCOPE_MANAGE_INDICATORS = 1u << 5,
	SCOPE_ADMIN = 1u << 6,
	SCOPE_MANAGE_IMPACT_ASSESSMENTS = 1u << 7,
};

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
