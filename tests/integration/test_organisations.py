"""Organisations and their equalities policies, and the Strategic
Equalities Objective with its outcomes.

On the real binary and database: the public list (filter, keyset pages,
CSV) and record; each partner's return-window outcomes checked against
the returns in the database; the council's creates and edits (If-Match,
409 for a taken slug, 403 for a non-council admin key); a partner that may
change its own policy link and nothing else, and never another
organisation's record (404). One vocabulary of outcomes: every indicator's
and every action's outcome is an outcome of the objective. Every response
is checked against api/openapi.yaml.
"""

from __future__ import annotations

import csv
import io
import secrets

import pytest

import harness
from harness import make_key
from checks import assert_problem, collect_pages

LIST = "/v1/organisations"
ONE = "/v1/organisations/{slug}"
OBJECTIVES = "/v1/objectives"
OUTCOMES = {"on_time", "late", "overdue", "returned", "open"}


@pytest.fixture(scope="module")
def keys():
    return {
        "council": make_key("barnet-council", "admin"),
        "council_other": make_key("barnet-council", "manage:indicators"),
        "care": make_key("partner-care", "submit:returns"),
        "youth": make_key("partner-youth", "submit:returns"),
        "police_admin": make_key("police-feed", "submit:hate-crime"),  # admin: refused to its kind (0014)
    }


def auth(key, **extra) -> dict:
    h = {"X-Request-Id": "org-" + secrets.token_hex(8)}
    if key:
        h["Authorization"] = "Bearer " + key
    h.update(extra)
    return h


def one(slug: str) -> str:
    return ONE.replace("{slug}", slug)


def new_org(api, openapi, keys, **over) -> dict:
    body = {"slug": "t-org-" + secrets.token_hex(4), "name": "Test partner", "kind": "partner"}
    body.update(over)
    r = api.post(LIST, json=body, headers=auth(keys["council"]))
    got = openapi.validate(r, LIST, "post")
    assert r.status_code == 201, r.text
    assert r.headers["Location"] == one(body["slug"])
    assert r.headers["ETag"] == '"v1"'
    return got


# ---------------------------------------------------------------------------
# public reads
# ---------------------------------------------------------------------------

def test_list_filters_pages_and_csv(api, openapi):
    r = api.get(LIST, params={"limit": 500})
    got = openapi.validate(r, LIST)
    assert r.status_code == 200 and "public" in r.headers["Cache-Control"]
    slugs = [o["slug"] for o in got["data"]]
    assert slugs == sorted(slugs)
    assert {"barnet-council", "partner-care", "partner-youth"} <= set(slugs)
    partners = openapi.validate(api.get(LIST, params={"kind": "partner", "limit": 500}), LIST)
    assert partners["data"] and {o["kind"] for o in partners["data"]} == {"partner"}
    rows, pages = collect_pages(api, LIST + "?limit=2", openapi, LIST)
    assert [o["slug"] for o in rows] == slugs and len(pages) > 1
    c = api.get(LIST, params={"format": "csv", "kind": "partner"})
    openapi.validate(c, LIST)
    table = list(csv.DictReader(io.StringIO(c.text)))
    assert list(table[0].keys()) == [
        "slug", "name", "kind", "equalities_policy_url", "policy_reviewed_on", "returns_on_time",
        "returns_late", "returns_overdue", "returns_returned", "returns_open", "version", "data_status"]
    care = next(row for row in table if row["slug"] == "partner-care")
    assert care["equalities_policy_url"].startswith("https://")
    for bad in ({"kind": "charity"}, {"knd": "partner"}, {"limit": "0"}, {"cursor": "bogus"}):
        assert_problem(api.get(LIST, params=bad), 400, openapi, LIST)


def test_window_outcomes_follow_the_returns(api, openapi, pg):
    got = openapi.validate(api.get(LIST, params={"kind": "partner", "limit": 500}), LIST)
    seen = set()
    for org in got["data"]:
        counts = {k: 0 for k in OUTCOMES}
        for w in org["return_windows"]:
            counts[w["outcome"]] += 1
            seen.add(w["outcome"])
            row = pg.psql(
                "SELECT coalesce(r.status, ''), coalesce(r.late::text, ''),"
                " r.submitted_at IS NOT NULL, (now() AT TIME ZONE 'Europe/London')::date > w.due_date"
                " FROM return_windows w LEFT JOIN partner_returns r ON r.window_id = w.id"
                f"  AND r.organisation_id = (SELECT id FROM organisations WHERE slug = '{org['slug']}')"
                f" WHERE w.id = '{w['window']}'").split("|")
            status, late, submitted, past_due = row[0], row[1], row[2] == "t", row[3] == "t"
            expect = ("returned" if status == "returned" else
                      "late" if submitted and late == "true" else
                      "on_time" if submitted else
                      "overdue" if past_due else "open")
            assert w["outcome"] == expect, (org["slug"], w, row)
        assert org["return_outcomes"] == counts
    # The demo data shows each kind of outcome a partner can have had.
    assert {"on_time", "late", "overdue", "returned"} <= seen
    council = openapi.validate(api.get(one("barnet-council")), ONE)
    assert council["return_windows"] == [] and council["kind"] == "council"


