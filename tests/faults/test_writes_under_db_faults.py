"""Writes under PostgreSQL faults: no acknowledged write lost, none twice.

Client threads send writes at a steady rate, each with its own
Idempotency-Key, and retry a write with the same key and bytes after a 503,
a 409 idempotency-in-flight or a broken connection, until it is
acknowledged (2xx).  Meanwhile PostgreSQL is stopped with `-m immediate`
and started again, and the service's backends are terminated
(pg_terminate_backend), several times over.

The writes: hate-crime reports (a unique reference per organisation),
partner return windows and the partners' returns (one per window and
partner), actions and their progress updates.  Progress updates are
appended with no natural key at all, so a write applied twice would show
as two rows rather than as a refusal: the sharpest test of exactly-once.

Afterwards, every write the client ever attempted was acknowledged, is in
the database exactly once with the id the client was given, nothing else
is, and sending each again with its key returns the stored answer
byte for byte.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from collections import Counter, defaultdict

import requests

import faultlib as fl

# The fault schedule: after a warm-up, CYCLES times: PostgreSQL down for
# DOWN_SECONDS (immediate stop), up again, then a storm of KILLS rounds of
# terminated backends KILL_GAP apart (a write is in flight most of the
# time, so many die mid-transaction and some in their COMMIT).
WARM_UP = 1.5
CYCLES = 4
DOWN_SECONDS = 1.0
AFTER_START = 1.2
KILLS = 15
KILL_GAP = 0.06
SETTLE = 1.0
# A write still unacknowledged this long after the faults stop is lost.
ACK_GRACE = 30.0
WRITE_PAUSE = 0.04

# One psql session terminates the service's backends KILLS times (the
# pool's and the change listener's, "equalities-api listener"); the
# statistics snapshot is cleared each round to see the new backends.
TERMINATE_STORM_SQL = f"""
CREATE TEMP TABLE killed (n bigint);
DO $$
BEGIN
  FOR i IN 1..{KILLS} LOOP
    PERFORM pg_stat_clear_snapshot();
    INSERT INTO killed SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
     WHERE application_name LIKE 'equalities-api%' AND datname = current_database()
       AND pid <> pg_backend_pid();
    PERFORM pg_sleep({KILL_GAP});
  END LOOP;
