"""Indicators computed from the published data.

An indicator that declares its source (indicators.computed_from) shows,
for every value, the very figure the statistics route serves for the same
period: the route is followed from the value's own `actual_source.from`,
and where the route withholds the figure the indicator has no actual.
Manual indicators say so. Every response is checked against
api/openapi.yaml.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

LIST = "/v1/indicators"
VALUES = "/v1/indicators/{code}/values"
SCORECARD = "/v1/scorecard"


def values(api, openapi, code):
    r = api.get(VALUES.replace("{code}", code))
    assert r.status_code == 200, r.text
    return openapi.validate(r, VALUES)["data"]


def published_figure(api, openapi, source, period):
    """What the route at source["from"] serves for the period: (value, withheld, any data)."""
    parts = urlsplit(source["from"])
    params = {k: v[0] for k, v in parse_qs(parts.query).items()}
    r = api.get(parts.path, params=params)
    assert r.status_code == 200, r.text
    body = openapi.validate(r, parts.path)
    if parts.path == "/v1/hate-crime/statistics":
        rows = [x for x in body["data"] if x["period"]["label"] == period["label"]]
        assert len(rows) == 1, rows
        return rows[0]["value"], rows[0]["suppressed"], rows[0]["coverage"] != "none"
    assert parts.path == "/v1/workforce/profile"
    rows = [x for x in body["data"] if x["category"]["code"] == "disabled"
            and x["directorate"] is None and x["grade_band"] is None]
    assert len(rows) == 1, rows
    share = rows[0]["share"]
    return (None if share is None else round(share * 100, 3)), rows[0]["suppressed"], True


@pytest.mark.parametrize("code", ["hate-crime-reports", "workforce-disabled"])
def test_every_computed_value_is_the_routes_figure(api, openapi, code):
    vs = values(api, openapi, code)
    assert vs and all(v["actual_source"]["kind"] == "computed" for v in vs)
    compared = 0
    for v in vs:
        src = v["actual_source"]
        if code == "workforce-disabled":
            # A snapshot is taken on 31 March only: the other quarters have none.
            snap = api.get("/v1/workforce/snapshots").json()["data"]
            if v["period"]["end"] not in {s["as_of"] for s in snap}:
                assert v["actual"] is None
                continue
        value, withheld, any_data = published_figure(api, openapi, src, v["period"])
        assert src["withheld"] == withheld
        if withheld or not any_data:
            assert v["actual"] is None, v
        else:
            assert v["actual"] == value, (v["period"]["label"], v["actual"], value)
            compared += 1
    assert compared >= 2, "the demo data has computed values to compare"


def test_the_issue_figures_agree(api, openapi):
    hc = {v["period"]["label"]: v["actual"] for v in values(api, openapi, "hate-crime-reports")}
    assert [hc[f"2023/24 Q{q}"] for q in (1, 2, 3, 4)] == [222, 272, 388, 256]
    wd = {v["period"]["label"]: v["actual"] for v in values(api, openapi, "workforce-disabled")}
    assert wd["2022/23 Q4"] == pytest.approx(2.59)


def test_manual_indicators_say_so_everywhere(api, openapi):
    got = openapi.validate(api.get(LIST, params={"limit": 500}), LIST)["data"]
    computed = {"hate-crime-reports", "workforce-disabled"}
    for ind in got:
        if ind["latest"] is None:
            continue
        kind = ind["latest"]["actual_source"]["kind"]
        assert kind == ("computed" if ind["code"] in computed else "manual"), ind["code"]
        if kind == "manual":
            assert ind["latest"]["actual_source"] == {"kind": "manual", "from": None,
                                                      "withheld": False}
    card = openapi.validate(api.get(SCORECARD, params={"period": "2023/24 Q2"}), SCORECARD)
    row = next(x for x in card["indicators"] if x["code"] == "hate-crime-reports")
    assert row["actual"] == 272 and row["actual_source"]["kind"] == "computed"


def test_a_computed_actual_is_not_typed_in(api, openapi):
    from harness import make_key
    key = make_key("barnet-council", "manage:indicators")
    v = next(x for x in values(api, openapi, "hate-crime-reports")
             if x["period"]["label"] == "2024/25 Q1")
    path = "/v1/indicators/hate-crime-reports/values/2024/25-Q1"
    template = "/v1/indicators/{code}/values/{fy_start}/{period}"
    headers = {"Authorization": "Bearer " + key, "If-Match": '"v%d"' % v["revision"]}
    body = {"target": v["target"], "commentary": v["commentary"],
            "published_on": v["published_on"]}
    r = api.put(path, json=dict(body, actual=1), headers=headers)
    openapi.validate(r, template, "put")
    assert r.status_code == 422 and r.json()["errors"][0]["pointer"] == "/actual", r.text
    # Its target and commentary are the council's: the same again is accepted
    # and changes nothing, and the actual is still the published figure.
    r = api.put(path, json=body, headers=headers)
    got = openapi.validate(r, template, "put")
    assert r.status_code == 200, r.text
    assert got["actual"] == v["actual"] and got["actual_source"] == v["actual_source"]
    assert got["revision"] == v["revision"]
