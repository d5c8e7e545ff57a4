/*
 * The HTTP request metrics: which series a request moves, histogram
 * buckets at their bounds, one series per label text, overflow, the
 * connection and in-flight gauges, and exact counts under threads.
 *
 * The counters are process-wide, so each test uses route labels of its own
 * and reads the exposition text back.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/metrics.h"

static char *render(void)
{
	struct buf out = BUF_INIT;

	assert_int_equal(metrics_render(&out), 0);
	return buf_detach(&out, NULL);
}

/* The value of the sample line that starts with `series` followed by a
 * space ("name{labels}"), or -1 when there is none. */
static double sample(const char *text, const char *series)
{
	size_t len = strlen(series);

	for (const char *line = text; line && *line; line = strchr(line, '\n'), line = line ? line + 1 : NULL)
		if (strncmp(line, series, len) == 0 && line[len] == ' ')
			return strtod(line + len + 1, NULL);
	return -1;
}

static double value_now(const char *series)
{
	char *text = render();
	double v = sample(text, series);

	free(text);
	return v;
}

#define REQS "equalities_api_http_requests_total"
#define DUR "equalities_api_http_request_duration_seconds"

static void test_a_request_moves_its_series(void **state)
{
	char *text;

	(void)state;
	assert_true(value_now(REQS "{route=\"/t1/{id}\",method=\"GET\",status=\"200\"}") < 0);
	metrics_request_started();
	metrics_request_done("/t1/{id}", HTTP_GET, 200, 0.3);
	metrics_request_started();
	metrics_request_done("/t1/{id}", HTTP_GET, 200, 7.0);
	metrics_request_started();
	metrics_request_done("/t1/{id}", HTTP_POST, 405, 0.2);

	text = render();
	assert_true(sample(text, REQS "{route=\"/t1/{id}\",method=\"GET\",status=\"200\"}") == 2);
	assert_true(sample(text, REQS "{route=\"/t1/{id}\",method=\"POST\",status=\"405\"}") == 1);
	assert_true(sample(text, REQS "{route=\"/t1/{id}\",method=\"GET\",status=\"405\"}") < 0);
	/* One histogram per route, whatever the method and status. */
	assert_true(sample(text, DUR "_bucket{route=\"/t1/{id}\",le=\"0.0005\"}") == 2);
	assert_true(sample(text, DUR "_bucket{route=\"/t1/{id}\",le=\"0.005\"}") == 2);
	assert_true(sample(text, DUR "_bucket{route=\"/t1/{id}\",le=\"0.01\"}") == 3);
	assert_true(sample(text, DUR "_bucket{route=\"/t1/{id}\",le=\"+Inf\"}") == 3);
	assert_true(sample(text, DUR "_count{route=\"/t1/{id}\"}") == 3);
	assert_float_equal(sample(text, DUR "_sum{route=\"/t1/{id}\"}"), 0.0075, 1e-12);
	free(text);
}

static void test_buckets_at_their_bounds(void **state)
{
	static char labels[METRICS_LATENCY_BUCKETS][16];

	(void)state;
	/* A duration equal to a bound is in that bucket (le is inclusive);
	 * a microsecond more is in the next: the integer bounds the request
	 * path compares agree with the le labels written. */
	for (size_t i = 0; i < METRICS_LATENCY_BUCKETS; i++) {
		char series[128];
		char *text;
		double ms = metrics_latency_le[i] * 1000;

		snprintf(labels[i], sizeof(labels[i]), "/b%zu", i);
		metrics_request_done(labels[i], HTTP_GET, 200, ms);
		metrics_request_done(labels[i], HTTP_GET, 200, ms + 0.001);
		text = render();
		snprintf(series, sizeof(series), DUR "_bucket{route=\"%s\",le=\"%g\"}", labels[i],
			 metrics_latency_le[i]);
		assert_true(sample(text, series) == 1);
		if (i > 0) {
			snprintf(series, sizeof(series), DUR "_bucket{route=\"%s\",le=\"%g\"}",
				 labels[i], metrics_latency_le[i - 1]);
			assert_true(sample(text, series) == 0);
		}
		snprintf(series, sizeof(series), DUR "_bucket{route=\"%s\",le=\"+Inf\"}", labels[i]);
		assert_true(sample(text, series) == 2);
		free(text);
	}
}

