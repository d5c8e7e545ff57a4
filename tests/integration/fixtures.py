"""Fixtures for the test suites (integration, and every suite beside it:
security, faults, ...): the real binary, on the real PostgreSQL cluster,
over real HTTP.  A suite's conftest.py puts tests/integration on sys.path
and does `from fixtures import *`.  Run with Debian's python:

    /usr/bin/python3 -m pytest -q tests/integration

scripts/test sets the environment (see harness.py for the variables and
their defaults) after migrating and seeding the test database.

Fixtures:
  server         session-wide `equalities-api serve` (.url .port .proc
                 .log_lines() .log_text() .log_path); SIGTERM at the end,
                 and the suite fails unless it exits 0 (sanitizer builds
                 report leaks and UB through the exit code).
  start_server   factory: start_server(EQ_MAX_BODY_BYTES=1024, ...) -> Server
                 (value None unsets a variable; name="..." labels the log
                 file; wait=False skips the /healthz wait). Stopped and
                 checked the same way at the end of the test. Set
                 srv.expected_returncode (None: any) when a test makes it
                 exit otherwise.
  api            ApiClient on `server` (get/post/put/patch/delete/head/
                 options, default timeout 10 s, relative paths)
  make_client    factory: make_client(srv) -> ApiClient for another server
  openapi        api/openapi.yaml, loaded once: openapi.validate(resp,
                 "/v1/areas", method="get") -> parsed body
  pg             scripts/pg: pg.stop("immediate"), pg.start(), pg.restart(),
                 pg.psql("select ...") -> stdout; started again at teardown
  raw_request    raw_request(port, data: bytes, read_timeout) -> bytes
  cli            cli("migrate", env={...}) -> CompletedProcess of the binary
"""

from __future__ import annotations

import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness  # noqa: E402
from harness import (  # noqa: E402,F401  (re-exported for tests)
    ApiClient,
    OpenApi,
    PgControl,
    Server,
    close_all,
    load_openapi,
    parse_log_lines,
    raw_request as _raw_request,
    run_cli,
    split_http_responses,
)


def raw_request(port: int, data: bytes, read_timeout: float = 2.0) -> bytes:
    """Socket-level request: send ``data``, return all bytes received until
    the server closes or ``read_timeout`` s pass."""
    return _raw_request(port, data, read_timeout)


@pytest.fixture(scope="session")
def server():
    srv = Server("main").start()
    try:
        yield srv
    finally:
        problem = srv.check_exit()
    if problem:
        pytest.fail(problem, pytrace=False)


@pytest.fixture
def start_server():
    started: list[Server] = []
    counter = [0]

    def _start(name: str | None = None, wait: bool = True, **env) -> Server:
        counter[0] += 1
        srv = Server(name or f"extra{counter[0]}", env)
        started.append(srv)
        return srv.start(wait=wait)

    try:
        yield _start
    finally:
        problems = close_all(started)
    if problems:
        pytest.fail("\n\n".join(problems), pytrace=False)


@pytest.fixture
def api(server):
    client = ApiClient(server.url)
    yield client
    client.close()


@pytest.fixture
def make_client():
    clients: list[ApiClient] = []

    def _make(srv_or_url, timeout: float = harness.DEFAULT_TIMEOUT) -> ApiClient:
        url = srv_or_url if isinstance(srv_or_url, str) else srv_or_url.url
        c = ApiClient(url, timeout)
        clients.append(c)
        return c

    yield _make
    for c in clients:
        c.close()


@pytest.fixture(scope="session")
def openapi() -> OpenApi:
    return OpenApi.load(harness.OPENAPI_PATH)


@pytest.fixture
def pg():
    control = PgControl(harness.PG_SCRIPT)
    try:
        yield control
    finally:
        # Whatever the test did, later tests need the database back.
        control.start()


@pytest.fixture(name="raw_request")
def raw_request_fixture():
    return raw_request


@pytest.fixture
def cli():
    return run_cli
