/*
 * validate.c - request-body validation that reports everything at once.
 */
#include "domain/validate.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void validation_init(struct validation *v)
{
	v->errors = json_array();
	v->oom = v->errors == NULL;
}

void validation_release(struct validation *v)
{
	json_decref(v->errors);
	v->errors = NULL;
}

bool validation_ok(const struct validation *v)
{
	return !v->oom && json_array_size(v->errors) == 0;
}

json_t *validation_take_errors(struct validation *v)
{
	json_t *e = v->errors;

	v->errors = json_array();
	return e;
}

/*
 * Replace each byte that does not belong to a valid UTF-8 sequence with '?'.
 * Pointers and details quote member names and values, cut to fit a buffer;
 * a cut inside a multi-byte character made json_pack refuse the error, and
 * a 422 became a 500 (found by tests/fuzz).
 */
static void utf8_repair(char *s)
{
	unsigned char *p = (unsigned char *)s;

	while (*p) {
		unsigned c = p[0], cp;
		size_t need, k;

		if (c < 0x80) {
			p++;
			continue;
		}
		need = (c & 0xe0) == 0xc0 ? 1 : (c & 0xf0) == 0xe0 ? 2 : (c & 0xf8) == 0xf0 ? 3 : 0;
		cp = need == 1 ? c & 0x1f : need == 2 ? c & 0x0f : c & 0x07;
		for (k = 1; need && k <= need; k++) {
			if ((p[k] & 0xc0) != 0x80)
				break;
			cp = (cp << 6) | (p[k] & 0x3f);
		}
		if (need == 0 || k <= need ||
		    (need == 1 && cp < 0x80) || (need == 2 && cp < 0x800) ||
		    (need == 3 && cp < 0x10000) || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff)) {
			*p++ = '?';
			continue;
		}
		p += need + 1;
	}
}

