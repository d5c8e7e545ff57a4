/*
 * fuzz_forwarded.c - the client address behind trusted proxies
 * (src/domain/forwarded.c) and the CIDR list parser.
 *
 * The input's first byte chooses the header (bit 0: Forwarded, else
 * X-Forwarded-For) and whether the peer is a trusted proxy (bit 1); the
 * rest is the header's value.  Checked, beyond not crashing: from an
 * untrusted peer the answer is the peer, whatever the header; otherwise
 * it is an address (inet_pton accepts it), either the peer or a hop as
 * written in the header; the same text as a proxy list parses into valid
 * networks or is refused, leaving the list empty.
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/forwarded.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond) do { if (!(cond)) { \
	fprintf(stderr, "fuzz_forwarded: %s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
	abort(); } } while (0)

static bool is_address(const char *s)
{
	unsigned char a[16];

	return inet_pton(AF_INET, s, a) == 1 || inet_pton(AF_INET6, s, a) == 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cidr_list trusted, parsed;
	char err[160], out[64], *text;
	const char *peer;
	bool rfc7239;

	if (size < 1)
		return 0;
	rfc7239 = data[0] & 1;
	peer = (data[0] & 2) ? "10.0.0.2" : "203.0.113.9";
	text = malloc(size);
	if (!text)
		return 0;
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	CHECK(cidr_list_parse("10.0.0.0/8, fd00::/8", &trusted, err, sizeof(err)) == 0);

	forwarded_client(peer, text, rfc7239, &trusted, out, sizeof(out));
	CHECK(is_address(out));
	if (!(data[0] & 2))
		CHECK(strcmp(out, peer) == 0);
	else if (strcmp(out, peer) != 0)
		CHECK(strstr(text, out) != NULL);   /* a hop of the header, as written */

	if (cidr_list_parse(text, &parsed, err, sizeof(err)) == 0) {
		for (size_t i = 0; i < parsed.n; i++)
			CHECK(parsed.items[i].family == 4 ? parsed.items[i].bits <= 32
							  : parsed.items[i].bits <= 128);
		cidr_list_release(&parsed);
	} else {
		CHECK(parsed.items == NULL && parsed.n == 0);
	}
	cidr_list_release(&trusted);
	free(text);
	return 0;
}
