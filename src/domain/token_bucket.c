/*
 * token_bucket.c - the token bucket of every rate limit (see token_bucket.h).
 */
#include "domain/token_bucket.h"

#define NS_PER_S 1000000000ULL

int token_bucket_rule_init(struct token_bucket_rule *rule, uint64_t count,
			   uint64_t per_seconds, uint64_t burst)
{
	uint64_t period_ns;

	if (count == 0 || per_seconds == 0 || burst == 0)
		return -1;
	if (per_seconds > UINT64_MAX / NS_PER_S)
		return -1;
	period_ns = per_seconds * NS_PER_S;
	/* Rounded down: at worst a hair faster than asked (3 a second is one
	 * every 333333333 ns), never slower. */
	rule->interval_ns = period_ns / count;
	if (rule->interval_ns == 0)
		rule->interval_ns = 1;
	if (burst > UINT64_MAX / 2 / rule->interval_ns)
		return -1;
	rule->capacity_ns = burst * rule->interval_ns;
	return 0;
}

/* How long after now the bucket would be full again once one more token is
 * taken; a token is there when that fits within the capacity. */
static uint64_t debt_after_one(const struct token_bucket *b,
			       const struct token_bucket_rule *rule, uint64_t now_ns)
{
	uint64_t ahead = b->full_at_ns > now_ns ? b->full_at_ns - now_ns : 0;

	return ahead + rule->interval_ns;
}

bool token_bucket_has(const struct token_bucket *b, const struct token_bucket_rule *rule,
		      uint64_t now_ns, uint64_t *wait_ns)
{
	uint64_t debt = debt_after_one(b, rule, now_ns);

	if (debt <= rule->capacity_ns)
		return true;
	if (wait_ns)
		*wait_ns = debt - rule->capacity_ns;
	return false;
}

bool token_bucket_take(struct token_bucket *b, const struct token_bucket_rule *rule,
		       uint64_t now_ns, uint64_t *wait_ns)
{
	if (!token_bucket_has(b, rule, now_ns, wait_ns))
		return false;
	b->full_at_ns = now_ns + debt_after_one(b, rule, now_ns);
	return true;
}

bool token_bucket_is_full(const struct token_bucket *b, uint64_t now_ns)
{
	return b->full_at_ns <= now_ns;
}

unsigned long token_bucket_retry_after_s(uint64_t wait_ns)
{
	uint64_t s = wait_ns / NS_PER_S + (wait_ns % NS_PER_S != 0);

	return s < 1 ? 1 : (unsigned long)s;
}
