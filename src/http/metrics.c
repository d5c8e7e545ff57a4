/*
 * metrics.c - lock-free request counters and their Prometheus text (see
 * metrics.h).
 *
 * Two levels of open addressing, both filled by compare-and-swap and never
 * emptied: routes[] keyed by the route label's TEXT (two copies of one
 * template string share a slot, so no series is ever written twice), and
 * in each route its (method, status) cells.  The labels are bounded by the
 * route table, so the fixed sizes below are never reached in practice; if
 * they were, the excess is still counted, under "other".
 */
#include "http/metrics.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/fnv.h"
#include "util/prom.h"

#define ROUTE_SLOTS 128      /* power of two; the route table has ~40 templates */
#define CELLS 32             /* (method, status) pairs per route; power of two */
#define METHODS 8            /* the seven of router.h and "other" */

const double metrics_latency_le[METRICS_LATENCY_BUCKETS] = {
	0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5,
};
/* The same bounds in nanoseconds: the request path compares integers. */
static const uint64_t latency_ns[METRICS_LATENCY_BUCKETS] = {
	500000, 1000000, 2500000, 5000000, 10000000, 25000000, 50000000,
	100000000, 250000000, 500000000, 1000000000, 2500000000, 5000000000,
};

struct route_slot {
	_Atomic(const char *) label;             /* NULL: free */
	_Atomic uint32_t cell_key[CELLS];        /* 0: free, else cell_key_of() */
	_Atomic uint64_t cell_count[CELLS];
	_Atomic uint64_t cell_overflow;          /* pairs beyond CELLS */
	_Atomic uint64_t buckets[METRICS_LATENCY_BUCKETS + 1];  /* not cumulative */
	_Atomic uint64_t sum_ns;
};

static struct route_slot routes[ROUTE_SLOTS];
static struct route_slot overflow_route = { .label = "other" };
static atomic_long inflight;
static atomic_long connections_open;
static _Atomic uint64_t connections_total;

static struct route_slot *route_slot_for(const char *label)
{
	/* Where a label starts its probe is invisible outside: the scrape
	 * sorts the slots by label. */
	uint32_t start = (uint32_t)fnv1a64(label, 0);

	for (uint32_t i = 0; i < ROUTE_SLOTS; i++) {
		struct route_slot *s = &routes[(start + i) & (ROUTE_SLOTS - 1)];
		const char *have = atomic_load_explicit(&s->label, memory_order_acquire);

		if (!have) {
			const char *expected = NULL;

			if (atomic_compare_exchange_strong_explicit(&s->label, &expected, label,
								    memory_order_acq_rel,
								    memory_order_acquire))
				return s;
			have = expected;   /* another thread took it first: whose is it? */
		}
		if (have == label || strcmp(have, label) == 0)
			return s;
	}
	return &overflow_route;
}

static unsigned method_index(enum http_method method)
{
	unsigned m = (unsigned)method;

	/* Exactly one bit among the seven methods, else "other". */
	if (m == 0 || (m & (m - 1)) || m >= (1u << (METHODS - 1)))
		return METHODS - 1;
	return (unsigned)__builtin_ctz(m);
}

static uint32_t cell_key_of(unsigned method, int status)
{
	if (status < 0 || status > 999)
		status = 0;
	return ((uint32_t)(method + 1) << 16) | (uint32_t)status;
}

static _Atomic uint64_t *cell_for(struct route_slot *s, uint32_t key)
{
	uint32_t start = (key * 2654435761u) >> 27;   /* top 5 bits: 0..CELLS-1 */

	for (uint32_t i = 0; i < CELLS; i++) {
		uint32_t k = (start + i) & (CELLS - 1);
		uint32_t have = atomic_load_explicit(&s->cell_key[k], memory_order_acquire);

		if (have == 0) {
			uint32_t expected = 0;

			if (atomic_compare_exchange_strong_explicit(&s->cell_key[k], &expected, key,
								    memory_order_acq_rel,
								    memory_order_acquire))
				return &s->cell_count[k];
			have = expected;
		}
		if (have == key)
			return &s->cell_count[k];
	}
	return &s->cell_overflow;
}

void metrics_request_started(void)
{
	atomic_fetch_add_explicit(&inflight, 1, memory_order_relaxed);
}

void metrics_request_done(const char *route, enum http_method method, int status,
			  double duration_ms)
{
	struct route_slot *s = route_slot_for(route ? route : "unmatched");
	uint64_t ns = duration_ms > 0 ? (uint64_t)(duration_ms * 1e6 + 0.5) : 0;
	size_t bucket = prom_bucket_index(latency_ns, METRICS_LATENCY_BUCKETS, ns);

	atomic_fetch_add_explicit(cell_for(s, cell_key_of(method_index(method), status)), 1,
				  memory_order_relaxed);
	atomic_fetch_add_explicit(&s->buckets[bucket], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&s->sum_ns, ns, memory_order_relaxed);
	atomic_fetch_sub_explicit(&inflight, 1, memory_order_relaxed);
}

void metrics_connection_cb(void *cls, struct MHD_Connection *connection,
			   void **socket_context, enum MHD_ConnectionNotificationCode toe)
{
	(void)cls;
	(void)connection;
	(void)socket_context;
	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		atomic_fetch_add_explicit(&connections_open, 1, memory_order_relaxed);
		atomic_fetch_add_explicit(&connections_total, 1, memory_order_relaxed);
	} else if (toe == MHD_CONNECTION_NOTIFY_CLOSED) {
		atomic_fetch_sub_explicit(&connections_open, 1, memory_order_relaxed);
	}
}

