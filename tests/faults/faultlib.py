"""Helpers for the fault and load suite (not a test module): servers with
explicit settings, API keys, write bodies, a client that retries a write
with its own Idempotency-Key until it is acknowledged, latency figures.

Figures a test wants in the closing note go through ``figure()``: they are
printed at the end of the pytest run (conftest.py) and appended to
$EQ_ARTIFACTS_DIR/fault-figures.txt.
"""

from __future__ import annotations

import json
import random
import secrets
import time
import uuid
from dataclasses import dataclass, field
from typing import Optional

import requests

import harness
from harness import make_key

# The rate limits (EQ_RATE_LIMIT_*, EQ_AUTH_FAILURE*) would throttle the
# load these tests make on purpose; 0 switches each off.  The service reads
# only the EQ_* variables it knows (src/config.c), so these are harmless
# for a binary that has no rate limits.
RATE_LIMITS_OFF = {
    "EQ_RATE_LIMIT_PER_IP": "0",
    "EQ_RATE_LIMIT_PER_IP_BURST": "0",
    "EQ_RATE_LIMIT_PER_KEY": "0",
    "EQ_RATE_LIMIT_PER_KEY_BURST": "0",
    "EQ_AUTH_FAILURES_PER_HOUR": "0",
    "EQ_AUTH_FAILURE_BURST": "0",
}

FAULT_MARKER = "fault injection compiled in"

HATE_REPORTS = "/v1/hate-crime/reports"
WINDOWS = "/v1/return-windows"
RETURNS = "/v1/returns"
PLANS = "/v1/action-plans"
ACTIONS = "/v1/action-plans/{id}/actions"
UPDATES = "/v1/actions/{id}/updates"

PARTNERS = ["partner-care", "partner-youth", "partner-housing", "partner-leisure"]

FIGURES: list[str] = []


def figure(line: str) -> None:
    """Record one line of figures for the closing note."""
    FIGURES.append(line)
    print("FIGURES: " + line, flush=True)
    try:
        harness.ARTIFACTS_DIR.mkdir(parents=True, exist_ok=True)
        with open(harness.ARTIFACTS_DIR / "fault-figures.txt", "a", encoding="utf-8") as f:
            f.write(time.strftime("%H:%M:%S ") + line + "\n")
    except OSError:
        pass


def server_env(**env) -> dict:
    """Settings for a server of this suite: rate limits off, then ``env``."""
    out = dict(RATE_LIMITS_OFF)
    out.update(env)
    return out




