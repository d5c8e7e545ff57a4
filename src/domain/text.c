/*
 * text.c - checks on free text (see text.h).
 */
#include "domain/text.h"

#include <stdio.h>

static bool has_control_chars(const char *s, bool multiline)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (multiline && (c == '\n' || c == '\r' || c == '\t'))
			continue;
		if (c < 0x20 || c == 0x7f)
			return true;
	}
	return false;
}

bool text_has_control_chars(const char *s)
{
	return has_control_chars(s, false);
}

const char *text_member(struct validation *v, const json_t *obj, const char *name, bool required,
			size_t max, bool multiline)
{
	const char *s = validate_string(v, obj, "", name, required, max);
	char ptr[80];

	if (!s)
		return NULL;
	snprintf(ptr, sizeof(ptr), "/%s", name);
	if (s[0] == '\0') {
		validation_add(v, ptr, "must not be empty");
		return NULL;
	}
	if (has_control_chars(s, multiline)) {
		validation_add(v, ptr, "must not contain control characters");
		return NULL;
	}
	return s;
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
