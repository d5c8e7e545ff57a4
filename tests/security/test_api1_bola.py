"""OWASP API1:2023 Broken Object Level Authorization.

Records that belong to an organisation (hate-crime reports, partner
returns) must be invisible to every other organisation, whatever scopes its
key holds and whatever method it tries: another organisation's id answers
exactly as an id that never existed (404 for the documented methods, never
403, no difference at all that would confirm the record exists), changes
nothing, and never shows up in another organisation's lists, filters, CSV
or idempotent replays.

The restricted routes are taken from api/openapi.yaml (operations with a
security requirement); each one is classified below, and a new one that is
not fails the suite until someone decides how it is owned.
"""

from __future__ import annotations

import csv
import io
import secrets
import uuid

import pytest

import harness

from checks import assert_problem
from secsupport import (
    CENTRE_A, CENTRE_B, KIND_SCOPES, ORG_KIND, PARTNER_A, PARTNER_B, auth, fill, legacy_key,
    make_key, report_body,
    restricted, return_lines,
)

# Routes whose {id} is a record owned by one organisation.
OWNED = {
    "/v1/hate-crime/reports/{id}": "report",
    "/v1/hate-crime/reports/{id}/versions": "report",
    "/v1/returns/{id}": "return",
    "/v1/returns/{id}/submit": "return",
    "/v1/returns/{id}/review": "return",
    "/v1/returns/{id}/recall": "return",
    "/v1/returns/{id}/versions": "return",
}
# Restricted routes whose parameters name something shared by the whole
# council (plans, actions, indicators, snapshots, return windows): nothing
# there belongs to one organisation; who may write is API5's business.
SHARED = {
    "/v1/return-windows/{id}",
    "/v1/action-plans/{id}/actions",
    "/v1/actions/{id}",
    "/v1/actions/{id}/updates",
    "/v1/indicators/{code}/values/{period}",
    "/v1/indicators/{code}/values/{fy_start}/{period}",
    "/v1/workforce/snapshots/{as_of}/pay-gaps",
    # The council's alone (403 to any other organisation's key, whatever
    # its scopes: test_data_protection.py), acting on any organisation's record.
    "/v1/hate-crime/reports/{id}/erasure",
    "/v1/hate-crime/reports/{id}/redaction",
    "/v1/actions/{id}/updates/{sequence}/redaction",
    "/v1/impact-assessments/{id}",
    "/v1/impact-assessments/{id}/versions",
    # The council's commentary on its own report (manage:reports).
    "/v1/reports/annual/{year}/sections/{section}/commentary",
}
# An organisation's own record: a partner may change its policy link, and
# another organisation's record must answer as one that does not exist
# (test_another_organisation_is_indistinguishable_from_none below).
OWN_ORGANISATION = {"/v1/organisations/{slug}"}

EVERY_METHOD = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"]


def test_every_restricted_route_is_classified(openapi):
    unclassified = sorted({t for _, t in restricted(openapi)
                           if "{" in t and t not in OWNED and t not in SHARED
                           and t not in OWN_ORGANISATION})
    assert not unclassified, (
        "restricted routes with path parameters that this suite does not know how "
        f"to attack: {unclassified}; add them to OWNED or SHARED in {__file__}")
    for t in list(OWNED) + sorted(SHARED):
        assert t in openapi.doc["paths"], f"{t} is no longer in the contract"


def valid_body(template: str, method: str):
    """A body that would succeed for the owner, so that only ownership
    stands in the way."""
    if template == "/v1/hate-crime/reports/{id}" and method in ("PATCH", "PUT", "POST"):
        return {"channel": "telephone"}
    if template == "/v1/returns/{id}" and method in ("PUT", "PATCH", "POST"):
        return {"total": 100, "lines": return_lines()}
    if template in ("/v1/returns/{id}/submit", "/v1/returns/{id}/recall"):
        return {}
    if template == "/v1/returns/{id}/review":
        return {"outcome": "accepted"}
    return None


def intruder(kind: str, scopes: str | None = None) -> str:
    """A key of another organisation of the same kind, with every scope
    that kind may hold (src/domain/scopes.c)."""
    org = CENTRE_B if kind == "report" else PARTNER_B
    return make_key(org, scopes or ",".join(KIND_SCOPES[ORG_KIND[org]]))


