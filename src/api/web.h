/*
 * web.h - the web pages built into the binary: /docs (the API reference,
 * rendered from /openapi.yaml by the vendored Redoc), /dashboard (the live
 * indicators dashboard) and /assets/{name} (their scripts, styles and the
 * vendored libraries with their licences).
 *
 * The files live in web/ and are compiled in by tools/embed.c, which writes
 * the table below at build time (see meson.build).  The module itself,
 * web_module, is declared in api/api.h like every other.
 */
#ifndef EQ_API_WEB_H
#define EQ_API_WEB_H

#include <stddef.h>

/* One embedded file.  Everything is static data of the generated table. */
struct web_asset {
	const char *name;               /* base name: "dashboard.js" */
	const unsigned char *data;
	size_t len;
	const char *etag;               /* strong: "\"<32 hex of SHA-256>\"" */
	const char *fingerprint;        /* 16 hex; pages ask for /assets/NAME?v=<this> */
};

extern const struct web_asset web_assets[];
extern const size_t web_assets_count;

/* The embedded file served under name, or NULL. */
const struct web_asset *web_asset_find(const char *name);

/* Content-Type for a file name, by its extension (a static string). */
const char *web_content_type(const char *name);

#endif
