"""While PostgreSQL is down, and the moment it is back.

tests/integration/test_resilience.py shows a fast stop giving 503s on a few
reads and the service recovering.  Here, with PostgreSQL stopped with
`-m immediate`: every route of the contract (each method, with a key that
holds every scope, uncacheable because the change listener is down) is
answered within a second with a 503 problem carrying Retry-After, or with
the same 4xx it gives when the database is up (a refusal that needs no
database); so are sixteen such requests at once; /healthz stays 200 and
/readyz 503.  Then PostgreSQL starts again while a client polls every
20 ms: the first 2xx comes within a second of PostgreSQL accepting
connections (pg_isready).
"""

from __future__ import annotations

import concurrent.futures
import re
import subprocess
import threading
import time
import uuid
from urllib.parse import urlsplit

import requests

import faultlib as fl
import harness
from checks import assert_problem

DEADLINE = 1.0          # seconds: every answer during the outage
RECOVERY = 1.0          # seconds: PostgreSQL accepting -> first 2xx
POLL = 0.02
ALL_SCOPES = ("submit:returns,review:returns,submit:hate-crime,read:hate-crime,"
              "manage:action-plan,manage:indicators,admin,manage:impact-assessments,"
              "manage:reports")
# Served from memory: the process itself, its contract, its metrics and the
# pages built into the binary.
NO_DATABASE_NEEDED = {"/healthz", "/openapi.yaml", "/metrics", "/docs", "/dashboard",
                      "/assets/{name}", "/reports/annual/{year}"}
# Parameters that make a read reach the database rather than stop at
# validation.
QUERIES = {
    "/v1/demographics": {"characteristic": "sex", "area": "E05013633"},
    "/v1/workforce/representation": {"characteristic": "sex"},
    "/v1/returns/summary": {"window": "00000000-0000-4000-8000-000000000000"},
}


def sample_values(c: requests.Session, base: str) -> dict:
    """Real identifiers for the path templates, read while the database is up."""
    def first(path, field):
        r = c.get(base + path, timeout=10)
        assert r.status_code == 200, (path, r.status_code, r.text[:200])
        return r.json()["data"][0][field]

    plan = first("/v1/action-plans", "id")
    return {
        "dataset": first("/v1/demographics/datasets", "slug"),
        "as_of": first("/v1/workforce/snapshots", "as_of"),
        "plan": plan,
        "action": first(f"/v1/action-plans/{plan}/actions", "id"),
    }


def concrete(template: str, v: dict) -> str:
    fill = {
        "slug": v["dataset"], "as_of": v["as_of"], "fy_start": "2024", "sequence": "1", "year": "2024-25",
        "period": "25-Q1" if "{fy_start}" in template else "2025-01",
    }
    if template.startswith("/v1/areas/"):
        fill["code"] = "E05013641"
    elif template.startswith("/v1/characteristics/"):
        fill["code"] = "sex"
    elif template.startswith("/v1/indicators/"):
        fill["code"] = "hate-crime-reports"
    if template.startswith("/v1/action-plans/"):
        fill["id"] = v["plan"]
    elif template.startswith("/v1/actions/"):
        fill["id"] = v["action"]
    return re.sub(r"\{(\w+)\}", lambda m: fill.get(m.group(1), str(uuid.uuid4())), template)


def every_request(openapi, v: dict, key: str) -> list[dict]:
    out = []
    for template, item in openapi.doc["paths"].items():
        if template in NO_DATABASE_NEEDED:
            continue
        for method in ("get", "post", "put", "patch", "delete"):
            if method not in item:
                continue
            out.append({"template": template, "method": method,
                        "url": concrete(template, v), "params": QUERIES.get(template, {}),
                        "key": key if method != "get" or "/reports" in template
                        or "/returns" in template or "/return-windows" in template else None})
    return out


def send(base: str, rq: dict) -> tuple[requests.Response, float]:
    h = fl.headers(rq["key"])
    kw = {"data": b"{}"} if rq["method"] != "get" else {}
    if rq["method"] in ("put", "patch"):
        h["If-Match"] = '"v1"'
    t0 = time.monotonic()
    r = requests.request(rq["method"], base + rq["url"], params=rq["params"], headers=h,
                         timeout=10, **kw)
    return r, time.monotonic() - t0


def pg_isready() -> bool:
    u = urlsplit(harness.TEST_DATABASE_URL)
    return subprocess.run(
        ["pg_isready", "-q", "-h", u.hostname or "127.0.0.1", "-p", str(u.port or 5432),
         "-d", harness.database_name(harness.TEST_DATABASE_URL), "-U", u.username or "equalities"],
        stdin=subprocess.DEVNULL, timeout=5).returncode == 0


