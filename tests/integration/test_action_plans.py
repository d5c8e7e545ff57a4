"""Action plans: plans, actions, progress updates and the summary.

Every route on the real binary and database: public reads with filters,
sorting, pagination and CSV; the key matrix on every write; validation
that lists every problem; the rules of progress (completing needs a note,
reopening needs a reason); If-Match on PATCH; history that is never
rewritten; idempotent creates; the summary's arithmetic checked against
the database; ETags that change after a write and only then. Every
response is checked against api/openapi.yaml.
"""

from __future__ import annotations

import concurrent.futures
import csv
import datetime
import io
import random
import secrets
import time
import uuid

import pytest
import requests

import harness
from harness import make_key
from checks import assert_problem

PLANS = "/v1/action-plans"
PLAN = "/v1/action-plans/{id}"
ACTIONS = "/v1/action-plans/{id}/actions"
SUMMARY = "/v1/action-plans/{id}/summary"
ACTION = "/v1/actions/{id}"
UPDATES = "/v1/actions/{id}/updates"
STATUSES = ["not_started", "in_progress", "complete", "cancelled", "deferred"]
RAGS = ["red", "amber", "green", "not_rated"]




@pytest.fixture(scope="module")
def keys():
    k = {
        "manage": make_key("barnet-council", "manage:action-plan"),
        "wrong_scope": make_key("barnet-council", "manage:indicators,read:hate-crime"),
        "revoked": make_key("barnet-council", "manage:action-plan"),
    }
    p = harness.run_cli("keys", "revoke", k["revoked"][:15])
    assert p.returncode == 0, p.stderr
    return k


def auth(key, **extra) -> dict:
    h = {"X-Request-Id": "ap-" + secrets.token_hex(8)}
    if key:
        h["Authorization"] = "Bearer " + key
    h.update(extra)
    return h


def path(template: str, id_: str) -> str:
    return template.replace("{id}", id_)


def today() -> datetime.date:
    return datetime.datetime.now(datetime.timezone(datetime.timedelta(0))).date()


def new_plan(api, openapi, keys, pg, **over) -> dict:
    for _ in range(50):
        y = random.randint(2100, 9990)
        if not pg.psql(f"SELECT 1 FROM action_plans WHERE slug = '{y}-{(y + 1) % 100:02d}'"):
            break
    body = {"period": f"{y}/{(y + 1) % 100:02d}", "title": f"Test plan {y}"}
    body.update(over)
    r = api.post(PLANS, json=body, headers=auth(keys["manage"]))
    got = openapi.validate(r, PLANS, "post")
    assert r.status_code == 201, r.text
    assert r.headers["Location"] == path(PLAN, got["id"])
    return got


def action_body(**over) -> dict:
    b = {
        "reference": "A%d.%d" % (random.randint(1, 9), random.randint(1, 99)),
        "title": "Do something useful",
        "outcome": "equal-access",
        "lead": "adults-and-health",
        "start_date": "2024-04-01",
        "due_date": "2030-03-31",
    }
    b.update(over)
    return b


def new_action(api, openapi, keys, plan_id, **over) -> dict:
    r = api.post(path(ACTIONS, plan_id), json=action_body(**over), headers=auth(keys["manage"]))
    got = openapi.validate(r, ACTIONS, "post")
    assert r.status_code == 201, r.text
    assert r.headers["ETag"] == '"v1"'
    return got


def post_update(api, key, action_id, body, **headers):
    return api.post(path(UPDATES, action_id), json=body, headers=auth(key, **headers))


def update(api, openapi, keys, action_id, **body):
    r = post_update(api, keys["manage"], action_id, body)
    got = openapi.validate(r, UPDATES, "post")
    assert r.status_code == 201, r.text
    return got


# ---------------------------------------------------------------------------
# public reads
# ---------------------------------------------------------------------------

def test_list_plans_and_seed(api, openapi):
    r = api.get(PLANS)
    got = openapi.validate(r, PLANS)
    assert r.status_code == 200 and "public" in r.headers["Cache-Control"]
    by_id = {p["id"]: p for p in got["data"]}
    assert by_id["2019-20"]["status"] == "closed"
    assert by_id["2024-25"]["status"] == "current"
    assert by_id["2019-20"]["action_count"] + by_id["2024-25"]["action_count"] >= 24
    closed = openapi.validate(api.get(PLANS, params={"status": "closed"}), PLANS)
    assert {p["status"] for p in closed["data"]} == {"closed"}
    assert_problem(api.get(PLANS, params={"status": "open"}), 400, openapi, PLANS)
    assert_problem(api.get(PLANS, params={"sattus": "closed"}), 400, openapi, PLANS)
    c = api.get(PLANS, params={"format": "csv"})
    openapi.validate(c, PLANS)
    rows = list(csv.DictReader(io.StringIO(c.text)))
    assert {"2019-20", "2024-25"} <= {row["id"] for row in rows}
    assert list(rows[0].keys()) == ["id", "title", "period", "start", "end", "status", "action_count",
                                    "data_status"]


