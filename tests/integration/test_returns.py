"""Partner equalities returns: windows, drafts, submission, review,
versions and the published summary, on the real binary and database.

The key matrix on every restricted route, validation that lists every
problem (a characteristic that does not add up is refused with its
pointer), isolation between partners, idempotent creates, If-Match and
concurrency, late submissions, the review cycle with every submitted
version kept, and the disclosure audit of the public summary (nothing from
1 to 4 published or derivable, nothing at all from fewer than 3 partners).
Every response is checked against api/openapi.yaml.
"""

from __future__ import annotations

import concurrent.futures
import csv
import datetime
import io
import random
import secrets
import uuid

import pytest

import harness
from harness import make_key
from checks import assert_problem, pinned_by_bounds

WINDOWS = "/v1/return-windows"
WINDOW = "/v1/return-windows/{id}"
RETURNS = "/v1/returns"
ONE = "/v1/returns/{id}"
SUBMIT = "/v1/returns/{id}/submit"
REVIEW = "/v1/returns/{id}/review"
VERSIONS = "/v1/returns/{id}/versions"
SUMMARY = "/v1/returns/summary"

WORKFORCE = ["sex", "ethnicity", "disability", "age"]


# ---------------------------------------------------------------------------
# keys, windows and bodies
# ---------------------------------------------------------------------------



@pytest.fixture(scope="module")
def keys():
    k = {
        "care": make_key("partner-care", "submit:returns"),
        "youth": make_key("partner-youth", "submit:returns"),
        "council": make_key("barnet-council", "review:returns"),
        "council_submit": make_key("barnet-council", "submit:returns"),
        # A partner may hold submit:returns only (src/domain/scopes.c): the
        # key without the scope is another kind's.
        "care_other_scope": make_key("reporting-centre-north", "submit:hate-crime"),
        "revoked": make_key("partner-care", "submit:returns"),
    }
    p = harness.run_cli("keys", "revoke", k["revoked"][:15])
    assert p.returncode == 0, p.stderr
    return k


def auth(key, **extra) -> dict:
    h = {"X-Request-Id": "rt-" + secrets.token_hex(8)}
    if key:
        h["Authorization"] = "Bearer " + key
    h.update(extra)
    return h


def day(offset: int) -> str:
    return (datetime.date.today() + datetime.timedelta(days=offset)).isoformat()


def open_window(api, openapi, keys, kind="workforce", opens=-10, due=30) -> dict:
    for _ in range(20):
        y = random.randint(2200, 9000)
        period = f"{y}/{(y + 1) % 100:02d}" + random.choice(["", " Q1", " Q2", " Q3", " Q4"])
        r = api.post(WINDOWS, json={"kind": kind, "period": period, "open_date": day(opens),
                                    "due_date": day(due)}, headers=auth(keys["council"]))
        if r.status_code == 409:
            continue
        w = openapi.validate(r, WINDOWS, "post")
        assert r.status_code == 201, r.text
        return w
    raise AssertionError("no free period for a window")


def lines(**over) -> dict:
    b = {
        "sex": {"female": 60, "male": 40},
        "ethnicity": {"white_british": 50, "asian_indian": 30, "black_african": 20},
        "disability": {"disabled": 12, "not_disabled": 88},
        "age": {"age_20_24": 30, "age_25_29": 70},
    }
    b.update(over)
    return b


def create(api, openapi, key, window_id, total=100, **over):
    r = api.post(RETURNS, json={"window": window_id, "total": total, "lines": lines(**over)},
                 headers=auth(key))
    body = openapi.validate(r, RETURNS, "post")
    assert r.status_code == 201, r.text
    return body, r


def submit(api, openapi, key, rid, payload=None):
    r = api.post(SUBMIT.replace("{id}", rid), json=payload or {}, headers=auth(key))
    openapi.validate(r, SUBMIT, "post")
    return r


def review(api, openapi, key, rid, outcome="accepted", note=None):
    payload = {"outcome": outcome}
    if note:
        payload["note"] = note
    r = api.post(REVIEW.replace("{id}", rid), json=payload, headers=auth(key))
    openapi.validate(r, REVIEW, "post")
    return r


