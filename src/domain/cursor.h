/*
 * cursor.h - the one codec for the cursors of keyset lists.
 *
 * A list sorted by a unique key (ORDER BY k1, k2, ..., id) pages by
 * remembering the last row it showed: the next page is the rows whose key
 * comes after it, WHERE (k1, k2, ...) > ($last1, $last2, ...).  Unlike an
 * OFFSET, that stays right when rows are added or removed between two pages
 * and costs the same on page 1 and page 1000.
 *
 * The client gets the last row's key as an opaque, URL-safe token and hands
 * it back.  The token names the list it belongs to, so that a cursor taken
 * from one list (or one sort order of a list) is refused by every other, and
 * carries a checksum, so that a cut or altered token is refused rather than
 * read as some other position.  Every key has a declared kind that is
 * checked on the way in, so that what reaches SQL always casts cleanly: a
 * forged token can never turn into a 5xx.
 *
 * The token is base64url (RFC 4648 section 5, no padding) of
 *
 *     "c2" US list US key1 US key2 ... US checksum
 *
 * where US is the byte 0x1f (which no key may contain) and checksum is the
 * FNV-1a 32-bit hash of every byte before its US, as 8 lower-case hex
 * digits.  The checksum is no secret: it catches damage, while the kinds
 * keep a deliberately forged token harmless.
 *
 * Pure: no I/O, no allocation.
 */
#ifndef EQ_DOMAIN_CURSOR_H
#define EQ_DOMAIN_CURSOR_H

#include <stddef.h>

#define CURSOR_MAX_KEYS 8
/* The longest token made or accepted, in characters (without the NUL). */
#define CURSOR_TOKEN_MAX 1024

enum cursor_key {
	CURSOR_KEY_TEXT = 0,   /* valid UTF-8 without control characters, may be empty */
	CURSOR_KEY_INT,        /* an integer: optional '-' and 1 to 18 digits */
	CURSOR_KEY_DATE,       /* a calendar date YYYY-MM-DD */
	CURSOR_KEY_UUID,       /* 8-4-4-4-12 hex digits */
};

/* A list's keyset, usually a static const beside its SQL. */
struct cursor_spec {
	const char *list;              /* identity: non-empty, no control characters */
	const enum cursor_key *keys;   /* the key fields, in ORDER BY order */
	size_t nkeys;                  /* 1..CURSOR_MAX_KEYS */
};

/*
 * A spec's initialiser with its key kinds written once, so that nkeys
 * always counts them:
 *
 *     static const struct cursor_spec plans =
 *         CURSOR_SPEC("action-plans", CURSOR_KEY_DATE, CURSOR_KEY_INT);
 */
#define CURSOR_SPEC(list, ...)                                            \
	{ (list), (const enum cursor_key[]){ __VA_ARGS__ },                   \
	  sizeof((const enum cursor_key[]){ __VA_ARGS__ }) / sizeof(enum cursor_key) }

enum cursor_result {
	CURSOR_OK = 0,
	CURSOR_MALFORMED,   /* not a token, damaged, or a key not of its kind */
	CURSOR_FOREIGN,     /* a sound token of another list (or key count) */
};

/* A decoded token: key[i] points into text (nkeys of them). */
struct cursor_keys {
	const char *key[CURSOR_MAX_KEYS];
	char text[CURSOR_TOKEN_MAX];
};

/*
 * The token for keys (spec->nkeys strings, none NULL) into out, NUL
 * terminated; out of at least CURSOR_TOKEN_MAX + 1 bytes always suffices.
 * 0, or -1 when a key is not of its kind, the spec is unusable or the
 * token would be longer than size - 1 or CURSOR_TOKEN_MAX.
 */
__attribute__((warn_unused_result))
int cursor_encode(const struct cursor_spec *spec, const char *const *keys, char *out,
		  size_t size);

/*
 * Reads a token (any string, NULL included) made by cursor_encode for
 * spec.  CURSOR_OK with out->key[0..nkeys-1] set (pointing into out, valid
 * while out is), else why not, with out->key[] all NULL.
 */
__attribute__((warn_unused_result))
enum cursor_result cursor_decode(const struct cursor_spec *spec, const char *token,
				 struct cursor_keys *out);

#endif
