/*
 * ratelimit.c - the tables of token buckets behind the rate limits (see
 * ratelimit.h).
 *
 * Each limit is a fixed array of shards, each a small open-addressed table
 * under its own mutex: a lookup hashes the client, locks one shard and looks
 * at RATELIMIT_PROBE slots from the hashed one.  No slot is ever freed: a
 * new client takes an empty slot, else one whose bucket is full again
 * (exactly as if the client were new), else the one nearest to full (which
 * forgives that client a little: the price of bounded memory under a flood
 * of addresses, logged at 1, 2, 4, 8 ... times).
 */
#include "http/ratelimit.h"

#include <arpa/inet.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "config.h"
#include "domain/apikey.h"
#include "domain/token_bucket.h"
#include "http/request.h"
#include "http/response.h"
#include "util/fnv.h"
#include "util/log.h"
#include "util/random.h"

#define RATELIMIT_PROBE 16
#define WHO_LEN 72   /* an IPv6 address as text and "/64", "|" and a key prefix */

struct slot {
	uint64_t hash;              /* 0: never used */
	struct token_bucket bucket;
	char who[WHO_LEN];
};

struct shard {
	pthread_mutex_t lock;
	struct slot slots[RATELIMIT_SLOTS];
};

struct limit {
	const char *what;           /* for the log */
	/* For the 429: "The limit <name> (<count> <unit>, bursts of <burst>)
	 * is used up<consequence>". */
	const char *name, *unit, *consequence;
	bool on;
	unsigned long count, per_seconds, burst;
	struct token_bucket_rule rule;
	struct shard *shards;       /* RATELIMIT_SHARDS, NULL when off */
	atomic_ulong forgiven;      /* clients evicted before their bucket refilled */
};

static struct limit per_ip = {
	.what = "per client address", .name = "per client address",
	.unit = "requests a second", .consequence = "",
};
static struct limit per_key = {
	.what = "per API key", .name = "per API key",
	.unit = "requests a second", .consequence = "",
};
static struct limit auth_failures = {
	.what = "failed authentications per client address",
	.name = "on failed authentications per client address and key", .unit = "an hour",
	.consequence = ": requests from this address with this key are refused until it refills",
};
static uint64_t hash_seed;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* FNV-1a, seeded per process so that nobody can aim many clients at one
 * shard from outside. */
static uint64_t hash_of(const char *who)
{
	uint64_t h = fnv1a64(who, hash_seed);

	return h ? h : 1;   /* 0 marks a slot never used */
}

static int limit_init(struct limit *l, unsigned long count, unsigned long per_seconds,
		      unsigned long burst)
{
	l->count = count;
	l->per_seconds = per_seconds;
	l->burst = burst;
	l->on = token_bucket_rule_init(&l->rule, count, per_seconds, burst) == 0;
	atomic_store(&l->forgiven, 0);
	if (!l->on)
		return 0;
	l->shards = calloc(RATELIMIT_SHARDS, sizeof(*l->shards));
	if (!l->shards)
		return -1;
	for (size_t i = 0; i < RATELIMIT_SHARDS; i++)
		if (pthread_mutex_init(&l->shards[i].lock, NULL) != 0)
			return -1;
	return 0;
}

static void limit_free(struct limit *l)
{
	if (l->shards) {
		for (size_t i = 0; i < RATELIMIT_SHARDS; i++)
			pthread_mutex_destroy(&l->shards[i].lock);
		free(l->shards);
	}
	l->shards = NULL;
	l->on = false;
}

int ratelimit_init(const struct config *cfg)
{
	if (random_bytes(&hash_seed, sizeof(hash_seed)) != 0)
		hash_seed = (uint64_t)now_ns();
	if (limit_init(&per_ip, cfg->rate_per_ip, 1, cfg->rate_per_ip_burst) != 0 ||
	    limit_init(&per_key, cfg->rate_per_key, 1, cfg->rate_per_key_burst) != 0 ||
	    limit_init(&auth_failures, cfg->auth_failures_per_hour, 3600,
		       cfg->auth_failure_burst) != 0) {
		ratelimit_shutdown();
		return -1;
	}
	return 0;
}