def pointers(body) -> set:
    return {e.get("pointer") for e in body.get("errors", [])}


@pytest.fixture(scope="module")
def window(server, keys, openapi):
    client = harness.ApiClient(server.url)
    try:
        yield open_window(client, openapi, keys)
    finally:
        client.close()


# ---------------------------------------------------------------------------
# the key matrix
# ---------------------------------------------------------------------------

ROUTES = [
    ("post", WINDOWS, "review"),
    ("get", WINDOWS, "read"),
    ("get", WINDOW, "read"),
    ("post", RETURNS, "submit"),
    ("get", RETURNS, "read"),
    ("get", ONE, "read"),
    ("put", ONE, "submit"),
    ("post", SUBMIT, "submit"),
    ("post", REVIEW, "review"),
    ("get", VERSIONS, "read"),
]


@pytest.mark.parametrize("method,template,need", ROUTES)
@pytest.mark.parametrize("state", ["none", "malformed", "unknown", "revoked", "wrong_scope",
                                   "wrong_organisation"])
def test_key_matrix(api, openapi, keys, window, method, template, need, state):
    # A fresh window per case would be slow; returns are per (window, partner),
    # so each case gets its own draft in a window of its own when it needs one.
    w = window
    target = None
    if "{id}" in template and template != WINDOW:
        w = open_window(api, openapi, keys)
        target, _ = create(api, openapi, keys["care"], w["id"])
    path = template.replace("{id}", w["id"] if template == WINDOW else (target or {}).get("id", ""))
    headers = {
        "none": auth(None),
        "malformed": auth(None, Authorization="Bearer abc"),
        "unknown": auth("eq_%s_%s" % (secrets.token_hex(6), secrets.token_hex(24))),
        "revoked": auth(keys["revoked"]),
        "wrong_scope": auth(keys["care_other_scope"]),
    }.get(state)
    if state == "wrong_organisation":
        if need == "review":
            headers = auth(keys["youth"])            # a partner (it may not hold the scope)
        elif template == RETURNS and method == "post":
            headers = auth(keys["council_submit"])   # not a partner
        else:
            headers = auth(keys["youth"])            # another partner
    if method == "put":
        headers["If-Match"] = '"v1"'
    payload = {
        (WINDOWS, "post"): {"kind": "workforce", "period": "2999/00", "open_date": day(-1),
                            "due_date": day(1)},
        (RETURNS, "post"): {"window": w["id"], "total": 100, "lines": lines()},
        (ONE, "put"): {"total": 100, "lines": lines()},
        (SUBMIT, "post"): {},
        (REVIEW, "post"): {"outcome": "accepted"},
    }.get((template, method))
    r = getattr(api, method)(path, json=payload, headers=headers) if payload is not None \
        else getattr(api, method)(path, headers=headers)
    if state in ("none", "malformed", "unknown", "revoked"):
        assert_problem(r, 401, openapi, template, method)
        assert "WWW-Authenticate" in r.headers
    elif state == "wrong_scope":
        assert_problem(r, 403, openapi, template, method)
    else:
        if need == "review" or (template == RETURNS and method == "post"):
            assert_problem(r, 403, openapi, template, method)
        elif template in (WINDOWS, RETURNS, WINDOW):
            body = openapi.validate(r, template, method)
            assert r.status_code == 200, r.text
            rows = body["data"] if "data" in body else [body]
            for row in rows:
                if "partners" in row:
                    assert {p["organisation"] for p in row["partners"]} <= {"partner-youth"}
                else:
                    assert row["organisation"] == "partner-youth"
        else:
            assert_problem(r, 404, openapi, template, method)
    if target:
        again = api.get(ONE.replace("{id}", target["id"]), headers=auth(keys["care"]))
        assert openapi.validate(again, ONE)["version"] == 1, "a refused request changed the return"


# ---------------------------------------------------------------------------
# must show: validation, correction, isolation, late
# ---------------------------------------------------------------------------

