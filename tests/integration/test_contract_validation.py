"""The request pipeline checks every query parameter and JSON body against
api/openapi.yaml before any handler runs (src/http/contract.h).

Query problems are a 400 with errors[{"parameter", "detail"}], body problems
a 422 with errors[{"pointer", "detail"}] (RFC 6901), every problem listed at
once; each reply is checked against the contract like any other.
"""
from __future__ import annotations

import json
import random
import secrets

import pytest

from checks import assert_problem
from harness import make_key

ACTIONS = "/v1/action-plans/{id}/actions"
REPORTS = "/v1/hate-crime/reports"
RETURNS = "/v1/returns"
DEMOGRAPHICS = "/v1/demographics"
AREAS = "/v1/areas"


@pytest.fixture(scope="module")
def keys():
    return {
        "plan": make_key("barnet-council", "manage:action-plan"),
        "centre": make_key("reporting-centre-north", "submit:hate-crime"),
        "care": make_key("partner-care", "submit:returns"),
    }


def auth(key: str, **extra) -> dict:
    h = {"Authorization": "Bearer " + key, "X-Request-Id": "ct-" + secrets.token_hex(8)}
    h.update(extra)
    return h


def action(**over) -> dict:
    b = {
        "reference": "C%d.%d" % (random.randint(1, 9), random.randint(1, 99)),
        "title": "Checked by the contract",
        "outcome": "access",
        "lead": "adults-and-health",
        "start_date": "2024-04-01",
        "due_date": "2030-03-31",
    }
    b.update(over)
    return b


def post_action(api, keys, body, raw: bytes | None = None):
    path = ACTIONS.replace("{id}", "2024-25")
    if raw is not None:
        return api.post(path, data=raw, headers=auth(keys["plan"], **{"Content-Type": "application/json"}))
    return api.post(path, json=body, headers=auth(keys["plan"]))


def pointers(body: dict) -> list[str]:
    return [e["pointer"] for e in body["errors"]]


def test_a_null_among_an_actions_indicators_is_a_422_not_a_crash(server, api, openapi, keys):
    """The reason for the pipeline: this body killed the process (strcmp on
    the NULL that json_string_value gives for a null)."""
    r = post_action(api, keys, action(indicators=[None, "a"]))
    body = assert_problem(r, 422, openapi, ACTIONS, "post")
    assert body["type"] == "urn:equalities:problem:validation-failed"
    assert pointers(body) == ["/indicators/0"], body
    assert server.proc.poll() is None, "the server died"
    assert api.get("/healthz").status_code == 200


def test_every_problem_is_listed_at_once(api, openapi, keys):
    r = post_action(api, keys, action(reference="!", title=None, outcome="Not A Code",
                                      start_date="2024-02-30", due_date=20300331,
                                      indicators=["a", "a", 7], colour="blue"))
    body = assert_problem(r, 422, openapi, ACTIONS, "post")
    got = set(pointers(body))
    assert got == {"/reference", "/title", "/outcome", "/start_date", "/due_date",
                   "/indicators/1", "/indicators/2", "/colour"}, body
    assert body["detail"] == "The request body has 8 problems; each is listed in errors."
    assert all(e["detail"] for e in body["errors"])


def test_missing_required_members_are_each_named(api, openapi, keys):
    body = assert_problem(post_action(api, keys, {}), 422, openapi, ACTIONS, "post")
    assert set(pointers(body)) == {"/reference", "/title", "/outcome", "/lead", "/start_date",
                                   "/due_date"}
    assert {e["detail"] for e in body["errors"]} == {"is required"}


@pytest.mark.parametrize("value,detail", [
    (None, "must be a string"),
    (12, "must be a string"),
    (True, "must be a string"),
    ([], "must be a string"),
    ({}, "must be a string"),
    ("", "must not be empty"),
])
def test_wrong_types_and_nulls(api, openapi, keys, value, detail):
    body = assert_problem(post_action(api, keys, action(title=value)), 422, openapi, ACTIONS, "post")
    assert body["errors"] == [{"pointer": "/title", "detail": detail}], body


