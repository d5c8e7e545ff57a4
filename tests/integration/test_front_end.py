"""What a front-end developer needs without guessing (issue 16): one
`area` parameter everywhere, several characteristics per call, and the
latest complete period of hate crime.  Every response is checked against
api/openapi.yaml.
"""

from __future__ import annotations

import csv
import io
import time

from checks import assert_problem

STATS = "/v1/hate-crime/statistics"
DEMO = "/v1/demographics"


def ward_codes(api) -> list[str]:
    return [a["code"] for a in api.get("/v1/areas", params={"kind": "ward", "limit": 5}).json()["data"]]


def test_hate_crime_takes_area_as_every_statistic_does(api, openapi):
    w = ward_codes(api)[0]
    by_area = api.get(STATS, params={"area": w, "group_by": "ward"})
    by_ward = api.get(STATS, params={"ward": w, "group_by": "ward"})
    assert openapi.validate(by_area, STATS)["data"] == openapi.validate(by_ward, STATS)["data"]
    assert by_area.status_code == 200
    assert {r["ward"]["code"] for r in by_area.json()["data"]} == {w}
    r = api.get(STATS, params={"area": "E05999999"})
    assert_problem(r, 400, openapi, STATS)


def test_latest_complete_period(api, openapi):
    for grain in ("month", "quarter", "financial_year"):
        r = api.get(STATS, params={"period": "latest-complete", "group_by": grain})
        body = openapi.validate(r, STATS)
        if r.status_code == 404:
            continue
        assert r.status_code == 200 and body["data"], body
        assert {row["period"]["kind"] for row in body["data"]} == {grain.replace("financial_year", "financial_year")}
        assert all(row["coverage"] == "complete" for row in body["data"]), body["data"][:2]
    r = api.get(STATS, params={"period": "latest-complete", "from": "2024/25"})
    assert_problem(r, 400, openapi, STATS)
    assert_problem(api.get(STATS, params={"period": "latest"}), 400, openapi, STATS)


def test_several_characteristics_per_call(api, openapi):
    r = api.get(DEMO, params={"characteristic": "ethnicity,religion", "area": "E05013642", "limit": 500})
    body = openapi.validate(r, DEMO)
    assert r.status_code == 200
    assert {o["characteristic"] for o in body["data"]} == {"ethnicity", "religion"}
    r = api.get(DEMO, params=[("characteristic", "ethnicity"), ("characteristic", "sex"),
                              ("area", "E05013642"), ("limit", 500)])
    assert {o["characteristic"] for o in openapi.validate(r, DEMO)["data"]} == {"ethnicity", "sex"}
    r = api.get(DEMO, params={"characteristic": "ethnicity,religion", "category": "white"})
    assert_problem(r, 400, openapi, DEMO)
    r = api.get(DEMO, params={"characteristic": "ethnicity,pets"})
    assert "pets" in assert_problem(r, 400, openapi, DEMO)["detail"] + str(r.json().get("errors"))


def test_codes_have_display_labels(api, openapi):
    r = api.get("/v1/codes")
    body = openapi.validate(r, "/v1/codes")
    labels = {(x["kind"], x["code"]): x["label"] for x in body["data"]}
    assert labels[("offence_type", "violence_against_the_person")] == "Violence against the person"
    assert labels[("strand", "transgender_identity")] == "Transgender identity"
    assert labels[("channel", "third_party_centre")] == "Third-party reporting centre"
    assert any(k == "outcome" for k, _ in labels)
    # Every code the contract allows in a statistic has a label.
    params = {p["name"]: p for p in openapi.doc["paths"][STATS]["get"]["parameters"] if "name" in p}
    for kind in ("strand", "offence_type", "channel"):
        allowed = params[kind]["schema"]["items"]["pattern"].split("(,")[0].strip("^()$").split("|")
        assert {c for c in allowed} <= {c for k, c in labels if k == kind}, kind
    r = api.get("/v1/codes", params={"kind": "channel", "format": "csv"})
    openapi.validate(r, "/v1/codes")
    assert r.text.splitlines()[0] == "kind,code,label,data_status" and len(r.text.splitlines()) == 8
    assert_problem(api.get("/v1/codes", params={"kind": "colour"}), 400, openapi, "/v1/codes")


def test_demo_data_is_marked_illustrative_everywhere(api, openapi, pg):
    """Every public response showing figures says whether they are official:
    meta.status, a data_status CSV column and X-Data-Status.  The seeded
    demo data is illustrative; reference data (areas) carries no status."""
    for path in ("/v1/scorecard", "/v1/indicators", "/v1/action-plans", STATS, DEMO,
                 "/v1/return-windows/public"):
        r = api.get(path)
        assert r.status_code == 200 and r.headers.get("X-Data-Status") == "illustrative", path
        body = r.json()
        if "meta" in body and "data" in body:
            openapi.validate(r, path)
            assert body["meta"]["status"] == "illustrative", path
    r = api.get(STATS, params={"format": "csv"})
    rows = list(csv.reader(io.StringIO(r.text)))
    assert rows[0][-1] == "data_status" and {row[-1] for row in rows[1:]} == {"illustrative"}
    r = api.get("/v1/areas")
    assert "X-Data-Status" not in r.headers and "status" not in r.json()["meta"]
    # Marked official, the next read says so at once.
    pg.psql("UPDATE data_status SET status = 'official' WHERE area = 'hate_crime';"
            " SELECT pg_notify('eq_data_changed', 'hate_crime')")
    try:
        deadline = time.monotonic() + 5
        while api.get(STATS).headers.get("X-Data-Status") != "official":
            assert time.monotonic() < deadline, "status not seen"
            time.sleep(0.1)
        assert api.get(STATS).json()["meta"]["status"] == "official"
    finally:
        pg.psql("UPDATE data_status SET status = 'illustrative' WHERE area = 'hate_crime';"
                " SELECT pg_notify('eq_data_changed', 'hate_crime')")


def test_the_scorecard_has_a_csv(api, openapi):
    j = openapi.validate(api.get("/v1/scorecard"), "/v1/scorecard")
    r = api.get("/v1/scorecard", params={"format": "csv"})
    openapi.validate(r, "/v1/scorecard")
    assert r.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert [x["code"] for x in rows] == [i["code"] for i in j["indicators"]]
    first = j["indicators"][0]
    assert rows[0]["rag"] == (first["rag"] or "") and rows[0]["period"] == first["period"]["label"]
    assert rows[0]["data_status"] == "illustrative"
    same = api.get("/v1/scorecard", headers={"Accept": "text/csv"})
    assert same.text == r.text
