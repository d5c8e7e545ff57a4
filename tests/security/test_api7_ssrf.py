"""OWASP API7:2023 Server Side Request Forgery.

The service has no reason to connect anywhere but PostgreSQL, and nothing
a client sends may make it.  A TCP listener is started on a free loopback
port and URLs pointing at it (in several spellings) are put:

- in the one field documented as holding a URL (the `reference` of
  published pay gaps, "a URL or citation") and in every free-text field of
  every write (report references and reasons, action titles and
  descriptions, indicator commentary, return late reasons and review notes,
  snapshot notes), each in an otherwise valid request that is accepted;
- in every request header a proxy or framework might act on (Host,
  X-Forwarded-Host, Forwarded, Referer, Origin, X-Original-URL, ...);
- and the stored records are read back (the URL comes back as text);

after which the listener must have received no connection at all.  The
listener proves it is reachable by taking one connection from the test
itself first.  Also: Location headers and links.self/next are relative
paths, never built from Host or X-Forwarded-Host, so neither can send a
client elsewhere.
"""

from __future__ import annotations

import datetime
import random
import socket
import threading
import time
import uuid

import pytest

from secsupport import auth, open_window, report_body, return_lines


class Listener:
    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.sock.settimeout(0.1)
        self.port = self.sock.getsockname()[1]
        self.connections: list = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self.stop.is_set():
            try:
                conn, addr = self.sock.accept()
            except socket.timeout:
                continue
            except OSError:
                break
            conn.settimeout(0.5)
            try:
                first = conn.recv(200)
            except OSError:
                first = b""
            self.connections.append((addr, first))
            conn.close()

    def urls(self):
        p = self.port
        return [f"http://127.0.0.1:{p}/ssrf", f"http://localhost:{p}/ssrf", f"//127.0.0.1:{p}/x",
                f"https://127.0.0.1:{p}/x", f"gopher://127.0.0.1:{p}/_x", f"127.0.0.1:{p}"]

    def close(self):
        self.stop.set()
        self.sock.close()
        self.thread.join(2)


@pytest.fixture
def listener():
    lst = Listener()
    # It is reachable: one connection of our own is seen.
    with socket.create_connection(("127.0.0.1", lst.port), timeout=2) as s:
        s.sendall(b"self-test")
    deadline = time.monotonic() + 2
    while not lst.connections and time.monotonic() < deadline:
        time.sleep(0.02)
    assert lst.connections, "the listener does not see connections: the test would prove nothing"
    lst.connections.clear()
    yield lst
    lst.close()


def assert_no_connection(listener, wait=1.5):
    time.sleep(wait)
    assert not listener.connections, f"the service connected to the listener: {listener.connections}"


def today(days=0):
    return (datetime.date.today() + datetime.timedelta(days=days)).isoformat()


