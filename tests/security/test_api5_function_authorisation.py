"""OWASP API5:2023 Broken Function Level Authorization.

Each restricted operation of api/openapi.yaml accepts the scopes its route
declares (secsupport.ROUTE_SCOPES, kept equal to the contract's list of
restricted operations) and nothing else:

- a valid key holding every other scope there is - from the council, the
  most trusted organisation - is 403 on it, before anything is read or
  written; a partner's key likewise;
- functions that are the council's alone (opening return windows,
  reviewing returns) are 403 to a partner even when its key carries the
  scope;
- read-only keys cannot write anything;
- public routes have no hidden write methods: every undocumented method on
  every documented path is 405 with an Allow header that lists exactly the
  documented methods, whatever key is sent;
- no way around the check: HEAD, method-override headers and parameters,
  lower-case methods, and odd spellings of restricted paths never reach a
  restricted function without the right key.
"""

from __future__ import annotations

import re
import uuid

import pytest

import harness

from checks import assert_problem
from secsupport import (
    ALL_SCOPES, COUNCIL, KIND_SCOPES, METHODS, ORG_KIND, PARTNER_A, PARTNER_B, ROUTE_SCOPES, auth,
    contract_templates, fill, legacy_key, make_key, restricted,
)

SAMPLE = {"id": str(uuid.uuid4()), "code": "get-on-well", "period": "2024-05",
          "fy_start": "2024", "as_of": "2024-03-31"}


def path_of(template):
    names = re.findall(r"\{([^}]+)\}", template)
    return fill(template, **{n: SAMPLE.get(n, "x") for n in names})


def test_the_scope_table_is_the_contracts_restricted_operations(openapi):
    documented = set(restricted(openapi))
    table = set(ROUTE_SCOPES)
    assert documented - table == set(), f"restricted in the contract, unknown here: {documented - table}"
    assert table - documented == set(), f"known here, not restricted in the contract: {table - documented}"


@pytest.mark.parametrize("method,template", sorted(ROUTE_SCOPES))
@pytest.mark.parametrize("org", [COUNCIL, PARTNER_A])
def test_every_other_scope_is_403(api, openapi, pg, method, template, org):
    accepted = ROUTE_SCOPES[(method, template)]
    others = [s for s in KIND_SCOPES[ORG_KIND[org]] if s not in accepted]
    if not others:
        # The kind may hold no other scope: no such key can be made.
        refused = [s for s in ALL_SCOPES if s not in accepted]
        p = harness.run_cli("keys", "create", "--org", org, "--scopes", ",".join(refused))
        assert p.returncode == 2 and "may not hold" in p.stderr, p.stderr
        return
    key = make_key(org, others)
    h = auth(key, **{"If-Match": '"v1"', "Idempotency-Key": "sec-" + uuid.uuid4().hex})
    r = api.request(method, path_of(template), headers=h, json={} if method != "get" else None)
    body = assert_problem(r, 403, openapi, template, method)
    assert body["type"].endswith(":forbidden")
    for s in accepted:
        assert s in body["detail"], f"403 should name the scope it needs: {body['detail']}"
    if method != "get":
        audit = pg.psql("SELECT outcome, status FROM audit_events WHERE client_request_id = "
                        f"'{h['X-Request-Id']}'")
        assert audit == "refused|403", f"refused write not audited as refused: {audit!r}"


@pytest.mark.parametrize("method,template,payload", [
    ("post", "/v1/return-windows", {"kind": "workforce", "period": "2999/00",
                                    "open_date": "2999-04-01", "due_date": "2999-06-30"}),
    ("post", "/v1/returns/{id}/review", {"outcome": "accepted"}),
])
def test_council_only_functions_refuse_partners_holding_the_scope(api, openapi, keys, records, pg,
                                                                  method, template, payload):
    for org in (PARTNER_A, PARTNER_B):
        # No such key can be made now; one made before the rule is refused
        # (tests/security/test_key_policy.py covers both).
        key = legacy_key(pg, org, ALL_SCOPES)
        r = api.request(method, fill(template, id=records["return"]["id"])
                        if "{id}" in template else template, json=payload, headers=auth(key))
        assert_problem(r, 403, openapi, template, method)


def test_read_only_keys_write_nothing(api, openapi):
    key = make_key(COUNCIL, "read:hate-crime")
    for method, template in sorted(ROUTE_SCOPES):
        if method == "get":
            continue
        r = api.request(method, path_of(template), json={},
                        headers=auth(key, **{"If-Match": '"v1"'}))
        assert_problem(r, 403, openapi, template, method)


def documented_methods(item) -> set:
    ms = {m.upper() for m in METHODS if isinstance(item.get(m), dict)}
    if "GET" in ms:
        ms.add("HEAD")
    return ms | {"OPTIONS"}


