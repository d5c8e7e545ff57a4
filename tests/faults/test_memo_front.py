"""Demographics whose tables are built answer on the HTTP thread.

With the response cache off, a read of /v1/demographics still needs no
database connection once its memoised tables (catalogue and rendered
rows) are built: it is answered on the HTTP thread, not queued to the
database executor.  So while every pool connection waits on a lock, such
a read answers at once, and a read of a table not yet built goes to the
executor (it waits there, and completes once the lock is gone) without
holding up the HTTP threads.
"""

from __future__ import annotations

import concurrent.futures
import time

import requests

import faultlib as fl
from test_db_executor import BLOCKED_SQL, areas_locked, get, timed_get, wait_blocked

DEMO = "/v1/demographics?area=E05013642&characteristic="


def test_built_demographics_answer_while_every_db_connection_waits(start_server, pg, openapi):
    pool = 2
    srv = start_server(name="memo-front", **fl.server_env(
        EQ_THREADS="2", EQ_DB_POOL_SIZE=str(pool), EQ_RESPONSE_CACHE="off",
        EQ_LOCK_TIMEOUT_MS="20000", EQ_STATEMENT_TIMEOUT_MS="30000",
        EQ_DB_QUEUE_TIMEOUT_MS="20000"))
    keep = requests.Session()
    built = keep.get(srv.url + DEMO + "ethnicity", timeout=10)
    assert built.status_code == 200, built.text
    # Open every pool connection (each prepares its statements once).
    with concurrent.futures.ThreadPoolExecutor(pool) as warm:
        assert all(r.status_code == 200 for r in warm.map(
            get, [f"{srv.url}/v1/areas?limit={i + 1}" for i in range(pool)]))
    misses = [f"{srv.url}/v1/areas?limit={i + 100}" for i in range(pool)]
    with concurrent.futures.ThreadPoolExecutor(len(misses) + 1) as clients:
        with areas_locked(pg, seconds=6):
            blocked = [clients.submit(get, u) for u in misses]
            wait_blocked(pg, pool)
            # Not built yet: it needs a connection, so it waits its turn.
            unbuilt = clients.submit(get, srv.url + DEMO + "religion")
            worst = 0.0
            for _ in range(20):
                r, took = timed_get(keep, srv.url + DEMO + "ethnicity")
                assert r.status_code == 200, r.text
                assert r.content == built.content
                assert r.headers["ETag"] == built.headers["ETag"]
                worst = max(worst, took)
                time.sleep(0.02)
            openapi.validate(r, "/v1/demographics")
            assert int(pg.psql(BLOCKED_SQL)) == pool
            assert not unbuilt.done() and not any(b.done() for b in blocked)
            assert worst < 0.1, f"slowest built demographics read while locked: {worst * 1000:.1f} ms"
            fl.figure(f"demographics, cache off, tables built, every DB connection ({pool})"
                      f" waiting on a lock: slowest read {worst * 1000:.1f} ms")
        assert unbuilt.result(30).status_code == 200
        assert [b.result(30).status_code for b in blocked] == [200] * pool