def test_ethnicity_adding_to_101_is_refused_then_corrected_and_accepted(api, openapi, keys):
    w = open_window(api, openapi, keys)
    bad = lines(ethnicity={"white_british": 51, "asian_indian": 30, "black_african": 20})
    r = api.post(RETURNS, json={"window": w["id"], "total": 100, "lines": bad}, headers=auth(keys["care"]))
    body = assert_problem(r, 422, openapi, RETURNS, "post")
    assert pointers(body) == {"/lines/ethnicity"}, body
    assert "101" in body["errors"][0]["detail"] and "100" in body["errors"][0]["detail"]

    ret, _ = create(api, openapi, keys["care"], w["id"])
    assert ret["status"] == "draft" and ret["version"] == 1 and ret["review"] is None
    s = submit(api, openapi, keys["care"], ret["id"])
    assert s.status_code == 200, s.text
    assert s.json()["status"] == "submitted" and s.json()["late"] is False
    a = review(api, openapi, keys["council"], ret["id"], "accepted")
    assert a.status_code == 200, a.text
    seen = openapi.validate(api.get(ONE.replace("{id}", ret["id"]), headers=auth(keys["care"])), ONE)
    assert seen["status"] == "accepted" and seen["review"]["outcome"] == "accepted"


def test_every_problem_is_reported_at_once(api, openapi, keys):
    w = open_window(api, openapi, keys)
    payload = {
        "window": w["id"], "total": 100, "colour": "blue",
        "lines": {
            "sex": {"female": 60, "male": 40, "martian": 0},
            "ethnicity": {"white_british": -1, "asian_indian": 1.5, "black_african": "3"},
            "disability": {"disabled": 12, "not_disabled": 88},
            "religion": {"christian": 100},
            "age": {"age_20_24": 30, "age_25_29": 70},
        },
    }
    body = assert_problem(api.post(RETURNS, json=payload, headers=auth(keys["care"])),
                          422, openapi, RETURNS, "post")
    # The contract's problems (unknown fields, types, ranges), all at once ...
    assert {"/colour", "/lines/ethnicity/white_british",
            "/lines/ethnicity/asian_indian", "/lines/ethnicity/black_african"} <= pointers(body), body
    # ... then the handler's (unknown categories, sums), all at once.
    payload["lines"]["ethnicity"] = {"white_british": 100}
    del payload["colour"]
    body = assert_problem(api.post(RETURNS, json=payload, headers=auth(keys["care"])),
                          422, openapi, RETURNS, "post")
    assert {"/lines/sex/martian", "/lines/religion"} <= pointers(body), body

    missing = lines()
    del missing["age"]
    body = assert_problem(api.post(RETURNS, json={"window": w["id"], "total": 100, "lines": missing},
                                   headers=auth(keys["care"])), 422, openapi, RETURNS, "post")
    assert pointers(body) == {"/lines/age"}, body

    both = lines(ethnicity={"asian": 30, "asian_indian": 30, "white_british": 40})
    body = assert_problem(api.post(RETURNS, json={"window": w["id"], "total": 100, "lines": both},
                                   headers=auth(keys["care"])), 422, openapi, RETURNS, "post")
    assert "/lines/ethnicity/asian_indian" in pointers(body), body

    later = open_window(api, openapi, keys, opens=10, due=40)
    body = assert_problem(api.post(RETURNS, json={"window": later["id"], "total": -5, "lines": lines()},
                                   headers=auth(keys["care"])), 422, openapi, RETURNS, "post")
    assert {"/total"} <= pointers(body), body     # the contract's, before the handler
    body = assert_problem(api.post(RETURNS, json={"window": later["id"], "total": 100, "lines": lines()},
                                   headers=auth(keys["care"])), 422, openapi, RETURNS, "post")
    assert {"/window"} <= pointers(body), body    # the handler's: not open yet
    body = assert_problem(api.post(RETURNS, json={"window": str(uuid.uuid4()), "total": 100,
                                                  "lines": lines()}, headers=auth(keys["care"])),
                          422, openapi, RETURNS, "post")
    assert pointers(body) == {"/window"}


def test_body_problems(api, openapi, keys):
    assert_problem(api.post(RETURNS, data=b"{", headers=auth(keys["care"], **{"Content-Type": "application/json"})),
                   400, openapi, RETURNS, "post")
    assert_problem(api.post(RETURNS, data=b"{}", headers=auth(keys["care"], **{"Content-Type": "text/plain"})),
                   415, openapi, RETURNS, "post")