void validation_add(struct validation *v, const char *pointer, const char *fmt, ...)
{
	char detail[256], ptr[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	snprintf(ptr, sizeof(ptr), "%s", pointer[0] ? pointer : "/");
	utf8_repair(detail);
	utf8_repair(ptr);
	if (!v->errors ||
	    json_array_append_new(v->errors, json_pack("{s:s, s:s}", "pointer", ptr,
						       "detail", detail)))
		v->oom = true;
}

/* base + "/" + name, escaped as RFC 6901 wants (~ and /). */
static void pointer_join(char *out, size_t size, const char *base, const char *name)
{
	size_t used = (size_t)snprintf(out, size, "%s/", base);

	for (const char *p = name; *p && used + 3 < size; p++) {
		if (*p == '~') {
			out[used++] = '~';
			out[used++] = '0';
		} else if (*p == '/') {
			out[used++] = '~';
			out[used++] = '1';
		} else {
			out[used++] = *p;
		}
	}
	out[used < size ? used : size - 1] = '\0';
}

void validate_known_fields(struct validation *v, const json_t *obj, const char *base,
			   const char *const *allowed)
{
	const char *key;
	json_t *value;
	char ptr[160];

	json_object_foreach((json_t *)obj, key, value) {
		bool ok = false;

		for (size_t i = 0; allowed[i]; i++)
			if (strcmp(key, allowed[i]) == 0)
				ok = true;
		if (!ok) {
			pointer_join(ptr, sizeof(ptr), base, key);
			validation_add(v, ptr, "is not a field of this resource");
		}
	}
}

static json_t *member(struct validation *v, const json_t *obj, const char *base,
		      const char *name, bool required, char *ptr, size_t ptrlen)
{
	json_t *m = json_object_get(obj, name);

	pointer_join(ptr, ptrlen, base, name);
	if (!m || json_is_null(m)) {
		if (required)
			validation_add(v, ptr, "is required");
		return NULL;
	}
	return m;
}

/* member, and of JSON type type: else NULL after recording "must be <what>". */
static json_t *typed_member(struct validation *v, const json_t *obj, const char *base,
			    const char *name, bool required, json_type type, const char *what,
			    char *ptr, size_t ptrlen)
{
	json_t *m = member(v, obj, base, name, required, ptr, ptrlen);

	if (m && json_typeof(m) != type) {
		validation_add(v, ptr, "must be %s", what);
		return NULL;
	}
	return m;
}

const char *validate_string(struct validation *v, const json_t *obj, const char *base,
			    const char *name, bool required, size_t max_len)
{
	char ptr[160];
	json_t *m = typed_member(v, obj, base, name, required, JSON_STRING, "a string", ptr,
				 sizeof(ptr));
	const char *s;

	if (!m)
		return NULL;
	s = json_string_value(m);
	if (json_string_length(m) != strlen(s)) {
		validation_add(v, ptr, "must not contain NUL characters");
		return NULL;
	}
	if (required && s[0] == '\0') {
		validation_add(v, ptr, "must not be empty");
		return NULL;
	}
	if (strlen(s) > max_len) {
		validation_add(v, ptr, "must be at most %zu bytes long", max_len);
		return NULL;
	}
	return s;
}

const char *validate_enum(struct validation *v, const json_t *obj, const char *base,
			  const char *name, bool required, const char *const *choices)
{
	char ptr[160], list[200];
	json_t *m = member(v, obj, base, name, required, ptr, sizeof(ptr));
	size_t used = 0;

	if (!m)
		return NULL;
	if (json_is_string(m))
		for (size_t i = 0; choices[i]; i++)
			if (strcmp(json_string_value(m), choices[i]) == 0)
				return choices[i];
	list[0] = '\0';
	for (size_t i = 0; choices[i] && used < sizeof(list); i++)
		used += (size_t)snprintf(list + used, sizeof(list) - used, "%s%s", i ? ", " : "", choices[i]);
	validation_add(v, ptr, "must be one of: %s", list);
	return NULL;
}

bool validate_date(struct validation *v, const json_t *obj, const char *base,
		   const char *name, bool required, struct date *out)
{
	char ptr[160];
	json_t *m = member(v, obj, base, name, required, ptr, sizeof(ptr));

	if (!m)
		return false;
	if (!json_is_string(m) || date_parse(json_string_value(m), out) != 0) {
		validation_add(v, ptr, "must be a date written YYYY-MM-DD");
		return false;
	}
	return true;
}

bool validate_integer(struct validation *v, const json_t *obj, const char *base,
		      const char *name, bool required, long long min, long long max,
		      long long *out)
{
	char ptr[160];
	json_t *m = member(v, obj, base, name, required, ptr, sizeof(ptr));

	if (!m)
		return false;
	if (!json_is_integer(m) || json_integer_value(m) < min || json_integer_value(m) > max) {
		validation_add(v, ptr, "must be a whole number from %lld to %lld", min, max);
		return false;
	}
	*out = json_integer_value(m);
	return true;
}

const json_t *validate_array(struct validation *v, const json_t *obj, const char *base,
			     const char *name, bool required, size_t min, size_t max)
{
	char ptr[160];
	json_t *m = typed_member(v, obj, base, name, required, JSON_ARRAY, "an array", ptr,
				 sizeof(ptr));

	if (!m)
		return NULL;
	if (json_array_size(m) < min || json_array_size(m) > max) {
		validation_add(v, ptr, "must have from %zu to %zu items", min, max);
		return NULL;
	}
	return m;
}

const json_t *validate_object(struct validation *v, const json_t *obj, const char *base,
			      const char *name, bool required)
{
	char ptr[160];

	return typed_member(v, obj, base, name, required, JSON_OBJECT, "an object", ptr, sizeof(ptr));
}

json_t *validate_merge(const json_t *current, const json_t *patch, const char *const *fields)
{
	json_t *merged = json_object();

	if (!merged)
		return NULL;
	for (size_t i = 0; fields[i]; i++) {
		json_t *m = json_object_get(patch, fields[i]);

		if (!m)
			m = json_object_get(current, fields[i]);
		if (m && !json_is_null(m) && json_object_set(merged, fields[i], m)) {
			json_decref(merged);
			return NULL;
		}
	}
	return merged;
}
