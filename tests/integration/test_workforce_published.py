"""Published pay gaps: PUT /v1/workforce/snapshots/{as_of}/pay-gaps loads
figures an employer has published already (admin only) for a snapshot
without employee pay, and GET /v1/workforce/pay-gaps serves them as they
are, marked as published.  Computed figures are never overwritten.
"""

from __future__ import annotations

import copy
import secrets
import time

import pytest

import harness
from harness import make_key
from checks import assert_problem

TEMPLATE = "/v1/workforce/snapshots/{as_of}/pay-gaps"
PAY_GAPS = "/v1/workforce/pay-gaps"
SNAPSHOTS = "/v1/workforce/snapshots"
AS_OF = "2000-03-31"          # before every seeded snapshot; removed afterwards
COMPUTED_AS_OF = "2024-03-31"  # seeded from employee rows

BODY = {
    "source": "London Borough of Barnet: pay gap report 2000",
    "reference": "https://example.org/barnet/pay-gap-2000.pdf",
    "published_on": "2000-06-30",
    "sex": {
        "gaps": [{"group": "female", "mean_gap": 8.3, "median_gap": 0.0, "mean_bonus_gap": 58.3,
                  "median_bonus_gap": 58.3, "bonus_share_group": 40.0, "bonus_share_reference": 60.0}],
        "quartiles": [{"male": 50.0, "female": 50.0}, {"male": 46.2, "female": 53.8},
                      {"male": 41.7, "female": 58.3}, {"male": 61.5, "female": 38.5}],
    },
    "ethnicity": {
        "gaps": [{"group": "minoritised", "mean_gap": 12.4, "median_gap": -3.1},
                 {"group": "black", "mean_gap": 15.0, "median_gap": 9.9}],
    },
}


def path(as_of: str = AS_OF) -> str:
    return TEMPLATE.replace("{as_of}", as_of)




@pytest.fixture(scope="module")
def db():
    return harness.PgControl()


@pytest.fixture(scope="module")
def keys():
    k = {
        "admin": make_key("barnet-council", "admin"),
        "other": make_key("barnet-council", "read:hate-crime,submit:hate-crime"),
        "revoked": make_key("barnet-council", "admin"),
    }
    p = harness.run_cli("keys", "revoke", k["revoked"][:15])
    assert p.returncode == 0, p.stderr
    return k


def auth(key, **extra) -> dict:
    h = {"X-Request-Id": "wp-" + secrets.token_hex(8)}
    if key:
        h["Authorization"] = f"Bearer {key}"
    h.update(extra)
    return h


@pytest.fixture()
def cleanup(db):
    yield
    db.psql(f"DELETE FROM workforce_snapshots WHERE as_of = '{AS_OF}';"
            " SELECT pg_notify('eq_data_changed', 'workforce')")


@pytest.mark.parametrize("state", ["none", "malformed", "unknown", "revoked", "wrong_scope"])
def test_key_matrix(api, openapi, keys, db, state, cleanup):
    headers = {
        "none": auth(None),
        "malformed": auth(None, Authorization="Bearer abc"),
        "unknown": auth("eq_%s_%s" % (secrets.token_hex(6), secrets.token_hex(24))),
        "revoked": auth(keys["revoked"]),
        "wrong_scope": auth(keys["other"]),
    }[state]
    r = api.put(path(), json=BODY, headers=headers)
    if state == "wrong_scope":
        assert_problem(r, 403, openapi, TEMPLATE, "put")
    else:
        assert_problem(r, 401, openapi, TEMPLATE, "put")
        assert "WWW-Authenticate" in r.headers
    assert db.psql(f"SELECT count(*) FROM workforce_snapshots WHERE as_of = '{AS_OF}'") == "0"


