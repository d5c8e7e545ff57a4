"""Indicators, their values and the quarterly scorecard.

GET /v1/indicators, /v1/indicators/{code}, /v1/indicators/{code}/values,
PUT /v1/indicators/{code}/values/{period} and GET /v1/scorecard on the real
binary and database: filters, pagination and CSV, the key matrix on PUT,
every validation error at once, If-Match (create without; replace with),
the revision history, RAG and direction of travel from the API against the
hand-computed fixture of tests/unit/test_indicator_rag.c (tolerance
boundaries included), ETags that change exactly when the data behind them
does, and 304s. Every response is checked against api/openapi.yaml.
"""

from __future__ import annotations

import csv
import io
import secrets
import time

import pytest

import harness
from harness import make_key
from checks import assert_problem

LIST = "/v1/indicators"
ONE = "/v1/indicators/{code}"
VALUES = "/v1/indicators/{code}/values"
PUT_Q = "/v1/indicators/{code}/values/{fy_start}/{period}"
PUT_M = "/v1/indicators/{code}/values/{period}"
SCORECARD = "/v1/scorecard"




@pytest.fixture(scope="module")
def keys():
    k = {
        "manager": make_key("barnet-council", "manage:indicators"),
        "wrong_scope": make_key("barnet-council", "manage:action-plan,read:hate-crime"),
        "revoked": make_key("barnet-council", "manage:indicators"),
    }
    p = harness.run_cli("keys", "revoke", k["revoked"][:15])
    assert p.returncode == 0, p.stderr
    return k


def auth(key: str | None, **extra) -> dict:
    h = {"X-Request-Id": "ind-" + secrets.token_hex(8)}
    if key:
        h["Authorization"] = "Bearer " + key
    h.update(extra)
    return h