def test_partners_cannot_see_or_change_each_others_returns(api, openapi, keys):
    w = open_window(api, openapi, keys)
    mine, _ = create(api, openapi, keys["care"], w["id"])
    theirs, _ = create(api, openapi, keys["youth"], w["id"])
    rid = mine["id"]
    for r, tpl, m in [
        (api.get(ONE.replace("{id}", rid), headers=auth(keys["youth"])), ONE, "get"),
        (api.get(VERSIONS.replace("{id}", rid), headers=auth(keys["youth"])), VERSIONS, "get"),
        (api.put(ONE.replace("{id}", rid), json={"total": 1, "lines": lines()},
                 headers=auth(keys["youth"], **{"If-Match": '"v1"'})), ONE, "put"),
        (api.post(SUBMIT.replace("{id}", rid), json={}, headers=auth(keys["youth"])), SUBMIT, "post"),
    ]:
        assert_problem(r, 404, openapi, tpl, m)
    listed = openapi.validate(api.get(RETURNS, params={"window": w["id"]}, headers=auth(keys["youth"])), RETURNS)
    assert [x["id"] for x in listed["data"]] == [theirs["id"]]
    listed = openapi.validate(api.get(RETURNS, params={"organisation": "partner-care"},
                                      headers=auth(keys["youth"])), RETURNS)
    assert listed["data"] == []
    council = openapi.validate(api.get(RETURNS, params={"window": w["id"]}, headers=auth(keys["council"])), RETURNS)
    assert {x["id"] for x in council["data"]} == {rid, theirs["id"]}
    win = openapi.validate(api.get(WINDOW.replace("{id}", w["id"]), headers=auth(keys["youth"])), WINDOW)
    assert [p["organisation"] for p in win["partners"]] == ["partner-youth"]
    still = openapi.validate(api.get(ONE.replace("{id}", rid), headers=auth(keys["care"])), ONE)
    assert still["version"] == 1 and still["status"] == "draft"


def test_late_submission_needs_a_reason_and_is_flagged(api, openapi, keys):
    w = open_window(api, openapi, keys, opens=-30, due=-2)
    assert w["state"] == "past_due"
    ret, _ = create(api, openapi, keys["care"], w["id"])
    r = submit(api, openapi, keys["care"], ret["id"])
    body = assert_problem(r, 422, openapi, SUBMIT, "post")
    assert pointers(body) == {"/late_reason"}
    r = submit(api, openapi, keys["care"], ret["id"], {"late_reason": "x" * 501})
    assert_problem(r, 422, openapi, SUBMIT, "post")
    r = submit(api, openapi, keys["care"], ret["id"], {"late_reason": "Our HR extract was delayed."})
    assert r.status_code == 200, r.text
    assert r.json()["late"] is True and r.json()["late_reason"] == "Our HR extract was delayed."
    win = openapi.validate(api.get(WINDOW.replace("{id}", w["id"]), headers=auth(keys["council"])), WINDOW)
    care = [p for p in win["partners"] if p["organisation"] == "partner-care"][0]
    assert care["late"] is True and care["status"] == "submitted" and care["overdue"] is False
    youth = [p for p in win["partners"] if p["organisation"] == "partner-youth"][0]
    assert youth["status"] == "not_started" and youth["overdue"] is True
    rows, _ = harness_pages(api, openapi, keys["council"])
    assert any(x["id"] == w["id"] for x in rows)
    late = openapi.validate(api.get(RETURNS, params={"window": w["id"], "late": "true"},
                                    headers=auth(keys["council"])), RETURNS)
    assert [x["id"] for x in late["data"]] == [ret["id"]]


def harness_pages(api, openapi, key):
    rows, url = [], WINDOWS + "?limit=2"
    pages = []
    while url:
        r = api.get(url, headers=auth(key))
        body = openapi.validate(r, WINDOWS)
        rows += body["data"]
        pages.append(body)
        url = body["links"]["next"]
        assert len(pages) < 500
    return rows, pages


