/*
 * proxy.c - the client address behind trusted proxies (see proxy.h).
 */
#include "http/proxy.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config.h"
#include "domain/forwarded.h"
#include "http/request.h"
#include "util/buf.h"

void proxy_client_address(const struct request *req, const char *peer, char *out, size_t outlen)
{
	const struct config *cfg = req->cfg;
	const char *name = cfg->forwarded_rfc7239 ? "Forwarded" : "X-Forwarded-For";
	struct buf joined = BUF_INIT;
	bool any = false, oom = false;

	if (cfg->trusted_proxies.n == 0) {
		forwarded_client(peer, NULL, false, NULL, out, outlen);
		return;
	}
	/* Every line of the header, in order, as one list: a proxy may add
	 * its own line rather than append to the client's. */
	for (size_t i = 0; i < req->nheaders; i++) {
		if (strcasecmp(req->headers[i].name, name) != 0)
			continue;
		oom |= (any && buf_append(&joined, ",", 1) != 0) ||
		       buf_append(&joined, req->headers[i].value, strlen(req->headers[i].value)) != 0;
		any = true;
	}
	/* Out of memory: the peer, which is never wrong, only less precise. */
	forwarded_client(peer, any && !oom ? buf_cstr(&joined) : NULL, cfg->forwarded_rfc7239,
			 &cfg->trusted_proxies, out, outlen);
	buf_release(&joined);
}
