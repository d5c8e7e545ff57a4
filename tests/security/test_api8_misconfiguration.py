"""OWASP API8:2023 Security Misconfiguration.

- Every response the service writes (success, redirect-free 304, every error
  class, OPTIONS, HEAD) carries `X-Content-Type-Options: nosniff` and an
  `X-Request-Id`, is never HTML, sets no cookie, names no server software
  or version (`Server`, `X-Powered-By`, `Via`).  The only responses the
  service does not write itself are libmicrohttpd's own 414/431 for a
  request line or header block too big to parse; those are a fixed text
  that echoes nothing, and the connection is closed (checked in API4 and
  here).
- Caching: record-level and keyed responses are `private, no-store`,
  errors and writes `no-store`, public data `public, max-age`.
- Errors never show internals: requests built to hit every error path
  (wrong types, huge and negative numbers, malformed UUIDs, SQL and path
  fragments, bad encodings, wrong content types, JSON of the wrong shape)
  are 4xx problem+json with no SQL, libpq, file path or stack in them; with
  PostgreSQL stopped, requests get 503 with Retry-After and no libpq
  message, /healthz stays 200 and /readyz says 503.
- TRACE is refused and echoes nothing; CORS answers only the configured
  origins (no look-alikes, no `null`), never allows credentials, and
  preflights for other origins get nothing; OPTIONS says Allow and nothing
  about the resource.
"""

from __future__ import annotations

import json
import time
import uuid

import pytest

from checks import assert_problem
from secsupport import auth, crawl_targets, leaks

ALLOWED_ORIGIN = "https://council.example"      # harness.Server sets EQ_CORS_ORIGINS to it


def check_headers(r, what, problems, html_ok=False):
    h = r.headers
    if h.get("X-Content-Type-Options") != "nosniff":
        problems.append(f"{what}: X-Content-Type-Options {h.get('X-Content-Type-Options')!r}")
    if not h.get("X-Request-Id"):
        problems.append(f"{what}: no X-Request-Id")
    for name in ("Server", "X-Powered-By", "Via", "X-AspNet-Version", "X-Runtime"):
        if name in h:
            problems.append(f"{what}: {name}: {h[name]}")
    if "Set-Cookie" in h:
        problems.append(f"{what}: sets a cookie")
    if "html" in h.get("Content-Type", "").lower() and not html_ok:
        problems.append(f"{what}: HTML where the contract documents none")
    if not h.get("Cache-Control"):
        problems.append(f"{what}: no Cache-Control")


# Public, but never to be stored: they change from one moment to the next.
LIVE = ("/metrics", "/v1/changes",
        # One indicator value, read just before a PUT replaces it: never
        # from a cache, with the version ETag that If-Match names.
        "/v1/indicators/{code}/values/{period}", "/v1/indicators/{code}/values/{fy_start}/{period}")
# Pages and their assets: revalidated on every load (no-cache), or stored for
# good under a fingerprinted URL (immutable).
PAGES = ("/docs", "/dashboard", "/assets/{name}")


def sample_responses(api, openapi, keys, records):
    """(label, response, kind, html documented) for every class of response."""
    out = []
    for t in crawl_targets(api, openapi, keys, records):
        r = api.get(t["path"], params=t["params"], headers=t["headers"])
        kind = "keyed" if "Authorization" in t["headers"] else \
            "ops" if t["template"] in ("/healthz", "/readyz") else \
            "live" if t["template"] in LIVE else \
            "page" if t["template"] in PAGES else "public"
        html = any("html" in media for status, resp in
                   openapi.operation(t["template"])["responses"].items()
                   for media in (openapi.deref(resp).get("content") or {}))
        out.append((t["label"], r, kind, html))
        if kind in ("public", "page") and r.headers.get("ETag"):
            r304 = api.get(t["path"], params=t["params"],
                           headers={"If-None-Match": r.headers["ETag"]})
            out.append((t["label"] + " (304)", r304, kind, html))
        out.append((t["label"] + " (HEAD)", api.head(t["path"], params=t["params"],
                                                     headers=t["headers"]), kind, html))
    rid = records["report"]["id"]
    centre = keys["centre"]
    out += [
        ("404 path", api.get("/nowhere"), "error", False),
        ("404 record", api.get(f"/v1/hate-crime/reports/{uuid.uuid4()}", headers=auth(centre)),
         "keyed", False),
        ("405", api.delete("/v1/areas"), "error", False),
        ("401", api.get("/v1/hate-crime/reports"), "keyed", False),
        ("403", api.get("/v1/returns", headers=auth(centre)), "keyed", False),
        ("400", api.get("/v1/areas", params={"limit": "x"}), "error", False),
        ("413", api.post("/v1/hate-crime/reports", data=b" " * (1024 * 1024 + 10),
                         headers=auth(centre, **{"Content-Type": "application/json"})), "keyed", False),
        ("422", api.post("/v1/hate-crime/reports", json={}, headers=auth(centre)), "keyed", False),
        ("412", api.patch(f"/v1/hate-crime/reports/{rid}", json={"channel": "other"},
                          headers=auth(centre, **{"If-Match": '"v999"'})), "keyed", False),
        ("428", api.patch(f"/v1/hate-crime/reports/{rid}", json={"channel": "other"},
                          headers=auth(centre)), "keyed", False),
        ("201", api.post("/v1/hate-crime/reports", json={
            "occurred_from": "2024-05-03", "reported_on": "2024-05-04",
            "location": {"kind": "ward", "ward": "E05013642"}, "strands": ["race"],
            "offence_type": "public_order", "channel": "in_person",
            "submitter_reference": "SEC-H-" + uuid.uuid4().hex[:12]}, headers=auth(centre)),
         "keyed", False),
        ("OPTIONS", api.options("/v1/areas"), "options", False),
        ("preflight", api.options("/v1/hate-crime/reports", headers={
            "Origin": ALLOWED_ORIGIN, "Access-Control-Request-Method": "POST"}), "options", False),
        ("TRACE", api.request("TRACE", "/v1/areas"), "error", False),
    ]
    return out


