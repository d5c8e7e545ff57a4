/*
 * request.c - request accessors and the "...OrRespond" parameter helpers.
 */
#include "http/request.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "db/db.h"
#include "http/json_body.h"
#include "http/response.h"
#include "util/buf.h"

struct request_block {
	struct request_block *next;
	max_align_t align[];
};

const char *request_header(const struct request *req, const char *name)
{
	for (size_t i = 0; i < req->nheaders; i++)
		if (strcasecmp(req->headers[i].name, name) == 0)
			return req->headers[i].value;
	return NULL;
}

const char *request_param(const struct request *req, const char *name)
{
	return req->match ? router_param(req->match, name) : NULL;
}

void *request_alloc(struct request *req, size_t size)
{
	struct request_block *b;

	if (size > SIZE_MAX - sizeof(*b))
		return NULL;
	b = malloc(sizeof(*b) + size);
	if (!b)
		return NULL;
	b->next = req->arena;
	req->arena = b;
	return b->align;
}

char *request_strdup(struct request *req, const char *s)
{
	size_t len = strlen(s) + 1;
	char *copy = request_alloc(req, len);

	if (copy)
		memcpy(copy, s, len);
	return copy;
}

void request_free_arena(struct request *req)
{
	json_decref(req->json);
	req->json = NULL;
	while (req->arena) {
		struct request_block *next = req->arena->next;

		free(req->arena);
		req->arena = next;
	}
}

int request_single_or_respond(struct request *req, struct response *res,
			      const char *name, const char **out)
{
	if (query_count(&req->query, name) > 1) {
		problem_send_bad_parameter(res, name, "may be given only once");
		return -1;
	}
	*out = query_get(&req->query, name);
	return 0;
}

int request_long_or_respond(struct request *req, struct response *res,
			    const char *name, long def, long min, long max, long *out)
{
	const char *text;
	char detail[128];

	if (request_single_or_respond(req, res, name, &text))
		return -1;
	if (!text) {
		*out = def;
		return 0;
	}
	if (query_parse_long(text, min, max, out) != 0) {
		snprintf(detail, sizeof(detail), "must be a whole number from %ld to %ld", min, max);
		problem_send_bad_parameter(res, name, detail);
		return -1;
	}
	return 0;
}

int request_enum_or_respond(struct request *req, struct response *res,
			    const char *name, const char *const *choices,
			    const char *def, const char **out)
{
	struct buf detail = BUF_INIT;
	const char *text;

	if (request_single_or_respond(req, res, name, &text))
		return -1;
	if (!text) {
		*out = def;
		return 0;
	}
	for (size_t i = 0; choices[i]; i++)
		if (strcmp(text, choices[i]) == 0) {
			*out = choices[i];
			return 0;
		}
	if (buf_append_str(&detail, "must be one of"))
		buf_reset(&detail);
	for (size_t i = 0; choices[i]; i++)
		if (buf_appendf(&detail, "%s %s", i ? "," : "", choices[i]))
			break;
	problem_send_bad_parameter(res, name, detail.len ? buf_cstr(&detail) : "is not allowed");
	buf_release(&detail);
	return -1;
}

int request_list_or_respond(struct request *req, struct response *res,
			    const char *name, size_t max, const char ***out, size_t *n)
{
	const char **items;
	size_t count = 0;
	char detail[96];

	*out = NULL;
	*n = 0;
	items = request_alloc(req, sizeof(*items) * (max + 1));
	if (!items) {
		problem_send_internal(res);
		return -1;
	}
	for (size_t i = 0; i < req->query.n; i++) {
		char *copy, *p;

		if (strcmp(req->query.items[i].name, name) != 0)
			continue;
		copy = request_strdup(req, req->query.items[i].value);
		if (!copy) {
			problem_send_internal(res);
			return -1;
		}
		for (p = copy;;) {
			char *comma = strchr(p, ',');

			if (comma)
				*comma = '\0';
			if (*p == '\0') {
				problem_send_bad_parameter(res, name,
					"has an empty value (write values separated by commas, with no spaces)");
				return -1;
			}
			if (count >= max) {
				snprintf(detail, sizeof(detail), "takes at most %zu values", max);
				problem_send_bad_parameter(res, name, detail);
				return -1;
			}
			items[count++] = p;
			if (!comma)
				break;
			p = comma + 1;
		}
	}
	*out = items;
	*n = count;
	return 0;
}

struct db_conn *request_db_or_respond(struct request *req, struct response *res)
{
	if (!req->db)
		req->db = db_acquire();
	if (!req->db)
		problem_send_unavailable(res);
	return req->db;
}

json_t *request_body_json_or_respond(struct request *req, struct response *res, bool object)
{
	char detail[JSON_BODY_DETAIL_MAX];
	json_t *body;

	if (!json_body_is_json_type(request_header(req, "Content-Type"))) {
		problem_send(res, 415, "unsupported-media-type", "Unsupported media type",
			     "Send the body as JSON with Content-Type: application/json.");
		return NULL;
	}
	body = json_body_parse_new(req->body, req->body_len, object, detail);
	if (!body)
		problem_send(res, 400, "malformed-json", "Malformed JSON", detail);
	return body;
}

json_t *request_json_or_respond(struct request *req, struct response *res)
{
	if (req->json)
		return json_incref(req->json);
	return request_body_json_or_respond(req, res, true);
}

int request_if_match_version(const char *header, long current)
{
	const char *p = header;
	int named = -1;

	while (*p) {
		long n;
		char *end;

		while (*p == ' ' || *p == ',')
			p++;
		if (!*p)
			break;
		/* RFC 9110 13.1.1: "*" matches any current representation, and
		 * a version is asked about only when the record exists. */
		if (*p == '*' && (p[1] == '\0' || p[1] == ' ' || p[1] == ','))
			return 1;
		if (strncmp(p, "\"v", 2) == 0 && p[2] >= '0' && p[2] <= '9') {
			n = strtol(p + 2, &end, 10);
			if (*end == '"') {
				if (n == current)
					return 1;
				named = 0;
				p = end + 1;
				continue;
			}
		}
		p += strcspn(p, ",");
	}
	return named;
}
