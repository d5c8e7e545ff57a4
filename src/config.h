/*
 * config.h - the service's configuration, read from EQ_* environment
 * variables (command-line flags are turned into the same variables by
 * main.c, so there is one parser and one set of messages).
 */
#ifndef EQ_CONFIG_H
#define EQ_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#include "domain/forwarded.h"

struct config {
	char *database_url;          /* EQ_DATABASE_URL; "" means libpq defaults */
	char *listen;                /* EQ_LISTEN as given, "127.0.0.1:8080" */
	struct sockaddr_storage listen_addr;
	socklen_t listen_addr_len;
	unsigned threads;            /* EQ_THREADS, default: online cores */
	unsigned db_pool_size;       /* EQ_DB_POOL_SIZE, default: threads */
	char **cors_origins;         /* EQ_CORS_ORIGINS, NULL-terminated; "*" allowed */
	size_t max_body_bytes;       /* EQ_MAX_BODY_BYTES, default 1 MiB */
	unsigned max_connections;    /* EQ_MAX_CONNECTIONS, default 1000 */
	unsigned max_connections_per_ip; /* EQ_MAX_CONNECTIONS_PER_IP, default 64 (0: no limit) */
	unsigned connection_timeout_s;   /* EQ_CONNECTION_TIMEOUT, idle/slow clients, default 10 */
	size_t connection_memory_bytes;  /* EQ_CONNECTION_MEMORY_BYTES, request line and headers, default 32 KiB */
	unsigned statement_timeout_ms;   /* EQ_STATEMENT_TIMEOUT_MS, default 5000 */
	unsigned lock_timeout_ms;        /* EQ_LOCK_TIMEOUT_MS, default 2000 (0: none) */
	unsigned idle_in_transaction_timeout_ms; /* EQ_IDLE_IN_TRANSACTION_TIMEOUT_MS, default 10000 (0: none) */
	unsigned db_connect_timeout_s;   /* EQ_DB_CONNECT_TIMEOUT, default 3 */
	unsigned db_acquire_timeout_ms;  /* EQ_DB_ACQUIRE_TIMEOUT_MS, wait for a pooled connection, default 1000 */
	unsigned db_queue;               /* EQ_DB_QUEUE, requests waiting for the database executor, default 256 */
	unsigned db_queue_timeout_ms;    /* EQ_DB_QUEUE_TIMEOUT_MS, longest such wait, default 1000 */
	/* Rate limits (token buckets, see http/ratelimit.h); 0: that limit is off. */
	unsigned rate_per_ip;            /* EQ_RATE_LIMIT_PER_IP, requests/s per client address, default 100 */
	unsigned rate_per_ip_burst;      /* EQ_RATE_LIMIT_PER_IP_BURST, default 200 */
	unsigned rate_per_key;           /* EQ_RATE_LIMIT_PER_KEY, requests/s per API key, default 50 */
	unsigned rate_per_key_burst;     /* EQ_RATE_LIMIT_PER_KEY_BURST, default 100 */
	unsigned auth_failures_per_hour; /* EQ_AUTH_FAILURES_PER_HOUR, per client address, default 20 */
	unsigned auth_failure_burst;     /* EQ_AUTH_FAILURE_BURST, default 10 */
	unsigned suppress_below;     /* EQ_SUPPRESS_BELOW, default 5 */
	unsigned cache_max_age_s;    /* EQ_CACHE_MAX_AGE, public Cache-Control max-age; 0 (default): no-cache */
	bool response_cache;         /* EQ_RESPONSE_CACHE, on unless "off" */
	/* Retention (db/housekeeping.h): */
	unsigned report_retention_days;  /* EQ_REPORT_RETENTION_DAYS, personal fields of reports purged after; 0: kept */
	unsigned idempotency_keep_hours; /* EQ_IDEMPOTENCY_KEEP_HOURS, stored answers swept after, default 48 (min 24) */
	unsigned sweep_interval_s;       /* EQ_SWEEP_INTERVAL, seconds between sweeps, default 3600 */
	char *root;                  /* EQ_ROOT: folder holding api/, migrations/, data/ */
	/* Behind reverse proxies (domain/forwarded.h): from these peers only
	 * is the client address taken from the forwarding header. */
	struct cidr_list trusted_proxies; /* EQ_TRUSTED_PROXIES, CIDRs; empty: none */
	bool forwarded_rfc7239;      /* EQ_FORWARDED_HEADER: forwarded, or x-forwarded-for (default) */
	/* GET /metrics is served here only, never on EQ_LISTEN. */
	char *metrics_listen;        /* EQ_METRICS_LISTEN, default 127.0.0.1:9464; NULL: "off" */
	struct sockaddr_storage metrics_addr;
	socklen_t metrics_addr_len;
	int log_level;               /* EQ_LOG_LEVEL, enum log_level */
};

/*
 * Fill cfg from the environment.  On a bad value, writes one line naming the
 * variable and what is wrong into err and returns -1 (main then exits 2).
 * cfg owns its strings; config_release frees them.
 */
__attribute__((warn_unused_result))
int config_load(struct config *cfg, char *err, size_t errlen);
void config_release(struct config *cfg);

/* Is origin one of the configured CORS origins? */
bool config_cors_allows(const struct config *cfg, const char *origin);

/* Parse "host:port" / "[v6]:port" into a socket address (numeric hosts only;
 * "localhost" is accepted as 127.0.0.1).  Pure; used by config_load and tests. */
int config_parse_listen(const char *text, struct sockaddr_storage *addr, socklen_t *len);

#endif
