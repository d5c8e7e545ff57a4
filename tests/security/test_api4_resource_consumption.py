"""OWASP API4:2023 Unrestricted Resource Consumption.

Every way a client can make the service hold memory, CPU or a connection
is bounded, answered at once with a clear status, and leaves the service
healthy:

- bodies: over EQ_MAX_BODY_BYTES is 413 whether announced by
  Content-Length (answered before the body is read, even when the body never
  comes) or streamed chunked; the largest accepted body full of errors gets
  a bounded answer (errors are capped), not an amplified one;
- headers and request targets: a huge header, thousands of headers, a huge
  URL are refused by the library with 431/414 and the connection closed;
  a long query string, thousands of query parameters (this used to hang the
  connection for 30 s and leak, see src/http/server.c hide_query_from_library)
  and a thousand values in one filter are 400 at once;
- paging: `limit` above the documented maximum is refused on every list,
  forged cursors are refused;
- JSON: 100,000 levels of nesting is a clear 400, no crash; huge arrays
  within the body cap are 422 quickly with a bounded error list;
- slow clients: a client that sends half a request is dropped after
  EQ_CONNECTION_TIMEOUT while others are served (the heavy slow-client and
  flood tests live in tests/faults);
- request rates: per client address and per key, 429 with Retry-After
  (EQ_RATE_LIMIT_PER_IP[_BURST], EQ_RATE_LIMIT_PER_KEY[_BURST]).
"""

from __future__ import annotations

import http.client
import json
import socket
import time

import pytest

from checks import assert_problem
from harness import split_http_responses
from secsupport import ALL_SCOPES, auth, make_key, operations, report_body

OFF = {"EQ_RATE_LIMIT_PER_IP": 0, "EQ_RATE_LIMIT_PER_KEY": 0, "EQ_AUTH_FAILURES_PER_HOUR": 0}