def sql_literal(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


# The fixture of tests/unit/test_indicator_rag.c: (polarity, tolerance kind,
# tolerance, [(quarter, target, actual, rag, direction vs previous quarter)]).
FIXTURE = {
    "a": ("higher_is_better", "absolute", 2, [
        ("2023/24 Q1", 75, 75, "green", "not_comparable"),
        ("2023/24 Q2", 75, 76.5, "green", "improving"),
        ("2023/24 Q3", 75, 74.999, "amber", "worsening"),
        ("2023/24 Q4", 75, 73, "amber", "worsening"),        # boundary: amber
        ("2024/25 Q1", 75, 72.999, "red", "worsening"),
        ("2024/25 Q2", 75, 76.5, "green", "improving"),
    ]),
    "b": ("lower_is_better", "percent", 10, [
        ("2023/24 Q1", 20, 20, "green", "not_comparable"),
        ("2023/24 Q2", 20, 19, "green", "improving"),
        ("2023/24 Q3", 20, 20.001, "amber", "worsening"),
        ("2023/24 Q4", 20, 22, "amber", "worsening"),        # boundary: amber
        ("2024/25 Q1", 20, 22.001, "red", "worsening"),
    ]),
    "c": ("higher_is_better", "percent", 5, [
        ("2023/24 Q1", 33.333, 31.667, "amber", "not_comparable"),
        ("2023/24 Q2", 33.333, 31.666, "red", "worsening"),   # band 1.66665
    ]),
    "d": ("lower_is_better", "absolute", 0, [
        ("2023/24 Q1", 10, 10, "green", "not_comparable"),
        ("2023/24 Q2", 10, 10.001, "red", "worsening"),
    ]),
    "e": ("higher_is_better", "percent", 10, [
        ("2023/24 Q1", -5, -5.5, "amber", "not_comparable"),
        ("2023/24 Q2", -5, -5.501, "red", "worsening"),
        ("2023/24 Q3", -5, -4, "green", "improving"),
    ]),
}


def create_indicator(code: str, outcome: str, polarity="higher_is_better", kind="absolute",
                     tolerance=2, frequency="quarterly") -> None:
    harness.PgControl(harness.PG_SCRIPT).psql(
        "INSERT INTO indicators (code, title, definition, unit, polarity, frequency, outcome,"
        " outcome_title, source, tolerance_kind, tolerance) VALUES ("
        f"{sql_literal(code)}, 'Test indicator', 'For the tests.', 'percent',"
        f" {sql_literal(polarity)}, {sql_literal(frequency)}, {sql_literal(outcome)}, 'Tests',"
        f" 'tests', {sql_literal(kind)}, {int(round(tolerance * 1000))});"
        " SELECT pg_notify('eq_data_changed', 'indicators');")


def put_path(code: str, period: str) -> tuple[str, str]:
    if "/" in period:
        fy, rest = period.split("/", 1)
        return PUT_Q, f"/v1/indicators/{code}/values/{fy}/{rest.replace(' ', '-')}"
    return PUT_M, f"/v1/indicators/{code}/values/{period}"


def put(api, openapi, key, code, period, body, if_match=None, expect=None):
    template, path = put_path(code, period)
    extra = {"If-Match": if_match} if if_match else {}
    r = api.put(path, json=body, headers=auth(key, **extra))
    got = openapi.validate(r, template, "put")
    if expect is not None:
        assert r.status_code == expect, r.text
    return got, r


@pytest.fixture(scope="module")
def fixture_indicators(server, keys):
    """The RAG fixture as indicators of their own outcome, values PUT through the API."""
    tag = secrets.token_hex(3)
    outcome = f"fixture-{tag}"
    codes = {}
    api = harness.ApiClient(server.url)
    spec = harness.load_openapi()
    try:
        for name, (polarity, kind, tol, rows) in FIXTURE.items():
            code = f"fx-{name}-{tag}"
            codes[name] = code
            create_indicator(code, outcome, polarity, kind, tol)
            for period, target, actual, _rag, _dir in rows:
                put(api, spec, keys["manager"], code, period, {"target": target, "actual": actual},
                    expect=201)
    finally:
        api.close()
    return outcome, codes


def get_ok(api, openapi, path, template, **kw):
    r = api.get(path, **kw)
    body = openapi.validate(r, template, "get")
    assert r.status_code == 200, r.text
    return body, r


# ---------------------------------------------------------------------------
# the seeded indicators
# ---------------------------------------------------------------------------

def test_list_seeded_indicators(api, openapi):
    body, r = get_ok(api, openapi, LIST + "?limit=500", LIST)
    seeded = [x for x in body["data"] if not x["code"].startswith(("fx-", "t-"))]
    assert 8 <= len(seeded) <= 12
    codes = [x["code"] for x in body["data"]]
    assert codes == sorted(codes)
    assert r.headers["Cache-Control"].startswith("public")
    assert r.headers["ETag"].startswith('"')
    gow = next(x for x in body["data"] if x["code"] == "get-on-well")
    assert gow["polarity"] == "higher_is_better" and gow["unit"] == "percent"
    assert gow["tolerance"] == {"kind": "absolute", "value": 3.0}
    assert gow["latest"]["period"]["kind"] == "quarter"
    outcomes = {x["outcome"] for x in seeded}
    assert {"safe-communities", "representative-workforce", "equal-access", "cohesion"} <= outcomes


def test_seeded_values_span_three_years(api, openapi):
    body, _ = get_ok(api, openapi, VALUES.replace("{code}", "web-accessibility"), VALUES)
    labels = [v["period"]["label"] for v in body["data"]]
    assert labels[0] == "2022/23 Q1" and "2024/25 Q4" in labels
    assert len([x for x in labels if x < "2025"]) == 12
    for v in body["data"]:
        assert v["target"] is not None and v["actual"] is not None
        assert v["commentary"] and v["published_on"]


def test_filters(api, openapi, fixture_indicators):
    outcome, codes = fixture_indicators
    body, _ = get_ok(api, openapi, LIST + "?outcome=" + outcome, LIST)
    assert sorted(x["code"] for x in body["data"]) == sorted(codes.values())
    body, _ = get_ok(api, openapi, LIST + "?outcome=equal-access&frequency=quarterly", LIST)
    assert body["data"] and all(x["outcome"] == "equal-access" for x in body["data"])
    body, _ = get_ok(api, openapi, LIST + "?frequency=monthly", LIST)
    assert all(x["frequency"] == "monthly" for x in body["data"])
    # latest RAG: a's latest is 2024/25 Q2 green, b's red, c's red, e's green
    body, _ = get_ok(api, openapi, LIST + f"?outcome={outcome}&rag=red", LIST)
    assert sorted(x["code"] for x in body["data"]) == sorted([codes["b"], codes["c"], codes["d"]])
    body, _ = get_ok(api, openapi, LIST + f"?outcome={outcome}&rag=green", LIST)
    assert sorted(x["code"] for x in body["data"]) == sorted([codes["a"], codes["e"]])
    for x in body["data"]:
        assert x["latest"]["rag"] == "green"


@pytest.mark.parametrize("query,param", [
    ("rag=purple", "rag"), ("frequency=weekly", "frequency"), ("outcome=Not%20A%20Code", "outcome"),
    ("colour=red", "colour"), ("limit=0", "limit"), ("cursor=zz", "cursor"),
])
def test_list_bad_parameters(api, openapi, query, param):
    r = api.get(LIST + "?" + query)
    openapi.validate(r, LIST, "get")
    assert r.status_code == 400, r.text


def test_pagination_and_csv(api, openapi):
    all_codes = [x["code"] for x in get_ok(api, openapi, LIST + "?limit=500", LIST)[0]["data"]]
    seen, url = [], LIST + "?limit=3"
    while url:
        body, _ = get_ok(api, openapi, url, LIST)
        assert len(body["data"]) <= 3
        seen += [x["code"] for x in body["data"]]
        url = body["links"]["next"]
    assert seen == all_codes
    r = api.get(LIST + "?format=csv&limit=500")
    openapi.validate(r, LIST, "get")
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(r.text)))
    assert rows[0][:3] == ["code", "title", "unit"] and "latest_rag" in rows[0]
    assert [x[0] for x in rows[1:]] == all_codes
    r = api.get(VALUES.replace("{code}", "get-on-well") + "?from=2024/25&to=2024/25",
                headers={"Accept": "text/csv"})
    openapi.validate(r, VALUES, "get")
    rows = list(csv.reader(io.StringIO(r.text)))
    assert rows[0][:6] == ["period", "period_start", "period_end", "target", "actual", "rag"]
    assert [x[0] for x in rows[1:5]] == ["2024/25 Q1", "2024/25 Q2", "2024/25 Q3", "2024/25 Q4"]


