/*
 * forwarded.c - the client's address behind trusted proxies (see
 * forwarded.h).
 *
 * Why the rightmost untrusted hop: each proxy appends the address it got
 * the request from.  Reading from the right, the hops our own proxies
 * appended are true; the first hop that is not one of them is what our
 * outermost proxy saw, the client.  Everything to its left was in the
 * request when it reached us, written by whoever sent it: reading the
 * leftmost hop (a common mistake) lets any client pick its own address,
 * and so its own rate limit and lockout.
 */
#include "domain/forwarded.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define ITEM_MAX 64

/* Text to 4 or 16 bytes; IPv4-mapped IPv6 becomes IPv4.  Family or 0. */
static int parse_addr(const char *text, unsigned char out[16])
{
	if (inet_pton(AF_INET, text, out) == 1)
		return 4;
	if (inet_pton(AF_INET6, text, out) != 1)
		return 0;
	if (memcmp(out, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12) == 0) {
		memmove(out, out + 12, 4);
		return 4;
	}
	return 6;
}

static bool cidr_contains(const struct cidr *c, int family, const unsigned char *a)
{
	unsigned full = c->bits / 8, rest = c->bits % 8;

	if (c->family != family || memcmp(c->addr, a, full) != 0)
		return false;
	return rest == 0 || ((c->addr[full] ^ a[full]) & (unsigned char)(0xff << (8 - rest))) == 0;
}

static int parse_cidr(const char *item, struct cidr *c)
{
	char text[ITEM_MAX];
	char *slash, *end;
	unsigned long bits;

	snprintf(text, sizeof(text), "%s", item);
	slash = strchr(text, '/');
	if (slash)
		*slash = '\0';
	memset(c, 0, sizeof(*c));
	c->family = parse_addr(text, c->addr);
	if (!c->family)
		return -1;
	c->bits = c->family == 4 ? 32 : 128;
	if (!slash)
		return 0;
	bits = strtoul(slash + 1, &end, 10);
	if (!slash[1] || *end || bits > c->bits)
		return -1;
	c->bits = (unsigned)bits;
	return 0;
}

void cidr_list_release(struct cidr_list *l)
{
	free(l->items);
	l->items = NULL;
	l->n = 0;
}

int cidr_list_parse(const char *text, struct cidr_list *out, char *err, size_t errlen)
{
	/* Items of at least one character, each but the last followed by a
	 * separator: at most half the length, rounded up (tests/fuzz found a
	 * count of separators that left out the tab). */
	size_t cap = (text ? strlen(text) : 0) / 2 + 1;

	out->items = NULL;
	out->n = 0;
	out->items = calloc(cap, sizeof(*out->items));
	if (!out->items) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (const char *p = text ? text : ""; *p;) {
		size_t len = strcspn(p, ", \t");
		char item[ITEM_MAX];

		if (len == 0) {
			p++;
			continue;
		}
		snprintf(item, sizeof(item), "%.*s", (int)(len < ITEM_MAX - 1 ? len : ITEM_MAX - 1), p);
		if (len >= ITEM_MAX || parse_cidr(item, &out->items[out->n]) != 0) {
			snprintf(err, errlen, "'%s' is not an address or network (such as 10.0.0.0/8 or 2001:db8::/32)",
				 item);
			cidr_list_release(out);
			return -1;
		}
		out->n++;
		p += len;
	}
	return 0;
}

static bool contains_bytes(const struct cidr_list *l, int family, const unsigned char *a)
{
	for (size_t i = 0; l && i < l->n; i++)
		if (cidr_contains(&l->items[i], family, a))
			return true;
	return false;
}

bool cidr_list_contains(const struct cidr_list *l, const char *addr)
{
	unsigned char a[16];
	int family = addr ? parse_addr(addr, a) : 0;

	return family && contains_bytes(l, family, a);
}

/* One hop ("1.2.3.4", "1.2.3.4:80", "[2001:db8::1]:80", "2001:db8::1",
 * quoted or not) to its address text in out; -1 for "unknown", an
 * obfuscated name, or anything else. */
static int hop_address(const char *hop, size_t len, char out[ITEM_MAX])
{
	char text[ITEM_MAX];
	unsigned char a[16];
	char *p = text, *end;

	while (len && (*hop == ' ' || *hop == '\t'))
		hop++, len--;
	while (len && (hop[len - 1] == ' ' || hop[len - 1] == '\t'))
		len--;
	if (len >= 2 && hop[0] == '"' && hop[len - 1] == '"')
		hop++, len -= 2;
	if (len == 0 || len >= ITEM_MAX)
		return -1;
	memcpy(text, hop, len);
	text[len] = '\0';
	if (*p == '[') {
		end = strchr(++p, ']');
		if (!end || (end[1] && end[1] != ':'))
			return -1;
		*end = '\0';
	} else if ((end = strchr(p, ':')) && !strchr(end + 1, ':')) {
		*end = '\0';   /* IPv4 with a port */
	}
	if (!parse_addr(p, a))
		return -1;
	snprintf(out, ITEM_MAX, "%s", p);
	return 0;
}

/* In one Forwarded element ("for=1.2.3.4;proto=https"), the for= value. */
static bool forwarded_for(const char *el, size_t len, const char **v, size_t *vlen)
{
	const char *p = el, *end = el + len;

	while (p < end) {
		const char *semi = memchr(p, ';', (size_t)(end - p));
		const char *stop = semi ? semi : end;

		while (p < stop && (*p == ' ' || *p == '\t'))
			p++;
		if (stop - p > 4 && strncasecmp(p, "for=", 4) == 0) {
			*v = p + 4;
			*vlen = (size_t)(stop - p - 4);
			return true;
		}
		p = stop + (semi ? 1 : 0);
	}
	return false;
}

/* The i-th hop from the right of a comma list; false past the left end. */
static bool hop_from_right(const char *list, size_t i, const char **hop, size_t *len)
{
	const char *end = list + strlen(list), *start;

	for (;;) {
		start = end;
		while (start > list && start[-1] != ',')
			start--;
		if (i-- == 0)
			break;
		if (start == list)
			return false;
		end = start - 1;
	}
	*hop = start;
	*len = (size_t)(end - start);
	return true;
}

void forwarded_client(const char *peer, const char *list, bool rfc7239,
		      const struct cidr_list *trusted, char *out, size_t outlen)
{
	char nearest[ITEM_MAX], addr[ITEM_MAX];

	snprintf(out, outlen, "%s", peer ? peer : "unknown");
	if (!list || !cidr_list_contains(trusted, peer))
		return;
	snprintf(nearest, sizeof(nearest), "%s", peer);
	for (size_t i = 0;; i++) {
		const char *hop, *v;
		size_t len, vlen;

		if (!hop_from_right(list, i, &hop, &len))
			break;
		if (rfc7239 && !forwarded_for(hop, len, &v, &vlen))
			break;
		if (rfc7239)
			hop = v, len = vlen;
		if (hop_address(hop, len, addr) != 0)
			break;
		if (!cidr_list_contains(trusted, addr)) {
			snprintf(out, outlen, "%s", addr);
			return;
		}
		snprintf(nearest, sizeof(nearest), "%s", addr);
	}
	snprintf(out, outlen, "%s", nearest);
}
