/*
 * fnv.c - FNV-1a 64 (see fnv.h).
 */
#include "util/fnv.h"

uint64_t fnv1a64(const char *s, uint64_t seed)
{
	/* The standard offset basis.  The cache and the rate limits had
	 * 1469598103934665603, a digit short: a fine hash too, but not the
	 * FNV-1a its comments named, and no test vector could pin it. */
	uint64_t h = 14695981039346656037ULL ^ seed;

	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		h ^= *p;
		h *= 1099511628211ULL;
	}
	return h;
}
