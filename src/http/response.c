/*
 * response.c - shared response helpers: JSON, lists with CSV, problems.
 */
#include "http/response.h"

#include <math.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "domain/csv.h"
#include "domain/csv_json.h"
#include "http/cache.h"
#include "http/problems.h"
#include "http/query.h"
#include "http/request.h"
#include "util/log.h"

/* Shares and ratios are published to a fixed precision, so give jansson
 * enough digits to print them exactly and no more. */
#define JSON_DUMP_FLAGS RESPONSE_JSON_FLAGS

void response_init(struct response *res)
{
	memset(res, 0, sizeof(*res));
	res->records = -1;
}

void response_reset(struct response *res)
{
	for (size_t i = 0; i < res->nheaders; i++) {
		free(res->headers[i].name);
		free(res->headers[i].value);
	}
	res->nheaders = 0;
	buf_reset(&res->body);
	if (res->streaming && res->stream.finish)
		res->stream.finish(res->stream.state);
	memset(&res->stream, 0, sizeof(res->stream));
	res->streaming = false;
	res->wait_ms = 0;
	res->status = 0;
	res->content_type = NULL;
	res->audit_target[0] = '\0';
	res->static_body = NULL;
	res->static_len = 0;
	res->cache_control = NULL;
}

void response_release(struct response *res)
{
	response_reset(res);
	buf_release(&res->body);
}

int response_header_add(struct response *res, const char *name, const char *value)
{
	struct response_header *h;

	if (res->nheaders >= RESPONSE_MAX_HEADERS)
		return -1;
	h = &res->headers[res->nheaders];
	h->name = strdup(name);
	h->value = strdup(value);
	if (!h->name || !h->value) {
		free(h->name);
		free(h->value);
		return -1;
	}
	res->nheaders++;
	return 0;
}

const char *response_header_get(const struct response *res, const char *name)
{
	for (size_t i = 0; i < res->nheaders; i++)
		if (strcasecmp(res->headers[i].name, name) == 0)
			return res->headers[i].value;
	return NULL;
}

