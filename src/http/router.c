/*
 * router.c - matching request paths against the route table (see router.h).
 */
#include "http/router.h"

#include <stdio.h>
#include <string.h>

static const struct {
	enum http_method method;
	const char *name;
} methods[] = {
#define HTTP_METHOD_NAME(name, bit) { HTTP_##name, #name },
	HTTP_METHODS(HTTP_METHOD_NAME)
#undef HTTP_METHOD_NAME
};

enum http_method http_method_parse(const char *text)
{
	for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
		if (strcmp(text, methods[i].name) == 0)
			return methods[i].method;
	return 0;
}

const char *http_method_name(enum http_method m)
{
	for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
		if (methods[i].method == m)
			return methods[i].name;
	return "?";
}

/* A path split at its slashes once, for every template to compare with.
 * No template has more segments than this; a deeper path matches none. */
#define ROUTER_MAX_SEGMENTS 16

struct segments {
	size_t n;
	bool too_deep;
	const char *at[ROUTER_MAX_SEGMENTS];
	size_t len[ROUTER_MAX_SEGMENTS];
};

static void split_path(const char *path, struct segments *out)
{
	out->n = 0;
	out->too_deep = *path != '/';
	while (!out->too_deep && *path == '/') {
		const char *seg = ++path;

		while (*path && *path != '/')
			path++;
		if (out->n == ROUTER_MAX_SEGMENTS) {
			out->too_deep = true;
			break;
		}
		out->at[out->n] = seg;
		out->len[out->n++] = (size_t)(path - seg);
	}
}

/*
 * Match a split path against one template.  Returns -1 for no match,
 * otherwise a score in which earlier literal segments weigh more, so that
 * the most specific template wins.  Parameters go to out when it is
 * non-NULL.  A template is walked once, and left at its first segment
 * that differs: most templates differ from a path early.
 */
static long match_template(const char *tmpl, const struct segments *p, struct route_match *out)
{
	long score = 0;
	size_t used = 0, nparams = 0;

	for (size_t i = 0;; i++) {
		const char *seg;
		size_t tlen = 0, plen;

		if (*tmpl != '/' || i >= p->n)
			return -1;
		tmpl++;
		seg = p->at[i];
		plen = p->len[i];
		if (tmpl[0] == '{') {
			while (tmpl[tlen] && tmpl[tlen] != '/')
				tlen++;
		}
		if (tlen >= 2 && tmpl[tlen - 1] == '}') {
			if (plen == 0)
				return -1;
			if (out) {
				if (nparams >= ROUTER_MAX_PARAMS ||
				    used + plen + 1 > sizeof(out->storage))
					return -1;
				memcpy(out->storage + used, seg, plen);
				out->storage[used + plen] = '\0';
				out->names[nparams] = tmpl + 1;
				out->name_lens[nparams] = tlen - 2;
				out->values[nparams] = out->storage + used;
				used += plen + 1;
			}
			nparams++;
		} else {
			tlen = 0;
			while (tlen < plen && tmpl[tlen] == seg[tlen])
				tlen++;
			if (tlen != plen || (tmpl[tlen] && tmpl[tlen] != '/'))
				return -1;
			if (i < 30)
				score |= 1L << (30 - i);
		}
		tmpl += tlen;
		if (!*tmpl) {
			if (i + 1 != p->n)
				return -1;
			break;
		}
	}
	if (out)
		out->nparams = nparams;
	return score;
}

enum router_result router_match(const struct route *routes, size_t n,
				enum http_method method, const char *path,
				struct route_match *out)
{
	const struct route *best = NULL;
	long best_score = -1, any_score = -1;
	bool any = false;
	struct segments p;

	memset(out, 0, sizeof(*out) - sizeof(out->storage));
	split_path(path, &p);
	for (size_t i = 0; i < n && !p.too_deep; i++) {
		long score = match_template(routes[i].template, &p, NULL);

		if (score < 0)
			continue;
		any = true;
		if (score > any_score) {
			any_score = score;
			out->template = routes[i].template;
		}
		out->allowed |= routes[i].method;
		if (routes[i].method == HTTP_GET)
			out->allowed |= HTTP_HEAD;
		if (routes[i].method == method ||
		    (method == HTTP_HEAD && routes[i].method == HTTP_GET)) {
			if (score > best_score) {
				best = &routes[i];
				best_score = score;
			}
		}
	}
	if (!any)
		return ROUTER_NOT_FOUND;
	out->allowed |= HTTP_OPTIONS;
	if (!best)
		return ROUTER_METHOD_NOT_ALLOWED;
	out->route = best;
	if (match_template(best->template, &p, out) < 0)
		return ROUTER_NOT_FOUND; /* parameters too long to hold */
	return ROUTER_FOUND;
}

const char *router_param(const struct route_match *m, const char *name)
{
	size_t len = strlen(name);

	for (size_t i = 0; i < m->nparams; i++)
		if (m->name_lens[i] == len && memcmp(m->names[i], name, len) == 0)
			return m->values[i];
	return NULL;
}

void router_allow_header(unsigned allowed, char *buf, size_t size)
{
	size_t used = 0;

	if (size == 0)
		return;
	buf[0] = '\0';
	for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
		int w;

		if (!(allowed & methods[i].method))
			continue;
		w = snprintf(buf + used, size - used, "%s%s", used ? ", " : "",
			     methods[i].name);
		if (w < 0 || (size_t)w >= size - used)
			return;
		used += (size_t)w;
	}
}
