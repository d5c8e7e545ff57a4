"""The service killed (SIGKILL) between its COMMIT and its reply.

The binary's test-only fault-injection point (meson -Dfault_injection=true,
see src/http/write.c) kills the process right after a write commits, before
a byte of the reply is queued: the client sees its connection drop with no
answer, though the write is in the database.  Its retry with the same
Idempotency-Key, to the service started again, must get the stored answer,
not a second record.
"""

from __future__ import annotations

import signal
import time

import pytest
import requests

import faultlib as fl


def crashing_server(start_server, name):
    srv = start_server(name=name, **fl.server_env(EQ_FAULT_INJECT="crash-after-commit"))
    srv.expected_returncode = -signal.SIGKILL
    try:
        srv.wait_for_log(lambda l: fl.FAULT_MARKER in str(l.get("msg")), timeout=3)
        compiled_in = True
    except AssertionError:
        compiled_in = False
    if not compiled_in:
        srv.expected_returncode = 0
        pytest.fail(
            f"{srv.log_path}: the binary has no fault-injection points (no log line "
            f"'{fl.FAULT_MARKER}'): build it with `meson configure BUILDDIR "
            "-Dfault_injection=true` (scripts/test does, for build/ and build-asan/)",
            pytrace=False)
    return srv


def post_and_die(srv, w: fl.Write):
    """Send ``w`` to a server that dies after COMMIT: no answer comes back."""
    try:
        r = requests.post(srv.url + w.path, data=w.data, timeout=10,
                          headers=fl.headers(w.key, **{"Idempotency-Key": w.idem}))
    except requests.ConnectionError:
        pass
    else:
        raise AssertionError(f"an answer came back from a server that should have died: "
                             f"{r.status_code} {r.text[:300]}")
    try:
        srv.proc.wait(10)
    except Exception:
        raise AssertionError("the server did not die at the fault-injection point\n"
                             + srv.log_tail())
    assert srv.proc.returncode == -signal.SIGKILL, (
        f"exit {srv.proc.returncode}, expected death by SIGKILL\n" + srv.log_tail())


def retry_gets_the_stored_answer(srv, w: fl.Write) -> dict:
    r = requests.post(srv.url + w.path, data=w.data, timeout=10,
                      headers=fl.headers(w.key, **{"Idempotency-Key": w.idem}))
    assert r.status_code == 201, r.text
    assert r.headers.get("Idempotent-Replayed") == "true", (
        "the retry was not answered from the stored result: " + str(dict(r.headers)))
    again = requests.post(srv.url + w.path, data=w.data, timeout=10,
                          headers=fl.headers(w.key, **{"Idempotency-Key": w.idem}))
    assert again.status_code == 201 and again.content == r.content
    return r.json()


def test_retry_after_a_crash_between_commit_and_reply(start_server, pg, openapi):
    centre = fl.make_key("reporting-centre-north", "submit:hate-crime")
    council = fl.make_key("barnet-council", "review:returns")
    care = fl.make_key("partner-care", "submit:returns")
    stamp = f"X{int(time.time() * 1000) % 10**9}"

    # 1. A hate-crime report.
    report = fl.Write("report", fl.HATE_REPORTS, centre, fl.hate_body(f"{stamp}-r"),
                      idem=f"{stamp}-report")
    post_and_die(crashing_server(start_server, "crash-1"), report)
    committed = pg.psql("SELECT id FROM hate_crime_reports WHERE submitter_reference = "
                        + fl.sql_literal(report.body["submitter_reference"]))
    assert committed and "\n" not in committed, (
        f"the write did not commit before the crash (rows: {committed!r}): "
        "the fault point is not after the COMMIT")

    # 2. A return window, and (3.) a partner's return in it, each crashing.
    window = fl.Write("window", fl.WINDOWS, council,
                      {"kind": "workforce", "period": fl.unused_periods(pg, "workforce", 1)[0],
                       "open_date": "2024-01-01", "due_date": "2099-12-31"},
                      idem=f"{stamp}-window")
    post_and_die(crashing_server(start_server, "crash-2"), window)
    window_id = pg.psql("SELECT id FROM return_windows WHERE kind = 'workforce' AND period = "
                        + fl.sql_literal(window.body["period"]))
    assert window_id and "\n" not in window_id
    ret = fl.Write("return", fl.RETURNS, care, fl.return_body(window_id), idem=f"{stamp}-return")
    post_and_die(crashing_server(start_server, "crash-3"), ret)

    # The service started again, without the fault: every retry is answered
    # from the stored result, with the id that was committed.
    srv = start_server(name="crash-restarted", **fl.server_env())
    got = retry_gets_the_stored_answer(srv, report)
    assert got["id"] == committed
    got = retry_gets_the_stored_answer(srv, window)
    assert got["id"] == window_id
    got = retry_gets_the_stored_answer(srv, ret)
    rows = pg.psql("SELECT r.id FROM partner_returns r JOIN organisations o"
                   " ON o.id = r.organisation_id WHERE o.slug = 'partner-care'"
                   f" AND r.window_id = '{window_id}'").splitlines()
    assert rows == [got["id"]], rows

    # Exactly one record each, and one stored answer per key.
    assert pg.psql("SELECT count(*) FROM hate_crime_reports WHERE submitter_reference = "
                   + fl.sql_literal(report.body["submitter_reference"])) == "1"
    assert pg.psql("SELECT count(*) FROM return_windows WHERE kind = 'workforce' AND period = "
                   + fl.sql_literal(window.body["period"])) == "1"
    assert pg.psql(f"SELECT count(*) FROM idempotency_keys WHERE key LIKE '{stamp}-%'") == "3"
    fl.figure("SIGKILL between COMMIT and reply: 3 writes (report, window, return) committed, "
              "client saw no answer; retries to the restarted service got the stored answer "
              "(Idempotent-Replayed, same id); duplicates=0")