def test_on_time_submission_keeps_no_reason(api, openapi, keys):
    w = open_window(api, openapi, keys)
    ret, _ = create(api, openapi, keys["care"], w["id"])
    r = submit(api, openapi, keys["care"], ret["id"], {"late_reason": "just in case"})
    assert r.status_code == 200 and r.json()["late"] is False and r.json()["late_reason"] is None


# ---------------------------------------------------------------------------
# idempotency, If-Match, concurrency
# ---------------------------------------------------------------------------

def test_idempotent_creates(api, openapi, keys):
    w = open_window(api, openapi, keys)
    payload = {"window": w["id"], "total": 100, "lines": lines()}
    key = str(uuid.uuid4())
    first = api.post(RETURNS, json=payload, headers=auth(keys["care"], **{"Idempotency-Key": key}))
    assert first.status_code == 201, first.text
    again = api.post(RETURNS, json=payload, headers=auth(keys["care"], **{"Idempotency-Key": key}))
    openapi.validate(again, RETURNS, "post")
    assert again.status_code == 201 and again.json()["id"] == first.json()["id"]
    assert again.headers.get("Idempotent-Replayed") == "true"
    other = api.post(RETURNS, json={**payload, "total": 99},
                     headers=auth(keys["care"], **{"Idempotency-Key": key}))
    assert_problem(other, 422, openapi, RETURNS, "post")
    dup = api.post(RETURNS, json=payload, headers=auth(keys["care"]))
    assert_problem(dup, 409, openapi, RETURNS, "post")

    wk = str(uuid.uuid4())
    wbody = {"kind": "service_users", "period": f"{random.randint(2200, 9000)}/01 Q3",
             "open_date": day(-1), "due_date": day(5)}
    wbody["period"] = wbody["period"].split("/")[0] + "/" + "%02d" % ((int(wbody["period"].split("/")[0]) + 1) % 100) + " Q3"
    a = api.post(WINDOWS, json=wbody, headers=auth(keys["council"], **{"Idempotency-Key": wk}))
    b = api.post(WINDOWS, json=wbody, headers=auth(keys["council"], **{"Idempotency-Key": wk}))
    openapi.validate(b, WINDOWS, "post")
    assert a.status_code == 201 and b.status_code == 201 and a.json()["id"] == b.json()["id"]
    c = api.post(WINDOWS, json=wbody, headers=auth(keys["council"]))
    assert_problem(c, 409, openapi, WINDOWS, "post")


def test_submit_and_review_are_safe_to_retry(api, openapi, keys):
    w = open_window(api, openapi, keys)
    ret, _ = create(api, openapi, keys["care"], w["id"])
    path = SUBMIT.replace("{id}", ret["id"])
    k = str(uuid.uuid4())
    first = api.post(path, json={}, headers=auth(keys["care"], **{"Idempotency-Key": k}))
    again = api.post(path, json={}, headers=auth(keys["care"], **{"Idempotency-Key": k}))
    openapi.validate(again, SUBMIT, "post")
    assert first.status_code == again.status_code == 200, (first.text, again.text)
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert again.json()["submissions"] == 1
    k = str(uuid.uuid4())
    rpath = REVIEW.replace("{id}", ret["id"])
    first = api.post(rpath, json={"outcome": "accepted"}, headers=auth(keys["council"], **{"Idempotency-Key": k}))
    again = api.post(rpath, json={"outcome": "accepted"}, headers=auth(keys["council"], **{"Idempotency-Key": k}))
    assert first.status_code == again.status_code == 200
    versions = openapi.validate(api.get(VERSIONS.replace("{id}", ret["id"]), headers=auth(keys["care"])), VERSIONS)
    assert len(versions["data"]) == 1


def test_window_validation(api, openapi, keys):
    r = api.post(WINDOWS, json={"kind": "pets", "period": "someday", "open_date": day(5),
                                "due_date": day(1), "extra": 1}, headers=auth(keys["council"]))
    body = assert_problem(r, 422, openapi, WINDOWS, "post")
    assert {"/kind", "/extra"} <= pointers(body), body
    r = api.post(WINDOWS, json={"kind": "workforce", "period": "someday", "open_date": day(5),
                                "due_date": day(1)}, headers=auth(keys["council"]))
    body = assert_problem(r, 422, openapi, WINDOWS, "post")
    assert {"/period", "/due_date"} <= pointers(body), body