def test_get_plan_and_current(api, openapi):
    cur = openapi.validate(api.get(path(PLAN, "current")), PLAN)
    assert cur["id"] == "2024-25"
    assert openapi.validate(api.get(path(PLAN, "2024-25")), PLAN) == cur
    for bad in ("2024-26x", "1999-00", "x", "2024_25"):
        assert_problem(api.get(path(PLAN, bad)), 404, openapi, PLAN)
        assert_problem(api.get(path(SUMMARY, bad)), 404, openapi, SUMMARY)
        assert_problem(api.get(path(ACTIONS, bad)), 404, openapi, ACTIONS)


def test_seeded_current_plan_covers_every_status_and_rag(api, openapi):
    got = openapi.validate(api.get(path(ACTIONS, "2024-25"), params={"limit": 500}), ACTIONS)
    assert {a["status"] for a in got["data"]} == set(STATUSES)
    assert {a["rag"] for a in got["data"]} == set(RAGS)
    assert len({a["outcome"] for a in got["data"]}) >= 4
    assert any(a["overdue"] for a in got["data"])
    reopened = [a for a in got["data"] if a["last_update"] and a["last_update"]["reason"]]
    assert reopened, "the seed has an action moved back from complete, with a reason"


def test_action_filters_and_sort(api, openapi, pg):
    plan_id = pg.psql("SELECT id FROM action_plans WHERE slug = '2024-25'")
    every = openapi.validate(api.get(path(ACTIONS, "current"), params={"limit": 500}), ACTIONS)["data"]
    assert len(every) == int(pg.psql(f"SELECT count(*) FROM actions WHERE plan_id = {plan_id}"))
    # Default: by due date, then reference.
    dues = [a["due_date"] for a in every]
    assert dues == sorted(dues)
    by_ref = openapi.validate(api.get(path(ACTIONS, "current"),
                                      params={"sort": "reference", "limit": 500}), ACTIONS)
    assert by_ref["meta"]["sort"] == "reference"

    def key(ref):
        return [int(x) for x in ref[1:].split(".")]
    refs = [a["reference"] for a in by_ref["data"]]
    assert refs == sorted(refs, key=key)
    assert refs.index("A2.4") < refs.index("A2.10")
    for name, values in (("status", STATUSES), ("rag", RAGS)):
        for v in values:
            got = openapi.validate(api.get(path(ACTIONS, "current"), params={name: v, "limit": 500}),
                                   ACTIONS)["data"]
            assert {a["id"] for a in got} == {a["id"] for a in every if a[name] == v}
    got = openapi.validate(api.get(path(ACTIONS, "current"),
                                   params={"outcome": "equal-access", "lead": "adults-and-health"}),
                           ACTIONS)["data"]
    assert got and {(a["outcome"], a["lead"]) for a in got} == {("equal-access", "adults-and-health")}
    for flag in (True, False):
        got = openapi.validate(api.get(path(ACTIONS, "current"),
                                       params={"overdue": str(flag).lower(), "limit": 500}),
                               ACTIONS)["data"]
        expect = {a["id"] for a in every
                  if (a["due_date"] < today().isoformat() and a["status"] not in ("complete", "cancelled")) == flag}
        assert {a["id"] for a in got} == expect
    for bad in ({"status": "done"}, {"rag": "blue"}, {"overdue": "yes"}, {"sort": "title"},
                {"outcome": "Not A Code"}, {"lead": "x y"}, {"colour": "red"}, {"limit": "0"},
                {"cursor": "bogus"}):
        assert_problem(api.get(path(ACTIONS, "current"), params=bad), 400, openapi, ACTIONS)


def test_action_pagination_and_csv(api, openapi):
    every = openapi.validate(api.get(path(ACTIONS, "current"), params={"limit": 500}), ACTIONS)["data"]
    seen, url = [], path(ACTIONS, "current") + "?limit=5"
    while url:
        r = api.get(url)
        page = openapi.validate(r, ACTIONS)
        assert len(page["data"]) <= 5
        seen += [a["id"] for a in page["data"]]
        url = page["links"]["next"]
    assert seen == [a["id"] for a in every]
    c = api.get(path(ACTIONS, "current"), params={"limit": 500}, headers={"Accept": "text/csv"})
    openapi.validate(c, ACTIONS)
    assert c.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(c.text)))
    assert [r["id"] for r in rows] == [a["id"] for a in every]
    assert set(rows[0]) >= {"reference", "status", "rag", "overdue", "due_date", "outcome", "lead"}
    c2 = api.get(path(ACTIONS, "current"), params={"limit": 3, "format": "csv"})
    assert 'rel="next"' in c2.headers.get("Link", "")


