"""CSV that keeps what the JSON says (issue 16): every list and statistic
answers CSV, every CSV links (Link rel="describedby") to its meta as CSV
(format=csv-meta, name,value rows derived from the same meta object as
the JSON), rows repeat the data status and the disclosure rule, and lists
whose whole result is cheap to count say so in meta.total.  Every
response is checked against api/openapi.yaml.
"""

from __future__ import annotations

import csv
import io
import json
import re

import pytest

from checks import assert_problem
from harness import make_key

DESCRIBED = re.compile(r'(?:<([^>]+)>; rel="next", )?<([^>]+)>; rel="describedby"; type="text/csv"')

# The feed of changes is an event stream (or its JSON long poll), not a list.
NOT_CSV = {"/v1/changes"}
COMMENTARY = "/v1/reports/annual/2031-32/sections/workforce/commentary"


@pytest.fixture(scope="module")
def key():
    return make_key("barnet-council",
                    "read:hate-crime,review:returns,admin,manage:impact-assessments,manage:reports")


def commentary(api, key) -> str:
    """A commentary with a history, for its versions' CSV (in a year no
    other test writes)."""
    auth = {"Authorization": "Bearer " + key}
    if api.get(COMMENTARY, headers=auth).status_code == 404:
        r = api.put(COMMENTARY, json={"text": "Headcount fell,\n=as planned."}, headers=auth)
        assert r.status_code in (200, 201), r.text
    return COMMENTARY + "/versions"


def samples(api, key) -> dict[str, tuple[str, dict, dict]]:
    """A request (url, params, headers) for each GET route that answers CSV."""
    auth = {"Authorization": "Bearer " + key}
    plan = api.get("/v1/action-plans", params={"status": "current"}).json()["data"][0]["id"]
    code = api.get("/v1/indicators", params={"limit": 1}).json()["data"][0]["code"]
    window = api.get("/v1/return-windows/public", params={"limit": 1}).json()["data"][0]["id"]
    report = api.get("/v1/hate-crime/reports", params={"limit": 1}, headers=auth).json()["data"][0]["id"]
    returned = api.get("/v1/returns", params={"limit": 1}, headers=auth).json()["data"][0]["id"]
    assessment = api.get("/v1/impact-assessments", params={"limit": 1}).json()["data"][0]["id"]
    return {
        "/v1/hate-crime/reports/{id}/versions": (f"/v1/hate-crime/reports/{report}/versions", {}, auth),
        "/v1/returns/{id}/versions": (f"/v1/returns/{returned}/versions", {}, auth),
        "/v1/impact-assessments/{id}/versions": (f"/v1/impact-assessments/{assessment}/versions", {}, auth),
        "/v1/reports/annual/{year}/sections/{section}/commentary/versions": (commentary(api, key), {}, {}),
        "/v1/areas": ("/v1/areas", {"kind": "ward", "limit": 3}, {}),
        "/v1/codes": ("/v1/codes", {}, {}),
        "/v1/characteristics": ("/v1/characteristics", {"limit": 2}, {}),
        "/v1/demographics/datasets": ("/v1/demographics/datasets", {}, {}),
        "/v1/demographics": ("/v1/demographics", {"area": "E05013642", "characteristic": "sex"}, {}),
        "/v1/workforce/snapshots": ("/v1/workforce/snapshots", {}, {}),
        "/v1/workforce/profile": ("/v1/workforce/profile", {}, {}),
        "/v1/workforce/pay-gaps": ("/v1/workforce/pay-gaps", {}, {}),
        "/v1/workforce/representation": ("/v1/workforce/representation", {"characteristic": "sex"}, {}),
        "/v1/hate-crime/statistics": ("/v1/hate-crime/statistics", {"group_by": "quarter"}, {}),
        "/v1/hate-crime/reports": ("/v1/hate-crime/reports", {"limit": 3}, auth),
        "/v1/return-windows": ("/v1/return-windows", {"limit": 2}, auth),
        "/v1/return-windows/public": ("/v1/return-windows/public", {"limit": 2}, {}),
        "/v1/returns": ("/v1/returns", {"limit": 2}, auth),
        "/v1/returns/summary": ("/v1/returns/summary", {"window": window}, {}),
        "/v1/action-plans": ("/v1/action-plans", {"limit": 1}, {}),
        "/v1/action-plans/{id}/actions": (f"/v1/action-plans/{plan}/actions", {"limit": 3}, {}),
        "/v1/action-plans/{id}/summary": (f"/v1/action-plans/{plan}/summary", {}, {}),
        "/v1/indicators": ("/v1/indicators", {"limit": 3}, {}),
        "/v1/indicators/{code}/values": (f"/v1/indicators/{code}/values", {"limit": 3}, {}),
        "/v1/scorecard": ("/v1/scorecard", {}, {}),
        "/v1/organisations": ("/v1/organisations", {"limit": 2}, {}),
        "/v1/objectives": ("/v1/objectives", {}, {}),
        "/v1/impact-assessments": ("/v1/impact-assessments", {"limit": 2}, {}),
        "/v1/reports/annual/{year}": ("/v1/reports/annual/2024-25", {}, {}),
        "/v1/audit-events": ("/v1/audit-events", {"limit": 2}, auth),
        "/v1/releases": ("/v1/releases", {"limit": 2}, {}),
    }


