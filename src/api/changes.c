/*
 * changes.c - GET /v1/changes: which published data changed since a version,
 * so that a dashboard need not poll every resource.
 *
 * The versions are positions in the change log (migrations/0011): a
 * version V promises that every change committed before V was reported.
 * Three ways to ask:
 *   ?since=V           at once: the areas changed since V, and a new V;
 *   ?since=V&wait=S    long poll: parked (no worker thread held) until a
 *                      change arrives or S seconds pass;
 *   Accept: text/event-stream   one event per change, resuming from
 *                      Last-Event-ID after a reconnect.
 * Without since, the answer is the current version to start from.  Any
 * instance can answer for any other: the log is in the database, and every
 * instance's listener wakes its parked requests on each NOTIFY.
 *
 * The public reads releases of the hate-crime and returns statistics, not
 * their live tables, so it is told of those areas only when a release is
 * made (migrations/0024): a live write there is reported to the council's
 * keys that may read the live figures, and to no one else.  A public long
 * poll or stream is woken by such a write like any other, finds nothing
 * it may see, and waits on: its answer comes no earlier for it.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/api.h"
#include "api/common.h"
#include "domain/apikey.h"
#include "domain/organisation.h"
#include "http/auth.h"
#include "http/cache.h"
#include "http/request.h"
#include "http/response.h"
#include "util/buf.h"
#include "util/log.h"

#define CHANGES_MAX_WAIT_S 60
#define CHANGES_DEFAULT_WAIT_S 25
/* A change committed behind an older, still open transaction cannot be
 * reported yet; look again soon rather than at the next notification. */
#define CHANGES_PENDING_RECHECK_MS 50
#define STREAM_HEARTBEAT_MS 15000
/* Streams end now and then so that proxies and load balancers never see a
 * request that lasts for ever; EventSource reconnects by itself. */
#define STREAM_LIFETIME_MS (5 * 60 * 1000)
#define STREAM_RETRY_MS 2000

/*
 * The horizon (upto: every transaction below it has ended), the next id
 * to be assigned and the pruning line; and the version to hand out.  The
 * horizon moves with every transaction of the database, the council's
 * live writes included, so it is not handed out: the version is just past
 * the last change the caller may see (live: the parameter naming the
 * council-only areas it sees live), or the pruning line when that is
 * later.  Every change the caller may see below the horizon is below it,
 * and the ones between it and the horizon are none of the caller's: a
 * cursor that moves only when there is news for its holder.
 */
#define CHG_HORIZON(live) \
	"WITH h0 AS (" \
	"  SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint AS upto," \
	"         pg_snapshot_xmax(pg_current_snapshot())::text::bigint AS next," \
	"         (SELECT pruned_below FROM change_log_horizon) AS pruned)," \
	" h AS (SELECT h0.*, least(h0.upto, greatest(h0.pruned," \
	"         (SELECT max(v.xid) + 1 FROM change_log v WHERE v.xid < h0.upto" \
	"          AND (NOT v.council_only OR v.area = ANY (" live "::text[]))))) AS shown FROM h0)"

static const struct db_statement statements[] = {
	{ "chg_now", CHG_HORIZON("$1") " SELECT shown FROM h", 1 },
	/* One row per changed area between $1 and the horizon (one row with
	 * a NULL area when nothing changed), each carrying the version to
	 * hand out, the next id to be assigned, the pruning line and whether
	 * changes wait behind the horizon. */
	{ "chg_since",
	  CHG_HORIZON("$3")
	  " SELECT h.shown, h.next, h.pruned,"
	  "        EXISTS (SELECT 1 FROM change_log p WHERE p.xid >= h.upto AND p.xid >= $1"
	  "                AND ($2::text[] IS NULL OR p.area = ANY ($2))"
	  "                AND (NOT p.council_only OR p.area = ANY ($3::text[]))) AS pending,"
	  "        c.area,"
	  "        to_char(max(c.changed_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"
	  " FROM h LEFT JOIN change_log c"
	  "   ON c.xid >= $1 AND c.xid < h.upto AND ($2::text[] IS NULL OR c.area = ANY ($2))"
	  "   AND (NOT c.council_only OR c.area = ANY ($3::text[]))"
	  " GROUP BY h.shown, h.upto, h.next, h.pruned, 4, c.area"
	  " ORDER BY c.area", 3 },
};

