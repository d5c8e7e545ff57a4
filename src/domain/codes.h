/*
 * codes.h - the forms of the identifiers the service accepts: GSS area
 * codes, our slugs and codes, UUIDs.  Checked before any of them reaches
 * SQL or a message, so that a malformed one is a 4xx naming it.
 *
 * Pure.
 */
#ifndef EQ_DOMAIN_CODES_H
#define EQ_DOMAIN_CODES_H

#include <stdbool.h>

/* GSS codes: a letter for the nation and eight digits, "E05013628". */
bool area_code_is_valid(const char *code);

/* A UUID in its canonical text form (8-4-4-4-12 hex digits). */
bool uuid_is_valid(const char *s);

/* Our slugs and codes: lower-case letters, digits, '_' or '-', 1-64 long. */
bool code_is_valid(const char *code);

#endif
