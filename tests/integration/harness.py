"""Helpers for the integration tests: run the real binary, talk HTTP to it,
check responses against api/openapi.yaml, drive the PostgreSQL cluster.

The fixtures in conftest.py wrap these; tests may also import them directly
(``from harness import raw_request, split_http_responses``).

Environment (set by scripts/test; the defaults suit a local checkout):

  EQ_ROOT               repository root (default: two levels above this file)
  EQ_BINARY             the service binary (default: $EQ_ROOT/build/equalities-api)
  EQ_TEST_DATABASE_URL  database the servers use (default: equalities_test
                        in the private cluster, port $EQ_PGPORT or 55432)
  EQ_PG_SCRIPT          scripts/pg (default: $EQ_ROOT/scripts/pg)
  EQ_ARTIFACTS_DIR      where server logs are written (default: $EQ_ROOT/test-artifacts)
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import time
import uuid
from pathlib import Path
from typing import Any, Iterable, Optional
from urllib.parse import urlsplit

import requests
import yaml
from jsonschema import Draft202012Validator, FormatChecker, RefResolver

# ---------------------------------------------------------------------------
# Configuration
# ---------------------------------------------------------------------------

ROOT = Path(os.environ.get("EQ_ROOT") or Path(__file__).resolve().parents[2])
BINARY = Path(os.environ.get("EQ_BINARY") or ROOT / "build" / "equalities-api")
TEST_DATABASE_URL = os.environ.get("EQ_TEST_DATABASE_URL") or (
    "postgresql://equalities@127.0.0.1:%s/equalities_test"
    % os.environ.get("EQ_PGPORT", "55432")
)
PG_SCRIPT = Path(os.environ.get("EQ_PG_SCRIPT") or ROOT / "scripts" / "pg")
ARTIFACTS_DIR = Path(os.environ.get("EQ_ARTIFACTS_DIR") or ROOT / "test-artifacts")
OPENAPI_PATH = ROOT / "api" / "openapi.yaml"

DEFAULT_TIMEOUT = 10.0
STARTUP_TIMEOUT = 10.0
SHUTDOWN_TIMEOUT = 10.0

# Text that only appears in stderr when a sanitizer found something. Exit
# codes catch these too (halt_on_error/abort_on_error); this is a backstop.
SANITIZER_MARKERS = (
    "ERROR: AddressSanitizer",
    "ERROR: LeakSanitizer",
    "SUMMARY: UndefinedBehaviorSanitizer",
    "runtime error:",
)


# Every rate limit switched off (0 disables a limit; see src/http/ratelimit.h).
RATE_LIMITS_OFF = {
    "EQ_RATE_LIMIT_PER_IP": "0",
    "EQ_RATE_LIMIT_PER_IP_BURST": "0",
    "EQ_RATE_LIMIT_PER_KEY": "0",
    "EQ_RATE_LIMIT_PER_KEY_BURST": "0",
    "EQ_AUTH_FAILURES_PER_HOUR": "0",
    "EQ_AUTH_FAILURE_BURST": "0",
}


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    return free_ports(1)[0]


def free_ports(n: int) -> list[int]:
    """n distinct TCP ports on 127.0.0.1 that were free a moment ago: all
    held bound together while they are picked, since the kernel may hand a
    port just released to the very next bind (a server once got the same
    port for its API and its metrics listener, and refused to start)."""
    socks = []
    try:
        for _ in range(n):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            socks.append(s)
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def database_name(url: str) -> str:
    """The database name in a postgresql:// URL (default equalities_test)."""
    path = urlsplit(url).path.lstrip("/")
    return path or "equalities_test"


def parse_log_lines(text: str) -> list[dict]:
    """One dict per non-empty line. A line that is not a JSON object becomes
    ``{"_unparsed": line}`` so a test can assert there are none."""
    out = []
    for line in text.splitlines():
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except ValueError:
            obj = None
        out.append(obj if isinstance(obj, dict) else {"_unparsed": line})
    return out


