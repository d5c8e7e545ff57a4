/*
 * log.h - structured logs: one JSON object per line on stderr.
 *
 * Each line has "time" (UTC, ISO 8601 with milliseconds), "level" and "msg";
 * request lines add request_id, method, route, status and duration_ms.
 * Lines are written with one write(2) each so that threads never interleave.
 */
#ifndef EQ_UTIL_LOG_H
#define EQ_UTIL_LOG_H

enum log_level { LOG_DEBUG = 0, LOG_INFO, LOG_WARN, LOG_ERROR };

/* Parse "debug", "info", "warn", "error".  Returns 0 or -1. */
int log_level_parse(const char *text, enum log_level *out);
void log_set_level(enum log_level level);
int log_enabled(enum log_level level);

/* A free-form event; fields is either NULL or a string of extra JSON members
 * already rendered, such as "\"file\":\"0001_init.sql\"" (no leading comma). */
void log_event(enum log_level level, const char *msg, const char *fields);

__attribute__((format(printf, 2, 3)))
void log_msgf(enum log_level level, const char *fmt, ...);

struct log_request {
	const char *request_id;         /* the server's own */
	const char *client_request_id;  /* X-Request-Id as sent; NULL: none (not logged) */
	const char *method;
	const char *route;      /* the route template, never the raw path */
	const char *client;     /* client address */
	int status;
	double duration_ms;
};

void log_request(const struct log_request *r);

/* From now on, text that anything prints through stdio's stderr (libpq's
 * default notice processor, say) is logged as a JSON line of its own,
 * "stderr: <text>" at level warn, instead of landing raw among the JSON
 * lines.  For long-running commands (serve); 0, or -1 when it cannot. */
int log_capture_stdio_stderr(void);

#endif