def flatten(v, name: str = "") -> dict[str, str]:
    """meta as the service writes it in CSV: dotted paths, arrays by index."""
    if isinstance(v, dict) and v:
        out = {}
        for k, x in v.items():
            out.update(flatten(x, f"{name}.{k}" if name else k))
        return out
    if isinstance(v, list) and v:
        out = {}
        for i, x in enumerate(v):
            out.update(flatten(x, f"{name}.{i}" if name else str(i)))
        return out
    if v is None or v == {} or v == []:
        text = ""
    elif isinstance(v, bool):
        text = "true" if v else "false"
    elif isinstance(v, float):
        text = format(v, ".12g")
    else:
        text = str(v)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        text = "'" + text    # the formula guard
    return {name: text}


def parse(r) -> list[list[str]]:
    assert r.status_code == 200, r.text[:300]
    assert r.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert r.text.endswith("\r\n")
    return list(csv.reader(io.StringIO(r.text, newline="")))


def csv_get_routes(openapi) -> set[str]:
    found = set()
    for path, ops in openapi.doc["paths"].items():
        get = ops.get("get")
        if get and "text/csv" in get["responses"].get("200", {}).get("content", {}):
            found.add(path)
    return found


def test_every_list_and_statistic_answers_csv(api, openapi, key):
    """A GET whose JSON is {data, links, meta} (a list or statistic) offers
    CSV, and this suite knows a request for each."""
    lists = set()
    for path, ops in openapi.doc["paths"].items():
        get = ops.get("get")
        media = (get or {}).get("responses", {}).get("200", {}).get("content", {}).get("application/json")
        schema = openapi.deref(media["schema"]) if media and "schema" in media else {}
        if "data" in schema.get("properties", {}) and "meta" in schema.get("properties", {}):
            lists.add(path)
    assert lists - NOT_CSV <= csv_get_routes(openapi), sorted(lists - NOT_CSV - csv_get_routes(openapi))
    assert csv_get_routes(openapi) == set(samples(api, key))


def test_each_csv_links_its_meta_as_csv(api, openapi, key):
    for template, (url, params, headers) in samples(api, key).items():
        j = api.get(url, params=params, headers=headers)
        body = openapi.validate(j, template)
        assert j.status_code == 200, (template, j.text[:300])
        c = api.get(url, params={**params, "format": "csv"}, headers=headers)
        openapi.validate(c, template)
        rows = parse(c)
        m = DESCRIBED.fullmatch(c.headers.get("Link", ""))
        assert m, (template, c.headers.get("Link"))
        assert "format=csv-meta" in m.group(2) and "format=csv&" not in m.group(2) + "&"
        mc = api.get(m.group(2), headers=headers)
        openapi.validate(mc, template)
        meta_rows = parse(mc)
        assert meta_rows[0] == ["name", "value"], template
        got = dict(meta_rows[1:])
        assert len(got) == len(meta_rows) - 1, (template, "a name twice")
        status = c.headers.get("X-Data-Status")
        if status:
            assert got["status"] == status and rows[0][-1] == "data_status", template
        if "meta" in body and template not in ("/v1/characteristics",):
            assert got == flatten(body["meta"]), template


