"""HTTP/1.1 conformance over raw sockets: line endings, control characters,
oversized heads, framing, pipelining, Expect: 100-continue, methods and
versions. Each case gets the right status or a closed connection, never a
crash or a desynchronised reply: after a refused request nothing that
followed it on the connection is answered, after an accepted one the next
request is answered in order.

libmicrohttpd 0.9.75 parses the request line and the headers; what it lets
through that it should not, our request handling refuses (src/http/server.c,
exchange_start), with problem+json, X-Request-Id and the connection closed.
What it refuses itself (malformed request lines and versions, a header
without a colon, Content-Length that is not a number, heads over the memory
limit) gets its own short HTML page without X-Request-Id, since 0.9.75 has
no hook for those; those tests check the status and the closed connection.
Cases test_http.py covers already (Content-Length with Transfer-Encoding,
two different Content-Lengths, no Host, a few pipelined GETs) are not
repeated here.
"""

from __future__ import annotations

import json
import socket
import time

import pytest

import harness
from harness import make_key
from harness import split_http_responses

HEALTHZ = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
HEALTHZ_CLOSE = b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
OK_BODY = b'{"status":"ok"}'


def exchange(port: int, *parts: bytes, timeout: float = 2.0, pause: float = 0.0):
    """Send each part (pausing between them), then read until the server
    closes or ``timeout`` s pass. (bytes received, closed by the server)."""
    out = b""
    closed = False
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        for i, part in enumerate(parts):
            try:
                s.sendall(part)
            except (BrokenPipeError, ConnectionResetError):
                break
            if pause and i < len(parts) - 1:
                time.sleep(pause)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            s.settimeout(max(0.01, deadline - time.monotonic()))
            try:
                b = s.recv(65536)
            except socket.timeout:
                break
            except ConnectionResetError:
                closed = True
                break
            if not b:
                closed = True
                break
            out += b
    return out, closed


def statuses(raw: bytes, head_indices=()) -> list:
    return [r.get("status") for r in split_http_responses(raw, head_indices)]


def assert_ours(resp: dict, status: int, type_suffix: str | None = None) -> dict:
    """One of our problem+json answers (not libmicrohttpd's page)."""
    assert resp["status"] == status, resp
    assert resp["headers"].get("content-type", "").startswith("application/problem+json"), resp
    assert resp["headers"].get("x-request-id"), resp["headers"]
    body = json.loads(resp["body"])
    assert body["status"] == status
    if type_suffix:
        assert body["type"] == "urn:equalities:problem:" + type_suffix, body
    return body


def assert_refused_and_closed(raw: bytes, closed: bool, status: int, type_suffix: str):
    """Our refusal, the connection closed, and nothing after it answered."""
    resps = split_http_responses(raw)
    assert len(resps) == 1, raw[:600]
    assert_ours(resps[0], status, type_suffix)
    assert "close" in resps[0]["headers"].get("connection", "").lower(), resps[0]["headers"]
    assert closed, "the connection should be closed after a refused request"


def assert_library_refusal(raw: bytes, closed: bool, status: int):
    """libmicrohttpd's own refusal: its status first, the connection
    closed, and the request after it on the connection never answered."""
    assert raw.startswith(b"HTTP/1.1 %d " % status), raw[:300]
    assert closed, "the connection should be closed after a refused request"
    assert OK_BODY not in raw, f"a request after the refused one was answered: {raw[:600]!r}"


def assert_healthy(port: int):
    raw, _ = exchange(port, HEALTHZ_CLOSE)
    assert statuses(raw) == [200], raw[:300]


# ---------------------------------------------------------------------------
# line endings and characters
# ---------------------------------------------------------------------------

