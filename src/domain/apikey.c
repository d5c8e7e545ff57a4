/*
 * apikey.c - API key and scope shapes (see apikey.h).
 */
#include "domain/apikey.h"

#include <stdio.h>
#include <string.h>

static const struct {
	unsigned bit;
	const char *name;
} scopes[] = {
	{ SCOPE_SUBMIT_RETURNS, "submit:returns" },
	{ SCOPE_REVIEW_RETURNS, "review:returns" },
	{ SCOPE_SUBMIT_HATE_CRIME, "submit:hate-crime" },
	{ SCOPE_READ_HATE_CRIME, "read:hate-crime" },
	{ SCOPE_MANAGE_ACTION_PLAN, "manage:action-plan" },
	{ SCOPE_MANAGE_INDICATORS, "manage:indicators" },
	{ SCOPE_ADMIN, "admin" },
	{ SCOPE_MANAGE_IMPACT_ASSESSMENTS, "manage:impact-assessments" },
};

unsigned apikey_scope_parse(const char *name)
{
	for (size_t i = 0; i < sizeof(scopes) / sizeof(scopes[0]); i++)
		if (strcmp(scopes[i].name, name) == 0)
			return scopes[i].bit;
	return 0;
}

const char *apikey_scope_name(unsigned scope)
{
	for (size_t i = 0; i < sizeof(scopes) / sizeof(scopes[0]); i++)
		if (scopes[i].bit == scope)
			return scopes[i].name;
	return NULL;
}

int apikey_scopes_parse(const char *list, unsigned *mask, char *bad, size_t badlen)
{
	const char *p = list;

	*mask = 0;
	while (p && *p) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		char name[32];
		unsigned bit = 0;

		if (len > 0 && len < sizeof(name)) {
			memcpy(name, p, len);
			name[len] = '\0';
			bit = apikey_scope_parse(name);
		}
		if (!bit) {
			size_t n = len < badlen - 1 ? len : badlen - 1;

			memcpy(bad, p, n);
			bad[n] = '\0';
			return -1;
		}
		*mask |= bit;
		p = comma ? comma + 1 : NULL;
	}
	if (*mask == 0) {
		snprintf(bad, badlen, "(none)");
		return -1;
	}
	return 0;
}

static bool all_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

bool apikey_prefix_valid(const char *text)
{
	return text && strlen(text) == APIKEY_PREFIX_LEN && memcmp(text, "eq_", 3) == 0 &&
	       all_hex(text + 3, APIKEY_PREFIX_LEN - 3);
}

bool apikey_parse(const char *text, char *prefix)
{
	if (!text || strlen(text) != APIKEY_LEN || memcmp(text, "eq_", 3) != 0 ||
	    !all_hex(text + 3, 12) || text[APIKEY_PREFIX_LEN] != '_' ||
	    !all_hex(text + APIKEY_PREFIX_LEN + 1, 48))
		return false;
	memcpy(prefix, text, APIKEY_PREFIX_LEN);
	prefix[APIKEY_PREFIX_LEN] = '\0';
	return true;
}

bool apikey_equal_ct(const char *a, const char *b, size_t len)
{
	unsigned char diff = 0;

	for (size_t i = 0; i < len; i++)
		diff |= (unsigned char)(a[i] ^ b[i]);
	return diff == 0;
}
