/*
 * report_commentary.h - the rules of the council's commentary on a section
 * of the Annual Equalities Report: which sections there are, how a
 * commentary is named, and what a body may hold.
 *
 * A commentary is named "<year>/<section>" ("2024-25/workforce"): the year
 * as the report's path names it (annual_report_year), the section one of
 * the report's seven keys.  Its body is {"text": ...}: 1 to
 * REPORT_COMMENTARY_MAX bytes, line breaks and tabs allowed, no other
 * control characters.
 *
 * Pure: no I/O.
 */
#ifndef EQ_DOMAIN_REPORT_COMMENTARY_H
#define EQ_DOMAIN_REPORT_COMMENTARY_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "domain/validate.h"

#define REPORT_COMMENTARY_MAX 4000

/* The report's section keys, in its order; NULL-terminated. */
extern const char *const report_sections[];

/* Is key one of report_sections? (NULL: no) */
bool report_section_known(const char *key);

/* "<year>/<section>" into out (size n): 0, or -1 when either is not one a
 * report has, or out is too small. */
__attribute__((warn_unused_result))
int report_commentary_id(const char *year, const char *section, char *out, size_t n);

/* Is id of the form report_commentary_id makes? */
bool report_commentary_id_valid(const char *id);

/* The text of body, or NULL when it has none that will do; every problem
 * (another member too) recorded in v, which the caller checks. */
const char *report_commentary_validate(struct validation *v, const json_t *body);

#endif
