/*
 * log.c - JSON log lines on stderr (see log.h).
 */
#include "util/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "util/buf.h"

static volatile enum log_level min_level = LOG_INFO;

static const char *const level_names[] = { "debug", "info", "warn", "error" };

int log_level_parse(const char *text, enum log_level *out)
{
	size_t i;

	for (i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++) {
		if (strcmp(text, level_names[i]) == 0) {
			*out = (enum log_level)i;
			return 0;
		}
	}
	if (strcmp(text, "warning") == 0) {
		*out = LOG_WARN;
		return 0;
	}
	return -1;
}

void log_set_level(enum log_level level)
{
	min_level = level;
}

int log_enabled(enum log_level level)
{
	return level >= min_level;
}

static int append_prefix(struct buf *b, enum log_level level, const char *msg)
{
	struct timespec ts;
	struct tm tm;
	char when[32];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
	if (buf_appendf(b, "{\"time\":\"%s.%03ldZ\",\"level\":\"%s\",\"msg\":\"",
			when, ts.tv_nsec / 1000000L, level_names[level]) ||
	    buf_append_json_escaped(b, msg, strlen(msg)) ||
	    buf_append_char(b, '"'))
		return -1;
	return 0;
}

static void emit(struct buf *b)
{
	const char *p;
	size_t left;

	if (buf_append_str(b, "}\n"))
		return;
	p = b->data;
	left = b->len;
	while (left > 0) {
		ssize_t n = write(STDERR_FILENO, p, left);

		if (n <= 0)
			return;
		p += n;
		left -= (size_t)n;
	}
}

void log_event(enum log_level level, const char *msg, const char *fields)
{
	struct buf b = BUF_INIT;

	if (!log_enabled(level))
		return;
	if (append_prefix(&b, level, msg) == 0 &&
	    (!fields || (buf_append_char(&b, ',') == 0 && buf_append_str(&b, fields) == 0)))
		emit(&b);
	buf_release(&b);
}

void log_msgf(enum log_level level, const char *fmt, ...)
{
	struct buf msg = BUF_INIT;
	va_list ap;

	if (!log_enabled(level))
		return;
	va_start(ap, fmt);
	if (buf_vappendf(&msg, fmt, ap) == 0)
		log_event(level, buf_cstr(&msg), NULL);
	va_end(ap);
	buf_release(&msg);
}

static int append_field(struct buf *b, const char *name, const char *value)
{
	if (!value)
		return buf_appendf(b, ",\"%s\":null", name);
	if (buf_appendf(b, ",\"%s\":\"", name) ||
	    buf_append_json_escaped(b, value, strlen(value)) ||
	    buf_append_char(b, '"'))
		return -1;
	return 0;
}

void log_request(const struct log_request *r)
{
	enum log_level level = r->status >= 500 ? LOG_WARN : LOG_INFO;
	struct buf b = BUF_INIT;

	if (!log_enabled(level))
		return;
	if (append_prefix(&b, level, "request") == 0 &&
	    append_field(&b, "request_id", r->request_id) == 0 &&
	    (!r->client_request_id ||
	     append_field(&b, "client_request_id", r->client_request_id) == 0) &&
	    append_field(&b, "method", r->method) == 0 &&
	    append_field(&b, "route", r->route) == 0 &&
	    append_field(&b, "client", r->client) == 0 &&
	    buf_appendf(&b, ",\"status\":%d,\"duration_ms\":%.3f", r->status,
			r->duration_ms) == 0)
		emit(&b);
	buf_release(&b);
}

/* The write side of the stdio stream that replaces stderr: line-buffered,
 * so each call is normally one line; trailing newlines are dropped. */
static ssize_t stderr_write(void *cookie, const char *data, size_t len)
{
	size_t n = len;

	(void)cookie;
	while (n > 0 && (data[n - 1] == '\n' || data[n - 1] == '\r'))
		n--;
	if (n > 0)
		log_msgf(LOG_WARN, "stderr: %.*s", (int)n, data);
	return (ssize_t)len;
}

int log_capture_stdio_stderr(void)
{
	static const cookie_io_functions_t io = { .write = stderr_write };
	FILE *f = fopencookie(NULL, "w", io);

	if (!f)
		return -1;
	if (setvbuf(f, NULL, _IOLBF, 4096) != 0) {
		fclose(f);
		return -1;
	}
	/* glibc's stderr is an ordinary variable, meant to be reassignable;
	 * our own lines go to file descriptor 2 directly (emit). */
	stderr = f;
	return 0;
}
