"""Hate-crime reports: the restricted, record-level resource.

POST/GET/PATCH /v1/hate-crime/reports... on the real binary and database:
the whole matrix of key states against every route, validation that lists
every problem, idempotent creates, visibility by organisation, optimistic
concurrency with If-Match, withdrawal with its history, and an audit trail
that never holds a key or free text. Every response is checked against
api/openapi.yaml.
"""

from __future__ import annotations

import concurrent.futures
import csv
import io
import secrets
import uuid

import pytest
import requests

import harness
from harness import make_key

LIST = "/v1/hate-crime/reports"
ONE = "/v1/hate-crime/reports/{id}"
VERSIONS = "/v1/hate-crime/reports/{id}/versions"


# ---------------------------------------------------------------------------
# keys and helpers
# ---------------------------------------------------------------------------



def prefix_of(key: str) -> str:
    return key[:15]


@pytest.fixture(scope="module")
def keys():
    k = {
        # reporting centre: submits and reads its own
        "centre": make_key("reporting-centre-north", "submit:hate-crime,read:hate-crime"),
        "centre_read_only": make_key("reporting-centre-north", "read:hate-crime"),
        "centre_submit_only": make_key("reporting-centre-north", "submit:hate-crime"),
        # another organisation with the same scopes
        "other": make_key("reporting-centre-west", "submit:hate-crime,read:hate-crime"),
        # A partner may not hold these scopes (src/domain/scopes.c): the
        # other submitter is another reporting centre.
        "partner": make_key("reporting-centre-west", "submit:hate-crime,read:hate-crime"),
        "council": make_key("barnet-council", "read:hate-crime,submit:hate-crime"),
        "revoked": make_key("reporting-centre-north", "submit:hate-crime,read:hate-crime"),
    }
    p = harness.run_cli("keys", "revoke", prefix_of(k["revoked"]))
    assert p.returncode == 0, p.stderr
    return k


def auth(key: str | None, **extra) -> dict:
    h = {"X-Request-Id": "hcr-" + secrets.token_hex(8)}
    if key:
        h["Authorization"] = "Bearer " + key
    h.update(extra)
    return h


def body(**over) -> dict:
    return harness.report_body("T-", **over)


def create(api, openapi, key, **over):
    r = api.post(LIST, json=body(**over), headers=auth(key))
    rep = openapi.validate(r, LIST, "post")
    assert r.status_code == 201, r.text
    return rep, r


