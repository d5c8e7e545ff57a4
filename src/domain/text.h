/*
 * text.h - checks on free text that is stored and shown again.
 *
 * Pure.
 */
#ifndef EQ_DOMAIN_TEXT_H
#define EQ_DOMAIN_TEXT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "domain/validate.h"

/* Any C0 control character or DEL: they break CSV rows, logs and pages. */
bool text_has_control_chars(const char *s);

/*
 * A text member name of obj: NULL when absent or null (recorded as
 * required when required); NULL after recording at "/name" that it must
 * not be empty or must not contain control characters (multiline: line
 * breaks and tabs are allowed), or validate_string's error for one too
 * long (over max bytes) or not a string; else the text.
 */
const char *text_member(struct validation *v, const json_t *obj, const char *name, bool required,
			size_t max, bool multiline);

/*
 * An optional free-text member name of obj: NULL when absent or null;
 * the text when it is 1 to max bytes without control characters; else
 * NULL after recording at "/name" that it must be (or, for a string that
 * is too long or not a string, validate_string's error).
 */
const char *text_validate(struct validation *v, const json_t *obj, const char *name, size_t max);

#endif
