"""`equalities-api seed` makes a demo release history (issue #13: "a demo
release history, with at least one withdrawn report and one late return
between releases"), through the service itself, on a database of its own:
what an outsider who only reads the README and GET /v1/releases finds.
"""

from __future__ import annotations

import re

import pytest

import harness


@pytest.fixture(scope="module")
def seeded():
    url = harness.seeded_database("history")
    name = harness.database_name(url)
    server = harness.Server("history", env={"EQ_DATABASE_URL": url}).start()
    client = harness.ApiClient(server.url)
    try:
        yield {"url": url, "pg": harness.PgControl(database=name), "api": client}
    finally:
        client.close()
        server.stop()


def releases(api, openapi):
    r = api.get("/v1/releases")
    body = openapi.validate(r, "/v1/releases")
    assert r.status_code == 200 and body["links"].get("next") is None
    by = {}
    for rel in body["data"]:
        by.setdefault((rel["statistic"], rel["key"]), {})[rel["version"]] = rel
    return by


def test_a_fresh_seed_has_the_history(seeded, openapi):
    by = releases(seeded["api"], openapi)
    hc = by[("hate-crime", "all-years")]
    rs = next(v for (stat, _), v in by.items() if stat == "returns-summary")
    assert len(hc) >= 2 and len(rs) >= 2, by.keys()
    # The change log of each second release says what happened between.
    assert "1 report withdrawn since the previous release" in hc[2]["reason"], hc[2]
    assert hc[2]["changes"]["previous_version"] == 1
    assert "late return was accepted" in rs[2]["reason"], rs[2]
    assert rs[2]["changes"]["revised"] + rs[2]["changes"]["newly_withheld"] > 0, rs[2]
    assert rs[2]["made_at"] > hc[2]["made_at"] > rs[1]["made_at"] > hc[1]["made_at"]


def test_the_history_was_made_through_the_service(seeded):
    """The steps are the actors' own requests (audited), with keys that are
    revoked at the end: none is left to use."""
    pg = seeded["pg"]
    got = pg.psql("SELECT string_agg(DISTINCT action, ',' ORDER BY action) FROM audit_events"
                  " WHERE action IN ('release.create', 'hate_crime_report.update',"
                  " 'partner_return.submit', 'partner_return.review') AND outcome = 'success'")
    assert got.split(",") == ["hate_crime_report.update", "partner_return.review",
                              "partner_return.submit", "release.create"], got
    assert pg.psql("SELECT count(*) FROM api_keys WHERE revoked_at IS NULL") == "0"
    assert pg.psql("SELECT count(*) FROM api_keys") == "3"
    assert pg.psql("SELECT count(*) FROM hate_crime_reports"
                   " WHERE status = 'withdrawn' AND withdrawn_reason LIKE 'Demo history:%'") == "1"


def test_the_public_reads_the_latest_release(seeded, openapi):
    api = seeded["api"]
    by = releases(api, openapi)
    r = api.get("/v1/hate-crime/statistics", params={"group_by": "quarter"})
    assert r.status_code == 200, r.text
    assert r.json()["meta"]["release"]["id"] == by[("hate-crime", "all-years")][2]["id"]


def test_a_second_seed_makes_no_new_release(seeded, openapi):
    # The history's four, beside the demographics releases the seed's
    # import makes (unchanged counts: none the second time either).
    count = ("SELECT count(*) FILTER (WHERE statistic <> 'demographics') || ',' || count(*)"
             " FROM releases")
    before = seeded["pg"].psql(count)
    p = harness.run_cli("seed", env={"EQ_DATABASE_URL": seeded["url"], "EQ_SEED_HISTORY": None})
    assert p.returncode == 0, p.stderr[-2000:]
    assert "releases exist already" in p.stderr
    assert seeded["pg"].psql(count) == before
    assert before.split(",")[0] == "4" and int(before.split(",")[1]) > 4, before


def test_no_history_leaves_the_data_alone():
    """The switch: the test database itself is seeded with it (scripts/test)."""
    for args, env in ((("seed", "--no-history"), {}), (("seed",), {"EQ_SEED_HISTORY": "off"})):
        p = harness.run_cli(*args, env=env)
        assert p.returncode == 0, p.stderr[-2000:]
        assert "demo history" not in p.stderr and "releases exist" not in p.stderr
        assert re.search(r"seed complete: \d+ rows changed", p.stderr)
    p = harness.run_cli("seed", "--no-such-switch")
    assert p.returncode == 2