def walk(api, openapi, template, url) -> list:
    seen = []
    while url:
        page = openapi.validate(api.get(url), template)
        seen += page["data"]
        url = page["links"]["next"]
    return seen


def test_plan_pagination(api, openapi):
    every = openapi.validate(api.get(PLANS, params={"limit": 500}), PLANS)["data"]
    assert [p["id"] for p in walk(api, openapi, PLANS, PLANS + "?limit=1")] == [p["id"] for p in every]
    assert [p["period"]["start"] for p in every] == sorted(p["period"]["start"] for p in every)
    c = api.get(PLANS, params={"limit": 1, "format": "csv"})
    assert len(list(csv.DictReader(io.StringIO(c.text)))) == 1
    assert 'rel="next"' in c.headers.get("Link", "")


def test_action_pages_follow_the_keyset(api, openapi, keys, pg):
    """A page starts after the last row shown, not at a count of rows: an
    action added before the pages already read shifts nothing (OFFSET
    would show the last row of page one again)."""
    plan = new_plan(api, openapi, keys, pg)
    for ref in ("K1.1", "K1.2", "K1.3", "K1.4"):
        new_action(api, openapi, keys, plan["id"], reference=ref)
    url = path(ACTIONS, plan["id"]) + "?sort=reference&limit=2"
    first = openapi.validate(api.get(url), ACTIONS)
    assert [a["reference"] for a in first["data"]] == ["K1.1", "K1.2"]
    new_action(api, openapi, keys, plan["id"], reference="K0.1")
    rest = walk(api, openapi, ACTIONS, first["links"]["next"])
    assert [a["reference"] for a in rest] == ["K1.3", "K1.4"]
    # By due date, ties by reference, across pages of one.
    by_due = walk(api, openapi, ACTIONS, path(ACTIONS, plan["id"]) + "?limit=1")
    assert [a["reference"] for a in by_due] == ["K0.1", "K1.1", "K1.2", "K1.3", "K1.4"]


def test_foreign_cursors_are_one_400(api, openapi):
    """A cursor is refused by every list but the one that made it: another
    sort order, another resource, a damaged one."""
    by_due = openapi.validate(api.get(path(ACTIONS, "current"), params={"limit": 1}), ACTIONS)
    cursor = by_due["links"]["next"].split("cursor=")[1].split("&")[0]
    plans = openapi.validate(api.get(PLANS, params={"limit": 1}), PLANS)
    plan_cursor = plans["links"]["next"].split("cursor=")[1].split("&")[0]
    details = set()
    for url, params in ((path(ACTIONS, "current"), {"sort": "reference", "cursor": cursor}),
                        (path(ACTIONS, "current"), {"cursor": plan_cursor}),
                        (PLANS, {"cursor": cursor}),
                        ("/v1/indicators", {"cursor": cursor}),
                        (path(ACTIONS, "current"), {"cursor": cursor[:-2]}),
                        (path(ACTIONS, "current"), {"cursor": "YzE6MA"})):
        template = ACTIONS if url != PLANS and url != "/v1/indicators" else url
        got = assert_problem(api.get(url, params=params), 400, openapi, template, parameter="cursor")
        details.add(got["errors"][0]["detail"] if "errors" in got else got["detail"])
    assert len(details) == 1, details
    ok = openapi.validate(api.get(path(ACTIONS, "current"), params={"limit": 1, "cursor": cursor}),
                          ACTIONS)
    assert ok["data"] and ok["data"][0]["id"] != by_due["data"][0]["id"]


def test_get_action_with_history(api, openapi, pg):
    aid = pg.psql("SELECT a.id FROM actions a JOIN action_plans p ON p.id = a.plan_id"
                  " WHERE p.slug = '2024-25' AND a.reference = 'A1.2'")
    r = api.get(path(ACTION, aid))
    got = openapi.validate(r, ACTION)
    assert "public" in r.headers["Cache-Control"]
    assert [u["sequence"] for u in got["updates"]] == [1, 2, 3]
    assert [u["status"] for u in got["updates"]] == ["in_progress", "complete", "in_progress"]
    assert got["last_update"] == got["updates"][-1]
    assert got["status"] == "in_progress" and got["rag"] == "amber"
    assert_problem(api.get(path(ACTION, "nope")), 404, openapi, ACTION)
    assert_problem(api.get(path(ACTION, str(uuid.uuid4()))), 404, openapi, ACTION)


# ---------------------------------------------------------------------------
# the summary
# ---------------------------------------------------------------------------

