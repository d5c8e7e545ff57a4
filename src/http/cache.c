/*
 * cache.c - public response cache (see cache.h).
 *
 * Direct-mapped slots under striped mutexes: a collision simply replaces the
 * older entry.  The hot path holds a stripe lock only for a hash compare and
 * a reference taken on the stored body, which answers share.
 */
#include "http/cache.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/fnv.h"

#define CACHE_SLOTS 2048
#define CACHE_STRIPES 64
#define CACHE_MAX_BODY (256 * 1024)

/* A stored body: one reference for its entry, one per answer sending it. */
struct cache_body {
	atomic_uint refs;
	char data[];
};

struct entry {
	uint64_t hash;
	uint64_t generation;
	char *key;
	struct cache_body *body;
	size_t len;
	const char *content_type;
	char etag[CACHE_ETAG_LEN];
	char *link;
};

static struct entry slots[CACHE_SLOTS];
static pthread_mutex_t stripes[CACHE_STRIPES];
#define NAREAS 7

/* epoch moves when the listener connects or disconnects (notifications may
 * have been missed: everything is stale); each area's counter when a
 * writer says that area changed. */
static _Atomic uint64_t epoch = 1;
static _Atomic uint64_t area_counter[NAREAS];
static atomic_bool enabled = false;
static atomic_bool listening = false;
static _Atomic uint64_t stat_hits, stat_misses, stat_not_modified, stat_stores;

static const char *const area_names[NAREAS] = {
	"reference", "demographics", "hate_crime", "workforce", "returns",
	"action_plan", "indicators",
};

int cache_init(void)
{
	for (size_t i = 0; i < CACHE_STRIPES; i++)
		if (pthread_mutex_init(&stripes[i], NULL) != 0)
			return -1;
	return 0;
}

void cache_body_release(struct cache_body *b)
{
	if (b && atomic_fetch_sub(&b->refs, 1) == 1)
		free(b);
}

static void entry_clear(struct entry *e)
{
	free(e->key);
	cache_body_release(e->body);
	free(e->link);
	memset(e, 0, sizeof(*e));
}

void cache_shutdown(void)
{
	for (size_t i = 0; i < CACHE_SLOTS; i++)
		entry_clear(&slots[i]);
	for (size_t i = 0; i < CACHE_STRIPES; i++)
		pthread_mutex_destroy(&stripes[i]);
}

unsigned cache_area_parse(const char *payload)
{
	for (unsigned i = 0; payload && i < NAREAS; i++)
		if (strcmp(payload, area_names[i]) == 0)
			return 1u << i;
	return DATA_ALL;
}

/*
 * The local calendar day (the process runs with TZ=Europe/London, see
 * main.c).  Some answers change with the date alone, with no write at all:
 * an action becomes overdue, a return late.  Counting the day into every
 * generation makes yesterday's entries stale at midnight.
 */
static uint64_t local_day(void)
{
	static _Thread_local time_t last_second;
	static _Thread_local uint64_t day;
	time_t now = time(NULL);

	if (now != last_second) {
		struct tm tm;

		localtime_r(&now, &tm);
		/* Days since 1970 of the local date; exact for any year we see. */
		day = (uint64_t)(tm.tm_year - 70) * 366 + (uint64_t)tm.tm_yday;
		last_second = now;
	}
	return day;
}

static uint64_t generation_of(unsigned areas)
{
	uint64_t sum = 0;

	for (unsigned i = 0; i < NAREAS; i++)
		if (areas & (1u << i))
			sum += atomic_load(&area_counter[i]);
	/* Counters and the day only grow, so the sum changes whenever one of
	 * them does; the epoch above them changes whenever everything is
	 * stale. */
	sum += local_day() << 20;
	return (atomic_load(&epoch) << 40) | (sum & (((uint64_t)1 << 40) - 1));
}

uint64_t cache_generation_for(unsigned areas)
{
	return atomic_load(&enabled) ? generation_of(areas) : 0;
}

uint64_t cache_data_generation_for(unsigned areas)
{
	return atomic_load(&listening) ? generation_of(areas) : 0;
}

uint64_t cache_generation(void)
{
	return cache_generation_for(DATA_ALL);
}

void cache_set_enabled(bool on)
{
	/* Bump first: whatever was cached before a gap in notifications is
	 * stale from now on. */
	atomic_fetch_add(&epoch, 1);
	atomic_store(&enabled, on);
}