void response_location(struct response *res, const char *fmt, ...)
{
	char path[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(path, sizeof(path), fmt, ap);
	va_end(ap);
	(void)response_header_add(res, "Location", path);
}

static void set_body_json(struct response *res, int status, const char *ctype,
			  json_t *body)
{
	char *text;

	buf_reset(&res->body);
	text = body ? json_dumps(body, JSON_DUMP_FLAGS) : NULL;
	json_decref(body);
	if (!text || buf_append_str(&res->body, text) != 0) {
		free(text);
		/* Out of memory: a fixed body still tells the client the truth. */
		buf_reset(&res->body);
		if (buf_append_str(&res->body,
			"{\"type\":\"urn:equalities:problem:internal\",\"title\":\"Internal error\",\"status\":500,\"detail\":\"The response could not be built.\"}"))
			buf_reset(&res->body);
		res->status = 500;
		res->content_type = "application/problem+json";
		return;
	}
	free(text);
	res->status = status;
	res->content_type = ctype;
}

void response_version_etag(struct response *res, const char *version)
{
	char etag[32];

	snprintf(etag, sizeof(etag), "\"v%s\"", version);
	(void)response_header_add(res, "ETag", etag);
}

void response_json(struct response *res, int status, json_t *body)
{
	set_body_json(res, status, "application/json", body);
}

void response_static(const struct request *req, struct response *res,
		     const struct static_representation *rep)
{
	response_reset(res);
	res->content_type = rep->content_type;
	res->cache_control = rep->cache_control;
	res->static_body = rep->data;
	res->static_len = rep->len;
	if (response_header_add(res, "ETag", rep->etag) != 0)
		goto oom;
	if (rep->csp &&
	    (response_header_add(res, "Content-Security-Policy", rep->csp) != 0 ||
	     /* Links out of a page (Redoc's to the licence, say) carry no path. */
	     response_header_add(res, "Referrer-Policy", "no-referrer") != 0))
		goto oom;
	/* The server answers a 304 with the ETag and the full length only. */
	res->status = cache_etag_matches(request_header(req, "If-None-Match"), rep->etag) ? 304 : 200;
	return;
oom:
	problem_send_internal(res);
}

void response_bytes(struct response *res, int status, const char *content_type,
		    const void *data, size_t len)
{
	buf_reset(&res->body);
	if (buf_append(&res->body, data, len) != 0) {
		problem_send_internal(res);
		return;
	}
	res->status = status;
	res->content_type = content_type;
}

void response_send_stream(struct response *res, int status, const char *content_type,
		     const struct response_stream *stream)
{
	buf_reset(&res->body);
	res->stream = *stream;
	res->streaming = true;
	res->status = status;
	res->content_type = content_type;
}

double response_round(double v, int places)
{
	double scale = pow(10.0, places);

	return round(v * scale) / scale;
}

/* Resolve a simple JSON pointer ("/a/b"); no escapes are used in ours. */
static json_t *pointer_get(json_t *root, const char *pointer)
{
	json_t *cur = root;
	const char *p = pointer;

	while (cur && *p == '/') {
		const char *next = strchr(p + 1, '/');
		size_t len = next ? (size_t)(next - p - 1) : strlen(p + 1);
		char key[64];

		if (len >= sizeof(key))
			return NULL;
		memcpy(key, p + 1, len);
		key[len] = '\0';
		cur = json_is_object(cur) ? json_object_get(cur, key) : NULL;
		p += len + 1;
	}
	return cur;
}

/* Members of meta that hold for every row, repeated as the last columns
 * of a data CSV when the meta has them, so that a file kept on its own
 * still says under which disclosure rule and from which release its
 * figures come (the whole meta is the linked format=csv-meta). */
static const struct csv_column meta_columns[] = {
	{ "disclosure_threshold", "/disclosure/threshold" },
	{ "disclosure_method", "/disclosure/method" },
	{ "release_id", "/release/id" },
	{ "release_version", "/release/version" },
};
#define NMETA_COLUMNS (sizeof(meta_columns) / sizeof(meta_columns[0]))

/* Header (row NULL) or one row: the row's columns, then the meta members
 * present, then status (NULL: none) as data_status, last as it always was. */
static int render_csv_line(struct buf *out, json_t *row, const struct csv_column *cols,
			   size_t ncols, const char *status, json_t *const *from_meta)
{
	size_t c;

	for (c = 0; c < ncols; c++)
		if ((c && buf_append_char(out, ',')) ||
		    (row ? csv_json_append_value(out, pointer_get(row, cols[c].pointer))
			 : csv_append_field(out, cols[c].header, strlen(cols[c].header))))
			return -1;
	for (c = 0; c < NMETA_COLUMNS; c++)
		if (from_meta[c] &&
		    (buf_append_char(out, ',') ||
		     (row ? csv_json_append_value(out, from_meta[c])
			  : csv_append_field(out, meta_columns[c].header,
					     strlen(meta_columns[c].header)))))
			return -1;
	if (status && (buf_append_char(out, ',') ||
		       csv_append_field(out, row ? status : "data_status",
					strlen(row ? status : "data_status"))))
		return -1;
	return buf_append_str(out, "\r\n");
}

/* The meta_columns meta holds, then status (NULL: none) as a last
 * data_status column, the same on every row, so that a downloaded file
 * still says whether its figures are official. */
static int render_csv(struct buf *out, json_t *data, json_t *meta, const struct csv_column *cols,
		      size_t ncols, const char *status)
{
	json_t *from_meta[NMETA_COLUMNS], *row;
	size_t i;

	for (i = 0; i < NMETA_COLUMNS; i++) {
		from_meta[i] = pointer_get(meta, meta_columns[i].pointer);
		if (json_is_null(from_meta[i]) || json_is_object(from_meta[i]) || json_is_array(from_meta[i]))
			from_meta[i] = NULL;
	}
	if (render_csv_line(out, NULL, cols, ncols, status, from_meta))
		return -1;
	json_array_foreach(data, i, row)
		if (render_csv_line(out, row, cols, ncols, status, from_meta))
			return -1;
	return 0;
}

static atomic_uint illustrative_areas;

void response_set_illustrative(unsigned areas)
{
	atomic_store(&illustrative_areas, areas);
}

const char *response_data_status(const struct request *req)
{
	unsigned depends;

	if (!req->route || !(req->route->flags & ROUTE_PUBLIC))
		return NULL;
	depends = req->route->depends ? req->route->depends : DATA_ALL;
	if (!(depends & ~(unsigned)DATA_REFERENCE))
		return NULL;
	return depends & atomic_load(&illustrative_areas) ? "illustrative" : "official";
}

/* What meta.status_note says of a status (response_list_text writes it
 * into JSON as it is: keep it free of quotes, backslashes and non-ASCII). */
static const char *status_note(const char *status)
{
	return strcmp(status, "official") == 0
	       ? "Official figures of the council."
	       : "Illustrative figures (demo data), not the borough's: do not quote them as official.";
}

/* meta.status and meta.status_note, unless the resource set its own. */
static int meta_status(json_t *meta, const char *status)
{
	if (!status || json_object_get(meta, "status"))
		return 0;
	return json_object_set_new(meta, "status", json_string(status)) ||
	       json_object_set_new(meta, "status_note", json_string(status_note(status)));
}

static int append_encoded(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' ||
		    c == '~' || c == ',' || c == '/' || c == ':') {
			if (buf_append_char(b, (char)c))
				return -1;
		} else if (buf_appendf(b, "%%%c%c", hex[c >> 4], hex[c & 15])) {
			return -1;
		}
	}
	return 0;
}