def test_bare_lf_line_endings_are_read_as_line_ends(server):
    """RFC 9112 2.2 lets a server take a bare LF as a line end; libmicrohttpd
    does, in the request line, the headers and chunked bodies alike, so the
    requests on a connection stay in step."""
    raw, _ = exchange(server.port, b"GET /healthz HTTP/1.1\nHost: x\nConnection: close\n\n")
    resps = split_http_responses(raw)
    assert [r["status"] for r in resps] == [200] and resps[0]["body"] == OK_BODY, raw[:300]
    assert resps[0]["headers"].get("x-request-id")
    raw, closed = exchange(server.port, b"GET /v1/areas/E05013628 HTTP/1.1\nHost: x\n\n"
                           b"GET /healthz HTTP/1.1\r\nHost: x\nConnection: close\r\n\n")
    resps = split_http_responses(raw)
    assert [r["status"] for r in resps] == [200, 200], raw[:600]
    assert json.loads(resps[0]["body"])["code"] == "E05013628"
    assert resps[1]["body"] == OK_BODY and closed
    # A chunked body with bare-LF chunk lines, then the next request.
    raw, closed = exchange(server.port, b"POST /v1/areas HTTP/1.1\r\nHost: x\r\n"
                           b"Transfer-Encoding: chunked\r\n\r\n3\nabc\n0\n\n" + HEALTHZ_CLOSE)
    assert statuses(raw) == [405, 200], raw[:600]


@pytest.mark.parametrize("header", [
    b"X-A: a\rb",              # a bare CR inside a value
    b"X-A: a\x01b",
    b"X-A: a\x7fb",
    b"X-A: a\x1bb",
    b"X\x01A: b",              # a control character in a name
    b"X A: b",                 # a space in a name
    b"X-Request-Id\t: abc",    # a tab before the colon
], ids=["cr-in-value", "soh-in-value", "del-in-value", "esc-in-value", "ctl-in-name",
        "space-in-name", "tab-before-colon"])
def test_control_characters_and_bad_names_are_refused(server, header):
    raw, closed = exchange(server.port, b"GET /healthz HTTP/1.1\r\nHost: x\r\n" + header
                           + b"\r\n\r\n" + HEALTHZ)
    assert_refused_and_closed(raw, closed, 400, "bad-request")
    assert_healthy(server.port)


def test_space_before_the_colon_cannot_smuggle_a_request(server):
    """libmicrohttpd 0.9.75 keeps "Content-Length : 5" as a header named
    "Content-Length " and frames no body, so the body would be read as a
    second request, where a proxy in front saw a body. Refused, closed."""
    smuggled = b"GET /v1/areas/E05013628 HTTP/1.1\r\nHost: x\r\n\r\n"
    raw, closed = exchange(server.port, b"POST /v1/areas HTTP/1.1\r\nHost: x\r\n"
                           b"Content-Length : %d\r\n\r\n" % len(smuggled) + smuggled)
    assert_refused_and_closed(raw, closed, 400, "bad-request")
    assert b"E05013628" not in raw
    raw, closed = exchange(server.port, b"POST /v1/areas HTTP/1.1\r\nHost: x\r\n"
                           b"Transfer-Encoding : chunked\r\n\r\n0\r\n\r\n" + HEALTHZ)
    assert_refused_and_closed(raw, closed, 400, "bad-request")


def test_nul_in_a_header_name_is_refused_by_the_library(server):
    raw, closed = exchange(server.port, b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-\x00A: b\r\n\r\n"
                           + HEALTHZ)
    assert_library_refusal(raw, closed, 400)
    assert_healthy(server.port)


def test_nul_in_a_value_or_the_target_is_refused(server):
    """libmicrohttpd stores the head as C strings: a NUL would end the value
    (or the target) where it stands, and what follows would go unchecked.
    It is refused (conformance.c nul_hidden, server.c target_cut_by_nul);
    tests/security/test_nul_bytes.py has the cases."""
    raw, _ = exchange(server.port, b"GET /healthz HTTP/1.1\r\nHost: x\r\n"
                      b"X-Request-Id: abc\x00def\r\nConnection: close\r\n\r\n")
    resps = split_http_responses(raw)
    assert [r["status"] for r in resps] == [400], raw[:300]
    raw, _ = exchange(server.port, b"GET /healthz\x00/../v1/areas HTTP/1.1\r\nHost: x\r\n"
                      b"Connection: close\r\n\r\n")
    resps = split_http_responses(raw)
    assert [r["status"] for r in resps] == [400], raw[:300]


