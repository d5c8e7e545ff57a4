"""Checks of the test harness itself; none of them needs the service binary,
the database or the real api/openapi.yaml."""

import socket
import threading

import pytest
import requests

from harness import load_openapi, parse_log_lines, raw_request, split_http_responses

TINY_SPEC = {
    "openapi": "3.1.0",
    "info": {"title": "tiny", "version": "1"},
    "paths": {
        "/v1/things/{id}": {
            "get": {
                "responses": {
                    "200": {
                        "description": "a thing",
                        "headers": {"ETag": {"required": True, "schema": {"type": "string"}}},
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/Thing"}},
                            "text/csv": {"schema": {"type": "string"}},
                        },
                    },
                    "304": {"description": "not modified"},
                    "default": {"$ref": "#/components/responses/Problem"},
                }
            }
        }
    },
    "components": {
        "schemas": {
            "Thing": {
                "type": "object",
                "required": ["id", "count", "released"],
                "additionalProperties": False,
                "properties": {
                    "id": {"type": "string"},
                    "count": {"type": ["integer", "null"], "minimum": 0},
                    "released": {"type": "string", "format": "date"},
                    "updated_at": {"type": "string", "format": "date-time"},
                },
            },
            "Problem": {
                "type": "object",
                "required": ["type", "title", "status"],
                "properties": {
                    "type": {"type": "string"},
                    "title": {"type": "string"},
                    "status": {"type": "integer"},
                },
            },
        },
        "responses": {
            "Problem": {
                "description": "error",
                "content": {"application/problem+json": {
                    "schema": {"$ref": "#/components/schemas/Problem"}}},
            }
        },
    },
}


def fake_response(status, body=b"", content_type=None, path="/v1/things/a1",
                  method="GET", headers=None):
    r = requests.Response()
    r.status_code = status
    r._content = body
    r.encoding = "utf-8"
    if content_type:
        r.headers["Content-Type"] = content_type
    r.headers.update(headers or {})
    r.url = "http://127.0.0.1:1" + path
    r.request = requests.Request(method, r.url).prepare()
    return r


def test_openapi_validate_accepts_and_rejects():
    spec = load_openapi(TINY_SPEC)
    etag = {"ETag": '"x"'}
    ok = fake_response(200, b'{"id":"a1","count":null,"released":"2024-04-01",'
                            b'"updated_at":"2024-04-01T10:00:00Z"}',
                       "application/json; charset=utf-8", headers=etag)
    assert spec.validate(ok, "/v1/things/{id}") == {
        "id": "a1", "count": None, "released": "2024-04-01",
        "updated_at": "2024-04-01T10:00:00Z"}

    csv = fake_response(200, b"id,count\r\na1,3\r\n", "text/csv; charset=utf-8", headers=etag)
    assert spec.validate(csv, "/v1/things/{id}").startswith("id,count")

    problem = fake_response(404, b'{"type":"about:blank","title":"Not Found","status":404}',
                            "application/problem+json")
    assert spec.validate(problem, "/v1/things/{id}")["status"] == 404

    assert spec.validate(fake_response(304), "/v1/things/{id}") is None

    bad = [
        # schema violations: negative count, extra field, bad date, bad date-time
        fake_response(200, b'{"id":"a1","count":-1,"released":"2024-04-01"}',
                      "application/json", headers=etag),
        fake_response(200, b'{"id":"a1","count":1,"released":"2024-04-01","x":1}',
                      "application/json", headers=etag),
        fake_response(200, b'{"id":"a1","count":1,"released":"01/04/2024"}',
                      "application/json", headers=etag),
        fake_response(200, b'{"id":"a1","count":1,"released":"2024-04-01",'
                           b'"updated_at":"yesterday"}', "application/json", headers=etag),
        # required header missing
        fake_response(200, b'{"id":"a1","count":1,"released":"2024-04-01"}',
                      "application/json"),
        # undocumented media type, not JSON, body where none is documented
        fake_response(200, b"<html/>", "text/html", headers=etag),
        fake_response(200, b"{oops", "application/json", headers=etag),
        fake_response(304, b"{}", "application/json"),
        # request path does not match the template
        fake_response(200, b'{"id":"a1","count":1,"released":"2024-04-01"}',
                      "application/json", path="/v1/other/a1", headers=etag),
    ]
    for r in bad:
        with pytest.raises(AssertionError):
            spec.validate(r, "/v1/things/{id}")

    with pytest.raises(AssertionError):
        spec.validate(ok, "/v1/nowhere")
    with pytest.raises(AssertionError):
        spec.validate(ok, "/v1/things/{id}", method="post")


def test_openapi_undocumented_status_without_default():
    doc = {"openapi": "3.1.0", "info": {"title": "t", "version": "1"},
           "paths": {"/x": {"get": {"responses": {
               "200": {"description": "ok"},
               "4XX": {"description": "client error",
                       "content": {"application/problem+json": {}}}}}}}}
    spec = load_openapi(doc)
    assert spec.validate(fake_response(200, path="/x"), "/x") is None
    assert spec.validate(fake_response(418, b'{"a":1}', "application/problem+json",
                                       path="/x"), "/x") == {"a": 1}
    with pytest.raises(AssertionError, match="not documented"):
        spec.validate(fake_response(500, path="/x"), "/x")


def _one_shot_server(payload: bytes):
    """A listener that reads one request, sends ``payload`` and closes."""
    lsock = socket.socket()
    lsock.bind(("127.0.0.1", 0))
    lsock.listen(1)
    received = []

    def serve():
        conn, _ = lsock.accept()
        with conn:
            conn.settimeout(5)
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = conn.recv(4096)
                if not chunk:
                    break
                data += chunk
            received.append(data)
            conn.sendall(payload)
        lsock.close()

    t = threading.Thread(target=serve, daemon=True)
    t.start()
    return lsock.getsockname()[1], t, received


def test_raw_request_and_response_splitting():
    payload = (b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-A: 1\r\n\r\nhello"
               b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
               b"3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"
               b"HTTP/1.1 304 Not Modified\r\nETag: \"e\"\r\n\r\n"
               b"HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\nbad")
    port, thread, received = _one_shot_server(payload)
    data = raw_request(port, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", read_timeout=5)
    thread.join(5)
    assert received[0].startswith(b"GET / HTTP/1.1\r\n")
    assert data == payload
    resps = split_http_responses(data)
    assert [r["status"] for r in resps] == [200, 200, 304, 400]
    assert resps[0]["body"] == b"hello" and resps[0]["headers"]["x-a"] == "1"
    assert resps[1]["body"] == b"abcde"
    assert resps[2]["body"] == b"" and resps[2]["headers"]["etag"] == '"e"'
    assert resps[3]["body"] == b"bad"


def test_parse_log_lines():
    text = '{"level":"info","msg":"listening"}\n\nnot json\n[1]\n{"level":"error"}\n'
    assert parse_log_lines(text) == [
        {"level": "info", "msg": "listening"},
        {"_unparsed": "not json"},
        {"_unparsed": "[1]"},
        {"level": "error"},
    ]
