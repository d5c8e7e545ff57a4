"""OWASP API2:2023 Broken Authentication.

Keys are `Authorization: Bearer eq_<12 hex prefix>_<48 hex secret>`, only a
SHA-256 of the whole key is stored, and revocation (`keys revoke`) is the
only way a key ends: the service has no expiry date on keys, so there is no
"expired" state to test beyond revoked.

Checked here, on every restricted operation of api/openapi.yaml:
- every bad key state (none, wrong scheme, malformed, unknown, a known
  prefix with a wrong secret, revoked) is 401 with WWW-Authenticate, the
  same problem for an unknown key as for a wrong secret, and it is decided
  before anything about the target is looked at;
- a revoked key stops working on its very next request;
- keys anywhere but the Authorization header (query string, cookie, other
  headers) never authenticate, and in the query string they are refused
  with 400 so that clients learn at once not to put keys in URLs (which
  end up in proxy and browser histories); the service's own log never holds
  a key's secret;
- brute force is rate-limited: once an address has spent its budget of
  failed attempts (EQ_AUTH_FAILURES_PER_HOUR, EQ_AUTH_FAILURE_BURST) every
  request from it that carries an Authorization header is 429 with
  Retry-After, even with a valid key, while other addresses and requests
  without a key are unaffected.  At 20 failures an hour an address makes
  about 175,000 guesses a year against a 192-bit secret: hopeless;
- no timing difference between wrong keys (see
  test_no_measurable_timing_difference_between_wrong_keys).
"""

from __future__ import annotations

import base64
import http.client
import json
import random
import secrets
import statistics
import time
import uuid

import pytest

from checks import assert_problem
from secsupport import (
    CENTRE_A, ROUTE_SCOPES, auth, fill, make_key, report_body, restricted, revoke, unknown_key,
)

SAMPLE_IDS = {"id": str(uuid.uuid4()), "code": "X", "period": "2024-05", "fy_start": "2024",
              "as_of": "2024-03-31", "sequence": "1", "slug": "partner-care",
              "year": "2024-25", "section": "objective"}


def bad_states(keys) -> dict:
    valid = keys["council_all"]
    return {
        "none": None,
        "empty bearer": "Bearer ",
        "scheme only": "Bearer",
        "basic with the key": "Basic " + base64.b64encode(f"{valid}:".encode()).decode(),
        "token scheme": "Token " + valid,
        "no scheme": valid,
        "too short": "Bearer " + valid[:-1],
        "too long": "Bearer " + valid + "0",
        "upper-case hex": "Bearer " + valid[:3] + valid[3:].upper(),
        "trailing text": "Bearer " + valid + " x",
        "two keys": "Bearer " + valid + "," + valid,
        "unknown": "Bearer " + unknown_key(),
        "known prefix, wrong secret": "Bearer " + valid[:16] + secrets.token_hex(24),
        "revoked": "Bearer " + keys["revoked"],
    }


@pytest.mark.parametrize("method,template", sorted(ROUTE_SCOPES))
def test_every_bad_key_state_is_401_on_every_restricted_route(api, openapi, keys, method,
                                                              template):
    assert (method, template) in set(restricted(openapi))
    path = fill(template, **{k: v for k, v in SAMPLE_IDS.items() if "{" + k + "}" in template})
    problems = {}
    for state, value in bad_states(keys).items():
        h = auth(None)
        if value is not None:
            h["Authorization"] = value
        r = api.request(method, path, headers=h, json={} if method != "get" else None)
        body = assert_problem(r, 401, openapi)
        assert r.headers.get("WWW-Authenticate", "").startswith("Bearer "), state
        assert body["type"].endswith(":unauthorized"), (state, body)
        assert r.headers["Cache-Control"] in ("no-store", "private, no-store")
        problems[state] = body
    # An unknown key and a right prefix with a wrong secret are told apart
    # by nothing.
    assert problems["unknown"] == problems["known prefix, wrong secret"]


def test_unauthenticated_requests_learn_nothing_about_the_target(api, records):
    """401 comes before any lookup: a real record and a made-up id answer
    alike."""
    real = records["report"]["id"]
    for t in ("/v1/hate-crime/reports/{id}", "/v1/hate-crime/reports/{id}/versions",
              "/v1/returns/{id}"):
        a = api.get(fill(t, id=real), headers={"Authorization": "Bearer " + unknown_key()})
        b = api.get(fill(t, id=str(uuid.uuid4())), headers={"Authorization": "Bearer " + unknown_key()})
        assert (a.status_code, a.content) == (b.status_code, b.content) and a.status_code == 401