static const char *const area_names[] = {
	"reference", "demographics", "hate_crime", "workforce", "returns", "action_plan", "indicators",
};

/* ---- the answer ------------------------------------------------------------ */

struct changes {
	int64_t version;      /* the next cursor */
	bool reset;           /* since is unknown here: assume everything changed */
	bool pending;         /* more changes are committed but not yet reportable */
	json_t *list;         /* [{area, changed_at, resources}], owned */
};

/* The service's route table, handed over at start (api.h routes_ready):
 * the feed names the routes whose data changed without knowing the other
 * modules. */
static const struct route *all_routes;
static size_t nall_routes;

static void changes_routes_ready(const struct route *table, size_t n)
{
	all_routes = table;
	nall_routes = n;
}

/* The public GET templates that show data of area (a bit of enum data_area). */
static json_t *resources_of(unsigned area)
{
	size_t n = nall_routes;
	const struct route *r = all_routes;
	json_t *list = json_array();

	for (size_t i = 0; list && i < n; i++) {
		unsigned depends = r[i].depends ? r[i].depends : DATA_ALL;

		if (r[i].method == HTTP_GET && (r[i].flags & ROUTE_PUBLIC) && (depends & area) &&
		    strncmp(r[i].template, "/v1/", 4) == 0)
			json_array_append_new(list, json_string(r[i].template));
	}
	return list;
}

static json_t *change_entry(const char *area, const char *changed_at)
{
	return json_pack("{s:s, s:s?, s:o}", "area", area, "changed_at", changed_at,
			 "resources", resources_of(cache_area_parse(area)));
}

/* Every area asked for, each with no date: what a reset reports. */
static json_t *all_areas(const char *const *areas, size_t nareas)
{
	json_t *list = json_array();

	if (nareas == 0) {
		areas = area_names;
		nareas = API_COUNT(area_names);
	}
	for (size_t i = 0; list && i < nareas; i++)
		json_array_append_new(list, change_entry(areas[i], NULL));
	return list;
}

static int64_t column_int64(PGresult *rows, int row, int col)
{
	return strtoll(PQgetvalue(rows, row, col), NULL, 10);
}

/*
 * The changes after since (-1: none asked, just the current version).
 * areas_sql is a text[] literal or NULL for all; live_sql the text[] of
 * council-only areas whose live writes the caller may see ("{}" for the
 * public).  Fills *out (out->list owned by the caller).  DB_OK or the
 * failure of the query.
 */
static enum db_status changes_fetch(struct db_conn *db, int64_t since, const char *areas_sql,
				    const char *live_sql, const char *const *areas, size_t nareas,
				    struct changes *out)
{
	PGresult *rows = NULL;
	enum db_status st;
	char since_text[24];
	const char *params[3];

	memset(out, 0, sizeof(*out));
	if (since < 0) {
		st = db_exec(db, "chg_now", 1, &live_sql, &rows);
		if (st != DB_OK)
			return st;
		out->version = column_int64(rows, 0, 0);
		out->list = json_array();
		PQclear(rows);
		return DB_OK;
	}
	snprintf(since_text, sizeof(since_text), "%" PRId64, since);
	params[0] = since_text;
	params[1] = areas_sql;
	params[2] = live_sql;
	st = db_exec(db, "chg_since", 3, params, &rows);
	if (st != DB_OK)
		return st;
	out->version = column_int64(rows, 0, 0);
	/* A cursor older than what was pruned, or newer than any id this
	 * cluster has given out (a restored or different database): what
	 * happened in between is unknown, so everything may have changed. */
	if (since < column_int64(rows, 0, 2) || since > column_int64(rows, 0, 1)) {
		out->reset = true;
		out->list = all_areas(areas, nareas);
		PQclear(rows);
		return DB_OK;
	}
	/* Never move a client's cursor backwards. */
	if (out->version < since)
		out->version = since;
	out->pending = strcmp(PQgetvalue(rows, 0, 3), "t") == 0;
	out->list = json_array();
	for (int i = 0; out->list && i < PQntuples(rows); i++)
		if (!PQgetisnull(rows, i, 4))
			json_array_append_new(out->list, change_entry(PQgetvalue(rows, i, 4),
								      PQgetvalue(rows, i, 5)));
	PQclear(rows);
	return DB_OK;
}

