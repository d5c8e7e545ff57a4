/*
 * memo.c - memoised derived tables keyed by data version (see memo.h).
 *
 * Every entry counts its references: one for the memo while the entry is
 * stored, one per reader.  Entries are unlinked under the lock and freed
 * outside it, by whoever drops the last reference.
 */
#include "api/kit/memo.h"

#include <stdlib.h>
#include <string.h>

/* Enough for every (data set, characteristic) of a generation; a memo that
 * is full builds without storing rather than growing without bound. */
#define MEMO_MAX_ENTRIES 256

struct memo_entry {
	struct memo_entry *next;
	char key[MEMO_KEY_MAX];
	uint64_t gen;
	void *value;        /* NULL while building */
	int refs;
	bool building, stored;
};

static struct memo_entry *find(const struct memo *m, const char *key, uint64_t gen)
{
	for (struct memo_entry *e = m->entries; e; e = e->next)
		if (e->gen == gen && strcmp(e->key, key) == 0)
			return e;
	return NULL;
}

static size_t count(const struct memo *m)
{
	size_t n = 0;

	for (const struct memo_entry *e = m->entries; e; e = e->next)
		n++;
	return n;
}

static void unlink_entry(struct memo *m, struct memo_entry *gone)
{
	for (struct memo_entry **p = &m->entries; *p; p = &(*p)->next)
		if (*p == gone) {
			*p = gone->next;
			gone->next = NULL;
			return;
		}
}

/* Unlink the entries keep() rejects, drop the memo's reference to each and
 * chain those nobody reads any more onto *dead.  Under the lock. */
static void drop_where(struct memo *m, bool (*keep)(const struct memo_entry *, uint64_t),
		       uint64_t arg, struct memo_entry **dead)
{
	struct memo_entry **p = &m->entries;

	while (*p) {
		struct memo_entry *e = *p;

		if (keep(e, arg)) {
			p = &e->next;
			continue;
		}
		*p = e->next;
		e->next = NULL;
		e->stored = false;
		if (--e->refs == 0) {
			e->next = *dead;
			*dead = e;
		}
	}
}

static bool is_current(const struct memo_entry *e, uint64_t newest)
{
	return e->gen >= newest;
}

static bool is_building(const struct memo_entry *e, uint64_t unused)
{
	(void)unused;
	return e->building;
}

static void free_chain(struct memo *m, struct memo_entry *dead)
{
	while (dead) {
		struct memo_entry *next = dead->next;

		m->free_value(dead->value);
		free(dead);
		dead = next;
	}
}

/* A table only this caller will hold: caching off, a key too long, an
 * older generation than the memo's, or a full memo. */
static int build_unstored(const char *key, uint64_t gen, memo_build_fn build, void *ctx,
			  struct memo_ref *out)
{
	struct memo_entry *e = calloc(1, sizeof(*e));
	void *v;

	if (!e)
		return -1;
	if (!(v = build(ctx, key, gen))) {
		free(e);
		return -1;
	}
	e->value = v;
	e->gen = gen;
	e->refs = 1;
	out->value = v;
	out->entry = e;
	return 0;
}

/* Build e (a placeholder linked under the lock, the lock now released),
 * then publish it.  Returns with the lock released. */
static int build_stored(struct memo *m, struct memo_entry *e, memo_build_fn build, void *ctx,
			struct memo_ref *out)
{
	void *v = build(ctx, e->key, e->gen);
	struct memo_entry *dead = NULL;

	pthread_mutex_lock(&m->lock);
	e->building = false;
	if (!v) {
		/* Waiters find no entry and one of them builds again. */
		if (e->stored)
			unlink_entry(m, e);
		pthread_cond_broadcast(&m->built);
		pthread_mutex_unlock(&m->lock);
		free(e);
		return -1;
	}
	e->value = v;
	if (e->stored && e->gen > m->newest) {
		m->newest = e->gen;
		drop_where(m, is_current, m->newest, &dead);
	}
	pthread_cond_broadcast(&m->built);
	pthread_mutex_unlock(&m->lock);
	free_chain(m, dead);
	out->value = v;
	out->entry = e;
	return 0;
}

int memo_get(struct memo *m, const char *key, uint64_t gen, memo_build_fn build, void *ctx,
	     struct memo_ref *out)
{
	struct memo_entry *e;

	out->value = NULL;
	out->entry = NULL;
	if (gen == 0 || strlen(key) >= MEMO_KEY_MAX)
		return build_unstored(key, gen, build, ctx, out);
	pthread_mutex_lock(&m->lock);
	while ((e = find(m, key, gen)) && e->building)
		pthread_cond_wait(&m->built, &m->lock);
	if (e) {
		e->refs++;
		pthread_mutex_unlock(&m->lock);
		out->value = e->value;
		out->entry = e;
		return 0;
	}
	if (gen < m->newest || count(m) >= MEMO_MAX_ENTRIES ||
	    !(e = calloc(1, sizeof(*e)))) {
		pthread_mutex_unlock(&m->lock);
		return build_unstored(key, gen, build, ctx, out);
	}
	memcpy(e->key, key, strlen(key) + 1);
	e->gen = gen;
	e->refs = 2;   /* the memo's and this caller's */
	e->building = e->stored = true;
	e->next = m->entries;
	m->entries = e;
	pthread_mutex_unlock(&m->lock);
	return build_stored(m, e, build, ctx, out);
}

int memo_peek(struct memo *m, const char *key, uint64_t gen, struct memo_ref *out)
{
	struct memo_entry *e;

	out->value = NULL;
	out->entry = NULL;
	if (gen == 0)
		return -1;
	pthread_mutex_lock(&m->lock);
	e = find(m, key, gen);
	if (e && !e->building) {
		e->refs++;
		out->value = e->value;
		out->entry = e;
	}
	pthread_mutex_unlock(&m->lock);
	return out->entry ? 0 : -1;
}

void memo_release(struct memo *m, struct memo_ref *ref)
{
	struct memo_entry *e;
	bool last;

	if (!ref || !(e = ref->entry))
		return;
	ref->entry = NULL;
	ref->value = NULL;
	pthread_mutex_lock(&m->lock);
	last = --e->refs == 0;
	pthread_mutex_unlock(&m->lock);
	if (last) {
		e->next = NULL;
		free_chain(m, e);
	}
}

void memo_clear(struct memo *m)
{
	struct memo_entry *dead = NULL;

	pthread_mutex_lock(&m->lock);
	/* A table being built stays: its builder publishes it and waiters
	 * are waiting for it. */
	drop_where(m, is_building, 0, &dead);
	pthread_mutex_unlock(&m->lock);
	free_chain(m, dead);
}
