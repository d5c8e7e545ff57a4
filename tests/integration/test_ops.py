"""Operations: /healthz, /readyz, /openapi.yaml, request ids, JSON logs,
--help/--version and refusal of bad configuration."""

import re
import uuid

import pytest

import harness
from checks import assert_problem, media_type

HEX32 = re.compile(r"^[0-9a-f]{32}$")


def test_healthz(api, openapi):
    r = api.get("/healthz")
    assert r.status_code == 200
    body = openapi.validate(r, "/healthz")
    assert body["status"] == "ok"


def test_readyz_reports_its_checks(api, openapi):
    r = api.get("/readyz")
    assert r.status_code == 200, r.text
    body = openapi.validate(r, "/readyz")
    assert body["status"] == "ready"
    assert body["checks"] == {"database": "ok", "migrations": "current"}


def test_openapi_yaml_is_the_file_with_etag(api):
    r = api.get("/openapi.yaml")
    assert r.status_code == 200
    assert r.content == harness.OPENAPI_PATH.read_bytes(), "served spec differs from api/openapi.yaml"
    assert "yaml" in media_type(r), r.headers.get("Content-Type")
    etag = r.headers.get("ETag")
    assert etag and re.fullmatch(r'"[^"]+"', etag), f"strong ETag expected, got {etag!r}"
    again = api.get("/openapi.yaml", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers.get("ETag") == etag


def test_request_id_is_echoed_when_sane(api, openapi):
    r = api.get("/healthz", headers={"X-Request-Id": "abc-123"})
    assert r.status_code == 200
    openapi.validate(r, "/healthz")
    assert r.headers.get("X-Request-Id") == "abc-123"


@pytest.mark.parametrize("given", [
    None,
    "a" * 200,
    "has spaces in it",
    'quote"d',
    "semi;colon",
    "",
])
def test_request_id_is_generated_when_absent_or_insane(api, openapi, given):
    headers = {} if given is None else {"X-Request-Id": given}
    r = api.get("/v1/areas/E05013628", headers=headers)
    assert r.status_code == 200
    openapi.validate(r, "/v1/areas/{code}")
    rid = r.headers.get("X-Request-Id")
    assert rid is not None
    assert rid != given
    assert HEX32.match(rid), f"generated id should be 32 hex digits, got {rid!r}"


def test_request_id_length_bounds(api, openapi):
    r = api.get("/healthz", headers={"X-Request-Id": "a" * 64})
    openapi.validate(r, "/healthz")
    assert r.headers.get("X-Request-Id") == "a" * 64
    r = api.get("/healthz", headers={"X-Request-Id": "b" * 65})
    assert HEX32.match(r.headers.get("X-Request-Id", "")), r.headers
    r = api.get("/healthz", headers={"X-Request-Id": "Aa0-_.:"})
    assert r.headers.get("X-Request-Id") == "Aa0-_.:"


def test_every_response_carries_nosniff_and_a_request_id(api):
    etag = api.get("/v1/areas/E05013628").headers["ETag"]
    responses = [
        api.get("/v1/areas/E05013628"),
        api.get("/v1/areas/E05013628", headers={"If-None-Match": etag}),
        api.get("/nope"),
        api.post("/v1/areas", data=b"{}"),
        api.options("/v1/areas"),
        api.head("/v1/areas"),
        api.get("/v1/areas", params={"limit": "0"}),
    ]
    assert [r.status_code for r in responses] == [200, 304, 404, 405, 204, 200, 400]
    for r in responses:
        assert r.headers.get("X-Content-Type-Options") == "nosniff", (r.status_code, r.headers)
        assert r.headers.get("X-Request-Id"), (r.status_code, r.headers)


def test_request_ids_differ_between_requests(api):
    ids = {api.get("/healthz").headers["X-Request-Id"] for _ in range(5)}
    assert len(ids) == 5


def test_error_responses_carry_a_request_id(api, openapi):
    r = api.get("/no/such/thing")
    assert_problem(r, 404, openapi)
    assert HEX32.match(r.headers.get("X-Request-Id", "")), r.headers
    r = api.get("/v1/areas", params={"limit": "0"}, headers={"X-Request-Id": "err-req-1"})
    assert_problem(r, 400, openapi, "/v1/areas", parameter="limit")
    assert r.headers.get("X-Request-Id") == "err-req-1"


def test_log_lines_are_json_and_requests_log_their_route_template(server, api):
    rid = "log-" + uuid.uuid4().hex[:12]
    r = api.get("/v1/areas/E05013628", headers={"X-Request-Id": rid})
    assert r.status_code == 200
    line = server.wait_for_log(lambda l: l.get("client_request_id") == rid)
    assert line["msg"] == "request"
    assert line["method"] == "GET"
    assert line["route"] == "/v1/areas/{code}", line
    assert line["status"] == 200
    assert isinstance(line["duration_ms"], (int, float)) and line["duration_ms"] >= 0

    rid404 = "log-" + uuid.uuid4().hex[:12]
    r = api.get("/v1/no-such-route-xyz/E05013628", headers={"X-Request-Id": rid404})
    assert r.status_code == 404
    line = server.wait_for_log(lambda l: l.get("client_request_id") == rid404)
    assert line["status"] == 404
    assert "no-such-route-xyz" not in str(line.get("route")), line

    rid400 = "log-" + uuid.uuid4().hex[:12]
    r = api.get("/v1/areas", params={"limit": "abc"}, headers={"X-Request-Id": rid400})
    assert r.status_code == 400
    line = server.wait_for_log(lambda l: l.get("client_request_id") == rid400)
    assert line["route"] == "/v1/areas" and line["status"] == 400, line

    lines = server.log_lines()
    assert lines, "the server logged nothing"
    for l in lines:
        assert "_unparsed" not in l, f"log line is not a JSON object: {l}"
        for key in ("time", "level", "msg"):
            assert key in l, f"log line without {key}: {l}"
        assert l["level"] in ("debug", "info", "warn", "error"), l
        assert re.match(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$", l["time"]), l
        if l["msg"] == "request":
            for key in ("request_id", "method", "route", "status", "duration_ms"):
                assert key in l, f"request log line without {key}: {l}"
            # Never the raw path: no area code, no query string.
            assert "?" not in str(l["route"]) and not re.search(r"E0\d{7}", str(l["route"])), l


def test_help_and_version(cli):
    h = cli("--help", timeout=10)
    assert h.returncode == 0, h.stderr
    assert "Usage" in h.stdout and "serve" in h.stdout and "migrate" in h.stdout
    v = cli("--version", timeout=10)
    assert v.returncode == 0, v.stderr
    assert re.fullmatch(r"equalities-api \d+\.\d+\.\d+\S*\n", v.stdout), v.stdout


@pytest.mark.parametrize("name,value", [
    ("EQ_LISTEN", "nonsense"),
    ("EQ_LISTEN", "127.0.0.1:99999"),
    ("EQ_THREADS", "0"),
    ("EQ_THREADS", "many"),
    ("EQ_SUPPRESS_BELOW", "1"),
    ("EQ_SUPPRESS_BELOW", "-5"),
    ("EQ_MAX_BODY_BYTES", "10kb"),
    ("EQ_DATABASE_URL", "postgresql://%zz"),
    ("EQ_LOG_LEVEL", "loud"),
    ("EQ_CORS_ORIGINS", "council.example"),
])
def test_bad_configuration_exits_2_with_one_line(cli, name, value):
    # Anything accepted by mistake would serve on a free port until the
    # timeout, failing the test rather than hanging it.
    env = {"EQ_LISTEN": f"127.0.0.1:{harness.free_port()}", name: value}
    p = cli("serve", env=env, timeout=15)
    assert p.returncode == 2, (p.returncode, p.stderr)
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1, f"expected exactly one line on stderr, got: {p.stderr!r}"
    assert name in lines[0], f"the message should name {name}: {lines[0]!r}"


def test_unknown_command_is_a_usage_error(cli):
    p = cli("frobnicate", timeout=10)
    assert p.returncode == 2
    assert len(p.stderr.strip().splitlines()) == 1
