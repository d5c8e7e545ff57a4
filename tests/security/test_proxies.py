"""Clients behind proxies (issue #14, point 2; src/domain/forwarded.c,
src/http/proxy.c, src/http/ratelimit.c).

Each test starts its own server with EQ_TRUSTED_PROXIES naming one
loopback address as "the proxy"; clients come from other loopback
addresses (all of 127/8 is this machine).  What is checked is what the
client address is used for: the log line, the audit trail, the rate
limits and the lockout.
"""

from __future__ import annotations

import secrets

import requests
from requests.adapters import HTTPAdapter

import harness
from checks import assert_problem
from secsupport import CENTRE_A, auth, fresh_key, make_key, report_body

PROXY = "127.0.0.50"
REPORTS = "/v1/hate-crime/reports"
OFF = {k: "0" for k in harness.RATE_LIMITS_OFF}


class FromAddress(HTTPAdapter):
    def __init__(self, address: str, **kw):
        self.address = address
        super().__init__(**kw)

    def init_poolmanager(self, connections, maxsize, block=False, **kw):
        kw["source_address"] = (self.address, 0)
        super().init_poolmanager(connections, maxsize, block, **kw)


def client_from(srv, address: str) -> harness.ApiClient:
    c = harness.ApiClient(srv.url)
    c.session.mount("http://", FromAddress(address))
    return c


def logged_client(srv, rid: str) -> str:
    return srv.wait_for_log(lambda l: l.get("client_request_id") == rid)["client"]


def get_as(client, path="/v1/areas", **headers):
    rid = "px-" + secrets.token_hex(6)
    r = client.get(path, params={"limit": "1"} if path == "/v1/areas" else None,
                   headers={"X-Request-Id": rid, **headers})
    return r, rid


def test_forwarded_for_is_believed_from_the_trusted_proxy_only(start_server):
    srv = start_server(EQ_TRUSTED_PROXIES=f"{PROXY}/32, 10.0.0.0/8", **OFF)
    proxy, stranger = client_from(srv, PROXY), client_from(srv, "127.0.0.51")
    # From the proxy: the rightmost hop that is not one of ours.
    r, rid = get_as(proxy, **{"X-Forwarded-For": "198.51.100.7"})
    assert r.status_code == 200 and logged_client(srv, rid) == "198.51.100.7"
    r, rid = get_as(proxy, **{"X-Forwarded-For": "203.0.113.1, 198.51.100.7, 10.1.2.3"})
    assert logged_client(srv, rid) == "198.51.100.7"
    # Spoofing from an untrusted address: the header is ignored.
    r, rid = get_as(stranger, **{"X-Forwarded-For": "198.51.100.7"})
    assert r.status_code == 200 and logged_client(srv, rid) == "127.0.0.51"
    r, rid = get_as(stranger, **{"X-Forwarded-For": PROXY})
    assert logged_client(srv, rid) == "127.0.0.51"
    # A client writing its own hops before the proxy's: never the leftmost.
    r, rid = get_as(proxy, **{"X-Forwarded-For": "10.9.9.9, 192.0.2.44"})
    assert logged_client(srv, rid) == "192.0.2.44"
    # Forwarded is not read when the proxy writes X-Forwarded-For (the
    # default): a client could add one the proxy passes through.
    r, rid = get_as(proxy, **{"Forwarded": "for=192.0.2.99", "X-Forwarded-For": "192.0.2.5"})
    assert logged_client(srv, rid) == "192.0.2.5"
    # Garbage in the header: the proxy itself.
    r, rid = get_as(proxy, **{"X-Forwarded-For": "not-an-address"})
    assert logged_client(srv, rid) == PROXY


def test_forwarded_header_rfc7239_and_ipv6(start_server):
    srv = start_server(EQ_TRUSTED_PROXIES=PROXY, EQ_FORWARDED_HEADER="forwarded", **OFF)
    proxy = client_from(srv, PROXY)
    r, rid = get_as(proxy, **{"Forwarded": 'for="[2001:db8::7]:4711";proto=https'})
    assert r.status_code == 200 and logged_client(srv, rid) == "2001:db8::7"
    r, rid = get_as(proxy, **{"X-Forwarded-For": "192.0.2.5"})
    assert logged_client(srv, rid) == PROXY


