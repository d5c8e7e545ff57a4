"""Equality impact assessments.

On the real binary and database: the public list (published and reviewed
only, filters, keyset pages, CSV) and record (a draft is 404); overdue
reviews flagged as the database's dates say; the council's creates and
PATCHes with every rule of a published assessment reported at once,
linked actions that must exist, a status that moves forward only,
If-Match, every version kept; the scope and the council-only rule. Every
response is checked against api/openapi.yaml.
"""

from __future__ import annotations

import csv
import io
import secrets
import uuid

import pytest

from harness import make_key
from checks import assert_problem, collect_pages

LIST = "/v1/impact-assessments"
ONE = "/v1/impact-assessments/{id}"
VERSIONS = "/v1/impact-assessments/{id}/versions"
CHARACTERISTICS = ["age", "disability", "ethnicity", "gender_identity", "legal_partnership",
                   "pregnancy_maternity", "religion", "sex", "sexual_orientation"]


@pytest.fixture(scope="module")
def keys():
    return {
        "council": make_key("barnet-council", "manage:impact-assessments"),
        "council_other": make_key("barnet-council", "manage:action-plan,admin"),
        "partner": make_key("partner-care", "submit:returns"),  # no more: its kind (0014)
    }


def auth(key, **extra) -> dict:
    h = {"X-Request-Id": "eia-" + secrets.token_hex(8)}
    if key:
        h["Authorization"] = "Bearer " + key
    h.update(extra)
    return h


def at(template: str, id_: str) -> str:
    return template.replace("{id}", id_)


def today(pg) -> str:
    return pg.psql("SELECT (now() AT TIME ZONE 'Europe/London')::date")


def complete(**over) -> dict:
    b = {
        "reference": "T-EIA-" + secrets.token_hex(4),
        "title": "Test assessment",
        "service_area": "resources",
        "status": "published",
        "decision": "Agreed.",
        "decision_date": "2025-05-01",
        "review_date": "2099-05-01",
        "document_url": "https://example.org/eia.pdf",
        "impacts": [{"characteristic": c, "impact": "neutral", "evidence": "Records."}
                    for c in CHARACTERISTICS],
    }
    b.update(over)
    return b


def create(api, openapi, keys, body) -> tuple[dict, str]:
    r = api.post(LIST, json=body, headers=auth(keys["council"]))
    got = openapi.validate(r, LIST, "post")
    assert r.status_code == 201, r.text
    assert r.headers["Location"] == at(ONE, got["id"]) and r.headers["ETag"] == '"v1"'
    return got, r.headers["ETag"]


# ---------------------------------------------------------------------------
# public reads
# ---------------------------------------------------------------------------

def test_public_list_shows_published_only(api, openapi, pg):
    rows, pages = collect_pages(api, LIST + "?limit=1", openapi, LIST)
    assert len(pages) > 1
    statuses = {x["status"] for x in rows}
    assert "draft" not in statuses and {"published", "reviewed"} <= statuses
    published = int(pg.psql("SELECT count(*) FROM impact_assessments WHERE status <> 'draft'"))
    assert len(rows) == published
    keys = [(x["decision_date"], x["id"]) for x in rows]
    assert keys == sorted(keys)
    demo = [x for x in rows if x["reference"].startswith("EIA-")]
    assert demo and all(x["illustrative"] for x in demo)
    for x in demo:
        assert [i["characteristic"] for i in x["impacts"]] == CHARACTERISTICS
        counts = {k: sum(1 for i in x["impacts"] if i["impact"] == k)
                  for k in ("positive", "neutral", "negative", "unknown")}
        assert x["impact_counts"] == counts
    draft = pg.psql("SELECT id FROM impact_assessments WHERE status = 'draft' LIMIT 1")
    assert draft, "the demo data has a draft"
    assert_problem(api.get(at(ONE, draft)), 404, openapi, ONE)
    one = openapi.validate(api.get(at(ONE, demo[0]["id"])), ONE)
    assert one == demo[0]
    for bad in ("nope", str(uuid.uuid4())):
        assert_problem(api.get(at(ONE, bad)), 404, openapi, ONE)