def raw(port, data: bytes, read_timeout=3.0, chunks=None):
    """Send data (then each of chunks), return (bytes received, seconds until
    the server closed the connection or None if it did not)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    t0 = time.monotonic()
    out = b""
    closed = None
    try:
        try:
            s.sendall(data)
            for c in chunks or []:
                s.sendall(c)
        except (BrokenPipeError, ConnectionResetError):
            pass
        s.settimeout(read_timeout)
        while True:
            try:
                b = s.recv(65536)
            except socket.timeout:
                break
            except ConnectionResetError:
                closed = time.monotonic() - t0
                break
            if not b:
                closed = time.monotonic() - t0
                break
            out += b
    finally:
        s.close()
    return out, closed


def healthy(srv):
    c = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=5)
    try:
        c.request("GET", "/healthz")
        return c.getresponse().status == 200
    finally:
        c.close()


# ---------------------------------------------------------------------------
# bodies
# ---------------------------------------------------------------------------

def test_bodies_over_the_cap_are_413(start_server, make_client, keys, openapi):
    srv = start_server(EQ_MAX_BODY_BYTES=1024, **OFF)
    client = make_client(srv)
    key = keys["centre"]
    big = report_body(submitter_reference="SEC-big", other_strand_reason="x" * 2000)
    r = client.post("/v1/hate-crime/reports", json=big, headers=auth(key))
    body = assert_problem(r, 413, openapi, "/v1/hate-crime/reports", "post")
    assert body["type"].endswith("body-too-large")
    # Just under the cap is read and judged on its merits.
    small = json.dumps(report_body()).encode()
    assert len(small) < 1024
    r = client.post("/v1/hate-crime/reports", data=small,
                    headers=auth(key, **{"Content-Type": "application/json"}))
    assert r.status_code == 201, r.text
    # Announced but never sent: answered at once, not waited for.
    head = (b"POST /v1/hate-crime/reports HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Authorization: Bearer " + key.encode() + b"\r\nContent-Length: 10000000000\r\n\r\n")
    data, closed = raw(srv.port, head, read_timeout=3)
    resp = split_http_responses(data)
    assert resp and resp[0]["status"] == 413, data[:300]
    assert closed is not None and closed < 3, "the connection was kept open for a body we refuse"
    # Streamed without a length: cut off once past the cap.  libmicrohttpd
    # 0.9.75 cannot queue a reply in the middle of a body, so the service
    # drops the connection there rather than read on (a 413 would be
    # kinder; not reading what it will refuse is what matters).
    head = (b"POST /v1/hate-crime/reports HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Authorization: Bearer " + key.encode() + b"\r\nTransfer-Encoding: chunked\r\n\r\n")
    chunk = b"400\r\n" + b" " * 1024 + b"\r\n"
    data, closed = raw(srv.port, head, chunks=[chunk] * 4 + [b"0\r\n\r\n"])
    resp = split_http_responses(data)
    assert (resp and resp[0]["status"] == 413) or data == b"", data[:300]
    assert closed is not None and closed < 3, "the connection was kept open for a body we refuse"
    assert healthy(srv)


def test_default_cap_is_one_mebibyte(api, openapi, keys):
    r = api.post("/v1/hate-crime/reports", data=b" " * (1024 * 1024 + 1),
                 headers=auth(keys["centre"], **{"Content-Type": "application/json"}))
    assert_problem(r, 413, openapi, "/v1/hate-crime/reports", "post")


def test_a_body_full_of_errors_gets_a_bounded_answer(api, keys):
    """Almost 1 MiB of invalid employee rows: every error at once is the
    promise, but the list is capped, so the answer is not an amplifier."""
    row = {"directorate": "nope", "grade_band": "nope", "sex": "nope", "ethnicity": "nope",
           "disability": "nope", "religion": "nope", "sexual_orientation": "nope",
           "age_band": "nope", "hourly_pay": "x"}
    body = json.dumps({"as_of": "1997-03-31", "employees": [row] * 5000})
    assert len(body) < 1024 * 1024
    r = api.post("/v1/workforce/snapshots", data=body, timeout=10,
                 headers=auth(keys["council_all"], **{"Content-Type": "application/json"}))
    assert r.status_code == 422, r.text[:300]
    assert len(r.content) < 64 * 1024, f"{len(r.content)} bytes of errors for one request"


# ---------------------------------------------------------------------------
# headers, targets, query strings
# ---------------------------------------------------------------------------

def test_oversized_headers_and_targets_are_refused_and_closed(start_server):
    srv = start_server(**OFF)
    cases = [
        (b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 100_000 + b"\r\n\r\n", 431),
        (b"GET /healthz HTTP/1.1\r\nHost: x\r\n"
         + b"".join(b"X-H%d: v\r\n" % i for i in range(3000)) + b"\r\n", 431),
        (b"GET /v1/areas?" + b"a" * 100_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414),
    ]
    for data, status in cases:
        got, closed = raw(srv.port, data, read_timeout=5)
        resp = split_http_responses(got)
        assert resp and resp[0]["status"] == status, got[:200]
        assert closed is not None and closed < 5, "connection kept open"
    assert healthy(srv)


@pytest.mark.parametrize("query", [
    pytest.param("&".join(f"a{i}=1" for i in range(1500)), id="1500 parameters in 12 KB"),
    pytest.param("&".join(f"a{i}=1" for i in range(900)), id="900 parameters in 7 KB"),
    pytest.param("&".join("a" for _ in range(4000)), id="4000 empty parameters"),
    pytest.param("&".join(f"kind={i}" for i in range(100)), id="one parameter 100 times"),
    pytest.param("kind=" + "w" * 20_000, id="a 20 KB value"),
])
def test_long_and_crowded_query_strings_are_400_at_once(start_server, openapi, query):
    srv = start_server(**OFF)
    t0 = time.monotonic()
    c = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=5)
    try:
        c.request("GET", "/v1/areas?" + query)
        r = c.getresponse()
        body = r.read()
    finally:
        c.close()
    assert r.status == 400, (r.status, body[:200])
    assert r.getheader("Content-Type").startswith("application/problem+json")
    assert time.monotonic() - t0 < 5
    srv.stop()
    assert srv.returncode == 0


def test_too_many_values_in_one_filter(api, openapi):
    codes = ",".join("E05%06d" % i for i in range(150))
    assert_problem(api.get("/v1/demographics", params={"area": codes}), 400, openapi,
                   "/v1/demographics", parameter="area")


def list_operations(openapi):
    out = []
    for m, t, op in operations(openapi):
        names = {openapi.deref(p).get("name") for p in op.get("parameters", [])}
        if m == "get" and "limit" in names and "{" not in t:
            out.append(t)
    return sorted(out)


def test_limit_is_capped_on_every_list(api, openapi, keys):
    lists = list_operations(openapi)
    assert "/v1/areas" in lists and "/v1/hate-crime/reports" in lists
    schema = openapi.deref(openapi.deref({"$ref": "#/components/parameters/Limit"})["schema"])
    maximum = schema["maximum"]
    assert maximum == 500
    h = auth(keys["council_all"])
    for t in lists:
        ok = api.get(t, params={"limit": maximum}, headers=h)
        assert ok.status_code == 200, (t, ok.text[:200])
        assert len(ok.json()["data"]) <= maximum
        for bad in (maximum + 1, 10 ** 6, 10 ** 30, 0, -1, "1e3", " 5", "5 ", "0x10", "5.0"):
            assert_problem(api.get(t, params={"limit": bad}, headers=h), 400, openapi, t,
                           parameter="limit")


def test_forged_cursors_are_refused(api, openapi):
    first = api.get("/v1/areas", params={"limit": 2}).json()
    nxt = first["links"]["next"]
    assert nxt and "cursor=" in nxt
    for cursor in ("x", "A" * 5000, "YzE6" + "A" * 2000, "%00", "eyJpZCI6MX0", "../../etc"):
        r = api.get("/v1/areas", params={"limit": 2, "cursor": cursor})
        assert_problem(r, 400, openapi, "/v1/areas", parameter="cursor")


# ---------------------------------------------------------------------------
# JSON
# ---------------------------------------------------------------------------

def json_writes(keys, records):
    rep, ret = records["report"]["id"], records["return"]["id"]
    return [
        ("POST", "/v1/hate-crime/reports", keys["centre"]),
        ("PATCH", f"/v1/hate-crime/reports/{rep}", keys["centre"]),
        ("POST", "/v1/returns", keys["care"]),
        ("PUT", f"/v1/returns/{ret}", keys["care"]),
        ("POST", "/v1/return-windows", keys["council_review"]),
        ("POST", "/v1/action-plans", keys["council_all"]),
        ("PUT", "/v1/workforce/snapshots/1999-03-31/pay-gaps", keys["council_all"]),
    ]


@pytest.mark.parametrize("payload", [
    pytest.param(b"[" * 100_000, id="100,000 open arrays"),
    pytest.param(b'{"a":' * 50_000 + b"1" + b"}" * 50_000, id="50,000 nested objects"),
    pytest.param(b"[" * 100_000 + b"]" * 100_000, id="100,000 closed arrays"),
])
def test_deep_nesting_is_a_clear_400(api, openapi, keys, records, server, payload):
    for method, path, key in json_writes(keys, records):
        r = api.request(method, path, data=payload,
                        headers=auth(key, **{"Content-Type": "application/json",
                                             "If-Match": '"v1"'}))
        body = assert_problem(r, 400, openapi)
        assert body["type"].endswith("malformed-json"), (method, path, body)
    assert api.get("/healthz").status_code == 200


def test_huge_arrays_within_the_cap_are_422_quickly(api, keys):
    key = keys["centre"]
    for over in ({"strands": ["race"] * 100_000},
                 {"victim": [{"characteristic": "religion", "category": "jewish"}] * 5_000},
                 {"location": {"kind": "ward", "ward": "E05013642", "x": list(range(50_000))}}):
        t0 = time.monotonic()
        r = api.post("/v1/hate-crime/reports", json=report_body(**over), headers=auth(key))
        assert r.status_code == 422, r.text[:200]
        assert len(r.content) < 64 * 1024
        assert time.monotonic() - t0 < 5


# ---------------------------------------------------------------------------
# slow clients, request rates
# ---------------------------------------------------------------------------

def test_a_client_that_stops_halfway_is_dropped(start_server):
    srv = start_server(EQ_CONNECTION_TIMEOUT=2, **OFF)
    s = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
    try:
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        assert healthy(srv), "another client was not served meanwhile"
        t0 = time.monotonic()
        s.settimeout(8)
        try:
            got = s.recv(1024)
        except ConnectionResetError:
            got = b""
        waited = time.monotonic() - t0
    finally:
        s.close()
    assert got == b"" or got.startswith(b"HTTP/1.1 408"), got[:100]
    assert waited < 6, f"a half-sent request held its connection for {waited:.1f} s"


def get_status(port, path, key=None, source="127.0.0.1"):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=5, source_address=(source, 0))
    try:
        c.request("GET", path, headers={"Authorization": "Bearer " + key} if key else {})
        r = c.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        c.close()


def assert_429(status, headers, body):
    assert status == 429, (status, body[:200])
    assert headers["content-type"].startswith("application/problem+json")
    assert json.loads(body)["type"].endswith("rate-limited")
    assert headers.get("retry-after", "").isdigit() and int(headers["retry-after"]) >= 1


def test_requests_per_address_are_limited(start_server):
    srv = start_server(EQ_RATE_LIMIT_PER_IP=1, EQ_RATE_LIMIT_PER_IP_BURST=10,
                       EQ_RATE_LIMIT_PER_KEY=0, EQ_AUTH_FAILURES_PER_HOUR=0)
    # The start-up's /healthz polls took a token or two already.
    served = 0
    while served < 20:
        got = get_status(srv.port, "/v1/areas")
        if got[0] != 200:
            break
        served += 1
    # (A token a second comes back meanwhile on a slow machine.)
    assert 7 <= served <= 13, f"{served} requests served in a burst of 10"
    assert_429(*got)
    assert get_status(srv.port, "/v1/areas", source="127.0.0.2")[0] == 200


def test_requests_per_key_are_limited(start_server, keys):
    srv = start_server(EQ_RATE_LIMIT_PER_KEY=1, EQ_RATE_LIMIT_PER_KEY_BURST=5,
                       EQ_RATE_LIMIT_PER_IP=0, EQ_AUTH_FAILURES_PER_HOUR=0)
    one = make_key("barnet-council", ALL_SCOPES)
    other = keys["centre"]
    served = 0
    while served < 20:
        got = get_status(srv.port, "/v1/hate-crime/reports", one)
        if got[0] != 200:
            break
        served += 1
    assert 5 <= served <= 8, f"{served} requests served in a burst of 5"
    assert_429(*got)
    assert get_status(srv.port, "/v1/hate-crime/reports", other)[0] == 200
    assert get_status(srv.port, "/v1/areas")[0] == 200