def test_get_indicator_and_404(api, openapi):
    body, _ = get_ok(api, openapi, ONE.replace("{code}", "get-on-well"), ONE)
    assert body["code"] == "get-on-well" and body["outcome"] == "cohesion"
    for code in ("no-such-indicator", "Bad%20Code"):
        r = api.get(ONE.replace("{code}", code))
        openapi.validate(r, ONE, "get")
        assert r.status_code == 404
        r = api.get(VALUES.replace("{code}", code))
        openapi.validate(r, VALUES, "get")
        assert r.status_code == 404
    r = api.get(ONE.replace("{code}", "get-on-well") + "?x=1")
    openapi.validate(r, ONE, "get")
    assert r.status_code == 400


def test_values_from_to(api, openapi):
    path = VALUES.replace("{code}", "workforce-disabled")
    body, _ = get_ok(api, openapi, path + "?from=2023/24%20Q3&to=2024/25-Q1", VALUES)
    assert [v["period"]["label"] for v in body["data"]] == ["2023/24 Q3", "2023/24 Q4", "2024/25 Q1"]
    assert body["meta"]["indicator"] == "workforce-disabled"
    body, _ = get_ok(api, openapi, path + "?from=2024-05&to=2024-09", VALUES)
    assert [v["period"]["label"] for v in body["data"]] == ["2024/25 Q2"]
    page1, _ = get_ok(api, openapi, path + "?limit=5", VALUES)
    page2, _ = get_ok(api, openapi, page1["links"]["next"], VALUES)
    assert page2["data"][0]["period"]["label"] == "2023/24 Q2"
    for q in ("from=2024/26", "to=soon", "from=2024/25&to=2023/24", "from=2024/25&from=2023/24"):
        r = api.get(path + "?" + q)
        openapi.validate(r, VALUES, "get")
        assert r.status_code == 400, q


