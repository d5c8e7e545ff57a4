"""Concurrency: requests released at the same instant.

Every request has its own connection, opened beforehand; a barrier then
releases all the sends together, and the server runs eight worker threads
with eight database connections, so that they really overlap.

  - fifty identical POSTs with one Idempotency-Key: one record, one first
    answer; 409 (idempotency-in-flight, Retry-After) for those that arrive
    while the first is in flight, the stored answer (same status, same
    bytes) for those after, and for a retry once all is done.  Run for a
    hate-crime report (a unique reference) and for an action's progress
    update (appended with no natural key: a second application would be a
    second row, not a refusal);
  - ten concurrent If-Match updates of one version: exactly one succeeds,
    the rest are 412; and ten concurrent first writes of one indicator
    value (no If-Match): exactly one creates it.
"""

from __future__ import annotations

import json
import secrets
import socket
import threading
import time
from collections import Counter

import pytest
import requests

import faultlib as fl
from harness import split_http_responses

N_SAME_KEY = 50
N_IF_MATCH = 10
BUSY = {"EQ_THREADS": "8", "EQ_DB_POOL_SIZE": "8"}


def simultaneous(port: int, raw: list[bytes], timeout: float = 30.0) -> list[dict]:
    """Send each of ``raw`` on its own connection, all released together;
    the parsed responses, in order.  All but the last byte of each request
    goes out first, so the release is a single byte per connection."""
    socks = [socket.create_connection(("127.0.0.1", port), timeout=timeout) for _ in raw]
    for s, r in zip(socks, raw):
        s.sendall(r[:-1])
    time.sleep(0.2)  # let the server read every request but its last byte
    barrier = threading.Barrier(len(raw))
    out: list = [None] * len(raw)

    def one(i):
        s = socks[i]
        data = b""
        try:
            barrier.wait()
            s.sendall(raw[i][-1:])
            while True:
                b = s.recv(65536)
                if not b:
                    break
                data += b
        except OSError as e:
            out[i] = {"status": None, "error": repr(e)}
            return
        finally:
            s.close()
        got = split_http_responses(data)
        out[i] = got[0] if got else {"status": None, "error": "no response"}

    threads = [threading.Thread(target=one, args=(i,)) for i in range(len(raw))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout + 5)
    return out


def http(method: str, path: str, headers: dict, body: bytes = b"") -> bytes:
    h = {"Host": "concurrency", "Connection": "close", **headers}
    if body or method in ("POST", "PUT", "PATCH"):
        h["Content-Length"] = str(len(body))
    head = f"{method} {path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in h.items())
    return head.encode() + b"\r\n" + body


@pytest.fixture
def busy_server(start_server):
    return start_server(name="concurrency", **fl.server_env(**BUSY))


def new_action(srv, key, pg) -> str:
    h = fl.headers(key)
    r = requests.post(srv.url + fl.PLANS, headers=h, timeout=10,
                      json={"period": fl.unused_plan_period(pg), "title": "Concurrency"})
    assert r.status_code == 201, r.text
    r = requests.post(srv.url + fl.ACTIONS.replace("{id}", r.json()["id"]), headers=h, timeout=10,
                      json={"reference": "C1.1", "title": "Concurrent updates", "outcome": "access",
                            "lead": "adults-and-health", "start_date": "2024-04-01",
                            "due_date": "2030-03-31"})
    assert r.status_code == 201, r.text
    return r.json()["id"]


@pytest.mark.parametrize("kind", ["report", "update"])
def test_fifty_identical_posts_with_one_key(busy_server, pg, openapi, kind):
    srv = busy_server
    tag = secrets.token_hex(6)
    if kind == "report":
        key = fl.make_key("reporting-centre-north", "submit:hate-crime")
        path, template = fl.HATE_REPORTS, fl.HATE_REPORTS
        body = fl.hate_body(f"C-{tag}")
        count_sql = ("SELECT count(*) FROM hate_crime_reports WHERE submitter_reference = "
                     + fl.sql_literal(body["submitter_reference"]))
    else:
        key = fl.make_key("barnet-council", "manage:action-plan")
        action = new_action(srv, key, pg)
        path, template = fl.UPDATES.replace("{id}", action), fl.UPDATES
        body = {"status": "in_progress", "rag": "amber", "note": f"C-{tag}"}
        count_sql = f"SELECT count(*) FROM action_updates WHERE action_id = '{action}'"
    data = json.dumps(body).encode()
    idem = f"C-{tag}"
    h = {"Authorization": "Bearer " + key, "Content-Type": "application/json",
         "Idempotency-Key": idem}
    answers = simultaneous(srv.port, [http("POST", path, h, data)] * N_SAME_KEY)

    statuses = Counter(a["status"] for a in answers)
    assert set(statuses) <= {201, 409}, [a for a in answers if a["status"] not in (201, 409)][:3]
    created = [a for a in answers if a["status"] == 201]
    firsts = [a for a in created if a["headers"].get("idempotent-replayed") != "true"]
    assert len(firsts) == 1, f"{len(firsts)} first answers: {statuses}"
    assert len({a["body"] for a in created}) == 1, "the 201s differ"
    for a in answers:
        if a["status"] == 409:
            problem = json.loads(a["body"])
            assert problem["type"] == "urn:equalities:problem:idempotency-in-flight", problem
            assert a["headers"].get("retry-after", "").isdigit(), a["headers"]

    # A retry once all is settled: the stored answer.
    again = requests.post(srv.url + path, data=data, timeout=10,
                          headers={**h, "X-Request-Id": "c-" + tag})
    openapi.validate(again, template, "post")
    assert again.status_code == 201 and again.headers.get("Idempotent-Replayed") == "true"
    assert again.content == created[0]["body"]

    assert pg.psql(count_sql) == "1", "the write was applied more than once"
    assert pg.psql(f"SELECT count(*) FROM idempotency_keys WHERE key = '{idem}'") == "1"
    fl.figure(f"{N_SAME_KEY} identical POSTs ({kind}) with one Idempotency-Key at once: "
              f"1 first 201, {len(created) - 1} replayed 201, {statuses.get(409, 0)} 409 "
              f"in flight; records=1")


