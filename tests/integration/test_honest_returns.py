"""Honest partner returns (issue 16): people who did not declare are
counted (prefer_not_to_say, not_known) and shown in the summary; HR age
bands in a window that declares them; adult-only measures add up to the
adult total; windows listed publicly without any partner's state; notes,
recall before review, the lateness of a correction, and messages that give
the next step.  Every response is checked against api/openapi.yaml.
"""

from __future__ import annotations

import csv
import io
import secrets

import pytest

from harness import make_key
from checks import assert_problem, pinned_by_bounds
from test_returns import (RETURNS, ONE, SUBMIT, SUMMARY, WINDOWS, auth, add_partner, create,
                          lines, pointers, review, submit)

PUBLIC = "/v1/return-windows/public"
RECALL = "/v1/returns/{id}/recall"
USERS = ["sex", "ethnicity", "disability", "age", "religion", "sexual_orientation"]


@pytest.fixture(scope="module")
def keys():
    return {
        "care": make_key("partner-care", "submit:returns"),
        "youth": make_key("partner-youth", "submit:returns"),
        "council": make_key("barnet-council", "review:returns"),
    }


def post_window(api, openapi, keys, kind, period, **extra):
    body = {"kind": kind, "period": period, "open_date": "2000-01-01", "due_date": "2999-12-31"}
    body.update(extra)
    r = api.post(WINDOWS, json=body, headers=auth(keys["council"]))
    openapi.validate(r, WINDOWS, "post")
    return r


def fresh_window(api, openapi, keys, kind="workforce", **extra) -> dict:
    for _ in range(20):
        y = 3000 + secrets.randbelow(5000)
        r = post_window(api, openapi, keys, kind, f"{y}/{(y + 1) % 100:02d}", **extra)
        if r.status_code == 201:
            return r.json()
    raise AssertionError("no free period")


def users_lines(adults=60, **over) -> dict:
    b = lines(religion={"no_religion": 70, "prefer_not_to_say": 30},
              sexual_orientation={"straight": adults - 10, "not_known": 10})
    b.update(over)
    return b


def post_return(api, key, window_id, total, body_lines, **extra):
    payload = {"window": window_id, "total": total, "lines": body_lines}
    payload.update(extra)
    return api.post(RETURNS, json=payload, headers=auth(key))


def test_undeclared_people_are_counted_and_summarised(api, openapi, keys, pg):
    w = fresh_window(api, openapi, keys, "service_users")
    assert w["universe"] == "everyone" and w["age_bands"] == "census"
    assert {c["code"]: c["adds_up_to"] for c in w["characteristics"]}["sexual_orientation"] == "adult_total"
    assert w["undeclared_codes"] == ["prefer_not_to_say", "not_known"]
    slugs = [add_partner(pg) for _ in range(3)]
    for n, slug in enumerate(slugs):
        k = make_key(slug, "submit:returns")
        body = users_lines(sex={"female": 50, "male": 30, "prefer_not_to_say": 20},
                           ethnicity={"white_british": 60, "not_known": 40})
        r = post_return(api, k, w["id"], 100, body, adult_total=60)
        got = openapi.validate(r, RETURNS, "post")
        assert r.status_code == 201, r.text
        assert got["adult_total"] == 60 and got["lines"]["sex"]["prefer_not_to_say"] == 20
        assert submit(api, openapi, k, got["id"]).status_code == 200
        assert review(api, openapi, keys["council"], got["id"]).status_code == 200
    r = api.get(SUMMARY, params={"window": w["id"]})
    body = openapi.validate(r, SUMMARY)
    table = {(o["characteristic"], o["category"]): o for o in body["data"]}
    assert table[("sex", "prefer_not_to_say")]["value"] == 60
    assert table[("ethnicity", "not_known")]["value"] == 120
    assert table[("sex", "total")]["value"] == 300
    # Sexual orientation sits under the adult total, not the total.
    assert ("sexual_orientation", "total") not in table
    assert table[("sexual_orientation", "adult_total")]["value"] == 180
    assert table[("sexual_orientation", "not_known")]["value"] == 30
    assert "denominator" in body["meta"]["undeclared"]
    # Nothing small is published or derivable, with two bases.
    cells, relations = {}, []
    for (ch, cat), o in table.items():
        assert o["suppressed"] or not (1 <= o["value"] <= 4), o
        cells[("*", cat) if cat in ("total", "adult_total") else (ch, cat)] = o
    for ch in USERS:
        base = ("*", "adult_total") if ch == "sexual_orientation" else ("*", "total")
        relations.append((base, [k for k in cells if k[0] == ch]))
    assert pinned_by_bounds(cells, relations) == []
    rows = list(csv.DictReader(io.StringIO(api.get(SUMMARY, params={"window": w["id"],
                                                                   "format": "csv"}).text)))
    assert any(x["category"] == "prefer_not_to_say" for x in rows)