def expected_counts(pg, where: str) -> dict:
    rows = pg.psql(
        "SELECT a.status, a.rag, a.due_date < (now() AT TIME ZONE 'Europe/London')::date"
        f" FROM actions a JOIN action_plans p ON p.id = a.plan_id WHERE {where}")
    items = [line.split("|") for line in rows.splitlines() if line]
    by_status = {s: sum(1 for i in items if i[0] == s) for s in STATUSES}
    by_rag = {g: sum(1 for i in items if i[1] == g) for g in RAGS}
    overdue = sum(1 for i in items if i[2] == "t" and i[0] not in ("complete", "cancelled"))
    live = len(items) - by_status["cancelled"]
    return {"total": len(items), "by_status": by_status, "by_rag": by_rag, "overdue": overdue,
            "complete_share": round(by_status["complete"] / live, 4) if live else None}


def check_summary(got: dict, pg, slug: str):
    exp = expected_counts(pg, f"p.slug = '{slug}'")
    share = got["overall"].pop("complete_share")
    want = exp.pop("complete_share")
    assert (share is None) == (want is None) and (share is None or abs(share - want) < 1e-9)
    assert got["overall"] == exp
    outcomes = pg.psql(f"SELECT DISTINCT a.outcome FROM actions a JOIN action_plans p ON p.id = a.plan_id"
                       f" WHERE p.slug = '{slug}' ORDER BY 1").split()
    assert [o["outcome"] for o in got["outcomes"]] == outcomes
    for o in got["outcomes"]:
        exp = expected_counts(pg, f"p.slug = '{slug}' AND a.outcome = '{o['outcome']}'")
        share, want = o.pop("complete_share"), exp.pop("complete_share")
        assert (share is None) == (want is None) and (share is None or abs(share - want) < 1e-9)
        o.pop("outcome")
        assert o == exp


def test_summary_of_seeded_plans(api, openapi, pg):
    for slug in ("2024-25", "2019-20"):
        got = openapi.validate(api.get(path(SUMMARY, slug)), SUMMARY)
        assert got["plan"]["id"] == slug
        assert got["as_of"] == pg.psql("SELECT to_char((now() AT TIME ZONE 'Europe/London')::date, 'YYYY-MM-DD')")
        check_summary(got, pg, slug)
    cur = openapi.validate(api.get(path(SUMMARY, "current")), SUMMARY)
    assert cur["plan"]["id"] == "2024-25"


def test_summary_csv(api, openapi):
    js = openapi.validate(api.get(path(SUMMARY, "current")), SUMMARY)
    c = api.get(path(SUMMARY, "current"), params={"format": "csv"})
    openapi.validate(c, SUMMARY)
    rows = list(csv.DictReader(io.StringIO(c.text)))
    assert rows[0]["outcome"] == "" and int(rows[0]["total"]) == js["overall"]["total"]
    assert [r["outcome"] for r in rows[1:]] == [o["outcome"] for o in js["outcomes"]]
    for row, o in zip(rows[1:], js["outcomes"]):
        assert int(row["complete"]) == o["by_status"]["complete"]
        assert int(row["red"]) == o["by_rag"]["red"]
        assert int(row["overdue"]) == o["overdue"]


def test_summary_of_a_built_plan(api, openapi, keys, pg):
    plan = new_plan(api, openapi, keys, pg)
    empty = openapi.validate(api.get(path(SUMMARY, plan["id"])), SUMMARY)
    assert empty["overall"]["total"] == 0 and empty["overall"]["complete_share"] is None
    assert empty["outcomes"] == []
    past = (today() - datetime.timedelta(days=10)).isoformat()
    a1 = new_action(api, openapi, keys, plan["id"], reference="A1.1", outcome="equal-access",
                    start_date="2020-01-01", due_date=past)
    a2 = new_action(api, openapi, keys, plan["id"], reference="A1.2", outcome="equal-access")
    a3 = new_action(api, openapi, keys, plan["id"], reference="A2.1", outcome="evidence",
                    start_date="2020-01-01", due_date=past)
    a4 = new_action(api, openapi, keys, plan["id"], reference="A2.2", outcome="evidence")
    update(api, openapi, keys, a1["id"], status="in_progress", rag="red", note="Late.")
    update(api, openapi, keys, a2["id"], status="complete", rag="green", note="Done.")
    update(api, openapi, keys, a3["id"], status="cancelled", rag="not_rated", note="Dropped.")
    got = openapi.validate(api.get(path(SUMMARY, plan["id"])), SUMMARY)
    check_summary(got, pg, plan["id"])
    got = openapi.validate(api.get(path(SUMMARY, plan["id"])), SUMMARY)
    assert got["overall"]["overdue"] == 1
    assert got["overall"]["complete_share"] == pytest.approx(1 / 3, abs=1e-4)
    ev = [o for o in got["outcomes"] if o["outcome"] == "evidence"][0]
    assert ev["complete_share"] == 0 and ev["by_status"]["cancelled"] == 1
    assert a4["status"] == "not_started"