def create_indicator(pg, code: str) -> None:
    pg.psql(
        "INSERT INTO indicators (code, title, definition, unit, polarity, frequency, outcome,"
        " outcome_title, source, tolerance_kind, tolerance) VALUES ("
        f"{fl.sql_literal(code)}, 'Concurrency', 'For the fault tests.', 'percent',"
        " 'higher_is_better', 'quarterly', 'tests', 'Tests', 'tests', 'absolute', 2000);"
        " SELECT pg_notify('eq_data_changed', 'indicators');")


def test_ten_concurrent_writes_to_one_indicator_value(busy_server, pg, openapi):
    srv = busy_server
    key = fl.make_key("barnet-council", "manage:indicators")
    code = "t-c" + secrets.token_hex(4)
    create_indicator(pg, code)
    path = f"/v1/indicators/{code}/values/2024/25-Q2"
    h = {"Authorization": "Bearer " + key, "Content-Type": "application/json"}

    # Ten first writes, no If-Match: one creates the value, the rest are
    # told it exists (412 when they raced the insert, 428 after it).
    creates = simultaneous(srv.port, [
        http("PUT", path, h, json.dumps({"target": 75, "actual": 60 + i}).encode())
        for i in range(N_IF_MATCH)])
    statuses = Counter(a["status"] for a in creates)
    assert statuses[201] == 1 and set(statuses) <= {201, 412, 428}, statuses
    revisions = f"SELECT revision FROM indicator_values WHERE indicator_code = '{code}'"
    assert pg.psql(revisions) == "1"

    # Ten replacements of revision 1, each with other figures: one wins.
    updates = simultaneous(srv.port, [
        http("PUT", path, {**h, "If-Match": '"v1"'},
             json.dumps({"target": 75, "actual": 80 + i}).encode())
        for i in range(N_IF_MATCH)])
    ustatuses = Counter(a["status"] for a in updates)
    assert ustatuses == Counter({200: 1, 412: N_IF_MATCH - 1}), ustatuses
    for a in updates:
        if a["status"] == 412:
            assert a["headers"].get("etag") == '"v2"', a["headers"]
    winner = json.loads(next(a for a in updates if a["status"] == 200)["body"])
    assert pg.psql(revisions) == "2"
    assert pg.psql("SELECT string_agg(revision::text, ',' ORDER BY revision) FROM"
                   f" indicator_value_revisions WHERE indicator_code = '{code}'") == "1,2"
    r = requests.get(srv.url + f"/v1/indicators/{code}/values", timeout=10)
    assert openapi.validate(r, "/v1/indicators/{code}/values")["data"][0]["actual"] == winner["actual"]
    fl.figure(f"{N_IF_MATCH} concurrent first PUTs of one indicator value: {dict(statuses)}; "
              f"{N_IF_MATCH} concurrent If-Match PUTs of one revision: {dict(ustatuses)}")


def test_ten_concurrent_if_match_patches_of_one_report(busy_server, pg):
    srv = busy_server
    key = fl.make_key("reporting-centre-north", "submit:hate-crime,read:hate-crime")
    r = requests.post(srv.url + fl.HATE_REPORTS, headers=fl.headers(key), timeout=10,
                      json=fl.hate_body("C-" + secrets.token_hex(6)))
    assert r.status_code == 201, r.text
    rid = r.json()["id"]
    channels = ["telephone", "online_form", "other", "council_officer", "third_party_centre",
                "police", "telephone", "online_form", "other", "police"]
    h = {"Authorization": "Bearer " + key, "Content-Type": "application/json", "If-Match": '"v1"'}
    answers = simultaneous(srv.port, [
        http("PATCH", f"{fl.HATE_REPORTS}/{rid}", h, json.dumps({"channel": c}).encode())
        for c in channels[:N_IF_MATCH]])
    statuses = Counter(a["status"] for a in answers)
    assert statuses == Counter({200: 1, 412: N_IF_MATCH - 1}), statuses
    assert pg.psql(f"SELECT version FROM hate_crime_reports WHERE id = '{rid}'") == "2"
    assert pg.psql(f"SELECT count(*) FROM hate_crime_report_versions WHERE report_id = '{rid}'") == "2"
    fl.figure(f"{N_IF_MATCH} concurrent If-Match PATCHes of one report: {dict(statuses)}")
