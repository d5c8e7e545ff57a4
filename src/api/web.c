/*
 * web.c - GET /docs, /dashboard, /reports/annual/{year} and /assets/{name}:
 * the pages and files of
 * web/, embedded in the binary at build time (tools/embed.c writes the
 * table, web.h describes it).  Nothing is read from disk, so the binary and
 * its container image serve them with no files beside them.
 *
 * Caching: each file's strong ETag was computed once, at build time, and a
 * matching If-None-Match gets a 304.  Pages are revalidated on every load
 * (no-cache: a new build is seen at once, an unchanged one costs a 304).
 * Pages ask for their assets as /assets/NAME?v=FINGERPRINT, a URL whose
 * bytes can never change, so those are cacheable for a year; any other URL
 * of an asset is revalidated like a page.
 *
 * Security: pages carry a Content-Security-Policy that lets them load
 * scripts, styles and data from this service only, and run no inline
 * script (ours are all files).  Redoc needs more than the dashboard:
 * styled-components injects <style> elements (style-src 'unsafe-inline')
 * and its search index runs in a Worker built from a blob: URL.
 */
#include "api/web.h"

#include <stdbool.h>
#include <string.h>

#include "api/api.h"
#include "http/request.h"
#include "http/response.h"

#define CSP_COMMON "default-src 'self'; script-src 'self'; connect-src 'self'; " \
	"img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'none'; " \
	"frame-ancestors 'none'"

static const char csp_docs[] = CSP_COMMON "; style-src 'self' 'unsafe-inline'; "
	"font-src 'self' data:; worker-src blob:";
static const char csp_dashboard[] = CSP_COMMON "; style-src 'self'";

static const char cache_revalidate[] = "public, no-cache";
static const char cache_forever[] = "public, max-age=31536000, immutable";

static const struct {
	const char *extension;
	const char *type;
} content_types[] = {
	{ ".html", "text/html; charset=utf-8" },
	{ ".js", "text/javascript; charset=utf-8" },
	{ ".css", "text/css; charset=utf-8" },
	{ ".svg", "image/svg+xml" },
	{ ".png", "image/png" },
	{ ".json", "application/json" },
	{ ".txt", "text/plain; charset=utf-8" },
	{ ".md", "text/plain; charset=utf-8" },
};

const char *web_content_type(const char *name)
{
	size_t len = strlen(name);

	for (size_t i = 0; i < API_COUNT(content_types); i++) {
		size_t elen = strlen(content_types[i].extension);

		if (len > elen && strcmp(name + len - elen, content_types[i].extension) == 0)
			return content_types[i].type;
	}
	/* Licence files and the like: shown, never run. */
	return "text/plain; charset=utf-8";
}

const struct web_asset *web_asset_find(const char *name)
{
	for (size_t i = 0; i < web_assets_count; i++)
		if (strcmp(web_assets[i].name, name) == 0)
			return &web_assets[i];
	return NULL;
}

static bool is_page(const struct web_asset *a)
{
	size_t len = strlen(a->name);

	return len > 5 && strcmp(a->name + len - 5, ".html") == 0;
}

static void send_asset(struct request *req, struct response *res,
		       const struct web_asset *a, const char *cache_control, const char *csp)
{
	struct static_representation rep = {
		.content_type = web_content_type(a->name),
		.data = a->data,
		.len = a->len,
		.etag = a->etag,
		.cache_control = cache_control,
		.csp = csp,
	};

	response_static(req, res, &rep);
}

static void send_page(struct request *req, struct response *res, const char *file,
		      const char *csp)
{
	const struct web_asset *a = web_asset_find(file);

	if (!a) {
		/* The build embeds both pages (meson.build): only a broken build gets here. */
		problem_send_internal(res);
		return;
	}
	send_asset(req, res, a, cache_revalidate, csp);
}

static void docs_page(struct request *req, struct response *res)
{
	send_page(req, res, "docs.html", csp_docs);
}

static void dashboard_page(struct request *req, struct response *res)
{
	send_page(req, res, "dashboard.html", csp_dashboard);
}

/* One page for every year: report.js reads the year from the path and
 * asks /v1/reports/annual/{year}; a year that is not written 2024-25 is a
 * 404 here rather than a page that can only fail. */
static void report_page(struct request *req, struct response *res)
{
	const char *year = request_param(req, "year");

	if (!year || strlen(year) != 7 || year[4] != '-' ||
	    strspn(year, "0123456789") != 4 || strspn(year + 5, "0123456789") != 2) {
		problem_send(res, 404, "not-found", "Not found",
			     "Annual reports are per financial year, written such as /reports/annual/2024-25.");
		return;
	}
	send_page(req, res, "report.html", csp_dashboard);
}

static void asset(struct request *req, struct response *res)
{
	const char *name = request_param(req, "name");
	const char *version = query_get(&req->query, "v");
	const struct web_asset *a = name ? web_asset_find(name) : NULL;

	/* Pages have their own routes: one URL each. */
	if (!a || is_page(a)) {
		problem_send(res, 404, "not-found", "Not found",
			     "No asset of this name is built into the service.");
		return;
	}
	send_asset(req, res, a,
		   version && strcmp(version, a->fingerprint) == 0 ? cache_forever : cache_revalidate,
		   NULL);
}


/*
 * Not ROUTE_PUBLIC: that would put a copy of each file in the response
 * cache and hash the body on every request, when the bytes and their ETag
 * are fixed at build time.  Pages take no query parameters and assets only
 * v: anything else is a 400, as everywhere else.
 */
static const struct route routes[] = {
	{ .method = HTTP_GET, .template = "/docs", .handler = docs_page,
	  .flags = ROUTE_INLINE },
	{ .method = HTTP_GET, .template = "/dashboard", .handler = dashboard_page,
	  .flags = ROUTE_INLINE },
	{ .method = HTTP_GET, .template = "/reports/annual/{year}", .handler = report_page,
	  .flags = ROUTE_INLINE },
	{ .method = HTTP_GET, .template = "/assets/{name}", .handler = asset,
	  .flags = ROUTE_INLINE },
};

const struct api_module web_module = {
	.name = "web", API_ROUTES(routes),
};