def test_cursors_belong_to_their_list(api, openapi):
    """The indicator list pages by code, the values by period: a cursor of
    one is the same 400 in the other, and pages of values filtered by
    period continue where the one before stopped."""
    path = VALUES.replace("{code}", "workforce-disabled")
    lst, _ = get_ok(api, openapi, LIST + "?limit=2", LIST)
    vals, _ = get_ok(api, openapi, path + "?limit=2", VALUES)
    list_cursor = lst["links"]["next"].split("cursor=")[1].split("&")[0]
    vals_cursor = vals["links"]["next"].split("cursor=")[1].split("&")[0]
    a = api.get(path, params={"cursor": list_cursor})
    b = api.get(LIST, params={"cursor": vals_cursor})
    openapi.validate(a, VALUES, "get")
    openapi.validate(b, LIST, "get")
    assert a.status_code == b.status_code == 400
    assert a.json()["errors"] == b.json()["errors"] and a.json()["errors"][0]["parameter"] == "cursor"
    every = get_ok(api, openapi, path + "?limit=500&from=2023/24", VALUES)[0]["data"]
    seen, url = [], path + "?limit=2&from=2023/24"
    while url:
        body, _ = get_ok(api, openapi, url, VALUES)
        seen += [v["period"]["label"] for v in body["data"]]
        url = body["links"]["next"]
    assert seen == [v["period"]["label"] for v in every] and len(seen) > 2


# ---------------------------------------------------------------------------
# RAG and direction: the API against the hand-computed fixture
# ---------------------------------------------------------------------------

def test_rag_and_direction_match_the_fixture(api, openapi, fixture_indicators):
    _outcome, codes = fixture_indicators
    for name, (_pol, _kind, _tol, rows) in FIXTURE.items():
        body, _ = get_ok(api, openapi, VALUES.replace("{code}", codes[name]), VALUES)
        got = {v["period"]["label"]: v for v in body["data"]}
        assert list(got) == [r[0] for r in rows]
        for period, target, actual, rag, direction in rows:
            v = got[period]
            assert v["target"] == target and v["actual"] == actual, (name, period, v)
            assert v["rag"] == rag, (name, period, v)
            assert v["direction"]["previous_period"] == direction, (name, period, v)
    a = {v["period"]["label"]: v for v in get_ok(
        api, openapi, VALUES.replace("{code}", codes["a"]), VALUES)[0]["data"]}
    assert a["2024/25 Q1"]["direction"]["year_earlier"] == "worsening"     # 72.999 vs 75
    assert a["2024/25 Q2"]["direction"]["year_earlier"] == "no_change"     # 76.5 vs 76.5
    assert a["2024/25 Q2"]["compared_with"]["year_earlier"] == {"period": "2023/24 Q2", "actual": 76.5}
    assert a["2023/24 Q1"]["direction"] == {"previous_period": "not_comparable",
                                            "year_earlier": "not_comparable"}


def test_scorecard(api, openapi, fixture_indicators):
    _outcome, codes = fixture_indicators
    body, r = get_ok(api, openapi, SCORECARD + "?period=2024/25%20Q2", SCORECARD)
    assert body["period"] == {"label": "2024/25 Q2", "kind": "quarter",
                              "start": "2024-07-01", "end": "2024-09-30"}
    rows = {x["code"]: x for x in body["indicators"]}
    assert rows[codes["a"]]["rag"] == "green"
    assert rows[codes["a"]]["direction"] == {"previous_period": "improving", "year_earlier": "no_change"}
    assert rows[codes["c"]]["rag"] is None and rows[codes["c"]]["actual"] is None
    assert rows[codes["c"]]["direction"]["previous_period"] == "not_comparable"
    gow = rows["get-on-well"]
    values = get_ok(api, openapi, VALUES.replace("{code}", "get-on-well") + "?from=2024/25-Q2&to=2024/25-Q2",
                    VALUES)[0]["data"][0]
    for k in ("target", "actual", "rag", "direction", "commentary"):
        assert gow[k] == values[k]
    counts = body["rag_counts"]
    assert sum(counts.values()) == len(body["indicators"])
    assert counts["none"] == sum(1 for x in body["indicators"] if x["rag"] is None)
    assert "action_plan" in body
    if body["action_plan"] is not None:
        assert isinstance(body["action_plan"], dict)
    same, _ = get_ok(api, openapi, SCORECARD + "?period=2024/25-Q2", SCORECARD)
    assert same == body
    latest, _ = get_ok(api, openapi, SCORECARD, SCORECARD)
    assert latest["period"]["kind"] == "quarter"
    for q in ("period=2024/25", "period=2024-07", "period=2024/25%20Q5", "period=x&period=y", "p=1"):
        bad = api.get(SCORECARD + "?" + q)
        openapi.validate(bad, SCORECARD, "get")
        assert bad.status_code == 400, q