def test_every_response_is_hardened(api, openapi, keys, records):
    problems = []
    for what, r, kind, html in sample_responses(api, openapi, keys, records):
        check_headers(r, what, problems, html)
        cc = r.headers.get("Cache-Control", "")
        if kind == "keyed" and (cc not in ("private, no-store", "no-store")):
            problems.append(f"{what}: keyed response with Cache-Control {cc!r}")
        if kind in ("error", "options", "ops") and "no-store" not in cc:
            problems.append(f"{what}: Cache-Control {cc!r}")
        if kind == "public" and r.status_code in (200, 304) and not cc.startswith(("public, max-age=", "public, no-cache")):
            problems.append(f"{what}: public data with Cache-Control {cc!r}")
        if kind == "live" and "no-store" not in cc:
            problems.append(f"{what}: live data with Cache-Control {cc!r}")
        if kind == "page" and r.status_code in (200, 304) and not (
                cc.startswith("public, ") and ("no-cache" in cc or "immutable" in cc)):
            problems.append(f"{what}: page or asset with Cache-Control {cc!r}")
        if r.status_code >= 400 and not r.headers.get("Content-Type", "").startswith(
                "application/problem+json") and r.request.method != "HEAD":
            problems.append(f"{what}: error as {r.headers.get('Content-Type')}")
    assert not problems, "\n".join(problems[:40])


def test_library_errors_echo_nothing(raw_request, server):
    """libmicrohttpd's own answers to an unparseable request: fixed text,
    connection closed, nothing of the request in them."""
    marker = b"<script>alert(1)</script>"
    for data in (b"GET /v1/areas?" + marker + b"a" * 100_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
                 b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + marker + b"a" * 100_000
                 + b"\r\n\r\n"):
        got = raw_request(server.port, data, 5)
        assert got.split(b" ", 2)[1] in (b"414", b"431"), got[:200]
        assert marker not in got and b"aaaa" not in got