def sql_literal(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def sql_list(items) -> str:
    return "(" + ", ".join(sql_literal(str(x)) for x in items) + ")"


def headers(key: Optional[str], **extra) -> dict:
    h = {"X-Request-Id": "flt-" + secrets.token_hex(8), "Content-Type": "application/json"}
    if key:
        h["Authorization"] = "Bearer " + key
    h.update(extra)
    return h


def hate_body(reference: str) -> dict:
    return {
        "occurred_from": "2024-05-03",
        "reported_on": "2024-05-04",
        "location": {"kind": "ward", "ward": "E05013642"},
        "strands": ["religion"],
        "offence_type": "public_order",
        "channel": "in_person",
        "submitter_reference": reference,
        "victim": [{"characteristic": "religion", "category": "jewish"}],
    }


def return_body(window_id: str) -> dict:
    return {"window": window_id, "total": 100, "lines": {
        "sex": {"female": 60, "male": 40},
        "ethnicity": {"white_british": 50, "asian_indian": 30, "black_african": 20},
        "disability": {"disabled": 12, "not_disabled": 88},
        "age": {"age_20_24": 30, "age_25_29": 70},
    }}


def unused_periods(pg, kind: str, n: int) -> list[str]:
    """``n`` return-window periods of ``kind`` that no window has yet."""
    taken = set(pg.psql(f"SELECT period FROM return_windows WHERE kind = {sql_literal(kind)}")
                .splitlines())
    out: list[str] = []
    while len(out) < n:
        y = random.randint(2200, 9000)
        p = f"{y}/{(y + 1) % 100:02d}" + random.choice(["", " Q1", " Q2", " Q3", " Q4"])
        if p not in taken:
            taken.add(p)
            out.append(p)
    return out


def unused_plan_period(pg) -> str:
    for _ in range(200):
        y = random.randint(2100, 9990)
        if not pg.psql(f"SELECT 1 FROM action_plans WHERE slug = '{y}-{(y + 1) % 100:02d}'"):
            return f"{y}/{(y + 1) % 100:02d}"
    raise AssertionError("no free period for an action plan")


def problem_type(resp) -> str:
    try:
        return resp.json().get("type", "")
    except ValueError:
        return ""


# ---------------------------------------------------------------------------
# A write retried with its own Idempotency-Key until acknowledged
# ---------------------------------------------------------------------------

@dataclass
class Write:
    kind: str                  # report, window, return, action, update
    path: str
    key: str                   # bearer key
    body: dict
    ident: str = ""            # what identifies its record in the database
    idem: str = field(default_factory=lambda: "flt-" + uuid.uuid4().hex)
    data: bytes = b""
    attempts: int = 0
    outcomes: list = field(default_factory=list)   # status codes / exception names
    status: Optional[int] = None                   # the acknowledged status
    content: bytes = b""                           # ... and body
    id: Optional[str] = None
    replayed: bool = False                         # acknowledged by a replay
    unexpected: Optional[str] = None

    def __post_init__(self):
        self.data = json.dumps(self.body, separators=(",", ":")).encode()

    @property
    def retried(self) -> bool:
        return self.attempts > 1


# Answers after which the same request may simply be sent again.
RETRYABLE_STATUSES = {503}


def send_until_acknowledged(session: requests.Session, base_url: str, w: Write,
                            deadline, timeout: float = 5.0, pause: float = 0.1) -> bool:
    """POST ``w`` until a 2xx, retrying after 503, 409 idempotency-in-flight
    and connection errors with the same Idempotency-Key and bytes.  False
    when ``deadline`` (a monotonic time, or a function giving one, asked
    before every attempt) passed first or the answer was anything else
    (then ``w.unexpected`` says what)."""
    until = deadline if callable(deadline) else (lambda: deadline)
    while time.monotonic() < until():
        w.attempts += 1
        try:
            r = session.post(base_url + w.path, data=w.data, timeout=timeout,
                             headers=headers(w.key, **{"Idempotency-Key": w.idem}))
        except requests.RequestException as e:
            w.outcomes.append(type(e).__name__)
            time.sleep(pause)
            continue
        w.outcomes.append(r.status_code)
        if 200 <= r.status_code < 300:
            w.status = r.status_code
            w.content = r.content
            w.replayed = r.headers.get("Idempotent-Replayed") == "true"
            body = r.json()
            w.id = body.get("id")
            return True
        if r.status_code in RETRYABLE_STATUSES:
            assert r.headers.get("Retry-After", "").isdigit(), (
                f"503 without Retry-After: {dict(r.headers)}")
            time.sleep(pause)
            continue
        if r.status_code == 409 and problem_type(r).endswith(":idempotency-in-flight"):
            time.sleep(pause)
            continue
        w.unexpected = f"{r.status_code} {r.text[:300]}"
        return False
    return False


# ---------------------------------------------------------------------------
# Latency figures
# ---------------------------------------------------------------------------

def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of ``values``."""
    if not values:
        return float("nan")
    s = sorted(values)
    k = max(0, min(len(s) - 1, int(round(p / 100.0 * len(s) + 0.5)) - 1))
    return s[k]


def latency_summary(ms: list[float]) -> str:
    if not ms:
        return "n=0"
    return (f"n={len(ms)} p50={percentile(ms, 50):.1f}ms p99={percentile(ms, 99):.1f}ms "
            f"max={max(ms):.1f}ms")
