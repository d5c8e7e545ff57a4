/*
 * api.h - how a resource file presents itself to the service.
 *
 * Each file in src/api/ owns one resource: its routes (with their allowed
 * query parameters, flags and scope), its SQL as named statements, and its
 * handlers.  It exports one `struct api_module`; routes.c lists them.
 */
#ifndef EQ_API_API_H
#define EQ_API_API_H

#include <stddef.h>

#include "db/db.h"
#include "http/router.h"

struct config;

struct api_module {
	const char *name;
	const struct route *routes;
	size_t nroutes;
	const struct db_statement *statements;
	size_t nstatements;
	/* Optional set-up at start (files to read, ...): 0 or -1 with a reason. */
	int (*init)(const struct config *cfg, char *err, size_t errlen);
	/* Optional: the service's whole route table, once it is built, for a
	 * module that describes the others (the change feed).  The table
	 * outlives every request; the module keeps the pointer. */
	void (*routes_ready)(const struct route *table, size_t n);
};

#define API_COUNT(a) (sizeof(a) / sizeof((a)[0]))
/* The members of a module for its arrays, each with its length taken from
 * the array itself, so that the two can never disagree:
 *   const struct api_module x_module = {
 *           .name = "x", API_ROUTES(routes), API_STATEMENTS(statements),
 *   };  */
#define API_ROUTES(a) .routes = (a), .nroutes = API_COUNT(a)
#define API_STATEMENTS(a) .statements = (a), .nstatements = API_COUNT(a)

extern const struct api_module ops_module;
extern const struct api_module areas_module;
extern const struct api_module characteristics_module;
extern const struct api_module demographics_module;
extern const struct api_module hate_crime_statistics_module;
extern const struct api_module hate_crime_reports_module;
extern const struct api_module returns_module;
extern const struct api_module workforce_module;
extern const struct api_module action_plan_module;
extern const struct api_module indicators_module;
extern const struct api_module changes_module;
extern const struct api_module codes_module;
extern const struct api_module metrics_module;
extern const struct api_module web_module;
extern const struct api_module data_protection_module;
extern const struct api_module organisations_module;
extern const struct api_module objectives_module;
extern const struct api_module impact_assessments_module;
extern const struct api_module reports_module;
extern const struct api_module releases_module;

#endif