static json_t *changes_json(int64_t since, const struct changes *c)
{
	char since_text[24], version_text[24];

	snprintf(since_text, sizeof(since_text), "%" PRId64, since);
	snprintf(version_text, sizeof(version_text), "%" PRId64, c->version);
	return json_pack("{s:s?, s:s, s:b, s:O}", "since", since >= 0 ? since_text : NULL,
			 "version", version_text, "reset", c->reset, "changes", c->list);
}

/* ---- parameters ------------------------------------------------------------- */

struct changes_params {
	int64_t since;            /* -1: absent */
	long wait_s;
	const char **areas;       /* request-owned */
	size_t nareas;
	char *areas_sql;          /* "{a,b}" (request-owned) or NULL for all */
	const char *live_sql;     /* the council-only areas the caller sees live (static) */
};

/*
 * Who asks: without a key, the public.  A key must be a council key that
 * may read some live figures (as for a statistic's release=live); its
 * caller is then told of the live writes to those areas.  -1 after a
 * 401/403 in res.
 */
static int caller_or_respond(struct request *req, struct response *res, struct changes_params *p)
{
	unsigned hate_crime = SCOPE_ADMIN | SCOPE_READ_HATE_CRIME;
	unsigned returns = SCOPE_ADMIN | SCOPE_REVIEW_RETURNS;

	p->live_sql = "{}";
	if (!request_header(req, "Authorization"))
		return 0;
	if (auth_check_or_respond(req, res, "admin,read:hate-crime,review:returns") != 0)
		return -1;
	if (!organisation_kind_is_council(req->auth.org_kind)) {
		problem_send(res, 403, "forbidden", "Forbidden",
			     "Live changes are for the council's keys: leave out the key for the public changes.");
		return -1;
	}
	if ((req->auth.scopes & hate_crime) && (req->auth.scopes & returns))
		p->live_sql = "{hate_crime,returns}";
	else
		p->live_sql = req->auth.scopes & hate_crime ? "{hate_crime}" : "{returns}";
	return 0;
}

/* A version as sent back by this service: decimal digits, no sign. */
static int version_parse(const char *text, int64_t *out)
{
	size_t len = strlen(text);

	if (len == 0 || len > 18 || strspn(text, "0123456789") != len)
		return -1;
	*out = strtoll(text, NULL, 10);
	return 0;
}

static int params_or_respond(struct request *req, struct response *res, bool stream,
			     struct changes_params *p)
{
	const char *since = NULL;
	const char *last_event_id = request_header(req, "Last-Event-ID");
	struct buf sql = BUF_INIT;

	memset(p, 0, sizeof(*p));
	p->since = -1;
	if (request_single_or_respond(req, res, "since", &since))
		return -1;
	if (since && version_parse(since, &p->since) != 0) {
		problem_send_bad_parameter(res, "since",
			"must be a version this service returned (decimal digits), such as the \"version\" of an earlier answer");
		return -1;
	}
	/* An EventSource reconnecting sends the id of the last event it saw;
	 * it is newer than the since of the URL it reuses. */
	if (stream && last_event_id && version_parse(last_event_id, &p->since) != 0) {
		problem_send(res, 400, "bad-request", "Bad request",
			     "Last-Event-ID must be the id of an event this stream sent.");
		return -1;
	}
	if (request_long_or_respond(req, res, "wait", p->since >= 0 ? CHANGES_DEFAULT_WAIT_S : 0,
				    0, CHANGES_MAX_WAIT_S, &p->wait_s))
		return -1;
	if (request_list_or_respond(req, res, "areas", API_COUNT(area_names), &p->areas, &p->nareas) ||
	    caller_or_respond(req, res, p))
		return -1;
	for (size_t i = 0; i < p->nareas; i++) {
		bool known = false;

		for (size_t k = 0; k < API_COUNT(area_names); k++)
			known = known || strcmp(p->areas[i], area_names[k]) == 0;
		if (!known) {
			problem_send_bad_parameter(res, "areas",
				"must list data areas among reference, demographics, hate_crime, workforce, returns, action_plan, indicators");
			goto fail;
		}
		if (buf_appendf(&sql, "%s%s", i ? "," : "{", p->areas[i]) != 0)
			goto oom;
	}
	if (p->nareas) {
		if (buf_append(&sql, "}", 1) != 0)
			goto oom;
		p->areas_sql = request_strdup(req, buf_cstr(&sql));
		if (!p->areas_sql)
			goto oom;
	}
	buf_release(&sql);
	return 0;
oom:
	problem_send_internal(res);
fail:
	buf_release(&sql);
	return -1;
}

