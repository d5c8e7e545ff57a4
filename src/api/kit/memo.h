/*
 * memo.h - memoised derived tables keyed by data version.
 *
 * A derived table (suppressed statistics, say) is expensive to build and
 * changes only when its data does.  A memo keeps, for each key, the table
 * built for the newest data generation it has seen, and hands out counted
 * references:
 *
 *  - get-or-build: a hit on (key, generation) takes a reference; a miss
 *    builds through the caller's function;
 *  - one build per miss: while a (key, generation) is being built, other
 *    callers asking for it wait for that build instead of each building
 *    (if it fails, one of them tries again);
 *  - replacement never pulls a table from under a reader: a newer table
 *    takes the slot, and the older one is freed when its last reader
 *    releases it;
 *  - generation 0 means "caching is off": every call builds its own table,
 *    which is never stored and is freed on release.
 *
 * Stored tables of a generation older than the newest one a memo has stored
 * are dropped at that moment, so a memo holds at most one generation's
 * tables.  A memo is a static object: `static struct memo m = MEMO_INIT(f);`
 * and lives for the process.  Thread-safe.
 */
#ifndef EQ_API_KIT_MEMO_H
#define EQ_API_KIT_MEMO_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

/* Frees a built table (the value a build function returned). */
typedef void (*memo_free_fn)(void *value);

/* Builds the table for key at generation gen; NULL on failure (the build
 * function reports its own failure, e.g. a problem in the caller's
 * response, through ctx).  Called without any memo lock held. */
typedef void *(*memo_build_fn)(void *ctx, const char *key, uint64_t gen);

struct memo_entry;

struct memo {
	pthread_mutex_t lock;
	pthread_cond_t built;          /* signalled when a build ends */
	memo_free_fn free_value;
	struct memo_entry *entries;    /* under lock */
	uint64_t newest;               /* the newest generation stored */
};

#define MEMO_INIT(free_fn) { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, (free_fn), NULL, 0 }

/* A counted reference to a built table: value is the table. */
struct memo_ref {
	void *value;
	struct memo_entry *entry;      /* the memo's bookkeeping */
};

/*
 * The table of key (a string of at most MEMO_KEY_MAX - 1 bytes; longer
 * keys are not stored, so they are built on every call) at generation gen,
 * built with build(ctx, key, gen) on a miss.  Returns 0 with *out holding a
 * reference the caller gives back with memo_release, or -1 when the build
 * failed or memory ran out (then *out is empty and there is nothing to
 * release; memo_release of it is a no-op).
 */
#define MEMO_KEY_MAX 160
__attribute__((warn_unused_result))
int memo_get(struct memo *m, const char *key, uint64_t gen, memo_build_fn build, void *ctx,
	     struct memo_ref *out);

/*
 * The table of key at generation gen only when it is stored and built:
 * 0 with a reference in *out, as memo_get gives; -1 with *out empty
 * otherwise.  Never builds and never waits for a build, so a thread that
 * must not block on the database (an HTTP thread) may ask.
 */
__attribute__((warn_unused_result))
int memo_peek(struct memo *m, const char *key, uint64_t gen, struct memo_ref *out);

/* Give back a reference (NULL or empty: nothing); the table is freed with
 * the memo's free function when it was the last reference to a table no
 * longer stored.  *ref is emptied. */
void memo_release(struct memo *m, struct memo_ref *ref);

/* Drop every stored table (freed once their readers release them).  For
 * tests and shutdown. */
void memo_clear(struct memo *m);

#endif