/* The request's URL with the parameter name replaced by value (or dropped
 * when value is NULL); the others kept in order. */
static int build_url(const struct request *req, const char *name, const char *value,
		     struct buf *out)
{
	bool first = true;

	if (buf_append_str(out, req->path))
		return -1;
	for (size_t i = 0; i < req->query.n; i++) {
		if (strcmp(req->query.items[i].name, name) == 0)
			continue;
		if (buf_append_char(out, first ? '?' : '&') ||
		    append_encoded(out, req->query.items[i].name) ||
		    buf_append_char(out, '=') ||
		    append_encoded(out, req->query.items[i].value))
			return -1;
		first = false;
	}
	if (value) {
		if (buf_append_char(out, first ? '?' : '&') || buf_append_str(out, name) ||
		    buf_append_char(out, '=') || append_encoded(out, value))
			return -1;
	}
	return 0;
}

/* The request's URL with the cursor replaced (or dropped when NULL). */
static int build_link(const struct request *req, const char *cursor, struct buf *out)
{
	return build_url(req, "cursor", cursor, out);
}

/*
 * The CSV answer: of meta (format=csv-meta, name,value rows), or of data
 * with a Link header naming the next page (next: its URL, NULL for none)
 * and, as rel="describedby", the same request's meta as CSV.  0, or -1
 * when memory runs out (the caller answers 500).  data and meta stay the
 * caller's.
 */
static int csv_respond(const struct request *req, struct response *res, json_t *data,
		       json_t *meta, const char *next, const struct csv_column *columns,
		       size_t ncolumns)
{
	struct buf link = BUF_INIT, described = BUF_INIT;
	const char *status = response_data_status(req);
	int rc = -1;

	buf_reset(&res->body);
	if (req->csv_meta) {
		if (meta_status(meta, status) || csv_json_append_flat(&res->body, meta))
			goto done;
	} else if (render_csv(&res->body, data, meta, columns, ncolumns, status) ||
		   build_url(req, "format", "csv-meta", &described) ||
		   (next && buf_appendf(&link, "<%s>; rel=\"next\", ", next)) ||
		   buf_appendf(&link, "<%s>; rel=\"describedby\"; type=\"text/csv\"",
			       buf_cstr(&described)) ||
		   response_header_add(res, "Link", buf_cstr(&link))) {
		goto done;
	}
	res->status = 200;
	res->content_type = "text/csv; charset=utf-8";
	rc = 0;
done:
	buf_release(&link);
	buf_release(&described);
	return rc;
}

