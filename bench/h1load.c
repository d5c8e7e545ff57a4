/*
 * h1load.c - a small HTTP/1.1 keep-alive load generator for bench/run.
 *
 * wrk's parser reads the Content-Length of a 304 (which the service sends,
 * as RFC 9110 8.6 allows) as a body still to come and hangs, so the
 * scorecard's 304s need a client that knows 304 has no body.  One thread
 * per connection, each sending the same GET back to back for a fixed time;
 * prints requests per second and latency percentiles in wrk's words so
 * bench/run can read both the same way.
 *
 *   h1load -c 32 -d 8 [-H 'Header: value'] http://127.0.0.1:18181/path
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_CONNS 256
#define MAX_SAMPLES (4u << 20)

static struct sockaddr_in addr;
static char request[4096];
static size_t request_len;
static double deadline;
static double *samples;          /* latencies in ms */
static size_t nsamples;
static unsigned long non_expected;
static int expect_status;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Read one response; returns its status or -1. */
static int read_response(int fd, char *buf, size_t size)
{
	size_t have = 0;
	char *end = NULL;
	long body = 0;
	int status;

	while (!end) {
		ssize_t n = read(fd, buf + have, size - have - 1);

		if (n <= 0)
			return -1;
		have += (size_t)n;
		buf[have] = '\0';
		end = strstr(buf, "\r\n\r\n");
		if (!end && have >= size - 1)
			return -1;
	}
	if (sscanf(buf, "HTTP/1.%*d %d", &status) != 1)
		return -1;
	for (char *line = strstr(buf, "\r\n"); line && line < end; line = strstr(line + 2, "\r\n"))
		if (strncasecmp(line + 2, "Content-Length:", 15) == 0)
			body = strtol(line + 17, NULL, 10);
	/* 1xx, 204 and 304 have no body whatever Content-Length says. */
	if (status == 304 || status == 204 || status < 200)
		body = 0;
	body -= (long)(have - (size_t)(end + 4 - buf));
	while (body > 0) {
		ssize_t n = read(fd, buf, size - 1 < (size_t)body ? size - 1 : (size_t)body);

		if (n <= 0)
			return -1;
		body -= n;
	}
	return body == 0 ? status : -1;
}

static void *worker(void *arg)
{
	static _Thread_local char buf[1 << 16];
	double *mine = malloc(sizeof(double) * (MAX_SAMPLES / MAX_CONNS));
	size_t n = 0;
	unsigned long bad = 0;
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	(void)arg;
	if (fd < 0 || !mine || connect(fd, (struct sockaddr *)&addr, sizeof(addr)) != 0) {
		perror("h1load: connect");
		exit(1);
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	while (now_ms() < deadline && n < MAX_SAMPLES / MAX_CONNS) {
		double t0 = now_ms();
		int status;

		if (write(fd, request, request_len) != (ssize_t)request_len ||
		    (status = read_response(fd, buf, sizeof(buf))) < 0) {
			fprintf(stderr, "h1load: connection failed\n");
			exit(1);
		}
		if (status != expect_status)
			bad++;
		mine[n++] = now_ms() - t0;
	}
	close(fd);
	pthread_mutex_lock(&lock);
	memcpy(samples + nsamples, mine, n * sizeof(double));
	nsamples += n;
	non_expected += bad;
	pthread_mutex_unlock(&lock);
	free(mine);
	return NULL;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	int conns = 32, seconds = 8, opt;
	const char *header = NULL;
	char host[64], path[2048];
	int port;
	pthread_t threads[MAX_CONNS];
	double started;

	expect_status = 200;
	while ((opt = getopt(argc, argv, "c:d:H:s:")) != -1) {
		if (opt == 'c')
			conns = atoi(optarg);
		else if (opt == 'd')
			seconds = atoi(optarg);
		else if (opt == 'H')
			header = optarg;
		else if (opt == 's')
			expect_status = atoi(optarg);
	}
	if (optind >= argc || conns < 1 || conns > MAX_CONNS ||
	    sscanf(argv[optind], "http://%63[^:]:%d%2047s", host, &port, path) != 3) {
		fprintf(stderr, "usage: h1load [-c CONNS] [-d SECONDS] [-H 'Name: value'] [-s STATUS] http://IP:PORT/path\n");
		return 2;
	}
	addr.sin_family = AF_INET;
	addr.sin_port = htons((unsigned short)port);
	if (inet_pton(AF_INET, host, &addr.sin_addr) != 1) {
		fprintf(stderr, "h1load: the host must be a numeric IPv4 address\n");
		return 2;
	}
	request_len = (size_t)snprintf(request, sizeof(request),
				       "GET %s HTTP/1.1\r\nHost: %s:%d\r\n%s%s%s\r\n", path, host, port,
				       header ? header : "", header ? "\r\n" : "", "");
	samples = malloc(sizeof(double) * MAX_SAMPLES);
	if (!samples)
		return 1;
	started = now_ms();
	deadline = started + seconds * 1e3;
	for (int i = 0; i < conns; i++)
		pthread_create(&threads[i], NULL, worker, NULL);
	for (int i = 0; i < conns; i++)
		pthread_join(threads[i], NULL);
	qsort(samples, nsamples, sizeof(double), cmp);
	if (nsamples == 0)
		return 1;
	/* The same words wrk prints, so bench/run parses one format. */
	printf("  Latency Distribution\n");
	printf("     50%%  %.3fms\n", samples[nsamples / 2]);
	printf("     99%%  %.3fms\n", samples[(size_t)((double)nsamples * 0.99)]);
	printf("Requests/sec: %.2f\n", (double)nsamples / ((now_ms() - started) / 1e3));
	if (non_expected)
		printf("  Non-%d responses: %lu\n", expect_status, non_expected);
	return 0;
}