def test_publish_then_get_shows_the_figures(api, openapi, keys, db, cleanup):
    h = auth(keys["admin"])
    r = api.put(path(), json=BODY, headers=h)
    assert r.status_code == 201, r.text[:400]
    body = openapi.validate(r, TEMPLATE, "put")
    assert body == {"as_of": AS_OF, "outcome": "created", "pay_basis": "published", "gaps": 3,
                    "quartile_shares": 8}
    assert r.headers["Location"] == f"{PAY_GAPS}?as_of={AS_OF}"
    out = db.psql(f"SELECT action, outcome, target FROM audit_events WHERE client_request_id = '{h['X-Request-Id']}'")
    assert out.strip() == f"workforce_pay_gaps.publish|success|workforce_snapshot:{AS_OF}", out

    snaps = openapi.validate(api.get(SNAPSHOTS), SNAPSHOTS)["data"]
    mine = [s for s in snaps if s["as_of"] == AS_OF][0]
    assert mine["pay_basis"] == "published" and mine["headcount"] == 0

    r = api.get(f"{PAY_GAPS}?as_of={AS_OF}")
    assert r.status_code == 200, r.text[:300]
    got = openapi.validate(r, PAY_GAPS)
    meta = got["meta"]
    assert meta["pay_basis"] == "published" and meta["basis"] == "published"
    assert meta["publication"] == {"source": BODY["source"], "reference": BODY["reference"],
                                   "published_on": BODY["published_on"]}
    assert "Published figures" in meta["source"]
    rows = got["data"]
    assert all(x["basis"] == "published" and x["suppressed"] is False for x in rows)
    values = {(x["characteristic"], x["group"], x["measure"], x["quartile"]): x["value"] for x in rows}
    expected = {}
    for ch in ("sex", "ethnicity"):
        for g in BODY[ch]["gaps"]:
            for m in ("mean_gap", "median_gap", "mean_bonus_gap", "median_bonus_gap",
                      "bonus_share_group", "bonus_share_reference"):
                expected[(ch, g["group"], m, None)] = g.get(m)
        for q, shares in enumerate(BODY[ch].get("quartiles", []), start=1):
            for cat, v in shares.items():
                expected[(ch, cat, "quartile_share", q)] = v
    assert values == expected
    ref = {x["group"]: x["reference"] for x in rows if x["measure"] == "mean_gap"}
    assert ref == {"female": "male", "minoritised": "white", "black": "white"}
    csv_r = api.get(f"{PAY_GAPS}?as_of={AS_OF}&format=csv")
    assert csv_r.status_code == 200 and "basis" in csv_r.text.splitlines()[0]
    # The computed snapshots say so.
    computed = openapi.validate(api.get(f"{PAY_GAPS}?as_of={COMPUTED_AS_OF}"), PAY_GAPS)
    assert computed["meta"]["basis"] == "computed" and computed["meta"]["publication"] is None
    assert all(x["basis"] == "computed" for x in computed["data"])


def test_re_put_is_idempotent_and_replaces(api, openapi, keys, db, cleanup):
    r = api.put(path(), json=BODY, headers=auth(keys["admin"]))
    assert r.status_code == 201, r.text[:300]
    r = api.put(path(), json=BODY, headers=auth(keys["admin"]))
    assert r.status_code == 200
    assert openapi.validate(r, TEMPLATE, "put")["outcome"] == "unchanged"
    changed = copy.deepcopy(BODY)
    changed["sex"]["gaps"][0]["mean_gap"] = 7.9
    del changed["ethnicity"]
    r = api.put(path(), json=changed, headers=auth(keys["admin"]))
    assert r.status_code == 200
    assert openapi.validate(r, TEMPLATE, "put")["outcome"] == "replaced"
    got = openapi.validate(api.get(f"{PAY_GAPS}?as_of={AS_OF}"), PAY_GAPS)["data"]
    assert {x["characteristic"] for x in got} == {"sex"}
    assert [x["value"] for x in got if x["measure"] == "mean_gap"] == [7.9]
    assert db.psql(f"SELECT count(*) FROM workforce_snapshots WHERE as_of = '{AS_OF}'") == "1"