def sql_literal(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def audit_rows(pg, request_id: str) -> list[list[str]]:
    out = pg.psql(
        "SELECT coalesce(o.slug, ''), coalesce(a.key_prefix, ''), a.action, a.outcome,"
        " a.status, coalesce(a.target, '') FROM audit_events a"
        " LEFT JOIN organisations o ON o.id = a.organisation_id"
        f" WHERE a.client_request_id = {sql_literal(request_id)} ORDER BY a.id")
    return [line.split("|") for line in out.splitlines() if line]


# ---------------------------------------------------------------------------
# the key matrix: every restricted route, every state of key
# ---------------------------------------------------------------------------

ROUTES = [
    ("post", LIST, LIST, "submit"),
    ("get", LIST, LIST, "read"),
    ("get", ONE, "one", "read"),
    ("get", VERSIONS, "versions", "read"),
    ("patch", ONE, "one", "submit"),
]


def call(api, method, template, report_id, headers, json_body=None):
    path = template.replace("{id}", report_id)
    if method == "post":
        return api.post(path, json=json_body or body(), headers=headers)
    if method == "patch":
        return api.patch(path, json={"channel": "telephone"},
                         headers={**headers, "If-Match": '"v1"'})
    return api.get(path, headers=headers)


@pytest.mark.parametrize("method,template,_label,need", ROUTES)
@pytest.mark.parametrize("state", ["none", "malformed", "unknown", "revoked", "wrong_scope",
                                   "wrong_organisation"])
def test_key_matrix(api, openapi, pg, keys, method, template, _label, need, state):
    target, _ = create(api, openapi, keys["centre"])
    rid = target["id"]
    if state == "none":
        headers = auth(None)
    elif state == "malformed":
        headers = auth(None, Authorization="Bearer abc")
    elif state == "unknown":
        headers = auth("eq_%s_%s" % (secrets.token_hex(6), secrets.token_hex(24)))
    elif state == "revoked":
        headers = auth(keys["revoked"])
    elif state == "wrong_scope":
        headers = auth(keys["centre_read_only"] if need == "submit" else keys["centre_submit_only"])
    else:
        headers = auth(keys["other"])
    r = call(api, method, template, rid, headers)
    got = openapi.validate(r, template, method)
    assert r.headers["Cache-Control"] == "private, no-store"

    if state in ("none", "malformed", "unknown", "revoked"):
        assert r.status_code == 401, r.text
        assert r.headers["WWW-Authenticate"].startswith("Bearer")
        assert got["type"] == "urn:equalities:problem:unauthorized"
    elif state == "wrong_scope":
        assert r.status_code == 403, r.text
        assert got["type"] == "urn:equalities:problem:forbidden"
    elif method == "post":
        # Another organisation's key creates in its own organisation only.
        assert r.status_code == 201
        assert got["organisation"] == "reporting-centre-west"
    elif template == LIST:
        assert r.status_code == 200
        assert rid not in {x["id"] for x in got["data"]}
        assert {x["organisation"] for x in got["data"]} <= {"reporting-centre-west"}
    else:
        # Another organisation's record: 404, never 403.
        assert r.status_code == 404, r.text
        assert got["type"] == "urn:equalities:problem:not-found"

    if method in ("post", "patch"):
        rows = audit_rows(pg, headers["X-Request-Id"])
        assert len(rows) == 1, rows
        action = "hate_crime_report.create" if method == "post" else "hate_crime_report.update"
        assert rows[0][2] == action
        assert rows[0][4] == str(r.status_code)
        assert rows[0][3] == ("success" if r.status_code < 300 else "refused")
        if state == "revoked":
            assert rows[0][1] == prefix_of(headers["Authorization"][7:])
        if state == "unknown":
            # An invented prefix is recorded nowhere (0014_key_policy.sql).
            assert rows[0][1] == "", rows
        # The report is unchanged by a refused PATCH.
        if method == "patch":
            now = api.get(ONE.replace("{id}", rid), headers=auth(keys["centre"])).json()
            assert now["version"] == 1 and now["channel"] == "in_person"


def test_malformed_report_id_is_404(api, openapi, keys):
    for path in ("/v1/hate-crime/reports/not-a-uuid", "/v1/hate-crime/reports/not-a-uuid/versions",
                 "/v1/hate-crime/reports/%s" % uuid.uuid4()):
        template = VERSIONS if path.endswith("/versions") else ONE
        r = api.get(path, headers=auth(keys["council"]))
        openapi.validate(r, template, "get")
        assert r.status_code == 404


# ---------------------------------------------------------------------------
# create: representation, validation
# ---------------------------------------------------------------------------

def test_create_returns_the_report(api, openapi, keys, pg):
    rep, r = create(api, openapi, keys["centre"], police_reference="5299999/24",
                    strands=["race", "other"], other_strand_reason="Targeted as a cyclist",
                    suspect=[{"characteristic": "age", "category": "age_20_24"}])
    assert r.headers["Location"] == "/v1/hate-crime/reports/" + rep["id"]
    assert r.headers["ETag"] == '"v1"'
    assert rep["organisation"] == "reporting-centre-north"
    assert rep["occurred_to"] == rep["occurred_from"] == "2024-05-03"
    assert rep["location"] == {"kind": "ward", "ward": "E05013642"}
    assert rep["status"] == "active" and rep["version"] == 1
    got = api.get(r.headers["Location"], headers=auth(keys["centre"]))
    assert openapi.validate(got, ONE, "get") == rep
    assert got.headers["ETag"] == '"v1"'
    v = api.get(VERSIONS.replace("{id}", rep["id"]), headers=auth(keys["centre"]))
    versions = openapi.validate(v, VERSIONS, "get")["data"]
    assert [x["version"] for x in versions] == [1]
    assert versions[0]["report"] == rep
    assert versions[0]["key_prefix"] == prefix_of(keys["centre"])
    assert pg.psql("SELECT count(*) FROM hate_crime_report_versions WHERE report_id = '%s'"
                   % rep["id"]) == "1"


def test_location_unknown_and_outside(api, openapi, keys):
    rep, _ = create(api, openapi, keys["centre"], location={"kind": "unknown"})
    assert rep["location"] == {"kind": "unknown", "ward": None}
    rep, _ = create(api, openapi, keys["centre"], location={"kind": "outside_borough", "ward": None})
    assert rep["location"]["kind"] == "outside_borough"


def test_every_validation_error_at_once(api, openapi, keys):
    bad = {
        "occurred_from": "2024-02-30",
        "occurred_to": "yesterday",
        "reported_on": "2999-01-01",
        "location": {"kind": "ward", "ward": "E05099999", "street": "High Road"},
        "strands": ["race", "race", "astrology"],
        "other_strand_reason": "x" * 201,
        "offence_type": "theft",
        "channel": "pigeon",
        "submitter_reference": "R" * 65,
        "police_reference": "",
        "victim": [{"characteristic": "religion", "category": "jedi"},
                   {"characteristic": "planet", "category": "mars"},
                   "someone", {"characteristic": "Race!", "category": "x"}],
        "suspect": [{"characteristic": "ethnicity"}] * 21,
        "victim_name": "A Person",
        "victim_address": "1 Street",
    }
    r = api.post(LIST, json=bad, headers=auth(keys["centre"]))
    got = openapi.validate(r, LIST, "post")
    assert r.status_code == 422
    assert got["type"] == "urn:equalities:problem:validation-failed"
    pointers = {e["pointer"] for e in got["errors"]}
    # What the contract states (types, formats, enums, lengths, unknown
    # fields) is checked before the handler runs, every problem at once ...
    expected = {
        "/occurred_from", "/occurred_to", "/location/street",
        "/strands/1", "/strands/2", "/other_strand_reason", "/offence_type", "/channel",
        "/submitter_reference", "/police_reference",
        "/victim/2", "/victim/3/characteristic", "/suspect",
        "/victim_name", "/victim_address",
    }
    assert expected <= pointers, expected - pointers
    assert all(e["detail"] for e in got["errors"])
    # ... and the rules that need the data (a ward, a category, a date in
    # the future), every one at once, in a body the contract accepts.
    r = api.post(LIST, json=body(reported_on="2999-01-01",
                                 location={"kind": "ward", "ward": "E05099999"},
                                 victim=[{"characteristic": "religion", "category": "jedi"},
                                         {"characteristic": "planet", "category": "mars"}]),
                 headers=auth(keys["centre"]))
    got = openapi.validate(r, LIST, "post")
    assert r.status_code == 422
    assert {e["pointer"] for e in got["errors"]} >= {
        "/reported_on", "/location/ward", "/victim/0/category", "/victim/1/characteristic"}


def test_missing_and_conditional_fields(api, openapi, keys):
    r = api.post(LIST, json={}, headers=auth(keys["centre"]))
    got = openapi.validate(r, LIST, "post")
    assert r.status_code == 422
    assert {e["pointer"] for e in got["errors"]} >= {
        "/occurred_from", "/reported_on", "/location", "/strands", "/offence_type", "/channel",
        "/submitter_reference"}
    cases = [
        (dict(strands=["other"]), "/other_strand_reason"),
        (dict(other_strand_reason="why"), "/other_strand_reason"),
        (dict(occurred_to="2024-05-01"), "/occurred_to"),
        (dict(reported_on="2024-05-01"), "/reported_on"),
        (dict(location={"kind": "ward"}), "/location/ward"),
        (dict(location={"kind": "unknown", "ward": "E05013642"}), "/location/ward"),
        (dict(location="unknown"), "/location"),
        (dict(strands=[]), "/strands"),
        (dict(strands=["race", "religion", "disability", "other", "sexual_orientation",
                       "transgender_identity", "race"]), "/strands"),
    ]
    for over, pointer in cases:
        r = api.post(LIST, json=body(**over), headers=auth(keys["centre"]))
        got = openapi.validate(r, LIST, "post")
        assert r.status_code == 422, (over, r.text)
        assert [e["pointer"] for e in got["errors"]] == [pointer], (over, got)


def test_unknown_field_refused(api, openapi, keys, pg):
    b = body(victim_name="Someone")
    r = api.post(LIST, json=b, headers=auth(keys["centre"]))
    got = openapi.validate(r, LIST, "post")
    assert r.status_code == 422
    assert [e["pointer"] for e in got["errors"]] == ["/victim_name"]
    assert got["errors"][0]["detail"].startswith("is not a field of this resource; its fields are: ")
    assert pg.psql("SELECT count(*) FROM hate_crime_reports WHERE submitter_reference = %s"
                   % sql_literal(b["submitter_reference"])) == "0"


def test_body_problems(api, openapi, keys):
    r = api.post(LIST, data=b"{}", headers=auth(keys["centre"], **{"Content-Type": "text/plain"}))
    assert openapi.validate(r, LIST, "post")["status"] == 415
    r = api.post(LIST, data=b"{nope", headers=auth(keys["centre"], **{"Content-Type": "application/json"}))
    assert openapi.validate(r, LIST, "post")["type"] == "urn:equalities:problem:malformed-json"
    r = api.post(LIST, json=[1], headers=auth(keys["centre"]))
    assert r.status_code == 400
    openapi.validate(r, LIST, "post")


def test_duplicate_submitter_reference_is_409(api, openapi, keys):
    rep, _ = create(api, openapi, keys["centre"])
    r = api.post(LIST, json=body(submitter_reference=rep["submitter_reference"]),
                 headers=auth(keys["centre"]))
    got = openapi.validate(r, LIST, "post")
    assert r.status_code == 409
    assert got["errors"][0]["pointer"] == "/submitter_reference"
    # Another organisation may use the same reference.
    create(api, openapi, keys["other"], submitter_reference=rep["submitter_reference"])


# ---------------------------------------------------------------------------
# idempotency
# ---------------------------------------------------------------------------

def test_idempotent_create(api, openapi, keys, pg):
    b = body()
    idem = "idem-" + uuid.uuid4().hex
    h = auth(keys["centre"], **{"Idempotency-Key": idem})
    first = api.post(LIST, json=b, headers=h)
    openapi.validate(first, LIST, "post")
    assert first.status_code == 201
    second = api.post(LIST, json=b, headers=auth(keys["centre"], **{"Idempotency-Key": idem}))
    openapi.validate(second, LIST, "post")
    assert second.status_code == 201
    assert second.content == first.content
    assert second.headers["Location"] == first.headers["Location"]
    assert second.headers["ETag"] == first.headers["ETag"] == '"v1"'
    assert second.headers.get("Idempotent-Replayed") == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert pg.psql("SELECT count(*) FROM hate_crime_reports WHERE submitter_reference = %s"
                   % sql_literal(b["submitter_reference"])) == "1"

    other = api.post(LIST, json=body(), headers=auth(keys["centre"], **{"Idempotency-Key": idem}))
    got = openapi.validate(other, LIST, "post")
    assert other.status_code == 422
    assert got["type"] == "urn:equalities:problem:idempotency-key-reused"


def test_twenty_concurrent_creates_with_one_key(server, openapi, keys, pg):
    b = body()
    idem = "idem-" + uuid.uuid4().hex

    def post(_):
        with requests.Session() as s:
            return s.post(server.url + LIST, json=b, timeout=30,
                          headers=auth(keys["centre"], **{"Idempotency-Key": idem}))

    with concurrent.futures.ThreadPoolExecutor(20) as pool:
        responses = list(pool.map(post, range(20)))
    for r in responses:
        openapi.validate(r, LIST, "post")
    statuses = sorted(r.status_code for r in responses)
    assert set(statuses) <= {201, 409}, statuses
    created = [r for r in responses if r.status_code == 201]
    assert created
    assert len({r.content for r in created}) == 1
    assert sum(1 for r in created if "Idempotent-Replayed" not in r.headers) == 1
    assert pg.psql("SELECT count(*) FROM hate_crime_reports WHERE submitter_reference = %s"
                   % sql_literal(b["submitter_reference"])) == "1"


# ---------------------------------------------------------------------------
# reading: visibility, filters, pages, CSV
# ---------------------------------------------------------------------------

def all_pages(api, openapi, key, params):
    seen, url = [], LIST
    params = dict(params)
    while url:
        r = api.get(url, params=params, headers=auth(key))
        got = openapi.validate(r, LIST, "get")
        assert r.status_code == 200, r.text
        seen.extend(got["data"])
        url, params = got["links"]["next"], None
    return seen


def test_partner_sees_only_its_own_and_council_sees_all(api, openapi, keys):
    mine, _ = create(api, openapi, keys["partner"])
    theirs, _ = create(api, openapi, keys["centre"])
    marker = {"from": "2024-05", "to": "2024-05", "ward": "E05013642", "strand": "religion"}
    partner_view = all_pages(api, openapi, keys["partner"], {**marker, "limit": 7})
    assert partner_view and {x["organisation"] for x in partner_view} == {"reporting-centre-west"}
    assert mine["id"] in {x["id"] for x in partner_view}
    assert theirs["id"] not in {x["id"] for x in partner_view}

    council_view = all_pages(api, openapi, keys["council"], {**marker, "limit": 50})
    ids = [x["id"] for x in council_view]
    assert len(ids) == len(set(ids))
    assert {mine["id"], theirs["id"]} <= set(ids)
    assert {"police-feed", "reporting-centre-north"} <= {x["organisation"] for x in council_view}
    # Ordered by (created_at, id), whatever the page size.
    small = all_pages(api, openapi, keys["council"], {**marker, "limit": 3})
    assert [x["id"] for x in small] == ids
    assert [(x["created_at"], x["id"]) for x in council_view] == sorted(
        (x["created_at"], x["id"]) for x in council_view)

    # A partner naming another organisation gets an empty list.
    r = api.get(LIST, params={"organisation": "reporting-centre-north"}, headers=auth(keys["partner"]))
    assert openapi.validate(r, LIST, "get")["data"] == []
    # The council may filter by organisation.
    r = api.get(LIST, params={"organisation": "reporting-centre-west", "limit": 500}, headers=auth(keys["council"]))
    assert {x["organisation"] for x in openapi.validate(r, LIST, "get")["data"]} == {"reporting-centre-west"}
    # The council reads any report; the partner not the centre's.
    r = api.get(ONE.replace("{id}", theirs["id"]), headers=auth(keys["council"]))
    assert openapi.validate(r, ONE, "get")["id"] == theirs["id"]
    r = api.get(ONE.replace("{id}", theirs["id"]), headers=auth(keys["partner"]))
    openapi.validate(r, ONE, "get")
    assert r.status_code == 404


def test_list_filters(api, openapi, keys):
    fy = all_pages(api, openapi, keys["council"], {"from": "2023/24", "to": "2023/24",
                                                   "organisation": "police-feed", "limit": 500})
    assert fy and all("2023-04-01" <= x["occurred_from"] <= "2024-03-31" for x in fy)
    r = api.get(LIST, params={"status": "withdrawn", "limit": 500}, headers=auth(keys["council"]))
    got = openapi.validate(r, LIST, "get")
    assert got["data"] and {x["status"] for x in got["data"]} == {"withdrawn"}
    r = api.get(LIST, params={"strand": "disability", "ward": "E05013630"}, headers=auth(keys["council"]))
    for x in openapi.validate(r, LIST, "get")["data"]:
        assert "disability" in x["strands"] and x["location"]["ward"] == "E05013630"
    for params in ({"from": "2024-13"}, {"to": "2024/26"}, {"strand": "astrology"},
                   {"ward": "Hendon"}, {"status": "deleted"}, {"cursor": "garbage!"},
                   {"from": "2024-05", "to": "2024-04"}, {"colour": "red"}, {"limit": "0"}):
        r = api.get(LIST, params=params, headers=auth(keys["council"]))
        openapi.validate(r, LIST, "get")
        assert r.status_code == 400, params


def test_list_csv(api, openapi, keys):
    r = api.get(LIST, params={"format": "csv", "organisation": "police-feed", "limit": 5},
                headers=auth(keys["council"]))
    text = openapi.validate(r, LIST, "get")
    assert r.headers["Content-Type"].startswith("text/csv")
    assert r.headers["Cache-Control"] == "private, no-store"
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 5
    assert list(rows[0]) == ["id", "organisation", "submitter_reference", "police_reference",
                             "occurred_from", "occurred_to", "reported_on", "location", "ward",
                             "strands", "offence_type", "channel", "status", "version",
                             "created_at", "updated_at"]
    assert 'rel="next"' in r.headers["Link"]


# ---------------------------------------------------------------------------
# PATCH: If-Match, concurrency, withdrawal
# ---------------------------------------------------------------------------

def patch(api, key, rid, payload, if_match='"v1"', **extra):
    h = auth(key, **extra)
    if if_match is not None:
        h["If-Match"] = if_match
    return api.patch(ONE.replace("{id}", rid), json=payload, headers=h)


def test_patch_corrects_and_keeps_history(api, openapi, keys):
    rep, _ = create(api, openapi, keys["centre"])
    r = patch(api, keys["centre"], rep["id"], {"location": {"kind": "ward", "ward": "E05013631"},
                                               "strands": ["race", "religion"],
                                               "police_reference": "5288888/24"})
    got = openapi.validate(r, ONE, "patch")
    assert r.status_code == 200, r.text
    assert r.headers["ETag"] == '"v2"'
    assert got["version"] == 2 and got["strands"] == ["race", "religion"]
    assert got["location"]["ward"] == "E05013631" and got["police_reference"] == "5288888/24"
    assert got["submitter_reference"] == rep["submitter_reference"]
    # null clears an optional field; the merged whole is validated.
    r = patch(api, keys["centre"], rep["id"], {"police_reference": None}, if_match='"v2"')
    assert openapi.validate(r, ONE, "patch")["police_reference"] is None
    r = patch(api, keys["centre"], rep["id"], {"occurred_from": "2024-05-10"}, if_match='"v3"')
    got = openapi.validate(r, ONE, "patch")
    assert r.status_code == 422
    assert {e["pointer"] for e in got["errors"]} == {"/occurred_to", "/reported_on"}
    # An unknown field is the contract's to refuse, before the handler ...
    r = patch(api, keys["centre"], rep["id"], {"victim_name": "x", "strands": ["other"]},
              if_match='"v3"')
    got = openapi.validate(r, ONE, "patch")
    assert r.status_code == 422
    assert {e["pointer"] for e in got["errors"]} == {"/victim_name"}
    # ... a rule of the merged whole the handler's.
    r = patch(api, keys["centre"], rep["id"], {"strands": ["other"]}, if_match='"v3"')
    got = openapi.validate(r, ONE, "patch")
    assert r.status_code == 422
    assert {e["pointer"] for e in got["errors"]} == {"/other_strand_reason"}
    v = api.get(VERSIONS.replace("{id}", rep["id"]), headers=auth(keys["centre"]))
    versions = openapi.validate(v, VERSIONS, "get")["data"]
    assert [x["version"] for x in versions] == [1, 2, 3]
    assert versions[0]["report"]["strands"] == ["religion"]
    assert versions[1]["report"]["police_reference"] == "5288888/24"


def test_patch_preconditions(api, openapi, keys):
    rep, _ = create(api, openapi, keys["centre"])
    rid = rep["id"]
    r = patch(api, keys["centre"], rid, {"channel": "telephone"}, if_match=None)
    assert openapi.validate(r, ONE, "patch")["status"] == 428
    for stale in ('"v2"', '"v0"', 'W/"v1"', 'v1', '"1"'):
        r = patch(api, keys["centre"], rid, {"channel": "telephone"}, if_match=stale)
        openapi.validate(r, ONE, "patch")
        assert r.status_code == 412, stale
        assert r.headers["ETag"] == '"v1"'
    r = patch(api, keys["centre"], rid, {"channel": "telephone"})
    assert openapi.validate(r, ONE, "patch")["version"] == 2
    r = patch(api, keys["centre"], rid, {"channel": "online_form"})
    assert openapi.validate(r, ONE, "patch")["status"] == 412
    # The council reads every report but changes only its own.
    r = patch(api, keys["council"], rid, {"channel": "online_form"}, if_match='"v2"')
    openapi.validate(r, ONE, "patch")
    assert r.status_code == 404
    r = patch(api, keys["centre"], rid, {}, if_match='"v2"')
    assert openapi.validate(r, ONE, "patch")["status"] == 422
    # Changing the reference to one already used is a conflict.
    other, _ = create(api, openapi, keys["centre"])
    r = patch(api, keys["centre"], rid, {"submitter_reference": other["submitter_reference"]},
              if_match='"v2"')
    got = openapi.validate(r, ONE, "patch")
    assert r.status_code == 409 and got["errors"][0]["pointer"] == "/submitter_reference"


def test_ten_concurrent_patches_one_wins(server, api, openapi, keys, pg):
    rep, _ = create(api, openapi, keys["centre"])
    rid = rep["id"]
    channels = ["telephone", "online_form", "in_person", "other", "council_officer",
                "third_party_centre", "police", "telephone", "online_form", "in_person"]

    def one(i):
        with requests.Session() as s:
            return s.patch(server.url + ONE.replace("{id}", rid), json={"channel": channels[i]},
                           timeout=30, headers=auth(keys["centre"], **{"If-Match": '"v1"'}))

    with concurrent.futures.ThreadPoolExecutor(10) as pool:
        responses = list(pool.map(one, range(10)))
    for r in responses:
        openapi.validate(r, ONE, "patch")
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] + [412] * 9, statuses
    assert pg.psql("SELECT version FROM hate_crime_reports WHERE id = '%s'" % rid) == "2"
    assert pg.psql("SELECT count(*) FROM hate_crime_report_versions WHERE report_id = '%s'" % rid) == "2"