# ---------------------------------------------------------------------------
# PUT: keys, validation, If-Match, revisions
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("state", ["none", "malformed", "unknown", "revoked", "wrong_scope"])
def test_put_key_matrix(api, openapi, pg, keys, state):
    code = "t-" + secrets.token_hex(4)
    create_indicator(code, "tests")
    if state == "none":
        headers = auth(None)
    elif state == "malformed":
        headers = auth(None, Authorization="Bearer abc")
    elif state == "unknown":
        headers = auth("eq_%s_%s" % (secrets.token_hex(6), secrets.token_hex(24)))
    elif state == "revoked":
        headers = auth(keys["revoked"])
    else:
        headers = auth(keys["wrong_scope"])
    template, path = put_path(code, "2024/25 Q2")
    r = api.put(path, json={"target": 1, "actual": 1}, headers=headers)
    got = openapi.validate(r, template, "put")
    assert r.headers["Cache-Control"] == "private, no-store"
    if state == "wrong_scope":
        assert r.status_code == 403 and got["type"] == "urn:equalities:problem:forbidden"
    else:
        assert r.status_code == 401 and got["type"] == "urn:equalities:problem:unauthorized"
        assert r.headers["WWW-Authenticate"].startswith("Bearer")
    body, _ = get_ok(api, openapi, VALUES.replace("{code}", code), VALUES)
    assert body["data"] == []
    out = pg.psql("SELECT action, outcome, status FROM audit_events WHERE client_request_id = "
                  + sql_literal(headers["X-Request-Id"]))
    assert out.strip() == f"indicator_value.put|refused|{r.status_code}"


def test_put_validation_lists_every_problem(api, openapi, keys):
    code = "t-" + secrets.token_hex(4)
    create_indicator(code, "tests")
    got, r = put(api, openapi, keys["manager"], code, "2024/25 Q1",
                 {"target": "high", "actual": 1.0005, "commentary": 7,
                  "published_on": "2024-03-31", "colour": "red"}, expect=422)
    # The contract's problems (types, unknown fields) before the handler runs ...
    pointers = sorted(e["pointer"] for e in got["errors"])
    assert pointers == ["/colour", "/commentary", "/target"]
    # ... the handler's rules (decimal places, dates) in a body it accepts.
    got, r = put(api, openapi, keys["manager"], code, "2024/25 Q1",
                 {"target": 1, "actual": 1.0005, "published_on": "2024-03-31"}, expect=422)
    pointers = sorted(e["pointer"] for e in got["errors"])
    assert pointers == ["/actual", "/published_on"]
    got, _ = put(api, openapi, keys["manager"], code, "2024/25 Q1", {"commentary": "no figures"},
                 expect=422)
    assert [e["pointer"] for e in got["errors"]] == ["/actual"]
    got, _ = put(api, openapi, keys["manager"], code, "2024/25 Q1", {"actual": 1e10}, expect=422)
    # malformed JSON, wrong media type
    template, path = put_path(code, "2024/25 Q1")
    r = api.put(path, data=b"{", headers=auth(keys["manager"], **{"Content-Type": "application/json"}))
    openapi.validate(r, template, "put")
    assert r.status_code == 400
    r = api.put(path, data=b"{}", headers=auth(keys["manager"], **{"Content-Type": "text/plain"}))
    openapi.validate(r, template, "put")
    assert r.status_code == 415
    body, _ = get_ok(api, openapi, VALUES.replace("{code}", code), VALUES)
    assert body["data"] == []