# ---------------------------------------------------------------------------
# the key matrix on every write
# ---------------------------------------------------------------------------

WRITES = [("post", PLANS), ("post", ACTIONS), ("patch", ACTION), ("post", UPDATES)]
ACTIONS_BY_ROUTE = {PLANS: "action_plan.create", ACTIONS: "action.create",
                    ACTION: "action.update", UPDATES: "action.progress_update"}


@pytest.fixture(scope="module")
def target(server, keys):
    """A plan and an action of the tests' own."""
    client = harness.ApiClient(server.url)
    pgc = harness.PgControl(harness.PG_SCRIPT)
    try:
        from harness import load_openapi
        oa = load_openapi()
        plan = new_plan(client, oa, keys, pgc)
        action = new_action(client, oa, keys, plan["id"])
        yield plan, action
    finally:
        client.close()


@pytest.mark.parametrize("method,template", WRITES)
@pytest.mark.parametrize("state", ["none", "malformed", "unknown", "revoked", "wrong_scope"])
def test_key_matrix(api, openapi, pg, keys, target, method, template, state):
    plan, action = target
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
    if template == PLANS:
        r = api.post(PLANS, json={"period": "2999/00", "title": "x"}, headers=headers)
    elif template == ACTIONS:
        r = api.post(path(ACTIONS, plan["id"]), json=action_body(), headers=headers)
    elif template == ACTION:
        r = api.patch(path(ACTION, action["id"]), json={"title": "changed"},
                      headers={**headers, "If-Match": '"v1"'})
    else:
        r = api.post(path(UPDATES, action["id"]), json={"status": "in_progress", "rag": "green"},
                     headers=headers)
    got = openapi.validate(r, template, method)
    assert r.headers["Cache-Control"] == "private, no-store"
    if state == "wrong_scope":
        assert r.status_code == 403 and got["type"] == "urn:equalities:problem:forbidden"
    else:
        assert r.status_code == 401 and got["type"] == "urn:equalities:problem:unauthorized"
        assert r.headers["WWW-Authenticate"].startswith("Bearer")
    rows = pg.psql(f"SELECT action, outcome, status FROM audit_events WHERE client_request_id = '{headers['X-Request-Id']}'")
    assert rows.split("|") == [ACTIONS_BY_ROUTE[template], "refused", str(r.status_code)]
    now = openapi.validate(api.get(path(ACTION, action["id"])), ACTION)
    assert now["version"] == 1 and now["updates"] == [] and now["title"] == action["title"]


# ---------------------------------------------------------------------------
# building a plan
# ---------------------------------------------------------------------------

def test_create_plan_rules(api, openapi, keys, pg):
    plan = new_plan(api, openapi, keys, pg, years=2, description="Two years.")
    y = int(plan["id"][:4])
    assert plan["period"] == {"label": f"{y} to {y + 2}", "start": f"{y}-04-01", "end": f"{y + 2}-03-31"}
    assert plan["status"] == "draft" and plan["action_count"] == 0
    r = api.post(PLANS, json={"period": f"{y}/{(y + 1) % 100:02d}", "title": "Again"},
                 headers=auth(keys["manage"]))
    got = assert_problem(r, 409, openapi, PLANS, "post")
    assert got["errors"][0]["pointer"] == "/period"
    r = api.post(PLANS, json={"period": "2999/00", "title": "x", "status": "current"},
                 headers=auth(keys["manage"]))
    assert_problem(r, 409, openapi, PLANS, "post")
    r = api.post(PLANS, json={"period": "2024-25", "title": "", "years": 0, "status": "open",
                              "colour": "red"}, headers=auth(keys["manage"]))
    got = assert_problem(r, 422, openapi, PLANS, "post")
    assert {e["pointer"] for e in got["errors"]} == {"/period", "/title", "/years", "/status", "/colour"}
    r = api.post(PLANS, data="{", headers=auth(keys["manage"], **{"Content-Type": "application/json"}))
    assert_problem(r, 400, openapi, PLANS, "post")