def test_withdrawal_keeps_the_record(api, openapi, keys):
    rep, _ = create(api, openapi, keys["centre"])
    rid = rep["id"]
    r = patch(api, keys["centre"], rid, {"status": "withdrawn"})
    got = openapi.validate(r, ONE, "patch")
    assert r.status_code == 422 and got["errors"][0]["pointer"] == "/withdrawn_reason"
    r = patch(api, keys["centre"], rid, {"status": "withdrawn", "withdrawn_reason": "Duplicate",
                                         "channel": "telephone"})
    got = openapi.validate(r, ONE, "patch")
    assert r.status_code == 422 and [e["pointer"] for e in got["errors"]] == ["/channel"]
    r = patch(api, keys["centre"], rid, {"withdrawn_reason": "Duplicate"})
    assert openapi.validate(r, ONE, "patch")["status"] == 422

    r = patch(api, keys["centre"], rid, {"status": "withdrawn", "withdrawn_reason": "Submitted twice"})
    got = openapi.validate(r, ONE, "patch")
    assert r.status_code == 200
    assert got["status"] == "withdrawn" and got["withdrawn_reason"] == "Submitted twice"
    assert got["version"] == 2 and r.headers["ETag"] == '"v2"'
    r = api.get(ONE.replace("{id}", rid), headers=auth(keys["centre"]))
    assert openapi.validate(r, ONE, "get")["status"] == "withdrawn"
    v = api.get(VERSIONS.replace("{id}", rid), headers=auth(keys["centre"]))
    versions = openapi.validate(v, VERSIONS, "get")["data"]
    assert [(x["version"], x["report"]["status"]) for x in versions] == [(1, "active"), (2, "withdrawn")]
    r = patch(api, keys["centre"], rid, {"channel": "telephone"}, if_match='"v2"')
    got = openapi.validate(r, ONE, "patch")
    assert r.status_code == 409 and got["type"] == "urn:equalities:problem:report-withdrawn"
    r = api.get(LIST, params={"status": "withdrawn", "organisation": "reporting-centre-north",
                              "limit": 500}, headers=auth(keys["centre"]))
    assert rid in {x["id"] for x in openapi.validate(r, LIST, "get")["data"]}