/* ---- the scrape -------------------------------------------------------- */

static int by_label(const void *a, const void *b)
{
	const struct route_slot *x = *(const struct route_slot *const *)a;
	const struct route_slot *y = *(const struct route_slot *const *)b;

	return strcmp(atomic_load(&x->label), atomic_load(&y->label));
}

static int by_key(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

static uint64_t slot_requests(const struct route_slot *s)
{
	uint64_t total = 0;

	for (size_t k = 0; k <= METRICS_LATENCY_BUCKETS; k++)
		total += atomic_load_explicit(&s->buckets[k], memory_order_relaxed);
	return total;
}

/* The slots in use, sorted by label so that the output reads like the
 * route table and diffs well. */
static size_t used_slots(struct route_slot **out)
{
	size_t n = 0;

	for (size_t i = 0; i < ROUTE_SLOTS; i++)
		if (atomic_load(&routes[i].label))
			out[n++] = &routes[i];
	if (slot_requests(&overflow_route))
		out[n++] = &overflow_route;
	qsort(out, n, sizeof(*out), by_label);
	return n;
}

/* The samples of one route's series of the family name. */
typedef int (*slot_samples_fn)(struct buf *b, const char *name, const struct route_slot *s);

/* One family: its HELP and TYPE, then each route's samples. */
static int render_family(struct buf *b, const char *name, const char *type, const char *help,
			 struct route_slot *const *slots, size_t n, slot_samples_fn samples)
{
	if (prom_family(b, name, type, help) != 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (samples(b, name, slots[i]) != 0)
			return -1;
	return 0;
}

/* A route's request counts, one sample per method and status. */
static int request_samples(struct buf *b, const char *name, const struct route_slot *s)
{
	uint64_t keys[CELLS];   /* cell key << 8 | cell index, to sort by key */
	size_t nkeys = 0;
	uint64_t other;

	for (size_t k = 0; k < CELLS; k++) {
		uint32_t key = atomic_load(&s->cell_key[k]);

		if (key)
			keys[nkeys++] = (uint64_t)key << 8 | k;
	}
	qsort(keys, nkeys, sizeof(keys[0]), by_key);
	for (size_t k = 0; k < nkeys; k++) {
		uint32_t key = (uint32_t)(keys[k] >> 8);
		uint64_t count = atomic_load_explicit(&s->cell_count[keys[k] & 0xff],
						      memory_order_relaxed);
		char status[8];
		struct prom_label labels[3];

		if (count == 0)   /* claimed, not yet counted: next scrape */
			continue;
		snprintf(status, sizeof(status), "%u", (unsigned)(key & 0xffff));
		labels[0] = (struct prom_label){ "route", atomic_load(&s->label) };
		labels[1] = (struct prom_label){ "method",
			(key >> 16) == METHODS ? "other"
					       : http_method_name((enum http_method)(1u << ((key >> 16) - 1))) };
		labels[2] = (struct prom_label){ "status", status };
		if (prom_sample_u64(b, name, labels, 3, count) != 0)
			return -1;
	}
	other = atomic_load_explicit(&s->cell_overflow, memory_order_relaxed);
	if (other) {
		struct prom_label labels[3] = {
			{ "route", atomic_load(&s->label) }, { "method", "other" }, { "status", "other" },
		};

		if (prom_sample_u64(b, name, labels, 3, other) != 0)
			return -1;
	}
	return 0;
}

/* A route's latency histogram, none before its first answer. */
static int latency_samples(struct buf *b, const char *name, const struct route_slot *s)
{
	uint64_t counts[METRICS_LATENCY_BUCKETS + 1], total = 0;
	struct prom_label label = { "route", atomic_load(&s->label) };

	for (size_t k = 0; k <= METRICS_LATENCY_BUCKETS; k++) {
		counts[k] = atomic_load_explicit(&s->buckets[k], memory_order_relaxed);
		total += counts[k];
	}
	if (total == 0)
		return 0;
	return prom_histogram(b, name, &label, 1, metrics_latency_le, METRICS_LATENCY_BUCKETS,
			      counts,
			      (double)atomic_load_explicit(&s->sum_ns, memory_order_relaxed) / 1e9);
}

int metrics_render(struct buf *out)
{
	struct route_slot *slots[ROUTE_SLOTS + 1];
	size_t n = used_slots(slots);

	if (render_family(out, "equalities_api_http_requests_total", "counter",
			  "HTTP requests answered, by route template, method and status (0: no response was sent).",
			  slots, n, request_samples) != 0 ||
	    render_family(out, "equalities_api_http_request_duration_seconds", "histogram",
			  "Time from the request line to the last byte of the response, by route template.",
			  slots, n, latency_samples) != 0)
		return -1;
	if (prom_gauge(out, "equalities_api_http_requests_in_flight",
		       "Requests received and not yet answered (a scrape counts itself).",
		       (double)atomic_load(&inflight)) != 0 ||
	    prom_gauge(out, "equalities_api_http_connections_open", "Client connections open now.",
		       (double)atomic_load(&connections_open)) != 0)
		return -1;
	const struct prom_scalar total = {
		"equalities_api_http_connections_total", "counter", "Client connections accepted.",
		atomic_load(&connections_total),
	};
	if (prom_scalars(out, &total, 1) != 0)
		return -1;
	return 0;
}
