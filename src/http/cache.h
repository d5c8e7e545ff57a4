/*
 * cache.h - an in-process cache of public GET responses.
 *
 * Dashboards and web pages ask the same few questions again and again; the
 * answers change only when data is written.  Each entry is stamped with the
 * data generation it was built from.  The change listener (db/listener.c)
 * bumps the generation on every NOTIFY from a writer, in any instance, and
 * switches the cache off while it is not connected (a notification could be
 * missed then), so an entry is never served after the data behind it changed.
 */
#ifndef EQ_HTTP_CACHE_H
#define EQ_HTTP_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CACHE_ETAG_LEN 66   /* quotes + 64 hex + NUL, rounded */

struct cached {
	char *body;             /* malloc'd copy, the caller frees (NULL on 304) */
	size_t len;
	const char *content_type;  /* static */
	char etag[CACHE_ETAG_LEN];
	char *link;             /* malloc'd Link header or NULL; the caller frees */
};

enum cache_result { CACHE_MISS = 0, CACHE_HIT, CACHE_NOT_MODIFIED };

int cache_init(void);
void cache_shutdown(void);

/* Current generation, or 0 when caching is off. */
uint64_t cache_generation(void);
/* Called by the listener. */
void cache_set_enabled(bool enabled);
void cache_invalidate(void);

/*
 * Look key up for generation gen.  When if_none_match (may be NULL) matches
 * the entry's ETag, returns CACHE_NOT_MODIFIED with out->etag and out->len
 * (the full body's length) set and no body.  On CACHE_HIT out holds copies the caller frees.
 */
enum cache_result cache_lookup(const char *key, uint64_t gen,
			       const char *if_none_match, struct cached *out);

/* Store a response (copied).  Large bodies are not cached. */
void cache_store(const char *key, uint64_t gen, const char *body, size_t len,
		 const char *content_type, const char *etag, const char *link);

/* Does an If-None-Match header value match etag ("\"...\"")?  Weak
 * comparison, as RFC 9110 prescribes for If-None-Match; "*" matches. */
bool cache_etag_matches(const char *if_none_match, const char *etag);

#endif
