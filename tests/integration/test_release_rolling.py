"""Releases and the rolling year (issue #13, "Rolling periods" with
"Releases for data that changes"): when the next month's data arrive, the
rolling year moves a month.  An attacker holding both releases then knows
both rolling years, and their difference is the new month minus the month
that left the window; a release must count the earlier rolling year as
published, together with its twelve months, so that the new month (a
single report here) cannot be recovered.

One report is written straight into the test database, in the month after
the demo data's last; releases are removed at the end (with the
immutability trigger set aside by the owner).
"""

from __future__ import annotations

import pytest

import harness

STATS = "/v1/hate-crime/statistics"
REF = "rel-rolling-test-1"
NOTIFY = "SELECT pg_notify('eq_data_changed', 'hate_crime'); SELECT pg_notify('eq_data_changed', 'reference')"
CLEANUP = (f"DELETE FROM hate_crime_reports WHERE submitter_reference = '{REF}';"
           " ALTER TABLE releases DISABLE TRIGGER releases_no_update; DELETE FROM releases;"
           " ALTER TABLE releases ENABLE TRIGGER releases_no_update")


def _release(client, openapi, key):
    r = client.post("/v1/hate-crime/releases", json={}, headers={"Authorization": f"Bearer {key}"})
    assert r.status_code == 201, r.text
    return openapi.validate(r, "/v1/hate-crime/releases", "post")


def _get(client, openapi, **params):
    r = client.get(STATS, params=params)
    assert r.status_code == 200, r.text
    return openapi.validate(r, STATS)


def _rolling(client, openapi, release):
    body = _get(client, openapi, period="rolling-12:latest", group_by="source", release=release)
    assert body["meta"]["release"]["id"] == int(release)
    return {_code(row["source"]): row for row in body["data"]} | {
        None: _get(client, openapi, period="rolling-12:latest", release=release)["data"][0]}


def _code(v):
    return v["code"] if isinstance(v, dict) else v


def _month(client, openapi, release, start):
    """The month beginning on `start` in the release: total and by source."""
    fy = int(start[:4]) - (int(start[5:7]) < 4)
    label = f"{fy}/{(fy + 1) % 100:02d}"
    out = {}
    for group in ("month", "month,source"):
        for row in _get(client, openapi, **{"from": label, "to": label, "group_by": group,
                                            "release": release})["data"]:
            if row["period"]["start"] == start:
                out[_code(row.get("source"))] = row
    return out


@pytest.fixture(scope="module")
def moved(server, openapi):
    db = harness.PgControl()
    client = harness.ApiClient(server.url)
    council = harness.make_key("barnet-council", "admin,read:hate-crime")
    db.psql(CLEANUP)
    db.psql(NOTIFY)
    try:
        first = _release(client, openapi, council)
        before = _rolling(client, openapi, str(first["id"]))
        end = before[None]["period"]["end"]
        ward = db.psql("SELECT code FROM areas WHERE kind = 'ward' ORDER BY code LIMIT 1")
        db.psql("INSERT INTO hate_crime_reports (organisation_id, submitter_reference, police_reference,"
                " occurred_from, occurred_to, reported_on, location, ward_code, strands,"
                " other_strand_reason, offence_type, channel, status, withdrawn_reason) VALUES"
                f" ((SELECT id FROM organisations WHERE slug = 'police-feed'), '{REF}', NULL,"
                f" DATE '{end}' + 10, DATE '{end}' + 10, DATE '{end}' + 10, 'ward', '{ward}',"
                " ARRAY['race']::text[], NULL, 'harassment', 'police', 'active', NULL)")
        db.psql(NOTIFY)
        second = _release(client, openapi, council)
        yield {"client": client, "first": first, "second": second, "before": before}
    finally:
        db.psql(CLEANUP)
        db.psql(NOTIFY)
        client.close()


def test_each_release_serves_its_own_rolling_year(moved, openapi):
    c = moved["client"]
    again = _rolling(c, openapi, str(moved["first"]["id"]))
    assert again == moved["before"]
    after = _rolling(c, openapi, str(moved["second"]["id"]))
    assert after[None]["period"]["start"] > again[None]["period"]["start"]
    assert after[None]["period"]["label"] != again[None]["period"]["label"]
    # Release 1 publishes no other rolling year, the later one included.
    r = c.get(STATS, params={"period": f"rolling-12:{after[None]['period']['end'][:7]}",
                             "release": str(moved["first"]["id"])})
    assert r.status_code == 400, r.text


def test_moved_rolling_year_cannot_be_differenced(moved, openapi):
    """Both rolling years published and the month that left the window
    published would give the new month (one report) exactly: one of them
    must be withheld, for the total and for the police."""
    c = moved["client"]
    old, new = moved["before"], _rolling(c, openapi, str(moved["second"]["id"]))
    left = _month(c, openapi, str(moved["second"]["id"]), old[None]["period"]["start"])
    for source in (None, "police"):
        known = [old[source]["value"], new[source]["value"], left[source]["value"]]
        hidden = [old[source]["suppressed"], new[source]["suppressed"], left[source]["suppressed"]]
        assert any(hidden), (source, known)
