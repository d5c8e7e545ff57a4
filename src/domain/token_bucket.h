/*
 * token_bucket.h - the rule behind every rate limit: a token bucket.  Pure:
 * no I/O, no clock (the caller passes the time), no allocation.
 *
 * A bucket holds at most `burst` tokens and gains `count` tokens every
 * `per_seconds`; a request takes one token or is refused.  So a client may
 * send `burst` requests at once, and `count` per `per_seconds` for ever.
 *
 * The bucket is stored as one number, the moment it will be full again
 * (full_at_ns; 0 or any moment in the past: full now), which is the same
 * bucket written as the "generic cell rate algorithm": with one token every
 * interval and room for burst * interval,
 *
 *   tokens at `now` = (capacity - max(0, full_at - now)) / interval
 *   taking one token: full_at = max(full_at, now) + interval, allowed when
 *                     max(full_at, now) + interval - now <= capacity
 *
 * One integer per client, updated without division, and no drift: the
 * refill is exact however irregular the calls.  A refused take leaves the
 * bucket as it was, so hammering an empty bucket does not push its refill
 * further away (nor bring it nearer).
 */
#ifndef EQ_DOMAIN_TOKEN_BUCKET_H
#define EQ_DOMAIN_TOKEN_BUCKET_H

#include <stdbool.h>
#include <stdint.h>

struct token_bucket_rule {
	uint64_t interval_ns;   /* one token comes back every interval_ns */
	uint64_t capacity_ns;   /* burst * interval_ns */
};

struct token_bucket {
	uint64_t full_at_ns;    /* when it holds `burst` tokens again */
};

#define TOKEN_BUCKET_FULL { 0 }

/*
 * count tokens every per_seconds, at most burst at once.  0 on success;
 * -1 when count, per_seconds or burst is 0 (the caller's "no limit") or
 * when burst * interval would not fit in 64 bits of nanoseconds.
 */
__attribute__((warn_unused_result))
int token_bucket_rule_init(struct token_bucket_rule *rule, uint64_t count,
			   uint64_t per_seconds, uint64_t burst);

/*
 * Take one token at now_ns.  true: taken.  false: the bucket is empty and
 * unchanged, and *wait_ns (when not NULL) says how long until a token is
 * there.
 */
bool token_bucket_take(struct token_bucket *b, const struct token_bucket_rule *rule,
		       uint64_t now_ns, uint64_t *wait_ns);

/* Is a token there at now_ns?  Like take, without taking. */
bool token_bucket_has(const struct token_bucket *b, const struct token_bucket_rule *rule,
		      uint64_t now_ns, uint64_t *wait_ns);

/* Full at now_ns: the bucket is the same as a new one and may be forgotten. */
bool token_bucket_is_full(const struct token_bucket *b, uint64_t now_ns);

/* A wait as whole seconds for Retry-After: rounded up, and at least 1 (a
 * client told 0 would retry at once and be refused again). */
unsigned long token_bucket_retry_after_s(uint64_t wait_ns);

#endif
