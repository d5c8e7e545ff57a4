"""Releases of the hate-crime statistics (issue #13, "Releases for data
that changes"): made by the council, listed with their change log, served
to the public by default and by id, immutable, and decided jointly with the
earlier ones so that a withdrawn report cannot be differenced out.

Fixture reports are written straight into the test database for financial
year 2012/13 (far from the demo data and the other suites' years); the
releases this module makes are removed at the end (with the immutability
trigger set aside by the owner), so later tests read the live figures as
before.
"""

from __future__ import annotations

import secrets

import pytest

import harness
from checks import assert_problem

STATS = "/v1/hate-crime/statistics"
FY = "2012/13"
PREFIX = "rel-test-"
# Reports per quarter of 2012/13: Q1 has exactly the threshold.
QUARTERS = {1: 5, 2: 7, 3: 8, 4: 9}
QUARTER_MONTH = {1: "2012-05", 2: "2012-08", 3: "2012-11", 4: "2013-02"}
NOTIFY = "SELECT pg_notify('eq_data_changed', 'hate_crime'); SELECT pg_notify('eq_data_changed', 'reference')"
CLEANUP = (f"DELETE FROM hate_crime_reports WHERE submitter_reference LIKE '{PREFIX}%';"
           " ALTER TABLE releases DISABLE TRIGGER releases_no_update; DELETE FROM releases;"
           " ALTER TABLE releases ENABLE TRIGGER releases_no_update")


def insert_sql(ward):
    rows, n = [], 0
    for q, count in QUARTERS.items():
        for _ in range(count):
            n += 1
            rows.append(
                f"((SELECT id FROM organisations WHERE slug = 'police-feed'), '{PREFIX}{n}', NULL,"
                f" DATE '{QUARTER_MONTH[q]}-10', DATE '{QUARTER_MONTH[q]}-10', DATE '{QUARTER_MONTH[q]}-10',"
                f" 'ward', '{ward}', ARRAY['race']::text[], NULL, 'harassment', 'police', 'active', NULL)")
    return ("INSERT INTO hate_crime_reports (organisation_id, submitter_reference, police_reference,"
            " occurred_from, occurred_to, reported_on, location, ward_code, strands,"
            " other_strand_reason, offence_type, channel, status, withdrawn_reason) VALUES "
            + ",\n".join(rows))


@pytest.fixture(scope="module")
def db():
    return harness.PgControl()


@pytest.fixture(scope="module")
def history(db, server):
    """Release 1, then one Q1 report withdrawn, then release 2."""
    db.psql(CLEANUP)
    ward = db.psql("SELECT code FROM areas WHERE kind = 'ward' ORDER BY code LIMIT 1")
    db.psql(insert_sql(ward))
    db.psql(NOTIFY)
    council = harness.make_key("barnet-council", "admin,read:hate-crime")
    client = harness.ApiClient(server.url)
    try:
        yield {"db": db, "client": client, "council": council}
    finally:
        db.psql(CLEANUP)
        db.psql(NOTIFY)
        client.close()


def make_release(client, openapi, key, reason=None):
    body = {} if reason is None else {"reason": reason}
    r = client.post("/v1/hate-crime/releases", json=body, headers={"Authorization": f"Bearer {key}"})
    assert r.status_code == 201, r.text
    return openapi.validate(r, "/v1/hate-crime/releases", "post")


def quarters(client, openapi, **params):
    query = {"from": FY, "group_by": "quarter", **params}
    r = client.get(STATS, params=query)
    assert r.status_code == 200, r.text
    body = openapi.validate(r, STATS)
    return {row["period"]["label"]: row["value"] for row in body["data"]}, body["meta"]["release"]


def year(client, openapi, **params):
    r = client.get(STATS, params={"from": FY, **params})
    assert r.status_code == 200, r.text
    return openapi.validate(r, STATS)["data"][0]["value"]


@pytest.fixture(scope="module")
def releases(history, openapi):
    c, db, council = history["client"], history["db"], history["council"]
    first = make_release(c, openapi, council, "First release of the test year.")
    db.psql(f"UPDATE hate_crime_reports SET status = 'withdrawn', withdrawn_reason = 'test',"
            f" updated_at = now() WHERE submitter_reference = '{PREFIX}1'")
    db.psql(NOTIFY)
    between = quarters(c, openapi)
    second = make_release(c, openapi, council)
    return {"first": first, "second": second, "between": between}


def test_first_release_publishes_the_year(history, releases, openapi):
    first = releases["first"]
    assert first["statistic"] == "hate-crime" and first["key"] == "all-years"
    assert first["changes"]["previous_version"] is None
    assert first["reason"].startswith("First release of the test year.")
    values, meta = quarters(history["client"], openapi, release=str(first["id"]))
    assert meta["id"] == first["id"] and meta["version"] == first["version"]
    assert [values[f"{FY} Q{q}"] for q in range(1, 5)] == [5, 7, 8, 9]