def test_obs_fold_is_one_header_and_one_request(server):
    """A folded header line (RFC 9112 5.2, obsolete) is joined to the one
    before by libmicrohttpd; the request stays one request."""
    raw, closed = exchange(server.port, b"GET /healthz HTTP/1.1\r\nHost: x\r\n"
                           b"X-Request-Id: fold\r\n ed\r\n\r\n" + HEALTHZ_CLOSE)
    resps = split_http_responses(raw)
    assert [r["status"] for r in resps] == [200, 200], raw[:600]
    assert closed


def test_a_header_line_without_a_colon_is_refused_by_the_library(server):
    raw, closed = exchange(server.port, b"GET /healthz HTTP/1.1\r\nHost: x\r\nNoColon\r\n\r\n"
                           + HEALTHZ)
    assert_library_refusal(raw, closed, 400)


# ---------------------------------------------------------------------------
# oversized heads (EQ_CONNECTION_MEMORY_BYTES, default 32 KiB)
# ---------------------------------------------------------------------------

def test_the_largest_legitimate_request_is_served(server, openapi):
    """What a browser on a council page sends at most: every ward in a
    query, a key, a request id, a validator, long Referer and cookies."""
    wards = ",".join(f"E050136{n:02d}" for n in range(28, 52))
    target = f"/v1/demographics?characteristic=ethnicity&area={wards}"
    head = (f"GET {target} HTTP/1.1\r\nHost: api.council.example:443\r\n"
            "Authorization: Bearer eq_0123456789ab_" + "f" * 48 + "\r\n"
            "X-Request-Id: " + "r" * 64 + "\r\n"
            'If-None-Match: "' + "0" * 32 + '"\r\n'
            "User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 " + "x" * 120 + "\r\n"
            "Accept: application/json, text/csv;q=0.9, */*;q=0.1\r\n"
            "Accept-Language: en-GB,en;q=0.9\r\nAccept-Encoding: gzip, deflate, br\r\n"
            "Origin: https://council.example\r\n"
            "Referer: https://www.council.example/equalities/dashboard?" + "q" * 2000 + "\r\n"
            "Cookie: " + "; ".join(f"c{i}={'v' * 400}" for i in range(10)) + "\r\n"
            "Connection: close\r\n\r\n").encode()
    assert 7000 < len(head) < 8192, len(head)
    raw, _ = exchange(server.port, head)
    resps = split_http_responses(raw)
    assert [r["status"] for r in resps] == [200], raw[:400]


def test_a_head_near_the_memory_limit_is_served(server):
    raw, _ = exchange(server.port, b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Pad: "
                      + b"p" * 30000 + b"\r\nConnection: close\r\n\r\n")
    assert statuses(raw) == [200], raw[:300]


@pytest.mark.parametrize("request_bytes,status", [
    (b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"b" * 100000 + b"\r\n\r\n", 431),
    (b"GET /healthz HTTP/1.1\r\nHost: x\r\n"
     + b"".join(b"X-H%d: %s\r\n" % (i, b"v" * 20) for i in range(2000)) + b"\r\n", 431),
    (b"GET /healthz?" + b"a" * 100000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414),
], ids=["one-huge-header", "two-thousand-headers", "huge-target"])
def test_oversized_heads_get_414_or_431_and_a_closed_connection(server, request_bytes, status):
    raw, closed = exchange(server.port, request_bytes + HEALTHZ)
    assert_library_refusal(raw, closed, status)
    assert_healthy(server.port)