def test_filters_and_overdue(api, openapi, pg):
    every = openapi.validate(api.get(LIST, params={"limit": 500}), LIST)["data"]
    day = today(pg)
    for x in every:
        assert x["review_overdue"] == (x["status"] == "published" and x["review_date"] < day)
    assert any(x["review_overdue"] for x in every), "the demo data has an overdue review"
    for flag in ("true", "false"):
        got = openapi.validate(api.get(LIST, params={"overdue": flag, "limit": 500}), LIST)["data"]
        assert {x["id"] for x in got} == {x["id"] for x in every
                                          if x["review_overdue"] == (flag == "true")}
    got = openapi.validate(api.get(LIST, params={"characteristic": "age", "impact": "negative",
                                                 "limit": 500}), LIST)["data"]
    assert got and {x["id"] for x in got} == {
        x["id"] for x in every
        if any(i["characteristic"] == "age" and i["impact"] == "negative" for i in x["impacts"])}
    got = openapi.validate(api.get(LIST, params={"service_area": "adults-and-health",
                                                 "status": "reviewed"}), LIST)["data"]
    assert got and all(x["service_area"] == "adults-and-health" and x["status"] == "reviewed"
                       for x in got)
    for bad in ({"status": "draft"}, {"characteristic": "race"}, {"impact": "bad"},
                {"overdue": "yes"}, {"service_area": "Not A Code"}, {"colour": "red"},
                {"cursor": "bogus"}):
        assert_problem(api.get(LIST, params=bad), 400, openapi, LIST)


def test_csv(api, openapi):
    r = api.get(LIST, params={"format": "csv"})
    openapi.validate(r, LIST)
    table = list(csv.DictReader(io.StringIO(r.text)))
    assert list(table[0].keys()) == [
        "id", "reference", "title", "service_area", "decision", "decision_date", "status",
        "positive", "neutral", "negative", "unknown", "document_url", "review_date",
        "review_overdue", "illustrative", "version", "data_status"]
    assert {row["status"] for row in table} <= {"published", "reviewed"}
    lib = next(row for row in table if row["reference"] == "EIA-2024-001")
    assert (lib["negative"], lib["illustrative"]) == ("2", "true")


# ---------------------------------------------------------------------------
# the council's writes
# ---------------------------------------------------------------------------

def test_create_publish_and_versions(api, openapi, keys, pg):
    action = pg.psql("SELECT a.id FROM actions a JOIN action_plans p ON p.id = a.plan_id"
                     " WHERE p.slug = '2024-25' AND a.reference = 'A2.2'")
    draft, etag = create(api, openapi, keys, {"reference": "T-EIA-" + secrets.token_hex(4),
                                              "title": "Draft one", "service_area": "resources",
                                              "status": "draft", "actions": [action]})
    assert draft["impacts"] == [] and draft["actions"][0]["reference"] == "A2.2"
    assert draft["illustrative"] is False and draft["review_overdue"] is False
    assert_problem(api.get(at(ONE, draft["id"])), 404, openapi, ONE)
    # Publishing needs everything at once.
    r = api.patch(at(ONE, draft["id"]), json={"status": "published"},
                  headers=auth(keys["council"], **{"If-Match": etag}))
    body = assert_problem(r, 422, openapi, ONE, "patch")
    assert {e["pointer"] for e in body["errors"]} == {"/decision", "/decision_date",
                                                      "/review_date", "/impacts"}
    full = complete()
    del full["reference"]
    assert_problem(api.patch(at(ONE, draft["id"]), json=full, headers=auth(keys["council"])),
                   428, openapi, ONE, "patch")
    assert_problem(api.patch(at(ONE, draft["id"]), json=full,
                             headers=auth(keys["council"], **{"If-Match": '"v9"'})),
                   412, openapi, ONE, "patch")
    r = api.patch(at(ONE, draft["id"]), json=full, headers=auth(keys["council"], **{"If-Match": etag}))
    got = openapi.validate(r, ONE, "patch")
    assert r.status_code == 200, r.text
    assert got["status"] == "published" and got["version"] == 2 and r.headers["ETag"] == '"v2"'
    assert got["actions"] == draft["actions"], "the linked actions stay"
    assert openapi.validate(api.get(at(ONE, draft["id"])), ONE)["status"] == "published"
    # Never back to draft.
    body = assert_problem(api.patch(at(ONE, draft["id"]), json={"status": "draft"},
                                    headers=auth(keys["council"], **{"If-Match": '"v2"'})),
                          422, openapi, ONE, "patch")
    assert body["errors"][0]["pointer"] == "/status"
    # Every version is kept, the draft included.
    r = api.get(at(VERSIONS, draft["id"]), headers=auth(keys["council"]))
    versions = openapi.validate(r, VERSIONS)
    assert [v["version"] for v in versions["data"]] == [1, 2]
    assert [v["assessment"]["status"] for v in versions["data"]] == ["draft", "published"]
    assert "no-store" in r.headers["Cache-Control"]
    audit = pg.psql("SELECT string_agg(action || ' ' || outcome, ',' ORDER BY id) FROM audit_events"
                    f" WHERE target = '{draft['id']}'")
    assert "impact_assessment.create success" in audit
    assert "impact_assessment.update success" in audit


