"""Slow and hostile clients, and a connection flood, from one address.

hostile.py (a separate process) attacks from 127.0.0.2 with hundreds of
Slowloris (slow headers), R.U.D.Y. (slow body) and slow-read connections,
then floods with idle connections and with connect-and-reset churn.
Meanwhile a probe on 127.0.0.1 asks for /healthz and a demographics read
every 25 ms, each on a new connection, and times the whole exchange.  The
attack's ramp (until each of its workers has made its first connection) is
probed and reported too, but held to "no failed probe" only: a ramp of
slow readers is a burst of requests for a large document, whose cost is
CPU, not slowness.

The server runs with explicit limits (not the defaults, which may move):
a per-address connection cap below the total cap, so one address cannot
take every slot, and an idle timeout.  Asserted in every phase: no probe
fails and the /healthz p99 stays under 50 ms; the figures (p50/p99/max of
both probes, the attacker's counts) go in the closing note.
"""

from __future__ import annotations

import json
import os
import select
import socket
import subprocess
import sys
import threading
import time

import pytest

import faultlib as fl

HOSTILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "hostile.py")
ATTACKER = "127.0.0.2"
SETTINGS = {
    "EQ_MAX_CONNECTIONS": "1000",
    "EQ_MAX_CONNECTIONS_PER_IP": "128",
    "EQ_CONNECTION_TIMEOUT": "10",
}
# A phase: the attack ramps up (its workers' first connections: measured,
# reported, not held to the limit, as that is a burst of ordinary requests),
# SETTLE seconds more, then PROBE_SECONDS of probing held to the limit.
SETTLE = 1.0
PROBE_SECONDS = 7.0
PROBE_GAP = 0.025
HEALTHZ_P99_MS = 50.0
DEMOGRAPHICS = "/v1/demographics?characteristic=sex&area=E05013633"

PHASES = [
    # (label, hostile.py arguments)
    ("slow headers (Slowloris)", ["--mode", "slow-headers", "--connections", "300"]),
    ("slow body (R.U.D.Y.)", ["--mode", "slow-body", "--connections", "300"]),
    ("slow read", ["--mode", "slow-read", "--connections", "200"]),
    ("flood: open and idle", ["--mode", "flood-idle", "--connections", "600"]),
    ("flood: connect and reset", ["--mode", "flood-churn", "--connections", "200",
                                  "--rate", "600"]),
]


