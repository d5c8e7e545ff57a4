/*
 * random.c - kernel randomness for request ids and API keys.
 */
#include "util/random.h"

#include <errno.h>
#include <sys/random.h>

int random_bytes(void *buf, size_t len)
{
	unsigned char *p = buf;

	while (len > 0) {
		ssize_t n = getrandom(p, len, 0);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int random_hex(char *out, size_t nbytes)
{
	static const char digits[] = "0123456789abcdef";
	unsigned char raw[64];
	size_t i;

	if (nbytes > sizeof(raw) || random_bytes(raw, nbytes) != 0)
		return -1;
	for (i = 0; i < nbytes; i++) {
		out[i * 2] = digits[raw[i] >> 4];
		out[i * 2 + 1] = digits[raw[i] & 15];
	}
	out[nbytes * 2] = '\0';
	return 0;
}