def comparable(resp) -> tuple:
    """What a client can observe, minus what differs on every request."""
    headers = {k.lower(): v for k, v in resp.headers.items()
               if k.lower() not in ("date", "x-request-id", "content-length")}
    return resp.status_code, headers, resp.content


def owner_view(api, keys, kind, rid):
    if kind == "report":
        r = api.get(f"/v1/hate-crime/reports/{rid}", headers=auth(keys["centre"]))
    else:
        r = api.get(f"/v1/returns/{rid}", headers=auth(keys["care"]))
    assert r.status_code == 200, r.text
    return r.json()


@pytest.mark.parametrize("template", sorted(OWNED))
@pytest.mark.parametrize("method", EVERY_METHOD)
def test_another_organisations_id_is_indistinguishable_from_none(
        api, openapi, keys, records, template, method):
    kind = OWNED[template]
    rid = records[kind]["id"]
    key = intruder(kind)
    before = owner_view(api, keys, kind, rid)
    body = valid_body(template, method)
    extra = {"If-Match": '"v%d"' % before["version"]}

    def send(id_):
        return api.request(method, fill(template, id=id_), headers=auth(key, **extra),
                           json=body)

    theirs = send(rid)
    never = send(str(uuid.uuid4()))
    assert comparable(theirs) == comparable(never), (
        f"{method} {template}: another organisation's record answers differently from "
        f"a record that does not exist:\n  theirs {theirs.status_code} {theirs.text[:300]}\n"
        f"  none   {never.status_code} {never.text[:300]}")
    documented = method.lower() in openapi.doc["paths"][template] or \
        (method == "HEAD" and "get" in openapi.doc["paths"][template])
    if method == "HEAD" and documented:
        assert theirs.status_code == 404 and not theirs.content
    elif method == "HEAD":
        assert theirs.status_code == 405 and not theirs.content
    elif documented and template.endswith("/review"):
        # Reviewing is the council's alone: a partner holding the scope is
        # refused for every id alike (checked equal above).
        assert_problem(theirs, 403, openapi, template, method.lower())
    elif documented:
        assert_problem(theirs, 404, openapi, template, method.lower())
    else:
        assert_problem(theirs, 405, openapi)
    assert owner_view(api, keys, kind, rid) == before, f"{method} {template} changed the record"


def test_council_reads_every_report_but_corrects_none_of_others(api, openapi, keys, records):
    """A council key sees every organisation's reports (by design); only the
    submitting organisation may correct or withdraw one."""
    rid = records["report"]["id"]
    r = api.get(f"/v1/hate-crime/reports/{rid}", headers=auth(keys["council_all"]))
    assert openapi.validate(r, "/v1/hate-crime/reports/{id}")["organisation"] == CENTRE_A
    for payload in ({"channel": "telephone"}, {"status": "withdrawn", "withdrawn_reason": "x"}):
        r = api.patch(f"/v1/hate-crime/reports/{rid}", json=payload,
                      headers=auth(keys["council_all"], **{"If-Match": '"v1"'}))
        assert_problem(r, 404, openapi, "/v1/hate-crime/reports/{id}", "patch")
    assert owner_view(api, keys, "report", rid)["version"] == 1


def test_a_partner_reads_no_other_partners_return_even_as_reviewer_scope(api, openapi, keys, records,
                                                                         pg):
    """review:returns lets the council read every return; a partner may not
    be given it, and a partner key holding it (made before the rule) is
    refused outright: never the record."""
    rid = records["return"]["id"]
    p = harness.run_cli("keys", "create", "--org", PARTNER_B, "--scopes", "review:returns")
    assert p.returncode == 2 and "may not hold review:returns" in p.stderr, p.stderr
    key = legacy_key(pg, PARTNER_B, ["review:returns"])
    for t in ("/v1/returns/{id}", "/v1/returns/{id}/versions"):
        assert_problem(api.get(fill(t, id=rid), headers=auth(key)), 403, openapi, t)
    assert_problem(api.get("/v1/returns", params={"limit": 500}, headers=auth(key)), 403,
                   openapi, "/v1/returns")