def test_put_period_must_suit_the_frequency(api, openapi, keys):
    code = "t-" + secrets.token_hex(4)
    create_indicator(code, "tests")
    for period in ("2024-05", "2024/25", "2024/26 Q1"):
        put(api, openapi, keys["manager"], code, period, {"actual": 1}, expect=404)
    put(api, openapi, keys["manager"], "no-such-indicator", "2024/25 Q1", {"actual": 1}, expect=404)
    monthly = "t-" + secrets.token_hex(4)
    create_indicator(monthly, "tests", frequency="monthly")
    got, _ = put(api, openapi, keys["manager"], monthly, "2024-05", {"actual": 3, "target": 4},
                 expect=201)
    assert got["period"] == {"label": "2024-05", "kind": "month", "start": "2024-05-01",
                             "end": "2024-05-31"}
    put(api, openapi, keys["manager"], monthly, "2024/25 Q1", {"actual": 1}, expect=404)


def test_if_match_and_revision_history(api, openapi, pg, keys):
    code = "t-" + secrets.token_hex(4)
    create_indicator(code, "tests")
    m = keys["manager"]
    # create: without If-Match; with one it is 412 (nothing to match)
    put(api, openapi, m, code, "2024/25 Q2", {"actual": 70}, if_match='"v1"', expect=412)
    got, r = put(api, openapi, m, code, "2024/25 Q2",
                 {"target": 75, "actual": 70, "commentary": "First.", "published_on": "2024-11-14"},
                 expect=201)
    assert r.headers["ETag"] == '"v1"' and r.headers["Location"]
    assert got["revision"] == 1 and got["revised"] is False and got["revised_at"] is None
    assert got["rag"] == "red" and got["revisions"] == []
    # replace: If-Match required, must be current
    put(api, openapi, m, code, "2024/25 Q2", {"target": 75, "actual": 74}, expect=428)
    got, r = put(api, openapi, m, code, "2024/25 Q2", {"target": 75, "actual": 74},
                 if_match='"v7"', expect=412)
    assert r.headers["ETag"] == '"v1"'
    got, r = put(api, openapi, m, code, "2024/25 Q2",
                 {"target": 75, "actual": 74, "commentary": "Corrected.", "published_on": "2024-11-14"},
                 if_match='"v1"', expect=200)
    assert r.headers["ETag"] == '"v2"'
    assert got["revision"] == 2 and got["revised"] is True and got["revised_at"]
    assert got["rag"] == "amber"
    assert got["revisions"] == [{"revision": 1, "target": 75.0, "actual": 70.0, "commentary": "First.",
                                 "published_on": "2024-11-14",
                                 "recorded_at": got["revisions"][0]["recorded_at"]}]
    # the old tag is stale now
    put(api, openapi, m, code, "2024/25 Q2", {"actual": 1}, if_match='"v1"', expect=412)
    # the same figures again: 200, no new revision
    got, r = put(api, openapi, m, code, "2024/25 Q2",
                 {"target": 75, "actual": 74, "commentary": "Corrected.", "published_on": "2024-11-14"},
                 if_match='"v2"', expect=200)
    assert got["revision"] == 2 and r.headers["ETag"] == '"v2"'
    body, _ = get_ok(api, openapi, VALUES.replace("{code}", code), VALUES)
    v = body["data"][0]
    assert v["revised"] is True and v["revised_at"] == got["revised_at"]
    assert [x["revision"] for x in v["revisions"]] == [1]
    rows = pg.psql(f"SELECT revision, actual FROM indicator_value_revisions WHERE indicator_code = "
                   f"{sql_literal(code)} ORDER BY revision")
    assert rows.split() == ["1|70000", "2|74000"]


