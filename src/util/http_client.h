/*
 * http_client.h - a minimal blocking HTTP/1.1 client for the service's own
 * command line (the seed drives a child `serve` with it): one request per
 * connection to a loopback port, Connection: close, the whole answer read.
 * Not for the network: no TLS, no redirects, no keep-alive.
 */
#ifndef EQ_UTIL_HTTP_CLIENT_H
#define EQ_UTIL_HTTP_CLIENT_H

#include <stddef.h>

struct http_reply {
	int status;
	char etag[80];     /* the ETag header, "" when none */
	char *body;        /* NUL-terminated, owned (http_reply_release) */
	size_t body_len;
};

/*
 * method path on 127.0.0.1:port.  headers: extra lines, each ending in
 * "\r\n" (NULL: none); body: a JSON body (NULL: none).  Gives up after
 * timeout_s seconds without progress.  0 with *reply filled (whatever its
 * status), or -1 with the reason in err (no connection, a broken answer).
 */
__attribute__((warn_unused_result))
int http_client_request(unsigned short port, const char *method, const char *path,
			const char *headers, const char *body, int timeout_s,
			struct http_reply *reply, char *err, size_t errlen);

void http_reply_release(struct http_reply *reply);

#endif
