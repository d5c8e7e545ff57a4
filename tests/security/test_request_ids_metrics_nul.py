"""Audit request ids, /metrics on its own listener, NUL bytes (issue #14,
points 4, 6 and 8).

- Audit rows store the server's own request id; the client's X-Request-Id
  is kept beside it (client_request_id), never in its place.  A 401 with an
  invented key prefix records no prefix at all; a real key's prefix
  presented without its secret is kept as presented_prefix, never as the
  key that acted.
- /metrics answers on EQ_METRICS_LISTEN (loopback by default), 404 on the
  public listener, and the metrics listener serves nothing else.
- NUL in a header value or in the request target: 400 problem+json.
"""

from __future__ import annotations

import json
import re
import secrets

import pytest

import harness
from checks import assert_problem
from harness import raw_request, split_http_responses
from secsupport import CENTRE_A, auth, make_key, report_body, unknown_key

REPORTS = "/v1/hate-crime/reports"


def audit(pg, rid: str) -> list[list[str]]:
    out = pg.psql("SELECT request_id, coalesce(client_request_id, ''), coalesce(key_prefix, ''),"
                  " coalesce(presented_prefix, ''), outcome, status FROM audit_events"
                  f" WHERE client_request_id = '{rid}' ORDER BY id")
    return [line.split("|") for line in out.splitlines()]


def test_the_audit_stores_the_servers_request_id_beside_the_clients(api, pg):
    key = make_key(CENTRE_A, "submit:hate-crime")
    # A client imitating the command line's id ("cli") or another request's.
    for given in ("cli", "sec-" + secrets.token_hex(8)):
        h = auth(key, **{"X-Request-Id": given})
        r = api.post(REPORTS, headers=h, json=report_body())
        assert r.status_code == 201, r.text
        assert r.headers["X-Request-Id"] == given          # echoed to the client
        rows = pg.psql("SELECT request_id, client_request_id FROM audit_events"
                       f" WHERE client_request_id = '{given}' ORDER BY id DESC LIMIT 1")
        server_id, client_id = rows.split("|")
        assert client_id == given
        assert re.fullmatch(r"[0-9a-f]{32}", server_id), server_id
        # The version row the write made carries the server's id too.
        version = pg.psql("SELECT request_id FROM hate_crime_report_versions"
                          f" WHERE report_id = '{r.json()['id']}'")
        assert version == server_id
    assert pg.psql("SELECT count(*) FROM audit_events WHERE request_id = 'cli'"
                   " AND client_request_id IS NOT NULL") == "0"


def test_a_401_records_no_invented_prefix_and_a_real_one_only_as_presented(api, pg):
    h = auth(unknown_key())
    assert api.post(REPORTS, headers=h, json=report_body()).status_code == 401
    [row] = audit(pg, h["X-Request-Id"])
    assert row[2:] == ["", "", "refused", "401"], row
    # A real key's prefix with a wrong secret: presented, not the actor.
    real = make_key(CENTRE_A, "submit:hate-crime")
    wrong = real[:16] + ("0" if real[16] != "0" else "1") * 48
    h = auth(wrong)
    assert api.post(REPORTS, headers=h, json=report_body()).status_code == 401
    [row] = audit(pg, h["X-Request-Id"])
    assert row[2:] == ["", real[:15], "refused", "401"], row


# ---------------------------------------------------------------------------
# /metrics
# ---------------------------------------------------------------------------

def test_metrics_is_not_on_the_public_listener(api, openapi, server):
    for method in ("get", "head"):
        r = api.request(method, "/metrics")
        assert r.status_code == 404, (method, r.status_code)
    r = api.get("/metrics", headers=auth(make_key("barnet-council", "admin")))
    assert r.status_code == 404
    r = api.get(harness.metrics_url(server.url))
    assert r.status_code == 200 and "equalities_api_http_requests_total" in r.text
    # The metrics listener serves metrics only.
    base = harness.metrics_url(server.url)[:-len("/metrics")]
    for path in ("/healthz", "/v1/areas", "/openapi.yaml", REPORTS):
        assert api.get(base + path).status_code == 404, path


def test_metrics_listen_defaults_to_loopback_and_can_be_off(start_server, cli):
    p = cli("serve", env={"EQ_LISTEN": f"127.0.0.1:{harness.free_port()}",
                          "EQ_METRICS_LISTEN": "9464"}, timeout=15)
    assert p.returncode == 2 and "EQ_METRICS_LISTEN" in p.stderr, p.stderr
    srv = start_server(EQ_METRICS_LISTEN="off")
    assert not [l for l in srv.log_lines() if "metrics on" in l.get("msg", "")]
    assert harness.ApiClient(srv.url).get("/metrics").status_code == 404
    # The default, read from the source of truth: loopback.
    src = (harness.ROOT / "src" / "config.c").read_text()
    assert 'env_or("EQ_METRICS_LISTEN", "127.0.0.1:' in src


# ---------------------------------------------------------------------------
# NUL
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("head", [
    b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Request-Id: abc\x00def\r\n",
    b"GET /healthz HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer x\x00y\r\n",
    b"GET /healthz HTTP/1.1\nHost: x\nX-Request-Id: abc\x00def\n",       # LF only
    b"GET /healthz\x00/../v1/areas HTTP/1.1\r\nHost: x\r\n",
    b"GET /v1/areas?limit=1\x00&x HTTP/1.1\r\nHost: x\r\n",
], ids=["value", "authorization", "value-lf", "target", "query"])
def test_nul_is_400_problem_json(server, head):
    nl = b"\n" if b"\r" not in head else b"\r\n"
    raw = raw_request(server.port, head + b"Connection: close" + nl + nl)
    resps = split_http_responses(raw)
    assert [r["status"] for r in resps] == [400], raw[:300]
    assert resps[0]["headers"]["content-type"] == "application/problem+json"
    body = json.loads(resps[0]["body"])
    assert "NUL" in body["detail"], body


def test_clean_requests_still_pass(server):
    for head in (b"GET /healthz HTTP/1.1\r\nHost: x\r\nA: \r\nB:\r\n",
                 b"GET /healthz HTTP/1.1\nHost: x\nA: b\n"):
        nl = b"\n" if b"\r" not in head else b"\r\n"
        raw = raw_request(server.port, head + b"Connection: close" + nl + nl)
        assert [r["status"] for r in split_http_responses(raw)] == [200], raw[:300]
