#!/usr/bin/python3
"""Contract-driven body fuzzer: every write route of api/openapi.yaml, the
real binary, the real test database, keys that reach each route.

For every operation with a requestBody it builds the records the path needs
(a plan, an action, a return, a report...), checks that a valid base body is
accepted (2xx), then sends the base body mutated:

  - every property at every depth (array elements included) replaced with
    null, each wrong JSON type, huge and negative numbers, long strings,
    lone surrogates, deep nesting, an empty object and array;
  - each required property removed; an unknown property added at every
    object level; arrays given a leading null and [null, "a"];
  - whole-body mutations: an array, a scalar, truncated JSON, NUL bytes,
    invalid UTF-8, thousands of [, a body over the size limit.

Each request must get a complete HTTP response (no drop or reset), a status
below 500, and every 4xx must be application/problem+json with type, title,
status and detail.  The server must be alive after each route (and its
stderr free of sanitizer reports at the end).  A dead server is counted as
a crash, its log tail printed, and a new one started so that one run finds
every crash.

One line per route and a total; exit 1 on any crash, drop, 5xx or malformed
problem, 2 when the contract has a write route this file has no base body
for (a new route cannot escape the fuzzer).  Deterministic: mutations are
enumerated in a fixed order; the only randomness (unique plan periods,
references) comes from a seeded generator.

Run as scripts/test does (see its body_fuzz step), e.g.:

    EQ_BINARY=build/equalities-api EQ_TEST_DATABASE_URL=... \\
        /usr/bin/python3 tests/bodyfuzz/bodyfuzz.py [--quick] [--seed N]
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import random
import sys
import time
import uuid
from typing import Any, Callable, Iterator, Optional

import requests

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))

import harness  # noqa: E402
from harness import ApiClient, PgControl, Server, make_key  # noqa: E402

MAX_BODY = 1024 * 1024      # the service's default EQ_MAX_BODY_BYTES
RNG = random.Random(11)     # reseeded from --seed in main()


class Raw:
    """JSON text put into the body as it is (deep nesting, 1e400...)."""

    def __init__(self, text: str, label: str):
        self.text = text
        self.label = label


def dump(v: Any) -> str:
    if isinstance(v, Raw):
        return v.text
    if isinstance(v, dict):
        return "{" + ",".join(json.dumps(k) + ":" + dump(x) for k, x in v.items()) + "}"
    if isinstance(v, list):
        return "[" + ",".join(dump(x) for x in v) + "]"
    return json.dumps(v)


def label(v: Any) -> str:
    if isinstance(v, Raw):
        return v.label
    if isinstance(v, str) and len(v) > 24:
        return f"string[{len(v)}]"
    return json.dumps(v)[:40]


# ---------------------------------------------------------------------------
# mutations
# ---------------------------------------------------------------------------

def replacements(quick: bool) -> list:
    values: list = [
        None, True, False, 0, -1, 1.5, "", "a", [], {}, [None], [None, "a"], {"a": None},
        1e308, -1e308, 2 ** 63, -2 ** 63 - 1, 2 ** 64,
        Raw("1e400", "1e400"), Raw("-0", "-0"),
        Raw('"\\ud800"', "lone high surrogate"), Raw('"\\udc00x"', "lone low surrogate"),
        Raw('"a\\u0000b"', "escaped NUL in a string"),
        "x" * 300, "2024-02-30", "9999-99-99", "\u00e9\u202e\U0001F600",
        Raw("[" * 3000 + "]" * 3000, "3000 nested arrays"),
    ]
    if not quick:
        values += [
            "y" * 70000,
            Raw('{"a":' * 2000 + "1" + "}" * 2000, "2000 nested objects"),
            Raw("[" * 20000 + "]" * 20000, "20000 nested arrays"),
            2 ** 31, -2 ** 31 - 1, 1e-320, 123456789012345678901234567890,
        ]
    return values


def paths(v: Any, prefix: tuple = ()) -> Iterator[tuple]:
    """Every location in v (the root excluded), depth first; only the first
    two elements of an array (the rest repeat their shape)."""
    if isinstance(v, dict):
        for k, x in v.items():
            yield prefix + (k,)
            yield from paths(x, prefix + (k,))
    elif isinstance(v, list):
        for i, x in enumerate(v[:2]):
            yield prefix + (i,)
            yield from paths(x, prefix + (i,))


def containers(v: Any, prefix: tuple = ()) -> Iterator[tuple]:
    """Locations of every object and array, the root included."""
    if isinstance(v, (dict, list)):
        yield prefix
    if isinstance(v, dict):
        for k, x in v.items():
            yield from containers(x, prefix + (k,))
    elif isinstance(v, list):
        for i, x in enumerate(v[:2]):
            yield from containers(x, prefix + (i,))


def get_at(v: Any, p: tuple) -> Any:
    for k in p:
        v = v[k]
    return v


def with_value(base: Any, p: tuple, value: Any) -> Any:
    body = json.loads(json.dumps(base))
    get_at(body, p[:-1])[p[-1]] = value
    return body


def pointer(p: tuple) -> str:
    return "/" + "/".join(str(k) for k in p) if p else "(root)"


def required_of(schema: dict, spec: harness.OpenApi) -> set:
    schema = spec.deref(schema)
    req = set(schema.get("required", []))
    for alt in schema.get("oneOf", []) + schema.get("allOf", []):
        req |= set(spec.deref(alt).get("required", []))
    return req


def mutations(base: Any, schema: dict, spec: harness.OpenApi, quick: bool) \
        -> Iterator[tuple[str, str]]:
    """(description, body text) in a fixed order."""
    for p in paths(base):
        for v in replacements(quick):
            yield f"{pointer(p)} = {label(v)}", dump(with_value(base, p, v))
    for p in containers(base):
        node = get_at(base, p)
        if isinstance(node, dict):
            b = json.loads(json.dumps(base))
            get_at(b, p)["zz_unknown"] = 1
            yield f"{pointer(p)} + unknown property", dump(b)
            for k in node:
                b = json.loads(json.dumps(base))
                del get_at(b, p)[k]
                yield f"{pointer(p)} - {k}", dump(b)
        else:
            for extra in ([None], [None, "a"], ["a", None], [{}], node[:1] * 2):
                b = json.loads(json.dumps(base))
                target = get_at(b, p)
                target[:0] = json.loads(json.dumps(extra))
                yield f"{pointer(p)} prefixed {label(extra)}", dump(b)
            b = json.loads(json.dumps(base))
            get_at(b, p).clear()
            yield f"{pointer(p)} emptied", dump(b)
    # required removed (already covered above at their level; the root's
    # required list from the schema also catches oneOf bodies)
    for k in sorted(required_of(schema, spec)):
        if isinstance(base, dict) and k in base:
            b = dict(base)
            del b[k]
            yield f"required {k} removed", dump(b)
    text = dump(base)
    whole = [
        ("array body", "[" + text + "]"),
        ("empty object", "{}"),
        ("empty array", "[]"),
        ("null", "null"),
        ("number", "1"),
        ("string", '"x"'),
        ("empty body", ""),
        ("truncated", text[: len(text) // 2]),
        ("one byte short", text[:-1]),
        ("NUL inside", text[:1] + "\x00" + text[1:]),
        ("NUL after", text + "\x00"),
        ("trailing garbage", text + "x"),
        ("two documents", text + text),
        ("invalid UTF-8", text[:-1] + ',"k":"\udcff\udcfe"}'),
        ("raw surrogate bytes", text[:-1] + ',"k":"\udced\udca0\udc80"}'),
        ("BOM", "\ufeff" + text),
        ("5000 [", "[" * 5000),
        ("duplicate keys", text[:-1] + "," + text[1:]),
    ]
    if not quick:
        whole.append(("over the body limit", text[:-1] + ',"pad":"' + "p" * MAX_BODY + '"}'))
        whole.append(("near the body limit", text[:-1] + ',"pad":"' + "p" * (MAX_BODY - len(text) - 64) + '"}'))
    for d, t in whole:
        yield f"whole body: {d}", t


# ---------------------------------------------------------------------------
# the routes: keys, records and base bodies
# ---------------------------------------------------------------------------

def day(offset: int) -> str:
    return (datetime.date.today() + datetime.timedelta(days=offset)).isoformat()


class World:
    """Keys and record factories on one running server."""

    def __init__(self, url: str):
        self.api = ApiClient(url)
        self.pg = PgControl()
        self.keys = {
            "admin": make_key("barnet-council", "admin"),
            "hate": make_key("reporting-centre-north", "submit:hate-crime,read:hate-crime"),
            "review": make_key("barnet-council", "review:returns"),
            "partner": make_key("partner-care", "submit:returns"),
            "plan": make_key("barnet-council", "manage:action-plan"),
            "ind": make_key("barnet-council", "manage:indicators"),
            "eia": make_key("barnet-council", "manage:impact-assessments"),
            "rep": make_key("barnet-council", "manage:reports"),
        }

    def set_url(self, url: str) -> None:
        self.api.close()
        self.api = ApiClient(url)

    def h(self, key: str, **extra) -> dict:
        h = {"Authorization": "Bearer " + self.keys[key],
             "X-Request-Id": "bodyfuzz-" + uuid.UUID(int=RNG.getrandbits(128)).hex[:16]}
        h.update(extra)
        return h

    def ok(self, r: requests.Response, what: str) -> dict:
        if not 200 <= r.status_code < 300:
            raise SetupError(f"{what}: {r.status_code} {r.text[:300]}")
        return r.json()

    # -- records -----------------------------------------------------------

    def year(self) -> int:
        return RNG.randint(2100, 9800)

    def window(self, due: int = 30) -> dict:
        for _ in range(30):
            y = self.year()
            r = self.api.post("/v1/return-windows", headers=self.h("review"), json={
                "kind": "workforce", "period": f"{y}/{(y + 1) % 100:02d}",
                "open_date": day(-60), "due_date": day(due)})
            if r.status_code != 409:
                return self.ok(r, "open a return window")
        raise SetupError("no free return-window period")

    def draft(self, due: int = 30) -> dict:
        w = self.window(due)
        r = self.api.post("/v1/returns", headers=self.h("partner"), json={
            "window": w["id"], "total": 100, "lines": return_lines()})
        return self.ok(r, "create a draft return")

    def submitted(self) -> dict:
        d = self.draft()
        r = self.api.post(f"/v1/returns/{d['id']}/submit", headers=self.h("partner"), json={})
        return self.ok(r, "submit a return")

    def plan(self) -> dict:
        for _ in range(30):
            y = self.year()
            r = self.api.post("/v1/action-plans", headers=self.h("plan"),
                              json={"period": f"{y}/{(y + 1) % 100:02d}", "title": "Fuzz plan"})
            if r.status_code != 409:
                return self.ok(r, "create an action plan")
        raise SetupError("no free action-plan period")

    def action(self) -> dict:
        p = self.plan()
        r = self.api.post(f"/v1/action-plans/{p['id']}/actions", headers=self.h("plan"),
                          json=action_body())
        return self.ok(r, "create an action")

    def organisation(self) -> dict:
        r = self.api.post("/v1/organisations", headers=self.h("admin"), json={
            "slug": "fz-%08x" % RNG.getrandbits(32), "name": "Fuzz partner", "kind": "partner"})
        return self.ok(r, "add an organisation")

    def assessment(self) -> dict:
        r = self.api.post("/v1/impact-assessments", headers=self.h("eia"), json={
            "reference": "FZ-%08x" % RNG.getrandbits(32), "title": "Fuzz assessment",
            "service_area": "resources", "status": "draft"})
        return self.ok(r, "record an impact assessment")

    def report(self) -> dict:
        r = self.api.post("/v1/hate-crime/reports", headers=self.h("hate"), json=report_body())
        return self.ok(r, "create a hate-crime report")

    def action_update(self) -> str:
        """An action with one progress update: its update's path."""
        a = self.action()
        r = self.api.post(f"/v1/actions/{a['id']}/updates", headers=self.h("plan"),
                          json={"status": "in_progress", "rag": "amber", "note": "Fuzz note."})
        self.ok(r, "record progress")
        return f"/v1/actions/{a['id']}/updates/1"

    def indicator(self, frequency: str) -> str:
        # Not from the seeded generator: a rerun on the same database must
        # not find the code taken (values would then need If-Match).
        code = f"bf-{frequency}-{uuid.uuid4().hex[:12]}"
        self.pg.psql(
            "INSERT INTO indicators (code, title, definition, unit, polarity, frequency, outcome,"
            " outcome_title, source, tolerance_kind, tolerance) VALUES ("
            f"'{code}', 'Fuzz indicator', 'For the body fuzzer.', 'percent', 'higher_is_better',"
            f" '{frequency}', 'bodyfuzz', 'Body fuzzer', 'tests', 'absolute', 2000);"
            " SELECT pg_notify('eq_data_changed', 'indicators');")
        return code


