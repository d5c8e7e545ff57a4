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

struct cache_body;

struct cached {
	/* The stored bytes, shared with the entry and every answer sending
	 * them (NULL on 304): read-only, valid until the caller gives its
	 * reference back with cache_body_release(shared). */
	const char *body;
	struct cache_body *shared;
	size_t len;
	const char *content_type;  /* static */
	char etag[CACHE_ETAG_LEN];
	char *link;             /* malloc'd Link header or NULL; the caller frees */
};

enum cache_result { CACHE_MISS = 0, CACHE_HIT, CACHE_NOT_MODIFIED };

/*
 * The data a response depends on.  A writer's NOTIFY payload names one
 * ("demographics", "hate_crime", ...) and only the responses that depend on
 * it go stale, so a hate-crime report does not empty the demographics cache.
 */
enum data_area {
	DATA_REFERENCE = 1u << 0,     /* "reference": areas, characteristics, organisations */
	DATA_DEMOGRAPHICS = 1u << 1,  /* "demographics" */
	DATA_HATE_CRIME = 1u << 2,    /* "hate_crime" */
	DATA_WORKFORCE = 1u << 3,     /* "workforce" */
	DATA_RETURNS = 1u << 4,       /* "returns" */
	DATA_ACTION_PLAN = 1u << 5,   /* "action_plan" */
	DATA_INDICATORS = 1u << 6,    /* "indicators" */
	DATA_ALL = (1u << 7) - 1,
};

/* The area a NOTIFY payload names; DATA_ALL for anything unknown. */
unsigned cache_area_parse(const char *payload);

int cache_init(void);
void cache_shutdown(void);

/* Current generation of everything, or 0 when caching is off. */
uint64_t cache_generation(void);
/* Generation of the given areas only (a mask of enum data_area); 0 when
 * caching is off.  Changes whenever any of those areas changes. */
uint64_t cache_generation_for(unsigned areas);
/* Called by the listener. */
void cache_set_enabled(bool enabled);

/*
 * The data generation of areas for tables derived from the data (the memo
 * kit, api/kit/memo.h), whether or not responses are cached: it changes on
 * every change those areas see, and is 0 ("build every time") only while the
 * change listener is not connected, so that a change can never pass unseen.
 * cache_set_listening is the listener's report of that.
 */
uint64_t cache_data_generation_for(unsigned areas);
void cache_set_listening(bool up);
void cache_invalidate(unsigned areas);

/*
 * Look key up for generation gen.  When if_none_match (may be NULL) matches
 * the entry's ETag, returns CACHE_NOT_MODIFIED with out->etag and out->len
 * (the full body's length) set and no body.  On CACHE_HIT out holds a
 * reference to the stored body (never copied: a hit on a large table
 * would copy kilobytes) and a copy of the Link header the caller frees.
 */
enum cache_result cache_lookup(const char *key, uint64_t gen,
			       const char *if_none_match, struct cached *out);

/* Give back a hit's reference to its body (NULL: nothing); the last one
 * frees it.  Any thread. */
void cache_body_release(struct cache_body *b);

/* Store a response (copied).  Large bodies are not cached. */
void cache_store(const char *key, uint64_t gen, const char *body, size_t len,
		 const char *content_type, const char *etag, const char *link);

/* For /metrics: lookups by outcome since start, and whether caching is on. */
struct cache_stats {
	uint64_t hits;           /* answered with a stored body */
	uint64_t misses;         /* the handler had to run */
	uint64_t not_modified;   /* answered 304 from a stored ETag */
	uint64_t stores;
	bool enabled;            /* off while the change listener is disconnected */
};

void cache_stats(struct cache_stats *out);

/* Does an If-None-Match header value match etag ("\"...\"")?  Weak
 * comparison, as RFC 9110 prescribes for If-None-Match; "*" matches. */
bool cache_etag_matches(const char *if_none_match, const char *etag);

#endif