def test_put_preconditions_and_replace(api, openapi, keys):
    w = open_window(api, openapi, keys)
    ret, created = create(api, openapi, keys["care"], w["id"])
    assert created.headers["ETag"] == '"v1"'
    path = ONE.replace("{id}", ret["id"])
    new = {"total": 10, "lines": {"sex": {"female": 10}, "ethnicity": {"white": 10},
                                  "disability": {"not_disabled": 10}, "age": {"age_30_34": 10}}}
    assert_problem(api.put(path, json=new, headers=auth(keys["care"])), 428, openapi, ONE, "put")
    r = api.put(path, json=new, headers=auth(keys["care"], **{"If-Match": '"v7"'}))
    assert_problem(r, 412, openapi, ONE, "put")
    assert r.headers["ETag"] == '"v1"'
    r = api.put(path, json={**new, "window": w["id"]}, headers=auth(keys["care"], **{"If-Match": '"v1"'}))
    assert pointers(assert_problem(r, 422, openapi, ONE, "put")) == {"/window"}
    r = api.put(path, json=new, headers=auth(keys["care"], **{"If-Match": '"v1"'}))
    body = openapi.validate(r, ONE, "put")
    assert r.status_code == 200 and body["version"] == 2 and body["total"] == 10
    assert body["lines"]["ethnicity"] == {"white": 10}
    assert r.headers["ETag"] == '"v2"'


def test_ten_concurrent_puts_with_one_version_one_wins(server, openapi, keys):
    client = harness.ApiClient(server.url)
    try:
        w = open_window(client, openapi, keys)
        ret, _ = create(client, openapi, keys["care"], w["id"])
    finally:
        client.close()
    path = ONE.replace("{id}", ret["id"])

    def one(i):
        c = harness.ApiClient(server.url)
        try:
            return c.put(path, json={"total": 100 + i, "lines": lines(
                sex={"female": 60 + i, "male": 40}, ethnicity={"white_british": 50 + i, "asian_indian": 30, "black_african": 20},
                disability={"disabled": 12 + i, "not_disabled": 88}, age={"age_20_24": 30 + i, "age_25_29": 70})},
                headers=auth(keys["care"], **{"If-Match": '"v1"'})).status_code
        finally:
            c.close()

    with concurrent.futures.ThreadPoolExecutor(10) as pool:
        codes = sorted(pool.map(one, range(10)))
    assert codes.count(200) == 1 and codes.count(412) == 9, codes


# ---------------------------------------------------------------------------
# review cycle and versions
# ---------------------------------------------------------------------------

def test_returned_for_correction_then_resubmitted_keeps_every_version(api, openapi, keys):
    w = open_window(api, openapi, keys)
    ret, _ = create(api, openapi, keys["care"], w["id"])
    rid = ret["id"]
    path = ONE.replace("{id}", rid)
    vpath = VERSIONS.replace("{id}", rid)
    empty = openapi.validate(api.get(vpath, headers=auth(keys["care"])), VERSIONS)
    assert empty["data"] == []
    assert_problem(review(api, openapi, keys["council"], rid), 409, openapi, REVIEW, "post")
    assert submit(api, openapi, keys["care"], rid).status_code == 200
    assert_problem(submit(api, openapi, keys["care"], rid), 409, openapi, SUBMIT, "post")
    assert_problem(api.put(path, json={"total": 100, "lines": lines()},
                           headers=auth(keys["care"], **{"If-Match": '"v2"'})), 409, openapi, ONE, "put")
    r = review(api, openapi, keys["council"], rid, "returned")
    assert pointers(assert_problem(r, 422, openapi, REVIEW, "post")) == {"/note"}
    r = review(api, openapi, keys["council"], rid, "returned", "Age bands look swapped.")
    assert r.status_code == 200 and r.json()["status"] == "returned"
    seen = openapi.validate(api.get(path, headers=auth(keys["care"])), ONE)
    assert seen["review"]["outcome"] == "returned" and seen["review"]["note"] == "Age bands look swapped."
    fixed = lines(age={"age_20_24": 70, "age_25_29": 30})
    r = api.put(path, json={"total": 100, "lines": fixed},
                headers=auth(keys["care"], **{"If-Match": '"v%d"' % seen["version"]}))
    assert r.status_code == 200, r.text
    assert submit(api, openapi, keys["care"], rid).status_code == 200
    assert review(api, openapi, keys["council"], rid, "accepted").status_code == 200
    for key in ("care", "council"):
        versions = openapi.validate(api.get(vpath, headers=auth(keys[key])), VERSIONS)
        assert [v["submission"] for v in versions["data"]] == [1, 2]
        assert versions["data"][0]["return"]["lines"]["age"] == {"age_20_24": 30, "age_25_29": 70}
        assert versions["data"][1]["return"]["lines"]["age"] == {"age_20_24": 70, "age_25_29": 30}
        assert all(v["return"]["status"] == "submitted" for v in versions["data"])
        assert versions["data"][0]["key_prefix"] == keys["care"][:15]
    assert_problem(api.put(path, json={"total": 100, "lines": lines()},
                           headers=auth(keys["care"], **{"If-Match": '"v7"'})), 412, openapi, ONE, "put")


