"""Rate limits: per client address, per API key, and failed authentications
per (client address, key prefix), limited hardest (src/http/ratelimit.h).

The harness starts every server with the limits off; each test here starts
its own with small limits. Clients come from distinct loopback addresses
(127.0.0.2, 127.0.0.3, ...: all of 127/8 is this machine), so each test
knows exactly which bucket it is emptying, and the /healthz polls of the
server's start-up (from 127.0.0.1) never count against it.
"""

from __future__ import annotations

import time

import pytest
import requests
from requests.adapters import HTTPAdapter

import harness
from harness import make_key
from checks import assert_problem

REPORTS = "/v1/hate-crime/reports"
OFF = {k: "0" for k in harness.RATE_LIMITS_OFF}


class FromAddress(HTTPAdapter):
    """Connections made from a given local address."""

    def __init__(self, address: str, **kw):
        self.address = address
        super().__init__(**kw)

    def init_poolmanager(self, connections, maxsize, block=False, **kw):
        kw["source_address"] = (self.address, 0)
        super().init_poolmanager(connections, maxsize, block, **kw)


_next_address = [10]


def client_from(srv, address: str | None = None) -> harness.ApiClient:
    """An ApiClient on srv whose requests come from a loopback address of
    its own (a fresh one unless given)."""
    if address is None:
        _next_address[0] += 1
        address = f"127.0.0.{_next_address[0]}"
    c = harness.ApiClient(srv.url)
    c.session.mount("http://", FromAddress(address))
    c.address = address
    return c




@pytest.fixture(scope="module")
def keys():
    return {
        "read": make_key("reporting-centre-north", "read:hate-crime"),
        "read2": make_key("reporting-centre-north", "read:hate-crime"),
        "submit_only": make_key("reporting-centre-north", "submit:hate-crime"),
    }


def bearer(key: str) -> dict:
    return {"Authorization": "Bearer " + key}




def assert_429(r, openapi, template, method="get", limit_words=""):
    body = assert_problem(r, 429, openapi, template, method)
    assert body["type"] == "urn:equalities:problem:rate-limited", body
    assert body["title"] == "Too many requests", body
    assert limit_words in body["detail"], body["detail"]
    retry = r.headers.get("Retry-After", "")
    assert retry.isdigit() and int(retry) >= 1, r.headers
    assert r.headers.get("X-Request-Id"), r.headers
    return int(retry)


def test_per_address_limit(start_server, openapi):
    srv = start_server(**{**OFF, "EQ_RATE_LIMIT_PER_IP": "2", "EQ_RATE_LIMIT_PER_IP_BURST": "5"})
    a, b = client_from(srv), client_from(srv)
    t0 = time.monotonic()
    statuses = [a.get("/healthz").status_code for _ in range(15)]
    took = time.monotonic() - t0
    # The burst of 5 first, then about 2 a second: never more.
    assert statuses[:5] == [200] * 5, statuses
    assert 429 in statuses, statuses
    assert statuses.count(200) <= 5 + 2 * took + 1, (statuses, took)
    r = a.get("/v1/areas", params={"limit": "3"})
    retry = assert_429(r, openapi, "/v1/areas", limit_words="per client address")
    assert retry == 1, "at 2 a second a token is back within a second"
    # Every route counts, an unknown path and OPTIONS included.
    assert a.get("/nope").status_code == 429
    assert a.options("/v1/areas").status_code == 429
    # Another address has a bucket of its own.
    assert b.get("/v1/areas", params={"limit": "3"}).status_code == 200
    # After Retry-After, served again.
    time.sleep(retry + 0.05)
    r = a.get("/v1/areas", params={"limit": "3"})
    assert r.status_code == 200
    openapi.validate(r, "/v1/areas")


def test_per_key_limit_spans_addresses_and_spares_other_keys(start_server, openapi, keys):
    srv = start_server(**{**OFF, "EQ_RATE_LIMIT_PER_KEY": "1", "EQ_RATE_LIMIT_PER_KEY_BURST": "3"})
    a, b = client_from(srv), client_from(srv)
    t0 = time.monotonic()
    statuses = []
    for i in range(8):
        # The key's bucket is one, from whichever address.
        r = (a if i % 2 == 0 else b).get(REPORTS, headers=bearer(keys["read"]))
        statuses.append(r.status_code)
        if r.status_code == 429:
            assert_429(r, openapi, REPORTS, limit_words="per API key")
    took = time.monotonic() - t0
    assert statuses[:3] == [200] * 3, statuses
    assert 429 in statuses, statuses
    assert statuses.count(200) <= 3 + took + 1, (statuses, took)
    # Another key of the same organisation is not affected...
    assert a.get(REPORTS, headers=bearer(keys["read2"])).status_code == 200
    # ...nor public reads, which do not look at keys (the per-address
    # limit, off here, is what bounds them).
    r = a.get("/v1/areas", params={"limit": "2"}, headers=bearer(keys["read"]))
    assert r.status_code == 200


def guess(key: str) -> dict:
    """The key's prefix with a wrong secret: guessing that key."""
    return bearer(key[:16] + ("0" if key[16] != "0" else "1") * 48)