def test_no_field_makes_the_service_connect(api, openapi, keys, pg, listener):
    urls = listener.urls()
    council = keys["council_all"]
    created = []
    try:
        for i, url in enumerate(urls):
            # Published pay gaps: the field meant for a URL.
            as_of = f"19{90 - i:02d}-03-31"
            created.append(as_of)
            r = api.put(f"/v1/workforce/snapshots/{as_of}/pay-gaps", headers=auth(council), json={
                "source": url, "reference": url, "published_on": f"19{90 - i:02d}-06-30",
                "sex": {"gaps": [{"group": "female", "mean_gap": 1.0, "median_gap": 1.0}]}})
            assert r.status_code in (200, 201), r.text
            got = api.get("/v1/workforce/pay-gaps", params={"as_of": as_of})
            assert got.status_code == 200 and url in got.content.decode(), got.text[:300]
            # A hate-crime report's free text.
            r = api.post("/v1/hate-crime/reports", headers=auth(keys["centre"]), json=report_body(
                submitter_reference=("U-" + uuid.uuid4().hex[:8] + url)[:60],
                strands=["other"], other_strand_reason=url[:200]))
            assert r.status_code in (201, 422), r.text
        # Actions, indicator commentary, partner returns, snapshot notes.
        y = random.randint(2500, 9800)
        r = api.post("/v1/action-plans", headers=auth(council),
                     json={"period": f"{y}/{(y + 1) % 100:02d}", "title": urls[0],
                           "description": " ".join(urls)})
        assert r.status_code == 201, r.text
        plan = r.json()["id"]
        r = api.post(f"/v1/action-plans/{plan}/actions", headers=auth(council), json={
            "reference": "U1.1", "title": urls[1], "description": " ".join(urls),
            "outcome": "access", "lead": "adults-and-health", "start_date": "2024-04-01",
            "due_date": "2030-03-31"})
        assert r.status_code == 201, r.text
        action = r.json()["id"]
        r = api.post(f"/v1/actions/{action}/updates", headers=auth(council),
                     json={"status": "in_progress", "rag": "green", "note": urls[0]})
        assert r.status_code == 201, r.text
        assert api.get(f"/v1/actions/{action}").status_code == 200
        ind = [i for i in api.get("/v1/indicators", params={"limit": 500}).json()["data"]
               if i["frequency"] == "quarterly"][0]["code"]
        q = random.randint(2500, 9800)
        r = api.put(f"/v1/indicators/{ind}/values/{q}/{(q + 1) % 100:02d}-Q1",
                    headers=auth(council), json={"target": 1, "actual": 1, "commentary": urls[0]})
        assert r.status_code in (200, 201), r.text
        pg.psql(f"DELETE FROM indicator_value_revisions WHERE indicator_code = '{ind}' AND period"
                f" LIKE '{q}%'; DELETE FROM indicator_values WHERE indicator_code = '{ind}' AND"
                f" period LIKE '{q}%'; SELECT pg_notify('eq_data_changed', 'indicators')")
        w = open_window(api, keys["council_review"])
        r = api.post("/v1/returns", headers=auth(keys["care"]),
                     json={"window": w["id"], "total": 100, "lines": return_lines()})
        assert r.status_code == 201, r.text
        rid = r.json()["id"]
        r = api.post(f"/v1/returns/{rid}/submit", headers=auth(keys["care"]),
                     json={"late_reason": urls[0]})
        assert r.status_code in (200, 201, 422), r.text
        r = api.post(f"/v1/returns/{rid}/review", headers=auth(keys["council_review"]),
                     json={"outcome": "returned", "note": urls[0]})
        assert r.status_code in (200, 201, 409), r.text
        row = {"directorate": "resources", "grade_band": "scale_4_6", "sex": "female",
               "ethnicity": "white_british", "disability": "not_disabled",
               "religion": "christian", "sexual_orientation": "straight",
               "age_band": "age_35_44", "hourly_pay": 16.42}
        created.append("1980-03-31")
        r = api.post("/v1/workforce/snapshots", headers=auth(council),
                     json={"as_of": "1980-03-31", "notes": " ".join(urls), "employees": [row]})
        assert r.status_code in (200, 201), r.text
        assert_no_connection(listener)
    finally:
        for as_of in created:
            pg.psql(f"DELETE FROM workforce_snapshots WHERE as_of = '{as_of}';"
                    " SELECT pg_notify('eq_data_changed', 'workforce')")


HOST_HEADERS = ["Host", "X-Forwarded-Host", "X-Forwarded-Server", "X-Host", "Forwarded",
                "X-Original-URL", "X-Rewrite-URL", "Referer", "Origin", "X-Forwarded-Proto",
                "X-Forwarded-For", "X-Real-IP", "True-Client-IP", "Contact", "From",
                "X-Wap-Profile", "Link", "Content-Location"]


def test_no_header_makes_the_service_connect_or_redirect(api, openapi, keys, listener):
    url = listener.urls()[0]
    evil = f"127.0.0.1:{listener.port}"
    for name in HOST_HEADERS:
        value = {"Host": evil, "X-Forwarded-Host": evil, "X-Host": evil,
                 "X-Forwarded-Server": evil, "Forwarded": f"host={evil};proto=http",
                 "X-Forwarded-For": "127.0.0.1", "X-Real-IP": "127.0.0.1",
                 "True-Client-IP": "127.0.0.1"}.get(name, url)
        h = auth(keys["centre"], **{name: value})
        r = api.post("/v1/hate-crime/reports", json=report_body(), headers=h)
        assert r.status_code == 201, (name, r.text)
        loc = r.headers["Location"]
        assert loc.startswith("/v1/hate-crime/reports/"), f"{name}: Location {loc}"
        r = api.get("/v1/areas", params={"limit": 2}, headers={name: value})
        assert r.status_code == 200, (name, r.text)
        links = r.json()["links"]
        assert links["self"].startswith("/v1/") and links["next"].startswith("/v1/"), (name, links)
        assert str(listener.port) not in r.text
        r = api.get("/v1/areas", params={"limit": 2, "format": "csv"}, headers={name: value})
        assert str(listener.port) not in r.headers.get("Link", ""), (name, r.headers.get("Link"))
    assert_no_connection(listener)
