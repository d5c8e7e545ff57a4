"""The pages built into the binary: GET/HEAD /docs, /dashboard and
/assets/{name}.

Content types, strong ETags (the SHA-256 of the exact bytes, computed at
build time) and 304s, Cache-Control (pages revalidated, fingerprinted
assets immutable), the Content-Security-Policy a browser enforces, bytes
equal to the files in web/, no reference to anything outside the service,
and problem+json for what is not there. What the pages do in a browser is
tests/browser/.
"""

from __future__ import annotations

import hashlib
import re

import pytest

import harness
from checks import assert_problem, media_type

WEB = harness.ROOT / "web"
PAGES = {"/docs": "docs.html", "/dashboard": "dashboard.html"}
ASSET = "/assets/{name}"
ASSET_REF = re.compile(r'/assets/([A-Za-z0-9._-]+)\?v=([0-9a-f]{16})"')
SRC_OR_HREF = re.compile(r'\b(?:src|href)="([^"]*)"')
ETAG = re.compile(r'"[0-9a-f]{32}"')
CONTENT_TYPES = {
    ".js": "text/javascript",
    ".css": "text/css",
    ".txt": "text/plain",
    ".md": "text/plain",
}


def source_file(name: str):
    """The file in web/ (or web/vendor/) that /assets/<name> serves."""
    for d in (WEB, WEB / "vendor"):
        if (d / name).is_file():
            return d / name
    raise AssertionError(f"/assets/{name} has no file in web/ or web/vendor/")


