"""No request waits on PostgreSQL without a bound (src/db/db.h): a lock held
elsewhere, a statement that runs too long, a server that stops answering and
a pool with no free connection each give a prompt 503 problem with
Retry-After, never a hang, and the service is whole again afterwards.

A lock is held by a real psql session in another process (scripts/pg psql:
BEGIN; LOCK TABLE ...; SELECT pg_sleep(30)), ended by pg_terminate_backend.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import os
import signal
import subprocess
import time
import uuid

import pytest

import harness
from harness import make_key
from checks import assert_problem

REPORTS = "/v1/hate-crime/reports"


@contextlib.contextmanager
def holding_lock(pg, table: str, mode: str):
    """A psql session holding ``LOCK TABLE table IN mode MODE`` until the
    block ends."""
    app = "eq-lock-" + uuid.uuid4().hex[:8]
    sql = f"BEGIN; LOCK TABLE {table} IN {mode} MODE; SELECT pg_sleep(30);"
    proc = subprocess.Popen(
        [str(harness.PG_SCRIPT), "psql", pg.database, "-v", "ON_ERROR_STOP=1", "-c", sql],
        env={**os.environ, "PGAPPNAME": app}, stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while pg.psql(
                "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a USING (pid)"
                f" WHERE a.application_name = '{app}' AND l.relation = '{table}'::regclass"
                " AND l.granted") != "1":
            assert proc.poll() is None, "the psql holding the lock exited early"
            assert time.monotonic() < deadline, f"no lock on {table} after 10 s"
            time.sleep(0.05)
        yield
    finally:
        pg.psql(f"SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                f" WHERE application_name = '{app}'")
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()




@pytest.fixture(scope="module")
def key():
    return make_key("reporting-centre-north", "submit:hate-crime,read:hate-crime")


def report() -> dict:
    return harness.report_body("DBL-")


def timed(fn, *a, **kw):
    t0 = time.monotonic()
    r = fn(*a, **kw)
    return r, time.monotonic() - t0


def assert_unavailable(r, openapi, template, method="get"):
    body = assert_problem(r, 503, openapi, template, method)
    assert body["type"] == "urn:equalities:problem:unavailable", body
    assert r.headers.get("Retry-After", "").isdigit(), r.headers
    return body


def test_a_write_behind_a_lock_gets_503_within_the_lock_timeout(start_server, make_client,
                                                                  pg, openapi, key):
    srv = start_server(EQ_LOCK_TIMEOUT_MS="500")
    c = make_client(srv)
    auth = {"Authorization": "Bearer " + key}
    # A first write opens the connection and prepares every statement.
    assert c.post(REPORTS, json=report(), headers=auth).status_code == 201
    idem = {**auth, "Idempotency-Key": "dbl-" + uuid.uuid4().hex}
    body = report()
    with holding_lock(pg, "hate_crime_reports", "EXCLUSIVE"):
        r, took = timed(c.post, REPORTS, json=body, headers=idem)
        assert_unavailable(r, openapi, REPORTS, "post")
        # It did wait for the lock (this is the lock timeout at work, not
        # some other failure), and not much longer.
        assert 0.4 <= took < 2.5, took
        # Reads are not blocked by this lock mode and are served meanwhile.
        assert c.get(REPORTS, headers=auth).status_code == 200
    srv.wait_for_log(lambda l: l.get("msg") == "lock wait timed out")
    # Nothing was stored under the key: the retry writes, once.
    r = c.post(REPORTS, json=body, headers=idem)
    assert r.status_code == 201, r.text
    assert "Idempotent-Replayed" not in r.headers
    n = pg.psql("SELECT count(*) FROM hate_crime_reports WHERE submitter_reference = "
                f"'{body['submitter_reference']}'")
    assert n == "1", n


def test_a_read_behind_a_lock_gets_503_within_the_statement_timeout(start_server, make_client,
                                                                     pg, openapi):
    # No lock_timeout: the statement_timeout is what must end the wait.
    srv = start_server(EQ_LOCK_TIMEOUT_MS="0", EQ_STATEMENT_TIMEOUT_MS="600",
                       EQ_RESPONSE_CACHE="off")
    c = make_client(srv)
    assert c.get("/v1/areas", params={"limit": "9"}).status_code == 200
    with holding_lock(pg, "areas", "ACCESS EXCLUSIVE"):
        r, took = timed(c.get, "/v1/areas", params={"limit": "9"})
        assert_unavailable(r, openapi, "/v1/areas")
        assert 0.5 <= took < 2.5, took
        h, took = timed(c.get, "/healthz")
        assert h.status_code == 200 and took < 0.5
    srv.wait_for_log(lambda l: l.get("msg") == "statement timed out")
    r = c.get("/v1/areas", params={"limit": "9"})
    assert r.status_code == 200
    openapi.validate(r, "/v1/areas")


def test_a_database_that_stops_answering_is_not_waited_for(start_server, make_client,
                                                           pg, openapi):
    """A backend frozen with SIGSTOP enforces no statement_timeout: our side
    gives up after the timeout and a second, drops the connection, and the
    next request gets a fresh one."""
    app = "eq-frozen-" + uuid.uuid4().hex[:8]
    url = harness.TEST_DATABASE_URL + ("&" if "?" in harness.TEST_DATABASE_URL else "?") \
        + "application_name=" + app
    srv = start_server(EQ_DATABASE_URL=url, EQ_STATEMENT_TIMEOUT_MS="500",
                       EQ_RESPONSE_CACHE="off", EQ_THREADS="1", EQ_DB_POOL_SIZE="1")
    c = make_client(srv)
    assert c.get("/v1/areas", params={"limit": "4"}).status_code == 200
    pids = [int(p) for p in pg.psql(
        "SELECT pid FROM pg_stat_activity WHERE application_name = "
        f"'{app}' AND query NOT LIKE 'LISTEN%'").split()]
    assert len(pids) == 1, pids
    os.kill(pids[0], signal.SIGSTOP)
    try:
        r, took = timed(c.get, "/v1/areas", params={"limit": "4"})
        assert_unavailable(r, openapi, "/v1/areas")
        assert 1.4 <= took < 3.5, took
    finally:
        os.kill(pids[0], signal.SIGCONT)
    srv.wait_for_log(lambda l: l.get("msg") == "no answer from the database in time; connection dropped")
    r = c.get("/v1/areas", params={"limit": "4"})
    assert r.status_code == 200
    openapi.validate(r, "/v1/areas")


def test_pool_exhaustion_is_503_within_the_queue_timeout(start_server, make_client,
                                                         pg, openapi, key):
    """One connection, so one executor thread: while a write holds it (it
    waits on a lock), a read waits in the executor's queue for
    EQ_DB_QUEUE_TIMEOUT_MS and gets 503 overloaded, /healthz answers at once
    meanwhile, and the write completes once the lock is gone."""
    srv = start_server(EQ_THREADS="2", EQ_DB_POOL_SIZE="1", EQ_DB_QUEUE_TIMEOUT_MS="300",
                       EQ_LOCK_TIMEOUT_MS="8000", EQ_RESPONSE_CACHE="off")
    writer, warm = make_client(srv), make_client(srv)
    auth = {"Authorization": "Bearer " + key}
    assert warm.get("/v1/areas", params={"limit": "5"}).status_code == 200
    warm.close()
    reader = make_client(srv)
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        with holding_lock(pg, "hate_crime_reports", "EXCLUSIVE"):
            pending = pool.submit(writer.post, REPORTS, json=report(), headers=auth)
            srv_busy_deadline = time.monotonic() + 5
            while pg.psql("SELECT count(*) FROM pg_locks WHERE NOT granted AND relation ="
                          " 'hate_crime_reports'::regclass") != "1":
                assert time.monotonic() < srv_busy_deadline, "the write never queued on the lock"
                time.sleep(0.05)
            r, took = timed(reader.get, "/v1/areas", params={"limit": "5"})
            body = assert_problem(r, 503, openapi, "/v1/areas", "get")
            assert body["type"] == "urn:equalities:problem:overloaded", body
            assert r.headers.get("Retry-After", "").isdigit(), r.headers
            assert 0.25 <= took < 1.5, took
            # /healthz needs no connection and answers meanwhile, on the
            # same keep-alive connection.
            h, took = timed(reader.get, "/healthz")
            assert h.status_code == 200 and took < 0.5
        w = pending.result(10)
    assert w.status_code == 201, w.text
    assert reader.get("/v1/areas", params={"limit": "5"}).status_code == 200


@pytest.mark.parametrize("name,value", [
    ("EQ_LOCK_TIMEOUT_MS", "-1"),
    ("EQ_LOCK_TIMEOUT_MS", "2s"),
    ("EQ_IDLE_IN_TRANSACTION_TIMEOUT_MS", "3600001"),
    ("EQ_DB_CONNECT_TIMEOUT", "1"),
    ("EQ_DB_CONNECT_TIMEOUT", "61"),
    ("EQ_DB_ACQUIRE_TIMEOUT_MS", "0"),
])
def test_bad_database_limits_are_refused_at_start(cli, name, value):
    env = {"EQ_LISTEN": f"127.0.0.1:{harness.free_port()}", name: value}
    p = cli("serve", env=env, timeout=15)
    assert p.returncode == 2, (p.returncode, p.stderr)
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and name in lines[0], p.stderr

