/*
 * fuzz_json.h - the pieces of the JSON body fuzzer (fuzz_json.c drives,
 * one fuzz_json_<resource>.c per resource file it reaches into).
 */
#ifndef EQ_FUZZ_JSON_H
#define EQ_FUZZ_JSON_H

#include <stdio.h>
#include <stdlib.h>

#include <jansson.h>

#include "domain/validate.h"
#include "http/response.h"

#define CHECK(cond) do { if (!(cond)) { \
	fprintf(stderr, "fuzz_json: %s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
	abort(); } } while (0)

/* Every error is {"pointer": "/...", "detail": "..."} and the whole becomes
 * a 422 problem+json that is valid JSON; out-of-memory is not expected. */
void fuzz_check_validation(struct validation *v);
/* A handler's answer: a status set, never 500, a body that parses when JSON. */
void fuzz_check_response(const struct response *res);

/* Run the resource's body validators (create and merged update) on body. */
void fuzz_json_hate_crime(const json_t *body);
void fuzz_json_returns(const json_t *body);
void fuzz_json_action_plan(const json_t *body);
void fuzz_json_indicators(const json_t *body);
/* The pay-gap publication, its handler run whole on the raw body. */
void fuzz_json_workforce(const char *text, size_t len);

#endif
