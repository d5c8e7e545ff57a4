"""GET /metrics: the Prometheus text passes `promtool check metrics`, and
real requests move the right series (by route template, never the raw
path), the histogram agrees with the counter, the gauges are sane, and the
cache, pool and listener counters move.

The counting tests use a server of their own, so that no other test's
requests land between two scrapes; one requests.Session keeps one
connection, and libmicrohttpd finishes a request (and counts it) before it
reads the next one on that connection, so the deltas are exact.
"""

import re
import shutil
import socket
import subprocess
import time
import uuid

import pytest

import harness

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
REQS = "equalities_api_http_requests_total"
DUR = "equalities_api_http_request_duration_seconds"

SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(,|$)')


def parse(text: str) -> dict:
    """{(name, ((label, value), ...)): float} of every sample line."""
    out = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = SAMPLE.match(line)
        assert m, f"not a sample line: {line!r}"
        labels = []
        rest = m.group(2) or ""
        pos = 0
        while pos < len(rest):
            lm = LABEL.match(rest, pos)
            assert lm, f"bad labels in {line!r}"
            labels.append((lm.group(1), lm.group(2)))
            pos = lm.end()
        key = (m.group(1), tuple(sorted(labels)))
        assert key not in out, f"series written twice: {line!r}"
        out[key] = float(m.group(3))
    return out


def check_grouping(text: str) -> None:
    """Each family once, HELP then TYPE, and its samples right after them
    (promtool 2.42 lets interleaved families and repeated series pass)."""
    families, current, kind = set(), None, None
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("# HELP "):
            current = line.split(" ")[2]
            assert current not in families, f"family {current} written twice"
            families.add(current)
            assert lines[i + 1].startswith(f"# TYPE {current} "), lines[i + 1]
            kind = lines[i + 1].split(" ")[3]
            continue
        if line.startswith("#"):
            continue
        name = SAMPLE.match(line).group(1)
        allowed = {current}
        if kind == "histogram":
            allowed = {current + s for s in ("_bucket", "_sum", "_count")}
        assert name in allowed, f"sample {line!r} outside its family (after {current})"


def key(name: str, **labels) -> tuple:
    return (name, tuple(sorted(labels.items())))


def scrape(client) -> tuple[str, dict]:
    r = client.get(harness.metrics_url(client.base_url))
    assert r.status_code == 200, r.text[:300]
    return r.text, parse(r.text)


def promtool_check(text: str) -> subprocess.CompletedProcess:
    promtool = shutil.which("promtool")
    assert promtool, "promtool not found: install Debian's prometheus package (scripts/lib.sh does)"
    return subprocess.run([promtool, "check", "metrics"], input=text, capture_output=True,
                          text=True, timeout=30)


def scrape_until(client, done, timeout: float = 5.0) -> tuple[str, dict]:
    """Scrape until done(samples) holds or timeout passes; the last scrape.
    For what the server learns asynchronously (a client closing)."""
    deadline = time.monotonic() + timeout
    while True:
        text, m = scrape(client)
        if done(m) or time.monotonic() > deadline:
            return text, m
        time.sleep(0.02)


INFLIGHT = key("equalities_api_http_requests_in_flight")
OPEN = key("equalities_api_http_connections_open")


def quiet(m) -> bool:
    """Only our scrape in flight, only our connection open."""
    return m[INFLIGHT] == 1 and m[OPEN] == 1


@pytest.fixture(scope="module")
def msrv():
    srv = harness.Server("metrics", {"EQ_DB_POOL_SIZE": "3", "EQ_THREADS": "2"}).start()
    try:
        # The cache is on only once the change listener is connected.
        srv.wait_for_log(lambda l: l.get("msg") == "change listener connected", timeout=10)
        yield srv
    finally:
        problem = srv.check_exit()
    if problem:
        pytest.fail(problem, pytrace=False)


@pytest.fixture
def mc(msrv, make_client):
    return make_client(msrv)


def test_metrics_is_prometheus_text_that_promtool_accepts(api, openapi):
    # Some traffic of every kind first, so that every family has samples.
    etag = api.get("/v1/areas").headers["ETag"]
    api.get("/v1/areas", headers={"If-None-Match": etag})
    api.get("/no/such/route")
    api.post("/v1/areas", data=b"{}")
    api.options("/v1/areas")
    r = api.get(harness.metrics_url(api.base_url))
    assert r.status_code == 200
    assert r.headers["Content-Type"] == CONTENT_TYPE
    assert r.headers.get("Cache-Control") == "no-store"
    assert "ETag" not in r.headers
    text = openapi.validate(r, "/metrics")
    for family in (REQS, DUR, "equalities_api_http_requests_in_flight",
                   "equalities_api_http_connections_open",
                   "equalities_api_db_connections_in_use",
                   "equalities_api_db_connections_waiting",
                   "equalities_api_db_errors_total",
                   "equalities_api_db_reconnects_total",
                   "equalities_api_response_cache_hits_total",
                   "equalities_api_response_cache_misses_total",
                   "equalities_api_response_cache_not_modified_total",
                   "equalities_api_change_listener_connected",
                   "equalities_api_change_listener_reconnects_total",
                   "process_start_time_seconds", "equalities_api_build_info"):
        assert f"# TYPE {family} " in text, f"{family} missing"
    checked = promtool_check(text)
    assert checked.returncode == 0 and not checked.stdout.strip() and not checked.stderr.strip(), (
        f"promtool check metrics: rc={checked.returncode}\n{checked.stdout}{checked.stderr}")
    # What promtool 2.42 does not check: every series once, families whole.
    parse(text)
    check_grouping(text)


