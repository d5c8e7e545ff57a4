/*
 * http_client.c - see http_client.h.
 */
#include "util/http_client.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "util/buf.h"

#define HTTP_CLIENT_MAX_ANSWER (64u * 1024 * 1024)

static int connect_loopback(unsigned short port, int timeout_s)
{
	struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons(port) };
	struct timeval tv = { .tv_sec = timeout_s };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) != 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) != 0 ||
	    connect(fd, (struct sockaddr *)&addr, sizeof(addr)) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int send_all(int fd, const char *data, size_t len)
{
	while (len > 0) {
		ssize_t n = send(fd, data, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Everything until the server closes (Connection: close). */
static int read_all(int fd, struct buf *in)
{
	char chunk[16384];

	for (;;) {
		ssize_t n = recv(fd, chunk, sizeof(chunk), 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || in->len + (size_t)n > HTTP_CLIENT_MAX_ANSWER)
			return -1;
		if (n == 0)
			return 0;
		if (buf_append(in, chunk, (size_t)n) != 0)
			return -1;
	}
}

/* The value of header name in head (lines of "Name: value"), or NULL;
 * *len its length. */
static const char *header_value(const char *head, const char *name, size_t *len)
{
	size_t nlen = strlen(name);

	for (const char *line = strstr(head, "\r\n"); line; line = strstr(line, "\r\n")) {
		line += 2;
		if (strncasecmp(line, name, nlen) == 0 && line[nlen] == ':') {
			const char *v = line + nlen + 1, *end = strstr(v, "\r\n");

			while (*v == ' ')
				v++;
			*len = end ? (size_t)(end - v) : strlen(v);
			return v;
		}
	}
	return NULL;
}

/* A chunked body decoded into out; -1 when it is not well formed. */
static int dechunk(const char *p, const char *end, struct buf *out)
{
	for (;;) {
		char *after;
		unsigned long size = strtoul(p, &after, 16);
		const char *data = strstr(after, "\r\n");

		if (after == p || !data || data + 2 + size > end)
			return -1;
		if (size == 0)
			return 0;
		if (buf_append(out, data + 2, size) != 0)
			return -1;
		p = data + 2 + size + 2;
		if (p > end)
			return -1;
	}
}

/* The raw answer into reply.  0, or -1 when it is not HTTP. */
static int parse_answer(struct buf *in, struct http_reply *reply)
{
	const char *text = buf_cstr(in), *end = text + in->len;
	const char *split = strstr(text, "\r\n\r\n"), *v;
	struct buf body = BUF_INIT;
	size_t vlen;

	if (!split || sscanf(text, "HTTP/1.%*d %d", &reply->status) != 1)
		return -1;
	in->data[split - text + 2] = '\0';   /* the head alone, for the header search */
	if ((v = header_value(text, "ETag", &vlen)) && vlen < sizeof(reply->etag))
		snprintf(reply->etag, sizeof(reply->etag), "%.*s", (int)vlen, v);
	v = header_value(text, "Transfer-Encoding", &vlen);
	if (v && vlen == 7 && strncasecmp(v, "chunked", 7) == 0) {
		if (dechunk(split + 4, end, &body) != 0) {
			buf_release(&body);
			return -1;
		}
	} else if (buf_append(&body, split + 4, (size_t)(end - split - 4)) != 0) {
		buf_release(&body);
		return -1;
	}
	reply->body_len = body.len;
	reply->body = body.len ? buf_detach(&body, &reply->body_len) : strdup("");
	return reply->body ? 0 : -1;
}

int http_client_request(unsigned short port, const char *method, const char *path,
			const char *headers, const char *body, int timeout_s,
			struct http_reply *reply, char *err, size_t errlen)
{
	struct buf out = BUF_INIT, in = BUF_INIT;
	int fd, rc = -1;

	memset(reply, 0, sizeof(*reply));
	if (buf_appendf(&out, "%s %s HTTP/1.1\r\nHost: 127.0.0.1:%u\r\nConnection: close\r\n"
			"Accept: application/json\r\n%s", method, path, port, headers ? headers : "") ||
	    (body && buf_appendf(&out, "Content-Type: application/json\r\nContent-Length: %zu\r\n",
				 strlen(body))) ||
	    buf_append_str(&out, "\r\n") || (body && buf_append_str(&out, body))) {
		snprintf(err, errlen, "out of memory");
		goto done;
	}
	fd = connect_loopback(port, timeout_s);
	if (fd < 0) {
		snprintf(err, errlen, "%s %s: cannot connect to 127.0.0.1:%u: %s", method, path, port,
			 strerror(errno));
		goto done;
	}
	if (send_all(fd, out.data, out.len) != 0 || read_all(fd, &in) != 0)
		snprintf(err, errlen, "%s %s: the connection failed: %s", method, path, strerror(errno));
	else if (parse_answer(&in, reply) != 0)
		snprintf(err, errlen, "%s %s: the answer is not HTTP/1.1", method, path);
	else
		rc = 0;
	close(fd);
done:
	buf_release(&out);
	buf_release(&in);
	return rc;
}

void http_reply_release(struct http_reply *reply)
{
	free(reply->body);
	reply->body = NULL;
}
