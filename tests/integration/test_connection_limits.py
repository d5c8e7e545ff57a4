"""libmicrohttpd's connection limits as configured in src/http/server.c:
the inactivity timeout, the per-address and total connection limits, and
the connection limit fitted to the process's open-file limit.
"""

from __future__ import annotations

import re
import resource
import socket
import subprocess
import time

import harness

HEALTHZ_CLOSE = b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"


def connect(port: int, source: str = "127.0.0.1", first: bytes = b"") -> socket.socket:
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(5)
    s.bind((source, 0))
    s.connect(("127.0.0.1", port))
    if first:
        s.sendall(first)
    return s


def served(port: int, source: str = "127.0.0.1", timeout: float = 5.0) -> bool:
    """Does a new connection from source get /healthz answered (within
    timeout s)?"""
    try:
        with connect(port, source, HEALTHZ_CLOSE) as s:
            s.settimeout(timeout)
            data = b""
            while True:
                b = s.recv(65536)
                if not b:
                    break
                data += b
    except (ConnectionError, socket.timeout):
        return False
    return data.startswith(b"HTTP/1.1 200 ") and data.endswith(b'{"status":"ok"}')


def seconds_until_closed(s: socket.socket, since: float, limit: float = 6.0) -> float:
    s.settimeout(limit)
    try:
        while s.recv(65536):
            pass
    except ConnectionResetError:
        pass
    return time.monotonic() - since


def test_idle_and_half_sent_requests_are_dropped_after_the_timeout(start_server):
    srv = start_server(EQ_CONNECTION_TIMEOUT="1")
    t0 = time.monotonic()
    idle = connect(srv.port)
    half = connect(srv.port, first=b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
    kept = connect(srv.port, first=b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
    with idle, half, kept:
        # A keep-alive connection after its answer is idle like any other.
        for s in (idle, half, kept):
            took = seconds_until_closed(s, t0)
            assert 0.9 <= took < 3.5, took
    assert served(srv.port)


def test_per_address_connection_limit(start_server):
    srv = start_server(EQ_MAX_CONNECTIONS_PER_IP="4")
    held = [connect(srv.port, "127.0.0.2", b"GET /healthz HTTP/1.1\r\n") for _ in range(4)]
    try:
        time.sleep(0.2)
        assert not served(srv.port, "127.0.0.2"), "a fifth connection from one address was served"
        assert served(srv.port, "127.0.0.3"), "another address must not be affected"
        held.pop().close()
        time.sleep(0.2)
        assert served(srv.port, "127.0.0.2"), "a freed slot should be usable again"
    finally:
        for s in held:
            s.close()


def test_total_connection_limit(start_server):
    srv = start_server(EQ_MAX_CONNECTIONS="6", EQ_MAX_CONNECTIONS_PER_IP="0", EQ_THREADS="1")
    held = [connect(srv.port, f"127.0.0.{10 + i}", b"GET /healthz HTTP/1.1\r\n") for i in range(6)]
    try:
        time.sleep(0.2)
        # Beyond the limit a connection waits in the listen queue.
        assert not served(srv.port, "127.0.0.30", timeout=1.0)
        held.pop().close()
        time.sleep(0.2)
        assert served(srv.port, "127.0.0.31")
    finally:
        for s in held:
            s.close()


def run_with_nofile(soft: int, hard: int):
    port = harness.free_port()
    env = harness.service_env({**harness.RATE_LIMITS_OFF, "EQ_LISTEN": f"127.0.0.1:{port}",
                               "EQ_THREADS": "2", "EQ_DB_POOL_SIZE": "2"})
    log = harness.ARTIFACTS_DIR / f"server-nofile-{port}.log"
    harness.ARTIFACTS_DIR.mkdir(parents=True, exist_ok=True)
    err = open(log, "wb")
    proc = subprocess.Popen(
        [str(harness.BINARY), "serve"], cwd=harness.ROOT, env=env, stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL, stderr=err,
        preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard)))
    err.close()
    deadline = time.monotonic() + 10
    while not served(port):
        assert proc.poll() is None, "exited at start:\n" + log.read_text()
        assert time.monotonic() < deadline, log.read_text()
        time.sleep(0.05)
    return proc, port, log


def try_connect(port: int, source: str, first: bytes):
    try:
        return connect(port, source, first)
    except (ConnectionError, socket.timeout):
        return None


def stop(proc, log):
    proc.terminate()
    assert proc.wait(10) == 0, log.read_text()
    text = log.read_text()
    for marker in harness.SANITIZER_MARKERS:
        assert marker not in text, text
    return text


def test_the_soft_open_file_limit_is_raised_for_the_connections(start_server):
    proc, port, log = run_with_nofile(256, 4096)
    try:
        limits = open(f"/proc/{proc.pid}/limits").read()
        soft = int(re.search(r"Max open files\s+(\d+)", limits).group(1))
        # 1000 connections + 2 database + 2 * 2 workers + 64 spare.
        assert soft == 1000 + 2 + 4 + 64, limits
    finally:
        text = stop(proc, log)
    assert "does not fit the open-file limit" not in text


def test_connections_are_fitted_to_a_small_open_file_limit(start_server):
    proc, port, log = run_with_nofile(150, 150)
    try:
        text = log.read_text()
        # 150 - (2 + 2 * 2 + 64) = 80 connections.
        assert "EQ_MAX_CONNECTIONS=1000 does not fit the open-file limit (150): serving at most 80 connections" \
            in text, text
        held = [try_connect(port, f"127.0.0.{2 + i // 50}", b"GET /healthz HTTP/1.1\r\n")
                for i in range(100)]
        try:
            time.sleep(0.3)
            assert not served(port, "127.0.0.9", timeout=1.0), "more connections than fit were served"
        finally:
            for s in held:
                if s:
                    s.close()
        time.sleep(0.3)
        assert served(port), "the service should answer again once connections close"
    finally:
        stop(proc, log)
