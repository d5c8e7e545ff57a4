/*
 * cursor.c - the token of a keyset list's position (see cursor.h).
 */
#include "domain/cursor.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "domain/period.h"

#define SEP '\x1f'
#define MAGIC "c2"
#define CHECKSUM_LEN 8
/* The raw bytes a token of CURSOR_TOKEN_MAX characters can carry. */
#define RAW_MAX (CURSOR_TOKEN_MAX / 4 * 3 + 2)

static const char alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static uint32_t fnv1a(const char *s, size_t len)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 16777619u;
	}
	return h;
}

/* Valid UTF-8 (no overlongs, surrogates or code points past U+10FFFF)
 * with no control characters: what a text key may hold. */
static bool text_ok(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		unsigned c = *p, cp, extra;

		if (c < 0x20 || c == 0x7f)
			return false;
		if (c < 0x80) {
			p++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			extra = 1, cp = c & 0x1f;
		else if (c >= 0xe0 && c <= 0xef)
			extra = 2, cp = c & 0x0f;
		else if (c >= 0xf0 && c <= 0xf4)
			extra = 3, cp = c & 0x07;
		else
			return false;
		for (unsigned k = 1; k <= extra; k++) {
			if ((p[k] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (p[k] & 0x3f);
		}
		if ((extra == 2 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
		    (extra == 3 && (cp < 0x10000 || cp > 0x10ffff)))
			return false;
		p += extra + 1;
	}
	return true;
}

static bool int_ok(const char *s)
{
	size_t n;

	if (*s == '-')
		s++;
	n = strlen(s);
	return n >= 1 && n <= 18 && strspn(s, "0123456789") == n;
}

/* Canonical only: what date_parse reads must print back the same. */
static bool date_ok(const char *s)
{
	struct date d;
	char back[16];

	return date_parse(s, &d) == 0 && date_format(&d, back, sizeof(back)) > 0 &&
	       strcmp(back, s) == 0;
}

static bool uuid_ok(const char *s)
{
	if (strlen(s) != 36)
		return false;
	for (int i = 0; i < 36; i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;

		if (dash ? s[i] != '-' : !strchr("0123456789abcdefABCDEF", s[i]))
			return false;
	}
	return true;
}

static bool key_ok(enum cursor_key kind, const char *s)
{
	switch (kind) {
	case CURSOR_KEY_TEXT:
		return text_ok(s);
	case CURSOR_KEY_INT:
		return int_ok(s);
	case CURSOR_KEY_DATE:
		return date_ok(s);
	case CURSOR_KEY_UUID:
		return uuid_ok(s);
	}
	return false;
}

static bool spec_ok(const struct cursor_spec *spec)
{
	return spec && spec->list && spec->list[0] && text_ok(spec->list) && spec->keys &&
	       spec->nkeys >= 1 && spec->nkeys <= CURSOR_MAX_KEYS;
}

/* Appends s to raw[*len], keeping within RAW_MAX. */
static int raw_append(char *raw, size_t *len, const char *s, size_t n)
{
	if (n > RAW_MAX - *len)
		return -1;
	memcpy(raw + *len, s, n);
	*len += n;
	return 0;
}

int cursor_encode(const struct cursor_spec *spec, const char *const *keys, char *out,
		  size_t size)
{
	char raw[RAW_MAX], sum[CHECKSUM_LEN + 2];
	size_t len = 0, o = 0;

	if (!spec_ok(spec) || !keys || !out || size == 0)
		return -1;
	if (raw_append(raw, &len, MAGIC, 2))
		return -1;
	for (size_t i = 0; i <= spec->nkeys; i++) {
		const char *part = i == 0 ? spec->list : keys[i - 1];

		if (!part || (i > 0 && !key_ok(spec->keys[i - 1], part)) ||
		    raw_append(raw, &len, "\x1f", 1) || raw_append(raw, &len, part, strlen(part)))
			return -1;
	}
	snprintf(sum, sizeof(sum), "%c%08x", SEP, (unsigned)fnv1a(raw, len));
	if (raw_append(raw, &len, sum, CHECKSUM_LEN + 1))
		return -1;
	for (size_t i = 0; i < len; i += 3) {
		size_t left = len - i, chars = left >= 3 ? 4 : left + 1;
		uint32_t v = (uint32_t)(unsigned char)raw[i] << 16;

		if (left > 1)
			v |= (uint32_t)(unsigned char)raw[i + 1] << 8;
		if (left > 2)
			v |= (unsigned char)raw[i + 2];
		if (o + chars >= size || o + chars > CURSOR_TOKEN_MAX)
			return -1;
		for (size_t k = 0; k < chars; k++)
			out[o++] = alphabet[(v >> (18 - 6 * k)) & 63];
	}
	out[o] = '\0';
	return 0;
}

/* base64url without padding into raw; the length, or -1.  Bits past the
 * last byte must be zero, so that each position has exactly one token. */
static long unbase64(const char *token, char *raw)
{
	size_t len = strlen(token), o = 0;

	if (len == 0 || len > CURSOR_TOKEN_MAX || len % 4 == 1)
		return -1;
	for (size_t i = 0; i < len; i += 4) {
		size_t chars = len - i >= 4 ? 4 : len - i;
		uint32_t v = 0;

		for (size_t k = 0; k < 4; k++) {
			const char *at = k < chars ? strchr(alphabet, token[i + k]) : alphabet;

			if (!at || !*at)
				return -1;
			v |= (uint32_t)(at - alphabet) << (18 - 6 * k);
		}
		if ((chars == 2 && (v & 0xffff)) || (chars == 3 && (v & 0xff)))
			return -1;
		for (size_t k = 0; k + 1 < chars; k++)
			raw[o++] = (char)(v >> (16 - 8 * k));
	}
	return (long)o;
}

enum cursor_result cursor_decode(const struct cursor_spec *spec, const char *token,
				 struct cursor_keys *out)
{
	char *raw = out->text, *part, *end;
	char sum[CHECKSUM_LEN + 1];
	long len;
	size_t n = 0;

	memset(out->key, 0, sizeof(out->key));
	if (!spec_ok(spec) || !token || (len = unbase64(token, raw)) < 0)
		return CURSOR_MALFORMED;
	/* "c2" US list US key... US checksum, with no NUL inside. */
	if (len < 2 + 1 + 1 + CHECKSUM_LEN || memcmp(raw, MAGIC "\x1f", 3) != 0 ||
	    memchr(raw, '\0', (size_t)len) || raw[len - CHECKSUM_LEN - 1] != SEP)
		return CURSOR_MALFORMED;
	snprintf(sum, sizeof(sum), "%08x", (unsigned)fnv1a(raw, (size_t)len - CHECKSUM_LEN - 1));
	if (memcmp(sum, raw + len - CHECKSUM_LEN, CHECKSUM_LEN) != 0)
		return CURSOR_MALFORMED;
	raw[len - CHECKSUM_LEN - 1] = '\0';
	/* Split in place: the list, then the keys. */
	part = raw + 3;
	end = strchr(part, SEP);
	if (end)
		*end = '\0';
	if (strcmp(part, spec->list) != 0)
		return CURSOR_FOREIGN;
	while (end) {
		part = end + 1;
		end = strchr(part, SEP);
		if (end)
			*end = '\0';
		if (n == spec->nkeys) {
			memset(out->key, 0, sizeof(out->key));
			return CURSOR_FOREIGN;
		}
		out->key[n++] = part;
	}
	if (n != spec->nkeys) {
		memset(out->key, 0, sizeof(out->key));
		return CURSOR_FOREIGN;
	}
	for (size_t i = 0; i < n; i++)
		if (!key_ok(spec->keys[i], out->key[i])) {
			memset(out->key, 0, sizeof(out->key));
			return CURSOR_MALFORMED;
		}
	return CURSOR_OK;
}