def test_get_one_and_unknown(api, openapi):
    r = api.get(one("partner-care"))
    got = openapi.validate(r, ONE)
    assert r.status_code == 200 and got["slug"] == "partner-care"
    assert "ETag" in r.headers and "public" in r.headers["Cache-Control"]
    assert api.get(one("partner-care"), headers={"If-None-Match": r.headers["ETag"]}).status_code == 304
    for bad in ("no-such-org", "Not_A_Slug", "x" * 70):
        assert_problem(api.get(one(bad)), 404, openapi, ONE)


# ---------------------------------------------------------------------------
# the council manages organisations
# ---------------------------------------------------------------------------

def test_council_creates_and_edits(api, openapi, keys, pg):
    org = new_org(api, openapi, keys, equalities_policy_url="https://example.org/p",
                  policy_reviewed_on="2025-01-31")
    assert org["version"] == 1 and org["equalities_policy_url"] == "https://example.org/p"
    # A partner added today has submitted nothing: each window it is shown is
    # overdue or open.
    assert {w["outcome"] for w in org["return_windows"]} <= {"overdue", "open"}
    assert openapi.validate(api.get(one(org["slug"])), ONE)["name"] == "Test partner"
    r = api.post(LIST, json={"slug": org["slug"], "name": "Again", "kind": "partner"},
                 headers=auth(keys["council"]))
    body = assert_problem(r, 409, openapi, LIST, "post")
    assert body["type"].endswith(":duplicate-organisation")
    assert body["errors"][0]["pointer"] == "/slug"
    # A PATCH names its version.
    patch = {"name": "Renamed partner", "policy_reviewed_on": None}
    assert_problem(api.patch(one(org["slug"]), json=patch, headers=auth(keys["council"])),
                   428, openapi, ONE, "patch")
    assert_problem(api.patch(one(org["slug"]), json=patch,
                             headers=auth(keys["council"], **{"If-Match": '"v7"'})),
                   412, openapi, ONE, "patch")
    r = api.patch(one(org["slug"]), json=patch, headers=auth(keys["council"], **{"If-Match": '"v1"'}))
    got = openapi.validate(r, ONE, "patch")
    assert r.status_code == 200, r.text
    assert r.headers["ETag"] == '"v2"' and got["version"] == 2
    assert got["name"] == "Renamed partner" and got["policy_reviewed_on"] is None
    assert got["equalities_policy_url"] == "https://example.org/p"
    assert pg.psql(f"SELECT name FROM organisations WHERE slug = '{org['slug']}'") == "Renamed partner"
    audit = pg.psql("SELECT action || ' ' || outcome FROM audit_events"
                    f" WHERE target = '{org['slug']}' ORDER BY id")
    assert "organisation.create success" in audit and "organisation.update success" in audit


def test_create_and_patch_are_validated(api, openapi, keys):
    for body in ({"slug": "Bad Slug", "name": "x", "kind": "partner"},
                 {"slug": "t-ok", "name": "", "kind": "partner"},
                 {"slug": "t-ok", "name": "x", "kind": "council"},
                 {"slug": "t-ok", "name": "x", "kind": "partner", "equalities_policy_url": "ftp://x"},
                 {"slug": "t-ok", "name": "x", "kind": "partner", "colour": "red"},
                 {"name": "x", "kind": "partner"}):
        assert_problem(api.post(LIST, json=body, headers=auth(keys["council"])), 422, openapi,
                       LIST, "post")
    org = new_org(api, openapi, keys)
    for patch in ({}, {"kind": "police"}, {"name": None}, {"policy_reviewed_on": "31/01/2025"}):
        assert_problem(api.patch(one(org["slug"]), json=patch,
                                 headers=auth(keys["council"], **{"If-Match": '"v1"'})),
                       422, openapi, ONE, "patch")


