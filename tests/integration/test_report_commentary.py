"""The council's commentary on the sections of the Annual Equalities Report.

PUT /v1/reports/annual/{year}/sections/{section}/commentary on the real
binary and database: the first one created without If-Match (201), a
replacement only with the current version (428 without, 412 stale), every
version kept with its key prefix and request id, the report carrying the
current text in the section's ``commentary``; the scope; a section or year
no report has 404. Every response is checked against api/openapi.yaml.
"""

from __future__ import annotations

import secrets

import pytest

from harness import make_key
from checks import assert_problem

REPORT = "/v1/reports/annual/{year}"
ONE = "/v1/reports/annual/{year}/sections/{section}/commentary"
VERSIONS = ONE + "/versions"
YEAR = "2019-20"     # no other test writes its commentary


@pytest.fixture(scope="module")
def keys():
    return {
        "council": make_key("barnet-council", "manage:reports"),
        "other": make_key("barnet-council", "manage:indicators,admin"),
    }


@pytest.fixture(autouse=True)
def clean(pg):
    pg.psql(f"DELETE FROM report_commentary_versions WHERE commentary_id LIKE '{YEAR}/%';"
            f" DELETE FROM report_commentary WHERE year = '{YEAR}'")


def at(template: str, section: str, year: str = YEAR) -> str:
    return template.replace("{year}", year).replace("{section}", section)


def auth(key, **extra) -> dict:
    h = {"X-Request-Id": "rc-" + secrets.token_hex(8)}
    if key:
        h["Authorization"] = "Bearer " + key
    h.update(extra)
    return h


def put(api, openapi, key, section, body, **headers):
    r = api.put(at(ONE, section), json=body, headers=auth(key, **headers))
    if r.status_code < 300:
        openapi.validate(r, ONE, "put")
    return r


def test_create_replace_and_versions(api, openapi, keys, pg):
    mark = pg.psql("SELECT coalesce(max(id), 0) FROM audit_events")
    text = "Reports rose in the third quarter.\nTwo new reporting centres opened."
    r = put(api, openapi, keys["council"], "hate_crime", {"text": text})
    assert r.status_code == 201, r.text
    assert r.headers["ETag"] == '"v1"' and r.json()["text"] == text and r.json()["version"] == 1
    # Again without If-Match: the commentary exists, so it names its version.
    assert_problem(put(api, openapi, keys["council"], "hate_crime", {"text": "x"}),
                   428, openapi, ONE, "put")
    assert_problem(put(api, openapi, keys["council"], "hate_crime", {"text": "x"},
                       **{"If-Match": '"v7"'}), 412, openapi, ONE, "put")
    r = put(api, openapi, keys["council"], "hate_crime", {"text": "Revised."},
            **{"If-Match": '"v1"'})
    assert r.status_code == 200, r.text
    assert r.headers["ETag"] == '"v2"' and r.json()["text"] == "Revised." and r.json()["version"] == 2
    # The stale version is refused now.
    assert_problem(put(api, openapi, keys["council"], "hate_crime", {"text": "y"},
                       **{"If-Match": '"v1"'}), 412, openapi, ONE, "put")

    g = api.get(at(ONE, "hate_crime"))
    assert openapi.validate(g, ONE) == {"text": "Revised.", "version": 2,
                                        "updated_at": g.json()["updated_at"]}
    assert g.status_code == 200 and g.headers["ETag"] == '"v2"'

    v = api.get(at(VERSIONS, "hate_crime"))
    got = openapi.validate(v, VERSIONS)
    assert v.status_code == 200
    assert [(x["version"], x["commentary"]["text"]) for x in got["data"]] == \
        [(1, text), (2, "Revised.")]
    assert all(x["key_prefix"] == keys["council"][:15] for x in got["data"])
    # The request ids are the audit's for the two successful writes.
    ids = pg.psql("SELECT string_agg(request_id, ',' ORDER BY id) FROM audit_events"
                  f" WHERE action = 'report_commentary.put' AND target = '{YEAR}/hate_crime' AND id > {mark}"
                  " AND outcome = 'success'").split(",")
    assert [x["request_id"] for x in got["data"]] == ids

    # The report carries the current text in that section, null elsewhere.
    rep = api.get(REPORT.replace("{year}", YEAR))
    body = openapi.validate(rep, REPORT)
    assert rep.status_code == 200
    assert body["sections"]["hate_crime"]["commentary"]["text"] == "Revised."
    assert body["sections"]["hate_crime"]["commentary"]["version"] == 2
    assert all(s["commentary"] is None for k, s in body["sections"].items() if k != "hate_crime")

    audit = pg.psql("SELECT string_agg(outcome || ' ' || status, ',' ORDER BY id) FROM audit_events"
                    f" WHERE action = 'report_commentary.put' AND target = '{YEAR}/hate_crime' AND id > {mark}")
    assert audit.split(",")[:2] == ["success 201", "refused 428"]
    assert "success 200" in audit


def test_scope_and_names(api, openapi, keys):
    body = {"text": "Fine."}
    assert_problem(put(api, openapi, None, "workforce", body), 401, openapi, ONE, "put")
    assert_problem(put(api, openapi, keys["other"], "workforce", body), 403, openapi, ONE, "put")
    assert_problem(put(api, openapi, keys["council"], "summary", body), 404, openapi, ONE, "put")
    r = api.put(at(ONE, "workforce", "2024-26"), json=body, headers=auth(keys["council"]))
    assert_problem(r, 404, openapi, ONE, "put")
    # If-Match on a section without commentary names a version there is not.
    assert_problem(put(api, openapi, keys["council"], "workforce", body, **{"If-Match": '"v1"'}),
                   412, openapi, ONE, "put")
    for path in (at(ONE, "workforce"), at(VERSIONS, "workforce"), at(ONE, "nope"),
                 at(VERSIONS, "objective", "2024-26")):
        assert_problem(api.get(path), 404, openapi, ONE if path.endswith("commentary") else VERSIONS)
    rep = openapi.validate(api.get(REPORT.replace("{year}", YEAR)), REPORT)
    assert all(s["commentary"] is None for s in rep["sections"].values())


@pytest.mark.parametrize("body, pointer", [
    ({"text": ""}, "/text"),
    ({"text": "bell\u0007"}, "/text"),
    ({"text": "x" * 4001}, "/text"),
    ({"text": "ok", "by": "me"}, "/by"),
])
def test_bad_bodies(api, openapi, keys, body, pointer):
    r = put(api, openapi, keys["council"], "objective", body)
    assert r.status_code in (400, 422), r.text
    assert_problem(r, r.status_code, openapi, ONE, "put")
    assert api.get(at(ONE, "objective")).status_code == 404