def test_invalid_bodies_list_every_error(api, openapi, keys, db, cleanup):
    bad = copy.deepcopy(BODY)
    del bad["source"]
    bad["colour"] = "blue"
    bad["sex"]["gaps"][0]["mean_gap"] = "8.3"
    bad["sex"]["gaps"][0]["median_gap"] = 250
    bad["sex"]["gaps"].append({"group": "female", "mean_gap": 1, "median_gap": 1})
    bad["sex"]["quartiles"][1]["female"] = 60.0
    bad["sex"]["quartiles"][2]["martian"] = 0
    bad["ethnicity"]["gaps"][1]["group"] = "purple"
    bad["ethnicity"]["gaps"][0]["bonus_share_group"] = -1
    bad["disability"] = {"gaps": [{"group": "disabled"}], "quartiles": [{}, {}, {}]}
    r = api.put(path(), json=bad, headers=auth(keys["admin"]))
    body = assert_problem(r, 422, openapi, TEMPLATE, "put")
    pointers = {e["pointer"] for e in body["errors"]}
    # What the contract states, checked before the handler, all at once ...
    contract = {"/source", "/colour", "/sex/gaps/0/mean_gap", "/sex/gaps/0/median_gap",
                "/ethnicity/gaps/0/bonus_share_group", "/disability/gaps/0/mean_gap",
                "/disability/gaps/0/median_gap", "/disability/quartiles"}
    for p in contract:
        assert p in pointers, (p, pointers)
    # ... and the handler's rules (one row per group, quartiles summing to
    # 100) in a body the contract accepts, all at once.
    bad = copy.deepcopy(BODY)
    bad["sex"]["gaps"].append({"group": "female", "mean_gap": 1, "median_gap": 1})
    bad["sex"]["quartiles"][1]["female"] = 60.0
    bad["sex"]["quartiles"][2]["martian"] = 0
    bad["ethnicity"]["gaps"][1]["group"] = "purple"
    r = api.put(path(), json=bad, headers=auth(keys["admin"]))
    body = assert_problem(r, 422, openapi, TEMPLATE, "put")
    pointers = {e["pointer"] for e in body["errors"]}
    for p in ("/sex/gaps/1/group", "/sex/quartiles/1", "/sex/quartiles/2/martian",
              "/ethnicity/gaps/1/group"):
        assert p in pointers, (p, pointers)
    r = api.put(path(), json={"source": "x"}, headers=auth(keys["admin"]))
    assert_problem(r, 422, openapi, TEMPLATE, "put")
    assert db.psql(f"SELECT count(*) FROM workforce_snapshots WHERE as_of = '{AS_OF}'") == "0"


def test_other_refusals(api, openapi, keys, cleanup):
    admin = auth(keys["admin"])
    r = api.put(path(), data="{", headers={**admin, "Content-Type": "application/json"})
    assert_problem(r, 400, openapi, TEMPLATE, "put")
    r = api.put(path(), data="a,b\n", headers={**auth(keys["admin"]), "Content-Type": "text/csv"})
    assert_problem(r, 415, openapi, TEMPLATE, "put")
    r = api.put(path("2000-02-30"), json=BODY, headers=auth(keys["admin"]))
    assert_problem(r, 400, openapi, TEMPLATE, "put", parameter="as_of")


def test_computed_snapshot_is_409(api, openapi, keys, db):
    before = db.psql(f"SELECT pay_basis, md5(pay_gaps::text) FROM workforce_snapshots WHERE as_of = '{COMPUTED_AS_OF}'")
    h = auth(keys["admin"])
    r = api.put(path(COMPUTED_AS_OF), json=BODY, headers=h)
    assert_problem(r, 409, openapi, TEMPLATE, "put")
    assert r.json()["type"].endswith("pay-gaps-computed")
    after = db.psql(f"SELECT pay_basis, md5(pay_gaps::text) FROM workforce_snapshots WHERE as_of = '{COMPUTED_AS_OF}'")
    assert before == after and before.startswith("employee_rows")
    out = db.psql(f"SELECT action, outcome, status FROM audit_events WHERE client_request_id = '{h['X-Request-Id']}'")
    assert out.strip() == "workforce_pay_gaps.publish|refused|409", out


LATE_AS_OF = "2099-03-31"      # after every seeded snapshot; removed afterwards


@pytest.fixture()
def cleanup_late(db):
    yield
    db.psql(f"DELETE FROM workforce_snapshots WHERE as_of = '{LATE_AS_OF}';"
            " SELECT pg_notify('eq_data_changed', 'workforce')")


def test_a_figures_only_snapshot_is_not_the_default_profile(api, openapi, keys, db, cleanup_late):
    """Published figures for a later date make an empty snapshot: the
    profile and representation must still default to the latest snapshot
    with headcounts, and the pay gaps to the latest with figures."""
    before = openapi.validate(api.get("/v1/workforce/profile"), "/v1/workforce/profile")
    latest_counts = before["meta"]["snapshot"]["as_of"]
    assert latest_counts < LATE_AS_OF

    r = api.put(path(LATE_AS_OF), json=BODY, headers=auth(keys["admin"]))
    assert r.status_code == 201, r.text[:400]

    deadline = time.monotonic() + 2.0
    while True:
        gaps = openapi.validate(api.get(PAY_GAPS), PAY_GAPS)
        if gaps["meta"]["snapshot"]["as_of"] == LATE_AS_OF or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert gaps["meta"]["snapshot"]["as_of"] == LATE_AS_OF
    prof = openapi.validate(api.get("/v1/workforce/profile"), "/v1/workforce/profile")
    assert prof["meta"]["snapshot"]["as_of"] == latest_counts
    rep = api.get("/v1/workforce/representation", params={"characteristic": "sex"})
    assert openapi.validate(rep, "/v1/workforce/representation")["meta"]["workforce"]["as_of"] == latest_counts