def test_a_head_just_over_the_limit_is_closed_without_an_answer_or_with_431(server):
    """Within ~500 bytes of the limit the head fits but its answer's headers
    do not: libmicrohttpd closes the connection without one (measured)."""
    for size in (32400, 32500, 32700, 40000):
        raw, closed = exchange(server.port, b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Pad: "
                               + b"p" * size + b"\r\n\r\n" + HEALTHZ)
        assert closed, size
        assert raw == b"" or raw.startswith(b"HTTP/1.1 431 "), (size, raw[:200])
        assert OK_BODY not in raw
    assert_healthy(server.port)


def test_the_memory_limit_is_a_setting(start_server):
    srv = start_server(EQ_CONNECTION_MEMORY_BYTES="65536")
    raw, _ = exchange(srv.port, b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Pad: "
                      + b"p" * 60000 + b"\r\nConnection: close\r\n\r\n")
    assert statuses(raw) == [200], raw[:300]
    srv = start_server(EQ_CONNECTION_MEMORY_BYTES="16384")
    raw, closed = exchange(srv.port, b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Pad: "
                           + b"p" * 20000 + b"\r\n\r\n")
    assert closed and OK_BODY not in raw, raw[:300]


# ---------------------------------------------------------------------------
# framing
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("te", [b"gzip", b"gzip, chunked", b"chunked, gzip", b"identity",
                                b"chunked\r\nTransfer-Encoding: chunked"],
                         ids=["gzip", "gzip-chunked", "chunked-gzip", "identity", "twice"])
def test_transfer_codings_other_than_chunked_are_501(server, te):
    """libmicrohttpd 0.9.75 reads a body of any other coding to the end of
    the connection; refused before any of it is read."""
    raw, closed = exchange(server.port, b"POST /v1/areas HTTP/1.1\r\nHost: x\r\n"
                           b"Transfer-Encoding: " + te + b"\r\n\r\n3\r\nabc\r\n0\r\n\r\n" + HEALTHZ)
    assert_refused_and_closed(raw, closed, 501, "not-implemented")


def test_transfer_encoding_in_http_1_0_is_refused(server):
    raw, closed = exchange(server.port, b"POST /v1/areas HTTP/1.0\r\n"
                           b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + HEALTHZ)
    assert_refused_and_closed(raw, closed, 400, "bad-request")


def test_duplicate_content_length_with_the_same_value_is_refused(server):
    """RFC 9110 8.6 allows accepting identical duplicates; we refuse every
    duplicate, so that no proxy can read the request differently."""
    raw, closed = exchange(server.port, b"POST /v1/areas HTTP/1.1\r\nHost: x\r\n"
                           b"Content-Length: 3\r\nContent-Length: 3\r\n\r\nabc" + HEALTHZ)
    assert_refused_and_closed(raw, closed, 400, "bad-request")


@pytest.mark.parametrize("cl,status", [(b"3, 3", 400), (b"+3", 400), (b"0x3", 400),
                                       (b"99999999999999999999999", 413)],
                         ids=["list", "plus", "hex", "overflow"])
def test_content_length_that_is_not_a_number_is_refused_by_the_library(server, cl, status):
    """libmicrohttpd 0.9.75 refuses these itself, and writes its answer's
    head twice (a bug of that version, fixed upstream later): the answer is
    garbled, but the connection is closed at once, so nothing after it is
    read or answered out of step."""
    raw, closed = exchange(server.port, b"POST /v1/areas HTTP/1.1\r\nHost: x\r\n"
                           b"Content-Length: " + cl + b"\r\n\r\nabc" + HEALTHZ)
    assert_library_refusal(raw, closed, status)
    assert_healthy(server.port)


def test_a_malformed_chunk_is_refused_by_the_library(server):
    raw, closed = exchange(server.port, b"POST /v1/areas HTTP/1.1\r\nHost: x\r\n"
                           b"Transfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n" + HEALTHZ)
    assert_library_refusal(raw, closed, 400)


