/*
 * releases.c - GET /v1/releases and /v1/releases/{id}: the published
 * statistics' releases, newest first, with what changed since each one's
 * previous version (a statistics producer's change log).  Releases are
 * made by each statistic (POST /v1/hate-crime/releases, ...) through
 * api/kit/releases.h, whose statements this module registers.
 */
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/common.h"
#include "api/kit/list.h"
#include "api/kit/releases.h"
#include "http/cache.h"
#include "http/request.h"
#include "http/response.h"

static const char *const statistics[] = { "hate-crime", "returns-summary", "demographics", NULL };

/* Newest first: by id, descending. */
static const enum cursor_key id_key[] = { CURSOR_KEY_INT };
static const struct cursor_spec release_keyset = { "releases", id_key, 1 };
static const int id_col[] = { 1 };

static const struct csv_column release_columns[] = {
	{ "id", "/id" }, { "statistic", "/statistic" }, { "key", "/key" }, { "version", "/version" },
	{ "made_at", "/made_at" }, { "reason", "/reason" },
	{ "previous_version", "/changes/previous_version" }, { "revised", "/changes/revised" },
	{ "newly_withheld", "/changes/newly_withheld" }, { "newly_published", "/changes/newly_published" },
	{ "unchanged", "/changes/unchanged" },
};

static const struct list_query release_query = {
	&release_keyset, "rel_list", id_col, NULL, release_columns, API_COUNT(release_columns), NULL, NULL,
};

/* Filters statistic and key, in rel_list's order. */
static void release_list(struct request *req, struct response *res)
{
	const char *filters[2] = { NULL, NULL };

	if (request_enum_or_respond(req, res, "statistic", statistics, NULL, &filters[0]) ||
	    request_single_or_respond(req, res, "key", &filters[1]))
		return;
	list_run(req, res, &release_query, filters, 2);
}

static bool id_valid(const char *id)
{
	size_t n = strlen(id);

	return n >= 1 && n <= 18 && strspn(id, "0123456789") == n && id[0] != '0';
}

static void release_get(struct request *req, struct response *res)
{
	const char *id = request_param(req, "id");

	api_record_respond(req, res, "rel_get", id, id_valid(id), "There is no release with that id.");
}

static const struct route routes[] = {
	{ .method = HTTP_GET, .template = "/v1/releases", .handler = release_list,
	  .flags = ROUTE_PUBLIC | ROUTE_CSV, .depends = DATA_REFERENCE },
	{ .method = HTTP_GET, .template = "/v1/releases/{id}", .handler = release_get,
	  .flags = ROUTE_PUBLIC, .depends = DATA_REFERENCE },
};

const struct api_module releases_module = {
	.name = "releases", API_ROUTES(routes),
	.statements = releases_statements, .nstatements = RELEASES_NSTATEMENTS,
};