def test_revocation_takes_effect_on_the_next_request(api, openapi):
    key = make_key(CENTRE_A, "read:hate-crime,submit:hate-crime")
    assert api.get("/v1/hate-crime/reports", headers=auth(key)).status_code == 200
    revoke(key)
    body = assert_problem(api.get("/v1/hate-crime/reports", headers=auth(key)), 401, openapi)
    assert "revoked" in body["detail"]


QUERY_NAMES = ["api_key", "apikey", "key", "access_token", "token", "auth", "authorization",
               "bearer"]


@pytest.mark.parametrize("name", QUERY_NAMES)
def test_keys_in_the_query_string_are_refused(api, openapi, keys, server, name):
    key = keys["council_all"]
    # A restricted read, without the header: refused, never authenticated.
    r = api.get("/v1/hate-crime/reports", params={name: key})
    assert_problem(r, 400, openapi, "/v1/hate-crime/reports", parameter=name)
    # With the header as well: still refused, not silently ignored.
    r = api.get("/v1/hate-crime/reports", params={name: key}, headers=auth(key))
    assert_problem(r, 400, openapi, "/v1/hate-crime/reports", parameter=name)
    # Public routes refuse it too.
    assert_problem(api.get("/v1/areas", params={name: key}), 400, openapi, "/v1/areas",
                   parameter=name)
    # A write carrying one writes nothing.
    body = report_body()
    r = api.post("/v1/hate-crime/reports", params={name: key}, json=body, headers=auth(key))
    assert_problem(r, 400, openapi, "/v1/hate-crime/reports", "post", parameter=name)
    listed = api.get("/v1/hate-crime/reports", params={"limit": 500, "from": "2024-05-01",
                                                       "to": "2024-05-31"},
                     headers=auth(keys["council_all"]))
    assert body["submitter_reference"] not in listed.text


def test_keys_outside_the_authorization_header_never_authenticate(api, openapi, keys):
    key = keys["council_all"]
    for headers in ({"Cookie": f"api_key={key}"}, {"Cookie": f"Authorization=Bearer {key}"},
                    {"X-API-Key": key}, {"Api-Key": key}, {"X-Auth-Token": key},
                    {"Proxy-Authorization": f"Bearer {key}"}):
        r = api.get("/v1/hate-crime/reports", headers=headers)
        assert_problem(r, 401, openapi, "/v1/hate-crime/reports")


def test_the_log_never_holds_a_secret(server, api, keys):
    """Every request line is logged; the keys used in this session (good,
    bad, in headers and in query strings) must not be."""
    api.get("/v1/areas", params={"api_key": keys["council_all"]})
    api.get("/v1/hate-crime/reports", headers=auth(keys["centre"]))
    api.get("/v1/hate-crime/reports", headers=auth(keys["revoked"]))
    text = server.log_text()
    assert text, "no log"
    for name, key in keys.items():
        assert key[16:] not in text, f"the secret of key {name} is in the log"


# ---------------------------------------------------------------------------
# brute force
# ---------------------------------------------------------------------------

LIMITS_OFF = {"EQ_RATE_LIMIT_PER_IP": 0, "EQ_RATE_LIMIT_PER_KEY": 0}


def get_from(port, source, path, key=None):
    """GET from a given loopback source address: (status, headers, body)."""
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10, source_address=(source, 0))
    try:
        h = {"Authorization": "Bearer " + key} if key else {}
        c.request("GET", path, headers=h)
        r = c.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        c.close()


def assert_rate_limited(status, headers, body):
    assert status == 429, (status, body[:300])
    assert headers.get("content-type", "").startswith("application/problem+json")
    problem = json.loads(body)
    assert problem["status"] == 429 and problem["type"].endswith("rate-limited"), problem
    retry = headers.get("retry-after", "")
    assert retry.isdigit() and int(retry) >= 1, f"Retry-After {retry!r}"


