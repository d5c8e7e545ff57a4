"""GET /v1/changes: the change log as an immediate answer, a long poll and a
server-sent event stream, on the real binary and database.

What it must show (issue #5): a PUT of an indicator value on one instance
changes the ETags of the indicator, its values and the scorecard, and shows
in /v1/changes and its event stream, on a second instance within a second;
resources whose data did not change keep their ETags.  Also: the cursor
never skips a change that commits late (a transaction that began earlier
and commits after a later one), rolled-back writes are never reported,
waiting requests hold no worker thread, a drain answers parked requests,
and every parameter is validated.
"""

from __future__ import annotations

import json
import secrets
import subprocess
import threading
import time

import pytest
import requests

import harness
from harness import make_key
from checks import assert_problem

CHANGES = "/v1/changes"
ONE = "/v1/indicators/{code}"
VALUES = "/v1/indicators/{code}/values"
SCORECARD = "/v1/scorecard"




@pytest.fixture(scope="module")
def manager():
    return make_key("barnet-council", "manage:indicators")


def current_version(client, openapi) -> str:
    r = client.get(CHANGES)
    body = openapi.validate(r, CHANGES)
    assert r.status_code == 200
    assert body["since"] is None and body["changes"] == [] and body["reset"] is False
    assert r.headers["Cache-Control"] == "no-store"
    return body["version"]


def create_indicator(pg, code: str) -> None:
    pg.psql(
        "INSERT INTO indicators (code, title, definition, unit, polarity, frequency, outcome,"
        " outcome_title, source, tolerance_kind, tolerance) VALUES ("
        f"'{code}', 'Test indicator', 'For the tests.', 'percent', 'higher_is_better',"
        " 'quarterly', 'tests-changes', 'Tests', 'tests', 'absolute', 2000)")


def drop_indicator(pg, code: str) -> None:
    pg.psql(f"DELETE FROM indicator_value_revisions WHERE indicator_code = '{code}';"
            f" DELETE FROM indicator_values WHERE indicator_code = '{code}';"
            f" DELETE FROM indicators WHERE code = '{code}'")


@pytest.fixture
def scratch_indicator(pg):
    """An indicator of its own, dropped afterwards so that the seeded
    counts other suites check are untouched."""
    code = "chg-" + secrets.token_hex(4)
    create_indicator(pg, code)
    yield code
    drop_indicator(pg, code)


def put_value(client, key: str, code: str, period: str, body: dict) -> requests.Response:
    """PUT a new quarter's value (no If-Match: it creates)."""
    fy, rest = period.split("/", 1)
    return client.put(f"/v1/indicators/{code}/values/{fy}/{rest.replace(' ', '-')}", json=body,
                      headers={"Authorization": "Bearer " + key})


def psql(pg, sql: str) -> str:
    return pg.psql(sql)


def areas_of(body) -> set[str]:
    return {c["area"] for c in body["changes"]}


# -- parameters -------------------------------------------------------------


@pytest.mark.parametrize("query,param", [
    ("since=abc", "since"),
    ("since=-1", "since"),
    ("since=1234567890123456789", "since"),
    ("since=", "since"),
    ("since=1&since=2", "since"),
    ("since=1&wait=61", "wait"),
    ("since=1&wait=-1", "wait"),
    ("since=1&wait=soon", "wait"),
    ("areas=indicators,nonsense", "areas"),
    ("areas=", "areas"),
    ("format=csv", "format"),
    ("cursor=x", "cursor"),
])
def test_bad_parameters_are_named(api, openapi, query, param):
    r = api.get(f"{CHANGES}?{query}")
    openapi.validate(r, CHANGES)
    assert_problem(r, 400)
    assert param in r.json()["detail"] or any(
        e.get("parameter") == param for e in r.json().get("errors", [])), r.json()


def test_without_since_the_current_version(api, openapi):
    v1 = int(current_version(api, openapi))
    v2 = int(current_version(api, openapi))
    assert v2 >= v1 > 0


def test_nothing_changed_answers_at_once_with_wait_0(api, openapi):
    v = current_version(api, openapi)
    t0 = time.monotonic()
    r = api.get(f"{CHANGES}?since={v}&wait=0&areas=workforce")
    body = openapi.validate(r, CHANGES)
    assert time.monotonic() - t0 < 1.0
    assert body == {"since": v, "version": body["version"], "reset": False, "changes": []}
    assert int(body["version"]) >= int(v)