def raw_get(port: int, path: str, timeout: float = 2.0) -> int:
    """One GET on a new connection from 127.0.0.1; the status code after the
    whole response has arrived (the server closes: Connection: close)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(f"GET {path} HTTP/1.1\r\nHost: probe\r\nConnection: close\r\n\r\n".encode())
        data = b""
        while True:
            b = s.recv(65536)
            if not b:
                break
            data += b
    line = data.split(b"\r\n", 1)[0].split()
    return int(line[1]) if len(line) > 1 and line[1].isdigit() else -1


class Probe:
    """Alternates /healthz and the demographics read until stopped."""

    def __init__(self, port: int):
        self.port = port
        self.ms = {"healthz": [], "demographics": []}
        self.failures: list[str] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        n = 0
        while not self.stop.is_set():
            name, path = (("healthz", "/healthz") if n % 2 == 0
                          else ("demographics", DEMOGRAPHICS))
            n += 1
            t0 = time.perf_counter()
            try:
                status = raw_get(self.port, path)
            except OSError as e:
                status = f"{type(e).__name__}: {e}"
            took = (time.perf_counter() - t0) * 1000
            if status == 200:
                self.ms[name].append(took)
            else:
                self.failures.append(f"{name}: {status} after {took:.0f} ms")
            self.stop.wait(max(0.0, PROBE_GAP - took / 1000))

    def run_for(self, seconds: float) -> "Probe":
        self.thread.start()
        time.sleep(seconds)
        self.stop.set()
        self.thread.join(10)
        return self

    def summary(self) -> str:
        return (f"/healthz {fl.latency_summary(self.ms['healthz'])}; "
                f"demographics {fl.latency_summary(self.ms['demographics'])}; "
                f"failures={len(self.failures)}")


def can_bind(addr: str) -> bool:
    try:
        with socket.socket() as s:
            s.bind((addr, 0))
        return True
    except OSError:
        return False


@pytest.fixture
def target(start_server):
    assert can_bind(ATTACKER), f"cannot bind {ATTACKER}: loopback is not 127.0.0.0/8 here"
    srv = start_server(name="hostile", **fl.server_env(**SETTINGS))
    # Warm the response cache and the connection pool.
    assert raw_get(srv.port, DEMOGRAPHICS) == 200
    return srv


def wait_for_line(stream, want: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([stream], [], [], max(0.0, deadline - time.monotonic()))
        if ready:
            line = stream.readline().decode().strip()
            if line == want:
                return
            if not line:
                break
    raise AssertionError(f"hostile.py did not say {want!r} within {timeout}s")


def run_phase(srv, argv) -> tuple[Probe, Probe, dict]:
    """(the probe during the ramp, the probe after it, the attacker's counts)"""
    attacker = subprocess.Popen(
        [sys.executable, HOSTILE, "--port", str(srv.port), "--source", ATTACKER,
         "--seconds", str(SETTLE + PROBE_SECONDS + 0.5), *argv],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
    ramp = Probe(srv.port)
    ramp.thread.start()
    try:
        wait_for_line(attacker.stdout, "ready", 30)
        time.sleep(SETTLE)
        ramp.stop.set()
        ramp.thread.join(10)
        probe = Probe(srv.port).run_for(PROBE_SECONDS)
        out, err = attacker.communicate(timeout=60)
    finally:
        ramp.stop.set()
        if attacker.poll() is None:
            attacker.kill()
            attacker.wait()
    assert attacker.returncode == 0, f"hostile.py failed: {err.decode()[-2000:]}"
    attack = json.loads(out.decode().strip().splitlines()[-1])
    assert attack["connects"] > 0, attack
    return ramp, probe, attack


def check(label: str, probe: Probe, attack: dict | None = None, attempt: int = 1,
          ramp: Probe | None = None) -> bool:
    """Assert no failed probe; True when the /healthz p99 is within the limit."""
    extra = ""
    if attack:
        extra = (f"; attacker: {attack['connects']} connections "
                 f"(at most {attack['max_open']} open at once), "
                 f"{attack['closed_by_server']} closed by the server, "
                 f"{attack['connect_errors']} connect errors, ready after "
                 f"{attack['ready_after']}s")
    if ramp:
        extra += f"; during the ramp: {ramp.summary()}"
    p99 = fl.percentile(probe.ms["healthz"], 99)
    verdict = "" if p99 < HEALTHZ_P99_MS else f" [p99 over {HEALTHZ_P99_MS:.0f} ms: attempt {attempt}]"
    fl.figure(f"probe under {label}: {probe.summary()}{verdict}{extra}")
    for p in (probe, ramp):
        if p:
            assert not p.failures, f"{label}: failed probes: {p.failures[:10]}"
    assert len(probe.ms["healthz"]) >= 20, f"{label}: too few probes ran"
    return p99 < HEALTHZ_P99_MS


# A phase whose only shortfall is its p99 runs once more: two cores shared
# with other work can stall any process for a moment.  A failed probe is
# never given a second chance, and both attempts are in the figures.
ATTEMPTS = 2


def test_probe_answers_quickly_under_slow_clients_and_floods(target):
    srv = target
    for attempt in range(1, ATTEMPTS + 1):
        if check("no attack (baseline)", Probe(srv.port).run_for(3.0), attempt=attempt):
            break
    else:
        pytest.fail("/healthz p99 over the limit with no attack at all: the machine is too busy")

    for label, argv in PHASES:
        for attempt in range(1, ATTEMPTS + 1):
            ramp, probe, attack = run_phase(srv, argv)
            assert srv.proc.poll() is None, "the service died under " + label
            if check(label, probe, attack, attempt, ramp):
                break
        else:
            pytest.fail(f"{label}: /healthz p99 over {HEALTHZ_P99_MS} ms in {ATTEMPTS} runs "
                        "(see the figures)")

    # The service is whole afterwards and its log is all JSON.
    assert raw_get(srv.port, "/readyz") == 200
    for line in srv.log_lines():
        assert "_unparsed" not in line, f"stderr line that is not JSON: {line['_unparsed']!r}"