def test_who_may_manage(api, openapi, keys):
    body = {"slug": "t-org-" + secrets.token_hex(4), "name": "Nope", "kind": "partner"}
    assert_problem(api.post(LIST, json=body), 401, openapi, LIST, "post")
    assert_problem(api.post(LIST, json=body, headers=auth(keys["council_other"])), 403, openapi,
                   LIST, "post")
    assert_problem(api.post(LIST, json=body, headers=auth(keys["care"])), 403, openapi, LIST, "post")
    # admin on a key of another kind of organisation is not the council's power.
    assert_problem(api.post(LIST, json=body, headers=auth(keys["police_admin"])), 403, openapi,
                   LIST, "post")
    assert_problem(api.patch(one("partner-care"), json={"name": "x"},
                             headers=auth(keys["council_other"], **{"If-Match": '"v1"'})),
                   403, openapi, ONE, "patch")


# ---------------------------------------------------------------------------
# a partner keeps its own policy link
# ---------------------------------------------------------------------------

def test_partner_updates_its_own_policy_link_only(api, openapi, keys):
    cur = openapi.validate(api.get(one("partner-youth")), ONE)
    etag = '"v%d"' % cur["version"]
    url = "https://example.org/youth/" + secrets.token_hex(4)
    r = api.patch(one("partner-youth"), json={"equalities_policy_url": url},
                  headers=auth(keys["youth"], **{"If-Match": etag}))
    got = openapi.validate(r, ONE, "patch")
    assert r.status_code == 200, r.text
    assert got["equalities_policy_url"] == url and got["version"] == cur["version"] + 1
    assert got["policy_reviewed_on"] == cur["policy_reviewed_on"]
    etag = r.headers["ETag"]
    # Everything else is the council's: each member named.
    body = assert_problem(api.patch(one("partner-youth"),
                                    json={"name": "Mine", "policy_reviewed_on": "2025-01-01",
                                          "equalities_policy_url": url},
                                    headers=auth(keys["youth"], **{"If-Match": etag})),
                          422, openapi, ONE, "patch")
    assert {e["pointer"] for e in body["errors"]} == {"/name", "/policy_reviewed_on"}
    # Another organisation's record is not there for it.
    assert_problem(api.patch(one("partner-care"), json={"equalities_policy_url": url},
                             headers=auth(keys["youth"], **{"If-Match": '"v1"'})),
                   404, openapi, ONE, "patch")
    assert openapi.validate(api.get(one("partner-care")), ONE)["equalities_policy_url"] != url
    # The public record shows the change.
    assert openapi.validate(api.get(one("partner-youth")), ONE)["equalities_policy_url"] == url


# ---------------------------------------------------------------------------
# the objective and its outcomes
# ---------------------------------------------------------------------------

def test_objective_and_one_vocabulary(api, openapi, pg):
    r = api.get(OBJECTIVES)
    got = openapi.validate(r, OBJECTIVES)
    assert r.status_code == 200 and "public" in r.headers["Cache-Control"]
    seo = next(o for o in got["data"] if o["code"] == "seo")
    assert "equal access to quality services" in seo["statement"]
    codes = [o["code"] for o in seo["outcomes"]]
    assert {"equal-access", "safe-communities", "representative-workforce", "fair-pay",
            "cohesion", "evidence"} <= set(codes)
    # Every seeded indicator's and action's outcome is one of them, and
    # each outcome lists exactly the indicators and actions that name it.
    for o in seo["outcomes"]:
        listed = pg.psql("SELECT coalesce(string_agg(code, ',' ORDER BY code), '') FROM indicators"
                         f" WHERE outcome = '{o['code']}'")
        assert o["indicators"] == (listed.split(",") if listed else [])
        assert len(o["actions"]) == int(pg.psql(
            f"SELECT count(*) FROM actions WHERE outcome = '{o['code']}'"))
    # The demo data's indicators and actions (other tests add their own).
    named = set()
    for f in ("indicators/indicators.csv", "action-plans/actions.csv"):
        with open(harness.ROOT / "data" / f, newline="") as fh:
            named |= {row["outcome"] for row in csv.DictReader(fh)}
    assert named <= set(codes), named - set(codes)
    access = next(o for o in seo["outcomes"] if o["code"] == "equal-access")
    assert "web-accessibility" in access["indicators"]
    assert {(a["plan"], a["reference"]) for a in access["actions"]} >= {("2024-25", "A2.1")}
    for bad in ({"limit": "0"}, {"cursor": "bogus"}, {"code": "seo"}):
        assert_problem(api.get(OBJECTIVES, params=bad), 400, openapi, OBJECTIVES)