def test_unknown_codes_say_what_is_accepted(api, openapi, keys):
    w = fresh_window(api, openapi, keys)
    r = post_return(api, keys["care"], w["id"], 100, lines(sex={"female": 60, "unknown": 40}))
    body = assert_problem(r, 422, openapi, RETURNS, "post")
    err = [e for e in body["errors"] if e["pointer"] == "/lines/sex/unknown"][0]
    assert "prefer_not_to_say" in err["detail"] and "not_known" in err["detail"]
    # Counts that do not add up say how to count the rest.
    r = post_return(api, keys["care"], w["id"], 100, lines(sex={"female": 60}))
    body = assert_problem(r, 422, openapi, RETURNS, "post")
    assert "not_known" in [e for e in body["errors"] if e["pointer"] == "/lines/sex"][0]["detail"]


def test_hr_age_bands_in_a_window_that_declares_them(api, openapi, keys):
    w = fresh_window(api, openapi, keys, age_bands="hr")
    age = [c for c in w["characteristics"] if c["code"] == "age"][0]
    assert age["codes"][0] == "age_16_24" and age["categories_url"] is None
    hr = lines(age={"age_16_24": 20, "age_25_34": 30, "age_65_plus": 45, "not_known": 5})
    r = post_return(api, keys["care"], w["id"], 100, hr)
    assert r.status_code == 201, r.text
    census = fresh_window(api, openapi, keys)
    body = assert_problem(post_return(api, keys["care"], census["id"], 100, hr), 422, openapi,
                          RETURNS, "post")
    assert pointers(body) == {"/lines/age/age_16_24", "/lines/age/age_25_34", "/lines/age/age_65_plus"}
    assert "HR age band" in body["errors"][0]["detail"]
    r = post_window(api, openapi, keys, "workforce", "2300/01", age_bands="fortnightly")
    assert_problem(r, 400 if r.status_code == 400 else 422, openapi, WINDOWS, "post")


def test_adult_only_measures_add_up_to_the_adult_total(api, openapi, keys):
    w = fresh_window(api, openapi, keys, "service_users")
    r = post_return(api, keys["care"], w["id"], 100, users_lines())
    body = assert_problem(r, 422, openapi, RETURNS, "post")
    assert pointers(body) == {"/adult_total", "/lines/sexual_orientation"} or \
        pointers(body) == {"/adult_total"}
    r = post_return(api, keys["care"], w["id"], 100, users_lines(adults=100), adult_total=60)
    body = assert_problem(r, 422, openapi, RETURNS, "post")
    assert pointers(body) == {"/lines/sexual_orientation"}
    assert "adult_total" in body["errors"][0]["detail"]
    r = post_return(api, keys["care"], w["id"], 100, users_lines(), adult_total=60)
    assert r.status_code == 201, r.text
    # A window of adults only: orientation adds up to the total.
    adults = fresh_window(api, openapi, keys, "service_users", universe="adults")
    r = post_return(api, keys["care"], adults["id"], 100, users_lines(adults=100))
    assert r.status_code == 201, r.text


def test_windows_are_listed_publicly_without_partners(api, openapi, keys):
    w = fresh_window(api, openapi, keys, "service_users", age_bands="hr")
    seen, url = [], PUBLIC + "?kind=service_users&limit=50"
    while url:
        r = api.get(url)
        body = openapi.validate(r, PUBLIC)
        assert r.status_code == 200 and "public" in r.headers["Cache-Control"]
        assert "ETag" in r.headers
        seen += body["data"]
        url = body["links"].get("next")
    mine = [x for x in seen if x["id"] == w["id"]][0]
    assert "partners" not in mine and mine["title"].startswith("Service users")
    assert [c["code"] for c in mine["characteristics"]] == USERS
    r = api.get(PUBLIC, params={"format": "csv", "limit": 1})
    openapi.validate(r, PUBLIC)
    assert r.text.splitlines()[0] == "id,title,kind,period,open_date,due_date,state,age_bands,universe,data_status"