class SetupError(Exception):
    pass


def action_body() -> dict:
    return {"reference": "F%d.%d" % (RNG.randint(1, 9), RNG.randint(1, 999)),
            "title": "Fuzz action", "outcome": "access", "lead": "adults-and-health",
            "start_date": "2024-04-01", "due_date": "2030-03-31",
            "indicators": ["hate-crime-reports", "get-on-well"]}


def report_body() -> dict:
    return {"occurred_from": "2024-05-03", "occurred_to": "2024-05-03", "reported_on": "2024-05-04",
            "location": {"kind": "ward", "ward": "E05013642"},
            "strands": ["religion", "other"], "other_strand_reason": "Fuzzing",
            "offence_type": "public_order", "channel": "in_person",
            "submitter_reference": "BF-%06d" % RNG.randrange(10 ** 6), "police_reference": "5261234/24",
            "victim": [{"characteristic": "religion", "category": "jewish"}]}


def return_lines() -> dict:
    return {"sex": {"female": 60, "male": 40},
            "ethnicity": {"white_british": 50, "asian_indian": 30, "black_african": 20},
            "disability": {"disabled": 12, "not_disabled": 88},
            "age": {"age_20_24": 30, "age_25_29": 70}}


PAY_GAPS = {
    "source": "Body fuzzer pay gap report", "reference": "https://example.org/pg.pdf",
    "published_on": "1992-06-30",
    "sex": {"gaps": [{"group": "female", "mean_gap": 8.3, "median_gap": 0.0, "mean_bonus_gap": 58.3,
                      "median_bonus_gap": 58.3, "bonus_share_group": 40.0,
                      "bonus_share_reference": 60.0}],
            "quartiles": [{"male": 50.0, "female": 50.0}, {"male": 46.2, "female": 53.8},
                          {"male": 41.7, "female": 58.3}, {"male": 61.5, "female": 38.5}]},
    "ethnicity": {"gaps": [{"group": "minoritised", "mean_gap": 12.4, "median_gap": -3.1}]},
}