def test_rows_repeat_the_disclosure_rule(api, openapi):
    for path, params in (("/v1/hate-crime/statistics", {"group_by": "quarter"}),
                         ("/v1/workforce/profile", {})):
        meta = openapi.validate(api.get(path, params=params), path)["meta"]
        rows = list(csv.DictReader(io.StringIO(api.get(path, params={**params, "format": "csv"}).text)))
        assert rows, path
        head = list(rows[0])
        assert head[-3:] == ["disclosure_threshold", "disclosure_method", "data_status"], head
        for row in rows:
            assert row["disclosure_threshold"] == str(meta["disclosure"]["threshold"]) == "5"
            assert row["disclosure_method"] == meta["disclosure"]["method"]
            assert row["data_status"] == meta["status"]
    # Reference data has no status and no rule: no such columns.
    head = parse(api.get("/v1/areas", params={"format": "csv", "limit": 1}))[0]
    assert head == ["code", "name", "kind", "parent"]


def test_meta_csv_by_accept_header_and_paging(api, openapi):
    """An Accept: text/csv page links the meta of that same page."""
    c = api.get("/v1/areas", params={"limit": 2, "kind": "ward"}, headers={"Accept": "text/csv"})
    m = DESCRIBED.fullmatch(c.headers["Link"])
    assert m and m.group(1) and m.group(2) == "/v1/areas?limit=2&kind=ward&format=csv-meta", c.headers["Link"]
    second = api.get(m.group(1), headers={"Accept": "text/csv"})
    m2 = DESCRIBED.fullmatch(second.headers["Link"])
    assert "cursor=" in m2.group(2)
    meta = dict(parse(api.get(m2.group(2)))[1:])
    assert meta["count"] == "2" and int(meta["total"]) >= 4


def test_bad_format_lists_the_formats(api, openapi):
    r = api.get("/v1/areas", params={"format": "xlsx"})
    body = assert_problem(r, 400, openapi, "/v1/areas")
    assert "csv-meta" in str(body), body


def test_meta_total_counts_the_whole_filtered_list(api, openapi):
    for path, params in (("/v1/areas", {"kind": "ward"}), ("/v1/areas", {}),
                         ("/v1/organisations", {}), ("/v1/objectives", {}),
                         ("/v1/action-plans", {}), ("/v1/return-windows/public", {}),
                         ("/v1/impact-assessments", {}), ("/v1/impact-assessments", {"status": "published"}),
                         ("/v1/indicators", {}), ("/v1/indicators", {"rag": "green"})):
        every = openapi.validate(api.get(path, params={**params, "limit": 500}), path)
        first = openapi.validate(api.get(path, params={**params, "limit": 1}), path)
        assert first["meta"]["count"] == min(1, len(every["data"]))
        assert first["meta"]["total"] == every["meta"]["total"] == len(every["data"]), (path, params)
    # Every page gives the same total.
    url, totals, seen = "/v1/indicators?limit=3", set(), 0
    while url:
        page = openapi.validate(api.get(url), "/v1/indicators")
        totals.add(page["meta"]["total"])
        seen += page["meta"]["count"]
        url = page["links"]["next"]
    assert totals == {seen}
    wards = api.get("/v1/areas", params={"kind": "ward", "limit": 1}).json()["meta"]["total"]
    assert wards < api.get("/v1/areas", params={"limit": 1}).json()["meta"]["total"]


