"""Hate-crime statistics by rolling year and by source, on the seeded demo
data: the council's published figure (police-recorded hate crime in the
year to July 2024: 1,153) comes out of the public API, sources add up to
the total, the rolling year is the sum of its months (checked against the
database), and what is not published is refused or withheld.
"""

from __future__ import annotations

import csv
import io

import pytest

import harness
from checks import assert_problem, media_type

STATS = "/v1/hate-crime/statistics"
SOURCES = ["police", "reporting_centre", "council", "partner"]

# Crimes (deduplicated by police reference, dated by the first report's
# occurred_from) by source: police when any active report of the crime came
# from the police, else the kind of the organisation that received it first.
SOURCE_SQL = """
SELECT source, count(*) FROM (
    SELECT DISTINCT ON (coalesce('ref:' || r.police_reference, 'id:' || r.id::text))
           r.occurred_from,
           CASE WHEN o.kind = 'police' OR EXISTS (
                    SELECT 1 FROM hate_crime_reports p JOIN organisations po ON po.id = p.organisation_id
                    WHERE p.police_reference = r.police_reference AND p.status = 'active'
                      AND po.kind = 'police') THEN 'police' ELSE o.kind END AS source
    FROM hate_crime_reports r JOIN organisations o ON o.id = r.organisation_id
    WHERE r.status = 'active'
    ORDER BY coalesce('ref:' || r.police_reference, 'id:' || r.id::text), r.created_at, r.id) c
WHERE occurred_from BETWEEN DATE '{start}' AND DATE '{end}'
GROUP BY source
"""


@pytest.fixture(scope="module")
def client(server):
    c = harness.ApiClient(server.url)
    yield c
    c.close()


@pytest.fixture(scope="module")
def db():
    return harness.PgControl()


def get_json(client, openapi, query):
    r = client.get(STATS + "?" + query)
    assert r.status_code == 200, (query, r.status_code, r.text[:400])
    body = openapi.validate(r, STATS)
    assert body["meta"]["count"] == len(body["data"])
    return body


def test_police_recorded_year_to_july_2024_is_1153(client, openapi):
    body = get_json(client, openapi, "period=rolling-12:2024-07&source=police")
    assert len(body["data"]) == 1
    row = body["data"][0]
    assert row["period"] == {"label": "12 months to 2024-07", "kind": "rolling_12_months",
                             "start": "2023-08-01", "end": "2024-07-31"}
    assert row["source"] == "police" and row["measure"] == "reports"
    assert row["suppressed"] is False
    assert row["value"] == 1153
    assert body["meta"]["range"] == {"from": "2023-08", "to": "2024-07",
                                     "start": "2023-08-01", "end": "2024-07-31"}


def test_latest_names_the_published_rolling_year(client, openapi):
    latest = get_json(client, openapi, "period=rolling-12:latest&group_by=source")
    named = get_json(client, openapi, "period=rolling-12:2024-07&group_by=source")
    assert latest["data"] == named["data"]
    assert latest["meta"]["range"]["to"] == "2024-07"


def test_sources_add_up_and_match_the_database(client, openapi, db):
    """Total = sum of sources, for the rolling year and for a financial
    year, and each source's count is the database's (nothing withheld
    here: the demo's sources are large over a year)."""
    for query, start, end in (("period=rolling-12:2024-07", "2023-08-01", "2024-07-31"),
                              ("from=2023/24", "2023-04-01", "2024-03-31")):
        rows = get_json(client, openapi, query + "&group_by=source")["data"]
        assert [r["source"] for r in rows] == [None] + SOURCES
        assert not any(r["suppressed"] for r in rows), rows
        assert rows[0]["value"] == sum(r["value"] for r in rows[1:])
        out = db.psql(SOURCE_SQL.format(start=start, end=end))
        want = {line.split("|")[0]: int(line.split("|")[1]) for line in out.split("\n") if line}
        assert {r["source"]: r["value"] for r in rows[1:]} == {s: want.get(s, 0) for s in SOURCES}


def test_rolling_year_is_the_sum_of_its_months(client, openapi):
    """Every month of the window published here, their sum is the
    rolling year (the cells are of one problem, and agree)."""
    rolling = get_json(client, openapi, "period=rolling-12:2024-07")["data"][0]
    months = get_json(client, openapi, "from=2023-08&to=2024-07&group_by=month")["data"]
    assert len(months) == 12
    assert not rolling["suppressed"]
    if not any(m["suppressed"] for m in months):
        assert rolling["value"] == sum(m["value"] for m in months)


def test_only_the_latest_rolling_year_is_a_cell(client, openapi):
    """An earlier rolling year that holds a crime is refused, naming the
    published one (two a month apart would be differenced); one with no
    crime at all is 0; the previous year's rolling year is withheld."""
    r = client.get(STATS + "?period=rolling-12:2024-06")
    body = assert_problem(r, 400, openapi, STATS, parameter="period")
    assert "rolling-12:2024-07" in body["errors"][0]["detail"]
    row = get_json(client, openapi, "period=rolling-12:2021-01&group_by=source")["data"][0]
    assert (row["value"], row["suppressed"]) == (0, False)
    body = get_json(client, openapi, "period=rolling-12:2024-07&compare=previous_year")
    prev = body["data"][0]["previous_year"]
    assert prev["period"]["label"] == "12 months to 2023-07"
    assert prev["value"] is None and prev["suppressed"] is True and prev["change"] is None


def test_csv_has_the_source(client, openapi):
    r = client.get(STATS + "?period=rolling-12:2024-07&group_by=source&format=csv")
    assert r.status_code == 200, r.text[:300]
    assert media_type(r) == "text/csv"
    openapi.validate(r, STATS)
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8"), newline="")))
    assert [row["source"] for row in rows] == [""] + SOURCES
    assert rows[1]["value"] == "1153" and rows[1]["period_kind"] == "rolling_12_months"


@pytest.mark.parametrize("query,param", [
    ("period=rolling-12:2024-07&group_by=ward", "group_by"),
    ("period=rolling-12:2024-07&area=unknown", "ward"),
    ("period=rolling-12:2024-07&strand=race", "strand"),
    ("period=rolling-12:2024-07&from=2024-07", "period"),
    ("period=rolling-12:2024-07&group_by=month", "group_by"),
    ("from=2024-07&group_by=rolling_12_months", "group_by"),
    ("source=police&group_by=ward", "source"),
    ("source=police&channel=police", "source"),
])
def test_what_is_not_published_is_refused(client, openapi, query, param):
    assert_problem(client.get(STATS + "?" + query), 400, openapi, STATS, parameter=param)
