"""GET /v1/changes tells the public when a release of the hate-crime or
returns statistics is made, never when their live data changed (issue #13,
attack 3: "/v1/changes tells anyone when to look"); council keys that may
read the live figures still see every write of their areas.

A live write is made with psql (as an officer could), touching a row
without changing it, so the other suites' figures stay as they were.  The
releases this module makes are removed at the end (as tests/integration/
test_releases.py does).
"""

from __future__ import annotations

import threading
import time

import pytest

import harness
from checks import assert_problem

CHANGES = "/v1/changes"
TOUCH = {
    "hate_crime": "UPDATE hate_crime_reports SET updated_at = updated_at"
                  " WHERE id = (SELECT id FROM hate_crime_reports ORDER BY id LIMIT 1)",
    "returns": "UPDATE partner_returns SET updated_at = updated_at"
               " WHERE id = (SELECT id FROM partner_returns ORDER BY id LIMIT 1)",
}
CLEANUP = ("ALTER TABLE releases DISABLE TRIGGER releases_no_update; DELETE FROM releases;"
           " ALTER TABLE releases ENABLE TRIGGER releases_no_update;"
           " SELECT pg_notify('eq_data_changed', 'hate_crime');"
           " SELECT pg_notify('eq_data_changed', 'reference')")


@pytest.fixture(scope="module")
def keys():
    return {"admin": harness.make_key("barnet-council", "admin"),
            "hate_crime": harness.make_key("barnet-council", "read:hate-crime"),
            "returns": harness.make_key("barnet-council", "review:returns"),
            "other": harness.make_key("barnet-council", "manage:indicators")}


def bearer(key):
    return {"Authorization": f"Bearer {key}"} if key else {}


def version(api, openapi, key=None):
    r = api.get(CHANGES, headers=bearer(key))
    return openapi.validate(r, CHANGES)["version"]


def areas(api, openapi, since, key=None, wait=0, **params):
    r = api.get(CHANGES, params={"since": since, "wait": wait, **params}, headers=bearer(key))
    assert r.status_code == 200, r.text
    return {c["area"] for c in openapi.validate(r, CHANGES)["changes"]}


@pytest.mark.parametrize("area", ["hate_crime", "returns"])
def test_a_live_write_is_not_reported_to_the_public(api, openapi, pg, keys, area):
    v = version(api, openapi)
    pg.psql(TOUCH[area])
    # Not even the version moves for the public: it is no clock of writes.
    assert version(api, openapi) == v
    r = api.get(CHANGES, params={"since": v, "wait": 0})
    assert openapi.validate(r, CHANGES)["version"] == v
    # The council's keys that may read the area live are told at once ...
    assert area in areas(api, openapi, v, keys["admin"], wait=5)
    assert area in areas(api, openapi, v, keys[area], wait=5)
    # ... the public, and a council key for the other area, never.
    other = "returns" if area == "hate_crime" else "hate_crime"
    assert area not in areas(api, openapi, v)
    assert area not in areas(api, openapi, v, keys[other])
    # Other areas are told to everyone as before.
    pg.psql("UPDATE areas SET name = name WHERE code = (SELECT min(code) FROM areas)")
    assert "reference" in areas(api, openapi, v, wait=5)


def test_a_return_window_is_public_news(api, openapi, pg):
    """A window is public as it is written (/v1/return-windows/public):
    opening or moving one is reported to everyone."""
    v = version(api, openapi)
    pg.psql("UPDATE return_windows SET due_date = due_date"
            " WHERE id = (SELECT id FROM return_windows ORDER BY id LIMIT 1)")
    assert "returns" in areas(api, openapi, v, wait=5)


def test_a_public_long_poll_is_not_ended_by_a_live_write(server, openapi, pg):
    """Woken by the write's notification, the public waiter finds nothing
    it may see and waits on: its answer comes no earlier for the write."""
    client = harness.ApiClient(server.url)
    try:
        v = version(client, openapi)
        got = {}

        def poll():
            start = time.monotonic()
            r = client.get(CHANGES, params={"since": v, "wait": 3, "areas": "hate_crime,returns"})
            got["elapsed"], got["body"] = time.monotonic() - start, openapi.validate(r, CHANGES)

        t = threading.Thread(target=poll)
        t.start()
        time.sleep(0.5)
        pg.psql(TOUCH["hate_crime"])
        pg.psql(TOUCH["returns"])
        t.join(15)
        assert got["body"]["changes"] == []
        assert got["elapsed"] >= 2.5, got
    finally:
        client.close()


def test_a_release_is_reported_in_the_area_of_its_statistic(api, openapi, pg, keys):
    v = version(api, openapi)
    try:
        r = api.post("/v1/hate-crime/releases", json={"reason": "Monthly release."},
                     headers=bearer(keys["admin"]))
        assert r.status_code == 201, r.text
        seen = areas(api, openapi, v, wait=5)
        assert {"hate_crime", "reference"} <= seen
        hc = next(c for c in openapi.validate(
            api.get(CHANGES, params={"since": v, "wait": 0}), CHANGES)["changes"]
            if c["area"] == "hate_crime")
        assert "/v1/hate-crime/statistics" in hc["resources"]
        # Only the release: no returns news.
        assert "returns" not in seen
    finally:
        pg.psql(CLEANUP)


def test_an_event_stream_sends_the_public_no_live_write(server, openapi, pg):
    import requests

    v = version(harness.ApiClient(server.url), openapi)
    with requests.get(f"{server.url}{CHANGES}", params={"since": v, "areas": "hate_crime"},
                      headers={"Accept": "text/event-stream"}, stream=True, timeout=5) as r:
        assert r.status_code == 200
        pg.psql(TOUCH["hate_crime"])
        start, text = time.monotonic(), ""
        try:
            for chunk in r.iter_content(chunk_size=None, decode_unicode=True):
                text += chunk
                if time.monotonic() - start > 2:
                    break
        except requests.exceptions.ConnectionError:
            pass
        except requests.exceptions.ReadTimeout:
            pass
    assert "event: changes" not in text, text


@pytest.mark.parametrize("key,status", [("other", 403), ("partner", 403), ("bogus", 401)])
def test_a_key_that_may_not_read_live_figures_is_refused(api, openapi, keys, key, status):
    token = {"partner": lambda: harness.make_key("partner-care", "submit:returns"),
             "bogus": lambda: "eq_000000000000_" + "0" * 32}.get(key, lambda: keys[key])()
    r = api.get(CHANGES, headers=bearer(token))
    assert_problem(r, status, openapi, CHANGES)
