"""The database executor: HTTP threads never wait on PostgreSQL.

A psql session holds ``LOCK TABLE areas IN ACCESS EXCLUSIVE MODE`` for
about ten seconds; reads of /v1/areas that are not in the response cache
then wait on that lock, as many as there are executor threads (one per
pool connection), and the rest queue behind them.  Meanwhile:

  - /healthz answers within 100 ms, on a new connection and on a
    keep-alive one, and a cached public read is served from the cache;
  - a request that finds the executor's queue full (EQ_DB_QUEUE) gets 503
    ``overloaded`` with Retry-After at once, without being suspended;
  - once the lock is gone, what was running and queued completes.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import os
import subprocess
import time
import uuid

import requests

import faultlib as fl
import harness

LOCK_SECONDS = 10
BLOCKED_SQL = ("SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a USING (pid)"
               " WHERE a.application_name = 'equalities-api' AND l.relation = 'areas'::regclass"
               " AND NOT l.granted")


@contextlib.contextmanager
def areas_locked(pg, seconds: int = LOCK_SECONDS):
    """A psql session holding an ACCESS EXCLUSIVE lock on areas for
    ``seconds`` (or until the block ends)."""
    app = "eq-exec-lock-" + uuid.uuid4().hex[:8]
    sql = f"BEGIN; LOCK TABLE areas IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep({seconds});"
    proc = subprocess.Popen(
        [str(harness.PG_SCRIPT), "psql", pg.database, "-v", "ON_ERROR_STOP=1", "-c", sql],
        env={**os.environ, "PGAPPNAME": app}, stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while pg.psql("SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a USING (pid)"
                      f" WHERE a.application_name = '{app}' AND l.relation = 'areas'::regclass"
                      " AND l.granted") != "1":
            assert proc.poll() is None, "the psql holding the lock exited early"
            assert time.monotonic() < deadline, "no lock on areas after 10 s"
            time.sleep(0.05)
        yield
    finally:
        pg.psql("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                f" WHERE application_name = '{app}'")
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def wait_blocked(pg, n: int, timeout: float = 5.0) -> None:
    """Until n of the service's connections wait on the lock."""
    deadline = time.monotonic() + timeout
    while int(pg.psql(BLOCKED_SQL)) < n:
        assert time.monotonic() < deadline, f"fewer than {n} connections ever waited on the lock"
        time.sleep(0.05)


def get(url: str, timeout: float = 30.0) -> requests.Response:
    with requests.Session() as s:
        return s.get(url, timeout=timeout)


def timed_get(session: requests.Session, url: str) -> tuple[requests.Response, float]:
    t0 = time.monotonic()
    r = session.get(url, timeout=5)
    return r, time.monotonic() - t0


def test_healthz_answers_within_100_ms_while_every_db_connection_waits_on_a_lock(start_server, pg):
    pool = 4
    # Lock and statement timeouts above the lock's life: the blocked reads
    # hold their connections for the whole ten seconds.
    srv = start_server(name="executor-locked", **fl.server_env(
        EQ_THREADS="2", EQ_DB_POOL_SIZE=str(pool), EQ_LOCK_TIMEOUT_MS="20000",
        EQ_STATEMENT_TIMEOUT_MS="30000", EQ_DB_QUEUE_TIMEOUT_MS="20000"))
    cached = srv.url + "/v1/characteristics"
    keep = requests.Session()
    assert keep.get(cached, timeout=5).status_code == 200   # now in the response cache
    # Open every pool connection (each prepares its statements once).
    with concurrent.futures.ThreadPoolExecutor(pool) as warm:
        assert all(r.status_code == 200 for r in warm.map(
            get, [f"{srv.url}/v1/areas?limit={i + 1}" for i in range(pool)]))
    misses = [f"{srv.url}/v1/areas?limit={i + 100}" for i in range(pool + 3)]
    with concurrent.futures.ThreadPoolExecutor(len(misses)) as clients:
        with areas_locked(pg):
            t_lock = time.monotonic()
            pending = [clients.submit(get, u) for u in misses]
            wait_blocked(pg, pool)
            worst = 0.0
            while time.monotonic() - t_lock < 3:
                for session in (keep, requests.Session()):
                    h, took = timed_get(session, srv.url + "/healthz")
                    assert h.status_code == 200 and h.json() == {"status": "ok"}
                    worst = max(worst, took)
                c, took = timed_get(keep, cached)
                assert c.status_code == 200
                worst = max(worst, took)
                time.sleep(0.02)
            # Every connection still waits: the answers above did not need one.
            assert int(pg.psql(BLOCKED_SQL)) == pool
            assert not any(p.done() for p in pending)
            assert worst < 0.1, f"slowest /healthz or cached read while locked: {worst * 1000:.1f} ms"
            fl.figure(f"executor: every DB connection ({pool}) waiting on a lock, slowest /healthz"
                      f" or cached read {worst * 1000:.1f} ms")
        results = [p.result(30) for p in pending]
    # The lock gone, the blocked reads and the queued ones complete.
    assert [r.status_code for r in results] == [200] * len(results), [r.text for r in results]


def test_a_full_queue_is_503_overloaded_with_retry_after_at_once(start_server, pg, openapi):
    srv = start_server(name="executor-full", **fl.server_env(
        EQ_THREADS="2", EQ_DB_POOL_SIZE="1", EQ_DB_QUEUE="2", EQ_LOCK_TIMEOUT_MS="20000",
        EQ_STATEMENT_TIMEOUT_MS="30000", EQ_DB_QUEUE_TIMEOUT_MS="20000"))
    assert get(srv.url + "/v1/areas?limit=1").status_code == 200
    with concurrent.futures.ThreadPoolExecutor(3) as clients:
        with areas_locked(pg):
            running = clients.submit(get, srv.url + "/v1/areas?limit=2")
            wait_blocked(pg, 1)
            queued = [clients.submit(get, srv.url + f"/v1/areas?limit={i}") for i in (3, 4)]
            deadline = time.monotonic() + 5
            while "equalities_api_db_queue_waiting 2" not in get(srv.metrics_url + "/metrics").text:
                assert time.monotonic() < deadline, "the two reads never queued"
                time.sleep(0.05)
            t0 = time.monotonic()
            r = get(srv.url + "/v1/areas?limit=5")
            took = time.monotonic() - t0
            assert r.status_code == 503, r.text
            openapi.validate(r, "/v1/areas")
            body = r.json()
            assert body["type"] == "urn:equalities:problem:overloaded", body
            assert r.headers["Content-Type"].startswith("application/problem+json")
            assert r.headers.get("Retry-After", "").isdigit(), r.headers
            assert took < 0.5, took
            # A key's request queues like any other: refused the same way.
            w = requests.post(srv.url + fl.HATE_REPORTS, json=fl.hate_body("x"), timeout=5,
                              headers=fl.headers("eq_000000000000_nope"))
            assert w.status_code == 503 and w.json()["type"].endswith(":overloaded"), w.text
            assert not running.done() and not any(q.done() for q in queued)
            metrics = get(srv.metrics_url + "/metrics").text
            assert "equalities_api_db_queue_rejected_total 2" in metrics
        assert running.result(30).status_code == 200
        assert [q.result(30).status_code for q in queued] == [200, 200]