def test_promtool_would_catch_a_broken_exposition():
    # The checks above can fail: each rejects what a slip would produce.
    unescaped = '# HELP x_total a\n# TYPE x_total counter\nx_total{a="1} 1\n'
    assert promtool_check(unescaped).returncode != 0
    no_total = "# HELP requests a\n# TYPE requests counter\nrequests 1\n"
    assert promtool_check(no_total).returncode != 0
    no_help = "# TYPE x_total counter\nx_total 1\n"
    assert promtool_check(no_help).returncode != 0
    twice = '# HELP x_total a\n# TYPE x_total counter\nx_total{a="1"} 1\nx_total{a="1"} 2\n'
    with pytest.raises(AssertionError, match="written twice"):
        parse(twice)
    split = ("# HELP x_total a\n# TYPE x_total counter\nx_total 1\n"
             "# HELP y a\n# TYPE y gauge\ny 1\nx_total{a=\"2\"} 1\n")
    with pytest.raises(AssertionError, match="outside its family"):
        check_grouping(split)


def test_head_and_unknown_parameters(api, openapi):
    r = api.head(harness.metrics_url(api.base_url))
    assert r.status_code == 200 and r.content == b""
    assert r.headers["Content-Type"] == CONTENT_TYPE
    r = api.get(harness.metrics_url(api.base_url), params={"name": "x"})
    assert r.status_code == 400


def test_a_request_moves_its_route_counter_by_exactly_one(mc, openapi):
    _, before = scrape(mc)
    for _ in range(2):
        assert mc.get("/v1/areas").status_code == 200
    _, after = scrape(mc)
    k = key(REQS, route="/v1/areas", method="GET", status="200")
    assert after.get(k, 0) - before.get(k, 0) == 2
    # The scrape before this one is counted under its own route.
    m = key(REQS, route="/metrics", method="GET", status="200")
    assert after[m] - before.get(m, 0) == 1


def test_paths_are_labelled_by_template_never_raw(mc):
    token = uuid.uuid4().hex[:12].upper()
    _, before = scrape(mc)
    assert mc.get(f"/v1/areas/XYZ{token}").status_code == 404
    assert mc.get(f"/no/such/{token}").status_code == 404
    assert mc.post("/v1/areas", data=b"{}").status_code == 405
    assert mc.options(f"/v1/areas/{token}").status_code == 204
    text, after = scrape(mc)
    assert token not in text and token.lower() not in text, "a raw path leaked into a label"

    def moved(**labels):
        k = key(REQS, **labels)
        return after.get(k, 0) - before.get(k, 0)

    assert moved(route="/v1/areas/{code}", method="GET", status="404") == 1
    assert moved(route="unmatched", method="GET", status="404") == 1
    assert moved(route="/v1/areas", method="POST", status="405") == 1
    assert moved(route="/v1/areas/{code}", method="OPTIONS", status="204") == 1
    routes = {dict(labels)["route"] for (name, labels) in after if name == REQS}
    for route in routes:
        assert route == "unmatched" or route.startswith("/"), route
        assert not re.search(r"/[A-Z]\d{8}|[0-9a-f]{32}", route), f"not a template: {route}"


def test_histogram_agrees_with_the_counter(mc):
    mc.get("/v1/areas/E05013628")
    mc.get("/v1/characteristics")
    _, m = scrape(mc)
    per_route = {}
    for (name, labels), v in m.items():
        if name == REQS:
            route = dict(labels)["route"]
            per_route[route] = per_route.get(route, 0) + v
    assert per_route, "no request counted"
    for route, total in per_route.items():
        count = m[key(DUR + "_count", route=route)]
        assert count == total, f"{route}: histogram count {count} != requests {total}"
        assert m[key(DUR + "_bucket", route=route, le="+Inf")] == count
        buckets = sorted(((float(dict(labels)["le"]), v) for (name, labels), v in m.items()
                          if name == DUR + "_bucket" and dict(labels)["route"] == route))
        les = [le for le, _ in buckets]
        assert les[0] == 0.0005 and les[-2] == 5 and les[-1] == float("inf"), les
        values = [v for _, v in buckets]
        assert values == sorted(values), f"{route}: buckets not cumulative: {values}"
        assert 0 < m[key(DUR + "_sum", route=route)] < 60 * count


