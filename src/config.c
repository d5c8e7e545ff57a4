/*
 * config.c - EQ_* environment variables into struct config.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <libpq-fe.h>
#include <limits.h>
#include <stddef.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "util/log.h"

static int parse_uint(const char *text, unsigned long min, unsigned long max,
		      unsigned long *out)
{
	char *end;
	unsigned long v;

	if (!text || !*text || text[0] == '-' || text[0] == '+' || text[0] == ' ')
		return -1;
	errno = 0;
	v = strtoul(text, &end, 10);
	if (errno || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int config_parse_listen(const char *text, struct sockaddr_storage *addr, socklen_t *len)
{
	char host[128];
	const char *colon;
	unsigned long port;
	size_t hlen;

	memset(addr, 0, sizeof(*addr));
	if (text[0] == '[') {
		const char *close = strchr(text, ']');

		if (!close || close[1] != ':')
			return -1;
		hlen = (size_t)(close - text - 1);
		if (hlen == 0 || hlen >= sizeof(host))
			return -1;
		memcpy(host, text + 1, hlen);
		host[hlen] = '\0';
		colon = close + 1;
	} else {
		colon = strrchr(text, ':');
		if (!colon)
			return -1;
		hlen = (size_t)(colon - text);
		if (hlen >= sizeof(host))
			return -1;
		memcpy(host, text, hlen);
		host[hlen] = '\0';
	}
	if (parse_uint(colon + 1, 1, 65535, &port) != 0)
		return -1;
	if (hlen == 0 || strcmp(host, "localhost") == 0)
		strcpy(host, hlen == 0 ? "0.0.0.0" : "127.0.0.1");

	struct sockaddr_in *v4 = (struct sockaddr_in *)addr;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)addr;

	if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET;
		v4->sin_port = htons((unsigned short)port);
		*len = sizeof(*v4);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons((unsigned short)port);
		*len = sizeof(*v6);
		return 0;
	}
	return -1;
}

static char **split_origins(const char *text)
{
	char **list;
	size_t n = 1, i = 0;
	const char *p;

	for (p = text; *p; p++)
		if (*p == ',')
			n++;
	list = calloc(n + 1, sizeof(*list));
	if (!list)
		return NULL;
	p = text;
	while (*p) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);

		while (len && (*p == ' ')) {
			p++;
			len--;
		}
		while (len && p[len - 1] == ' ')
			len--;
		if (len) {
			list[i] = strndup(p, len);
			if (!list[i])
				goto fail;
			i++;
		}
		if (!end)
			break;
		p = end + 1;
	}
	return list;
fail:
	for (i = 0; list[i]; i++)
		free(list[i]);
	free(list);
	return NULL;
}

static const char *env_or(const char *name, const char *fallback)
{
	const char *v = getenv(name);

	return v && *v ? v : fallback;
}

/* The numeric settings: variable, default, range, how to describe it,
 * where it goes.  A default of 0 where 0 is out of range is computed in
 * config_load (threads: the cores). */
struct number_setting {
	const char *env;
	unsigned long def, min, max;
	const char *unit;   /* " of seconds", "" */
	const char *hint;   /* " (0: no limit)", "" */
	size_t offset, size;
};

#define FIELD(f) offsetof(struct config, f), sizeof(((struct config *)0)->f)

