/*
 * ratelimit.h - rate limits per client address, per API key, and on failed
 * authentications per client address (token buckets: domain/token_bucket.h).
 *
 * The contract (README, api/openapi.yaml):
 *   - every request takes a token from its client address's bucket
 *     (EQ_RATE_LIMIT_PER_IP a second, bursts of EQ_RATE_LIMIT_PER_IP_BURST);
 *   - a request on a route that needs a key, once the key is accepted, takes
 *     one from the key's bucket (EQ_RATE_LIMIT_PER_KEY, ..._BURST);
 *   - every 401 (on a route that needs a key) takes one from a failure
 *     bucket of the client address (EQ_AUTH_FAILURES_PER_HOUR, bursts of
 *     EQ_AUTH_FAILURE_BURST): the bucket of (address, prefix) when the
 *     prefix names a real key (a wrong secret, a revoked or expired key),
 *     else the address's bucket for keys that are not keys (none, a
 *     malformed one, an unknown prefix).  While a real key's bucket is
 *     empty, every request from the address presenting that prefix is
 *     refused before the key is looked at, even with the right secret, so
 *     guessing a key's secret is hopeless; while the other is empty,
 *     malformed and unknown keys from the address get 429 instead of 401.
 *     Other keys from the same address (a proxy, an office NAT) are served
 *     all along: one bad client locks out no one else.  Requests without
 *     Authorization are served (within the per-address limit).  A 403 (a
 *     valid key without the scope) is not a guess and does not count.
 *   - over a limit: 429 problem+json, type rate-limited, with Retry-After
 *     (whole seconds, at least 1) and a detail naming the limit.
 * A rate or a burst of 0 switches that limit off.
 *
 * IPv6 clients are counted by their /64 (one subscriber's usual share; a
 * per-address limit on single IPv6 addresses limits nothing).  The client
 * address is the peer's, or, from a trusted proxy (EQ_TRUSTED_PROXIES),
 * the one it forwarded (http/proxy.h).
 *
 * Memory is bounded: each limit is a fixed table (RATELIMIT_ENTRIES buckets
 * in shards with a lock each); a new client takes the place of a bucket that
 * is full again (forgetting a full bucket changes nothing) or, when none is
 * near, of the one nearest to full.
 */
#ifndef EQ_HTTP_RATELIMIT_H
#define EQ_HTTP_RATELIMIT_H

#include <stdbool.h>

struct config;
struct request;
struct response;

/* Per limit: 64 shards of 128 buckets (8192 clients, 88 bytes each: 704 KiB). */
#define RATELIMIT_SHARDS 64
#define RATELIMIT_SLOTS 128
#define RATELIMIT_ENTRIES (RATELIMIT_SHARDS * RATELIMIT_SLOTS)

/* Read the limits from cfg and allocate the tables of those that are on.
 * 0, or -1 (out of memory). */
__attribute__((warn_unused_result))
int ratelimit_init(const struct config *cfg);
void ratelimit_shutdown(void);

/*
 * Before routing: the per-address limit, then the lock-out of an address
 * whose authentication failures are over their limit (requests carrying
 * Authorization only).  0: go on; -1: the 429 is in res.
 */
int ratelimit_client_or_respond(const struct request *req, struct response *res);

/* After the request's key was accepted: the per-key limit.  0 or -1 as above. */
int ratelimit_key_or_respond(const struct request *req, struct response *res);

/* A failed authentication (a 401) from this client address, with this
 * Authorization header (NULL: none); known: its prefix names a real key. */
void ratelimit_auth_failed(const char *client, const char *authorization, bool known);

/* A key-shaped credential whose prefix names no key: 429 while the
 * address's bucket for such keys is empty.  0 or -1 as above. */
int ratelimit_unknown_key_or_respond(const struct request *req, struct response *res);

#endif