# ---------------------------------------------------------------------------
# pipelining
# ---------------------------------------------------------------------------

def test_pipelined_requests_with_bodies_stay_in_step(server):
    body = b"GET /v1/areas/E05013628 HTTP/1.1\r\nHost: x\r\n\r\n"  # a body that looks like a request
    raw, closed = exchange(server.port,
                           b"POST /v1/areas HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % len(body)
                           + body
                           + b"POST /v1/areas HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                           + b"%x\r\n" % len(body) + body + b"\r\n0\r\n\r\n"
                           + b"GET /v1/areas/E09000003 HTTP/1.1\r\nHost: x\r\n\r\n"
                           + HEALTHZ_CLOSE)
    resps = split_http_responses(raw)
    assert [r["status"] for r in resps] == [405, 405, 200, 200], raw[:800]
    assert json.loads(resps[2]["body"])["code"] == "E09000003"
    assert resps[3]["body"] == OK_BODY
    assert b"E05013628" not in raw, "a body was executed as a request"
    assert closed


def test_pipelined_requests_dribbled_byte_by_byte(server):
    data = (b"GET /v1/areas/E05013628 HTTP/1.1\r\nHost: x\r\n\r\n"
            b"HEAD /healthz HTTP/1.1\r\nHost: x\r\n\r\n" + HEALTHZ_CLOSE)
    raw, closed = exchange(server.port, *[data[i:i + 1] for i in range(len(data))],
                           pause=0.001, timeout=5.0)
    resps = split_http_responses(raw, head_indices=[1])
    assert [r["status"] for r in resps] == [200, 200, 200], raw[:800]
    assert json.loads(resps[0]["body"])["code"] == "E05013628"
    assert resps[1]["body"] == b"" and resps[2]["body"] == OK_BODY
    assert closed


@pytest.mark.parametrize("first,status", [
    (b"GET /healthz HTTP/1.1\r\nHost: x\r\nX A: b\r\n\r\n", 400),
    (b"POST /v1/areas HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", 501),
    (b"POST /v1/areas HTTP/1.1\r\nHost: x\r\nExpect: teapot\r\nContent-Length: 0\r\n\r\n", 417),
], ids=["bad-header", "transfer-coding", "expectation"])
def test_nothing_after_a_refused_request_is_answered(server, first, status):
    raw, closed = exchange(server.port, first + HEALTHZ + HEALTHZ)
    assert statuses(raw) == [status], raw[:600]
    assert closed


def test_nothing_after_a_413_is_answered(start_server):
    srv = start_server(EQ_MAX_BODY_BYTES="1024")
    raw, closed = exchange(srv.port, b"POST /v1/areas HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n"
                           + b"x" * 5000 + HEALTHZ)
    assert statuses(raw) == [413], raw[:600]
    assert closed


# ---------------------------------------------------------------------------
# Expect: 100-continue
# ---------------------------------------------------------------------------



def report_body() -> bytes:
    import uuid
    return json.dumps({
        "occurred_from": "2024-05-03", "reported_on": "2024-05-04",
        "location": {"kind": "ward", "ward": "E05013642"}, "strands": ["religion"],
        "offence_type": "public_order", "channel": "in_person",
        "submitter_reference": "CNF-" + uuid.uuid4().hex[:16],
        "victim": [{"characteristic": "religion", "category": "jewish"}],
    }).encode()


def read_until(sock: socket.socket, marker: bytes, timeout: float) -> bytes:
    """Read until marker has arrived, the server closes or timeout s pass."""
    data = b""
    deadline = time.monotonic() + timeout
    while marker not in data and time.monotonic() < deadline:
        sock.settimeout(max(0.01, deadline - time.monotonic()))
        try:
            b = sock.recv(65536)
        except socket.timeout:
            break
        if not b:
            break
        data += b
    return data