void ratelimit_shutdown(void)
{
	limit_free(&per_ip);
	limit_free(&per_key);
	limit_free(&auth_failures);
}

/* Where a newcomer goes, best first: never used, full again (forgetting it
 * changes nothing), then the rest, the nearest to full first. */
static bool better_victim(const struct slot *s, const struct slot *than, uint64_t now)
{
	int rs = s->hash == 0 ? 0 : token_bucket_is_full(&s->bucket, now) ? 1 : 2;
	int rt = than->hash == 0 ? 0 : token_bucket_is_full(&than->bucket, now) ? 1 : 2;

	if (rs != rt)
		return rs < rt;
	return rs == 2 && s->bucket.full_at_ns < than->bucket.full_at_ns;
}

static void note_forgiven(struct limit *l, const char *who)
{
	unsigned long n = atomic_fetch_add(&l->forgiven, 1) + 1;
	char fields[128];

	/* 1, 2, 4, 8 ...: a flood of addresses shows without flooding the log. */
	if (n & (n - 1))
		return;
	snprintf(fields, sizeof(fields), "\"limit\":\"%s\",\"client\":\"%s\",\"forgiven\":%lu",
		 l->what, who, n);
	log_event(LOG_WARN, "rate-limit table full: a client's bucket was forgotten before it refilled",
		  fields);
}

/*
 * Take a token from who's bucket (take) or only look (!take).  true when
 * there was one; otherwise *wait_ns says how long until there is.  A client
 * without a bucket has a full one: looking does not make it one.
 */
static bool limit_use(struct limit *l, const char *who, bool take, uint64_t *wait_ns)
{
	uint64_t h = hash_of(who), now = now_ns();
	struct shard *sh = &l->shards[h % RATELIMIT_SHARDS];
	size_t start = (size_t)((h / RATELIMIT_SHARDS) % RATELIMIT_SLOTS);
	struct slot *found = NULL, *victim = NULL;
	bool ok, forgiven = false;

	pthread_mutex_lock(&sh->lock);
	for (size_t i = 0; i < RATELIMIT_PROBE; i++) {
		struct slot *s = &sh->slots[(start + i) % RATELIMIT_SLOTS];

		if (s->hash == h && strcmp(s->who, who) == 0) {
			found = s;
			break;
		}
		if (!victim || better_victim(s, victim, now))
			victim = s;
	}
	if (!found && !take) {
		pthread_mutex_unlock(&sh->lock);
		return true;
	}
	if (!found) {
		forgiven = victim->hash != 0 && !token_bucket_is_full(&victim->bucket, now);
		victim->hash = h;
		victim->bucket.full_at_ns = 0;
		snprintf(victim->who, sizeof(victim->who), "%s", who);
		found = victim;
	}
	ok = take ? token_bucket_take(&found->bucket, &l->rule, now, wait_ns)
		  : token_bucket_has(&found->bucket, &l->rule, now, wait_ns);
	pthread_mutex_unlock(&sh->lock);
	if (forgiven)
		note_forgiven(l, who);
	return ok;
}

/*
 * The client as a limit sees it: an IPv4 address as it is (an IPv4-mapped
 * IPv6 one as IPv4), an IPv6 address as its /64.
 */
static void client_key(const char *client, char out[WHO_LEN])
{
	struct in6_addr a6;
	char text[INET6_ADDRSTRLEN];

	snprintf(out, WHO_LEN, "%s", client ? client : "unknown");
	if (!client || !strchr(client, ':') || inet_pton(AF_INET6, client, &a6) != 1)
		return;
	if (IN6_IS_ADDR_V4MAPPED(&a6)) {
		if (inet_ntop(AF_INET, &a6.s6_addr[12], text, sizeof(text)))
			snprintf(out, WHO_LEN, "%s", text);
		return;
	}
	memset(&a6.s6_addr[8], 0, 8);
	if (inet_ntop(AF_INET6, &a6, text, sizeof(text)))
		snprintf(out, WHO_LEN, "%s/64", text);
}

