"""HTTP conventions: connections, routing errors, CORS, strict query
parsing, caching validators, HEAD, CSV, body limits and request framing."""

import csv
import io
import json
import re
import socket
import time

import pytest
import requests

from checks import assert_problem, media_type, problem_schema
from harness import split_http_responses

ALLOWED_ORIGIN = "https://council.example"


# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------

def read_one_response(sock: socket.socket, timeout: float = 5.0) -> dict:
    """Read exactly one Content-Length-framed (or chunked) response."""
    sock.settimeout(timeout)
    data = b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        parsed = split_http_responses(data) if b"\r\n\r\n" in data else []
        if parsed and not parsed[0].get("incomplete") and parsed[0].get("status"):
            head_len = data.find(b"\r\n\r\n") + 4
            if len(data) >= head_len + len(parsed[0]["body"]):
                return parsed[0]
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    parsed = split_http_responses(data)
    assert parsed and parsed[0].get("status"), f"no complete response: {data[:300]!r}"
    return parsed[0]


def assert_healthy(api):
    r = api.get("/healthz")
    assert r.status_code == 200, "the service stopped answering /healthz"


def get_request(path: str, extra: str = "") -> bytes:
    return (f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{extra}\r\n").encode()


# ---------------------------------------------------------------------------
# connections
# ---------------------------------------------------------------------------

def test_keep_alive_two_requests_on_one_connection(server):
    with socket.create_connection((server.host, server.port), timeout=5) as s:
        s.sendall(get_request("/healthz"))
        first = read_one_response(s)
        s.sendall(get_request("/v1/areas/E05013628"))
        second = read_one_response(s)
    assert first["status"] == 200 and second["status"] == 200
    assert json.loads(first["body"]) == {"status": "ok"}
    assert json.loads(second["body"])["name"] == "Barnet Vale"
    for resp in (first, second):
        assert "close" not in resp["headers"].get("connection", "").lower(), resp["headers"]


def test_pipelined_requests_are_answered_in_order(server, raw_request):
    data = get_request("/v1/areas/E05013628") + get_request("/v1/areas/E09000003") \
        + get_request("/healthz", "Connection: close\r\n")
    raw = raw_request(server.port, data, 3.0)
    responses = split_http_responses(raw)
    assert [r["status"] for r in responses] == [200, 200, 200], raw[:500]
    assert json.loads(responses[0]["body"])["code"] == "E05013628"
    assert json.loads(responses[1]["body"])["code"] == "E09000003"
    assert json.loads(responses[2]["body"]) == {"status": "ok"}


# ---------------------------------------------------------------------------
# routing errors
# ---------------------------------------------------------------------------

def test_unknown_path_is_404_problem(api, openapi):
    for path in ("/nope", "/v1/areas/E05013628/extra", "/v2/areas", "/v1/areas/"):
        r = api.get(path)
        body = assert_problem(r, 404, openapi)
        assert body["type"] == "urn:equalities:problem:not-found"
    assert_healthy(api)


def test_wrong_method_is_405_with_allow(api, openapi):
    for method in ("POST", "PUT", "DELETE", "PATCH"):
        r = api.request(method, "/v1/areas", data=b"{}" if method != "DELETE" else None)
        body = assert_problem(r, 405, openapi)
        assert body["type"] == "urn:equalities:problem:method-not-allowed"
        allow = {m.strip() for m in r.headers.get("Allow", "").split(",")}
        assert allow == {"GET", "HEAD", "OPTIONS"}, r.headers.get("Allow")
    assert_healthy(api)


def test_options_is_204_with_allow(api, openapi):
    r = api.options("/v1/areas")
    assert r.status_code == 204
    openapi.validate(r, "/v1/areas", "options")
    assert r.content == b""
    allow = {m.strip() for m in r.headers["Allow"].split(",")}
    assert allow == {"GET", "HEAD", "OPTIONS"}
    r = api.options("/v1/areas/E05013628")
    assert r.status_code == 204
    openapi.validate(r, "/v1/areas/{code}", "options")


# ---------------------------------------------------------------------------
# CORS
# ---------------------------------------------------------------------------

def test_cors_on_get_for_an_allowed_origin_only(api, openapi):
    r = api.get("/v1/areas", params={"limit": "2"}, headers={"Origin": ALLOWED_ORIGIN})
    assert r.status_code == 200
    openapi.validate(r, "/v1/areas")
    assert r.headers.get("Access-Control-Allow-Origin") == ALLOWED_ORIGIN
    exposed = r.headers.get("Access-Control-Expose-Headers", "")
    for h in ("ETag", "X-Request-Id"):
        assert h in exposed, exposed
    assert "Origin" in r.headers.get("Vary", ""), r.headers.get("Vary")

    for other in ("https://evil.example", "https://council.example.evil.com",
                  "http://council.example", "null"):
        r = api.get("/v1/areas", params={"limit": "2"}, headers={"Origin": other})
        assert r.status_code == 200
        openapi.validate(r, "/v1/areas")
        assert "Access-Control-Allow-Origin" not in r.headers, (other, r.headers)


def test_cors_on_errors_for_an_allowed_origin(api, openapi):
    r = api.get("/v1/areas", params={"limit": "0"}, headers={"Origin": ALLOWED_ORIGIN})
    assert_problem(r, 400, openapi, "/v1/areas")
    assert r.headers.get("Access-Control-Allow-Origin") == ALLOWED_ORIGIN


def test_cors_preflight(api, openapi):
    r = api.options("/v1/demographics", headers={
        "Origin": ALLOWED_ORIGIN, "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "If-None-Match"})
    assert r.status_code == 204
    openapi.validate(r, "/v1/demographics", "options")
    assert r.headers.get("Access-Control-Allow-Origin") == ALLOWED_ORIGIN
    methods = {m.strip() for m in r.headers.get("Access-Control-Allow-Methods", "").split(",")}
    assert "GET" in methods, r.headers
    assert "If-None-Match" in r.headers.get("Access-Control-Allow-Headers", "")
    assert int(r.headers.get("Access-Control-Max-Age", "0")) > 0

    r = api.options("/v1/demographics", headers={
        "Origin": "https://evil.example", "Access-Control-Request-Method": "GET"})
    assert r.status_code == 204
    for h in r.headers:
        assert not h.lower().startswith("access-control-"), r.headers


# ---------------------------------------------------------------------------
# query strictness
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("path,template,param", [
    ("/v1/areas?bogus=1", "/v1/areas", "bogus"),
    ("/v1/areas?limit=5&Kind=ward", "/v1/areas", "Kind"),
    ("/v1/areas/E05013628?verbose=true", "/v1/areas/{code}", "verbose"),
    ("/v1/characteristics?kind=ward", "/v1/characteristics", "kind"),
    ("/v1/demographics?ward=E05013628", "/v1/demographics", "ward"),
    ("/v1/demographics/datasets/census-2021-demo?format=csv",
     "/v1/demographics/datasets/{slug}", "format"),
])
def test_unknown_query_parameter_is_400_naming_it(api, openapi, path, template, param):
    r = api.get(path)
    body = assert_problem(r, 400, openapi, template, parameter=param)
    assert body["type"] == "urn:equalities:problem:invalid-parameter"


@pytest.mark.parametrize("query", ["kind=%zz", "kind=%", "kind=%C3%28", "kind=ward%00",
                                   "ki%zznd=ward", "kind=%E2%82", "kind=%ED%A0%80"])
def test_bad_percent_encoding_is_400(api, openapi, query):
    r = api.get("/v1/areas?" + query)
    assert_problem(r, 400, openapi, "/v1/areas")
    assert_healthy(api)


def test_bad_percent_encoding_in_the_path_is_400(server, raw_request, api):
    for path in ("/v1/areas/E0501%zz628", "/v1/areas/%C3%28", "/v1/areas/E05013628%00",
                 "/v1/areas%2FE05013628"):
        raw = raw_request(server.port, get_request(path, "Connection: close\r\n"), 2.0)
        resp = split_http_responses(raw)
        assert resp and resp[0]["status"] == 400, (path, raw[:300])
        assert resp[0]["headers"]["content-type"].startswith("application/problem+json")
        assert_healthy(api)


@pytest.mark.parametrize("limit", ["0", "501", "abc", "-1", "01", "1.5", "", " 5", "5 ",
                                   "99999999999999999999"])
def test_bad_limit_is_400(api, openapi, limit):
    r = api.get("/v1/areas", params={"limit": limit})
    assert_problem(r, 400, openapi, "/v1/areas", parameter="limit")


def test_limits_at_the_bounds_are_accepted(api, openapi):
    for limit in ("1", "500"):
        r = api.get("/v1/areas", params={"limit": limit})
        assert r.status_code == 200
        body = openapi.validate(r, "/v1/areas")
        assert len(body["data"]) == min(int(limit), 25)


@pytest.mark.parametrize("query,param", [
    ("limit=5&limit=5", "limit"),
    ("kind=ward&kind=ward", "kind"),
    ("parent=E09000003&parent=E09000003", "parent"),
    ("format=json&format=json", "format"),
])
def test_single_valued_parameter_twice_is_400(api, openapi, query, param):
    r = api.get("/v1/areas?" + query)
    assert_problem(r, 400, openapi, "/v1/areas", parameter=param)


def test_demographics_single_valued_parameters_twice_are_400(api, openapi):
    for query, param in (("dataset=census-2021-demo&dataset=census-2021-demo", "dataset"),
                         ("area_kind=ward&area_kind=ward", "area_kind")):
        r = api.get("/v1/demographics?" + query)
        assert_problem(r, 400, openapi, "/v1/demographics", parameter=param)


@pytest.mark.parametrize("cursor", ["garbage", "x", "!!!!", "Zm9vOmJhcg", "a" * 2000])
def test_garbage_cursor_is_400(api, openapi, cursor):
    for path in ("/v1/areas", "/v1/characteristics", "/v1/demographics",
                 "/v1/demographics/datasets"):
        r = api.get(path, params={"cursor": cursor})
        assert_problem(r, 400, openapi, path, parameter="cursor")


# ---------------------------------------------------------------------------
# caching validators
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("path,template", [
    ("/v1/areas?limit=3", "/v1/areas"),
    ("/v1/areas/E05013628", "/v1/areas/{code}"),
    ("/v1/characteristics/ethnicity", "/v1/characteristics/{code}"),
    ("/v1/demographics?characteristic=sex&area=E09000003", "/v1/demographics"),
    ("/v1/demographics/datasets", "/v1/demographics/datasets"),
])
def test_strong_etag_and_304(api, openapi, path, template):
    r = api.get(path)
    assert r.status_code == 200
    openapi.validate(r, template)
    etag = r.headers.get("ETag")
    assert etag and not etag.startswith("W/"), f"strong ETag expected: {etag!r}"
    assert re.fullmatch(r'"[^"]+"', etag), etag
    cc = r.headers.get("Cache-Control", "")
    # Revalidated on every use: a dashboard's poll sees a change at once.
    assert cc == "public, no-cache", cc

    again = api.get(path)
    openapi.validate(again, template)
    assert again.headers.get("ETag") == etag, "same bytes should give the same ETag"
    assert again.content == r.content

    for inm in (etag, f'"nope", {etag}', "*"):
        nm = api.get(path, headers={"If-None-Match": inm})
        assert nm.status_code == 304, (inm, nm.status_code)
        openapi.validate(nm, template)
        assert nm.content == b""
        assert nm.headers.get("ETag") == etag
        assert nm.headers.get("Cache-Control", "") == "public, no-cache"

    other = api.get(path, headers={"If-None-Match": '"0000"'})
    assert other.status_code == 200
    openapi.validate(other, template)
    assert other.content == r.content


def test_304_does_not_claim_a_zero_length_body(server, raw_request):
    """RFC 9110 8.6: a 304 MUST NOT carry a Content-Length other than the
    length the 200 would have had (caches and proxies rely on it)."""
    raw = raw_request(server.port, get_request("/v1/areas/E05013628", "Connection: close\r\n"), 2.0)
    ok = split_http_responses(raw)[0]
    assert ok["status"] == 200
    etag = ok["headers"]["etag"]
    raw = raw_request(server.port, get_request(
        "/v1/areas/E05013628", f"If-None-Match: {etag}\r\nConnection: close\r\n"), 2.0)
    nm = split_http_responses(raw)[0]
    assert nm["status"] == 304
    assert nm["body"] == b""
    cl = nm["headers"].get("content-length")
    assert cl is None or int(cl) == len(ok["body"]), (
        f"304 carries Content-Length: {cl}, but the 200 body is {len(ok['body'])} bytes")
    # And the connection stays usable: the next response follows at once.
    raw = raw_request(server.port, get_request("/v1/areas/E05013628", f"If-None-Match: {etag}\r\n")
                      + get_request("/healthz", "Connection: close\r\n"), 2.0)
    assert raw.count(b"HTTP/1.1 ") == 2, raw[:600]
    second = raw[raw.index(b"HTTP/1.1 ", 1):]
    assert second.startswith(b"HTTP/1.1 200"), raw[:600]
    assert second.endswith(b'{"status":"ok"}'), raw[-200:]


def test_csv_and_json_have_different_etags(api, openapi):
    j = api.get("/v1/areas", params={"limit": "3"})
    c = api.get("/v1/areas", params={"limit": "3", "format": "csv"})
    assert j.status_code == c.status_code == 200
    openapi.validate(j, "/v1/areas")
    openapi.validate(c, "/v1/areas")
    assert j.headers["ETag"] != c.headers["ETag"]
    nm = api.get("/v1/areas", params={"limit": "3", "format": "csv"},
                 headers={"If-None-Match": j.headers["ETag"]})
    assert nm.status_code == 200, "a JSON ETag must not validate the CSV representation"
    openapi.validate(nm, "/v1/areas")


def test_errors_are_no_store(api, openapi):
    for path, status, template in (("/v1/areas?limit=0", 400, "/v1/areas"),
                                   ("/v1/areas/E05099999", 404, "/v1/areas/{code}"),
                                   ("/nope", 404, None)):
        r = api.get(path)
        assert_problem(r, status, openapi, template)
        assert r.headers.get("Cache-Control") == "no-store", (path, r.headers)
        assert "ETag" not in r.headers


def test_operational_endpoints_are_no_store(api, openapi):
    for path in ("/healthz", "/readyz"):
        r = api.get(path)
        openapi.validate(r, path)
        assert r.headers.get("Cache-Control") == "no-store", (path, r.headers)


# ---------------------------------------------------------------------------
# HEAD
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("path,template", [
    ("/v1/areas?limit=4", "/v1/areas"),
    ("/v1/areas/E05013628", "/v1/areas/{code}"),
    ("/v1/demographics?characteristic=religion&area=E05013628", "/v1/demographics"),
])
def test_head_has_the_get_headers_and_no_body(server, raw_request, api, openapi, path, template):
    g = api.get(path)
    h = api.head(path)
    assert h.status_code == g.status_code == 200
    openapi.validate(h, template)
    assert h.content == b""
    for name in ("Content-Type", "ETag", "Cache-Control"):
        assert h.headers.get(name) == g.headers.get(name), name
    # On the wire: nothing after the head, even with a following request.
    raw = raw_request(server.port, (f"HEAD {path} HTTP/1.1\r\nHost: x\r\n\r\n").encode()
                      + get_request("/healthz", "Connection: close\r\n"), 2.0)
    resp = split_http_responses(raw, head_indices=[0])
    assert [r["status"] for r in resp] == [200, 200], raw[:400]
    assert resp[0]["body"] == b""
    assert json.loads(resp[1]["body"]) == {"status": "ok"}


# ---------------------------------------------------------------------------
# CSV
# ---------------------------------------------------------------------------

def parse_csv(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def check_csv_response(r) -> list[list[str]]:
    assert r.status_code == 200, r.text[:300]
    assert media_type(r) == "text/csv", r.headers.get("Content-Type")
    assert "charset=utf-8" in r.headers["Content-Type"].lower()
    text = r.content.decode("utf-8")
    assert text.endswith("\r\n")
    assert "\n" not in text.replace("\r\n", ""), "bare LF in CSV (RFC 4180 wants CRLF)"
    return parse_csv(text)


def test_csv_by_format_parameter(api, openapi):
    r = api.get("/v1/areas", params={"format": "csv", "limit": "500"})
    openapi.validate(r, "/v1/areas")
    rows = check_csv_response(r)
    assert rows[0] == ["code", "name", "kind", "parent"]
    j = api.get("/v1/areas", params={"limit": "500"}).json()["data"]
    assert rows[1:] == [[a["code"], a["name"], a["kind"], a["parent"] or ""] for a in j]


def test_csv_by_accept_header(api, openapi):
    r = api.get("/v1/areas", params={"limit": "500"}, headers={"Accept": "text/csv"})
    openapi.validate(r, "/v1/areas")
    rows = check_csv_response(r)
    assert rows[0] == ["code", "name", "kind", "parent"]
    assert len(rows) == 26
    # JSON wins when both are acceptable, and format=json wins over Accept.
    both = api.get("/v1/areas", headers={"Accept": "text/csv, application/json"})
    assert media_type(both) == "application/json"
    forced = api.get("/v1/areas", params={"format": "json"}, headers={"Accept": "text/csv"})
    assert media_type(forced) == "application/json"


def test_csv_pages_link_to_the_next(api, openapi):
    r = api.get("/v1/areas", params={"format": "csv", "limit": "10"})
    openapi.validate(r, "/v1/areas")
    rows = check_csv_response(r)
    assert len(rows) == 11
    link = r.headers.get("Link", "")
    m = re.fullmatch(r'<(/v1/areas\?[^>]+)>; rel="next", <[^>]+>; rel="describedby"; type="text/csv"', link)
    assert m, link
    again = api.get("/v1/areas", params={"format": "csv", "limit": "10"})
    assert again.headers.get("Link") == link, "a repeated (cached) CSV page lost its Link"
    assert again.content == r.content
    r2 = api.get(m.group(1))
    rows2 = check_csv_response(r2)
    assert rows2[0] == rows[0]
    assert rows2[1][0] > rows[-1][0]


def test_format_xml_is_400(api, openapi):
    r = api.get("/v1/areas", params={"format": "xml"})
    assert_problem(r, 400, openapi, "/v1/areas", parameter="format")


# ---------------------------------------------------------------------------
# bodies and framing
# ---------------------------------------------------------------------------

def test_body_over_the_limit_is_413_and_the_service_stays_up(start_server, make_client,
                                                               raw_request, openapi):
    srv = start_server(EQ_MAX_BODY_BYTES="1024")
    client = make_client(srv)
    body = b"x" * 5000
    raw = raw_request(srv.port, (
        "POST /v1/areas HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n").encode() + body, 3.0)
    resp = split_http_responses(raw)
    assert resp and resp[0]["status"] == 413, raw[:400]
    assert resp[0]["headers"]["content-type"].startswith("application/problem+json")
    problem = json.loads(resp[0]["body"])
    openapi.validate_body(problem, problem_schema(openapi), "413 body")
    assert problem["status"] == 413
    assert problem["type"] == "urn:equalities:problem:body-too-large"
    assert client.get("/healthz").status_code == 200

    # The same through a client library, with the body streaming in chunks.
    def chunks():
        for _ in range(10):
            yield b"y" * 500
    try:
        r = client.post("/v1/areas", data=chunks())
        assert r.status_code == 413, r.status_code
    except requests.ConnectionError:
        pass  # closing on an oversized body is acceptable; a 2xx is not
    assert client.get("/healthz").status_code == 200

    # A body within the limit on the same route is not 413 (it is 405 here).
    r = client.post("/v1/areas", data=b"y" * 1000)
    assert r.status_code == 405
    assert client.get("/healthz").status_code == 200


@pytest.mark.parametrize("request_bytes", [
    b"POST /v1/areas HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
    b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    b"GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
    b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\n\r\n",
    b"GET /v1/areas HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
    b"Content-Length: 3\r\n\r\n0\r\n\r\n",
], ids=["post-cl-te", "get-cl-te-smuggle", "get-te-cl"])
def test_content_length_with_chunked_is_refused(server, raw_request, api, request_bytes):
    raw = raw_request(server.port, request_bytes, 2.0)
    resp = split_http_responses(raw)
    # Either a 400 or a closed connection; never a success.
    statuses = [r.get("status") for r in resp]
    assert all(s is None or s >= 400 for s in statuses), (statuses, raw[:400])
    if resp:
        assert statuses[0] == 400, raw[:400]
    assert_healthy(api)


def test_two_different_content_lengths_are_400(server, raw_request, api):
    raw = raw_request(server.port, b"POST /v1/areas HTTP/1.1\r\nHost: x\r\n"
                      b"Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello!", 2.0)
    resp = split_http_responses(raw)
    assert resp and resp[0]["status"] == 400, raw[:400]
    assert len([r for r in resp if r.get("status")]) == 1, raw[:600]
    assert_healthy(api)


@pytest.mark.parametrize("cl", [b"-1", b"abc", b"5x", b"99999999999999999999999"])
def test_invalid_content_length_is_400(server, raw_request, api, cl):
    raw = raw_request(server.port, b"POST /v1/areas HTTP/1.1\r\nHost: x\r\nContent-Length: "
                      + cl + b"\r\n\r\nhello", 2.0)
    resp = split_http_responses(raw)
    statuses = [r.get("status") for r in resp]
    assert all(s is None or s >= 400 for s in statuses), (statuses, raw[:400])
    assert statuses and statuses[0] in (400, 413), raw[:400]
    assert_healthy(api)


@pytest.mark.parametrize("request_bytes", [
    b"GET /healthz HTTP/1.1\r\n\r\n",
    b"GET /v1/areas/E05013628 HTTP/1.1\r\nConnection: close\r\n\r\n",
], ids=["healthz", "area"])
def test_http11_without_host_gets_one_well_formed_400(server, raw_request, api, request_bytes):
    raw = raw_request(server.port, request_bytes, 1.5)
    assert raw.count(b"HTTP/1.") == 1, f"expected exactly one status line, got: {raw[:400]!r}"
    resp = split_http_responses(raw)
    assert len(resp) == 1 and resp[0]["status"] == 400, raw[:400]
    assert not resp[0]["body"].startswith(b"HTTP/"), f"a header block sent as the body: {raw[:400]!r}"
    assert_healthy(api)


def test_garbage_request_line_does_not_hurt(server, raw_request, api):
    for data in (b"HELLO\r\n\r\n", b"GET\r\n\r\n", b"GET /healthz HTTP/9.9\r\n\r\n",
                 b"\x00\x01\x02\r\n\r\n", b"GET " + b"/a" * 5000 + b" HTTP/1.1\r\nHost: x\r\n\r\n"):
        raw = raw_request(server.port, data, 1.0)
        for r in split_http_responses(raw):
            assert r.get("status") is None or r["status"] >= 400, (data[:40], raw[:300])
        assert_healthy(api)


@pytest.mark.parametrize("path,param", [
    ("/v1/hate-crime/statistics", "group_by"),
    ("/v1/demographics", "area"),
    ("/v1/workforce/profile", "characteristic"),
])
def test_detail_quoting_a_value_cut_inside_utf8_is_400(api, openapi, path, param):
    """Found by tests/fuzz: a detail that quotes a value cut to 20-64 bytes
    ("'%.40s' is not ...") inside a multi-byte character could not be encoded
    as JSON, and the 400 became a 500."""
    r = api.get(path, params={param: "a" + "\u00e9" * 40})
    body = assert_problem(r, 400, openapi, path, parameter=param)
    if param == "characteristic":
        assert "\u00e9" in body["detail"]
    else:
        # A code list names its choices, an area its form: neither quotes
        # a value that is not a code back.
        assert "\u00e9" not in body["detail"] and ("one of:" in body["detail"] or "such as" in body["detail"])


def test_a_method_of_raw_bytes_is_a_400_not_a_500(server):
    """Found by tests/fuzz: libmicrohttpd passes any bytes before the space
    as the method; echoed into the 405's detail, a 0xff made it a 500.  A
    method that is not a token is now refused before routing, as a 400."""
    with socket.create_connection((server.host, server.port), timeout=5) as s:
        s.sendall(b"\xff\xffGET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        resp = read_one_response(s)
    assert resp["status"] == 400, resp
    assert resp["headers"]["content-type"] == "application/problem+json"
    assert json.loads(resp["body"])["status"] == 400