def test_public_reads_the_release_not_the_live_table(releases):
    # After the withdrawal and before release 2, the public still saw 5.
    values, meta = releases["between"]
    assert values[f"{FY} Q1"] == 5
    assert meta["id"] == releases["first"]["id"]


def test_second_release_logs_the_change(history, releases, openapi):
    first, second = releases["first"], releases["second"]
    assert second["version"] == first["version"] + 1
    assert second["changes"]["previous_version"] == first["version"]
    assert second["changes"]["newly_withheld"] >= 1
    assert "1 report withdrawn since the previous release" in second["reason"]
    r = history["client"].get(f"/v1/releases/{second['id']}")
    body = openapi.validate(r, "/v1/releases/{id}")
    assert any(name.startswith(f"{FY} reports#") for name in body["changes"]["changed_cells"])


def test_withdrawn_report_cannot_be_differenced(history, releases, openapi):
    """Attack 3: Q1 moved from 5 to 4.  Q2..Q4 are unchanged and were
    published, so they stay published; the year must then be withheld, or
    year - Q2 - Q3 - Q4 would give the 4 back."""
    c = history["client"]
    values, meta = quarters(c, openapi)
    assert meta["id"] == releases["second"]["id"]
    assert values[f"{FY} Q1"] is None
    assert [values[f"{FY} Q{q}"] for q in (2, 3, 4)] == [7, 8, 9]
    assert year(c, openapi) is None
    # And the earlier release is still what it was: immutable.
    old, _ = quarters(c, openapi, release=str(releases["first"]["id"]))
    assert old[f"{FY} Q1"] == 5
    assert year(c, openapi, release=str(releases["first"]["id"])) == 29


def test_live_figures_are_for_council_keys(history, releases, openapi):
    c = history["client"]
    r = c.get(STATS, params={"from": FY, "group_by": "quarter", "release": "live"})
    assert_problem(r, 401)
    partner = harness.make_key("police-feed", "read:hate-crime")
    r = c.get(STATS, params={"from": FY, "release": "live"}, headers={"Authorization": f"Bearer {partner}"})
    assert_problem(r, 403)
    r = c.get(STATS, params={"from": FY, "group_by": "quarter", "release": "live"},
              headers={"Authorization": f"Bearer {history['council']}"})
    assert r.status_code == 200, r.text
    # Never stored by the shared cache, so no public ETag either.
    body = r.json()
    openapi.validate_body(body, openapi.schema("HateCrimeStatistics"))
    assert body["meta"]["release"] is None
    assert {row["period"]["label"]: row["value"] for row in body["data"]}[f"{FY} Q1"] is None
    assert "private" in r.headers["Cache-Control"] and "no-store" in r.headers["Cache-Control"]


def test_making_a_release_needs_the_council(history, releases):
    # admin is the council's alone; a key without it is refused.
    partner = harness.make_key("police-feed", "read:hate-crime")
    r = history["client"].post("/v1/hate-crime/releases", json={},
                               headers={"Authorization": f"Bearer {partner}"})
    assert_problem(r, 403)
    r = history["client"].post("/v1/hate-crime/releases", json={})
    assert_problem(r, 401)


def test_release_list_filters_pages_and_csv(history, releases, openapi):
    c = history["client"]
    r = c.get("/v1/releases", params={"statistic": "hate-crime", "key": "all-years", "limit": 1})
    body = openapi.validate(r, "/v1/releases")
    assert [d["id"] for d in body["data"]] == [releases["second"]["id"]]
    assert "changed_cells" not in body["data"][0]["changes"]
    nxt = c.get(body["links"]["next"])
    assert [d["id"] for d in openapi.validate(nxt, "/v1/releases")["data"]] == [releases["first"]["id"]]
    r = c.get("/v1/releases", params={"statistic": "demographics"})
    assert openapi.validate(r, "/v1/releases")["data"] == []
    r = c.get("/v1/releases", params={"format": "csv"})
    lines = openapi.validate(r, "/v1/releases").splitlines()
    assert lines[0].startswith("id,statistic,key,version,made_at,reason")
    assert len(lines) == 3


@pytest.mark.parametrize("query,status", [
    ({"release": "999999"}, 404),
    ({"release": "abc"}, 400),
    ({"release": "0"}, 400),
])
def test_bad_release_parameter(history, releases, openapi, query, status):
    r = history["client"].get(STATS, params={"from": FY, **query})
    assert_problem(r, status)


def test_unknown_release_is_404(history, releases):
    assert_problem(history["client"].get("/v1/releases/999999"), 404)
    assert_problem(history["client"].get("/v1/releases/abc"), 404)


# ---------------------------------------------------------------------------
# the returns summary: released when the window closes, and again after a
# late return is accepted (attack 4: the two differ by that partner's counts)
# ---------------------------------------------------------------------------

SUMMARY = "/v1/returns/summary"
SUMMARY_RELEASES = "/v1/returns/summary/releases"


def _bearer(key):
    return {"Authorization": f"Bearer {key}"}


def _return_lines(female, male, white, disabled, not_disabled, young, older):
    return {"sex": {"female": female, "male": male},
            "ethnicity": {"white_british": white},
            "disability": {"disabled": disabled, "not_disabled": not_disabled},
            "age": {"age_20_24": young, "age_25_29": older}}


