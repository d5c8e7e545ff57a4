"""The Annual Equalities Report.

GET /v1/reports/annual/{year} on the real binary and database: every
section checked against the route it names as its source (the indicator
values, the action-plan summary, the hate-crime statistics, the partners'
return outcomes, the workforce snapshots); incomplete data said section by
section; a bad year 404. Every response is checked against
api/openapi.yaml.
"""

from __future__ import annotations

import csv
import io

import pytest

from checks import assert_problem

REPORT = "/v1/reports/annual/{year}"


def report(api, openapi, year):
    r = api.get(REPORT.replace("{year}", year))
    body = openapi.validate(r, REPORT)
    assert r.status_code == 200, r.text
    assert "public" in r.headers["Cache-Control"] and "ETag" in r.headers
    return body


@pytest.mark.parametrize("year", ["2023-24", "2024-25"])
def test_sections_agree_with_their_sources(api, openapi, year):
    body = report(api, openapi, year)
    label = year.replace("-", "/")
    assert body["year"]["label"] == label
    s = body["sections"]
    for name, sec in s.items():
        assert sec["complete"] == (sec["notes"] == []), name
    assert body["complete"] == all(sec["complete"] for sec in s.values())
    # The objective, as /v1/objectives serves it.
    assert s["objective"]["data"] == api.get("/v1/objectives").json()["data"]
    # Each indicator's outturn is its value for the year's last period.
    for row in s["indicators"]["data"]:
        vals = api.get(f"/v1/indicators/{row['code']}/values",
                       params={"from": label, "to": label}).json()["data"]
        if not vals:
            assert row["outturn"] is None
            continue
        last = vals[-1]
        for k in ("period", "target", "actual", "rag", "direction", "actual_source"):
            assert row["outturn"][k] == last[k], (row["code"], k)
        if last["actual"] is None:
            assert any(n.startswith(row["code"] + " ") for n in s["indicators"]["notes"])
    # Action-plan progress is the plan's own summary.
    src = s["action_plan"]["sources"][0]
    if s["action_plan"]["data"] is None:
        assert src == "/v1/action-plans" and not s["action_plan"]["complete"]
        plans = api.get(src).json()["data"]
        assert not [p for p in plans if p["period"]["start"] <= body["year"]["start"]
                    <= p["period"]["end"] and p["status"] != "draft"]
    else:
        assert s["action_plan"]["data"] == api.get(src).json()
    # Hate crime: the statistics route's year cell.
    stats = api.get("/v1/hate-crime/statistics", params={"from": label}).json()["data"]
    year_row = next(x for x in stats if x["period"]["label"] == label and x["measure"] == "reports")
    hc = s["hate_crime"]["data"]
    assert (hc["reports"], hc["suppressed"], hc["coverage"]) == (
        year_row["value"], year_row["suppressed"], year_row["coverage"])
    assert s["hate_crime"]["complete"] == (hc["coverage"] == "complete")
    # Partner returns: who returned how, as each organisation's record says.
    orgs = {o["slug"]: o for o in api.get("/v1/organisations", params={"kind": "partner",
                                                                       "limit": 500}).json()["data"]}
    for w in s["partner_returns"]["data"]:
        assert w["period"].startswith(label)
        for outcome in ("on_time", "late", "returned", "overdue", "open"):
            for slug in w[outcome]:
                mine = next(x for x in orgs[slug]["return_windows"] if x["window"] == w["window"])
                assert mine["outcome"] == outcome
    # Workforce: a snapshot on the year's last day, or a note that there is none.
    snaps = {x["as_of"]: x for x in api.get("/v1/workforce/snapshots").json()["data"]}
    wf = s["workforce"]["data"]
    assert wf["as_of"] == body["year"]["end"]
    if wf["as_of"] in snaps:
        assert s["workforce"]["complete"] and wf["headcount"] == snaps[wf["as_of"]]["headcount"]
    else:
        assert not s["workforce"]["complete"] and wf["headcount"] is None


def test_the_demo_years(api, openapi):
    # 2023/24: a snapshot on 31 March 2024 and hate-crime data all year.
    s = report(api, openapi, "2023-24")["sections"]
    assert s["workforce"]["complete"] and s["hate_crime"]["data"]["reports"] == 1138
    # 2024/25: the demo data stops in July 2024 and there is no snapshot on
    # 31 March 2025, and the report says so.
    body = report(api, openapi, "2024-25")
    assert body["complete"] is False
    assert not body["sections"]["workforce"]["complete"]
    assert body["sections"]["hate_crime"]["data"]["coverage"] != "complete"
    windows = body["sections"]["partner_returns"]["data"]
    assert windows and any(w["on_time"] for w in windows) and any(w["late"] for w in windows)


def test_bad_years(api, openapi):
    for bad in ("2024-26", "2024", "twenty", "2024-2"):
        assert_problem(api.get(REPORT.replace("{year}", bad)), 404, openapi, REPORT)
    assert_problem(api.get(REPORT.replace("{year}", "2024-25"), params={"format": "xml"}), 400,
                   openapi, REPORT)
    assert_problem(api.get(REPORT.replace("{year}", "2024-25"), params={"colour": "red"}), 400,
                   openapi, REPORT)


def test_csv_bundle_is_the_reports_figures(api, openapi):
    body = report(api, openapi, "2023-24")
    r = api.get(REPORT.replace("{year}", "2023-24"), params={"format": "csv"})
    openapi.validate(r, REPORT)
    assert r.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert list(rows[0].keys()) == ["section", "item", "period", "value", "target", "rag",
                                    "suppressed", "complete", "source", "data_status"]
    by = {(x["section"], x["item"], x["period"]): x for x in rows}
    s = body["sections"]
    for ind in s["indicators"]["data"]:
        o = ind["outturn"]
        if o is None:
            continue
        x = by[("indicators", ind["code"], o["period"]["label"])]
        assert x["value"] == ("" if o["actual"] is None else _num(o["actual"]))
        assert x["rag"] == (o["rag"] or "")
    hc = by[("hate_crime", "reports", "")]
    assert hc["value"] == str(s["hate_crime"]["data"]["reports"])
    assert hc["source"] == s["hate_crime"]["sources"][0]
    assert by[("workforce", "headcount", "")]["value"] == str(s["workforce"]["data"]["headcount"])
    for w in s["partner_returns"]["data"]:
        x = by[("partner_returns", w["kind"] + ":on_time", w["period"])]
        assert x["value"] == str(len(w["on_time"]))


def _num(v) -> str:
    return str(int(v)) if float(v).is_integer() else str(v)
