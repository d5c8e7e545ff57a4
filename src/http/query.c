/*
 * query.c - strict query-string parsing (see query.h).
 */
#include "http/query.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Length of the valid UTF-8 character at p[0..left), or 0 when there is none. */
static size_t utf8_char_len(const unsigned char *p, size_t left)
{
	unsigned c = p[0];
	size_t need;
	unsigned cp;

	if (c < 0x80)
		return 1;
	if ((c & 0xe0) == 0xc0) {
		need = 1;
		cp = c & 0x1f;
	} else if ((c & 0xf0) == 0xe0) {
		need = 2;
		cp = c & 0x0f;
	} else if ((c & 0xf8) == 0xf0) {
		need = 3;
		cp = c & 0x07;
	} else {
		return 0;
	}
	if (left <= need)
		return 0;
	for (size_t k = 1; k <= need; k++) {
		if ((p[k] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[k] & 0x3f);
	}
	if ((need == 1 && cp < 0x80) || (need == 2 && cp < 0x800) ||
	    (need == 3 && cp < 0x10000) || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return need + 1;
}

bool query_utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	while (i < len) {
		size_t n = utf8_char_len(p + i, len - i);

		if (n == 0)
			return false;
		i += n;
	}
	return true;
}

void query_utf8_repair(char *s)
{
	unsigned char *p = (unsigned char *)s;
	size_t len = strlen(s), i = 0;

	while (i < len) {
		size_t n = utf8_char_len(p + i, len - i);

		if (n == 0) {
			p[i++] = '?';
			continue;
		}
		i += n;
	}
}

long query_decode(const char *src, size_t len, char *dst, bool plus_is_space)
{
	size_t i, o = 0;

	for (i = 0; i < len; i++) {
		char c = src[i];

		if (c == '%') {
			int hi, lo;

			if (len - i < 3)
				return -1;
			hi = hexval(src[i + 1]);
			lo = hexval(src[i + 2]);
			if (hi < 0 || lo < 0)
				return -1;
			c = (char)(hi * 16 + lo);
			i += 2;
		} else if (c == '+' && plus_is_space) {
			c = ' ';
		}
		if (c == '\0')
			return -1;
		dst[o++] = c;
	}
	dst[o] = '\0';
	if (!query_utf8_valid(dst, o))
		return -1;
	return (long)o;
}

static void set_error(struct query_error *err, const char *name, size_t len,
		      const char *detail)
{
	size_t n = len < sizeof(err->param) - 1 ? len : sizeof(err->param) - 1;
	size_t o = 0;

	/* Keep only printable ASCII of an undecodable name for the message. */
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)name[i] >= 0x20 && (unsigned char)name[i] < 0x7f)
			err->param[o++] = name[i];
	err->param[o] = '\0';
	err->detail = detail;
}

int query_parse(const char *raw, struct query *q, struct query_error *err)
{
	size_t len, used = 0;
	const char *p;

	memset(q, 0, sizeof(*q));
	if (!raw || !*raw)
		return 0;
	len = strlen(raw);
	if (len > 8192) {
		set_error(err, "", 0, "the query string is longer than 8192 bytes");
		return -1;
	}
	/* Decoding never grows text, so twice the raw size (names and values,
	 * each with a NUL) is always enough. */
	q->storage = malloc(len * 2 + 2);
	if (!q->storage) {
		set_error(err, "", 0, "out of memory");
		return -1;
	}
	p = raw;
	while (*p) {
		const char *amp = strchr(p, '&');
		size_t seglen = amp ? (size_t)(amp - p) : strlen(p);
		const char *eq = memchr(p, '=', seglen);
		size_t nlen = eq ? (size_t)(eq - p) : seglen;
		long dn, dv;

		if (seglen == 0)
			goto next;
		if (nlen == 0) {
			set_error(err, p, seglen, "a query parameter has no name");
			goto fail;
		}
		if (q->n >= QUERY_MAX_PARAMS) {
			set_error(err, p, nlen, "too many query parameters (at most 64)");
			goto fail;
		}
		dn = query_decode(p, nlen, q->storage + used, true);
		if (dn < 0) {
			set_error(err, p, nlen, "the parameter name is not valid percent-encoded UTF-8");
			goto fail;
		}
		q->items[q->n].name = q->storage + used;
		used += (size_t)dn + 1;
		if (eq)
			dv = query_decode(eq + 1, seglen - nlen - 1, q->storage + used, true);
		else
			dv = query_decode("", 0, q->storage + used, true);
		if (dv < 0) {
			set_error(err, q->items[q->n].name, (size_t)dn,
				  "the value is not valid percent-encoded UTF-8 (check every % is followed by two hex digits)");
			goto fail;
		}
		q->items[q->n].value = q->storage + used;
		used += (size_t)dv + 1;
		q->n++;
next:
		if (!amp)
			break;
		p = amp + 1;
	}
	return 0;
fail:
	query_release(q);
	return -1;
}

void query_release(struct query *q)
{
	free(q->storage);
	memset(q, 0, sizeof(*q));
}

const char *query_get(const struct query *q, const char *name)
{
	for (size_t i = 0; i < q->n; i++)
		if (strcmp(q->items[i].name, name) == 0)
			return q->items[i].value;
	return NULL;
}

size_t query_count(const struct query *q, const char *name)
{
	size_t n = 0;

	for (size_t i = 0; i < q->n; i++)
		if (strcmp(q->items[i].name, name) == 0)
			n++;
	return n;
}

const char *query_first_unknown(const struct query *q, const char *const *allowed)
{
	for (size_t i = 0; i < q->n; i++) {
		bool ok = false;

		for (size_t k = 0; allowed && allowed[k]; k++)
			if (strcmp(q->items[i].name, allowed[k]) == 0) {
				ok = true;
				break;
			}
		if (!ok)
			return q->items[i].name;
	}
	return NULL;
}

int query_parse_long(const char *text, long min, long max, long *out)
{
	const char *p = text;
	char *end;
	long v;

	if (!text || !*text)
		return -1;
	if (*p == '-')
		p++;
	if (*p < '0' || *p > '9')
		return -1;
	/* One spelling per number: no leading zeros, no "-0". */
	if (p[0] == '0' && (p[1] != '\0' || p != text))
		return -1;
	errno = 0;
	v = strtol(text, &end, 10);
	if (errno || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}