def test_pointers_reach_into_nested_arrays_and_objects(api, openapi, keys):
    report = {
        "occurred_from": "2024-05-03", "reported_on": "2024-05-04",
        "location": {"kind": "ward", "ward": "E05013642", "street": "x"},
        "strands": ["religion"], "offence_type": "public_order", "channel": "in_person",
        "submitter_reference": "T-" + secrets.token_hex(8),
        "victim": [{"characteristic": "religion", "category": "jewish"},
                   {"characteristic": "Race!", "category": None, "age": 3}],
    }
    r = api.post(REPORTS, json=report, headers=auth(keys["centre"]))
    body = assert_problem(r, 422, openapi, REPORTS, "post")
    assert set(pointers(body)) == {"/location/street", "/victim/1/characteristic",
                                   "/victim/1/category", "/victim/1/age"}, body


def test_unknown_members_are_named_with_rfc6901_escaping(api, openapi, keys):
    r = post_action(api, keys, action(**{"a/b~c": 1, "": 2}))
    body = assert_problem(r, 422, openapi, ACTIONS, "post")
    assert sorted(pointers(body)) == ["/", "/a~1b~0c"], body
    details = {e["detail"] for e in body["errors"]}
    assert len(details) == 1 and details.pop().startswith("is not a field of this resource; its fields are: ")


@pytest.mark.parametrize("total,status", [
    (1e300, 422),                      # a number, not an integer
    (100.0, 422),                      # integer means a JSON integer
    (-1, 422),                         # below the minimum
    (10000001, 422),                   # above the maximum
    ("100", 422),
])
def test_numbers_out_of_type_or_range(api, openapi, keys, total, status):
    r = api.post(RETURNS, json={"window": "7d1d6ad4-4f4f-4ab4-9c5a-3b9c1a1b2c3d", "total": total,
                                "lines": {}}, headers=auth(keys["care"]))
    body = assert_problem(r, status, openapi, RETURNS, "post")
    assert "/total" in pointers(body), body


def test_huge_integers_and_deep_nesting_are_refused_cleanly(server, api, openapi, keys):
    # Past what jansson holds: malformed, with the place.
    raw = json.dumps(action()).replace('"title"', '"n": 123456789012345678901234567890, "title"')
    body = assert_problem(post_action(api, keys, None, raw.encode()), 400, openapi, ACTIONS, "post")
    assert body["type"] == "urn:equalities:problem:malformed-json"
    assert "line 1" in body["detail"]
    # A deep value where a string belongs: one problem, the walk goes no deeper.
    deep = action()
    deep["title"] = json.loads("[" * 500 + "]" * 500)
    body = assert_problem(post_action(api, keys, deep), 422, openapi, ACTIONS, "post")
    assert body["errors"] == [{"pointer": "/title", "detail": "must be a string"}]
    # Deeper than the parser goes: malformed.
    raw = json.dumps(action()).replace('"title": "Checked by the contract"',
                                       '"title": ' + "[" * 5000 + "]" * 5000)
    assert_problem(post_action(api, keys, None, raw.encode()), 400, openapi, ACTIONS, "post")
    assert server.proc.poll() is None


@pytest.mark.parametrize("escape", ["\\ud800", "\\udfff", "\\u0000", "a\\u0000b"])
def test_lone_surrogates_and_nul_are_malformed_json(server, api, openapi, keys, escape):
    raw = json.dumps(action()).replace("Checked by the contract", escape)
    assert escape in raw
    body = assert_problem(post_action(api, keys, None, raw.encode()), 400, openapi, ACTIONS, "post")
    assert body["type"] == "urn:equalities:problem:malformed-json"
    assert server.proc.poll() is None