/* ---- the event stream --------------------------------------------------------- */

struct stream_state {
	int64_t since;
	char *areas_sql;          /* owned, or NULL */
	const char *live_sql;     /* static */
	char **areas;             /* owned copies, for resets */
	size_t nareas;
	int64_t ends_at_ms;
	int64_t heartbeat_at_ms;
	struct buf out;           /* bytes not yet handed to the server */
	size_t sent;
	bool started;
	/* Set by stream_poll_step (the executor), read by stream_read (an
	 * HTTP thread), never both at once: the connection is suspended
	 * while the poll runs. */
	bool polled;              /* out holds the last poll's bytes */
	bool failed;              /* the last poll ended the stream */
	unsigned wait_ms;         /* nothing to send: look again after this */
};

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void stream_finish(void *state)
{
	struct stream_state *s = state;

	for (size_t i = 0; i < s->nareas; i++)
		free(s->areas[i]);
	free(s->areas);
	free(s->areas_sql);
	buf_release(&s->out);
	free(s);
}

/* Queue one event: its id is the version to resume from. */
static int stream_event(struct stream_state *s, const char *event, json_t *data)
{
	char *text = json_dumps(data, JSON_COMPACT);
	int rc;

	json_decref(data);
	if (!text)
		return -1;
	rc = buf_appendf(&s->out, "id: %" PRId64 "\nevent: %s\ndata: %s\n\n", s->since, event, text);
	free(text);
	return rc;
}

/* Look for news; queue an event when there is some.  0, or -1 to end. */
static int stream_poll(struct stream_state *s, bool *pending)
{
	struct db_conn *db = db_acquire();
	struct changes c;
	int64_t before = s->since;
	enum db_status st;
	int rc = 0;

	*pending = false;
	if (!db)
		return -1;
	st = changes_fetch(db, s->since < 0 ? -1 : s->since, s->areas_sql, s->live_sql,
			   (const char *const *)s->areas, s->nareas, &c);
	db_release(db);
	if (st != DB_OK) {
		/* The client reconnects after retry ms and resumes from its
		 * last event: nothing is lost by ending here. */
		log_event(LOG_WARN, "change stream ended: database unavailable", NULL);
		return -1;
	}
	*pending = c.pending;
	if (!s->started) {
		s->started = true;
		if (before < 0) {
			s->since = c.version;
			rc = stream_event(s, "ready", changes_json(-1, &c));
			json_decref(c.list);
			return rc;
		}
	}
	if (c.reset || json_array_size(c.list) > 0) {
		s->since = c.version;
		rc = stream_event(s, "changes", changes_json(before, &c));
	} else if (c.version > s->since) {
		s->since = c.version;   /* quietly: nothing the client asked about */
	}
	json_decref(c.list);
	return rc;
}

/* The database part, on the executor: look for news, and decide what to
 * send (events, a heartbeat) or how long to wait. */
static void stream_poll_step(void *state)
{
	struct stream_state *s = state;
	int64_t now = now_ms(), next;
	bool pending = false;

	buf_reset(&s->out);
	s->sent = 0;
	s->polled = true;
	s->wait_ms = 0;
	if ((s->failed = stream_poll(s, &pending) != 0))
		return;
	/* A comment line keeps proxies from closing an idle stream. */
	if (s->out.len == 0 && now >= s->heartbeat_at_ms &&
	    (s->failed = buf_append(&s->out, ": keep-alive\n\n", 14) != 0))
		return;
	if (s->out.len > 0) {
		s->heartbeat_at_ms = now + STREAM_HEARTBEAT_MS;
		return;
	}
	next = pending ? now + CHANGES_PENDING_RECHECK_MS : s->heartbeat_at_ms;
	if (next > s->ends_at_ms)
		next = s->ends_at_ms;
	s->wait_ms = next > now ? (unsigned)(next - now) : 1;
}