def test_put_is_audited(api, openapi, pg, keys):
    code = "t-" + secrets.token_hex(4)
    create_indicator(code, "tests")
    template, path = put_path(code, "2024/25 Q3")
    headers = auth(keys["manager"])
    r = api.put(path, json={"actual": 5}, headers=headers)
    openapi.validate(r, template, "put")
    assert r.status_code == 201
    out = pg.psql("SELECT a.action, a.outcome, a.status, a.target, a.key_prefix FROM audit_events a"
                  " WHERE a.client_request_id = " + sql_literal(headers["X-Request-Id"]))
    assert out.strip() == f"indicator_value.put|success|201|{code} 2024/25 Q3|{keys['manager'][:15]}"


# ---------------------------------------------------------------------------
# ETags
# ---------------------------------------------------------------------------

def test_etags_follow_the_data(api, openapi, keys):
    code = "t-" + secrets.token_hex(4)
    create_indicator(code, "tests")
    m = keys["manager"]
    put(api, openapi, m, code, "2024/25 Q1", {"target": 10, "actual": 10}, expect=201)
    paths = {
        "indicator": (ONE.replace("{code}", code), ONE),
        "values": (VALUES.replace("{code}", code), VALUES),
        "scorecard": (SCORECARD + "?period=2024/25%20Q2", SCORECARD),
        "list": (LIST + "?limit=500", LIST),
    }
    unchanged = {
        "other indicator": (ONE.replace("{code}", "get-on-well"), ONE),
        "other values": (VALUES.replace("{code}", "get-on-well"), VALUES),
        "other scorecard": (SCORECARD + "?period=2023/24%20Q1", SCORECARD),
    }
    before = {}
    for name, (path, template) in {**paths, **unchanged}.items():
        _, r = get_ok(api, openapi, path, template)
        before[name] = r.headers["ETag"]
        again = api.get(path, headers={"If-None-Match": before[name]})
        openapi.validate(again, template, "get")
        assert again.status_code == 304 and again.content == b""
        assert again.headers["ETag"] == before[name]
    put(api, openapi, m, code, "2024/25 Q2", {"target": 10, "actual": 9}, expect=201)
    deadline = time.monotonic() + 1.0
    while True:
        now = {name: api.get(path).headers["ETag"] for name, (path, _t) in paths.items()}
        if all(now[n] != before[n] for n in paths) or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    for name in paths:
        assert now[name] != before[name], f"{name}: ETag unchanged after a PUT"
        r = api.get(paths[name][0], headers={"If-None-Match": before[name]})
        assert r.status_code == 200
    for name, (path, template) in unchanged.items():
        _, r = get_ok(api, openapi, path, template)
        assert r.headers["ETag"] == before[name], f"{name}: ETag changed though its data did not"
        r = api.get(path, headers={"If-None-Match": before[name]})
        assert r.status_code == 304


def test_a_value_url_answers_get_with_its_etag_and_if_match_star(api, openapi, keys):
    """GET on the URL a PUT replaces (not 405): the value and the ETag to
    send as If-Match; If-Match: * matches the current revision (RFC 9110
    13.1.1) but not a value that does not exist."""
    code = "t-" + secrets.token_hex(4)
    create_indicator(code, "tests")
    m = keys["manager"]
    template, path = put_path(code, "2024/25 Q3")
    r = api.get(path)
    assert_problem(r, 404, openapi, template, "get")
    assert "PUT" in r.json()["detail"]
    put(api, openapi, m, code, "2024/25 Q3", {"actual": 1}, if_match="*", expect=412)
    put(api, openapi, m, code, "2024/25 Q3", {"target": 75, "actual": 70}, expect=201)
    r = api.get(path)
    got = openapi.validate(r, template, "get")
    assert r.status_code == 200 and r.headers["ETag"] == '"v1"'
    assert got["period"]["label"] == "2024/25 Q3" and got["actual"] == 70.0
    got, r = put(api, openapi, m, code, "2024/25 Q3", {"target": 75, "actual": 72}, if_match="*",
                 expect=200)
    assert r.headers["ETag"] == '"v2"'
    assert api.get(path).headers["ETag"] == '"v2"'
    assert_problem(api.get(put_path("no-such-" + secrets.token_hex(3), "2024/25 Q3")[1]), 404,
                   openapi, template, "get")