# ---------------------------------------------------------------------------
# the audit trail
# ---------------------------------------------------------------------------

def test_audit_trail_has_every_write_and_no_secrets(server, api, openapi, keys, pg):
    reason = "Audit-marker-" + uuid.uuid4().hex
    withdraw_reason = "Withdraw-marker-" + uuid.uuid4().hex
    key = keys["centre"]

    h = auth(key)
    r = api.post(LIST, json=body(strands=["other"], other_strand_reason=reason), headers=h)
    rep = openapi.validate(r, LIST, "post")
    assert r.status_code == 201
    assert audit_rows(pg, h["X-Request-Id"]) == [
        ["reporting-centre-north", prefix_of(key), "hate_crime_report.create", "success", "201", rep["id"]]]

    h = auth(key)
    r = api.post(LIST, json=body(other_strand_reason=reason), headers=h)
    assert r.status_code == 422
    assert audit_rows(pg, h["X-Request-Id"]) == [
        ["reporting-centre-north", prefix_of(key), "hate_crime_report.create", "refused", "422", ""]]

    h = auth(key, **{"If-Match": '"v1"'})
    r = api.patch(ONE.replace("{id}", rep["id"]), json={"status": "withdrawn",
                                                        "withdrawn_reason": withdraw_reason}, headers=h)
    assert r.status_code == 200
    assert audit_rows(pg, h["X-Request-Id"]) == [
        ["reporting-centre-north", prefix_of(key), "hate_crime_report.update", "success", "200", rep["id"]]]

    h = auth(key, **{"If-Match": '"v1"'})
    r = api.patch(ONE.replace("{id}", rep["id"]), json={"channel": "telephone"}, headers=h)
    assert r.status_code == 412
    assert audit_rows(pg, h["X-Request-Id"]) == [
        ["reporting-centre-north", prefix_of(key), "hate_crime_report.update", "refused", "412", rep["id"]]]

    h = auth(keys["centre_read_only"])
    r = api.post(LIST, json=body(), headers=h)
    assert r.status_code == 403
    assert audit_rows(pg, h["X-Request-Id"]) == [
        ["reporting-centre-north", prefix_of(keys["centre_read_only"]), "hate_crime_report.create",
         "refused", "403", ""]]

    h = auth(None)
    r = api.post(LIST, json=body(), headers=h)
    assert r.status_code == 401
    assert audit_rows(pg, h["X-Request-Id"]) == [["", "", "hate_crime_report.create", "refused", "401", ""]]

    # Record-level reads are audited too (issue 14), with no target.
    h = auth(key)
    api.get(LIST, headers=h)
    assert audit_rows(pg, h["X-Request-Id"]) == [
        ["reporting-centre-north", prefix_of(key), "hate_crime_report.list", "success", "200", ""]]

    # Never the key, never the free text: not in the table, not in the log.
    for secret in (key, key[16:], reason, withdraw_reason, keys["centre_read_only"]):
        assert pg.psql("SELECT count(*) FROM audit_events a WHERE strpos(a::text, %s) > 0"
                       % sql_literal(secret)) == "0"
        assert secret not in server.log_text()
    # The free text is kept with the record and its versions only.
    assert pg.psql("SELECT count(*) FROM hate_crime_report_versions WHERE strpos(body::text, %s) > 0"
                   % sql_literal(reason)) == "2"