def test_a_long_poll_ends_empty_when_its_wait_is_over(api, openapi):
    v = current_version(api, openapi)
    t0 = time.monotonic()
    r = api.get(f"{CHANGES}?since={v}&wait=1&areas=workforce")
    elapsed = time.monotonic() - t0
    body = openapi.validate(r, CHANGES)
    assert body["changes"] == [] and body["reset"] is False
    assert 0.9 <= elapsed < 3.0, elapsed


def test_a_write_is_reported_with_the_resources_it_changes(api, openapi, pg):
    v = current_version(api, openapi)
    psql(pg, "UPDATE areas SET name = name WHERE code = (SELECT min(code) FROM areas)")
    r = api.get(f"{CHANGES}?since={v}&wait=5")
    body = openapi.validate(r, CHANGES)
    assert "reference" in areas_of(body)
    ref = next(c for c in body["changes"] if c["area"] == "reference")
    assert "/v1/areas" in ref["resources"] and "/v1/areas/{code}" in ref["resources"]
    assert all(p.startswith("/v1/") for p in ref["resources"])
    assert int(body["version"]) > int(v)
    # Asking again from the new version: nothing more.
    again = openapi.validate(api.get(f"{CHANGES}?since={body['version']}&wait=0&areas=reference"),
                             CHANGES)
    assert again["changes"] == []


def test_areas_filter_leaves_other_areas_out(api, openapi, pg):
    v = current_version(api, openapi)
    psql(pg, "UPDATE areas SET name = name WHERE code = (SELECT min(code) FROM areas)")
    body = openapi.validate(api.get(f"{CHANGES}?since={v}&wait=1&areas=action_plan,workforce"),
                            CHANGES)
    assert "reference" not in areas_of(body)
    body = openapi.validate(api.get(f"{CHANGES}?since={v}&wait=0&areas=reference"), CHANGES)
    assert areas_of(body) == {"reference"}


def test_a_statement_that_changes_nothing_is_not_a_change(api, openapi, pg):
    v = current_version(api, openapi)
    psql(pg, "UPDATE areas SET name = name WHERE code = 'no-such-area'")
    body = openapi.validate(api.get(f"{CHANGES}?since={v}&wait=0&areas=reference"), CHANGES)
    assert body["changes"] == []


def test_one_log_row_per_transaction_and_area(pg):
    """A write touching several tables of one area (a report and its version
    row) records one row; another area in the same transaction, its own."""
    got = psql(pg, "BEGIN;"
               " UPDATE areas SET name = name WHERE code = (SELECT min(code) FROM areas);"
               " UPDATE characteristics SET name = name;"
               " UPDATE action_plans SET title = title;"
               " SELECT string_agg(area, ',' ORDER BY area) FROM change_log"
               "  WHERE xid = pg_current_xact_id()::text::bigint")
    assert got.splitlines()[-1] == "action_plan,reference"


def test_a_rolled_back_write_is_never_reported(api, openapi, pg):
    v = current_version(api, openapi)
    psql(pg, "BEGIN; UPDATE areas SET name = name || ' x'; ROLLBACK;")
    body = openapi.validate(api.get(f"{CHANGES}?since={v}&wait=1&areas=reference"), CHANGES)
    assert body["changes"] == []