def test_guessing_keys_is_rate_limited_per_address(start_server, keys):
    srv = start_server(EQ_AUTH_FAILURES_PER_HOUR=20, EQ_AUTH_FAILURE_BURST=10, **LIMITS_OFF)
    good = keys["council_all"]
    path = "/v1/hate-crime/reports"
    # A good key spends nothing of the failure budget.
    for _ in range(15):
        assert get_from(srv.port, "127.0.0.1", path, good)[0] == 200
    statuses = [get_from(srv.port, "127.0.0.1", path, unknown_key())[0] for _ in range(10)]
    assert statuses == [401] * 10, statuses
    assert_rate_limited(*get_from(srv.port, "127.0.0.1", path, unknown_key()))
    # Guessing a real key's secret: locked out for that key at this address,
    # the right secret included, so a guesser cannot tell a hit from a miss.
    wrong = good[:16] + ("0" if good[16] != "0" else "1") * 48
    statuses = [get_from(srv.port, "127.0.0.1", path, wrong)[0] for _ in range(10)]
    assert statuses == [401] * 10, statuses
    assert_rate_limited(*get_from(srv.port, "127.0.0.1", path, good))
    assert_rate_limited(*get_from(srv.port, "127.0.0.1", "/v1/areas", good))
    # Other keys from the same address (a proxy, an office NAT) are served:
    # one bad client locks out no one else (test_proxies.py has more).
    assert get_from(srv.port, "127.0.0.1", path, keys["centre"])[0] == 200
    # Requests without a key, and other addresses, are not affected.
    assert get_from(srv.port, "127.0.0.1", "/v1/areas")[0] == 200
    assert get_from(srv.port, "127.0.0.2", path, good)[0] == 200
    assert get_from(srv.port, "127.0.0.2", path, unknown_key())[0] == 401


def test_malformed_keys_spend_the_budget_too(start_server):
    srv = start_server(EQ_AUTH_FAILURES_PER_HOUR=20, EQ_AUTH_FAILURE_BURST=5, **LIMITS_OFF)
    statuses = [get_from(srv.port, "127.0.0.1", "/v1/returns", "not-a-key-%d" % i)[0]
                for i in range(5)]
    assert statuses == [401] * 5, statuses
    assert_rate_limited(*get_from(srv.port, "127.0.0.1", "/v1/returns", "not-a-key"))


# ---------------------------------------------------------------------------
# timing
# ---------------------------------------------------------------------------

def test_no_measurable_timing_difference_between_wrong_keys(start_server, keys):
    """A key with a real prefix and a wrong secret, and a key whose prefix
    does not exist, must take the same time to refuse: the service hashes
    the presented key and compares hashes in constant time whether or not
    the prefix was found.  (Prefixes are not secret, they are printed by
    `keys list` and kept in the audit trail; what must not leak is anything
    about the secret, so a third kind, the real key with only its last
    digit wrong, is compared too.)

    How the measurement is kept honest on a shared, loaded machine:
    - one keep-alive connection to a server of its own, so connection set-up
      and other tests' traffic are not part of the figure;
    - the kinds are interleaved, in a random order within each round, so
      that load changes over the run hit every kind alike; what is compared
      is the median of the per-round differences (robust to the outliers a
      descheduled process produces), not two separate averages;
    - the bound is generous: 0.5 ms or a quarter of the median request time
      (an ASan build is several times slower), whichever is larger.  Today's
      difference is about 0.01 ms (the database returns one row instead of
      none); a real leak - a slow KDF or an early return on an unknown
      prefix, a compare that stops at the first wrong byte of a slow hash -
      costs far more than the bound.  Over 300 rounds the median's own
      noise is a few microseconds, so the bound is not met by chance.
    """
    srv = start_server(**LIMITS_OFF)
    good = keys["council_all"]
    kinds = {
        "known prefix": lambda: good[:16] + secrets.token_hex(24),
        "unknown prefix": unknown_key,
        "last digit wrong": lambda: good[:-1] + ("0" if good[-1] != "0" else "1"),
    }
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=10)

    def once(key):
        t0 = time.perf_counter()
        conn.request("GET", "/v1/hate-crime/reports", headers={"Authorization": "Bearer " + key})
        r = conn.getresponse()
        r.read()
        dt = time.perf_counter() - t0
        assert r.status == 401, r.status
        return dt

    try:
        for _ in range(30):          # warm up: connection, pool, caches
            for make in kinds.values():
                once(make())
        samples = {k: [] for k in kinds}
        for _ in range(300):
            order = list(kinds)
            random.shuffle(order)
            for k in order:
                samples[k].append(once(kinds[k]()))
    finally:
        conn.close()
    base = samples["unknown prefix"]
    typical = statistics.median(base)
    bound = max(0.0005, typical / 4)
    report = []
    for k in ("known prefix", "last digit wrong"):
        diff = statistics.median(a - b for a, b in zip(samples[k], base))
        report.append(f"{k} - unknown prefix: {diff * 1e3:+.3f} ms")
        assert abs(diff) < bound, (
            f"refusing a key with a {k} takes {diff * 1e3:+.3f} ms longer than an unknown "
            f"prefix (median of 300 interleaved pairs; bound {bound * 1e3:.3f} ms, "
            f"median request {typical * 1e3:.3f} ms)")
    print("timing: median request %.3f ms; %s" % (typical * 1e3, "; ".join(report)))
