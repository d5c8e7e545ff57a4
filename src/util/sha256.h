/*
 * sha256.h - SHA-256 (FIPS 180-4), for strong ETags, migration checksums,
 * request fingerprints and API-key hashes.  Pure.
 */
#ifndef EQ_UTIL_SHA256_H
#define EQ_UTIL_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_DIGEST_LEN 32
#define SHA256_HEX_LEN 64

struct sha256 {
	uint32_t state[8];
	uint64_t bits;
	unsigned char block[64];
	size_t used;
};

void sha256_init(struct sha256 *ctx);
void sha256_update(struct sha256 *ctx, const void *data, size_t len);
void sha256_final(struct sha256 *ctx, unsigned char digest[SHA256_DIGEST_LEN]);

/* One call: hex digest (lower case, NUL-terminated) of data. */
void sha256_hex(const void *data, size_t len, char hex[SHA256_HEX_LEN + 1]);

#endif