def test_notes_and_recall_before_review(api, openapi, keys):
    w = fresh_window(api, openapi, keys)
    notes = "Two sites merged in May.\nAgency staff are not counted."
    r = post_return(api, keys["care"], w["id"], 100, lines(), notes=notes)
    ret = openapi.validate(r, RETURNS, "post")
    assert ret["notes"] == notes
    rid = ret["id"]
    recall = RECALL.replace("{id}", rid)
    r = api.post(recall, json={}, headers=auth(keys["care"]))
    got = assert_problem(r, 409, openapi, RECALL, "post")
    assert "PUT" in got["detail"]
    assert submit(api, openapi, keys["care"], rid).status_code == 200
    # Another partner cannot see it, so cannot recall it.
    assert_problem(api.post(recall, json={}, headers=auth(keys["youth"])), 404, openapi, RECALL, "post")
    r = api.post(recall, json={}, headers=auth(keys["care"]))
    got = openapi.validate(r, RECALL, "post")
    assert r.status_code == 200 and got["status"] == "draft" and got["submissions"] == 1
    r = api.put(ONE.replace("{id}", rid), json={"total": 100, "lines": lines(), "notes": "Fixed."},
                headers=auth(keys["care"], **{"If-Match": r.headers["ETag"]}))
    assert openapi.validate(r, ONE, "put")["notes"] == "Fixed."
    assert submit(api, openapi, keys["care"], rid).status_code == 200
    assert review(api, openapi, keys["council"], rid).status_code == 200
    r = api.post(recall, json={}, headers=auth(keys["care"]))
    got = assert_problem(r, 409, openapi, RECALL, "post")
    assert "accepted" in got["detail"] and "final" in got["detail"]


def test_a_correction_of_an_on_time_return_is_not_late(api, openapi, keys, pg):
    w = fresh_window(api, openapi, keys)
    ret, _ = create(api, openapi, keys["care"], w["id"])
    assert submit(api, openapi, keys["care"], ret["id"]).status_code == 200
    assert review(api, openapi, keys["council"], ret["id"], "returned", "Check the ages.").status_code == 200
    # The due date passes while the partner corrects it.
    pg.psql(f"UPDATE return_windows SET open_date = '2000-01-01', due_date = '2000-01-02' WHERE id = '{w['id']}'")
    r = submit(api, openapi, keys["care"], ret["id"])
    assert r.status_code == 200, r.text
    assert r.json()["late"] is False and r.json()["late_reason"] is None
    # A first submission after the due date is late, and so is its correction.
    other, _ = create(api, openapi, keys["youth"], w["id"])
    reason = "Our HR extract was delayed.\nIt arrived on 3 July."
    r = submit(api, openapi, keys["youth"], other["id"], {"late_reason": reason})
    assert r.status_code == 200 and r.json()["late"] is True and r.json()["late_reason"] == reason
    assert review(api, openapi, keys["council"], other["id"], "returned", "Totals.").status_code == 200
    r = submit(api, openapi, keys["youth"], other["id"])
    assert pointers(assert_problem(r, 422, openapi, SUBMIT, "post")) == {"/late_reason"}


def test_messages_give_the_next_step(api, openapi, keys):
    w = fresh_window(api, openapi, keys)
    ret, _ = create(api, openapi, keys["care"], w["id"])
    r = post_return(api, keys["care"], w["id"], 100, lines())
    body = assert_problem(r, 409, openapi, RETURNS, "post")
    assert ret["id"] in body["detail"] and ret["id"] in body["errors"][0]["detail"]
    r = api.put(ONE.replace("{id}", ret["id"]), json={"total": 100, "lines": lines()},
                headers=auth(keys["care"], **{"If-Match": "v1"}))
    body = assert_problem(r, 412, openapi, ONE, "put")
    assert "quoted" in body["detail"] and r.headers["ETag"] == '"v1"'
    # "*" matches the current version (RFC 9110 13.1.1).
    r = api.put(ONE.replace("{id}", ret["id"]), json={"total": 100, "lines": lines()},
                headers=auth(keys["care"], **{"If-Match": "*"}))
    assert openapi.validate(r, ONE, "put")["version"] == 2


def test_a_poll_sees_a_change_at_once(api, openapi, keys):
    """Cache-Control: public, no-cache - a dashboard revalidates with its
    ETag every time: 304 while nothing changed, the new figures at once
    after a change (no max-age window of stale reads)."""
    r = api.get(PUBLIC, params={"limit": 500})
    openapi.validate(r, PUBLIC)
    assert r.headers["Cache-Control"] == "public, no-cache"
    etag = r.headers["ETag"]
    again = api.get(PUBLIC, params={"limit": 500}, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.headers["Cache-Control"] == "public, no-cache"
    fresh_window(api, openapi, keys)
    changed = api.get(PUBLIC, params={"limit": 500}, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag


def test_every_operation_declares_429(openapi):
    """The rate limit applies before routing (a crawler pays like anyone),
    so every operation may answer 429, and the contract says so on each."""
    missing = [f"{m.upper()} {p}" for p, ops in openapi.doc["paths"].items()
               for m, op in ops.items() if m != "parameters" and "429" not in op["responses"]]
    assert missing == []