void cache_set_listening(bool up)
{
	atomic_fetch_add(&epoch, 1);
	atomic_store(&listening, up);
}

void cache_invalidate(unsigned areas)
{
	for (unsigned i = 0; i < NAREAS; i++)
		if (areas & (1u << i))
			atomic_fetch_add(&area_counter[i], 1);
}

/* Compare one entity tag from a header against ours, ignoring W/. */
bool cache_etag_matches(const char *inm, const char *etag)
{
	size_t elen;
	const char *p;

	if (!inm || !etag)
		return false;
	elen = strlen(etag);
	p = inm;
	while (*p) {
		const char *start, *end;

		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (*p == '*')
			return true;
		if (p[0] == 'W' && p[1] == '/')
			p += 2;
		start = p;
		if (*p != '"')
			return false;
		end = strchr(p + 1, '"');
		if (!end)
			return false;
		if ((size_t)(end + 1 - start) == elen && memcmp(start, etag, elen) == 0)
			return true;
		p = end + 1;
	}
	return false;
}

enum cache_result cache_lookup(const char *key, uint64_t gen,
			       const char *if_none_match, struct cached *out)
{
	uint64_t h;
	struct entry *e;
	pthread_mutex_t *lock;
	enum cache_result result = CACHE_MISS;

	memset(out, 0, sizeof(*out));
	if (gen == 0) {
		atomic_fetch_add_explicit(&stat_misses, 1, memory_order_relaxed);
		return CACHE_MISS;
	}
	h = fnv1a64(key, 0);
	e = &slots[h % CACHE_SLOTS];
	lock = &stripes[h % CACHE_STRIPES];
	pthread_mutex_lock(lock);
	if (e->key && e->hash == h && e->generation == gen && strcmp(e->key, key) == 0) {
		memcpy(out->etag, e->etag, sizeof(out->etag));
		out->content_type = e->content_type;
		if (cache_etag_matches(if_none_match, e->etag)) {
			out->len = e->len;
			result = CACHE_NOT_MODIFIED;
		} else {
			out->link = e->link ? strdup(e->link) : NULL;
			if (!e->link || out->link) {
				atomic_fetch_add(&e->body->refs, 1);
				out->body = e->body->data;
				out->shared = e->body;
				out->len = e->len;
				result = CACHE_HIT;
			}
		}
	}
	pthread_mutex_unlock(lock);
	atomic_fetch_add_explicit(result == CACHE_HIT ? &stat_hits
				  : result == CACHE_NOT_MODIFIED ? &stat_not_modified : &stat_misses,
				  1, memory_order_relaxed);
	return result;
}

void cache_store(const char *key, uint64_t gen, const char *body, size_t len,
		 const char *content_type, const char *etag, const char *link)
{
	struct entry fresh = { 0 };
	struct entry old;
	uint64_t h;
	pthread_mutex_t *lock;

	if (gen == 0 || len > CACHE_MAX_BODY)
		return;
	h = fnv1a64(key, 0);
	fresh.hash = h;
	fresh.generation = gen;
	fresh.key = strdup(key);
	fresh.body = malloc(sizeof(*fresh.body) + (len ? len : 1));
	fresh.link = link ? strdup(link) : NULL;
	if (fresh.body)
		atomic_init(&fresh.body->refs, 1);
	if (!fresh.key || !fresh.body || (link && !fresh.link)) {
		entry_clear(&fresh);
		return;
	}
	memcpy(fresh.body->data, body, len);
	fresh.len = len;
	fresh.content_type = content_type;
	strncpy(fresh.etag, etag, sizeof(fresh.etag) - 1);

	lock = &stripes[h % CACHE_STRIPES];
	pthread_mutex_lock(lock);
	old = slots[h % CACHE_SLOTS];
	slots[h % CACHE_SLOTS] = fresh;
	pthread_mutex_unlock(lock);
	entry_clear(&old);
	atomic_fetch_add_explicit(&stat_stores, 1, memory_order_relaxed);
}

void cache_stats(struct cache_stats *out)
{
	out->hits = atomic_load(&stat_hits);
	out->misses = atomic_load(&stat_misses);
	out->not_modified = atomic_load(&stat_not_modified);
	out->stores = atomic_load(&stat_stores);
	out->enabled = atomic_load(&enabled);
}