def test_expect_100_continue_then_the_body(server):
    key = make_key("reporting-centre-north", "submit:hate-crime")
    body = report_body()
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as s:
        s.sendall(b"POST /v1/hate-crime/reports HTTP/1.1\r\nHost: x\r\n"
                  b"Authorization: Bearer " + key.encode() + b"\r\n"
                  b"Content-Type: application/json\r\nExpect: 100-continue\r\n"
                  b"Content-Length: %d\r\n\r\n" % len(body))
        interim = read_until(s, b"\r\n\r\n", 3.0)
        assert interim.startswith(b"HTTP/1.1 100 "), interim[:200]
        s.sendall(body + HEALTHZ_CLOSE)
        rest = read_until(s, OK_BODY, 5.0)
    resps = split_http_responses(interim[interim.index(b"\r\n\r\n") + 4:] + rest)
    assert [r["status"] for r in resps] == [201, 200], rest[:600]
    assert json.loads(resps[0]["body"])["id"]


def test_expect_100_continue_with_a_body_too_large_is_413_without_continue(start_server):
    srv = start_server(EQ_MAX_BODY_BYTES="1024")
    with socket.create_connection(("127.0.0.1", srv.port), timeout=5) as s:
        s.sendall(b"POST /v1/areas HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                  b"Expect: 100-continue\r\nContent-Length: 5000\r\n\r\n")
        raw = read_until(s, b"\x00", 2.0)
    resps = split_http_responses(raw)
    assert [r["status"] for r in resps] == [413], raw[:400]
    assert_ours(resps[0], 413, "body-too-large")
    assert b"100 Continue" not in raw


def test_expect_100_continue_in_http_1_0_is_ignored(server):
    raw, closed = exchange(server.port, b"POST /v1/areas HTTP/1.0\r\nExpect: 100-continue\r\n"
                           b"Content-Length: 3\r\n\r\nabc")
    assert statuses(raw) == [405], raw[:400]
    assert b"100 Continue" not in raw and closed


def test_other_expectations_are_417(server):
    raw, closed = exchange(server.port, b"POST /v1/areas HTTP/1.1\r\nHost: x\r\n"
                           b"Expect: 200-ok\r\nContent-Length: 3\r\n\r\nabc")
    assert_refused_and_closed(raw, closed, 417, "expectation-failed")


# ---------------------------------------------------------------------------
# methods
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("line", [
    b"TRACE /healthz HTTP/1.1", b"TRACE /v1/areas HTTP/1.1", b"CONNECT example.com:443 HTTP/1.1",
    b"PROPFIND / HTTP/1.1", b"MKCOL /v1/x HTTP/1.1", b"get /healthz HTTP/1.1",
    b"BREW /healthz HTTP/1.1", b"A" * 200 + b" /healthz HTTP/1.1",
])
def test_methods_we_do_not_implement_are_501(server, line):
    raw, closed = exchange(server.port, line + b"\r\nHost: x\r\n\r\n" + HEALTHZ_CLOSE)
    resps = split_http_responses(raw)
    assert [r["status"] for r in resps] == [501, 200], raw[:600]
    body = assert_ours(resps[0], 501, "not-implemented")
    assert body["detail"].startswith(line.split(b" ")[0][:15].decode()), body
    assert b"Host" not in resps[0]["body"], "TRACE must not echo the request"
    assert resps[1]["body"] == OK_BODY and closed


def test_a_method_that_is_not_a_token_is_400(server):
    raw, closed = exchange(server.port, b"G\x01T /healthz HTTP/1.1\r\nHost: x\r\n\r\n" + HEALTHZ)
    assert_refused_and_closed(raw, closed, 400, "bad-request")


# ---------------------------------------------------------------------------
# versions
# ---------------------------------------------------------------------------

def test_http_1_0(server):
    raw, closed = exchange(server.port, b"GET /healthz HTTP/1.0\r\n\r\n" + HEALTHZ)
    resps = split_http_responses(raw)
    assert [r["status"] for r in resps] == [200], raw[:400]
    assert resps[0]["body"] == OK_BODY and closed, "HTTP/1.0 closes unless asked to keep alive"
    raw, closed = exchange(server.port, b"GET /healthz HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"
                           b"GET /v1/areas/E05013628 HTTP/1.0\r\n\r\n")
    resps = split_http_responses(raw)
    assert [r["status"] for r in resps] == [200, 200], raw[:600]
    assert json.loads(resps[1]["body"])["code"] == "E05013628" and closed


def test_later_http_1_minor_versions_are_taken_as_1_1(server):
    raw, _ = exchange(server.port, b"GET /healthz HTTP/1.9\r\nHost: x\r\n\r\n"
                      b"GET /healthz HTTP/1.9\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert statuses(raw) == [200, 200], raw[:600]
    # ... Host included.
    raw, _ = exchange(server.port, b"GET /healthz HTTP/1.2\r\nConnection: close\r\n\r\n")
    assert statuses(raw) == [400], raw[:400]


@pytest.mark.parametrize("request_bytes,status", [
    (b"GET /healthz HTTP/2.0\r\nHost: x\r\n\r\n", 505),
    (b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 505),
    (b"GET /healthz HTTP/3.0\r\nHost: x\r\n\r\n", 505),
    (b"GET /healthz HTTP/0.9\r\nHost: x\r\n\r\n", 505),
    (b"GET /healthz\r\n\r\n", 400),
    (b"GET /healthz HTTP/1.1x\r\nHost: x\r\n\r\n", 400),
    (b"GET /healthz http/1.1\r\nHost: x\r\n\r\n", 400),
    (b"GET /healthz HTTP/1\r\nHost: x\r\n\r\n", 400),
    (b"GET /healthz HTTP/11.1\r\nHost: x\r\n\r\n", 400),
], ids=["2.0", "h2-preface", "3.0", "0.9-versioned", "0.9-simple", "1.1x", "lower-case",
        "no-minor", "two-digit-major"])
def test_other_versions_are_refused(server, request_bytes, status):
    raw, closed = exchange(server.port, request_bytes + HEALTHZ)
    assert_library_refusal(raw, closed, status)
    assert_healthy(server.port)


# ---------------------------------------------------------------------------
# Host and request targets
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("hosts", [b"Host: x\r\nHost: y", b"Host: x\r\nHost: x", b"Host: a b",
                                   b"Host: x/y", b"Host: user@x", b"Host: x?y"],
                         ids=["two", "two-same", "space", "slash", "userinfo", "query"])
def test_host_must_be_one_and_sane(server, hosts):
    raw, closed = exchange(server.port, b"GET /healthz HTTP/1.1\r\n" + hosts + b"\r\n\r\n" + HEALTHZ)
    assert_refused_and_closed(raw, closed, 400, "bad-request")


def test_ordinary_hosts_are_accepted(server):
    for host in (b"", b"x", b"api.council.example:8080", b"127.0.0.1", b"[::1]:8080"):
        raw, _ = exchange(server.port, b"GET /healthz HTTP/1.1\r\nHost: " + host
                          + b"\r\nConnection: close\r\n\r\n")
        assert statuses(raw) == [200], (host, raw[:300])


@pytest.mark.parametrize("target", [b"http://x/healthz", b"*", b"healthz", b"//x/healthz"])
def test_targets_other_than_an_absolute_path_are_400(server, target):
    """Absolute-form (RFC 9112 3.2.2) is meant for proxies; this service
    takes origin-form only and says so, keeping the connection."""
    raw, closed = exchange(server.port, b"GET " + target + b" HTTP/1.1\r\nHost: x\r\n\r\n"
                           + HEALTHZ_CLOSE)
    resps = split_http_responses(raw)
    assert [r["status"] for r in resps] == [400 if target != b"//x/healthz" else 404, 200], raw[:600]
    assert_ours(resps[0], resps[0]["status"])
    assert closed
