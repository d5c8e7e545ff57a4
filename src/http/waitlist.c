/*
 * waitlist.c - parked connections and their timer (see waitlist.h).
 *
 * One mutex guards the list, and it is held across MHD_suspend_connection
 * in waitlist_park and across MHD_resume_connection in the wakers, so a
 * wake-up can never fall between a connection entering the list and its
 * suspension (it would resume a connection that is not yet suspended, which
 * libmicrohttpd calls undefined).  The list is short (dashboards waiting for
 * news), so a plain array scanned in full is the simple right choice.
 */
#include "http/waitlist.h"

#include <microhttpd.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "util/log.h"

struct parked {
	struct MHD_Connection *conn;
	int64_t deadline_ns;     /* CLOCK_MONOTONIC */
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t changed;   /* timer thread: the list or the state changed */
static pthread_t timer;
static bool running;
static bool closing;
static struct parked *items;     /* owned */
static size_t nitems, capacity;

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* With lock held: resume item i and drop it from the list. */
static void resume_at(size_t i)
{
	MHD_resume_connection(items[i].conn);
	items[i] = items[--nitems];
}

static void resume_all_locked(void)
{
	while (nitems > 0)
		resume_at(nitems - 1);
}

static void *timer_main(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&lock);
	while (!closing) {
		int64_t now = now_ns(), next = now + 1000000000;  /* look again within 1 s */
		struct timespec until;

		for (size_t i = 0; i < nitems;) {
			if (items[i].deadline_ns <= now) {
				resume_at(i);
				continue;
			}
			if (items[i].deadline_ns < next)
				next = items[i].deadline_ns;
			i++;
		}
		until.tv_sec = (time_t)(next / 1000000000);
		until.tv_nsec = (long)(next % 1000000000);
		pthread_cond_timedwait(&changed, &lock, &until);
	}
	pthread_mutex_unlock(&lock);
	return NULL;
}

int waitlist_init(void)
{
	pthread_condattr_t attr;

	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&changed, &attr);
	pthread_condattr_destroy(&attr);
	closing = false;
	if (pthread_create(&timer, NULL, timer_main, NULL) != 0) {
		pthread_cond_destroy(&changed);
		return -1;
	}
	running = true;
	return 0;
}

void waitlist_shutdown(void)
{
	if (!running)
		return;
	pthread_mutex_lock(&lock);
	closing = true;
	resume_all_locked();
	pthread_cond_signal(&changed);
	pthread_mutex_unlock(&lock);
	pthread_join(timer, NULL);
	pthread_cond_destroy(&changed);
	free(items);
	items = NULL;
	nitems = capacity = 0;
	running = false;
}

bool waitlist_park(struct MHD_Connection *conn, unsigned timeout_ms)
{
	bool parked = false;

	pthread_mutex_lock(&lock);
	if (!running || closing)
		goto done;
	if (nitems == capacity) {
		size_t want = capacity ? capacity * 2 : 64;
		struct parked *grown = realloc(items, want * sizeof(*items));

		if (!grown) {
			log_event(LOG_WARN, "out of memory parking a request; answering now", NULL);
			goto done;
		}
		items = grown;
		capacity = want;
	}
	items[nitems].conn = conn;
	items[nitems].deadline_ns = now_ns() + (int64_t)timeout_ms * 1000000;
	nitems++;
	MHD_suspend_connection(conn);
	pthread_cond_signal(&changed);
	parked = true;
done:
	pthread_mutex_unlock(&lock);
	return parked;
}

void waitlist_wake_all(void)
{
	pthread_mutex_lock(&lock);
	resume_all_locked();
	pthread_mutex_unlock(&lock);
}

unsigned waitlist_count(void)
{
	unsigned n;

	pthread_mutex_lock(&lock);
	n = (unsigned)nitems;
	pthread_mutex_unlock(&lock);
	return n;
}
