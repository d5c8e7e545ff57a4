"""Notifications of changed data after COMMIT (migrations/0022), on the real
binary and database.

A transaction that calls pg_notify holds PostgreSQL's database-wide
notification lock across its commit's flush, so the service's writes ask
the change-log trigger not to notify and send the notification themselves
after COMMIT.  What must hold:
- the trigger still notifies every other writer (psql, imports) in its own
  transaction, and, asked not to, records the areas for the writer instead;
  the change-log row is written either way;
- a write through the API is still notified to every listener;
- a change whose notification never came (a process killed between COMMIT
  and its notification) still reaches the listeners, from the change log,
  within about a second: a parked long poll answers with it.
"""

from __future__ import annotations

import secrets
import subprocess
import threading
import time
import uuid

import harness
from harness import make_key

CHANGES = "/v1/changes"
NOTE = 'Asynchronous notification "eq_data_changed" with payload "%s"'
TOUCH_AREA = "UPDATE areas SET name = name WHERE code = 'E05013642';"


def psql_script(pg, *commands: str) -> str:
    """Each command a separate psql -c (notifications are printed after
    the command during which they arrived)."""
    args = [str(harness.PG_SCRIPT), "psql", pg.database, "-At", "-v", "ON_ERROR_STOP=1"]
    for c in commands:
        args += ["-c", c]
    p = subprocess.run(args, capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    return p.stdout


def test_other_writers_are_notified_by_the_trigger(pg):
    out = psql_script(pg, "LISTEN eq_data_changed; BEGIN; " + TOUCH_AREA + " COMMIT;", "SELECT 1")
    assert NOTE % "reference" in out


def test_a_frame_that_asks_is_not_notified_but_told_its_areas(pg):
    before = pg.psql("SELECT count(*) FROM change_log WHERE area = 'reference'")
    out = psql_script(
        pg,
        "LISTEN eq_data_changed; BEGIN;"
        " SELECT set_config('eq.notify', 'after_commit', true);" + TOUCH_AREA
        + " UPDATE areas SET name = name WHERE code = 'E05013643';"
        " SELECT 'changed=' || current_setting('eq.changed', true); COMMIT;",
        "SELECT 1")
    assert "changed=reference\n" in out
    assert "Asynchronous notification" not in out
    # The change itself is recorded, once for the transaction.
    after = pg.psql("SELECT count(*) FROM change_log WHERE area = 'reference'")
    assert int(after) == int(before) + 1


def test_an_api_write_is_notified_after_its_commit(server, api, pg):
    key = make_key("reporting-centre-north", "submit:hate-crime")
    listener = subprocess.Popen(
        [str(harness.PG_SCRIPT), "psql", pg.database, "-At", "-c", "LISTEN eq_data_changed",
         "-c", "SELECT pg_sleep(3)"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(1.0)   # LISTENing by now
        r = api.post("/v1/hate-crime/reports", json={
            "occurred_from": "2024-05-03", "reported_on": "2024-05-04",
            "location": {"kind": "ward", "ward": "E05013642"}, "strands": ["religion"],
            "offence_type": "public_order", "channel": "in_person",
            "submitter_reference": "N-" + uuid.uuid4().hex[:20]},
            headers={"Authorization": "Bearer " + key, "Idempotency-Key": secrets.token_hex(8)})
        assert r.status_code == 201, r.text
        out, err = listener.communicate(timeout=30)
    finally:
        listener.kill()
    assert listener.returncode == 0, err
    assert NOTE % "hate_crime" in out


def test_a_change_never_notified_reaches_a_parked_long_poll(server, api, pg):
    version = api.get(CHANGES).json()["version"]
    result: dict = {}

    def long_poll():
        t0 = time.monotonic()
        result["response"] = api.get(f"{CHANGES}?since={version}&wait=15&areas=reference",
                                     timeout=30)
        result["took"] = time.monotonic() - t0

    t = threading.Thread(target=long_poll)
    t.start()
    time.sleep(0.5)
    # As the frame writes, but no notification follows: as if the process
    # had been killed between COMMIT and its notification.
    pg.psql("BEGIN; SELECT set_config('eq.notify', 'after_commit', true); " + TOUCH_AREA
            + " COMMIT;")
    t.join(timeout=30)
    r = result["response"]
    assert r.status_code == 200, r.text
    assert [c["area"] for c in r.json()["changes"]] == ["reference"]
    assert result["took"] < 5.0, f"the long poll waited {result['took']:.1f} s for the change"