/*
 * Take a token from who's bucket in l (take), or only look (!take): 0 when
 * there was one, else -1 after a 429 with Retry-After that names the limit.
 */
static int limit_or_respond(struct limit *l, const char *who, bool take, struct response *res)
{
	char seconds[24];
	uint64_t wait = 0;
	unsigned long retry;

	if (limit_use(l, who, take, &wait))
		return 0;
	retry = token_bucket_retry_after_s(wait);
	problem_sendf(res, 429, "rate-limited", "Too many requests",
		      "The limit %s (%lu %s, bursts of %lu) is used up%s; retry after %lu s.",
		      l->name, l->count, l->unit, l->burst, l->consequence, retry);
	snprintf(seconds, sizeof(seconds), "%lu", retry);
	(void)response_header_add(res, "Retry-After", seconds);
	return -1;
}

/*
 * Failed authentications count per (address, key): "addr|eq_..." for a
 * real key's prefix presented with a wrong secret (or revoked, expired),
 * "addr|-" for everything else: no key, a malformed one, a prefix that
 * names no key.  Guessing one key's secret is locked out at its address;
 * guessing whole keys fills the "-" bucket, which refuses only keys that
 * do not exist.  A client with a real key at that address (the same
 * proxy, an office NAT) is never refused for another's failures.
 */
static void failure_key(const char *client, const char *authorization, bool known,
			char out[WHO_LEN])
{
	char addr[WHO_LEN], prefix[APIKEY_PREFIX_LEN + 1];
	const char *key = authorization && strncasecmp(authorization, "Bearer ", 7) == 0
			  ? authorization + 7 : NULL;

	while (key && *key == ' ')
		key++;
	client_key(client, addr);
	snprintf(out, WHO_LEN, "%.52s|%s", addr,
		 known && key && apikey_parse(key, prefix) ? prefix : "-");
}

int ratelimit_client_or_respond(const struct request *req, struct response *res)
{
	char who[WHO_LEN];
	const char *authorization = request_header(req, "Authorization");

	if (!per_ip.on && !auth_failures.on)
		return 0;
	client_key(req->client, who);
	if (per_ip.on && limit_or_respond(&per_ip, who, true, res))
		return -1;
	/* A key-shaped credential: its own bucket (empty only when it names a
	 * real key, see failure_key); anything else: the address's "-". */
	if (auth_failures.on && authorization) {
		failure_key(req->client, authorization, true, who);
		if (limit_or_respond(&auth_failures, who, false, res))
			return -1;
	}
	return 0;
}

int ratelimit_unknown_key_or_respond(const struct request *req, struct response *res)
{
	char who[WHO_LEN];

	if (!auth_failures.on)
		return 0;
	failure_key(req->client, NULL, false, who);
	return limit_or_respond(&auth_failures, who, false, res);
}

int ratelimit_key_or_respond(const struct request *req, struct response *res)
{
	if (!per_key.on || !req->auth.key_prefix[0])
		return 0;
	return limit_or_respond(&per_key, req->auth.key_prefix, true, res);
}

void ratelimit_auth_failed(const char *client, const char *authorization, bool known)
{
	char who[WHO_LEN], fields[160];
	uint64_t wait = 0;

	if (!auth_failures.on)
		return;
	failure_key(client, authorization, known, who);
	/* Taken from an empty bucket (a request without a key while locked
	 * out) changes nothing; say so once, when it empties. */
	if (limit_use(&auth_failures, who, true, &wait) &&
	    !limit_use(&auth_failures, who, false, &wait)) {
		snprintf(fields, sizeof(fields), "\"client\":\"%s\",\"retry_after_s\":%lu",
			 who, token_bucket_retry_after_s(wait));
		log_event(LOG_WARN, "failed authentications over the limit: keys from this client are refused until it refills",
			  fields);
	}
}
