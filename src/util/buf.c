/*
 * buf.c - growable byte buffer (see buf.h for the vocabulary).
 */
#include "util/buf.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void buf_init(struct buf *b)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
}

void buf_reset(struct buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

void buf_release(struct buf *b)
{
	free(b->data);
	buf_init(b);
}

char *buf_detach(struct buf *b, size_t *len)
{
	char *data = b->data;

	if (len)
		*len = b->len;
	if (!data)
		data = calloc(1, 1);
	buf_init(b);
	return data;
}

int buf_grow(struct buf *b, size_t extra)
{
	size_t need, cap;
	char *data;

	/* +1 keeps room for the terminating NUL. */
	if (extra > SIZE_MAX - b->len - 1)
		return -1;
	need = b->len + extra + 1;
	if (need <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	data = realloc(b->data, cap);
	if (!data)
		return -1;
	b->data = data;
	b->cap = cap;
	return 0;
}

int buf_append(struct buf *b, const void *data, size_t len)
{
	if (buf_grow(b, len) != 0)
		return -1;
	if (len)
		memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = '\0';
	return 0;
}

int buf_append_str(struct buf *b, const char *s)
{
	return buf_append(b, s, strlen(s));
}

int buf_append_char(struct buf *b, char c)
{
	return buf_append(b, &c, 1);
}

int buf_vappendf(struct buf *b, const char *fmt, va_list ap)
{
	va_list copy;
	int n;

	va_copy(copy, ap);
	n = vsnprintf(NULL, 0, fmt, copy);
	va_end(copy);
	if (n < 0 || buf_grow(b, (size_t)n) != 0)
		return -1;
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return 0;
}

int buf_appendf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = buf_vappendf(b, fmt, ap);
	va_end(ap);
	return rc;
}

int buf_append_json_escaped(struct buf *b, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		char esc[7];

		switch (c) {
		case '"':  if (buf_append(b, "\\\"", 2)) return -1; continue;
		case '\\': if (buf_append(b, "\\\\", 2)) return -1; continue;
		case '\n': if (buf_append(b, "\\n", 2)) return -1; continue;
		case '\r': if (buf_append(b, "\\r", 2)) return -1; continue;
		case '\t': if (buf_append(b, "\\t", 2)) return -1; continue;
		default:
			break;
		}
		if (c < 0x20 || c == 0x7f) {
			memcpy(esc, "\\u00", 4);
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			if (buf_append(b, esc, 6))
				return -1;
			continue;
		}
		if (buf_append_char(b, (char)c))
			return -1;
	}
	return 0;
}

const char *buf_cstr(const struct buf *b)
{
	return b->data ? b->data : "";
}

int buf_read_file(struct buf *b, const char *path, size_t max)
{
	FILE *f = fopen(path, "rb");
	char chunk[16384];
	size_t n, start = b->len;
	int rc = 0;

	if (!f)
		return -1;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (b->len - start + n > max) {
			errno = EFBIG;
			rc = -1;
			break;
		}
		if (buf_append(b, chunk, n) != 0) {
			rc = -1;
			break;
		}
	}
	if (rc == 0 && ferror(f))
		rc = -1;
	fclose(f);
	return rc;
}