static void test_one_series_per_label_text(void **state)
{
	/* Two objects with the same text, as two route entries may have. */
	static char one[] = "/t2/same";
	static char two[] = "/t2/same";
	char *text, *first, *again;

	(void)state;
	assert_ptr_not_equal(one, two);
	metrics_request_done(one, HTTP_GET, 200, 1);
	metrics_request_done(two, HTTP_GET, 200, 1);
	text = render();
	assert_true(sample(text, REQS "{route=\"/t2/same\",method=\"GET\",status=\"200\"}") == 2);
	first = strstr(text, DUR "_count{route=\"/t2/same\"}");
	assert_non_null(first);
	again = strstr(first + 1, DUR "_count{route=\"/t2/same\"}");
	assert_null(again);
	free(text);
}

static void test_odd_methods_and_statuses(void **state)
{
	char *text;

	(void)state;
	metrics_request_done("/t3", 0, 400, 1);                      /* TRACE and the like */
	metrics_request_done("/t3", HTTP_GET | HTTP_POST, 200, 1);   /* never one method */
	metrics_request_done("/t3", HTTP_OPTIONS, 0, 1);             /* nothing was sent */
	metrics_request_done("/t3", HTTP_DELETE, 1200, 1);           /* not a status */
	metrics_request_done(NULL, HTTP_GET, 404, 1);
	text = render();
	assert_true(sample(text, REQS "{route=\"/t3\",method=\"other\",status=\"400\"}") == 1);
	assert_true(sample(text, REQS "{route=\"/t3\",method=\"other\",status=\"200\"}") == 1);
	assert_true(sample(text, REQS "{route=\"/t3\",method=\"OPTIONS\",status=\"0\"}") == 1);
	assert_true(sample(text, REQS "{route=\"/t3\",method=\"DELETE\",status=\"0\"}") == 1);
	assert_true(sample(text, REQS "{route=\"unmatched\",method=\"GET\",status=\"404\"}") >= 1);
	free(text);
}

static void test_more_pairs_than_cells_are_still_counted(void **state)
{
	double total = 0;
	char *text;

	(void)state;
	/* 7 methods x 10 statuses = 70 pairs on one route. */
	for (unsigned m = 0; m < 7; m++)
		for (int s = 200; s < 210; s++) {
			metrics_request_started();
			metrics_request_done("/t4", (enum http_method)(1u << m), s, 1);
		}
	text = render();
	for (const char *p = strstr(text, REQS "{route=\"/t4\""); p;
	     p = strstr(p + 1, REQS "{route=\"/t4\""))
		total += strtod(strchr(p, ' ') + 1, NULL);
	assert_true(total == 70);
	assert_true(sample(text, REQS "{route=\"/t4\",method=\"other\",status=\"other\"}") > 0);
	assert_true(sample(text, DUR "_count{route=\"/t4\"}") == 70);
	free(text);
}

static void test_more_routes_than_slots_are_still_counted(void **state)
{
	static char labels[300][16];
	double before = value_now(DUR "_count{route=\"other\"}");
	char *text;

	(void)state;
	for (size_t i = 0; i < 300; i++) {
		snprintf(labels[i], sizeof(labels[i]), "/t5/%zu", i);
		metrics_request_started();
		metrics_request_done(labels[i], HTTP_GET, 200, 1);
	}
	text = render();
	assert_true(sample(text, DUR "_count{route=\"other\"}") > (before < 0 ? 0 : before));
	/* Every label is written once, the early ones under their own name. */
	assert_true(sample(text, DUR "_count{route=\"/t5/0\"}") == 1);
	free(text);
}

