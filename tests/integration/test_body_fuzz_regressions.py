"""Bodies the contract-driven body fuzzer (tests/bodyfuzz) found to crash
the process or answer 500, each replayed on the real binary.

Each test asserts what a client must get (a 4xx problem naming the member,
or the documented default when null stands for "absent") and that the
server is still up afterwards: the first of these killed the whole process
(SIGSEGV), losing every request in flight.
"""

from __future__ import annotations

import datetime
import random
import uuid

import pytest

import harness
from checks import assert_problem
from harness import make_key

PLANS = "/v1/action-plans"
ACTIONS = "/v1/action-plans/{id}/actions"
ACTION = "/v1/actions/{id}"
UPDATES = "/v1/actions/{id}/updates"
REPORTS = "/v1/hate-crime/reports"


@pytest.fixture(scope="module")
def keys():
    return {
        "plan": make_key("barnet-council", "manage:action-plan"),
        "hate": make_key("reporting-centre-north", "submit:hate-crime,read:hate-crime"),
    }


def auth(key: str) -> dict:
    return {"Authorization": "Bearer " + key, "X-Request-Id": "bfr-" + uuid.uuid4().hex[:16]}


def still_up(api) -> None:
    assert api.get("/healthz").status_code == 200


def free_period(pg) -> str:
    for _ in range(50):
        y = random.randint(2100, 9990)
        if not pg.psql(f"SELECT 1 FROM action_plans WHERE slug = '{y}-{(y + 1) % 100:02d}'"):
            return f"{y}/{(y + 1) % 100:02d}"
    raise AssertionError("no free plan period")


@pytest.fixture(scope="module")
def plan(server, keys):
    api = harness.ApiClient(server.url)
    try:
        r = api.post(PLANS, json={"period": free_period(harness.PgControl()),
                                  "title": "Fuzz regressions"},
                     headers=auth(keys["plan"]))
        assert r.status_code == 201, r.text
        return r.json()
    finally:
        api.close()


def action_body(**over) -> dict:
    b = {"reference": "R%d" % random.randint(1, 10 ** 6), "title": "Regression",
         "outcome": "access", "lead": "adults-and-health",
         "start_date": "2024-04-01", "due_date": "2030-03-31"}
    b.update(over)
    return b


def new_action(api, keys, plan) -> dict:
    r = api.post(ACTIONS.replace("{id}", plan["id"]), json=action_body(), headers=auth(keys["plan"]))
    assert r.status_code == 201, r.text
    return r.json()


@pytest.mark.parametrize("indicators", [
    [None, "a"],                 # the crash of issue 11: strcmp on NULL in the duplicate check
    [1, "hate-crime-reports"],
    [{}, [], "get-on-well"],
])
def test_action_indicators_with_a_non_string_before_a_code(api, openapi, keys, plan, indicators):
    r = api.post(ACTIONS.replace("{id}", plan["id"]), json=action_body(indicators=indicators),
                 headers=auth(keys["plan"]))
    body = assert_problem(r, 422, openapi, ACTIONS, "post")
    assert "/indicators/0" in {e["pointer"] for e in body["errors"]}, body
    still_up(api)


def test_action_patch_indicators_with_a_non_string_before_a_code(api, openapi, keys, plan):
    action = new_action(api, keys, plan)
    r = api.patch(ACTION.replace("{id}", action["id"]), json={"indicators": [None, "a"]},
                  headers={**auth(keys["plan"]), "If-Match": '"v1"'})
    body = assert_problem(r, 422, openapi, ACTION, "patch")
    assert "/indicators/0" in {e["pointer"] for e in body["errors"]}, body
    still_up(api)


def test_plan_status_null_is_the_default_or_refused(api, openapi, keys, pg):
    # Was a SIGSEGV: a null status was neither refused nor defaulted, and
    # reached strcmp as NULL.
    r = api.post(PLANS, json={"period": free_period(pg), "title": "Null status", "status": None},
                 headers=auth(keys["plan"]))
    if r.status_code == 201:
        assert openapi.validate(r, PLANS, "post")["status"] == "draft"
    else:
        body = assert_problem(r, 422, openapi, PLANS, "post")
        assert "/status" in {e["pointer"] for e in body["errors"]}, body
    still_up(api)


def test_update_date_null_is_today_or_refused(api, openapi, keys, plan):
    # Was a 500: the date was left unset (uninitialised memory) and sent to
    # PostgreSQL.
    action = new_action(api, keys, plan)
    r = api.post(UPDATES.replace("{id}", action["id"]),
                 json={"date": None, "status": "in_progress", "rag": "green"},
                 headers=auth(keys["plan"]))
    if r.status_code == 201:
        got = openapi.validate(r, UPDATES, "post")
        today = datetime.datetime.now(datetime.timezone.utc).date()
        near = {(today + datetime.timedelta(days=d)).isoformat() for d in (-1, 0, 1)}
        assert got["updates"] and got["updates"][-1]["date"] in near, got
    else:
        body = assert_problem(r, 422, openapi, UPDATES, "post")
        assert "/date" in {e["pointer"] for e in body["errors"]}, body
    still_up(api)


def test_report_occurred_to_null_is_occurred_from_or_refused(api, openapi, keys):
    # Was a 500: occurred_to stayed "" and PostgreSQL refused it as a date.
    r = api.post(REPORTS, headers=auth(keys["hate"]), json={
        "occurred_from": "2024-05-03", "occurred_to": None, "reported_on": "2024-05-04",
        "location": {"kind": "ward", "ward": "E05013642"}, "strands": ["religion"],
        "offence_type": "public_order", "channel": "in_person",
        "submitter_reference": "BFR-" + uuid.uuid4().hex[:20]})
    if r.status_code == 201:
        got = openapi.validate(r, REPORTS, "post")
        assert got["occurred_to"] == got["occurred_from"] == "2024-05-03", got
    else:
        body = assert_problem(r, 422, openapi, REPORTS, "post")
        assert "/occurred_to" in {e["pointer"] for e in body["errors"]}, body
    still_up(api)