BAD_REQUESTS = [
    ("get", "/v1/areas", {"limit": "1e400"}, None),
    ("get", "/v1/areas", {"limit": "99999999999999999999999999"}, None),
    ("get", "/v1/areas", {"limit": "-1"}, None),
    ("get", "/v1/areas", {"kind": "' OR 1=1--"}, None),
    ("get", "/v1/areas", {"parent": "\"; DROP TABLE areas; --"}, None),
    ("get", "/v1/areas", {"cursor": "' UNION SELECT key_hash FROM api_keys--"}, None),
    ("get", "/v1/areas/%27%20OR%201%3D1--", None, None),
    ("get", "/v1/areas/..%5C..%5Cetc%5Cpasswd", None, None),
    ("get", "/v1/areas/%00", None, None),
    ("get", "/v1/areas/%C0%AE%C0%AE", None, None),
    ("get", "/v1/areas/%FF%FE", None, None),
    ("get", "/v1/demographics", {"area": "E05013642\x00"}, None),
    ("get", "/v1/demographics", {"dataset": "x" * 5000}, None),
    ("get", "/v1/demographics", {"characteristic": "%s%s%s%n"}, None),
    ("get", "/v1/hate-crime/statistics", {"from": "2024-02-30"}, None),
    ("get", "/v1/hate-crime/statistics", {"from": "99999999-01"}, None),
    ("get", "/v1/hate-crime/statistics", {"to": "-2024/25"}, None),
    ("get", "/v1/workforce/profile", {"as_of": "2024-13-45"}, None),
    ("get", "/v1/workforce/profile", {"as_of": "0000-00-00"}, None),
    ("get", "/v1/indicators/x'--/values", {"from": "9999999/99"}, None),
    ("get", "/v1/scorecard", {"period": "2024/25 Q9"}, None),
    ("get", "/v1/returns/summary", {"window": "not-a-uuid"}, None),
    ("get", "/v1/returns/summary", {"window": str(uuid.uuid4())}, None),
    ("get", "/v1/actions/not-a-uuid", None, None),
    ("get", "/v1/actions/00000000-0000-0000-0000-000000000000", None, None),
    ("get", "/v1/action-plans/9999999999999999999-00", None, None),
    ("get", "/v1/hate-crime/reports/not-a-uuid", None, "centre"),
    ("get", "/v1/hate-crime/reports/" + "f" * 300, None, "centre"),
    ("get", "/v1/hate-crime/reports", {"from": "1e400"}, "centre"),
    ("get", "/v1/hate-crime/reports", {"ward": "' OR ''='"}, "centre"),
    ("post", "/v1/hate-crime/reports", [], "centre"),
    ("post", "/v1/hate-crime/reports", "a string", "centre"),
    ("post", "/v1/hate-crime/reports", {"occurred_from": 1e308, "reported_on": -1e308,
                                        "strands": "race", "location": [], "victim": {},
                                        "submitter_reference": "x" * 10000}, "centre"),
    ("post", "/v1/returns", '{"window": "\' OR 1=1", "total": 1e400, "lines": []}', "care"),
    ("post", "/v1/returns", {"window": str(uuid.uuid4()), "total": 99999999999999999999,
                             "lines": {"sex": {"female": -5}}}, "care"),
    ("put", "/v1/indicators/get-on-well/values/2024/25-Q1", {"target": "1e400",
                                                             "actual": 1e308}, "council_all"),
    ("put", "/v1/indicators/get-on-well/values/2024/25-Q1", {"target": 123456789012345678},
     "council_all"),
]


@pytest.mark.parametrize("method,path,payload,key", BAD_REQUESTS,
                         ids=[f"{m} {p} {str(q)[:30]}" for m, p, q, k in BAD_REQUESTS])
def test_errors_show_no_internals(api, keys, method, path, payload, key):
    h = auth(keys[key]) if key else {}
    if method == "get":
        r = api.get(path, params=payload, headers=h)
    elif isinstance(payload, str) and payload.startswith("{"):
        r = api.request(method, path, data=payload.encode(),
                        headers=dict(h, **{"Content-Type": "application/json"}))
    elif payload == [] or isinstance(payload, str):
        r = api.request(method, path, data=json.dumps(payload),
                        headers=dict(h, **{"Content-Type": "application/json"}))
    else:
        r = api.request(method, path, json=payload, headers=h)
    assert 400 <= r.status_code < 500, f"{r.status_code}: {r.text[:300]}"
    assert r.headers["Content-Type"].startswith("application/problem+json")
    found = leaks(r.text)
    assert not found, f"the error shows internals ({found}): {r.text[:500]}"


def test_wrong_content_types_are_refused_plainly(api, keys):
    for ctype, body in (("text/plain", b'{"a":1}'), ("application/xml", b"<a/>"),
                        ("application/x-www-form-urlencoded", b"a=1&b=2"),
                        ("multipart/form-data; boundary=x", b"--x\r\n\r\na\r\n--x--"),
                        ("application/json; charset=utf-16", '{"a":1}'.encode("utf-16"))):
        r = api.post("/v1/hate-crime/reports", data=body,
                     headers=auth(keys["centre"], **{"Content-Type": ctype}))
        assert r.status_code in (400, 415, 422), (ctype, r.status_code, r.text[:200])
        assert not leaks(r.text), r.text