static void test_gauges(void **state)
{
	double inflight = value_now("equalities_api_http_requests_in_flight");
	double open = value_now("equalities_api_http_connections_open");
	double total = value_now("equalities_api_http_connections_total");
	void *ctx = NULL;

	(void)state;
	metrics_request_started();
	metrics_request_started();
	assert_true(value_now("equalities_api_http_requests_in_flight") == inflight + 2);
	metrics_request_done("/t6", HTTP_GET, 200, 1);
	assert_true(value_now("equalities_api_http_requests_in_flight") == inflight + 1);
	metrics_request_done("/t6", HTTP_GET, 200, 1);
	assert_true(value_now("equalities_api_http_requests_in_flight") == inflight);

	metrics_connection_cb(NULL, NULL, &ctx, MHD_CONNECTION_NOTIFY_STARTED);
	metrics_connection_cb(NULL, NULL, &ctx, MHD_CONNECTION_NOTIFY_STARTED);
	metrics_connection_cb(NULL, NULL, &ctx, MHD_CONNECTION_NOTIFY_CLOSED);
	assert_true(value_now("equalities_api_http_connections_open") == open + 1);
	assert_true(value_now("equalities_api_http_connections_total") == total + 2);
	metrics_connection_cb(NULL, NULL, &ctx, MHD_CONNECTION_NOTIFY_CLOSED);
	assert_true(value_now("equalities_api_http_connections_open") == open);
}

#define THREADS 4
#define PER_THREAD 20000

static void *hammer(void *arg)
{
	(void)arg;
	for (int i = 0; i < PER_THREAD; i++) {
		metrics_request_started();
		/* A new route and a new pair, claimed by racing threads. */
		metrics_request_done("/t7/{id}", HTTP_PUT, 200 + i % 3, 0.7);
	}
	return NULL;
}

static void test_threads_lose_no_count(void **state)
{
	pthread_t threads[THREADS];
	char *text;

	(void)state;
	for (int i = 0; i < THREADS; i++)
		assert_int_equal(pthread_create(&threads[i], NULL, hammer, NULL), 0);
	for (int i = 0; i < THREADS; i++)
		assert_int_equal(pthread_join(threads[i], NULL), 0);
	text = render();
	assert_true(sample(text, DUR "_count{route=\"/t7/{id}\"}") == THREADS * PER_THREAD);
	assert_true(sample(text, DUR "_bucket{route=\"/t7/{id}\",le=\"0.0005\"}") == 0);
	assert_true(sample(text, DUR "_bucket{route=\"/t7/{id}\",le=\"0.001\"}") == THREADS * PER_THREAD);
	for (int s = 200; s < 203; s++) {
		char series[128];

		snprintf(series, sizeof(series), REQS "{route=\"/t7/{id}\",method=\"PUT\",status=\"%d\"}", s);
		/* 20000 = 6667 + 6667 + 6666 per thread */
		assert_true(sample(text, series) == THREADS * (PER_THREAD / 3 + (s - 200 < PER_THREAD % 3)));
	}
	free(text);
}

/* Every family has HELP then TYPE, its samples follow it, and no series
 * appears twice (what promtool checks, in the integration tests, too). */
static void test_output_shape(void **state)
{
	char *text = render();
	char *copy = strdup(text), *save = NULL;
	char family[128] = "";
	char *seen[4096];
	size_t nseen = 0;

	(void)state;
	for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "# HELP ", 7) == 0) {
			snprintf(family, sizeof(family), "%.*s", (int)strcspn(line + 7, " "), line + 7);
			continue;
		}
		if (strncmp(line, "# TYPE ", 7) == 0) {
			assert_int_equal(strncmp(line + 7, family, strlen(family)), 0);
			continue;
		}
		assert_int_equal(strncmp(line, family, strlen(family)), 0);
		*strrchr(line, ' ') = '\0';
		for (size_t i = 0; i < nseen; i++)
			assert_string_not_equal(seen[i], line);
		assert_true(nseen < 4096);
		seen[nseen++] = line;
	}
	assert_true(nseen > 0);
	free(copy);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_a_request_moves_its_series),
		cmocka_unit_test(test_buckets_at_their_bounds),
		cmocka_unit_test(test_one_series_per_label_text),
		cmocka_unit_test(test_odd_methods_and_statuses),
		cmocka_unit_test(test_more_pairs_than_cells_are_still_counted),
		cmocka_unit_test(test_gauges),
		cmocka_unit_test(test_threads_lose_no_count),
		/* Last but one: it fills the route table for the tests after it. */
		cmocka_unit_test(test_more_routes_than_slots_are_still_counted),
		cmocka_unit_test(test_output_shape),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
