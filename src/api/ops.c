/*
 * ops.c - operations endpoints: /healthz, /readyz, /openapi.yaml.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "config.h"
#include "db/migrate.h"
#include "http/cache.h"
#include "http/request.h"
#include "http/response.h"
#include "util/buf.h"

static struct migration_set migrations;
static struct buf openapi = BUF_INIT;

static const struct db_statement statements[] = {
	{ "ops_migrations", MIGRATE_STATUS_SQL, 0 },
};

static int ops_init(const struct config *cfg, char *err, size_t errlen)
{
	struct buf path = BUF_INIT;
	int rc = -1;

	if (buf_appendf(&path, "%s/migrations", cfg->root) ||
	    migration_set_load(buf_cstr(&path), &migrations, err, errlen))
		goto done;
	buf_reset(&path);
	if (buf_appendf(&path, "%s/api/openapi.yaml", cfg->root) ||
	    buf_read_file(&openapi, buf_cstr(&path), 4 * 1024 * 1024)) {
		snprintf(err, errlen, "cannot read %s (is EQ_ROOT the project folder?)", buf_cstr(&path));
		goto done;
	}
	rc = 0;
done:
	buf_release(&path);
	return rc;
}

/* The process is up and answering: nothing else is checked on purpose, so
 * that an orchestrator does not restart us for a database outage. */
static void healthz(struct request *req, struct response *res)
{
	(void)req;
	response_json(res, 200, json_pack("{s:s}", "status", "ok"));
}

static void readyz(struct request *req, struct response *res)
{
	PGresult *rows = NULL;
	char reason[256];

	req->db = db_acquire();
	if (!req->db || db_exec(req->db, "ops_migrations", 0, NULL, &rows) != DB_OK) {
		problem_send(res, 503, "not-ready", "Not ready",
			     "The database cannot be reached, or its schema does not match this build (run migrate).");
		(void)response_header_add(res, "Retry-After", "1");
		return;
	}
	if (migrate_check_rows(&migrations, rows, reason, sizeof(reason)) != 0) {
		PQclear(rows);
		problem_send(res, 503, "not-ready", "Not ready", reason);
		(void)response_header_add(res, "Retry-After", "5");
		return;
	}
	PQclear(rows);
	response_json(res, 200, json_pack("{s:s, s:{s:s, s:s}}", "status", "ready", "checks",
					  "database", "ok", "migrations", "current"));
}

static void openapi_yaml(struct request *req, struct response *res)
{
	(void)req;
	response_bytes(res, 200, "application/yaml", buf_cstr(&openapi), openapi.len);
}

static const struct route routes[] = {
	{ .method = HTTP_GET, .template = "/healthz", .handler = healthz, .flags = ROUTE_INLINE },
	{ .method = HTTP_GET, .template = "/readyz", .handler = readyz },
	{ .method = HTTP_GET, .template = "/openapi.yaml", .handler = openapi_yaml,
	  .flags = ROUTE_PUBLIC | ROUTE_INLINE,
	  /* The file is read once at start: no write changes it. */
	  .depends = DATA_REFERENCE },
};

const struct api_module ops_module = {
	.name = "ops", API_ROUTES(routes), API_STATEMENTS(statements), .init = ops_init,
};
