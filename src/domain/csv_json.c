/*
 * csv_json.c - JSON values as CSV fields and rows (see csv_json.h).
 *
 * A CSV download carries its response's meta - the figures' status, the
 * disclosure rule, the release - as a second, linked CSV of name,value
 * rows.  The rows are derived from the meta object as it is, so a member
 * a resource adds later appears in the CSV without code of its own.
 */
#include "domain/csv_json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/csv.h"

int csv_json_append_value(struct buf *out, const json_t *v)
{
	char *text;
	int rc;

	if (!v || json_is_null(v))
		return 0;
	if (json_is_string(v))
		return csv_append_field(out, json_string_value(v), json_string_length(v));
	if (json_is_integer(v))
		return buf_appendf(out, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
	if (json_is_real(v))
		return buf_appendf(out, "%.12g", json_real_value(v));
	if (json_is_boolean(v))
		return buf_append_str(out, json_is_true(v) ? "true" : "false");
	text = json_dumps(v, JSON_COMPACT | JSON_REAL_PRECISION(12));
	if (!text)
		return -1;
	rc = csv_append_field(out, text, strlen(text));
	free(text);
	return rc;
}

#define NAME_MAX_LEN 255

/* One name,value row. */
static int append_row(struct buf *out, const char *name, const json_t *v)
{
	return csv_append_field(out, name, strlen(name)) || buf_append_char(out, ',') ||
	       csv_json_append_value(out, v) || buf_append_str(out, "\r\n");
}

/* Extends the path name (len bytes of NAME_MAX_LEN + 1 used) by a dot
 * (unless it is empty) and part, cut at NAME_MAX_LEN; the new length. */
static size_t extend(char *name, size_t len, const char *part)
{
	size_t n = strlen(part);

	if (len && len < NAME_MAX_LEN)
		name[len++] = '.';
	if (n > NAME_MAX_LEN - len)
		n = NAME_MAX_LEN - len;
	memcpy(name + len, part, n);
	name[len + n] = '\0';
	return len + n;
}

/* The rows of v under the path name (len bytes); each member's own part
 * is appended for its rows and taken off again. */
static int flatten(struct buf *out, char *name, size_t len, const json_t *v)
{
	const char *key;
	json_t *member;
	size_t i;
	int rc = 0;

	if (!(json_is_object(v) && json_object_size(v)) && !(json_is_array(v) && json_array_size(v)))
		return append_row(out, name, json_is_object(v) || json_is_array(v) ? NULL : v);
	if (json_is_object(v)) {
		json_object_foreach((json_t *)v, key, member) {
			rc = flatten(out, name, extend(name, len, key), member);
			name[len] = '\0';
			if (rc)
				return rc;
		}
		return 0;
	}
	json_array_foreach(v, i, member) {
		char index[24];

		snprintf(index, sizeof(index), "%zu", i);
		rc = flatten(out, name, extend(name, len, index), member);
		name[len] = '\0';
		if (rc)
			return rc;
	}
	return 0;
}

int csv_json_append_flat(struct buf *out, const json_t *obj)
{
	char name[NAME_MAX_LEN + 1] = "";

	if (!json_is_object(obj) || buf_append_str(out, "name,value\r\n"))
		return -1;
	if (!json_object_size(obj))
		return 0;
	return flatten(out, name, 0, obj);
}