def outage_checks(srv, openapi, requests_, before, latencies, without_db):
    for rq in requests_:
        r, took = send(srv.url, rq)
        latencies.append(took * 1000)
        what = f"{rq['method'].upper()} {rq['url']}"
        assert took < DEADLINE, f"{what} took {took:.2f}s while PostgreSQL was down"
        if r.status_code == 503:
            assert_problem(r, 503, openapi, rq["template"], rq["method"])
            assert r.headers.get("Retry-After", "").isdigit(), (what, dict(r.headers))
        else:
            was = before[(rq["method"], rq["template"])]
            assert 400 <= r.status_code < 500 and r.status_code == was, (
                f"{what}: {r.status_code} while PostgreSQL was down ({was} when up): "
                f"{r.text[:300]}")
            without_db.append(f"{what} {r.status_code}")

    # Sixteen at once, twice over.
    with concurrent.futures.ThreadPoolExecutor(16) as ex:
        burst = list(ex.map(lambda rq: send(srv.url, rq), (requests_ * 2)[:32]))
    for r, took in burst:
        latencies.append(took * 1000)
        assert took < DEADLINE, f"{took:.2f}s for a request in a burst during the outage"
        assert r.status_code in (503, 400, 404, 422, 428), r.status_code

    h = requests.get(srv.url + "/healthz", timeout=5)
    assert h.status_code == 200
    openapi.validate(h, "/healthz")
    ready = requests.get(srv.url + "/readyz", timeout=5)
    assert_problem(ready, 503, openapi, "/readyz")
    assert ready.headers.get("Retry-After", "").isdigit()


def test_every_route_is_503_quickly_while_down_and_recovers_within_a_second(
        start_server, pg, openapi):
    srv = start_server(name="pg-down", **fl.server_env())
    key = fl.make_key("barnet-council", ALL_SCOPES)
    with requests.Session() as c:
        v = sample_values(c, srv.url)
    requests_ = every_request(openapi, v, key)
    assert len(requests_) >= 40, f"only {len(requests_)} routes found in the contract"
    before = {(rq["method"], rq["template"]): send(srv.url, rq)[0].status_code for rq in requests_}
    assert 503 not in before.values(), before

    pg.stop("immediate")
    latencies, without_db = [], []
    try:
        # The change listener notices too, and switches the cache off: no
        # answer below comes from the response cache.
        srv.wait_for_log(lambda l: "listener lost" in str(l.get("msg")), timeout=10)
        outage_checks(srv, openapi, requests_, before, latencies, without_db)
    except BaseException:
        pg.start()
        raise

    # -- recovery: start PostgreSQL in the background, poll meanwhile --------
    started = {}

    def start():
        started["t0"] = time.monotonic()
        pg.start()
        started["t1"] = time.monotonic()

    starter = threading.Thread(target=start)
    starter.start()
    ready_at = first_2xx = None
    polls, n = 0, 0
    deadline = time.monotonic() + 90
    with requests.Session() as c:
        while time.monotonic() < deadline:
            now = time.monotonic()
            if ready_at is None and pg_isready():
                ready_at = time.monotonic()
            n += 1
            polls += 1
            try:
                # /v1/areas with a limit never asked before: not cached.
                r = c.get(srv.url + "/v1/areas", params={"limit": str(1 + n % 400)}, timeout=2)
                if 200 <= r.status_code < 300:
                    first_2xx = time.monotonic()
                    break
                assert r.status_code == 503, (r.status_code, r.text[:300])
            except requests.RequestException:
                pass
            time.sleep(max(0.0, POLL - (time.monotonic() - now)))
    starter.join(120)
    assert first_2xx is not None, "no 2xx within 90 s of starting PostgreSQL again"
    if ready_at is None:  # accepted between the last pg_isready and the GET
        ready_at = first_2xx
    gap = first_2xx - ready_at
    after_start = first_2xx - started["t1"] if "t1" in started else float("nan")
    fl.figure(
        f"PostgreSQL down: {len(latencies)} requests over {len(requests_)} routes "
        f"({len(without_db)} refused without needing the database: {', '.join(without_db) or 'none'}), "
        f"all 503+Retry-After or that 4xx, {fl.latency_summary(latencies)}; "
        f"/healthz 200, /readyz 503; first 2xx {gap * 1000:.0f} ms after pg_isready "
        f"({after_start * 1000:.0f} ms after `scripts/pg start` returned; {polls} polls)")
    assert gap < RECOVERY, f"first 2xx {gap:.2f}s after PostgreSQL accepted connections"


def test_started_while_postgresql_is_down(start_server, pg, openapi):
    """A service (re)started during the outage comes up, says it is not
    ready, answers 503 quickly, and serves as soon as the database is back."""
    pg.stop("immediate")
    try:
        srv = start_server(name="born-in-outage", **fl.server_env())
        latencies = []
        for n in range(10):
            t0 = time.monotonic()
            r = requests.get(srv.url + "/v1/areas", params={"limit": str(400 + n)}, timeout=5)
            latencies.append((time.monotonic() - t0) * 1000)
            assert_problem(r, 503, openapi, "/v1/areas")
            assert r.headers.get("Retry-After", "").isdigit()
        assert max(latencies) < DEADLINE * 1000, latencies
        assert requests.get(srv.url + "/healthz", timeout=5).status_code == 200
        assert_problem(requests.get(srv.url + "/readyz", timeout=5), 503, openapi, "/readyz")
    finally:
        pg.start()
    t_up = time.monotonic()
    first = None
    with requests.Session() as c:
        while time.monotonic() - t_up < 10:
            r = c.get(srv.url + "/readyz", timeout=2)
            if r.status_code == 200:
                first = time.monotonic() - t_up
                break
            time.sleep(POLL)
    assert first is not None and first < RECOVERY, f"not ready {first}s after PostgreSQL started"
    assert requests.get(srv.url + "/v1/areas", params={"limit": "3"}, timeout=5).status_code == 200
    fl.figure(f"started during the outage: 503s in {fl.latency_summary(latencies)}, "
              f"/healthz 200, /readyz 503; ready {first * 1000:.0f} ms after "
              "`scripts/pg start` returned")