def test_every_rule_at_once(api, openapi, keys):
    b = complete(review_date="2025-04-01", actions=[str(uuid.uuid4())])
    b["impacts"][1] = {"characteristic": "disability", "impact": "negative", "evidence": "x"}
    b["impacts"][2] = {"characteristic": "ethnicity", "impact": "positive"}
    b["impacts"][8] = {"characteristic": "age", "impact": "unknown"}
    r = api.post(LIST, json=b, headers=auth(keys["council"]))
    body = assert_problem(r, 422, openapi, LIST, "post")
    pointers = {e["pointer"] for e in body["errors"]}
    assert pointers == {"/impacts/1/mitigations", "/impacts/2/evidence",
                        "/impacts/8/characteristic", "/impacts", "/review_date", "/actions/0"}
    for bad in (dict(complete(), status="withdrawn"), dict(complete(), colour="red"),
                dict(complete(), reference="has space"),
                dict(complete(), impacts=[{"characteristic": "race", "impact": "neutral"}]),
                dict(complete(), status="reviewed")):
        assert_problem(api.post(LIST, json=bad, headers=auth(keys["council"])), 422, openapi,
                       LIST, "post")


def test_duplicate_reference(api, openapi, keys):
    b = complete()
    create(api, openapi, keys, b)
    body = assert_problem(api.post(LIST, json=b, headers=auth(keys["council"])), 409, openapi,
                          LIST, "post")
    assert body["type"].endswith(":duplicate-impact-assessment")


def test_who_may_write(api, openapi, keys):
    b = complete()
    assert_problem(api.post(LIST, json=b), 401, openapi, LIST, "post")
    assert_problem(api.post(LIST, json=b, headers=auth(keys["council_other"])), 403, openapi,
                   LIST, "post")
    # The scope on a partner's key is not the council's power.
    assert_problem(api.post(LIST, json=b, headers=auth(keys["partner"])), 403, openapi,
                   LIST, "post")
    got, etag = create(api, openapi, keys, b)
    assert_problem(api.patch(at(ONE, got["id"]), json={"title": "x"},
                             headers=auth(keys["partner"], **{"If-Match": etag})),
                   403, openapi, ONE, "patch")
    assert_problem(api.get(at(VERSIONS, got["id"]), headers=auth(keys["council_other"])), 403,
                   openapi, VERSIONS)
    for bad in ("nope", str(uuid.uuid4())):
        assert_problem(api.get(at(VERSIONS, bad), headers=auth(keys["council"])), 404, openapi,
                       VERSIONS)
        assert_problem(api.patch(at(ONE, bad), json={"title": "x"},
                                 headers=auth(keys["council"], **{"If-Match": '"v1"'})),
                       404, openapi, ONE, "patch")