# ---------------------------------------------------------------------------
# the demo data
# ---------------------------------------------------------------------------

def test_seeded_demo_reports(pg):
    police_year = pg.psql(
        "SELECT count(*) FROM hate_crime_reports r JOIN organisations o ON o.id = r.organisation_id"
        " WHERE o.slug = 'police-feed' AND r.occurred_from BETWEEN '2023-08-01' AND '2024-07-31'")
    assert police_year == "1153"
    assert pg.psql(
        "SELECT count(*) FROM hate_crime_reports r JOIN organisations o ON o.id = r.organisation_id"
        " WHERE o.slug = 'police-feed' AND r.occurred_from BETWEEN '2023-02-01' AND '2023-07-31'") == "409"
    # Every seeded report has its history: version 1, and 2 for the withdrawn.
    assert pg.psql(
        "SELECT count(*) FROM hate_crime_reports r WHERE NOT EXISTS (SELECT 1 FROM"
        " hate_crime_report_versions v WHERE v.report_id = r.id AND v.version = r.version)") == "0"
    assert int(pg.psql("SELECT count(*) FROM hate_crime_reports r JOIN hate_crime_reports p"
                       " ON p.police_reference = r.police_reference AND p.id <> r.id")) > 0


def test_error_texts_cut_inside_utf8_are_not_500(api, openapi, keys):
    """Found by tests/fuzz: an error detail quoting the body, cut inside a
    multi-byte character, made the problem+json unbuildable (a 500)."""
    # jansson quotes the input near a syntax error, cut at a byte limit.
    bad = ('{"a' + "\u00e9" * 3 + ']' + "\u00e9" * 3 + '=V<\\' + "\u00e9" * 40 + '"}').encode()
    r = api.post(LIST, data=bad, headers=auth(keys["centre"], **{"Content-Type": "application/json"}))
    assert r.status_code == 400
    assert openapi.validate(r, LIST, "post")["type"] == "urn:equalities:problem:malformed-json"
    # An unknown member whose pointer is cut inside a character.
    r = api.post(LIST, json=body(**{"a" + "\u00e9" * 100: 1}), headers=auth(keys["centre"]))
    assert r.status_code == 422
    got = openapi.validate(r, LIST, "post")
    assert [e for e in got["errors"] if e["pointer"].startswith("/a\u00e9")]