def test_list_filters_and_csv(api, openapi, keys, window):
    r = api.get(RETURNS, params={"status": "accepted", "format": "csv"}, headers=auth(keys["council"]))
    openapi.validate(r, RETURNS)
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert rows and all(x["status"] == "accepted" for x in rows)
    assert_problem(api.get(RETURNS, params={"status": "lost"}, headers=auth(keys["council"])),
                   400, openapi, RETURNS)
    assert_problem(api.get(RETURNS, params={"window": "nope"}, headers=auth(keys["council"])),
                   400, openapi, RETURNS)
    assert_problem(api.get(RETURNS, params={"colour": "x"}, headers=auth(keys["council"])),
                   400, openapi, RETURNS)
    assert_problem(api.get(ONE.replace("{id}", "not-a-uuid"), headers=auth(keys["council"])),
                   404, openapi, ONE)


# ---------------------------------------------------------------------------
# the published summary
# ---------------------------------------------------------------------------

def add_partner(pg) -> str:
    slug = "rt-partner-" + secrets.token_hex(4)
    pg.psql(f"INSERT INTO organisations (slug, name, kind) VALUES ('{slug}', 'Test partner {slug}', 'partner')")
    return slug


def summary_table(body):
    return {(o["characteristic"], o["category"]): o for o in body["data"]}


def audit_summary(body, kind_chars):
    table = summary_table(body)
    for o in table.values():
        assert o["suppressed"] or not (1 <= o["value"] <= 4), o
        assert (o["value"] is None) == o["suppressed"], o
    # Every characteristic's categories add up to the one shared total.
    cells = {}
    for (ch, cat), o in table.items():
        cells[(ch, cat) if cat != "total" else ("*", "total")] = o
    relations = []
    for ch in kind_chars:
        parts = [k for k in cells if k[0] == ch]
        relations.append((("*", "total"), parts))
    assert pinned_by_bounds(cells, relations) == []
    return table


