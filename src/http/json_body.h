/*
 * json_body.h - a request body read as JSON: the Content-Type test and the
 * parse, with the sentence a 400 gives when it fails.
 *
 * Pure (no request, no response), so the verdicts are unit-tested alone;
 * request_body_json_or_respond (request.h) turns them into problems, for
 * the contract pipeline and for requests built by hand alike.
 */
#ifndef EQ_HTTP_JSON_BODY_H
#define EQ_HTTP_JSON_BODY_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* Room for any detail json_body_parse_new writes (jansson's error text is
 * under 160 bytes). */
#define JSON_BODY_DETAIL_MAX 320

/* Is content_type application/json (any case, parameters ignored)?  false
 * for NULL. */
bool json_body_is_json_type(const char *content_type);

/*
 * The body (len bytes, body may be NULL when len is 0) parsed as JSON, with
 * duplicate keys refused; when object, anything but an object is refused
 * too.  Returns a new reference the caller owns (json_decref), or NULL with
 * the reason in detail as one sentence, valid UTF-8.
 */
__attribute__((warn_unused_result))
json_t *json_body_parse_new(const char *body, size_t len, bool object,
			    char detail[JSON_BODY_DETAIL_MAX]);

#endif
