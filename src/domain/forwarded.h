/*
 * forwarded.h - the client's address behind trusted reverse proxies.  Pure.
 *
 * A request's peer is the last hop: behind a proxy, every client is the
 * proxy.  A proxy says who it forwarded for in `Forwarded: for=...`
 * (RFC 7239) or `X-Forwarded-For: client, proxy1, ...`, but anybody can
 * send those headers, so they are believed only when the peer is a proxy
 * we trust (EQ_TRUSTED_PROXIES), and then only as far as the chain runs
 * through trusted proxies: the client is the rightmost hop that is not one
 * of ours.  Whatever a client writes to the left of that is never read.
 */
#ifndef EQ_DOMAIN_FORWARDED_H
#define EQ_DOMAIN_FORWARDED_H

#include <stdbool.h>
#include <stddef.h>

/* One network: family 4 or 6, bits of prefix. */
struct cidr {
	unsigned char addr[16];
	int family;
	unsigned bits;
};

/* A list of networks; items owned by the list (cidr_list_release). */
struct cidr_list {
	struct cidr *items;
	size_t n;
};

/*
 * Parse "10.0.0.0/8, 192.168.1.7, 2001:db8::/32" (commas and/or spaces; a
 * bare address is a /32 or /128) into out.  0, or -1 with a message naming
 * the bad item in err (out is then empty).  An empty text is an empty list.
 */
__attribute__((warn_unused_result))
int cidr_list_parse(const char *text, struct cidr_list *out, char *err, size_t errlen);
void cidr_list_release(struct cidr_list *l);

/* Is the address (text; IPv4, IPv6, IPv4-mapped IPv6) in one of the
 * networks?  False for text that is not an address. */
bool cidr_list_contains(const struct cidr_list *l, const char *addr);

/*
 * The client's address for a request from peer carrying header (the one
 * header our proxies write, NULL when absent; several lines of it joined
 * with ", "): `Forwarded` when rfc7239, else `X-Forwarded-For`.  Only one
 * is read: a proxy that appends to one passes the other through as the
 * client wrote it.  Into out (at least 46 bytes: an IPv6 address as
 * text).  From an untrusted peer, or when no hop can be read, the answer is
 * the peer (or the nearest trusted hop); never something the header's
 * sender could choose past our proxies.
 */
void forwarded_client(const char *peer, const char *header, bool rfc7239,
		      const struct cidr_list *trusted, char *out, size_t outlen);

#endif