/* On an HTTP thread: hand over what the last poll left; never the database. */
static long stream_read(void *state, char *buf, size_t max, unsigned *wait_ms)
{
	struct stream_state *s = state;
	size_t n;

	if (s->sent == s->out.len) {
		if (s->polled && s->failed)
			return -1;
		if (s->polled && s->out.len == 0) {
			/* Nothing new: wait, then poll again. */
			s->polled = false;
			*wait_ms = s->wait_ms;
			return 0;
		}
		/* All sent: look for more. */
		s->polled = false;
		return now_ms() >= s->ends_at_ms ? -1 : RESPONSE_STREAM_POLL;
	}
	n = s->out.len - s->sent;
	if (n > max)
		n = max;
	memcpy(buf, s->out.data + s->sent, n);
	s->sent += n;
	return (long)n;
}

static void changes_stream(struct request *req, struct response *res, const struct changes_params *p)
{
	struct stream_state *s = calloc(1, sizeof(*s));
	struct response_stream stream = { .read = stream_read, .poll = stream_poll_step,
					  .finish = stream_finish };
	int64_t now = now_ms();

	(void)req;
	if (!s)
		goto oom;
	stream.state = s;
	s->since = p->since;
	s->live_sql = p->live_sql;
	s->ends_at_ms = now + STREAM_LIFETIME_MS;
	s->heartbeat_at_ms = now + STREAM_HEARTBEAT_MS;
	if (p->areas_sql && !(s->areas_sql = strdup(p->areas_sql)))
		goto oom;
	if (p->nareas && !(s->areas = calloc(p->nareas, sizeof(*s->areas))))
		goto oom;
	for (; s->nareas < p->nareas; s->nareas++)
		if (!(s->areas[s->nareas] = strdup(p->areas[s->nareas])))
			goto oom;
	if (buf_appendf(&s->out, "retry: %d\n\n", STREAM_RETRY_MS) != 0)
		goto oom;
	/* Tell nginx not to buffer the stream. */
	(void)response_header_add(res, "X-Accel-Buffering", "no");
	response_send_stream(res, 200, "text/event-stream; charset=utf-8", &stream);
	return;
oom:
	if (s)
		stream_finish(s);
	problem_send_internal(res);
}

/* ---- the handler ------------------------------------------------------------------ */

static bool wants_stream(const struct request *req)
{
	const char *accept = request_header(req, "Accept");

	return accept && strstr(accept, "text/event-stream") != NULL;
}

struct poll_state {
	int64_t deadline_ms;
};

static void changes_get(struct request *req, struct response *res)
{
	struct changes_params p;
	struct poll_state *ps = req->poll_state;
	struct changes c;
	enum db_status st;
	int64_t now = now_ms();

	if (params_or_respond(req, res, wants_stream(req), &p))
		return;
	if (wants_stream(req)) {
		changes_stream(req, res, &p);
		return;
	}
	if (!ps) {
		ps = request_alloc(req, sizeof(*ps));
		if (!ps) {
			problem_send_internal(res);
			return;
		}
		ps->deadline_ms = now + p.wait_s * 1000;
		req->poll_state = ps;
	}
	if (!req->db)
		req->db = db_acquire();
	if (!req->db) {
		problem_send_unavailable(res);
		return;
	}
	st = changes_fetch(req->db, p.since, p.areas_sql, p.live_sql, p.areas, p.nareas, &c);
	if (st != DB_OK) {
		problem_send_unavailable(res);
		return;
	}
	if (p.since >= 0 && !c.reset && json_array_size(c.list) == 0 && !req->poll_final &&
	    now < ps->deadline_ms) {
		int64_t next = c.pending ? now + CHANGES_PENDING_RECHECK_MS : ps->deadline_ms;

		json_decref(c.list);
		res->wait_ms = (unsigned)((next < ps->deadline_ms ? next : ps->deadline_ms) - now);
		return;
	}
	response_json(res, 200, changes_json(p.since, &c));
	json_decref(c.list);
}

static const struct route routes[] = {
	{ .method = HTTP_GET, .template = "/v1/changes", .handler = changes_get },
};

const struct api_module changes_module = {
	.name = "changes", API_ROUTES(routes), API_STATEMENTS(statements),
	.routes_ready = changes_routes_ready,
};