void response_list(const struct request *req, struct response *res,
		   json_t *data, json_t *meta, const char *next_cursor,
		   const struct csv_column *columns, size_t ncolumns)
{
	struct buf self = BUF_INIT, next = BUF_INIT;
	json_t *body = NULL, *links = NULL;
	const char *cur = query_get(&req->query, "cursor");

	if (!data || !meta)
		goto oom;
	if (build_link(req, cur, &self) ||
	    (next_cursor && build_link(req, next_cursor, &next)))
		goto oom;

	res->records = (long)json_array_size(data);
	if (req->format == FORMAT_CSV && columns) {
		if (csv_respond(req, res, data, meta, next_cursor ? buf_cstr(&next) : NULL,
				columns, ncolumns))
			goto oom;
		json_decref(data);
		json_decref(meta);
		goto done;
	}

	links = json_pack("{s:s, s:s?}", "self", buf_cstr(&self), "next",
			  next_cursor ? buf_cstr(&next) : NULL);
	if (!links)
		goto oom;
	if (!next_cursor && json_object_set_new(links, "next", json_null()))
		goto oom;
	if (meta_status(meta, response_data_status(req)))
		goto oom;
	body = json_pack("{s:o, s:o, s:o}", "data", data, "links", links, "meta", meta);
	data = meta = links = NULL;
	if (!body)
		goto oom;
	response_json(res, 200, body);
	goto done;
oom:
	json_decref(data);
	json_decref(meta);
	json_decref(links);
	problem_send_internal(res);
done:
	buf_release(&self);
	buf_release(&next);
}

void problem_send_errors(struct response *res, int status, const char *type,
			 const char *title, const char *detail, json_t *errors)
{
	char type_uri[128];
	const struct problem_type *registered = problem_type_find(type);
	char *text;
	json_t *body;

	/* Clients rely on the registry's types and titles (problems.h): a
	 * slug missing from it, or sent with another status, is a bug here,
	 * logged, and the problem is still answered. */
	if (!registered)
		log_msgf(LOG_ERROR, "problem type %s is not in the registry (src/http/problems.c)", type);
	else if (registered->status != status)
		log_msgf(LOG_ERROR, "problem type %s sent with status %d, registered with %d",
			 type, status, registered->status);
	else
		title = registered->title;
	text = strdup(detail ? detail : title);

	/* Details quote what the client sent, often cut with "%.40s": a
	 * character cut in two made json_pack fail and every such 400 a 500
	 * (found by tests/fuzz). */
	if (text)
		query_utf8_repair(text);
	snprintf(type_uri, sizeof(type_uri), PROBLEM_TYPE_PREFIX "%s", type);
	response_reset(res);
	body = text ? json_pack("{s:s, s:s, s:i, s:s}", "type", type_uri, "title", title,
				"status", status, "detail", text) : NULL;
	free(text);
	if (body && errors)
		json_object_set(body, "errors", errors);
	json_decref(errors);
	if (!body) {
		set_body_json(res, 500, "application/problem+json", NULL);
		return;
	}
	set_body_json(res, status, "application/problem+json", body);
	res->no_store = true;
}

void problem_send(struct response *res, int status, const char *type,
		  const char *title, const char *detail)
{
	problem_send_errors(res, status, type, title, detail, NULL);
}

void problem_sendf(struct response *res, int status, const char *type,
		   const char *title, const char *fmt, ...)
{
	struct buf detail = BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	if (buf_vappendf(&detail, fmt, ap) != 0)
		buf_reset(&detail);
	va_end(ap);
	problem_send(res, status, type, title, detail.len ? buf_cstr(&detail) : title);
	buf_release(&detail);
}

void problem_send_bad_parameter(struct response *res, const char *param,
				const char *detail)
{
	struct buf text = BUF_INIT;
	json_t *errors;
	char *safe = strdup(detail);

	if (safe)
		query_utf8_repair(safe);
	errors = safe ? json_pack("[{s:s, s:s}]", "parameter", param, "detail", safe) : NULL;
	free(safe);
	if (buf_appendf(&text, "query parameter '%s': %s", param, detail) != 0)
		buf_reset(&text);
	problem_send_errors(res, 400, "invalid-parameter", "Invalid query parameter",
			    text.len ? buf_cstr(&text) : detail, errors);
	buf_release(&text);
}

void problem_send_invalid(struct response *res, json_t *errors)
{
	char detail[96];

	snprintf(detail, sizeof(detail), "The request body has %zu problem%s; each is listed in errors.",
		 json_array_size(errors), json_array_size(errors) == 1 ? "" : "s");
	problem_send_errors(res, 422, "validation-failed", "Validation failed", detail, errors);
}

