/*
 * metrics_route.c - GET /metrics: the service's metrics in the Prometheus
 * text format.
 *
 * The HTTP counters come from http/metrics.c; the database pool, the
 * response cache and the change listener each keep their own counters and
 * hand a snapshot over here; the process metrics are read from the kernel
 * at scrape time.  Served on its own listener (EQ_METRICS_LISTEN, loopback
 * by default), never on the public one: the numbers say when reports are
 * submitted and how many keys fail (see README.md).
 */
#include <dirent.h>
#include <jansson.h>
#include <microhttpd.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "api/api.h"
#include "db/db.h"
#include "db/listener.h"
#include "http/executor.h"
#include "eq_version.h"
#include "http/cache.h"
#include "http/metrics.h"
#include "http/request.h"
#include "http/response.h"
#include "util/buf.h"
#include "util/prom.h"

static double started_at;   /* Unix time, seconds */

static int metrics_route_init(const struct config *cfg, char *err, size_t errlen)
{
	struct timespec now;

	(void)cfg;
	(void)err;
	(void)errlen;
	clock_gettime(CLOCK_REALTIME, &now);
	started_at = (double)now.tv_sec + (double)(now.tv_nsec / 1000000) / 1e3;
	return 0;
}

static int render_db_errors(struct buf *b, const struct db_pool_stats *s)
{
	static const char name[] = "equalities_api_db_errors_total";
	const struct {
		const char *kind;
		uint64_t value;
	} kinds[] = {
		{ "unavailable", s->errors_unavailable }, { "timeout", s->errors_timeout },
		{ "constraint", s->errors_constraint }, { "other", s->errors_other },
	};

	if (prom_family(b, name, "counter",
			"Failed statements: unavailable (connection lost), timeout (statement or lock timeout), constraint (integrity violation, answered by the caller), other.") != 0)
		return -1;
	for (size_t i = 0; i < API_COUNT(kinds); i++) {
		struct prom_label label = { "kind", kinds[i].kind };

		if (prom_sample_u64(b, name, &label, 1, kinds[i].value) != 0)
			return -1;
	}
	return 0;
}

static int render_db(struct buf *b)
{
	struct db_pool_stats s;

	db_pool_stats(&s);
	const struct prom_scalar list[] = {
		{ "equalities_api_db_pool_size", "gauge",
		  "Connections the pool may hold (EQ_DB_POOL_SIZE).", s.size },
		{ "equalities_api_db_connections_in_use", "gauge",
		  "Pool connections handed out to requests now.", s.in_use },
		{ "equalities_api_db_connections_waiting", "gauge",
		  "Requests waiting for a free pool connection now.", s.waiting },
		{ "equalities_api_db_acquire_timeouts_total", "counter",
		  "Waits for a pool connection that gave up (the request got 503).", s.acquire_timeouts },
		{ "equalities_api_db_connections_opened_total", "counter",
		  "Pool connections opened, the first ones included.", s.connects },
		{ "equalities_api_db_reconnects_total", "counter",
		  "Pool connections opened again after the one before was lost.", s.reconnects },
		{ "equalities_api_db_connect_failures_total", "counter",
		  "Attempts to open a pool connection that failed.", s.connect_failures },
	};

	if (prom_scalars(b, list, API_COUNT(list)) != 0)
		return -1;
	return render_db_errors(b, &s);
}

/* The database executor (http/executor.h). */
static int render_executor(struct buf *b)
{
	struct executor_stats s;

	executor_stats(&s);
	const struct prom_scalar list[] = {
		{ "equalities_api_db_executor_threads", "gauge",
		  "Threads that run requests needing the database (EQ_DB_POOL_SIZE).", s.threads },
		{ "equalities_api_db_queue_capacity", "gauge",
		  "Requests that may wait for an executor thread (EQ_DB_QUEUE).", s.queue_capacity },
		{ "equalities_api_db_queue_waiting", "gauge",
		  "Requests waiting for an executor thread now.", s.queued },
		{ "equalities_api_db_executor_running", "gauge",
		  "Requests on an executor thread now.", s.running },
		{ "equalities_api_db_executor_completed_total", "counter",
		  "Requests run on an executor thread.", s.completed },
		{ "equalities_api_db_queue_rejected_total", "counter",
		  "Requests refused with 503 because the queue was full.", s.rejected },
		{ "equalities_api_db_queue_expired_total", "counter",
		  "Requests answered 503 after waiting longer than EQ_DB_QUEUE_TIMEOUT_MS.", s.expired },
	};

	return prom_scalars(b, list, API_COUNT(list));
}