static const struct number_setting numbers[] = {
	{ "EQ_THREADS", 0, 1, 256, "", "", FIELD(threads) },
	/* Connections, and as many database executor threads: independent of
	 * EQ_THREADS.  Measured on 2 cores (wrk -c32, demographics with the
	 * response cache off): 2: 340-430 req/s, 4: 350-530, 8: 460-580,
	 * 16: 290-310 (PostgreSQL's own processes then fight for the cores). */
	{ "EQ_DB_POOL_SIZE", 8, 1, 512, "", "", FIELD(db_pool_size) },
	{ "EQ_MAX_BODY_BYTES", 1024 * 1024, 64, 1024UL * 1024 * 1024, " of bytes", "",
	  FIELD(max_body_bytes) },
	/* The four connection limits are measured and explained beside the
	 * libmicrohttpd options in http/lifecycle.c. */
	{ "EQ_MAX_CONNECTIONS", 1000, 1, 100000, "", "", FIELD(max_connections) },
	{ "EQ_MAX_CONNECTIONS_PER_IP", 64, 0, 100000, "", " (0: no limit)",
	  FIELD(max_connections_per_ip) },
	{ "EQ_CONNECTION_TIMEOUT", 10, 1, 3600, " of seconds", "", FIELD(connection_timeout_s) },
	{ "EQ_CONNECTION_MEMORY_BYTES", 32 * 1024, 8192, 1024UL * 1024, " of bytes", "",
	  FIELD(connection_memory_bytes) },
	{ "EQ_STATEMENT_TIMEOUT_MS", 5000, 10, 600000, " of milliseconds", "",
	  FIELD(statement_timeout_ms) },
	/* Shorter than a statement: a write queued behind a lock for 2 s is
	 * better told 503 (and retried with its Idempotency-Key) than kept. */
	{ "EQ_LOCK_TIMEOUT_MS", 2000, 0, 600000, " of milliseconds", " (0: none)",
	  FIELD(lock_timeout_ms) },
	/* The service is never idle inside a transaction for more than the
	 * moment between two statements of one request: a session that is has
	 * a stuck thread, and its locks must go. */
	{ "EQ_IDLE_IN_TRANSACTION_TIMEOUT_MS", 10000, 0, 3600000, " of milliseconds", " (0: none)",
	  FIELD(idle_in_transaction_timeout_ms) },
	/* libpq counts whole seconds and takes 1 as 2. */
	{ "EQ_DB_CONNECT_TIMEOUT", 3, 2, 60, " of seconds", "", FIELD(db_connect_timeout_s) },
	{ "EQ_DB_ACQUIRE_TIMEOUT_MS", 1000, 1, 60000, " of milliseconds", "",
	  FIELD(db_acquire_timeout_ms) },
	/* The database executor (http/executor.h): requests that need
	 * PostgreSQL wait here, their connections suspended, for one of
	 * EQ_DB_POOL_SIZE threads.  Past either bound: 503 with Retry-After. */
	{ "EQ_DB_QUEUE", 256, 1, 100000, "", "", FIELD(db_queue) },
	{ "EQ_DB_QUEUE_TIMEOUT_MS", 1000, 1, 60000, " of milliseconds", "",
	  FIELD(db_queue_timeout_ms) },
	/* Rate limits: a rate or its burst of 0 switches that limit off. */
	{ "EQ_RATE_LIMIT_PER_IP", 100, 0, 1000000, " of requests a second", " (0: no limit)",
	  FIELD(rate_per_ip) },
	{ "EQ_RATE_LIMIT_PER_IP_BURST", 200, 0, 1000000, " of requests", " (0: no limit)",
	  FIELD(rate_per_ip_burst) },
	{ "EQ_RATE_LIMIT_PER_KEY", 50, 0, 1000000, " of requests a second", " (0: no limit)",
	  FIELD(rate_per_key) },
	{ "EQ_RATE_LIMIT_PER_KEY_BURST", 100, 0, 1000000, " of requests", " (0: no limit)",
	  FIELD(rate_per_key_burst) },
	{ "EQ_AUTH_FAILURES_PER_HOUR", 20, 0, 1000000, " of failures an hour", " (0: no limit)",
	  FIELD(auth_failures_per_hour) },
	{ "EQ_AUTH_FAILURE_BURST", 10, 0, 1000000, " of failures", " (0: no limit)",
	  FIELD(auth_failure_burst) },
	/* Not 1: that would publish every small count; refuse it rather than
	 * switch disclosure control off through a typo. */
	{ "EQ_SUPPRESS_BELOW", 5, 2, 1000, "", "", FIELD(suppress_below) },
	{ "EQ_CACHE_MAX_AGE", 0, 0, 86400, " of seconds", "", FIELD(cache_max_age_s) },
	/* Retention (db/housekeeping.h).  Stored idempotent answers are
	 * promised for 24 hours, so they are never swept sooner. */
	{ "EQ_REPORT_RETENTION_DAYS", 0, 0, 36500, " of days", " (0: keep)",
	  FIELD(report_retention_days) },
	{ "EQ_IDEMPOTENCY_KEEP_HOURS", 48, 24, 8760, " of hours", "", FIELD(idempotency_keep_hours) },
	{ "EQ_SWEEP_INTERVAL", 3600, 1, 86400, " of seconds", "", FIELD(sweep_interval_s) },
};

static void number_store(struct config *cfg, const struct number_setting *n, unsigned long v)
{
	if (n->size == sizeof(size_t))
		*(size_t *)(void *)((char *)cfg + n->offset) = v;
	else
		*(unsigned *)(void *)((char *)cfg + n->offset) = (unsigned)v;
}

#define FAIL(...) do { snprintf(err, errlen, __VA_ARGS__); goto fail; } while (0)

/* Proxies and the metrics listener.  0, or -1 with err set. */
static int load_network(struct config *cfg, char *err, size_t errlen)
{
	const char *s = env_or("EQ_TRUSTED_PROXIES", "");
	char why[160];

	if (cidr_list_parse(s, &cfg->trusted_proxies, why, sizeof(why)) != 0) {
		snprintf(err, errlen, "EQ_TRUSTED_PROXIES must list the proxies' addresses or networks, comma-separated: %s",
			 why);
		return -1;
	}
	s = env_or("EQ_FORWARDED_HEADER", "x-forwarded-for");
	if (strcasecmp(s, "forwarded") != 0 && strcasecmp(s, "x-forwarded-for") != 0) {
		snprintf(err, errlen, "EQ_FORWARDED_HEADER must be forwarded or x-forwarded-for, got '%s'", s);
		return -1;
	}
	cfg->forwarded_rfc7239 = strcasecmp(s, "forwarded") == 0;
	s = env_or("EQ_METRICS_LISTEN", "127.0.0.1:9464");
	if (strcmp(s, "off") == 0)
		return 0;
	cfg->metrics_listen = strdup(s);
	if (!cfg->metrics_listen) {
		snprintf(err, errlen, "out of memory reading the configuration");
		return -1;
	}
	if (config_parse_listen(s, &cfg->metrics_addr, &cfg->metrics_addr_len) != 0 ||
	    strcmp(s, cfg->listen) == 0) {
		snprintf(err, errlen, "EQ_METRICS_LISTEN must be HOST:PORT (numeric IPv4 or [IPv6], not EQ_LISTEN's) or off, got '%s'",
			 s);
		return -1;
	}
	return 0;
}

