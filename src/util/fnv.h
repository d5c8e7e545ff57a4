/*
 * fnv.h - FNV-1a, the 64-bit string hash behind the service's in-memory
 * tables (the response cache, the rate limits, the metrics' route slots).
 *
 * Pure and tiny; not a defence against chosen keys on its own, which is why
 * a table that hashes what clients send passes a secret seed.
 */
#ifndef EQ_UTIL_FNV_H
#define EQ_UTIL_FNV_H

#include <stdint.h>

/*
 * FNV-1a of the NUL-terminated text s, with seed XORed into the offset
 * basis (seed 0: the standard FNV-1a 64, so "a" -> 0xaf63dc4c8601ec8c).
 */
uint64_t fnv1a64(const char *s, uint64_t seed);

#endif