def test_bad_trusted_proxies_are_refused_at_start(cli):
    for value in ("proxy.example", "10.0.0.0/33"):
        p = cli("serve", env={"EQ_LISTEN": f"127.0.0.1:{harness.free_port()}",
                              "EQ_TRUSTED_PROXIES": value}, timeout=15)
        assert p.returncode == 2 and "EQ_TRUSTED_PROXIES" in p.stderr and value in p.stderr, p.stderr
    p = cli("serve", env={"EQ_LISTEN": f"127.0.0.1:{harness.free_port()}",
                          "EQ_FORWARDED_HEADER": "x-real-ip"}, timeout=15)
    assert p.returncode == 2 and "EQ_FORWARDED_HEADER" in p.stderr, p.stderr


def test_rate_limit_counts_the_forwarded_client(start_server, openapi):
    srv = start_server(EQ_TRUSTED_PROXIES=PROXY,
                       **{**OFF, "EQ_RATE_LIMIT_PER_IP": "1", "EQ_RATE_LIMIT_PER_IP_BURST": "3"})
    proxy = client_from(srv, PROXY)
    for _ in range(3):
        assert get_as(proxy, **{"X-Forwarded-For": "198.51.100.1"})[0].status_code == 200
    r, _ = get_as(proxy, **{"X-Forwarded-For": "198.51.100.1"})
    assert_problem(r, 429, openapi, "/v1/areas")
    # Another client behind the same proxy has its own bucket.
    assert get_as(proxy, **{"X-Forwarded-For": "198.51.100.2"})[0].status_code == 200
    # A stranger claiming that client's address does not spend its bucket.
    stranger = client_from(srv, "127.0.0.52")
    assert get_as(stranger, **{"X-Forwarded-For": "198.51.100.2"})[0].status_code == 200
    assert get_as(stranger, **{"X-Forwarded-For": "198.51.100.2"})[0].status_code == 200
    assert get_as(proxy, **{"X-Forwarded-For": "198.51.100.2"})[0].status_code == 200


def test_lockout_isolation_behind_one_proxy(start_server, openapi):
    """After many wrong keys from one client behind the proxy, a valid key
    from the same client address (the office NAT) is still served; and the
    lockout follows the forwarded address, not the proxy's."""
    srv = start_server(EQ_TRUSTED_PROXIES=PROXY,
                       **{**OFF, "EQ_AUTH_FAILURES_PER_HOUR": "20", "EQ_AUTH_FAILURE_BURST": "3"})
    proxy = client_from(srv, PROXY)
    victim = fresh_key(CENTRE_A, ["read:hate-crime"])
    colleague = fresh_key(CENTRE_A, ["read:hate-crime"])
    nat = {"X-Forwarded-For": "198.51.100.9"}
    wrong = victim[:16] + ("0" if victim[16] != "0" else "1") * 48
    for _ in range(3):
        assert proxy.get(REPORTS, headers={**auth(wrong), **nat}).status_code == 401
    for _ in range(5):
        assert proxy.get(REPORTS, headers={**auth("eq_%s_%s" % (secrets.token_hex(6),
                                                                  secrets.token_hex(24))),
                                           **nat}).status_code in (401, 429)
    # The attacked key is locked at that address...
    assert_problem(proxy.get(REPORTS, headers={**auth(victim), **nat}), 429, openapi, REPORTS)
    # ... a colleague's key at the same address is served ...
    assert proxy.get(REPORTS, headers={**auth(colleague), **nat}).status_code == 200
    # ... and so is the attacked key from elsewhere behind the proxy.
    assert proxy.get(REPORTS, headers={**auth(victim), "X-Forwarded-For": "198.51.100.10"}
                     ).status_code == 200


def test_audit_records_the_forwarded_client_in_the_log_and_the_server_request_id(start_server,
                                                                                    pg):
    srv = start_server(EQ_TRUSTED_PROXIES=PROXY, **OFF)
    proxy = client_from(srv, PROXY)
    key = make_key(CENTRE_A, "submit:hate-crime")
    h = {**auth(key), "X-Forwarded-For": "198.51.100.33"}
    r = proxy.post(REPORTS, headers=h, json=report_body())
    assert r.status_code == 201, r.text
    line = srv.wait_for_log(lambda l: l.get("client_request_id") == h["X-Request-Id"])
    assert line["client"] == "198.51.100.33"
    row = pg.psql("SELECT request_id FROM audit_events WHERE client_request_id = "
                  f"'{h['X-Request-Id']}'")
    assert row == line["request_id"], (row, line)