def test_objectives_csv_is_one_row_per_outcome(api, openapi):
    body = openapi.validate(api.get("/v1/objectives"), "/v1/objectives")
    c = api.get("/v1/objectives", params={"format": "csv"})
    openapi.validate(c, "/v1/objectives")
    rows = list(csv.DictReader(io.StringIO(c.text)))
    want = [(o["code"], oc["code"], oc["title"], "; ".join(oc["indicators"]),
             "; ".join(f'{a["plan"]} {a["reference"]}' for a in oc["actions"]))
            for o in body["data"] for oc in o["outcomes"]]
    assert [(r["objective"], r["outcome"], r["outcome_title"], r["indicators"], r["actions"])
            for r in rows] == want
    assert all(r["data_status"] == body["meta"]["status"] for r in rows)
    meta = dict(parse(api.get("/v1/objectives", params={"format": "csv-meta"}))[1:])
    assert meta["count"] == str(len(body["data"]))


def test_every_statistic_says_what_its_values_count(api, openapi):
    """A total never leaves a reader guessing whether it counts people,
    staff, reports or percentages: meta.counts (meta.measure for hate crime,
    whose measure is chosen per request), in JSON and in the meta CSV."""
    window = api.get("/v1/return-windows/public", params={"limit": 1}).json()["data"][0]["id"]
    said = {
        "/v1/demographics": ({"area": "E05013642", "characteristic": "sexual_orientation"}, "residents"),
        "/v1/workforce/profile": ({}, "staff headcount"),
        "/v1/workforce/pay-gaps": ({}, "percentage"),
        "/v1/workforce/representation": ({"characteristic": "sex"}, "ratio"),
        "/v1/returns/summary": ({"window": window}, "accepted returns"),
    }
    for path, (params, words) in said.items():
        meta = openapi.validate(api.get(path, params=params), path)["meta"]
        assert words in meta["counts"], (path, meta["counts"])
        assert meta["counts"].startswith(("people:", "staff headcount:", "no people:")), meta["counts"]
        as_csv = dict(parse(api.get(path, params={**params, "format": "csv-meta"}))[1:])
        assert as_csv["counts"] == meta["counts"]
    stats = openapi.validate(api.get("/v1/hate-crime/statistics"), "/v1/hate-crime/statistics")["meta"]
    assert stats["measures"][stats["measure"]].startswith(stats["measure"] + " count")


def test_the_scorecard_csv_keeps_its_quarter_and_rag_counts(api, openapi):
    j = openapi.validate(api.get("/v1/scorecard"), "/v1/scorecard")
    meta = dict(parse(api.get("/v1/scorecard", params={"format": "csv-meta"}))[1:])
    assert meta["period.label"] == j["period"]["label"] and meta["period.kind"] == "quarter"
    assert {k: int(meta["rag_counts." + k]) for k in j["rag_counts"]} == j["rag_counts"]
    assert list(j) == ["period", "indicators", "rag_counts", "action_plan"]


def test_the_annual_report_csv_keeps_its_year(api, openapi):
    j = openapi.validate(api.get("/v1/reports/annual/2024-25"), "/v1/reports/annual/{year}")
    meta = dict(parse(api.get("/v1/reports/annual/2024-25", params={"format": "csv-meta"}))[1:])
    assert meta["year.label"] == j["year"]["label"] == "2024/25"
    assert meta["complete"] == ("true" if j["complete"] else "false")


def test_a_history_is_a_csv_row_per_version(api, openapi, key):
    commentary(api, key)
    j = openapi.validate(api.get(COMMENTARY + "/versions"), "/v1/reports/annual/{year}/sections/{section}/commentary/versions")
    c = api.get(COMMENTARY + "/versions", params={"format": "csv"})
    rows = list(csv.DictReader(io.StringIO(c.text)))
    assert list(rows[0]) == ["version", "changed_at", "key_prefix", "request_id", "commentary", "data_status"]
    assert [int(r["version"]) for r in rows] == [v["version"] for v in j["data"]]
    first = json.loads(rows[0]["commentary"])
    assert first == j["data"][0]["commentary"]