int config_load(struct config *cfg, char *err, size_t errlen)
{
	unsigned long v;
	const char *s;
	long cores;
	enum log_level level;

	memset(cfg, 0, sizeof(*cfg));
	cfg->database_url = strdup(env_or("EQ_DATABASE_URL", ""));
	cfg->listen = strdup(env_or("EQ_LISTEN", "127.0.0.1:8080"));
	cfg->root = strdup(env_or("EQ_ROOT", "."));
	if (!cfg->database_url || !cfg->listen || !cfg->root)
		FAIL("out of memory reading the configuration");

	if (*cfg->database_url) {
		char *perr = NULL;
		PQconninfoOption *opts = PQconninfoParse(cfg->database_url, &perr);

		if (!opts) {
			/* libpq's message names the bad part but not the variable. */
			FAIL("EQ_DATABASE_URL is not a valid libpq connection string or URI: %s",
			     perr ? strtok(perr, "\n") : "unparseable");
		}
		PQconninfoFree(opts);
		PQfreemem(perr);
	}

	if (config_parse_listen(cfg->listen, &cfg->listen_addr, &cfg->listen_addr_len) != 0)
		FAIL("EQ_LISTEN must be HOST:PORT with a numeric IPv4 or [IPv6] host and a port 1-65535, got '%s'",
		     cfg->listen);
	if (load_network(cfg, err, errlen) != 0)
		goto fail;

	for (size_t i = 0; i < sizeof(numbers) / sizeof(numbers[0]); i++) {
		const struct number_setting *n = &numbers[i];

		number_store(cfg, n, n->def);
		if (!(s = getenv(n->env)) || !*s)
			continue;
		if (parse_uint(s, n->min, n->max, &v))
			FAIL("%s must be a whole number%s from %lu to %lu%s, got '%s'", n->env,
			     n->unit, n->min, n->max, n->hint, s);
		number_store(cfg, n, v);
	}
	cores = sysconf(_SC_NPROCESSORS_ONLN);
	if (!cfg->threads)
		cfg->threads = cores > 0 ? (unsigned)cores : 2;
	cfg->response_cache = true;
	if ((s = getenv("EQ_RESPONSE_CACHE")) && *s) {
		if (strcmp(s, "on") != 0 && strcmp(s, "off") != 0)
			FAIL("EQ_RESPONSE_CACHE must be on or off, got '%s'", s);
		cfg->response_cache = strcmp(s, "on") == 0;
	}
	level = LOG_INFO;
	if ((s = getenv("EQ_LOG_LEVEL")) && *s && log_level_parse(s, &level) != 0)
		FAIL("EQ_LOG_LEVEL must be one of debug, info, warn, error, got '%s'", s);
	cfg->log_level = (int)level;

	cfg->cors_origins = split_origins(env_or("EQ_CORS_ORIGINS", ""));
	if (!cfg->cors_origins)
		FAIL("out of memory reading EQ_CORS_ORIGINS");
	for (size_t i = 0; cfg->cors_origins[i]; i++) {
		const char *o = cfg->cors_origins[i];

		if (strcmp(o, "*") != 0 && strncmp(o, "http://", 7) != 0 &&
		    strncmp(o, "https://", 8) != 0)
			FAIL("EQ_CORS_ORIGINS must be a comma-separated list of origins such as https://www.example.gov.uk (or *), got '%s'",
			     o);
	}
	return 0;
fail:
	config_release(cfg);
	return -1;
}

void config_release(struct config *cfg)
{
	free(cfg->database_url);
	free(cfg->listen);
	free(cfg->root);
	free(cfg->metrics_listen);
	cidr_list_release(&cfg->trusted_proxies);
	if (cfg->cors_origins) {
		for (size_t i = 0; cfg->cors_origins[i]; i++)
			free(cfg->cors_origins[i]);
		free(cfg->cors_origins);
	}
	memset(cfg, 0, sizeof(*cfg));
}

bool config_cors_allows(const struct config *cfg, const char *origin)
{
	if (!origin || !cfg->cors_origins)
		return false;
	for (size_t i = 0; cfg->cors_origins[i]; i++)
		if (strcmp(cfg->cors_origins[i], "*") == 0 ||
		    strcmp(cfg->cors_origins[i], origin) == 0)
			return true;
	return false;
}
