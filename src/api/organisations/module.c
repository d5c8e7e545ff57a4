/*
 * module.c - organisations and their equalities policies: routes and
 * statements.
 *
 *   GET   /v1/organisations          public (JSON or CSV), by slug, filter kind
 *   GET   /v1/organisations/{slug}   public
 *   POST  /v1/organisations          admin (the council), idempotent
 *   PATCH /v1/organisations/{slug}   admin (the council): name, policy link,
 *                                    review date; submit:returns (a partner):
 *                                    its own policy link only.  If-Match.
 *
 * Each organisation shows every return window it was due to return in
 * (opened by today) with its outcome: on_time, late, overdue, returned or
 * open.  Another organisation's record is 404 to a partner's PATCH.
 */
#include "api/api.h"
#include "api/organisations/organisations.h"
#include "db/listener.h"
#include "http/cache.h"

static const struct db_statement statements[] = {
	/* $1 kind; $2 the last row's slug; $3 limit + 1. */
	{ "org_list",
	  "SELECT organisation_json(o)::text, o.slug FROM organisations o"
	  " WHERE ($1::text IS NULL OR o.kind = $1) AND ($2::text IS NULL OR o.slug > $2)"
	  " ORDER BY o.slug LIMIT $3", 3 },
	{ "org_total", "SELECT count(*) FROM organisations o WHERE ($1::text IS NULL OR o.kind = $1)", 1 },
	{ "org_public",
	  "SELECT organisation_json(o)::text FROM organisations o WHERE o.slug = $1", 1 },
	/* $2: the organisation a partner's key belongs to, NULL for the council. */
	{ "org_get",
	  "SELECT organisation_json(o)::text, o.version FROM organisations o"
	  " WHERE o.slug = $1 AND ($2::bigint IS NULL OR o.id = $2)", 2 },
	{ "org_lock",
	  "SELECT o.version, organisation_json(o)::text FROM organisations o"
	  " WHERE o.slug = $1 AND ($2::bigint IS NULL OR o.id = $2) FOR UPDATE", 2 },
	{ "org_update",
	  "UPDATE organisations SET name = $2, equalities_policy_url = $3,"
	  " policy_reviewed_on = $4::date, version = version + 1, updated_at = now()"
	  " WHERE slug = $1", 4 },
	{ "org_insert",
	  "INSERT INTO organisations (slug, name, kind, equalities_policy_url, policy_reviewed_on)"
	  " VALUES ($1, $2, $3, $4, $5::date) ON CONFLICT (slug) DO NOTHING RETURNING slug", 5 },
};

#define ORG_DEPENDS (DATA_REFERENCE | DATA_RETURNS)

static const struct route routes[] = {
	{ .method = HTTP_GET, .template = "/v1/organisations", .handler = organisation_list,
	  .flags = ROUTE_PUBLIC | ROUTE_CSV, .depends = ORG_DEPENDS },
	{ .method = HTTP_POST, .template = "/v1/organisations", .handler = organisation_create,
	  .flags = ROUTE_WRITE | ROUTE_IDEMPOTENT | ROUTE_BODY, .scope = "admin",
	  .action = "organisation.create", .depends = DATA_REFERENCE },
	{ .method = HTTP_GET, .template = "/v1/organisations/{slug}", .handler = organisation_get,
	  .flags = ROUTE_PUBLIC, .depends = ORG_DEPENDS },
	{ .method = HTTP_PATCH, .template = "/v1/organisations/{slug}", .handler = organisation_patch,
	  .flags = ROUTE_WRITE | ROUTE_BODY, .scope = "admin,submit:returns",
	  .action = "organisation.update", .depends = DATA_REFERENCE },
};

const struct api_module organisations_module = {
	.name = "organisations", API_ROUTES(routes), API_STATEMENTS(statements),
};
