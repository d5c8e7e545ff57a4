/*
 * reports.h - what the files of the Annual Equalities Report share;
 * included only by src/api/reports/.
 *
 *   module.c    the statements and the route table (reports_module)
 *   annual.c    GET /v1/reports/annual/{year}: the sections in order
 *   sections.c  the sections built from other resources' published tables
 *   commentary.c the council's commentary on a section (versioned)
 *
 * Each section is {title, complete, notes, sources, data}: complete is
 * false exactly when notes says what is missing for the year, and sources
 * are the routes that serve every figure in data; commentary is the
 * council's on the section, or null.
 */
#ifndef EQ_API_REPORTS_REPORTS_H
#define EQ_API_REPORTS_REPORTS_H

#include <jansson.h>

#include "domain/period.h"
#include "http/router.h"

struct request;
struct response;

route_handler report_annual;
route_handler report_commentary_put, report_commentary_get, report_commentary_versions;

/* A section (data, sources and notes stolen; complete when notes is
 * empty), or NULL when memory ran out. */
json_t *report_section(const char *title, json_t *data, json_t *sources, json_t *notes);

/* The sections built in C, each a new reference or NULL with the problem
 * in res (memory, or the database). */
json_t *report_indicators(struct request *req, struct response *res, const struct period *fy);
json_t *report_hate_crime(struct request *req, struct response *res, const struct period *fy);
json_t *report_workforce(struct request *req, struct response *res, const struct period *fy);

#endif
