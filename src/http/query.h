/*
 * query.h - strict parsing of URL query strings and their values.
 *
 * A typo must never silently return the wrong data, so everything odd is an
 * error the caller turns into a 400 naming the parameter: bad
 * percent-encoding, NUL bytes, invalid UTF-8, an empty name, too many
 * parameters.  Pure: no I/O.
 */
#ifndef EQ_HTTP_QUERY_H
#define EQ_HTTP_QUERY_H

#include <stdbool.h>
#include <stddef.h>

#define QUERY_MAX_PARAMS 64

struct query_param {
	const char *name;   /* decoded, NUL-terminated, owned by the query */
	const char *value;  /* decoded, "" for "name" or "name=" */
};

struct query {
	struct query_param items[QUERY_MAX_PARAMS];
	size_t n;
	char *storage;      /* one allocation holding every decoded string */
};

struct query_error {
	char param[64];     /* the parameter's name as far as it could be read */
	const char *detail; /* static sentence */
};

/*
 * Parse raw (the text after '?', may be NULL or "").  '+' decodes to a space
 * and %XX to its byte.  Returns 0, or -1 with err filled (the query then
 * owns nothing).  query_release frees what a successful parse allocated.
 */
__attribute__((warn_unused_result))
int query_parse(const char *raw, struct query *q, struct query_error *err);
void query_release(struct query *q);

/* The first value of name, or NULL. */
const char *query_get(const struct query *q, const char *name);
size_t query_count(const struct query *q, const char *name);

/* First parameter whose name is not in allowed (NULL-terminated), or NULL. */
const char *query_first_unknown(const struct query *q, const char *const *allowed);

/* Percent-decode src[0..len) into dst (>= len+1 bytes).  plus_is_space for
 * query strings.  Refuses bad escapes, NUL and invalid UTF-8.  Returns the
 * decoded length or -1. */
long query_decode(const char *src, size_t len, char *dst, bool plus_is_space);

/* Strict decimal integer in [min, max]: no sign for non-negative ranges'
 * "+", no spaces, no leading zeros beyond "0".  Returns 0 or -1. */
__attribute__((warn_unused_result))
int query_parse_long(const char *text, long min, long max, long *out);

/* Is s valid UTF-8 (no overlongs, no surrogates)? */
bool query_utf8_valid(const char *s, size_t len);

/* Replace, in place, each byte of s that is not part of a valid UTF-8
 * character with '?': for text quoted into a JSON reply after being cut to
 * fit a buffer (a character cut in two would make the reply unbuildable). */
void query_utf8_repair(char *s);

#endif