def test_enum_pattern_and_date(api, openapi, keys):
    body = assert_problem(post_action(api, keys, action(outcome="UPPER", reference="-x",
                                                        due_date="31/03/2030")),
                          422, openapi, ACTIONS, "post")
    details = {e["pointer"]: e["detail"] for e in body["errors"]}
    assert set(details) == {"/outcome", "/reference", "/due_date"}
    assert details["/due_date"] == "must be a date written YYYY-MM-DD"
    assert "pattern" in details["/reference"]
    r = api.post(REPORTS, json={"channel": "pigeon"}, headers=auth(keys["centre"]))
    body = assert_problem(r, 422, openapi, REPORTS, "post")
    channel = [e for e in body["errors"] if e["pointer"] == "/channel"]
    assert channel and channel[0]["detail"].startswith("must be one of: "), body


def test_a_body_that_is_not_an_object_or_not_json(api, openapi, keys):
    path = ACTIONS.replace("{id}", "2024-25")
    r = api.post(path, data=b"[1]", headers=auth(keys["plan"], **{"Content-Type": "application/json"}))
    assert_problem(r, 400, openapi, ACTIONS, "post")
    r = api.post(path, data=b'{"title": }', headers=auth(keys["plan"], **{"Content-Type": "application/json"}))
    body = assert_problem(r, 400, openapi, ACTIONS, "post")
    assert "line 1, column" in body["detail"]
    r = api.post(path, data=b"{}", headers=auth(keys["plan"], **{"Content-Type": "text/plain"}))
    assert_problem(r, 415, openapi, ACTIONS, "post")


def test_the_key_is_checked_before_the_body(api, openapi):
    """A body is only read for a caller the route accepts."""
    r = api.post(ACTIONS.replace("{id}", "2024-25"), json={"title": None})
    assert_problem(r, 401, openapi, ACTIONS, "post")


# ---- query parameters -------------------------------------------------------

@pytest.mark.parametrize("query,parameter", [
    ("limit=abc", "limit"),              # type
    ("limit=0", "limit"),                # range
    ("limit=501", "limit"),
    ("limit=01", "limit"),               # one spelling per number
    ("format=xml", "format"),            # enum
    ("kind=planet", "kind"),
    ("limit=5&limit=6", "limit"),        # repetition of a single value
    ("colour=blue", "colour"),           # unknown name
])
def test_query_parameters(api, openapi, query, parameter):
    r = api.get(AREAS + "?" + query)
    body = assert_problem(r, 400, openapi, AREAS, parameter=parameter)
    assert body["type"] == "urn:equalities:problem:invalid-parameter"
    assert len(body["errors"]) == 1


def test_every_query_problem_at_once(api, openapi):
    r = api.get(AREAS + "?limit=abc&colour=blue&kind=planet&shape=round")
    body = assert_problem(r, 400, openapi, AREAS)
    assert [e["parameter"] for e in body["errors"]] == ["limit", "colour", "kind", "shape"], body
    assert body["detail"] == "The query has 4 problems; each is listed in errors."


def test_array_parameters_repeat_and_split_on_commas(api, openapi):
    ok = api.get(DEMOGRAPHICS, params=[("area", "E05013642,E05013643"), ("area", "E09000003"),
                                       ("characteristic", "sex")])
    assert ok.status_code == 200, ok.text
    openapi.validate(ok, DEMOGRAPHICS)
    for query in ("area=E05013642,,E05013643", "area=E0501364", "area=" + ",".join(["E05013642"] * 101)):
        body = assert_problem(api.get(DEMOGRAPHICS + "?" + query + "&characteristic=sex"), 400,
                              openapi, DEMOGRAPHICS, parameter="area")
        assert body["errors"][0]["detail"], body


def test_a_required_query_parameter(api, openapi):
    r = api.get("/v1/workforce/representation")
    assert_problem(r, 400, openapi, "/v1/workforce/representation", parameter="characteristic")