def test_create_action_validation_all_at_once(api, openapi, keys, target):
    plan, _ = target
    r = api.post(path(ACTIONS, plan["id"]), headers=auth(keys["manage"]), json={
        "reference": "A 1", "title": "", "outcome": "Equal Access", "lead": 7,
        "start_date": "2025-02-30", "due_date": "2024-01-01", "indicators": ["ok", "Bad Code", "ok"],
        "owner": "someone"})
    got = assert_problem(r, 422, openapi, ACTIONS, "post")
    pointers = {e["pointer"] for e in got["errors"]}
    assert pointers == {"/reference", "/title", "/outcome", "/lead", "/start_date",
                        "/indicators/1", "/indicators/2", "/owner"}, got["errors"]
    r = api.post(path(ACTIONS, plan["id"]), headers=auth(keys["manage"]),
                 json=action_body(start_date="2025-01-01", due_date="2024-12-31"))
    got = assert_problem(r, 422, openapi, ACTIONS, "post")
    assert [e["pointer"] for e in got["errors"]] == ["/due_date"]
    r = api.post(path(ACTIONS, plan["id"]), headers=auth(keys["manage"]), json={})
    got = assert_problem(r, 422, openapi, ACTIONS, "post")
    assert {e["pointer"] for e in got["errors"]} == {"/reference", "/title", "/outcome", "/lead",
                                                     "/start_date", "/due_date"}
    r = api.post(path(ACTIONS, "1999-00"), headers=auth(keys["manage"]), json=action_body())
    assert_problem(r, 404, openapi, ACTIONS, "post")


def test_null_among_indicators_is_422_not_a_crash(api, openapi, keys, target):
    """Issue 11: [null, "a"] once took the whole process down (strcmp on
    the NULL of the null's string value in the duplicate check)."""
    plan, _ = target
    for indicators, wrong in (([None, "a"], {0}), (["a", None, "a"], {1, 2}),
                              ([1, "a", {}, "a"], {0, 2, 3})):
        r = api.post(path(ACTIONS, plan["id"]), headers=auth(keys["manage"]),
                     json=action_body(indicators=indicators))
        got = assert_problem(r, 422, openapi, ACTIONS, "post")
        assert {e["pointer"] for e in got["errors"]} == {"/indicators/%d" % i for i in wrong}
    r = api.post(PLANS, json={"period": "2999/00", "title": "x", "status": None},
                 headers=auth(keys["manage"]))
    got = assert_problem(r, 422, openapi, PLANS, "post")
    assert [e["pointer"] for e in got["errors"]] == ["/status"]
    assert api.get("/healthz").status_code == 200


def test_duplicate_reference_is_409(api, openapi, keys, target):
    plan, _ = target
    a = new_action(api, openapi, keys, plan["id"], reference="D9.%d" % random.randint(100, 999))
    r = api.post(path(ACTIONS, plan["id"]), headers=auth(keys["manage"]),
                 json=action_body(reference=a["reference"]))
    got = assert_problem(r, 409, openapi, ACTIONS, "post")
    assert got["errors"][0]["pointer"] == "/reference"


def test_idempotent_posts(api, openapi, keys, pg, target):
    plan, action = target
    k = str(uuid.uuid4())
    body = action_body(reference="I1.%d" % random.randint(100, 999), indicators=["hate-crime-reported"])
    r1 = api.post(path(ACTIONS, plan["id"]), json=body, headers=auth(keys["manage"], **{"Idempotency-Key": k}))
    r2 = api.post(path(ACTIONS, plan["id"]), json=body, headers=auth(keys["manage"], **{"Idempotency-Key": k}))
    a1, a2 = openapi.validate(r1, ACTIONS, "post"), openapi.validate(r2, ACTIONS, "post")
    assert r1.status_code == r2.status_code == 201 and a1 == a2
    assert a1["indicators"] == ["hate-crime-reported"]
    assert r2.headers.get("Idempotent-Replayed") == "true"
    r3 = api.post(path(ACTIONS, plan["id"]), json={**body, "title": "other"},
                  headers=auth(keys["manage"], **{"Idempotency-Key": k}))
    assert_problem(r3, 422, openapi, ACTIONS, "post")
    k = str(uuid.uuid4())
    ub = {"status": "in_progress", "rag": "amber", "note": "Started."}
    u1 = post_update(api, keys["manage"], a1["id"], ub, **{"Idempotency-Key": k})
    u2 = post_update(api, keys["manage"], a1["id"], ub, **{"Idempotency-Key": k})
    assert openapi.validate(u1, UPDATES, "post") == openapi.validate(u2, UPDATES, "post")
    assert pg.psql(f"SELECT count(*) FROM action_updates WHERE action_id = '{a1['id']}'") == "1"
    k = str(uuid.uuid4())
    body = {"period": "2998/99", "title": "Idempotent"}
    if not pg.psql("SELECT 1 FROM action_plans WHERE slug = '2998-99'"):
        p1 = api.post(PLANS, json=body, headers=auth(keys["manage"], **{"Idempotency-Key": k}))
        p2 = api.post(PLANS, json=body, headers=auth(keys["manage"], **{"Idempotency-Key": k}))
        assert p1.status_code == p2.status_code == 201
        assert openapi.validate(p1, PLANS, "post") == openapi.validate(p2, PLANS, "post")


