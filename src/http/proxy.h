/*
 * proxy.h - the request's client address: the peer's, or behind trusted
 * proxies (EQ_TRUSTED_PROXIES) the one they forwarded (domain/forwarded.h).
 * It is the address the rate limits, the lockout, the log line and the
 * audit trail see.
 */
#ifndef EQ_HTTP_PROXY_H
#define EQ_HTTP_PROXY_H

#include <stddef.h>

struct request;

/* From req's headers (and req->cfg) and the peer's address as text, the
 * client's address into out (at least 46 bytes). */
void proxy_client_address(const struct request *req, const char *peer, char *out, size_t outlen);

#endif
