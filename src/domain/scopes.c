/*
 * scopes.c - the scopes each kind of organisation may hold (see scopes.h).
 *
 * Why a table by kind and not a list per key: the grant of a scope was the
 * operator's choice alone, and `keys create --org partner-care --scopes
 * admin` made a partner able to edit the council's public action plan.
 * What a kind may do is a fact of the service, not of one key.
 */
#include "domain/scopes.h"

#include <stdio.h>
#include <string.h>

#include "domain/apikey.h"

#define HATE_CRIME (SCOPE_SUBMIT_HATE_CRIME | SCOPE_READ_HATE_CRIME)
/* The council may hold every scope, those added later included. */
#define ALL_SCOPES APIKEY_ALL_SCOPES

static const struct {
	const char *kind;
	unsigned scopes;
} kinds[] = {
	{ "council", ALL_SCOPES },
	{ "partner", SCOPE_SUBMIT_RETURNS },
	{ "reporting_centre", HATE_CRIME },
	{ "police", HATE_CRIME },
};

unsigned scopes_allowed_for_kind(const char *kind)
{
	for (size_t i = 0; kind && i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strcmp(kinds[i].kind, kind) == 0)
			return kinds[i].scopes;
	return 0;
}

unsigned scopes_refused_for_kind(const char *kind, unsigned mask)
{
	return mask & ~scopes_allowed_for_kind(kind);
}

int scopes_kind_known(const char *kind)
{
	for (size_t i = 0; kind && i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strcmp(kinds[i].kind, kind) == 0)
			return 1;
	return 0;
}

size_t scopes_join(unsigned mask, const char *sep, char *out, size_t size)
{
	size_t used = 0;

	if (size)
		out[0] = '\0';
	for (unsigned bit = 1; bit && bit <= APIKEY_ALL_SCOPES; bit <<= 1) {
		const char *name = (mask & bit) ? apikey_scope_name(bit) : NULL;
		int n;

		if (!name)
			continue;
		n = snprintf(used < size ? out + used : NULL, used < size ? size - used : 0, "%s%s",
			     used ? sep : "", name);
		if (n > 0)
			used += (size_t)n;
	}
	return used;
}

size_t scopes_join_all(const char *sep, char *out, size_t size)
{
	return scopes_join(ALL_SCOPES, sep, out, size);
}
