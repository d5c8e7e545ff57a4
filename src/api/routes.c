/*
 * routes.c - the list of resource modules and the route table built from it.
 * Adding a resource: write src/api/<name>.c exporting <name>_module, add it
 * below, describe it in api/openapi.yaml.
 */
#include "api/routes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "db/keys.h"
#include "db/write_frame.h"

static const struct api_module *const modules[] = {
	&ops_module,
	&areas_module,
	&characteristics_module,
	&demographics_module,
	&hate_crime_statistics_module,
	&hate_crime_reports_module,
	&returns_module,
	&workforce_module,
	&action_plan_module,
	&indicators_module,
	&changes_module,
	&metrics_module,
	&web_module,
	&codes_module,
	&data_protection_module,
	&organisations_module,
	&objectives_module,
	&impact_assessments_module,
	&reports_module,
	&releases_module,
};

static struct route *table;
static size_t ntable;

int routes_init(const struct config *cfg, char *err, size_t errlen)
{
	size_t total = 0, k = 0;

	for (size_t i = 0; i < API_COUNT(modules); i++)
		total += modules[i]->nroutes;
	table = calloc(total, sizeof(*table));
	if (!table) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (db_register_statements(keys_statements, keys_nstatements) != 0 ||
	    db_register_statements(write_frame_statements, write_frame_nstatements) != 0) {
		snprintf(err, errlen, "too many statement tables");
		return -1;
	}
	for (size_t i = 0; i < API_COUNT(modules); i++) {
		const struct api_module *m = modules[i];

		if (m->nstatements && db_register_statements(m->statements, m->nstatements) != 0) {
			snprintf(err, errlen, "too many statement tables");
			return -1;
		}
		if (m->init && m->init(cfg, err, errlen) != 0)
			return -1;
		memcpy(table + k, m->routes, m->nroutes * sizeof(*table));
		k += m->nroutes;
	}
	ntable = k;
	for (size_t i = 0; i < API_COUNT(modules); i++)
		if (modules[i]->routes_ready)
			modules[i]->routes_ready(table, ntable);
	return 0;
}

const struct route *routes_table(size_t *n)
{
	*n = ntable;
	return table;
}

void routes_release(void)
{
	free(table);
	table = NULL;
	ntable = 0;
}