def test_in_flight_and_connection_gauges(msrv, mc):
    # Earlier clients' connections close asynchronously: wait for them.
    _, base = scrape_until(mc, quiet)
    assert quiet(base), (base[INFLIGHT], base[OPEN])
    assert base[key("equalities_api_http_connections_total")] >= 1
    aborted = key(REQS, route="unmatched", method="other", status="0")

    # A request whose headers never finish: in flight, on an open connection.
    s = socket.create_connection((msrv.host, msrv.port), timeout=5)
    try:
        s.sendall(b"GET /v1/areas HTTP/1.1\r\nHost: x\r\n")
        _, m = scrape_until(mc, lambda m: m[INFLIGHT] == 2)
        assert m[INFLIGHT] == 2 and m[OPEN] == 2, (m[INFLIGHT], m[OPEN])
        assert m[key("equalities_api_http_connections_total")] == \
            base[key("equalities_api_http_connections_total")] + 1
    finally:
        s.close()
    # The client left before any response: counted with status 0, as
    # "unmatched" (it never reached the router), method "other" (its
    # headers never finished).
    _, m = scrape_until(mc, lambda m: quiet(m) and m.get(aborted, 0) > base.get(aborted, 0))
    assert quiet(m), (m[INFLIGHT], m[OPEN])
    assert m.get(aborted, 0) == base.get(aborted, 0) + 1


def test_response_cache_counters_move(mc):
    path = "/v1/areas?kind=ward&limit=" + str(100 + uuid.uuid4().int % 300)   # a fresh key
    _, before = scrape(mc)
    first = mc.get(path)
    assert first.status_code == 200
    assert mc.get(path).status_code == 200
    assert mc.get(path, headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    _, after = scrape(mc)

    def moved(name):
        return after[key(name)] - before[key(name)]

    assert after[key("equalities_api_response_cache_enabled")] == 1
    assert moved("equalities_api_response_cache_misses_total") == 1
    assert moved("equalities_api_response_cache_stores_total") == 1
    assert moved("equalities_api_response_cache_hits_total") == 1
    assert moved("equalities_api_response_cache_not_modified_total") == 1


def test_database_pool_gauges(msrv, mc):
    mc.get("/readyz")
    _, m = scrape(mc)
    assert m[key("equalities_api_db_pool_size")] == 3
    # Nothing else runs: the scrape itself holds no connection.
    assert m[key("equalities_api_db_connections_in_use")] == 0
    assert m[key("equalities_api_db_connections_waiting")] == 0
    assert m[key("equalities_api_db_connections_opened_total")] >= 1
    assert m[key("equalities_api_db_connect_failures_total")] == 0
    for kind in ("unavailable", "timeout", "constraint", "other"):
        assert key("equalities_api_db_errors_total", kind=kind) in m
    assert m[key("equalities_api_change_listener_connected")] == 1


def test_build_info_and_start_time(mc):
    text, m = scrape(mc)
    info = [dict(labels) for (name, labels) in m if name == "equalities_api_build_info"]
    assert len(info) == 1, info
    version = harness.run_cli("--version").stdout.split()[-1]
    assert info[0]["version"] == version
    assert re.fullmatch(r"\d+\.\d+\.\d+", info[0]["libmicrohttpd"]), info
    assert re.fullmatch(r"\d+\.\d+", info[0]["libpq"]), info
    assert m[key("equalities_api_build_info", **info[0])] == 1
    started = m[key("process_start_time_seconds")]
    assert time.time() - 600 < started <= time.time(), started


def listener_connects(srv) -> int:
    return sum(1 for line in srv.log_lines() if line.get("msg") == "change listener connected")


def test_a_database_restart_moves_errors_and_reconnects(msrv, mc, pg):
    assert mc.get("/v1/areas?limit=3").status_code == 200   # a pooled connection exists
    _, before = scrape(mc)
    connected = listener_connects(msrv)
    pg.restart("fast")
    # The pooled connection died with the server: the next query fails on
    # it, the pool reconnects, and the read is retried on the new one.
    r = mc.get("/v1/areas?limit=4")
    assert r.status_code == 200, r.text[:300]
    deadline = time.monotonic() + 10
    while listener_connects(msrv) <= connected and time.monotonic() < deadline:
        time.sleep(0.05)
    _, after = scrape(mc)

    def moved(name, **labels):
        return after[key(name, **labels)] - before[key(name, **labels)]

    assert moved("equalities_api_db_errors_total", kind="unavailable") >= 1
    assert moved("equalities_api_db_reconnects_total") >= 1
    assert moved("equalities_api_db_connect_failures_total") == 0
    assert moved("equalities_api_change_listener_reconnects_total") == 1
    assert after[key("equalities_api_change_listener_connected")] == 1