def test_no_hidden_methods_on_any_path(api, openapi):
    key = make_key(COUNCIL, ALL_SCOPES)
    problems = []
    for template in openapi.doc["paths"]:
        path = path_of(template)
        # A path can match several templates (/v1/returns/summary is also a
        # /v1/returns/{id}); the router allows what any of them documents
        # (src/http/router.h), and so does this check.
        allowed = set()
        for t in contract_templates(openapi, path):
            allowed |= documented_methods(openapi.deref(openapi.doc["paths"][t]))
        opt = api.options(path)
        got_allow = {m.strip() for m in opt.headers.get("Allow", "").split(",") if m.strip()}
        if got_allow != allowed:
            problems.append(f"OPTIONS {template}: Allow {sorted(got_allow)}, documented "
                            f"{sorted(allowed)}")
        for m in ("GET", "POST", "PUT", "PATCH", "DELETE", "TRACE", "CONNECT", "PROPFIND",
                  "MKCOL", "COPY", "MOVE", "LOCK", "PURGE", "DEBUG"):
            if m in allowed:
                continue
            r = api.request(m, path, headers=auth(key), json={} if m in ("POST", "PUT", "PATCH")
                            else None)
            if m not in ("GET", "POST", "PUT", "PATCH", "DELETE"):
                # A method the service does not implement at all: 501
                # (RFC 9110 15.6.2), before any route or key is looked at.
                if r.status_code != 501 or not r.headers.get("Content-Type", "").startswith(
                        "application/problem+json"):
                    problems.append(f"{m} {template}: {r.status_code}")
                continue
            if r.status_code != 405:
                problems.append(f"{m} {template}: {r.status_code}")
                continue
            allow = {x.strip() for x in r.headers.get("Allow", "").split(",") if x.strip()}
            if allow != allowed:
                problems.append(f"{m} {template}: Allow {sorted(allow)}")
    assert not problems, "\n".join(problems)


def test_method_overrides_are_not_honoured(api, openapi, keys, records):
    rid = records["report"]["id"]
    key = keys["centre"]
    for name in ("X-HTTP-Method-Override", "X-HTTP-Method", "X-Method-Override"):
        # A POST dressed as a GET is still a POST, which /v1/areas has not.
        r = api.post("/v1/areas", headers={name: "GET"})
        assert_problem(r, 405, openapi)
        # A GET dressed as a PATCH changes nothing.
        r = api.get(f"/v1/hate-crime/reports/{rid}", headers=auth(key, **{name: "PATCH"}))
        assert r.status_code == 200 and r.json()["version"] == records["report"]["version"]
    r = api.get(f"/v1/hate-crime/reports/{rid}", params={"_method": "PATCH"}, headers=auth(key))
    assert_problem(r, 400, openapi, "/v1/hate-crime/reports/{id}", parameter="_method")


def test_no_way_around_the_key_check(api, openapi, raw_request, server, records):
    rid = records["report"]["id"]
    # HEAD is a GET without a body: the same check.
    assert api.head("/v1/hate-crime/reports").status_code == 401
    assert api.head(f"/v1/hate-crime/reports/{rid}").status_code == 401
    assert api.head("/v1/hate-crime/reports",
                    headers=auth(make_key(COUNCIL, "admin"))).status_code == 403
    # Odd spellings of restricted paths: refused, unknown, or checked; never served.
    for p in ("/v1/hate-crime/%72eports", "/v1/hate-crime/reports/", "//v1/hate-crime/reports",
              "/v1/hate-crime/./reports", "/v1/hate-crime/reports/.", "/V1/hate-crime/reports",
              "/v1/hate-crime/reports;x", "/v1/hate-crime/reports%00", "/v1/hate-crime/reports%2f",
              f"/v1/hate-crime/reports/{rid}/", f"/v1/hate-crime/reports/{rid.upper()}",
              f"/v1/hate-crime/reports/{rid}%20", "/v1/returns/../hate-crime/reports",
              "/v1/return-windows/..%2freturns"):
        data = raw_request(server.port, f"GET {p} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                           .encode(), 3)
        status = int(data.split(b" ", 2)[1]) if data.startswith(b"HTTP/1.1 ") else None
        assert status in (400, 401, 404), f"GET {p}: {data[:200]!r}"
    # Methods are case-sensitive: "get" is not GET.
    data = raw_request(server.port, b"get /v1/hate-crime/reports HTTP/1.1\r\nHost: x\r\n"
                       b"Connection: close\r\n\r\n", 3)
    assert data.split(b" ", 2)[1] in (b"400", b"401", b"405", b"501"), data[:200]