def test_a_late_commit_is_not_skipped(api, openapi, pg):
    """A transaction that began writing first but commits last must still be
    reported: the cursor may not move past it while it is open."""
    v = current_version(api, openapi)
    holder = subprocess.Popen(
        [str(harness.PG_SCRIPT), "psql", harness.database_name(harness.TEST_DATABASE_URL),
         "-c", "BEGIN; UPDATE characteristics SET name = name; SELECT pg_sleep(1.5); COMMIT;"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        time.sleep(0.4)   # the holder has its transaction id now
        psql(pg, "UPDATE action_plans SET title = title")
        early = openapi.validate(api.get(f"{CHANGES}?since={v}&wait=0"), CHANGES)
        # While the older transaction is open, neither change is reported
        # and the cursor stays behind it.
        assert not ({"reference", "action_plan"} & areas_of(early)), early
        late = openapi.validate(api.get(f"{CHANGES}?since={early['version']}&wait=10"), CHANGES)
        seen = areas_of(late)
        if "reference" not in seen or "action_plan" not in seen:
            more = openapi.validate(api.get(f"{CHANGES}?since={late['version']}&wait=5"), CHANGES)
            seen |= areas_of(more)
        assert {"reference", "action_plan"} <= seen
    finally:
        _, err = holder.communicate(timeout=20)
        assert holder.returncode == 0, err


def test_a_cursor_from_elsewhere_or_too_old_resets(api, openapi, pg):
    body = openapi.validate(api.get(f"{CHANGES}?since=999999999999999&wait=0"), CHANGES)
    assert body["reset"] is True
    assert areas_of(body) == {"reference", "demographics", "hate_crime", "workforce",
                              "returns", "action_plan", "indicators"}
    assert all(c["changed_at"] is None for c in body["changes"])
    assert int(body["version"]) < 999999999999999
    old = current_version(api, openapi)
    psql(pg, "UPDATE areas SET name = name WHERE code = (SELECT min(code) FROM areas)")
    # Forget everything older than now: the cursor falls behind the line.
    psql(pg, "SELECT eq_prune_change_log(interval '0 seconds')")
    body = openapi.validate(api.get(f"{CHANGES}?since={old}&wait=0&areas=indicators"), CHANGES)
    assert body["reset"] is True and areas_of(body) == {"indicators"}
    fresh = current_version(api, openapi)
    body = openapi.validate(api.get(f"{CHANGES}?since={fresh}&wait=0"), CHANGES)
    assert body["reset"] is False


# -- two instances --------------------------------------------------------------


def test_a_put_on_one_instance_shows_on_another_within_a_second(server, start_server, make_client,
                                                               openapi, manager,
                                                               scratch_indicator):
    a = make_client(server)
    b_srv = start_server(name="second-instance")
    b = make_client(b_srv)
    code = scratch_indicator
    r = put_value(a, manager, code, "2024/25 Q1", {"target": 80, "actual": 78})
    assert r.status_code == 201, r.text
    changed = {
        "indicator": ONE.replace("{code}", code),
        "values": VALUES.replace("{code}", code),
        "scorecard": SCORECARD + "?period=2024/25%20Q2",
    }
    unchanged = {
        "areas": "/v1/areas",
        "other indicator": ONE.replace("{code}", "get-on-well"),
        "other scorecard": SCORECARD + "?period=2023/24%20Q1",
    }
    before = {}
    deadline = time.monotonic() + 2.0
    while time.monotonic() < deadline:   # b has seen the Q1 value
        if b.get(VALUES.replace("{code}", code)).json()["data"]:
            break
        time.sleep(0.05)
    for name, path in {**changed, **unchanged}.items():
        r = b.get(path)
        assert r.status_code == 200, (path, r.text)
        before[name] = r.headers["ETag"]
        assert b.get(path, headers={"If-None-Match": before[name]}).status_code == 304

    v = current_version(b, openapi)
    # A long poll and an event stream, both parked on the second instance.
    poll: dict = {}

    def long_poll():
        r = b.get(f"{CHANGES}?since={v}&wait=20&areas=indicators", timeout=30)
        poll["at"] = time.monotonic()
        poll["response"] = r

    stream_events: list = []
    stream_ready = threading.Event()

    def stream():
        with requests.get(b.url(f"{CHANGES}?since={v}&areas=indicators"),
                          headers={"Accept": "text/event-stream"}, stream=True, timeout=30) as r:
            stream_events.append(("headers", r.status_code, r.headers.get("Content-Type")))
            stream_ready.set()
            event: dict = {}
            for line in r.iter_lines(decode_unicode=True):
                if line == "":
                    if "data" in event:
                        event["at"] = time.monotonic()
                        stream_events.append(("event", event))
                        return
                    event = {}
                    continue
                if line.startswith(":"):
                    continue
                k, _, val = line.partition(": ")
                event[k] = val

    threads = [threading.Thread(target=long_poll), threading.Thread(target=stream)]
    for t in threads:
        t.start()
    assert stream_ready.wait(5)
    time.sleep(0.3)   # both parked
    assert "response" not in poll, "the long poll answered before any change"

    r = put_value(a, manager, code, "2024/25 Q2", {"target": 80, "actual": 81})
    put_at = time.monotonic()
    assert r.status_code == 201, r.text

    for t in threads:
        t.join(10)
    assert "response" in poll, "the long poll never answered"
    got = openapi.validate(poll["response"], CHANGES)
    assert areas_of(got) == {"indicators"}
    assert "/v1/scorecard" in got["changes"][0]["resources"]
    assert poll["at"] - put_at < 1.0, f"long poll answered {poll['at'] - put_at:.3f}s after the PUT"

    assert stream_events and stream_events[0][1] == 200
    assert stream_events[0][2].startswith("text/event-stream")
    kind, event = stream_events[-1]
    assert kind == "event" and event["event"] == "changes", stream_events
    data = json.loads(event["data"])
    openapi.validate_body(data, openapi.schema("Changes"), "event data")
    assert event["id"] == data["version"]
    assert areas_of(data) == {"indicators"}
    assert event["at"] - put_at < 1.0, f"stream event {event['at'] - put_at:.3f}s after the PUT"

    deadline = time.monotonic() + 1.0
    while True:
        now = {name: b.get(path).headers["ETag"] for name, path in changed.items()}
        if all(now[n] != before[n] for n in changed) or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    for name in changed:
        assert now[name] != before[name], f"{name}: ETag unchanged on the second instance"
    for name, path in unchanged.items():
        r = b.get(path, headers={"If-None-Match": before[name]})
        assert r.status_code == 304, f"{name}: ETag changed though its data did not"


# -- the event stream ----------------------------------------------------------------


def read_events(url: str, headers: dict, count: int, timeout: float = 10.0) -> list[dict]:
    events: list[dict] = []
    with requests.get(url, headers={"Accept": "text/event-stream", **headers}, stream=True,
                      timeout=timeout) as r:
        assert r.status_code == 200, r.text
        assert r.headers["Content-Type"].startswith("text/event-stream")
        assert r.headers["Cache-Control"] == "no-store"
        event: dict = {}
        for line in r.iter_lines(decode_unicode=True):
            if line == "":
                if event:
                    events.append(event)
                    if len([e for e in events if "data" in e]) >= count:
                        return events
                event = {}
                continue
            if line.startswith(":"):
                continue
            k, _, val = line.partition(": ")
            event[k] = val
    return events


def test_stream_starts_with_its_version_and_resumes_from_last_event_id(server, api, openapi, pg):
    events = read_events(server.url + CHANGES, {}, 1)
    assert events[0] == {"retry": "2000"}
    ready = events[1]
    assert ready["event"] == "ready"
    data = json.loads(ready["data"])
    openapi.validate_body(data, openapi.schema("Changes"), "ready data")
    assert ready["id"] == data["version"] and data["changes"] == []

    psql(pg, "UPDATE areas SET name = name WHERE code = (SELECT min(code) FROM areas)")
    # A reconnecting EventSource sends Last-Event-ID; it wins over since.
    events = read_events(server.url + CHANGES + "?since=999999999999999",
                         {"Last-Event-ID": ready["id"]}, 1)
    changes = [e for e in events if "data" in e][0]
    assert changes["event"] == "changes"
    data = json.loads(changes["data"])
    assert data["since"] == ready["id"] and data["reset"] is False
    assert "reference" in areas_of(data)

    r = api.get(CHANGES, headers={"Accept": "text/event-stream", "Last-Event-ID": "nope"})
    assert_problem(r, 400)


# -- waiting costs no thread; a drain answers the waiting ---------------------------


def test_parked_requests_hold_no_worker_thread(start_server, make_client, openapi):
    srv = start_server(name="few-threads", EQ_THREADS="2", EQ_DB_POOL_SIZE="2")
    c = make_client(srv)
    v = current_version(c, openapi)
    results: list = []

    def park():
        results.append(requests.get(srv.url + f"{CHANGES}?since={v}&wait=3&areas=workforce",
                                    timeout=15).status_code)

    threads = [threading.Thread(target=park) for _ in range(24)]
    for t in threads:
        t.start()
    time.sleep(0.5)
    t0 = time.monotonic()
    for _ in range(5):
        assert c.get("/healthz").status_code == 200
        assert c.get("/v1/areas").status_code == 200
    assert time.monotonic() - t0 < 1.0, "reads waited behind parked long polls"
    for t in threads:
        t.join(15)
    assert results == [200] * 24


def test_a_drain_answers_parked_long_polls_and_streams(start_server, make_client, openapi):
    srv = start_server(name="drain-changes")
    c = make_client(srv)
    v = current_version(c, openapi)
    out: dict = {}

    def park():
        out["poll"] = requests.get(srv.url + f"{CHANGES}?since={v}&wait=30", timeout=40)

    def stream():
        with requests.get(srv.url + CHANGES, headers={"Accept": "text/event-stream"},
                          stream=True, timeout=40) as r:
            out["stream"] = b"".join(r.iter_content(None))

    threads = [threading.Thread(target=park), threading.Thread(target=stream)]
    for t in threads:
        t.start()
    time.sleep(0.5)
    t0 = time.monotonic()
    assert srv.stop() == 0
    for t in threads:
        t.join(10)
    assert time.monotonic() - t0 < 3.0
    body = openapi.validate(out["poll"], CHANGES)
    assert body["changes"] == [] or body["reset"] is False
    assert b"event: ready" in out["stream"]