# ---------------------------------------------------------------------------
# progress updates
# ---------------------------------------------------------------------------

def test_updates_change_state_and_keep_history(api, openapi, keys, pg, target):
    plan, _ = target
    a = new_action(api, openapi, keys, plan["id"], reference="H1.%d" % random.randint(100, 999))
    assert a["status"] == "not_started" and a["rag"] == "not_rated" and a["last_update"] is None
    one = update(api, openapi, keys, a["id"], status="in_progress", rag="green", note="Begun.",
                 date="2025-01-10")
    assert one["status"] == "in_progress" and one["rag"] == "green"
    assert one["updates"][0]["organisation"] == "barnet-council"
    assert one["updates"][0]["date"] == "2025-01-10"
    before = pg.psql(f"SELECT seq, as_of, status, rag, note, created_at FROM action_updates"
                     f" WHERE action_id = '{a['id']}' ORDER BY seq")
    two = update(api, openapi, keys, a["id"], status="in_progress", rag="amber")
    assert [u["rag"] for u in two["updates"]] == ["green", "amber"]
    assert two["updates"][1]["note"] is None
    after = pg.psql(f"SELECT seq, as_of, status, rag, note, created_at FROM action_updates"
                    f" WHERE action_id = '{a['id']}' ORDER BY seq")
    assert after.splitlines()[0] == before.splitlines()[0]
    # The database refuses to rewrite history.
    out = pg.psql(f"DO $$ BEGIN UPDATE action_updates SET note = 'x' WHERE action_id = '{a['id']}';"
                  " EXCEPTION WHEN others THEN RAISE NOTICE 'refused'; END $$; SELECT 'ok'")
    assert "ok" in out
    assert pg.psql(f"SELECT note FROM action_updates WHERE action_id = '{a['id']}' AND seq = 1") == "Begun."
    # Dated before the latest update, or in the future: 422.
    r = post_update(api, keys["manage"], a["id"], {"status": "in_progress", "rag": "red", "date": "2024-01-01"})
    assert assert_problem(r, 422, openapi, UPDATES, "post")["errors"][0]["pointer"] == "/date"
    future = (today() + datetime.timedelta(days=3)).isoformat()
    r = post_update(api, keys["manage"], a["id"], {"status": "in_progress", "rag": "red", "date": future})
    assert assert_problem(r, 422, openapi, UPDATES, "post")["errors"][0]["pointer"] == "/date"


def test_complete_needs_note_and_reopen_needs_reason(api, openapi, keys, target):
    plan, _ = target
    a = new_action(api, openapi, keys, plan["id"], reference="C1.%d" % random.randint(100, 999))
    r = post_update(api, keys["manage"], a["id"], {"status": "complete", "rag": "green"})
    got = assert_problem(r, 422, openapi, UPDATES, "post")
    assert [e["pointer"] for e in got["errors"]] == ["/note"]
    r = post_update(api, keys["manage"], a["id"], {"status": "complete", "rag": "green", "note": None})
    assert_problem(r, 422, openapi, UPDATES, "post")
    done = update(api, openapi, keys, a["id"], status="complete", rag="green", note="All done.")
    assert done["status"] == "complete"
    r = post_update(api, keys["manage"], a["id"], {"status": "in_progress", "rag": "amber", "note": "Oops."})
    got = assert_problem(r, 422, openapi, UPDATES, "post")
    assert [e["pointer"] for e in got["errors"]] == ["/reason"]
    back = update(api, openapi, keys, a["id"], status="in_progress", rag="amber",
                  reason="The audit found gaps.")
    assert back["status"] == "in_progress" and back["updates"][-1]["reason"] == "The audit found gaps."
    assert [u["status"] for u in back["updates"]] == ["complete", "in_progress"]


def test_update_validation_all_at_once(api, openapi, keys, target):
    _, action = target
    r = post_update(api, keys["manage"], action["id"], {
        "status": "finished", "rag": "blue", "date": "yesterday", "note": "", "by": "me"})
    got = assert_problem(r, 422, openapi, UPDATES, "post")
    assert {e["pointer"] for e in got["errors"]} == {"/status", "/rag", "/date", "/note", "/by"}
    r = post_update(api, keys["manage"], str(uuid.uuid4()), {"status": "in_progress", "rag": "red"})
    assert_problem(r, 404, openapi, UPDATES, "post")
    r = post_update(api, keys["manage"], "nope", {"status": "in_progress", "rag": "red"})
    assert_problem(r, 404, openapi, UPDATES, "post")


# ---------------------------------------------------------------------------
# PATCH with If-Match
# ---------------------------------------------------------------------------

def patch(api, key, action_id, body, if_match='"v1"'):
    h = auth(key)
    if if_match is not None:
        h["If-Match"] = if_match
    return api.patch(path(ACTION, action_id), json=body, headers=h)