def test_summary_needs_three_partners_and_discloses_nothing_small(api, openapi, keys, pg):
    w = open_window(api, openapi, keys)
    slugs = [add_partner(pg) for _ in range(3)]
    pkeys = [make_key(s, "submit:returns") for s in slugs]
    bodies = [
        lines(ethnicity={"white_british": 97, "black_african": 3}, disability={"disabled": 2, "not_disabled": 98}),
        lines(ethnicity={"white_british": 60, "asian_indian": 40}, disability={"disabled": 1, "not_disabled": 99}),
        lines(ethnicity={"white_british": 70, "mixed_other": 28, "other_arab": 2},
              disability={"disabled": 1, "not_disabled": 99}),
    ]
    ids = []
    for k, b in zip(pkeys, bodies):
        r = api.post(RETURNS, json={"window": w["id"], "total": 100, "lines": b}, headers=auth(k))
        assert r.status_code == 201, r.text
        ids.append(r.json()["id"])
        assert submit(api, openapi, k, ids[-1]).status_code == 200

    def get_summary():
        r = api.get(SUMMARY, params={"window": w["id"]})
        body = openapi.validate(r, SUMMARY)
        assert r.status_code == 200 and "public" in r.headers["Cache-Control"]
        return body

    for n, rid in enumerate(ids[:2], start=1):
        assert review(api, openapi, keys["council"], rid).status_code == 200
        body = get_summary()
        assert body["meta"]["partners_contributing"] == n
        assert all(o["suppressed"] and o["value"] is None for o in body["data"]), body
    # Submitted (not accepted) returns never count.
    assert get_summary()["meta"]["partners_contributing"] == 2
    assert review(api, openapi, keys["council"], ids[2]).status_code == 200
    body = get_summary()
    assert body["meta"]["partners_contributing"] == 3 and body["meta"]["minimum_partners"] == 3
    table = audit_summary(body, WORKFORCE)
    assert table[("sex", "total")]["value"] == 300
    assert table[("sex", "female")]["value"] == 180
    assert table[("ethnicity", "white")]["value"] == 227
    assert table[("ethnicity", "asian")]["value"] == 40
    # black 3 and other 2 are small; one of them alone would be recoverable.
    assert table[("ethnicity", "black")]["suppressed"] and table[("ethnicity", "other")]["suppressed"]
    assert table[("disability", "disabled")]["suppressed"]
    assert table[("disability", "not_disabled")]["suppressed"]
    assert all(o["partners"] == 3 for o in body["data"])

    r = api.get(SUMMARY, params={"window": w["id"], "format": "csv"})
    openapi.validate(r, SUMMARY)
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert len(rows) == len(body["data"])
    for row in rows:
        assert row["value"] == "" or not (1 <= int(row["value"]) <= 4), row
    etag = api.get(SUMMARY, params={"window": w["id"]}).headers["ETag"]
    again = api.get(SUMMARY, params={"window": w["id"]}, headers={"If-None-Match": etag})
    assert again.status_code == 304


def test_summary_parameters(api, openapi):
    assert_problem(api.get(SUMMARY), 400, openapi, SUMMARY, parameter="window")
    assert_problem(api.get(SUMMARY, params={"window": "x"}), 400, openapi, SUMMARY)
    assert_problem(api.get(SUMMARY, params={"window": str(uuid.uuid4())}), 404, openapi, SUMMARY)


def test_seeded_demo_returns(api, openapi, keys, pg):
    states = pg.psql("SELECT DISTINCT status FROM partner_returns r JOIN return_windows w ON w.id = r.window_id"
                     " WHERE w.period IN ('2024/25', '2025/26 Q2')").split()
    assert set(states) == {"draft", "submitted", "accepted", "returned"}
    wid = pg.psql("SELECT id FROM return_windows WHERE kind = 'workforce' AND period = '2024/25'").strip()
    body = openapi.validate(api.get(SUMMARY, params={"window": wid}), SUMMARY)
    assert body["meta"]["partners_contributing"] == 3
    audit_summary(body, WORKFORCE)
    assert not summary_table(body)[("sex", "total")]["suppressed"]
    win = openapi.validate(api.get(WINDOW.replace("{id}", wid), headers=auth(keys["council"])), WINDOW)
    youth = [p for p in win["partners"] if p["organisation"] == "partner-youth"][0]
    assert youth["late"] is True and youth["status"] == "accepted"


def test_audit_events_for_every_write(api, openapi, keys, pg):
    w = open_window(api, openapi, keys)
    h = auth(keys["care"])
    r = api.post(RETURNS, json={"window": w["id"], "total": 100, "lines": lines()}, headers=h)
    assert r.status_code == 201
    out = pg.psql("SELECT action, outcome, target FROM audit_events WHERE client_request_id = '%s'" % h["X-Request-Id"])
    assert out.strip() == "partner_return.create|success|%s" % r.json()["id"], out
    h = auth(keys["youth"])
    api.post(SUBMIT.replace("{id}", r.json()["id"]), json={}, headers=h)
    out = pg.psql("SELECT action, outcome, status FROM audit_events WHERE client_request_id = '%s'" % h["X-Request-Id"])
    assert out.strip() == "partner_return.submit|refused|404", out