def csp_directives(value: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for part in value.split(";"):
        words = part.split()
        if words:
            assert words[0] not in out, f"directive {words[0]} given twice: {value}"
            out[words[0]] = words[1:]
    return out


def page_assets(api, path):
    r = api.get(path)
    assert r.status_code == 200, r.text[:300]
    return r, ASSET_REF.findall(r.text)


# ---------------------------------------------------------------------------
# pages
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("path", sorted(PAGES))
def test_page_is_html_with_a_strong_etag_and_revalidated(api, openapi, path):
    r = api.get(path)
    assert r.status_code == 200, r.text[:300]
    openapi.validate(r, path)
    assert r.headers["Content-Type"] == "text/html; charset=utf-8"
    assert r.headers["Cache-Control"] == "public, no-cache"
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["Referrer-Policy"] == "no-referrer"
    etag = r.headers["ETag"]
    assert ETAG.fullmatch(etag), etag
    # Strong: the hash of exactly these bytes (computed once, at build time).
    assert etag == '"%s"' % hashlib.sha256(r.content).hexdigest()[:32]
    assert r.text.lstrip().lower().startswith("<!doctype html>")
    again = api.get(path)
    assert again.headers["ETag"] == etag and again.content == r.content


@pytest.mark.parametrize("path", sorted(PAGES))
def test_page_is_the_file_with_its_assets_fingerprinted(api, path):
    """The served page is web/<page> with each /assets/NAME reference given
    the ?v= fingerprint of the file it names (and nothing else changed)."""
    r, refs = page_assets(api, path)
    source = (WEB / PAGES[path]).read_text(encoding="utf-8")
    assert refs, "the page refers to no asset"
    assert re.sub(r"\?v=[0-9a-f]{16}", "", r.text) == source
    for name, fingerprint in refs:
        body = source_file(name).read_bytes()
        assert fingerprint == hashlib.sha256(body).hexdigest()[:16], name


@pytest.mark.parametrize("path", sorted(PAGES))
def test_page_refers_to_nothing_outside_the_service(api, path):
    r = api.get(path)
    urls = SRC_OR_HREF.findall(r.text)
    assert urls
    for url in urls:
        assert url.startswith("/") or url.startswith("#") or url == "data:,", (
            f"{path} refers to {url!r}: pages load and link to this service only")


@pytest.mark.parametrize("path", sorted(PAGES))
def test_page_content_security_policy(api, path):
    csp = csp_directives(api.get(path).headers["Content-Security-Policy"])
    assert csp["default-src"] == ["'self'"]
    # No inline or evaluated script, and nothing from another origin, ever.
    assert csp["script-src"] == ["'self'"]
    assert csp["connect-src"] == ["'self'"]
    assert csp["object-src"] == ["'none'"]
    assert csp["base-uri"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"]
    for name, sources in csp.items():
        for s in sources:
            assert s in ("'self'", "'none'", "'unsafe-inline'", "data:", "blob:"), (
                f"{name} allows {s}: only this origin (and data:/blob:) may be named")
    if path == "/dashboard":
        assert csp["style-src"] == ["'self'"], "the dashboard needs no inline style"
        assert "worker-src" not in csp
    else:
        # Redoc's styled-components inject <style>; its search runs in a blob: worker.
        assert csp["style-src"] == ["'self'", "'unsafe-inline'"]
        assert csp["worker-src"] == ["blob:"]


@pytest.mark.parametrize("path", sorted(PAGES))
def test_page_if_none_match_gives_304(api, openapi, path):
    r = api.get(path)
    etag = r.headers["ETag"]
    for inm in (etag, f'"0123", {etag}', "W/" + etag, "*"):
        nm = api.get(path, headers={"If-None-Match": inm})
        assert nm.status_code == 304, (inm, nm.status_code)
        openapi.validate(nm, path)
        assert nm.content == b""
        assert nm.headers["ETag"] == etag
        assert nm.headers["Cache-Control"] == "public, no-cache"
    other = api.get(path, headers={"If-None-Match": '"00000000000000000000000000000000"'})
    assert other.status_code == 200 and other.content == r.content


def test_304_states_the_length_of_the_page(server, raw_request):
    """As for every 304 of the service: the 200's length, never 0."""
    full = harness.split_http_responses(raw_request(server.port, (
        "GET /dashboard HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n").encode(), 2.0))[0]
    assert full["status"] == 200
    etag = full["headers"]["etag"]
    nm = harness.split_http_responses(raw_request(server.port, (
        f"GET /dashboard HTTP/1.1\r\nHost: t\r\nIf-None-Match: {etag}\r\n"
        "Connection: close\r\n\r\n").encode(), 2.0))[0]
    assert nm["status"] == 304 and nm["body"] == b""
    assert int(nm["headers"]["content-length"]) == len(full["body"])


@pytest.mark.parametrize("path", sorted(PAGES))
def test_page_head(api, openapi, path):
    full = api.get(path)
    h = api.head(path)
    assert h.status_code == 200
    openapi.validate(h, path, method="get")
    assert h.content == b""
    assert int(h.headers["Content-Length"]) == len(full.content)
    for name in ("Content-Type", "ETag", "Cache-Control", "Content-Security-Policy"):
        assert h.headers[name] == full.headers[name], name
    nm = api.head(path, headers={"If-None-Match": full.headers["ETag"]})
    assert nm.status_code == 304


@pytest.mark.parametrize("path", sorted(PAGES))
def test_page_takes_no_query_parameters(api, openapi, path):
    r = api.get(path + "?theme=dark")
    assert_problem(r, 400, openapi, path, parameter="theme")


@pytest.mark.parametrize("path", sorted(PAGES))
def test_page_refuses_other_methods(api, path):
    r = api.post(path, data=b"")
    assert_problem(r, 405)
    assert r.headers["Allow"] == "GET, HEAD, OPTIONS"


def test_docs_page_renders_the_served_document(api):
    """The reference is drawn from /openapi.yaml, by the vendored renderer."""
    _, refs = page_assets(api, "/docs")
    names = [n for n, _ in refs]
    assert "redoc.standalone.js" in names and "docs.js" in names
    script = api.get("/assets/docs.js").text
    assert "'/openapi.yaml'" in script
    assert api.get("/openapi.yaml").status_code == 200


def test_dashboard_reads_only_public_routes_of_the_api(api, openapi):
    """Every /v1 route the dashboard's script asks for is documented and public."""
    script = api.get("/assets/dashboard.js").text
    routes = set(re.findall(r"'(/v1/[a-z/-]+)", script))
    assert {"/v1/scorecard", "/v1/hate-crime/statistics", "/v1/areas", "/v1/demographics"} <= routes
    for route in routes:
        op = openapi.operation(route, "get")
        assert op.get("security") == [], f"{route} needs a key: the dashboard has none"


def test_stylesheets_are_well_formed():
    """An unbalanced brace makes a browser drop the rules after it without a
    word (it happened: the tables lost their scrolling)."""
    for css in sorted(WEB.glob("*.css")):
        text = re.sub(r"/\*.*?\*/", "", css.read_text(encoding="utf-8"), flags=re.S)
        text = re.sub(r'"(?:[^"\\]|\\.)*"', '""', text)
        depth = 0
        for n, ch in enumerate(text):
            depth += (ch == "{") - (ch == "}")
            assert depth >= 0, f"{css.name}: a '}}' closes nothing (character {n} without comments)"
        assert depth == 0, f"{css.name}: {depth} block(s) left open"


# ---------------------------------------------------------------------------
# assets
# ---------------------------------------------------------------------------

def referenced_assets(api):
    seen = {}
    for path in PAGES:
        for name, fingerprint in page_assets(api, path)[1]:
            seen[name] = fingerprint
    return seen


def test_every_asset_the_pages_use_is_the_file_with_its_type(api, openapi):
    assets = referenced_assets(api)
    assert {"redoc.standalone.js", "chart.umd.min.js", "dashboard.js", "dashboard.css",
            "docs.js", "docs.css"} <= set(assets)
    for name, fingerprint in assets.items():
        r = api.get(f"/assets/{name}?v={fingerprint}")
        assert r.status_code == 200, (name, r.status_code)
        openapi.validate(r, ASSET)
        ext = name[name.rindex("."):]
        assert media_type(r) == CONTENT_TYPES[ext], (name, r.headers["Content-Type"])
        assert r.headers["Content-Type"].endswith("; charset=utf-8"), name
        assert r.content == source_file(name).read_bytes(), f"/assets/{name} differs from its file"
        assert r.headers["ETag"] == '"%s"' % hashlib.sha256(r.content).hexdigest()[:32]
        assert r.headers["Cache-Control"] == "public, max-age=31536000, immutable", name
        assert "Content-Security-Policy" not in r.headers


@pytest.mark.parametrize("name", [
    "redoc.LICENSE.txt", "redoc.standalone.js.LICENSE.txt", "redoc.worker.LICENSE.txt",
    "chart.js.LICENSE.md",
])
def test_licences_of_the_vendored_libraries_are_served(api, openapi, name):
    r = api.get(f"/assets/{name}")
    assert r.status_code == 200
    openapi.validate(r, ASSET)
    assert r.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert r.content == source_file(name).read_bytes()
    assert b"Copyright" in r.content or b"(c)" in r.content.lower()


@pytest.mark.parametrize("query", ["", "?v=0000000000000000", "?v="])
def test_asset_without_its_fingerprint_is_revalidated(api, openapi, query):
    """Another or no v: the current bytes, but not cacheable for good."""
    assets = referenced_assets(api)
    r = api.get("/assets/dashboard.js" + query)
    assert r.status_code == 200
    openapi.validate(r, ASSET)
    assert r.headers["Cache-Control"] == "public, no-cache"
    pinned = api.get(f"/assets/dashboard.js?v={assets['dashboard.js']}")
    assert r.content == pinned.content
    assert r.headers["ETag"] == pinned.headers["ETag"]


def test_asset_if_none_match_and_head(api, openapi):
    fingerprint = referenced_assets(api)["chart.umd.min.js"]
    url = f"/assets/chart.umd.min.js?v={fingerprint}"
    full = api.get(url)
    etag = full.headers["ETag"]
    nm = api.get(url, headers={"If-None-Match": etag})
    assert nm.status_code == 304
    openapi.validate(nm, ASSET)
    assert nm.content == b""
    assert nm.headers["ETag"] == etag
    assert nm.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    h = api.head(url)
    assert h.status_code == 200 and h.content == b""
    assert int(h.headers["Content-Length"]) == len(full.content) > 100_000
    assert h.headers["ETag"] == etag
    assert h.headers["Content-Type"] == full.headers["Content-Type"]


@pytest.mark.parametrize("name", [
    "nope.js",
    "docs.html",          # pages have one URL each: /docs, /dashboard
    "dashboard.html",
    "SOURCES.tsv",        # in web/vendor/ but not built in
    "DASHBOARD.JS",
])
def test_unknown_asset_is_404_problem(api, openapi, name):
    r = api.get(f"/assets/{name}")
    body = assert_problem(r, 404, openapi, ASSET)
    assert body["type"] == "urn:equalities:problem:not-found"
    assert "ETag" not in r.headers
    assert r.headers["Cache-Control"] == "no-store"
    h = api.head(f"/assets/{name}")
    assert h.status_code == 404 and h.content == b""


def test_asset_path_cannot_leave_the_table(api):
    for path in ("/assets/..%2Fapi%2Fopenapi.yaml", "/assets/%2e%2e", "/assets/dashboard.js/x",
                 "/assets/", "/assets"):
        r = api.get(path)
        assert r.status_code in (400, 404), (path, r.status_code)
        assert media_type(r) == "application/problem+json", path


def test_asset_takes_only_v(api, openapi):
    r = api.get("/assets/dashboard.js?version=1")
    assert_problem(r, 400, openapi, ASSET, parameter="version")