@pytest.fixture(scope="module")
def summary_history(history, openapi):
    c, db = history["client"], history["db"]
    council = harness.make_key("barnet-council", "review:returns")
    y = secrets.randbelow(6000) + 2200
    period = f"{y}/{(y + 1) % 100:02d} Q3"
    r = c.post("/v1/return-windows", json={"kind": "workforce", "period": period, "open_date": "2000-01-01",
                                            "due_date": "2999-12-31"}, headers=_bearer(council))
    assert r.status_code == 201, r.text
    window = r.json()["id"]
    partners = []
    for i in range(4):
        slug = f"rel-partner-{secrets.token_hex(4)}"
        db.psql(f"INSERT INTO organisations (slug, name, kind) VALUES ('{slug}', 'Release test {i}', 'partner')")
        partners.append(harness.make_key(slug, "submit:returns"))
    bodies = [(100, _return_lines(60, 40, 100, 12, 88, 30, 70))] * 3 + [(10, _return_lines(7, 3, 10, 0, 10, 10, 0))]
    ids = []
    for key, (total, lines) in zip(partners, bodies):
        r = c.post("/v1/returns", json={"window": window, "total": total, "lines": lines}, headers=_bearer(key))
        assert r.status_code == 201, r.text
        ids.append(r.json()["id"])
        assert c.post(f"/v1/returns/{ids[-1]}/submit", json={}, headers=_bearer(key)).status_code == 200

    def accept(rid):
        r = c.post(f"/v1/returns/{rid}/review", json={"outcome": "accepted"}, headers=_bearer(council))
        assert r.status_code == 200, r.text

    def release(reason):
        r = c.post(SUMMARY_RELEASES, json={"window": window, "reason": reason}, headers=_bearer(council))
        assert r.status_code == 201, r.text
        return openapi.validate(r, SUMMARY_RELEASES, "post")

    for rid in ids[:3]:
        accept(rid)
    first = release("The window closed.")
    # The late return, accepted, is released at once: the window was released.
    accept(ids[3])
    made = c.get("/v1/releases", params={"statistic": "returns-summary", "key": window}).json()["data"]
    return {"window": window, "first": first, "second": made[0], "versions": [m["version"] for m in made],
            "council": council}


def _summary(client, openapi, window, **params):
    r = client.get(SUMMARY, params={"window": window, **params})
    body = openapi.validate(r, SUMMARY)
    return {(o["characteristic"], o["category"]): o["value"] for o in body["data"]}, body["meta"]


def test_returns_summary_releases_hide_the_late_partner(history, summary_history, openapi):
    c, h = history["client"], summary_history
    assert h["first"]["statistic"] == "returns-summary" and h["first"]["key"] == h["window"]
    assert h["second"]["changes"]["previous_version"] == 1
    assert h["second"]["reason"].startswith("A late return was accepted. 4 partners")
    assert h["versions"] == [2, 1]
    old, old_meta = _summary(c, openapi, h["window"], release=str(h["first"]["id"]))
    new, new_meta = _summary(c, openapi, h["window"])
    assert new_meta["release"]["id"] == h["second"]["id"] and new_meta["partners_contributing"] == 4
    assert old[("sex", "female")] == 180 and old[("sex", "male")] == 120
    # Attack 4: no cell published in both releases moved by 1 to 4.
    for cell, value in new.items():
        if value is not None and old.get(cell) is not None:
            assert not 1 <= abs(value - old[cell]) <= 4, (cell, old[cell], value)
    # The partner's 3 men: male is withheld now, and so is its complement.
    assert new[("sex", "male")] is None and new[("sex", "female")] is None
    # Unchanged and published before: still published.
    assert new[("disability", "disabled")] == 36


def test_returns_summary_live_is_the_councils(history, summary_history, openapi):
    c, h = history["client"], summary_history
    assert_problem(c.get(SUMMARY, params={"window": h["window"], "release": "live"}), 401)
    r = c.get(SUMMARY, params={"window": h["window"], "release": "live"}, headers=_bearer(h["council"]))
    assert r.status_code == 200, r.text
    assert r.json()["meta"]["release"] is None
    assert_problem(c.get(SUMMARY, params={"window": h["window"], "release": "999999"}), 404)


def test_making_a_release_is_safe_to_retry(history, releases, openapi):
    """Last in the module: it makes a third hate-crime release."""
    c = history["client"]
    headers = {"Authorization": f"Bearer {history['council']}", "Idempotency-Key": secrets.token_hex(12)}
    first = c.post("/v1/hate-crime/releases", json={"reason": "Retried."}, headers=headers)
    again = c.post("/v1/hate-crime/releases", json={"reason": "Retried."}, headers=headers)
    assert first.status_code == again.status_code == 201, again.text
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert openapi.validate(again, "/v1/hate-crime/releases", "post")["id"] == first.json()["id"]
    assert first.json()["version"] == releases["second"]["version"] + 1