static int render_cache(struct buf *b)
{
	struct cache_stats s;

	cache_stats(&s);
	const struct prom_scalar list[] = {
		{ "equalities_api_response_cache_hits_total", "counter",
		  "Public GETs answered with a stored body, without running the handler.", s.hits },
		{ "equalities_api_response_cache_not_modified_total", "counter",
		  "Public GETs answered 304 from a stored ETag, without running the handler.",
		  s.not_modified },
		{ "equalities_api_response_cache_misses_total", "counter",
		  "Public GETs the cache could not answer (the handler ran).", s.misses },
		{ "equalities_api_response_cache_stores_total", "counter",
		  "Responses stored in the cache.", s.stores },
		{ "equalities_api_response_cache_enabled", "gauge",
		  "1 while the cache is on (it is off while the change listener is disconnected).",
		  s.enabled },
	};

	return prom_scalars(b, list, API_COUNT(list));
}

static int render_listener(struct buf *b)
{
	struct listener_stats s;

	listener_stats(&s);
	const struct prom_scalar list[] = {
		{ "equalities_api_change_listener_connected", "gauge",
		  "1 while the LISTEN connection for data changes is up.", s.connected },
		{ "equalities_api_change_listener_reconnects_total", "counter",
		  "LISTEN connections made again after the first.", s.connects ? s.connects - 1 : 0 },
		{ "equalities_api_change_listener_notifications_total", "counter",
		  "Data-change notifications received.", s.notifications },
	};

	return prom_scalars(b, list, API_COUNT(list));
}

/* The standard process metrics, where the kernel tells them. */
static int render_process(struct buf *b)
{
	struct rusage ru;
	struct rlimit rl;
	FILE *statm;
	DIR *fds;

	if (prom_gauge(b, "process_start_time_seconds",
		  "Start time of the process since the Unix epoch, in seconds.", started_at) != 0)
		return -1;
	if (getrusage(RUSAGE_SELF, &ru) == 0 &&
	    prom_family(b, "process_cpu_seconds_total", "counter",
			"User and system CPU time spent, in seconds.") == 0 &&
	    prom_sample(b, "process_cpu_seconds_total", NULL, 0,
			(double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
			(double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6) != 0)
		return -1;
	statm = fopen("/proc/self/statm", "r");
	if (statm) {
		unsigned long size, resident;
		int got = fscanf(statm, "%lu %lu", &size, &resident);

		fclose(statm);
		if (got == 2 &&
		    prom_gauge(b, "process_resident_memory_bytes", "Resident memory size, in bytes.",
			  (double)resident * (double)sysconf(_SC_PAGESIZE)) != 0)
			return -1;
	}
	fds = opendir("/proc/self/fd");
	if (fds) {
		unsigned long n = 0;
		struct dirent *d;

		while ((d = readdir(fds)) != NULL)
			n += d->d_name[0] != '.';
		closedir(fds);
		/* Less the one opendir itself held. */
		if (prom_gauge(b, "process_open_fds", "Open file descriptors.", (double)(n ? n - 1 : 0)) != 0)
			return -1;
	}
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
	    prom_gauge(b, "process_max_fds", "Limit on open file descriptors.", (double)rl.rlim_cur) != 0)
		return -1;
	return 0;
}

static int render_build(struct buf *b)
{
	static const char name[] = "equalities_api_build_info";
	char libpq[24];
	int v = PQlibVersion();
	struct prom_label labels[] = {
		{ "version", EQ_VERSION },
		{ "libmicrohttpd", MHD_get_version() },
		{ "libpq", libpq },
		{ "jansson", jansson_version_str() },
	};

	/* 150005 is 15.5 (the numbering since PostgreSQL 10). */
	snprintf(libpq, sizeof(libpq), "%d.%d", v / 10000, v % 10000);
	if (prom_family(b, name, "gauge",
			"Always 1; the labels name this build and the libraries it runs with.") != 0 ||
	    prom_sample(b, name, labels, API_COUNT(labels), 1) != 0)
		return -1;
	return 0;
}

static void metrics_get(struct request *req, struct response *res)
{
	struct buf text = BUF_INIT;

	(void)req;
	if (metrics_render(&text) != 0 || render_db(&text) != 0 ||
	    render_executor(&text) != 0 || render_cache(&text) != 0 ||
	    render_listener(&text) != 0 || render_process(&text) != 0 || render_build(&text) != 0)
		problem_send_internal(res);
	else
		response_bytes(res, 200, PROM_CONTENT_TYPE, buf_cstr(&text), text.len);
	buf_release(&text);
}

static const struct route routes[] = {
	/* Not ROUTE_PUBLIC: never cached, and the server then sends
	 * Cache-Control: no-store.  ROUTE_INTERNAL: on EQ_METRICS_LISTEN only; ROUTE_INLINE: on the HTTP thread. */
	{ .method = HTTP_GET, .template = "/metrics", .handler = metrics_get, .flags = ROUTE_INTERNAL | ROUTE_INLINE },
};

const struct api_module metrics_module = {
	.name = "metrics", API_ROUTES(routes), .init = metrics_route_init,
};