EMPLOYEE = {"directorate": "resources", "grade_band": "scale_4_6", "sex": "female",
            "ethnicity": "white_british", "disability": "not_disabled", "religion": "christian",
            "sexual_orientation": "straight", "age_band": "age_35_44", "hourly_pay": 16.42,
            "bonus_paid": None}


class Route:
    """One write operation: setup() -> (path, headers) for a request that
    reaches the handler; base() -> the valid body.  fresh: a new record
    after every accepted request (the state it needs is used up)."""

    def __init__(self, key: str, setup: Callable[["World"], tuple[str, dict]],
                 base: Callable[[], Any], fresh: bool = False, if_match: bool = False,
                 idempotent: bool = False):
        self.key = key
        self.setup = setup
        self.base = base
        self.fresh = fresh
        self.if_match = if_match
        self.idempotent = idempotent


def routes() -> dict:
    def fixed(path):
        return lambda w: (path, {})

    def with_etag(make, template):
        def setup(w):
            rec = make(w)
            return template.format(**rec), {"If-Match": '"v%d"' % rec.get("version", 1)}
        return setup

    def commentary(w):
        # The base body creates it (201, no If-Match), so none is there yet.
        w.pg.psql("DELETE FROM report_commentary_versions WHERE commentary_id = '1990-91/objective';"
                  " DELETE FROM report_commentary WHERE id = '1990-91/objective'")
        return "/v1/reports/annual/1990-91/sections/objective/commentary", {}

    def indicator(frequency, suffix):
        def setup(w):
            return f"/v1/indicators/{w.indicator(frequency)}/values/{suffix}", {}
        return setup

    return {
        ("post", "/v1/workforce/snapshots"): Route(
            "admin", fixed("/v1/workforce/snapshots"),
            lambda: {"as_of": "1991-03-31", "notes": "Body fuzzer",
                     "employees": [dict(EMPLOYEE), dict(EMPLOYEE, sex="male", bonus_paid=100.5)]}),
        ("put", "/v1/workforce/snapshots/{as_of}/pay-gaps"): Route(
            "admin", fixed("/v1/workforce/snapshots/1992-03-31/pay-gaps"),
            lambda: json.loads(json.dumps(PAY_GAPS))),
        ("post", "/v1/hate-crime/reports"): Route(
            "hate", fixed("/v1/hate-crime/reports"), report_body, idempotent=True),
        ("patch", "/v1/hate-crime/reports/{id}"): Route(
            "hate", with_etag(World.report, "/v1/hate-crime/reports/{id}"),
            report_body, if_match=True),
        # Each accepted body makes a release (the joint problem grows with
        # every earlier one): the route is exercised, not timed.
        ("post", "/v1/hate-crime/releases"): Route(
            "admin", fixed("/v1/hate-crime/releases"),
            lambda: {"reason": "Monthly release (body fuzzer)."}, idempotent=True),
        ("post", "/v1/returns/summary/releases"): Route(
            "review", lambda w: ("/v1/returns/summary/releases", {"_window": w.window()["id"]}),
            lambda: {"window": "{window}", "reason": "The window closed (body fuzzer)."},
            idempotent=True),
        ("post", "/v1/return-windows"): Route(
            "review", fixed("/v1/return-windows"),
            lambda: {"kind": "service_users", "period": "%d/%02d" % ((y := RNG.randint(2100, 9800)), (y + 1) % 100),
                     "open_date": day(-1), "due_date": day(60)}, idempotent=True),
        ("post", "/v1/returns"): Route(
            "partner", lambda w: ("/v1/returns", {"_window": w.window()["id"]}),
            lambda: {"window": "{window}", "total": 100, "lines": return_lines()},
            fresh=True, idempotent=True),
        ("put", "/v1/returns/{id}"): Route(
            "partner", with_etag(World.draft, "/v1/returns/{id}"),
            lambda: {"total": 100, "lines": return_lines()}, if_match=True),
        ("post", "/v1/returns/{id}/submit"): Route(
            "partner", lambda w: (f"/v1/returns/{w.draft(due=-1)['id']}/submit", {}),
            lambda: {"late_reason": "The extract was late."}, fresh=True, idempotent=True),
        ("post", "/v1/returns/{id}/recall"): Route(
            "partner", lambda w: (f"/v1/returns/{w.submitted()['id']}/recall", {}),
            lambda: {}, fresh=True, idempotent=True),
        ("post", "/v1/returns/{id}/review"): Route(
            "review", lambda w: (f"/v1/returns/{w.submitted()['id']}/review", {}),
            lambda: {"outcome": "returned", "note": "Please check the totals."},
            fresh=True, idempotent=True),
        ("post", "/v1/action-plans"): Route(
            "plan", fixed("/v1/action-plans"),
            lambda: {"period": "%d/%02d" % ((y := RNG.randint(2100, 9800)), (y + 1) % 100),
                     "title": "Fuzz plan", "years": 3, "status": "draft"}, idempotent=True),
        ("post", "/v1/action-plans/{id}/actions"): Route(
            "plan", lambda w: (f"/v1/action-plans/{w.plan()['id']}/actions", {}),
            action_body, idempotent=True),
        ("patch", "/v1/actions/{id}"): Route(
            "plan", with_etag(World.action, "/v1/actions/{id}"),
            lambda: {"title": "Changed", "lead": "resources", "start_date": "2024-05-01",
                     "due_date": "2031-03-31", "indicators": ["get-on-well"]}, if_match=True),
        ("post", "/v1/actions/{id}/updates"): Route(
            "plan", lambda w: (f"/v1/actions/{w.action()['id']}/updates", {}),
            lambda: {"date": day(0), "status": "in_progress", "rag": "amber", "note": "Going."},
            idempotent=True),
        ("post", "/v1/organisations"): Route(
            "admin", fixed("/v1/organisations"),
            lambda: {"slug": "fz-%08x" % RNG.getrandbits(32), "name": "Fuzz partner",
                     "kind": "partner", "equalities_policy_url": "https://example.org/p",
                     "policy_reviewed_on": "2025-01-01"}, idempotent=True),
        ("patch", "/v1/organisations/{slug}"): Route(
            "admin", with_etag(World.organisation, "/v1/organisations/{slug}"),
            lambda: {"name": "Changed", "equalities_policy_url": "https://example.org/q",
                     "policy_reviewed_on": "2025-02-01"}, if_match=True),
        ("post", "/v1/impact-assessments"): Route(
            "eia", fixed("/v1/impact-assessments"),
            lambda: {"reference": "FZ-%08x" % RNG.getrandbits(32), "title": "Fuzz assessment",
                     "service_area": "resources", "status": "draft", "decision": "Agreed.",
                     "decision_date": "2025-01-01", "review_date": "2026-01-01",
                     "impacts": [{"characteristic": "age", "impact": "negative",
                                  "evidence": "Data.", "mitigations": "Support."}]},
            idempotent=True),
        ("patch", "/v1/impact-assessments/{id}"): Route(
            "eia", with_etag(World.assessment, "/v1/impact-assessments/{id}"),
            lambda: {"title": "Changed", "decision": "Agreed.",
                     "impacts": [{"characteristic": "sex", "impact": "neutral", "evidence": "x"}]},
            if_match=True),
        ("put", "/v1/indicators/{code}/values/{period}"): Route(
            "ind", indicator("monthly", "2024-05"),
            lambda: {"target": 75, "actual": 70.5, "commentary": "Fuzz.", "published_on": "2024-06-14"},
            if_match=True),
        ("put", "/v1/indicators/{code}/values/{fy_start}/{period}"): Route(
            "ind", indicator("quarterly", "2024/25-Q2"),
            lambda: {"target": 75, "actual": 70.5, "commentary": "Fuzz.", "published_on": "2024-11-14"},
            if_match=True),
        # Data protection (issue 14).
        ("post", "/v1/hate-crime/deliveries"): Route(
            "hate", fixed("/v1/hate-crime/deliveries"),
            lambda: {"months": ["2005-%02d" % RNG.randint(1, 12)]}),
        ("post", "/v1/hate-crime/reports/{id}/erasure"): Route(
            "admin", lambda w: (f"/v1/hate-crime/reports/{w.report()['id']}/erasure", {}),
            lambda: {"reason": "Body fuzzer"}, fresh=True),
        ("post", "/v1/hate-crime/reports/{id}/redaction"): Route(
            "admin", lambda w: (f"/v1/hate-crime/reports/{w.report()['id']}/redaction", {}),
            lambda: {"fields": ["withdrawn_reason", "other_strand_reason"], "reason": "Body fuzzer"}),
        ("post", "/v1/actions/{id}/updates/{sequence}/redaction"): Route(
            "admin", lambda w: (w.action_update() + "/redaction", {}),
            lambda: {"fields": ["note"], "reason": "Body fuzzer"}),
        ("put", "/v1/reports/annual/{year}/sections/{section}/commentary"): Route(
            "rep", commentary, lambda: {"text": "Fuzz commentary.\nSecond line."}, if_match=True),
    }