def test_patch_preconditions_and_fields(api, openapi, keys, target):
    plan, _ = target
    a = new_action(api, openapi, keys, plan["id"], reference="P1.%d" % random.randint(100, 999),
                   description="First words.")
    assert_problem(patch(api, keys["manage"], a["id"], {"title": "x"}, None), 428, openapi, ACTION, "patch")
    for stale in ('"v2"', '"v0"', 'W/"v1"', "v1"):
        r = patch(api, keys["manage"], a["id"], {"title": "x"}, stale)
        got = assert_problem(r, 412, openapi, ACTION, "patch")
        assert r.headers["ETag"] == '"v1"'
        # An unquoted tag is told the next step: quote it.
        assert ("quoted" in got["detail"]) == (stale == "v1"), got["detail"]
    # RFC 9110 13.1.1: "*" matches whatever version is current.
    r = patch(api, keys["manage"], a["id"], {"title": "Better title", "description": None,
                                             "indicators": ["hate-crime-reported"]}, "*")
    got = openapi.validate(r, ACTION, "patch")
    assert r.status_code == 200 and r.headers["ETag"] == '"v2"'
    assert got["version"] == 2 and got["title"] == "Better title" and got["description"] is None
    assert got["indicators"] == ["hate-crime-reported"] and got["reference"] == a["reference"]
    r = patch(api, keys["manage"], a["id"], {"status": "complete", "due_date": "2001-01-01"}, '"v2"')
    got = assert_problem(r, 422, openapi, ACTION, "patch")
    assert {e["pointer"] for e in got["errors"]} == {"/status"}     # the contract's
    r = patch(api, keys["manage"], a["id"], {"due_date": "2001-01-01"}, '"v2"')
    got = assert_problem(r, 422, openapi, ACTION, "patch")
    assert {e["pointer"] for e in got["errors"]} == {"/due_date"}   # the handler's
    assert_problem(patch(api, keys["manage"], a["id"], {}, '"v2"'), 422, openapi, ACTION, "patch")
    other = new_action(api, openapi, keys, plan["id"], reference="P2.%d" % random.randint(100, 999))
    r = patch(api, keys["manage"], a["id"], {"reference": other["reference"]}, '"v2"')
    assert assert_problem(r, 409, openapi, ACTION, "patch")["errors"][0]["pointer"] == "/reference"
    assert_problem(patch(api, keys["manage"], str(uuid.uuid4()), {"title": "x"}), 404, openapi, ACTION, "patch")


def test_concurrent_patches_one_wins(server, api, openapi, keys, pg, target):
    plan, _ = target
    a = new_action(api, openapi, keys, plan["id"], reference="K1.%d" % random.randint(100, 999))

    def one(i):
        with requests.Session() as s:
            return s.patch(server.url + path(ACTION, a["id"]), json={"title": f"Title {i}"}, timeout=30,
                           headers=auth(keys["manage"], **{"If-Match": '"v1"'}))

    with concurrent.futures.ThreadPoolExecutor(10) as pool:
        responses = list(pool.map(one, range(10)))
    for r in responses:
        openapi.validate(r, ACTION, "patch")
    assert sorted(r.status_code for r in responses) == [200] + [412] * 9
    assert pg.psql(f"SELECT version FROM actions WHERE id = '{a['id']}'") == "2"


# ---------------------------------------------------------------------------
# caching
# ---------------------------------------------------------------------------

def wait_for_new_etag(api, url, old, timeout=5.0):
    deadline = time.monotonic() + timeout
    while True:
        r = api.get(url)
        if r.headers["ETag"] != old or time.monotonic() > deadline:
            return r
        time.sleep(0.05)


def test_etag_changes_after_an_update_and_only_then(api, openapi, keys, target):
    plan, _ = target
    a = new_action(api, openapi, keys, plan["id"], reference="E1.%d" % random.randint(100, 999))
    urls = [path(SUMMARY, plan["id"]), path(ACTION, a["id"]), path(ACTIONS, plan["id"]) + "?limit=500"]
    time.sleep(0.3)
    first = {}
    for u in urls:
        r = api.get(u)
        assert r.status_code == 200 and r.headers["ETag"].startswith('"')
        first[u] = r.headers["ETag"]
        again = api.get(u)
        assert again.headers["ETag"] == first[u]
        nm = api.get(u, headers={"If-None-Match": first[u]})
        assert nm.status_code == 304
    update(api, openapi, keys, a["id"], status="in_progress", rag="green", note="Moving.")
    for u in urls:
        r = wait_for_new_etag(api, u, first[u])
        assert r.headers["ETag"] != first[u], u
        stable = api.get(u)
        assert stable.headers["ETag"] == r.headers["ETag"]
