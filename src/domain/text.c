/*
 * text.c - checks on free text (see text.h).
 */
#include "domain/text.h"

#include <stdio.h>

bool text_has_control_chars(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	return false;
}

const char *text_validate(struct validation *v, const json_t *obj, const char *name, size_t max)
{
	const char *s = validate_string(v, obj, "", name, false, max);
	char ptr[80];

	if (!s || (s[0] != '\0' && !text_has_control_chars(s)))
		return s;
	snprintf(ptr, sizeof(ptr), "/%s", name);
	validation_add(v, ptr, "must be 1 to %zu bytes of text without control characters", max);
	return NULL;
}