void problem_send_unavailable(struct response *res)
{
	problem_send(res, 503, "unavailable", "Service unavailable",
		     "The database cannot be reached, or did not answer in time, just now; retry shortly.");
	(void)response_header_add(res, "Retry-After", "1");
}

void problem_send_internal(struct response *res)
{
	problem_send(res, 500, "internal", "Internal error",
		     "The request could not be completed; the error has been logged with this request's id.");
}

/* The JSON body {"data", "links", "meta"} around data_text, as
 * response_list would dump it (objects keep their keys' order); meta is
 * the text of an object, or of its members (meta_open: braces added). */
static int rendered_body(struct buf *b, const char *data_text, size_t data_len,
			 const json_t *links, const char *meta, size_t meta_len, bool meta_open)
{
	char *l = json_dumps(links, JSON_DUMP_FLAGS);
	int rc = -1;

	buf_reset(b);
	/* Appended, not printed: formatting kilobytes of meta through
	 * vsnprintf cost more than the rest of a cached table's answer. */
	if (l && meta && buf_append_str(b, "{\"data\":") == 0 && buf_append(b, data_text, data_len) == 0 &&
	    buf_append_str(b, ",\"links\":") == 0 && buf_append_str(b, l) == 0 &&
	    buf_append_str(b, meta_open ? ",\"meta\":{" : ",\"meta\":") == 0 &&
	    buf_append(b, meta, meta_len) == 0 && buf_append_str(b, meta_open ? "}}" : "}") == 0)
		rc = 0;
	free(l);
	return rc;
}

/* A list's JSON answer is in res->body (ok), or a 500 replaces it. */
static void list_answered(struct response *res, bool ok)
{
	if (!ok) {
		buf_reset(&res->body);
		problem_send_internal(res);
		return;
	}
	res->status = 200;
	res->content_type = "application/json";
}

/* {"self", "next"} of a list page; NULL when memory ran out. */
static json_t *list_links(const struct request *req, const char *next_cursor)
{
	struct buf self = BUF_INIT, next = BUF_INIT;
	json_t *links = NULL;

	if (build_link(req, query_get(&req->query, "cursor"), &self) == 0 &&
	    (!next_cursor || build_link(req, next_cursor, &next) == 0) &&
	    (links = json_pack("{s:s, s:s?}", "self", buf_cstr(&self), "next",
			       next_cursor ? buf_cstr(&next) : NULL)) &&
	    !next_cursor && json_object_set_new(links, "next", json_null())) {
		json_decref(links);
		links = NULL;
	}
	buf_release(&self);
	buf_release(&next);
	return links;
}

void response_list_rendered(const struct request *req, struct response *res,
			    json_t *data, const char *data_text, size_t data_len, json_t *meta,
			    const char *next_cursor, const struct csv_column *columns,
			    size_t ncolumns)
{
	json_t *links = NULL;
	char *m = NULL;

	if (!data_text || (req->format == FORMAT_CSV && columns)) {
		response_list(req, res, data, meta, next_cursor, columns, ncolumns);
		return;
	}
	json_decref(data);
	list_answered(res, meta && !meta_status(meta, response_data_status(req)) &&
			   (links = list_links(req, next_cursor)) && (m = json_dumps(meta, JSON_DUMP_FLAGS)) &&
			   rendered_body(&res->body, data_text, data_len, links, m, strlen(m), false) == 0);
	free(m);
	json_decref(links);
	json_decref(meta);
}

void response_list_text(const struct request *req, struct response *res,
			const char *data_text, size_t data_len, const char *meta_members,
			size_t meta_len, const char *next_cursor)
{
	const char *status = response_data_status(req);
	struct buf meta = BUF_INIT;
	json_t *links = list_links(req, next_cursor);

	/* meta_status's members, in its order; its texts need no escaping. */
	list_answered(res, links && !buf_append(&meta, meta_members, meta_len) &&
		      (!status || !(buf_append_str(&meta, ",\"status\":\"") || buf_append_str(&meta, status) ||
				    buf_append_str(&meta, "\",\"status_note\":\"") ||
				    buf_append_str(&meta, status_note(status)) || buf_append_str(&meta, "\""))) &&
		      rendered_body(&res->body, data_text, data_len, links, buf_cstr(&meta), meta.len, true) == 0);
	json_decref(links);
	buf_release(&meta);
}
