/*
 * organisation.c - who may change what of an organisation (see organisation.h).
 */
#include "domain/organisation.h"

#include <stdio.h>
#include <string.h>

const char *const organisation_kinds[] = {
	"council", "partner", "reporting_centre", "police", NULL,
};

const char *const organisation_fields[] = {
	"name", "equalities_policy_url", "policy_reviewed_on", NULL,
};

static const char *const partner_fields[] = { "equalities_policy_url", NULL };

static bool listed(const char *const *names, const char *name)
{
	for (size_t i = 0; names[i]; i++)
		if (strcmp(names[i], name) == 0)
			return true;
	return false;
}

void organisation_patch_check(struct validation *v, const json_t *patch, bool council)
{
	const char *name;
	json_t *value;

	if (council || !json_is_object(patch))
		return;
	json_object_foreach((json_t *)patch, name, value) {
		char pointer[80];

		(void)value;
		if (listed(partner_fields, name))
			continue;
		/* The contract admits only known members, none with '/' or '~'. */
		snprintf(pointer, sizeof(pointer), "/%s", name);
		validation_add(v, pointer, "only the council may change this");
	}
}

bool organisation_kind_is_council(const char *kind)
{
	return kind && strcmp(kind, "council") == 0;
}