def all_pages(api, path, key, params):
    rows, url, seen = [], path, 0
    while url:
        r = api.get(url, headers=auth(key), params=params if not seen else None)
        assert r.status_code == 200, r.text
        body = r.json()
        rows += body["data"]
        url = body["links"]["next"]
        seen += 1
        assert seen < 100
    return rows


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_lists_never_show_another_organisations_records(api, openapi, keys, records, fmt):
    report, ret, window = records["report"], records["return"], records["window"]
    cases = [
        ("/v1/hate-crime/reports", intruder("report"), {}, report["id"], CENTRE_B),
        ("/v1/hate-crime/reports", intruder("report"), {"organisation": CENTRE_A}, report["id"],
         CENTRE_B),
        ("/v1/returns", intruder("return"), {}, ret["id"], PARTNER_B),
        ("/v1/returns", intruder("return"), {"organisation": PARTNER_A}, ret["id"], PARTNER_B),
        ("/v1/returns", intruder("return"), {"window": window["id"]}, ret["id"], PARTNER_B),
    ]
    for path, key, params, hidden_id, own in cases:
        params = dict(params, limit=500)
        if fmt == "json":
            r = api.get(path, params=params, headers=auth(key))
            if r.status_code != 200:
                # Asking for another organisation by name may be refused
                # outright; it must not be answered with its records.
                assert_problem(r, r.status_code, openapi, path)
                assert r.status_code in (400, 403, 404), r.text
                continue
            rows = all_pages(api, path, key, params)
            assert hidden_id not in {x["id"] for x in rows}, f"{path} {params} shows it"
            assert {x["organisation"] for x in rows} <= {own}, f"{path} {params}"
        else:
            r = api.get(path, params=dict(params, format="csv"), headers=auth(key))
            if r.status_code != 200:
                assert r.status_code in (400, 403, 404), r.text
                continue
            assert hidden_id not in r.text
            rows = list(csv.DictReader(io.StringIO(r.text)))
            assert {x["organisation"] for x in rows} <= {own}, f"{path} {params} (CSV)"


def test_return_windows_show_a_partner_only_its_own_state(api, openapi, keys, records):
    window = records["window"]
    key = intruder("return")
    for path, template in (("/v1/return-windows", "/v1/return-windows"),
                           (f"/v1/return-windows/{window['id']}", "/v1/return-windows/{id}")):
        body = openapi.validate(api.get(path, params={"limit": 500} if "{" not in template
                                        and template.endswith("windows") else None,
                                        headers=auth(key)), template)
        for w in body.get("data", [body]):
            orgs = {p["organisation"] for p in w["partners"]}
            assert orgs <= {PARTNER_B}, f"{path} shows partners {orgs}"
            assert records["return"]["id"] not in str(w)


def test_idempotency_keys_belong_to_one_organisation(api, openapi, keys):
    """Organisation B replaying A's Idempotency-Key with A's very body gets a
    record of its own, never A's stored answer."""
    idem = "sec-" + secrets.token_hex(12)
    body = report_body()
    a = api.post("/v1/hate-crime/reports", json=body,
                 headers=auth(keys["centre"], **{"Idempotency-Key": idem}))
    assert a.status_code == 201, a.text
    b = api.post("/v1/hate-crime/reports", json=body,
                 headers=auth(intruder("report"), **{"Idempotency-Key": idem}))
    got = openapi.validate(b, "/v1/hate-crime/reports", "post")
    assert b.status_code == 201, b.text
    assert "Idempotent-Replayed" not in b.headers
    assert got["id"] != a.json()["id"] and got["organisation"] == CENTRE_B


def test_record_ids_are_random_uuids(records):
    """Ids are version 4 UUIDs, not counters one could walk."""
    for kind in ("report", "return"):
        assert uuid.UUID(records[kind]["id"]).version == 4, records[kind]["id"]


def test_another_organisation_is_indistinguishable_from_none(api, openapi, keys):
    key = make_key(PARTNER_B, "submit:returns")
    body = {"equalities_policy_url": "https://example.org/intruder"}
    before = api.get("/v1/organisations/" + PARTNER_A).json()

    def send(slug):
        return api.patch("/v1/organisations/" + slug, json=body,
                         headers=auth(key, **{"If-Match": '"v%d"' % before["version"]}))

    theirs, never = send(PARTNER_A), send("no-such-organisation")
    assert theirs.status_code == 404, theirs.text
    assert comparable(theirs) == comparable(never)
    assert_problem(theirs, 404, openapi, "/v1/organisations/{slug}", "patch")
    assert api.get("/v1/organisations/" + PARTNER_A).json() == before