# ---------------------------------------------------------------------------
# running
# ---------------------------------------------------------------------------

class Tally:
    def __init__(self):
        self.requests = self.crashes = self.drops = self.errors5xx = self.bad4xx = 0
        self.accepted = 0
        self.findings: list[str] = []

    def bad(self) -> int:
        return self.crashes + self.drops + self.errors5xx + self.bad4xx


def problem_ok(r: requests.Response) -> Optional[str]:
    ctype = r.headers.get("Content-Type", "")
    if not ctype.startswith("application/problem+json"):
        return f"Content-Type {ctype!r}"
    try:
        body = r.json()
    except ValueError:
        return "body is not JSON"
    missing = [k for k in ("type", "title", "status", "detail") if k not in body]
    if missing:
        return "problem without " + ", ".join(missing)
    if body["status"] != r.status_code:
        return f"problem status {body['status']} on a {r.status_code}"
    return None


class Fuzzer:
    def __init__(self, quick: bool, only: Optional[str]):
        self.quick = quick
        self.only = only
        self.spec = harness.load_openapi()
        self.server: Optional[Server] = None
        self.world: Optional[World] = None
        self.servers = 0

    def start(self) -> None:
        self.servers += 1
        self.server = Server(f"bodyfuzz{self.servers}", {"EQ_LOG_LEVEL": "warn"}).start()
        if self.world is None:
            self.world = World(self.server.url)
        else:
            self.world.set_url(self.server.url)

    def alive(self) -> bool:
        if self.server.proc.poll() is not None:
            return False
        try:
            return requests.get(self.server.url + "/healthz", timeout=5).status_code == 200
        except requests.RequestException:
            return False

    def crashed(self, tally: Tally, what: str) -> None:
        tally.crashes += 1
        self.server.kill()
        tally.findings.append(f"server died ({what}), exit {self.server.returncode}\n"
                              + self.server.log_tail(30))
        self.start()

    def send(self, route: Route, method: str, path: str, headers: dict, text: str):
        h = self.world.h(route.key, **{k: v for k, v in headers.items() if not k.startswith("_")})
        h["Content-Type"] = "application/json"
        if route.idempotent:
            h["Idempotency-Key"] = "bf-" + uuid.UUID(int=RNG.getrandbits(128)).hex
        data = text.encode("utf-8", "surrogateescape")
        return self.world.api.request(method.upper(), path, data=data, headers=h, timeout=30)

    def base_text(self, route: Route, headers: dict) -> tuple[Any, str]:
        """The base body (with "{window}" left for a route that needs a new
        window after each accepted request) and its text for this record."""
        base = route.base()
        text = dump(base)
        if "_window" in headers:
            text = text.replace("{window}", headers["_window"])
        return base, text

    def run_route(self, method: str, template: str, route: Route, schema: dict) -> Tally:
        t = Tally()
        w = self.world
        try:
            path, headers = route.setup(w)
            # A unique field (a plan's period, a report's reference) may be
            # taken by an earlier run on this database: draw another.
            for _ in range(20):
                base, text = self.base_text(route, headers)
                r = self.send(route, method, path, headers, text)
                if r.status_code != 409:
                    break
        except (SetupError, requests.RequestException) as e:
            t.findings.append(f"setup or base body failed: {e}")
            t.bad4xx += 1
            return t
        t.requests += 1
        if not 200 <= r.status_code < 300:
            t.findings.append(f"base body not accepted: {r.status_code} {r.text[:300]}")
            t.bad4xx += 1
            return t
        t.accepted += 1
        if route.if_match and r.headers.get("ETag"):
            headers["If-Match"] = r.headers["ETag"]
        if route.fresh:
            path, headers = route.setup(w)
        for what, body in mutations(base, schema, self.spec, self.quick):
            if "_window" in headers:
                body = body.replace("{window}", headers["_window"])
            t.requests += 1
            try:
                r = self.send(route, method, path, headers, body)
            except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError,
                    requests.Timeout) as e:
                if self.server.proc.poll() is not None:
                    self.crashed(t, what)
                    path, headers = route.setup(self.world)
                else:
                    t.drops += 1
                    t.findings.append(f"{what}: dropped ({type(e).__name__})")
                continue
            if r.status_code >= 500:
                t.errors5xx += 1
                t.findings.append(f"{what}: {r.status_code} {r.text[:200]}")
            elif r.status_code >= 400:
                why = problem_ok(r)
                if why:
                    t.bad4xx += 1
                    t.findings.append(f"{what}: {r.status_code} {why}")
            else:
                t.accepted += 1
                if route.if_match and r.headers.get("ETag"):
                    headers["If-Match"] = r.headers["ETag"]
                if route.fresh:
                    try:
                        path, headers = route.setup(w)
                    except SetupError as e:
                        t.findings.append(f"setup failed: {e}")
                        t.bad4xx += 1
                        return t
        if not self.alive():
            self.crashed(t, "after the route")
        return t

    def run(self) -> int:
        table = routes()
        ops = []
        for template, item in self.spec.doc["paths"].items():
            for method, op in item.items():
                if isinstance(op, dict) and "requestBody" in op:
                    ops.append((method, template, op))
        missing = [f"{m.upper()} {p}" for m, p, _ in ops if (m, p) not in table]
        if missing:
            print("bodyfuzz: no base body for " + ", ".join(missing)
                  + " (add one to routes() in tests/bodyfuzz/bodyfuzz.py)", file=sys.stderr)
            return 2
        stale = [f"{m.upper()} {p}" for m, p in table if (m, p) not in {(m, p) for m, p, _ in ops}]
        if stale:
            print("bodyfuzz: routes not in the contract: " + ", ".join(stale), file=sys.stderr)
            return 2
        # The in-process libFuzzer target reads its operations from a file
        # make_corpus.py writes: stale, it would miss the new routes.
        ops_file = harness.ROOT / "tests" / "fuzz" / "body.ops"
        listed = {tuple(line.split()[3:5]) for line in ops_file.read_text().splitlines()
                  if line and not line.startswith("#")}
        unlisted = [f"{m.upper()} {p}" for p, item in self.spec.doc["paths"].items()
                    for m in item if m != "parameters" and (m.upper(), p) not in listed]
        if unlisted:
            print("bodyfuzz: tests/fuzz/body.ops lacks " + ", ".join(unlisted)
                  + " (run tests/fuzz/make_corpus.py)", file=sys.stderr)
            return 2
        self.start()
        total = Tally()
        started = time.monotonic()
        try:
            for method, template, op in ops:
                name = f"{method.upper()} {template}"
                if self.only and self.only not in name:
                    continue
                content = self.spec.deref(op["requestBody"])["content"]
                schema = content["application/json"]["schema"]
                t0 = time.monotonic()
                t = self.run_route(method, template, table[(method, template)], schema)
                print(f"{name:58} requests {t.requests:5}  accepted {t.accepted:4}  "
                      f"crashes {t.crashes}  drops {t.drops}  5xx {t.errors5xx}  "
                      f"bad-4xx {t.bad4xx}  {time.monotonic() - t0:5.1f}s", flush=True)
                for f in t.findings[:8]:
                    print("    " + f.replace("\n", "\n    "), flush=True)
                for k in ("requests", "accepted", "crashes", "drops", "errors5xx", "bad4xx"):
                    setattr(total, k, getattr(total, k) + getattr(t, k))
        finally:
            problem = self.server.check_exit()
            if problem:
                total.crashes += 1
                print(problem, flush=True)
        print(f"{'TOTAL':58} requests {total.requests:5}  accepted {total.accepted:4}  "
              f"crashes {total.crashes}  drops {total.drops}  5xx {total.errors5xx}  "
              f"bad-4xx {total.bad4xx}  {time.monotonic() - started:5.1f}s", flush=True)
        return 1 if total.bad() else 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true",
                    help="fewer values and no near-limit bodies (the sanitizer pass)")
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--only", help="only routes whose 'METHOD /path' contains this")
    args = ap.parse_args()
    RNG.seed(args.seed)
    return Fuzzer(args.quick, args.only).run()


if __name__ == "__main__":
    sys.exit(main())