def test_failed_authentications_lock_that_key_out_at_that_address(start_server, openapi, keys):
    srv = start_server(**{**OFF, "EQ_AUTH_FAILURES_PER_HOUR": "20", "EQ_AUTH_FAILURE_BURST": "3"})
    guesser, other = client_from(srv), client_from(srv)
    for _ in range(3):
        assert_problem(guesser.get(REPORTS, headers=guess(keys["read"])), 401, openapi, REPORTS)
    # Now even the right secret for that prefix is refused, before it is looked at.
    r = guesser.get(REPORTS, headers=bearer(keys["read"]))
    retry = assert_429(r, openapi, REPORTS, limit_words="failed authentications")
    # 20 an hour: the next attempt is up to 180 s away.
    assert 1 <= retry <= 180, retry
    assert_429(guesser.get(REPORTS, headers=guess(keys["read"])), openapi, REPORTS,
               limit_words="failed authentications")
    # Any request carrying that key, a public one included.
    r = guesser.get("/v1/areas", params={"limit": "2"}, headers=bearer(keys["read"]))
    assert_429(r, openapi, "/v1/areas", limit_words="failed authentications")
    # Without a key the address is served still.
    r = guesser.get("/v1/areas", params={"limit": "2"})
    assert r.status_code == 200
    openapi.validate(r, "/v1/areas")
    assert_problem(guesser.get(REPORTS), 401, openapi, REPORTS)
    # Another key from the same address (the same proxy or office NAT) is
    # served: one bad client does not lock out the others.
    assert guesser.get(REPORTS, headers=bearer(keys["read2"])).status_code == 200
    # Another address with the right key is not affected.
    assert other.get(REPORTS, headers=bearer(keys["read"])).status_code == 200
    # And the lock-out is in the log, once, naming the address and the prefix.
    lines = [l for l in srv.log_lines() if "failed authentications over the limit" in l.get("msg", "")]
    assert len(lines) == 1 and lines[0].get("client") == guesser.address + "|" + keys["read"][:15], lines


def test_a_missing_or_malformed_key_counts_as_a_failure(start_server, openapi, keys):
    srv = start_server(**{**OFF, "EQ_AUTH_FAILURES_PER_HOUR": "20", "EQ_AUTH_FAILURE_BURST": "2"})
    c = client_from(srv)
    for _ in range(2):
        assert_problem(c.post(REPORTS, json={}), 401, openapi, REPORTS, "post")
    # Counted for "no key-shaped credential" at this address.
    assert_429(c.get(REPORTS, headers={"Authorization": "Bearer nonsense"}), openapi, REPORTS,
               limit_words="failed authentications")
    assert c.get(REPORTS, headers=bearer(keys["read"])).status_code == 200


def test_wrong_scope_is_not_a_guess(start_server, openapi, keys):
    srv = start_server(**{**OFF, "EQ_AUTH_FAILURES_PER_HOUR": "20", "EQ_AUTH_FAILURE_BURST": "2"})
    c = client_from(srv)
    for _ in range(6):
        r = c.get(REPORTS, headers=bearer(keys["submit_only"]))
        assert_problem(r, 403, openapi, REPORTS)
    assert c.get(REPORTS, headers=bearer(keys["read"])).status_code == 200


def test_the_lock_out_ends_when_the_bucket_refills(start_server, openapi, keys):
    # 3600 an hour: one failure back every second.
    srv = start_server(**{**OFF, "EQ_AUTH_FAILURES_PER_HOUR": "3600", "EQ_AUTH_FAILURE_BURST": "2"})
    c = client_from(srv)
    for _ in range(2):
        assert c.get(REPORTS, headers=guess(keys["read"])).status_code == 401
    retry = assert_429(c.get(REPORTS, headers=bearer(keys["read"])), openapi, REPORTS,
                       limit_words="failed authentications")
    assert retry == 1
    time.sleep(retry + 0.05)
    r = c.get(REPORTS, headers=bearer(keys["read"]))
    assert r.status_code == 200
    openapi.validate(r, REPORTS)


def test_the_defaults_limit_guessing(start_server, openapi, keys):
    """No variable set: 10 failures at once (EQ_AUTH_FAILURE_BURST), then
    one every 180 s (EQ_AUTH_FAILURES_PER_HOUR=20)."""
    srv = start_server(**{k: None for k in harness.RATE_LIMITS_OFF})
    c = client_from(srv)
    for _ in range(10):
        assert c.get(REPORTS, headers=guess(keys["read"])).status_code == 401
    retry = assert_429(c.get(REPORTS, headers=bearer(keys["read"])), openapi, REPORTS,
                       limit_words="20 an hour, bursts of 10")
    assert 170 <= retry <= 180, retry
    # The per-address default (100 a second, bursts of 200) lets a
    # modest client through.
    for _ in range(20):
        assert c.get("/healthz").status_code == 200


@pytest.mark.parametrize("name,value", [
    ("EQ_RATE_LIMIT_PER_IP", "lots"),
    ("EQ_RATE_LIMIT_PER_IP", "-1"),
    ("EQ_RATE_LIMIT_PER_IP_BURST", "1e3"),
    ("EQ_RATE_LIMIT_PER_KEY", "1000001"),
    ("EQ_RATE_LIMIT_PER_KEY_BURST", " 5"),
    ("EQ_AUTH_FAILURES_PER_HOUR", "20/h"),
    ("EQ_AUTH_FAILURE_BURST", "99999999999999999999"),
])
def test_bad_limits_are_refused_at_start(cli, name, value):
    env = {"EQ_LISTEN": f"127.0.0.1:{harness.free_port()}", name: value}
    p = cli("serve", env=env, timeout=15)
    assert p.returncode == 2, (p.returncode, p.stderr)
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and name in lines[0], p.stderr
    assert "0: no limit" in lines[0], lines[0]