def test_database_down_shows_no_internals(start_server, make_client, pg, keys, openapi, api):
    srv = start_server(EQ_RESPONSE_CACHE="off", EQ_RATE_LIMIT_PER_IP=0, EQ_RATE_LIMIT_PER_KEY=0)
    client = make_client(srv)
    assert client.get("/readyz").status_code == 200
    pg.stop("fast")
    try:
        for path, h in (("/v1/areas", {}), ("/v1/demographics", {}),
                        ("/v1/hate-crime/statistics", {}),
                        ("/v1/hate-crime/reports", auth(keys["centre"]))):
            r = client.get(path, headers=h)
            body = assert_problem(r, 503, openapi)
            assert r.headers.get("Retry-After", "").isdigit(), r.headers
            assert not leaks(r.text), r.text
            assert "55" not in body["detail"] and "connect" not in body["detail"].lower(), body
        r = client.post("/v1/hate-crime/reports", json={}, headers=auth(keys["centre"]))
        assert_problem(r, 503, openapi)
        assert client.get("/healthz").status_code == 200
        r = client.get("/readyz")
        assert r.status_code == 503 and not leaks(r.text), r.text
    finally:
        pg.start()
    deadline = time.monotonic() + 15
    while client.get("/readyz").status_code != 200:
        assert time.monotonic() < deadline, "not ready again after PostgreSQL came back"
        time.sleep(0.1)
    # The session's server lost its connections too: each stale one answers
    # one 503 before it reconnects.  Let it, before the next tests use it.
    ok = 0
    while ok < 8:
        assert time.monotonic() < deadline, "the session's server did not recover"
        r = api.get("/v1/hate-crime/reports", params={"limit": 1}, headers=auth(keys["centre"]))
        ok = ok + 1 if r.status_code == 200 else 0


def test_trace_is_refused_and_echoes_nothing(api, keys):
    marker = "trace-" + uuid.uuid4().hex
    for path in ("/v1/areas", "/v1/hate-crime/reports", "/nowhere", "*"):
        r = api.request("TRACE", path if path != "*" else "/", headers={
            "X-Marker": marker, "Cookie": f"c={marker}", "Authorization": f"Bearer {marker}"})
        assert r.status_code in (404, 405, 501), r.status_code
        assert marker not in r.text and marker not in str(r.headers)
        assert r.headers.get("Content-Type", "").startswith("application/problem+json")


@pytest.mark.parametrize("origin", [
    "https://evil.example", "null", "https://council.example.evil.example",
    "https://evilcouncil.example", "http://council.example", "https://council.example:8443",
    "https://council.example/", "https://sub.council.example", "HTTPS://COUNCIL.EXAMPLE.evil",
    "https://council.example, https://evil.example",
])
def test_cors_answers_only_the_configured_origin(api, keys, origin):
    for r in (api.get("/v1/areas", headers={"Origin": origin}),
              api.get("/v1/hate-crime/reports", headers=auth(keys["centre"], Origin=origin)),
              api.options("/v1/hate-crime/reports", headers={
                  "Origin": origin, "Access-Control-Request-Method": "POST",
                  "Access-Control-Request-Headers": "authorization"})):
        for h in r.headers:
            assert not h.lower().startswith("access-control-"), (origin, h, r.headers[h])


def test_cors_for_the_configured_origin_without_credentials(api, keys):
    r = api.get("/v1/areas", headers={"Origin": ALLOWED_ORIGIN})
    assert r.headers["Access-Control-Allow-Origin"] == ALLOWED_ORIGIN
    assert "Origin" in r.headers.get("Vary", "")
    pre = api.options("/v1/hate-crime/reports", headers={
        "Origin": ALLOWED_ORIGIN, "Access-Control-Request-Method": "POST"})
    assert pre.status_code == 204
    assert pre.headers["Access-Control-Allow-Origin"] == ALLOWED_ORIGIN
    methods = {m.strip() for m in pre.headers["Access-Control-Allow-Methods"].split(",")}
    assert methods == {"GET", "HEAD", "POST", "OPTIONS"}, methods
    for r in (r, pre, api.get("/v1/hate-crime/reports",
                              headers=auth(keys["centre"], Origin=ALLOWED_ORIGIN))):
        assert "Access-Control-Allow-Credentials" not in r.headers


OPTIONS_HEADERS = {"allow", "cache-control", "x-request-id", "x-content-type-options", "vary",
                   "date", "content-length", "connection", "keep-alive",
                   "access-control-allow-origin", "access-control-allow-methods",
                   "access-control-allow-headers", "access-control-max-age"}


def test_options_says_allow_and_nothing_more(api, openapi, records, keys):
    for path in ("/v1/areas", "/v1/hate-crime/reports", f"/v1/hate-crime/reports/{records['report']['id']}",
                 f"/v1/hate-crime/reports/{uuid.uuid4()}", "/v1/returns/summary"):
        for h in ({}, auth(keys["centre"]), {"Origin": ALLOWED_ORIGIN,
                                             "Access-Control-Request-Method": "GET"}):
            r = api.options(path, headers=h)
            assert r.status_code == 204 and not r.content, (path, r.status_code)
            extra = {k.lower() for k in r.headers} - OPTIONS_HEADERS
            assert not extra, f"OPTIONS {path} says more than Allow: {extra}"
    # An existing record and a made-up one look the same.
    a = api.options(f"/v1/hate-crime/reports/{records['report']['id']}")
    b = api.options(f"/v1/hate-crime/reports/{uuid.uuid4()}")
    assert a.headers["Allow"] == b.headers["Allow"]