def service_env(overrides: Optional[dict] = None) -> dict:
    """Environment for the binary: ours minus every inherited EQ_* setting (a
    developer's shell must not change what the tests see), plus the test
    database, plus overrides (value None removes a variable)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("EQ_")}
    env["EQ_DATABASE_URL"] = TEST_DATABASE_URL
    # A seed run by a test loads the data alone: the demo release history
    # would have the public statistics serve releases instead of the live
    # figures the suites insert and read (seeded_database makes one).
    env["EQ_SEED_HISTORY"] = "off"
    for k, v in (overrides or {}).items():
        if v is None:
            env.pop(k, None)
        else:
            env[k] = str(v)
    return env


def run_cli(*args: str, env: Optional[dict] = None, timeout: float = 120.0,
            input: Optional[str] = None) -> subprocess.CompletedProcess:
    """Run ``$EQ_BINARY ARGS...`` in the repository root; never raises on a
    non-zero exit (check ``.returncode``)."""
    _require_binary()
    return subprocess.run(
        [str(BINARY), *args], cwd=ROOT, env=service_env(env), input=input,
        capture_output=True, text=True, timeout=timeout,
    )


def seeded_database(suffix: str, history: bool = True) -> str:
    """A database of its own (the test database's name + suffix), migrated
    and seeded as scripts/run leaves one: with the demo release history
    unless history is False.  Returns its URL."""
    name = database_name(TEST_DATABASE_URL) + "_" + suffix
    PgControl()._run("recreate", name)
    url = TEST_DATABASE_URL.rsplit("/", 1)[0] + "/" + name
    for cmd in ("migrate", "seed"):
        p = run_cli(cmd, env={"EQ_DATABASE_URL": url, "EQ_SEED_HISTORY": None if history else "off"},
                    timeout=300)
        assert p.returncode == 0, p.stderr[-3000:]
    return url


def _require_binary() -> None:
    if not (BINARY.is_file() and os.access(BINARY, os.X_OK)):
        raise AssertionError(
            f"service binary {BINARY} not found or not executable "
            "(build it with `meson compile -C build`, or set EQ_BINARY)")


# ---------------------------------------------------------------------------
# A running service instance
# ---------------------------------------------------------------------------

# Each server's metrics listener (EQ_METRICS_LISTEN), by its public URL.
_METRICS_URLS: dict[str, str] = {}


def metrics_url(base_url: str) -> str:
    """The /metrics URL of the server answering at base_url: served on its
    own listener (EQ_METRICS_LISTEN), never on the public one."""
    return _METRICS_URLS[base_url.rstrip("/")] + "/metrics"


class Server:
    """``$EQ_BINARY serve`` on a free loopback port, stderr captured to a file;
    its metrics on another (``metrics_url``)."""

    def __init__(self, name: str = "main", env: Optional[dict] = None):
        self.name = name
        self.port, self.metrics_port = free_ports(2)
        self.host = "127.0.0.1"
        self.url = f"http://{self.host}:{self.port}"
        self.metrics_url = f"http://{self.host}:{self.metrics_port}"
        _METRICS_URLS[self.url] = self.metrics_url
        overrides = {
            "EQ_LISTEN": f"{self.host}:{self.port}",
            "EQ_METRICS_LISTEN": f"{self.host}:{self.metrics_port}",
            "EQ_CORS_ORIGINS": "https://council.example",
            "EQ_LOG_LEVEL": "info",
        }
        # Rate limits OFF by default: a suite sends bursts from one address
        # and many 401s on purpose, and must not be refused by a limit it
        # is not testing.  Tests of the limits (test_rate_limits.py, the
        # security suite) switch them on explicitly through env.
        overrides.update(RATE_LIMITS_OFF)
        overrides.update(env or {})
        self.env = service_env(overrides)
        ARTIFACTS_DIR.mkdir(parents=True, exist_ok=True)
        self.log_path = ARTIFACTS_DIR / f"server-{name}-{self.port}.log"
        self.stdout_path = ARTIFACTS_DIR / f"server-{name}-{self.port}.stdout"
        self.proc: Optional[subprocess.Popen] = None
        self.returncode: Optional[int] = None
        # What stop()/the fixtures expect; None: do not check.
        self.expected_returncode: Optional[int] = 0
        self._files: list = []

    # -- lifecycle ---------------------------------------------------------

    def start(self, wait: bool = True, timeout: float = STARTUP_TIMEOUT) -> "Server":
        _require_binary()
        err = open(self.log_path, "wb")
        out = open(self.stdout_path, "wb")
        self._files = [err, out]
        self.proc = subprocess.Popen(
            [str(BINARY), "serve"], cwd=ROOT, env=self.env,
            stdin=subprocess.DEVNULL, stdout=out, stderr=err,
        )
        if wait:
            self.wait_healthy(timeout)
        return self

    def wait_healthy(self, timeout: float = STARTUP_TIMEOUT) -> None:
        """Wait until GET /healthz answers 200 (bounded by ``timeout``)."""
        deadline = time.monotonic() + timeout
        last = "no answer"
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                self._close_files()
                self.returncode = self.proc.returncode
                raise AssertionError(
                    f"server {self.name} exited with {self.proc.returncode} during start-up\n"
                    + self.log_tail())
            try:
                r = requests.get(self.url + "/healthz", timeout=1.0)
                if r.status_code == 200:
                    return
                last = f"HTTP {r.status_code}"
            except requests.RequestException as e:
                last = type(e).__name__
            time.sleep(0.05)
        self.kill()
        raise AssertionError(
            f"server {self.name} not healthy after {timeout}s ({last})\n" + self.log_tail())

    def send_signal(self, sig: int) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)

    def stop(self, sig: int = signal.SIGTERM, timeout: float = SHUTDOWN_TIMEOUT) -> int:
        """Send ``sig``, wait up to ``timeout`` s (then SIGKILL). Returns the exit
        code (negative: killed by that signal). Idempotent."""
        if self.proc is None:
            return 0
        if self.returncode is None:
            if self.proc.poll() is None:
                self.proc.send_signal(sig)
                try:
                    self.proc.wait(timeout)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait()
                    self._timed_out = True
            self.returncode = self.proc.returncode
            self._close_files()
        return self.returncode

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        if self.proc:
            self.returncode = self.proc.returncode
        self._close_files()

    def check_exit(self) -> Optional[str]:
        """Stop (SIGTERM) if still running; a problem description or None."""
        rc = self.stop()
        problems = []
        if getattr(self, "_timed_out", False):
            problems.append(f"did not exit within {SHUTDOWN_TIMEOUT}s of SIGTERM (killed)")
        if self.expected_returncode is not None and rc != self.expected_returncode:
            problems.append(f"exit code {rc}, expected {self.expected_returncode}")
        text = self.log_text()
        found = [m for m in SANITIZER_MARKERS if m in text]
        if found:
            problems.append("sanitizer report in stderr: " + ", ".join(found))
        if problems:
            return (f"server {self.name} ({self.log_path}): " + "; ".join(problems)
                    + "\n" + self.log_tail(60))
        return None

    def _close_files(self) -> None:
        for f in self._files:
            try:
                f.close()
            except OSError:
                pass
        self._files = []

    # -- logs --------------------------------------------------------------

    def log_text(self) -> str:
        try:
            return self.log_path.read_bytes().decode("utf-8", "replace")
        except FileNotFoundError:
            return ""

    def log_lines(self) -> list[dict]:
        """stderr so far, one dict per line (see parse_log_lines)."""
        return parse_log_lines(self.log_text())

    def log_tail(self, n: int = 40) -> str:
        lines = self.log_text().splitlines()[-n:]
        return f"--- last {len(lines)} lines of {self.log_path} ---\n" + "\n".join(lines)

    def wait_for_log(self, predicate, timeout: float = 5.0) -> dict:
        """Wait until a parsed log line satisfies ``predicate``; return it."""
        deadline = time.monotonic() + timeout
        while True:
            for line in self.log_lines():
                if predicate(line):
                    return line
            if time.monotonic() >= deadline:
                raise AssertionError("no matching log line\n" + self.log_tail())
            time.sleep(0.05)

    def __repr__(self) -> str:
        return f"<Server {self.name} {self.url} pid={self.proc.pid if self.proc else None}>"


# ---------------------------------------------------------------------------
# HTTP clients
# ---------------------------------------------------------------------------

class ApiClient:
    """A requests.Session bound to a base URL, with a default timeout.

    ``api.get("/v1/areas", params={...})``; absolute URLs are used as they are.
    """

    def __init__(self, base_url: str, timeout: float = DEFAULT_TIMEOUT):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.session = requests.Session()

    def url(self, path: str) -> str:
        if path.startswith(("http://", "https://")):
            return path
        return self.base_url + ("" if path.startswith("/") else "/") + path

    def request(self, method: str, path: str, **kw) -> requests.Response:
        kw.setdefault("timeout", self.timeout)
        return self.session.request(method, self.url(path), **kw)

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def head(self, path, **kw):
        return self.request("HEAD", path, **kw)

    def options(self, path, **kw):
        return self.request("OPTIONS", path, **kw)

    def post(self, path, **kw):
        return self.request("POST", path, **kw)

    def put(self, path, **kw):
        return self.request("PUT", path, **kw)

    def patch(self, path, **kw):
        return self.request("PATCH", path, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)

    def close(self) -> None:
        self.session.close()


def report_body(reference_prefix: str, **over) -> dict:
    """A valid hate-crime report for POST /v1/hate-crime/reports, with a
    submitter_reference of its own (the same one twice is a 409); fields
    in over replace the defaults."""
    body = {
        "occurred_from": "2024-05-03",
        "reported_on": "2024-05-04",
        "location": {"kind": "ward", "ward": "E05013642"},
        "strands": ["religion"],
        "offence_type": "public_order",
        "channel": "in_person",
        "submitter_reference": reference_prefix + uuid.uuid4().hex[:16],
        "victim": [{"characteristic": "religion", "category": "jewish"}],
    }
    body.update(over)
    return body


def make_key(org: str, scopes: str) -> str:
    """A new API key for organisation ``org`` (its slug) with ``scopes``
    (comma-separated), made the way an operator does: `keys create`."""
    p = run_cli("keys", "create", "--org", org, "--scopes", scopes)
    assert p.returncode == 0, p.stderr
    key = p.stdout.strip()
    assert key.startswith("eq_"), "keys create printed no key"
    return key


def raw_request(port: int, data: bytes, read_timeout: float = 2.0,
                host: str = "127.0.0.1") -> bytes:
    """Send ``data`` as-is on a new TCP connection and return every byte the
    server sends until it closes the connection or ``read_timeout`` seconds
    (in total) have passed. For keep-alive, pipelining and malformed-request
    tests. A reset or early close by the server is not an error."""
    chunks = []
    deadline = time.monotonic() + read_timeout
    with socket.create_connection((host, port), timeout=DEFAULT_TIMEOUT) as s:
        try:
            if data:
                s.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            pass
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            s.settimeout(remaining)
            try:
                b = s.recv(65536)
            except socket.timeout:
                break
            except ConnectionResetError:
                break
            if not b:
                break
            chunks.append(b)
    return b"".join(chunks)


def split_http_responses(data: bytes, head_indices: Iterable[int] = ()) -> list[dict]:
    """Split raw bytes into HTTP/1.x responses (``head_indices``: positions
    of the responses that answer HEAD requests, which carry no body):
    ``[{"status": 200, "reason": "OK", "headers": {lower-case name: value},
    "body": bytes}]``. Bodies are framed by Content-Length or chunked
    encoding; 1xx/204/304 have none. A trailing incomplete response is
    returned with ``"incomplete": True``."""
    head_indices = set(head_indices)
    out: list[dict] = []
    rest = data
    while rest:
        head_end = rest.find(b"\r\n\r\n")
        if head_end < 0:
            out.append({"status": None, "raw": rest, "incomplete": True})
            break
        head = rest[:head_end].decode("iso-8859-1")
        rest = rest[head_end + 4:]
        lines = head.split("\r\n")
        parts = lines[0].split(" ", 2)
        status = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
        headers: dict[str, str] = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            key = name.strip().lower()
            value = value.strip()
            headers[key] = headers[key] + ", " + value if key in headers else value
        resp = {"status": status, "reason": parts[2] if len(parts) > 2 else "",
                "status_line": lines[0], "headers": headers, "body": b""}
        out.append(resp)
        if (status is not None and (100 <= status < 200 or status in (204, 304))) \
                or len(out) - 1 in head_indices:
            continue
        if "chunked" in headers.get("transfer-encoding", "").lower():
            body = b""
            while True:
                eol = rest.find(b"\r\n")
                if eol < 0:
                    resp["incomplete"] = True
                    return out
                size = int(rest[:eol].split(b";")[0].strip() or b"0", 16)
                rest = rest[eol + 2:]
                if size == 0:
                    trailer_end = rest.find(b"\r\n")
                    # skip optional trailers up to the empty line
                    while trailer_end > 0:
                        rest = rest[trailer_end + 2:]
                        trailer_end = rest.find(b"\r\n")
                    rest = rest[trailer_end + 2:] if trailer_end == 0 else b""
                    break
                body += rest[:size]
                rest = rest[size + 2:]
            resp["body"] = body
        elif "content-length" in headers:
            n = int(headers["content-length"])
            resp["body"] = rest[:n]
            if len(rest) < n:
                resp["incomplete"] = True
            rest = rest[n:]
        else:
            # No framing: the body runs to the end of the connection.
            resp["body"] = rest
            rest = b""
    return out


# ---------------------------------------------------------------------------
# OpenAPI contract checks
# ---------------------------------------------------------------------------

_RFC3339 = re.compile(
    r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")


def _format_checker() -> FormatChecker:
    fc = FormatChecker()
    fc.checkers = dict(Draft202012Validator.FORMAT_CHECKER.checkers)
    if "date-time" not in fc.checkers:  # needs an optional package otherwise
        @fc.checks("date-time", raises=ValueError)
        def _date_time(value):
            if not isinstance(value, str):
                return True
            if not _RFC3339.match(value):
                return False
            from datetime import datetime
            datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00")
                                   .replace("t", "T").replace(" ", "T"))
            return True
    return fc


_JSON_TYPES = ("application/json", "application/problem+json")
_NO_BODY_STATUSES = (204, 304)


def _media_type(value: Optional[str]) -> str:
    return (value or "").split(";", 1)[0].strip().lower()


def _is_json(media: str) -> bool:
    return media in _JSON_TYPES or media.endswith("+json")


def _template_regex(template: str) -> re.Pattern:
    parts = re.split(r"(\{[^}/]+\})", template)
    rx = "".join("[^/]+" if p.startswith("{") else re.escape(p) for p in parts)
    return re.compile(rx + "$")


class OpenApi:
    """An OpenAPI 3.1 document, and checks of real responses against it."""

    def __init__(self, doc: dict, source: str = "<inline>"):
        if not isinstance(doc, dict) or "paths" not in doc:
            raise ValueError(f"{source}: not an OpenAPI document (no 'paths')")
        self.doc = doc
        self.source = source
        self._resolver = RefResolver.from_schema(doc)
        self._format_checker = _format_checker()

    @classmethod
    def load(cls, path: os.PathLike | str = OPENAPI_PATH) -> "OpenApi":
        with open(path, encoding="utf-8") as f:
            return cls(yaml.safe_load(f), str(path))

    # -- lookups -----------------------------------------------------------

    def deref(self, obj: Any) -> Any:
        """Follow local ``$ref``s ("#/components/...") until a real object."""
        seen = set()
        while isinstance(obj, dict) and "$ref" in obj:
            ref = obj["$ref"]
            if ref in seen:
                raise AssertionError(f"{self.source}: $ref cycle at {ref}")
            seen.add(ref)
            if not ref.startswith("#/"):
                raise AssertionError(f"{self.source}: only local $refs are supported: {ref}")
            target: Any = self.doc
            for token in ref[2:].split("/"):
                token = token.replace("~1", "/").replace("~0", "~")
                try:
                    target = target[token]
                except (KeyError, TypeError):
                    raise AssertionError(f"{self.source}: unresolvable $ref {ref}") from None
            obj = target
        return obj

    def paths(self) -> list[str]:
        return list(self.doc.get("paths", {}))

    def operation(self, path_template: str, method: str = "get") -> dict:
        paths = self.doc.get("paths", {})
        assert path_template in paths, (
            f"{path_template} is not a path in {self.source} (paths: {sorted(paths)})")
        item = self.deref(paths[path_template])
        op = item.get(method.lower())
        assert op is not None, (
            f"{method.upper()} {path_template} is not documented in {self.source}")
        return op

    def schema(self, name: str) -> dict:
        return self.doc["components"]["schemas"][name]

    def validator(self, schema: dict) -> Draft202012Validator:
        return Draft202012Validator(schema, resolver=self._resolver,
                                    format_checker=self._format_checker)

    def response_spec(self, path_template: str, method: str, status: int) -> tuple[str, dict]:
        """(the key that documents ``status``, the dereferenced response object)."""
        op = self.operation(path_template, method)
        responses = op.get("responses") or {}
        for key in (str(status), f"{str(status)[0]}XX", f"{str(status)[0]}xx", "default"):
            if key in responses:
                return key, self.deref(responses[key])
        raise AssertionError(
            f"{method.upper()} {path_template}: status {status} is not documented "
            f"(documented: {sorted(responses)})")

    # -- the check ---------------------------------------------------------

    def validate_body(self, body: Any, schema: dict, what: str = "body") -> None:
        errors = sorted(self.validator(schema).iter_errors(body),
                        key=lambda e: list(e.absolute_path))
        if errors:
            lines = []
            for e in errors[:10]:
                where = "/" + "/".join(str(p) for p in e.absolute_path)
                lines.append(f"  at {where}: {e.message}")
            more = f"\n  ... and {len(errors) - 10} more" if len(errors) > 10 else ""
            raise AssertionError(
                f"{what} does not match its documented schema:\n" + "\n".join(lines) + more)

    def validate(self, response: requests.Response, path_template: str,
                 method: str = "get") -> Any:
        """Assert that ``response`` is what the document promises for
        ``method path_template``: its status is documented (or covered by
        NXX/default), its Content-Type is a documented media type, JSON bodies
        match the documented schema, required headers are present. Returns the
        parsed JSON body, or the text for other media types (None when empty).
        """
        method = method.lower()
        status = response.status_code
        what = f"{method.upper()} {path_template} -> {status}"

        req = getattr(response, "request", None)
        if req is not None and getattr(req, "path_url", None):
            path = urlsplit(req.path_url).path
            assert _template_regex(path_template).search(path), (
                f"{what}: request path {path} does not match the template")

        key, spec = self.response_spec(path_template, method, status)

        for name, header in (spec.get("headers") or {}).items():
            header = self.deref(header)
            if header.get("required") and name.lower() != "content-type":
                assert name in response.headers, f"{what}: required header {name} missing"

        content = spec.get("content") or {}
        body = response.content or b""
        is_head = method == "head" or (req is not None and getattr(req, "method", "") == "HEAD")
        if not content or status in _NO_BODY_STATUSES:
            assert not body, (
                f"{what}: the document describes no body for {key}, "
                f"but one came back: {body[:200]!r}")
            return None

        media = _media_type(response.headers.get("Content-Type"))
        documented = {_media_type(k): v for k, v in content.items()}
        media_spec = None
        if media in documented:
            media_spec = documented[media]
        else:
            major = media.split("/", 1)[0]
            for k in (f"{major}/*", "*/*"):
                if k in documented:
                    media_spec = documented[k]
                    break
        assert media_spec is not None, (
            f"{what}: Content-Type {response.headers.get('Content-Type')!r} is not "
            f"documented for {key} (documented: {sorted(documented)})")
        media_spec = self.deref(media_spec) or {}

        if is_head:
            return None
        if _is_json(media):
            try:
                parsed = json.loads(body.decode("utf-8"))
            except (UnicodeDecodeError, ValueError) as e:
                raise AssertionError(f"{what}: body is not valid UTF-8 JSON ({e}): "
                                     f"{body[:200]!r}") from None
            schema = media_spec.get("schema")
            if schema is not None:
                self.validate_body(parsed, schema, what)
                if 200 <= status < 300:
                    _record_example(method, path_template, status, media, parsed)
            return parsed
        return response.text


# EQ_RECORD_EXAMPLES=FILE: every validated 2xx JSON body is appended to FILE
# (one JSON line: method, path, status, media type, body), so that
# tools/contract_examples.py can give each operation a real success example
# taken from the suite's own traffic.  Off unless asked for.
def _record_example(method: str, path: str, status: int, media: str, body: Any) -> None:
    target = os.environ.get("EQ_RECORD_EXAMPLES")
    if not target:
        return
    line = json.dumps({"method": method, "path": path, "status": status,
                       "media": media, "body": body}, ensure_ascii=False)
    with open(target, "a", encoding="utf-8") as f:
        f.write(line + "\n")


def load_openapi(source: "os.PathLike | str | dict" = OPENAPI_PATH) -> OpenApi:
    """OpenApi from a file path or an already-parsed dict."""
    if isinstance(source, dict):
        return OpenApi(source)
    return OpenApi.load(source)


# ---------------------------------------------------------------------------
# PostgreSQL control (scripts/pg)
# ---------------------------------------------------------------------------

class PgControl:
    """Stops and starts the private cluster under the running service."""

    def __init__(self, script: Path = PG_SCRIPT, database: Optional[str] = None):
        self.script = Path(script)
        self.database = database or database_name(TEST_DATABASE_URL)

    def _run(self, *args: str, timeout: float = 120.0) -> str:
        p = subprocess.run([str(self.script), *args], capture_output=True, text=True,
                           timeout=timeout, stdin=subprocess.DEVNULL)
        if p.returncode != 0:
            raise AssertionError(
                f"{self.script} {' '.join(args)} failed with {p.returncode}:\n"
                f"{p.stdout}{p.stderr}")
        return p.stdout

    def stop(self, mode: str = "fast") -> None:
        self._run("stop", "-m", mode)

    def start(self) -> None:
        self._run("start")

    def restart(self, mode: str = "fast") -> None:
        self._run("restart", "-m", mode)

    def is_running(self) -> bool:
        p = subprocess.run([str(self.script), "status"], capture_output=True, text=True,
                           timeout=60, stdin=subprocess.DEVNULL)
        return p.returncode == 0

    def psql(self, sql: str, database: Optional[str] = None) -> str:
        """``scripts/pg psql DB -At -c SQL``; stdout without the final newline."""
        return self._run("psql", database or self.database, "-At",
                         "-v", "ON_ERROR_STOP=1", "-c", sql).rstrip("\n")


def close_all(servers: Iterable[Server]) -> list[str]:
    """Stop every server; the list of problems found (empty when all is well)."""
    problems = []
    for s in servers:
        p = s.check_exit()
        if p:
            problems.append(p)
    return problems
