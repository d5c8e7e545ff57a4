/*
 * json_body.c - a request body read as JSON (see json_body.h).
 */
#include "http/json_body.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "http/query.h"

bool json_body_is_json_type(const char *content_type)
{
	size_t len = content_type ? strcspn(content_type, "; ") : 0;

	return content_type && len == strlen("application/json") &&
	       strncasecmp(content_type, "application/json", len) == 0;
}

json_t *json_body_parse_new(const char *body, size_t len, bool object,
			    char detail[JSON_BODY_DETAIL_MAX])
{
	json_error_t error;
	json_t *doc;

	/* Duplicate keys would make "which value counts" ambiguous.  A NUL
	 * (\u0000) and a lone surrogate (\ud800) are refused by jansson here,
	 * as malformed. */
	doc = json_loadb(body ? body : "", len, JSON_REJECT_DUPLICATES, &error);
	if (!doc) {
		/* jansson quotes the input near the error, cut to fit its
		 * buffer: raw bytes or a character cut in two would make the
		 * problem+json unbuildable, a 500 (found by tests/fuzz). */
		query_utf8_repair(error.text);
		snprintf(detail, JSON_BODY_DETAIL_MAX,
			 "The body is not valid JSON: %s (line %d, column %d).",
			 error.text, error.line, error.column);
		return NULL;
	}
	if (object && !json_is_object(doc)) {
		json_decref(doc);
		snprintf(detail, JSON_BODY_DETAIL_MAX, "The body must be a JSON object.");
		return NULL;
	}
	return doc;
}
