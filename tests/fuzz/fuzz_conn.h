/*
 * fuzz_conn.h - one client connection to the real daemon, in process, over
 * a socketpair handed to libmicrohttpd (MHD_add_connection), and the check
 * of what came back.  Shared by fuzz_http (raw bytes) and fuzz_body (a
 * request per contract operation).
 */
#ifndef EQ_FUZZ_CONN_H
#define EQ_FUZZ_CONN_H

#include <stdbool.h>
#include <stddef.h>

#include "http/server.h"
#include "util/buf.h"

/* Print what and abort: libFuzzer keeps the input as a finding. */
__attribute__((noreturn)) void fuzz_die(const char *who, const char *what);

/*
 * Send data[0..size) on a new connection to srv, drive the daemon until it
 * closes (or has answered and gone quiet after the client's half-close),
 * and return every byte it sent in *out (the caller releases it).  Aborts
 * when the connection outlives its client or the server never finishes.
 */
void fuzz_conn_exchange(struct server *srv, const char *who, const void *data, size_t size,
			struct buf *out);

/*
 * Walk the replies in out[0..len): each HTTP/1.1 with a three-digit status
 * that is not 500, CRLF header lines, X-Request-Id, an honest
 * Content-Length.  bodies_known: no HEAD was sent.  problems_typed: every
 * 4xx of ours must also be application/problem+json.  Aborts on a breach.
 */
void fuzz_conn_check(const char *who, const char *out, size_t len, bool bodies_known,
		     bool problems_typed);

#endif