END $$;
SELECT sum(n) FROM killed;
"""


def rows(pg, sql: str) -> list[list[str]]:
    return [line.split("|") for line in pg.psql(sql).splitlines() if line]


class Writers:
    """The client: one thread per stream of writes, all recorded."""

    def __init__(self, base_url: str, keys: dict, plan_id: str, periods: list[str], run: str):
        self.base_url = base_url
        self.keys = keys
        self.plan_id = plan_id
        self.periods = periods
        self.run = run
        self.stop = threading.Event()
        self.give_up_at = float("inf")
        self.lock = threading.Lock()
        self.writes: list[fl.Write] = []
        self.errors: list[str] = []
        self.counter = 0
        self.threads = [threading.Thread(target=self._guard, args=(f,), daemon=True)
                        for f in (self._reports, self._reports, self._returns, self._updates)]

    def start(self):
        for t in self.threads:
            t.start()

    def finish(self):
        self.give_up_at = time.monotonic() + ACK_GRACE
        self.stop.set()
        for t in self.threads:
            t.join(ACK_GRACE + 15)
            assert not t.is_alive(), "a writer thread did not finish"

    def _guard(self, fn):
        try:
            with requests.Session() as s:
                fn(s)
        except Exception as e:  # reported by the test, not lost in a thread
            with self.lock:
                self.errors.append(f"{fn.__name__}: {type(e).__name__}: {e}")

    def _next(self) -> int:
        with self.lock:
            self.counter += 1
            return self.counter

    def _send(self, s, kind, path, key, body, ident) -> fl.Write:
        w = fl.Write(kind, path, key, body, ident=ident,
                     idem=f"F{self.run}-{kind}-{secrets.token_hex(8)}")
        with self.lock:
            self.writes.append(w)
        fl.send_until_acknowledged(s, self.base_url, w, deadline=lambda: self.give_up_at)
        time.sleep(WRITE_PAUSE)
        return w

    def _reports(self, s):
        while not self.stop.is_set():
            ref = f"F{self.run}-{self._next()}"
            self._send(s, "report", fl.HATE_REPORTS, self.keys["centre"], fl.hate_body(ref), ref)

    def _returns(self, s):
        while not self.stop.is_set() and self.periods:
            period = self.periods.pop()
            w = self._send(s, "window", fl.WINDOWS, self.keys["council"],
                           {"kind": "workforce", "period": period,
                            "open_date": "2024-01-01", "due_date": "2099-12-31"}, period)
            if not w.id:
                continue
            for org in fl.PARTNERS:
                if self.stop.is_set():
                    break
                self._send(s, "return", fl.RETURNS, self.keys[org], fl.return_body(w.id),
                           f"{w.id}/{org}")

    def _updates(self, s):
        rags = ["red", "amber", "green"]
        while not self.stop.is_set():
            ref = f"F{self.run}-{self._next()}"
            a = self._send(s, "action", fl.ACTIONS.replace("{id}", self.plan_id), self.keys["manage"],
                           {"reference": ref, "title": "Fault-test action", "outcome": "access",
                            "lead": "adults-and-health", "start_date": "2024-04-01",
                            "due_date": "2030-03-31"}, ref)
            if not a.id:
                continue
            # A short history per action: the reply carries all of it.
            for i in range(12):
                if self.stop.is_set():
                    break
                note = f"F{self.run}-{self._next()}"
                self._send(s, "update", fl.UPDATES.replace("{id}", a.id), self.keys["manage"],
                           {"status": "in_progress", "rag": rags[i % 3], "note": note}, note)


def terminate_backends(pg) -> int:
    # psql prints each statement's tag; the sum is the last line.
    return int(pg.psql(TERMINATE_STORM_SQL).splitlines()[-1] or 0)


def test_acknowledged_writes_survive_restarts_and_killed_backends(start_server, pg):
    srv = start_server(name="db-faults", **fl.server_env(EQ_THREADS="4", EQ_DB_POOL_SIZE="4"))
    keys = {
        "centre": fl.make_key("reporting-centre-north", "submit:hate-crime"),
        "council": fl.make_key("barnet-council", "review:returns"),
        "manage": fl.make_key("barnet-council", "manage:action-plan"),
    }
    for org in fl.PARTNERS:
        keys[org] = fl.make_key(org, "submit:returns")
    run = secrets.token_hex(3)
    r = requests.post(srv.url + fl.PLANS, headers=fl.headers(keys["manage"]), timeout=10,
                      json={"period": fl.unused_plan_period(pg), "title": f"Fault test {run}"})
    assert r.status_code == 201, r.text
    plan_id = r.json()["id"]

    writers = Writers(srv.url, keys, plan_id, fl.unused_periods(pg, "workforce", 200), run)
    stops = kills = 0
    t0 = time.monotonic()
    writers.start()
    try:
        time.sleep(WARM_UP)
        for _ in range(CYCLES):
            pg.stop("immediate")
            stops += 1
            time.sleep(DOWN_SECONDS)
            pg.start()
            time.sleep(AFTER_START)
            kills += terminate_backends(pg)
            time.sleep(SETTLE)
    finally:
        pg.start()
        writers.finish()
    fault_seconds = time.monotonic() - t0

    assert not writers.errors, writers.errors
    writes = writers.writes
    unexpected = [(w.kind, w.outcomes, w.unexpected) for w in writes if w.unexpected]
    assert not unexpected, f"answers that are neither success nor retryable: {unexpected[:5]}"
    unacked = [(w.kind, w.outcomes[-5:]) for w in writes if w.status is None]
    assert not unacked, (
        f"{len(unacked)} writes never acknowledged within {ACK_GRACE}s of the faults ending: "
        f"{unacked[:5]}")
    by_kind = defaultdict(list)
    for w in writes:
        by_kind[w.kind].append(w)
    assert all(by_kind[k] for k in ("report", "window", "return", "action", "update")), (
        {k: len(v) for k, v in by_kind.items()})
    # The faults must have bitten: some writes needed more than one try.
    retried = [w for w in writes if w.retried]
    assert retried, "no write was ever retried: the faults did not reach the client"

    # -- the database: each acknowledged write exactly once -------------------
    problems, lost, duplicates = [], [], []

    def exactly_once(kind, pairs):
        """``pairs``: (identity, id) of every matching row in the database."""
        found = defaultdict(list)
        for ident, id_ in pairs:
            found[ident].append(id_)
        wanted = {w.ident: w for w in by_kind[kind]}
        assert len(wanted) == len(by_kind[kind]), f"{kind}: identities not unique"
        for ident, w in wanted.items():
            ids = found.get(ident, [])
            if not ids:
                lost.append(f"{kind} {ident}: acknowledged as {w.id}, not in the database")
            elif len(ids) > 1:
                duplicates.append(f"{kind} {ident}: acknowledged once, in the database as {ids}")
            elif ids != [w.id]:
                problems.append(f"{kind} {ident}: acknowledged as {w.id}, database has {ids}")
        for ident, ids in found.items():
            if ident not in wanted:
                duplicates.append(f"{kind} {ident}: in the database as {ids}, never acknowledged")

    exactly_once("report", rows(pg, (
        "SELECT submitter_reference, id FROM hate_crime_reports"
        f" WHERE submitter_reference LIKE 'F{run}-%'")))
    exactly_once("window", rows(pg, (
        "SELECT period, id FROM return_windows WHERE kind = 'workforce'"
        f" AND period IN {fl.sql_list(w.ident for w in by_kind['window'])}")))
    exactly_once("return", ((f"{wid}/{slug}", id_) for wid, slug, id_ in rows(pg, (
        "SELECT r.window_id, o.slug, r.id FROM partner_returns r"
        " JOIN organisations o ON o.id = r.organisation_id"
        f" WHERE r.window_id IN {fl.sql_list(w.id for w in by_kind['window'])}"))))
    exactly_once("action", rows(pg, (
        "SELECT a.reference, a.id FROM actions a JOIN action_plans p ON p.id = a.plan_id"
        f" WHERE p.slug = {fl.sql_literal(plan_id)}")))
    # An update's reply is its action: the id compared is the action's.
    exactly_once("update", rows(pg, (
        "SELECT u.note, u.action_id FROM action_updates u JOIN actions a ON a.id = u.action_id"
        f" JOIN action_plans p ON p.id = a.plan_id WHERE p.slug = {fl.sql_literal(plan_id)}")))

    stored = dict((k, (int(st), body)) for k, st, body in rows(pg, (
        "SELECT key, status, md5(body) FROM idempotency_keys"
        f" WHERE key LIKE 'F{run}-%'")))
    for w in writes:
        got = stored.get(w.idem)
        want = (w.status, hashlib.md5(w.content).hexdigest())
        if got != want:
            problems.append(f"{w.kind} {w.idem}: stored answer {got}, acknowledged {want}")
    assert len(stored) == len(writes), (len(stored), len(writes))

    # -- the same requests again: the stored answers --------------------------
    replay_mismatch = []
    with requests.Session() as s:
        for w in writes:
            r = s.post(srv.url + w.path, data=w.data, timeout=10,
                       headers=fl.headers(w.key, **{"Idempotency-Key": w.idem}))
            if (r.status_code != w.status or r.content != w.content
                    or r.headers.get("Idempotent-Replayed") != "true"):
                replay_mismatch.append((w.kind, w.idem, r.status_code, r.text[:200]))
    problems.extend(f"replay differs: {m}" for m in replay_mismatch[:10])

    # -- no 500s, and every log line is JSON ---------------------------------
    statuses = Counter()
    for line in srv.log_lines():
        assert "_unparsed" not in line, f"stderr line that is not JSON: {line['_unparsed']!r}"
        if line.get("msg") == "request":
            statuses[line.get("status")] += 1
    if statuses.get(500):
        problems.append(f"{statuses[500]} responses were 500")

    kinds = ", ".join(f"{k} {len(v)}" for k, v in sorted(by_kind.items()))
    outcomes = Counter(o for w in writes for o in w.outcomes)
    fl.figure(
        f"writes under PostgreSQL faults ({fault_seconds:.0f}s, {stops} immediate stops, "
        f"{kills} backends terminated): acknowledged={len(writes)} ({kinds}), "
        f"retried={len(retried)}, acknowledged-by-replay={sum(w.replayed for w in writes)}, "
        f"duplicates={len(duplicates)}, lost={len(lost)}, "
        f"replays-identical={len(writes) - len(replay_mismatch)}/{len(writes)}; "
        f"attempt outcomes {dict(outcomes)}")
    problems = lost + duplicates + problems
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems[:30])
