"""OWASP API3:2023 Broken Object Property Level Authorization.

Two halves:

- Mass assignment.  For every write operation of api/openapi.yaml, every
  property the service sets itself (in the operation's 2xx response schema
  but not in its request schema: `id`, `organisation`, `status`, `review`,
  `version`, `created_at`, ...) is sent with an otherwise valid body, with a
  value an attacker would want (another organisation, an accepted review, a
  far version).  Each must be refused with 422 naming the property, change
  nothing, and the same body without it must then succeed - for creates
  that success also proves the refused attempts wrote nothing, since every
  create here is unique (the same submitter reference, period or window
  twice would be 409).
- Excessive data exposure.  The contract closes every response object
  (`additionalProperties: false`), so validating real responses against it
  catches any field outside the contract; every documented GET (public, and
  restricted ones with a council key and the owner's key, JSON and CSV) is
  crawled and validated, and no field or CSV column is named like a secret,
  and no body holds an API key or a SHA-256 (what key_hash would look like)
  or an employee's pay.
"""

from __future__ import annotations

import csv
import datetime
import io
import random
import re
import uuid

import pytest

from secsupport import (
    CENTRE_B, auth, crawl_targets, fill, open_window, report_body, return_lines,
)

# ---------------------------------------------------------------------------
# mass assignment
# ---------------------------------------------------------------------------

ATTACK_VALUES = {
    "id": lambda: str(uuid.uuid4()),
    "organisation": lambda: CENTRE_B,
    "organisation_id": lambda: 1,
    "status": lambda: "accepted",
    "state": lambda: "closed",
    "review": lambda: {"outcome": "accepted", "note": "approved by myself"},
    "version": lambda: 99,
    "revision": lambda: 99,
    "created_at": lambda: "2000-01-01T00:00:00Z",
    "updated_at": lambda: "2000-01-01T00:00:00Z",
    "submitted_at": lambda: "2000-01-01T00:00:00Z",
    "late": lambda: False,
    "submissions": lambda: 0,
    "partners": lambda: [],
    "plan": lambda: "2019-20",
    "rag": lambda: "green",
    "overdue": lambda: False,
    "headcount": lambda: 1,
    "pay_basis": lambda: "published",
}
# Names no write accepts, whatever its schema says.
ALWAYS = ["id", "organisation", "organisation_id", "created_at", "updated_at", "is_admin",
          "scopes", "key_prefix"]


def props(openapi, schema) -> set:
    s = openapi.deref(schema)
    out = set((s.get("properties") or {}).keys()) if isinstance(s, dict) else set()
    for k in ("oneOf", "anyOf", "allOf"):
        for b in (s.get(k) or []) if isinstance(s, dict) else []:
            out |= props(openapi, b)
    return out


def json_schema_of(openapi, content: dict):
    for media, c in (content or {}).items():
        if "json" in media and "schema" in c:
            return c["schema"]
    return None


def server_set(openapi, method, template) -> list[str]:
    op = openapi.operation(template, method)
    accepted = props(openapi, json_schema_of(openapi, op["requestBody"]["content"]))
    returned = set()
    for status, resp in op["responses"].items():
        if status.startswith("2"):
            schema = json_schema_of(openapi, openapi.deref(resp).get("content"))
            if schema is not None:
                returned |= props(openapi, schema)
    return sorted((returned | set(ALWAYS)) - accepted)


def value_for(name):
    return ATTACK_VALUES.get(name, lambda: "x")()


def today(days=0) -> str:
    return (datetime.date.today() + datetime.timedelta(days=days)).isoformat()


def free_fy(pg, table_sql: str) -> int:
    for _ in range(50):
        y = random.randint(2400, 9900)
        if not pg.psql(table_sql.format(y=y, yy=f"{(y + 1) % 100:02d}")):
            return y
    raise AssertionError("no free year")


class Ctx:
    def __init__(self, api, keys, pg):
        self.api, self.keys, self.pg = api, keys, pg
        self.cleanup: list[str] = []

    def ok(self, r, status=(200, 201)):
        assert r.status_code in status, r.text
        return r.json()


# Each case: (method, template, key name, prepare(ctx) -> (path, body, headers, state()))
# state() is what must not change while refused requests are sent.

def case_report_create(c):
    return "/v1/hate-crime/reports", report_body(), {}, lambda: None


def case_report_patch(c):
    rep = c.ok(c.api.post("/v1/hate-crime/reports", json=report_body(),
                          headers=auth(c.keys["centre"])))
    path = f"/v1/hate-crime/reports/{rep['id']}"
    return path, {"channel": "telephone"}, {"If-Match": '"v1"'}, \
        lambda: c.api.get(path, headers=auth(c.keys["centre"])).json()


def case_window_create(c):
    y = free_fy(c.pg, "SELECT 1 FROM return_windows WHERE period LIKE '{y}/%'")
    return "/v1/return-windows", {"kind": "workforce", "period": f"{y}/{(y + 1) % 100:02d}",
                                  "open_date": today(-1), "due_date": today(30)}, {}, lambda: None


def case_return_create(c):
    w = open_window(c.api, c.keys["council_review"])
    return "/v1/returns", {"window": w["id"], "total": 100, "lines": return_lines()}, {}, \
        lambda: None


def _draft(c):
    w = open_window(c.api, c.keys["council_review"])
    ret = c.ok(c.api.post("/v1/returns", headers=auth(c.keys["care"]),
                          json={"window": w["id"], "total": 100, "lines": return_lines()}))
    path = f"/v1/returns/{ret['id']}"
    return ret, path, lambda: c.api.get(path, headers=auth(c.keys["care"])).json()


def case_return_put(c):
    _, path, state = _draft(c)
    return path, {"total": 100, "lines": return_lines()}, {"If-Match": '"v1"'}, state


def case_return_submit(c):
    _, path, state = _draft(c)
    return path + "/submit", {}, {}, state


def case_return_recall(c):
    ret, path, state = _draft(c)
    c.ok(c.api.post(path + "/submit", json={}, headers=auth(c.keys["care"])))
    return path + "/recall", {}, {}, state


def case_return_review(c):
    ret, path, state = _draft(c)
    c.ok(c.api.post(path + "/submit", json={}, headers=auth(c.keys["care"])))
    return path + "/review", {"outcome": "accepted"}, {}, state


def case_plan_create(c):
    y = free_fy(c.pg, "SELECT 1 FROM action_plans WHERE slug = '{y}-{yy}'")
    # Left in place, like the integration suite's: progress updates are
    # never deleted (a trigger refuses), and a far-future draft plan is
    # harmless in a test database.
    return "/v1/action-plans", {"period": f"{y}/{(y + 1) % 100:02d}", "title": "Sec plan"}, {}, \
        lambda: None


def _plan(c):
    path, body, _, _ = case_plan_create(c)
    return c.ok(c.api.post(path, json=body, headers=auth(c.keys["council_all"])))


def action_body():
    return {"reference": "S%d.%d" % (random.randint(1, 9), random.randint(1, 99)),
            "title": "Security test action", "outcome": "access",
            "lead": "adults-and-health", "start_date": "2024-04-01", "due_date": "2030-03-31"}


def case_action_create(c):
    plan = _plan(c)
    return f"/v1/action-plans/{plan['id']}/actions", action_body(), {}, lambda: None


def _action(c):
    plan = _plan(c)
    a = c.ok(c.api.post(f"/v1/action-plans/{plan['id']}/actions", json=action_body(),
                        headers=auth(c.keys["council_all"])))
    path = f"/v1/actions/{a['id']}"
    return path, lambda: c.api.get(path).json()


def case_action_patch(c):
    path, state = _action(c)
    return path, {"title": "Renamed"}, {"If-Match": '"v1"'}, state


def case_action_update(c):
    path, state = _action(c)
    return path + "/updates", {"status": "in_progress", "rag": "green"}, {}, state


def case_delivery(c):
    month = "2006-%02d" % random.randint(1, 12)
    c.cleanup.append(f"DELETE FROM hate_crime_deliveries WHERE month = '{month}-01'")
    return "/v1/hate-crime/deliveries", {"months": [month]}, {}, \
        lambda: c.pg.psql(f"SELECT count(*) FROM hate_crime_deliveries WHERE month = '{month}-01'")


def case_report_erasure(c):
    rep = c.ok(c.api.post("/v1/hate-crime/reports", json=report_body(),
                          headers=auth(c.keys["centre"])))
    path = f"/v1/hate-crime/reports/{rep['id']}"
    return path + "/erasure", {"reason": "API3 test"}, {}, \
        lambda: c.api.get(path, headers=auth(c.keys["centre"])).json()


def case_report_redaction(c):
    rep = c.ok(c.api.post("/v1/hate-crime/reports",
                          json=report_body(strands=["other"], other_strand_reason="API3 text"),
                          headers=auth(c.keys["centre"])))
    path = f"/v1/hate-crime/reports/{rep['id']}"
    return path + "/redaction", {"fields": ["other_strand_reason"], "reason": "API3 test"}, {}, \
        lambda: c.api.get(path, headers=auth(c.keys["centre"])).json()


def case_update_redaction(c):
    path, state = _action(c)
    c.ok(c.api.post(path + "/updates", json={"status": "in_progress", "rag": "green", "note": "API3"},
                    headers=auth(c.keys["council_all"])))
    return path + "/updates/1/redaction", {"fields": ["note"], "reason": "API3 test"}, {}, state


def _values_cleanup(code, y):
    return (f"DELETE FROM indicator_value_revisions WHERE indicator_code = '{code}'"
            f" AND period LIKE '{y}%'; DELETE FROM indicator_values WHERE"
            f" indicator_code = '{code}' AND period LIKE '{y}%'")


def case_indicator_month(c):
    """No seeded indicator is monthly: one of our own, removed afterwards."""
    code = "sec-monthly-%06x" % random.getrandbits(24)
    c.pg.psql("INSERT INTO indicators (code, title, definition, unit, polarity, frequency,"
              " outcome, outcome_title, source, tolerance_kind, tolerance) VALUES"
              f" ('{code}', 'Security test', 'For the tests.', 'count', 'higher_is_better',"
              " 'monthly', 'sec-tests', 'Tests', 'tests', 'absolute', 1000);"
              " SELECT pg_notify('eq_data_changed', 'indicators')")
    y = random.randint(2400, 9900)
    c.cleanup.append(_values_cleanup(code, y) + f"; DELETE FROM indicators WHERE code = '{code}'")
    return f"/v1/indicators/{code}/values/{y}-01", {"target": 10, "actual": 11}, {}, lambda: None


def case_indicator_quarter(c):
    ind = [i for i in c.api.get("/v1/indicators", params={"limit": 500}).json()["data"]
           if i["frequency"] == "quarterly"]
    assert ind, "no seeded quarterly indicator"
    code = ind[0]["code"]
    y = random.randint(2400, 9900)
    c.cleanup.append(_values_cleanup(code, y))
    return f"/v1/indicators/{code}/values/{y}/{(y + 1) % 100:02d}-Q1", \
        {"target": 10, "actual": 11}, {}, lambda: None


PAY_GAPS_AS_OF = "1999-03-31"
SNAPSHOT_AS_OF = "1998-03-31"


def case_pay_gaps(c):
    c.cleanup.append(f"DELETE FROM workforce_snapshots WHERE as_of = '{PAY_GAPS_AS_OF}'")
    return f"/v1/workforce/snapshots/{PAY_GAPS_AS_OF}/pay-gaps", {
        "source": "Security test publication", "published_on": "1999-06-30",
        "sex": {"gaps": [{"group": "female", "mean_gap": 8.3, "median_gap": 1.0}]}}, {}, \
        lambda: None


def case_snapshot(c):
    c.cleanup.append(f"DELETE FROM workforce_snapshots WHERE as_of = '{SNAPSHOT_AS_OF}'")
    row = {"directorate": "resources", "grade_band": "scale_4_6", "sex": "female",
           "ethnicity": "white_british", "disability": "not_disabled", "religion": "christian",
           "sexual_orientation": "straight", "age_band": "age_35_44", "hourly_pay": 16.42}
    return "/v1/workforce/snapshots", {"as_of": SNAPSHOT_AS_OF, "employees": [row]}, {}, \
        lambda: c.pg.psql(f"SELECT count(*) FROM workforce_snapshots WHERE as_of = '{SNAPSHOT_AS_OF}'")


def case_org_create(c):
    return "/v1/organisations", {"slug": "sec-org-%06d" % random.randint(0, 999999),
                                 "name": "Security test partner", "kind": "partner"}, {}, \
        lambda: None


def case_org_patch(c):
    path, body, _, _ = case_org_create(c)
    c.ok(c.api.post(path, json=body, headers=auth(c.keys["council_all"])))
    one = f"/v1/organisations/{body['slug']}"
    return one, {"name": "Renamed"}, {"If-Match": '"v1"'}, lambda: c.api.get(one).json()


def case_eia_create(c):
    return "/v1/impact-assessments", {"reference": "SEC-%06d" % random.randint(0, 999999),
                                      "title": "Security test", "service_area": "resources",
                                      "status": "draft"}, {}, lambda: None


def case_eia_patch(c):
    path, body, _, _ = case_eia_create(c)
    got = c.ok(c.api.post(path, json=body, headers=auth(c.keys["council_all"])))
    one = f"/v1/impact-assessments/{got['id']}"
    return one, {"title": "Renamed"}, {"If-Match": '"v1"'}, \
        lambda: c.api.get(one + "/versions", headers=auth(c.keys["council_all"])).json()


COMMENTARY_YEAR = "1998-99"


def case_report_commentary(c):
    for sql in (f"DELETE FROM report_commentary_versions WHERE commentary_id LIKE '{COMMENTARY_YEAR}/%'",
                f"DELETE FROM report_commentary WHERE year = '{COMMENTARY_YEAR}'"):
        c.cleanup.append(sql)
    one = f"/v1/reports/annual/{COMMENTARY_YEAR}/sections/objective/commentary"
    return one, {"text": "Security test commentary."}, {}, \
        lambda: c.pg.psql(f"SELECT count(*) FROM report_commentary WHERE year = '{COMMENTARY_YEAR}'")


def _release_cleanup(c, statistic):
    c.cleanup.append("ALTER TABLE releases DISABLE TRIGGER releases_no_update;"
                     f" DELETE FROM releases WHERE statistic = '{statistic}';"
                     " ALTER TABLE releases ENABLE TRIGGER releases_no_update")
    return lambda: c.pg.psql(f"SELECT count(*) FROM releases WHERE statistic = '{statistic}'")


def case_hate_crime_release(c):
    """The clean request makes a release; it is removed again, so that the
    public hate-crime figures stay the live ones for later tests."""
    return "/v1/hate-crime/releases", {"reason": "Security test."}, {}, \
        _release_cleanup(c, "hate-crime")


def case_summary_release(c):
    window = c.pg.psql("SELECT id FROM return_windows ORDER BY id LIMIT 1")
    return "/v1/returns/summary/releases", {"window": window}, {}, \
        _release_cleanup(c, "returns-summary")


CASES = {
    ("post", "/v1/hate-crime/reports"): ("centre", case_report_create),
    ("patch", "/v1/hate-crime/reports/{id}"): ("centre", case_report_patch),
    ("post", "/v1/return-windows"): ("council_review", case_window_create),
    ("post", "/v1/returns"): ("care", case_return_create),
    ("put", "/v1/returns/{id}"): ("care", case_return_put),
    ("post", "/v1/returns/{id}/submit"): ("care", case_return_submit),
    ("post", "/v1/returns/{id}/recall"): ("care", case_return_recall),
    ("post", "/v1/returns/{id}/review"): ("council_review", case_return_review),
    ("post", "/v1/action-plans"): ("council_all", case_plan_create),
    ("post", "/v1/action-plans/{id}/actions"): ("council_all", case_action_create),
    ("patch", "/v1/actions/{id}"): ("council_all", case_action_patch),
    ("post", "/v1/actions/{id}/updates"): ("council_all", case_action_update),
    ("put", "/v1/indicators/{code}/values/{period}"): ("council_all", case_indicator_month),
    ("put", "/v1/indicators/{code}/values/{fy_start}/{period}"): ("council_all",
                                                                  case_indicator_quarter),
    ("put", "/v1/workforce/snapshots/{as_of}/pay-gaps"): ("council_all", case_pay_gaps),
    ("post", "/v1/workforce/snapshots"): ("council_all", case_snapshot),
    ("post", "/v1/hate-crime/deliveries"): ("centre", case_delivery),
    ("post", "/v1/hate-crime/reports/{id}/erasure"): ("council_all", case_report_erasure),
    ("post", "/v1/hate-crime/reports/{id}/redaction"): ("council_all", case_report_redaction),
    ("post", "/v1/actions/{id}/updates/{sequence}/redaction"): ("council_all", case_update_redaction),
    ("post", "/v1/organisations"): ("council_all", case_org_create),
    ("patch", "/v1/organisations/{slug}"): ("council_all", case_org_patch),
    ("post", "/v1/impact-assessments"): ("council_all", case_eia_create),
    ("patch", "/v1/impact-assessments/{id}"): ("council_all", case_eia_patch),
    ("put", "/v1/reports/annual/{year}/sections/{section}/commentary"): ("council_all",
                                                                         case_report_commentary),
    ("post", "/v1/hate-crime/releases"): ("council_all", case_hate_crime_release),
    ("post", "/v1/returns/summary/releases"): ("council_all", case_summary_release),
}


def write_operations(openapi):
    return sorted((m, t) for t, item in openapi.doc["paths"].items()
                  for m, op in openapi.deref(item).items()
                  if isinstance(op, dict) and "requestBody" in op)


def test_every_write_operation_has_a_case(openapi):
    missing = [op for op in write_operations(openapi) if op not in CASES]
    assert not missing, f"write operations without a mass-assignment case: {missing}"


@pytest.mark.parametrize("method,template", sorted(CASES))
def test_server_set_properties_are_refused(api, openapi, keys, pg, method, template):
    key_name, prepare = CASES[(method, template)]
    c = Ctx(api, keys, pg)
    try:
        path, body, extra, state = prepare(c)
        before = state()
        fields = server_set(openapi, method, template)
        assert fields, f"{method} {template}: nothing server-set?"
        if template == "/v1/hate-crime/reports/{id}":
            # A correction may not carry a withdrawal's status.
            fields.append("status")
        refused = []
        for f in fields:
            attack = dict(body, **{f: value_for(f)})
            r = api.request(method, path, json=attack, headers=auth(keys[key_name], **extra))
            ok = r.status_code == 422 and any(
                e.get("pointer") == "/" + f for e in r.json().get("errors", []))
            if not ok:
                refused.append(f"{f}: {r.status_code} {r.text[:200]}")
            openapi.validate(r, template, method)
        assert not refused, f"{method} {template} did not refuse:\n  " + "\n  ".join(refused)
        assert state() == before, f"{method} {template}: a refused request changed the record"
        # Nested objects are closed too.
        nested = {k: v for k, v in body.items() if isinstance(v, dict) and k != "lines"}
        for k, v in nested.items():
            attack = dict(body, **{k: dict(v, organisation=CENTRE_B)})
            r = api.request(method, path, json=attack, headers=auth(keys[key_name], **extra))
            assert r.status_code == 422, f"{k}.organisation: {r.status_code} {r.text[:200]}"
        # And without them, the very same request succeeds.
        r = api.request(method, path, json=body, headers=auth(keys[key_name], **extra))
        assert r.status_code in (200, 201), f"the clean body was refused: {r.text[:300]}"
        openapi.validate(r, template, method)
    finally:
        for sql in c.cleanup:
            pg.psql(sql + "; SELECT pg_notify('eq_data_changed', 'all')")


def test_a_partner_cannot_review_its_own_return_through_submit(api, openapi, keys):
    c = Ctx(api, keys, None)
    ret, path, state = _draft(c)
    for body in ({"outcome": "accepted"}, {"status": "accepted"}, {"review": {"outcome": "accepted"}}):
        r = api.post(path + "/submit", json=body, headers=auth(keys["care"]))
        assert r.status_code == 422, r.text
    r = api.post(path + "/review", json={"outcome": "accepted"}, headers=auth(keys["care"]))
    assert r.status_code == 403, r.text
    assert state()["status"] == "draft"


# ---------------------------------------------------------------------------
# excessive data exposure
# ---------------------------------------------------------------------------

def response_schemas(openapi):
    for template, item in openapi.doc["paths"].items():
        for m, op in openapi.deref(item).items():
            if not isinstance(op, dict) or "responses" not in op:
                continue
            for status, resp in op["responses"].items():
                for media, c in (openapi.deref(resp).get("content") or {}).items():
                    if "schema" in c:
                        yield f"{m.upper()} {template} {status} {media}", c["schema"]


def open_objects(openapi, schema, where, seen, out, closed_by=None):
    """Object schemas that let undocumented properties through.  A branch of
    oneOf/anyOf/allOf under a closed object only narrows properties the
    parent already names (closed_by): the parent's additionalProperties
    governs it."""
    if isinstance(schema, dict) and "$ref" in schema:
        ref = schema["$ref"]
        if ref in seen:
            return
        seen.add(ref)
        return open_objects(openapi, openapi.deref(schema), ref, seen, out)
    if isinstance(schema, dict):
        names = set(schema.get("properties") or {})
        if "properties" in schema and schema.get("additionalProperties", True) is True \
                and not (closed_by is not None and names <= closed_by):
            out.append(where)
        closed = names if schema.get("additionalProperties", True) is False else None
        for k, v in schema.items():
            if k in ("properties", "$defs"):
                for name, sub in v.items():
                    open_objects(openapi, sub, f"{where}/{name}", seen, out)
            elif k in ("oneOf", "anyOf", "allOf"):
                for i, sub in enumerate(v):
                    open_objects(openapi, sub, f"{where}/{k}/{i}", seen, out, closed)
            elif isinstance(v, (dict, list)) and k not in ("examples", "example", "enum"):
                open_objects(openapi, v, f"{where}/{k}", seen, out)
    elif isinstance(schema, list):
        for i, v in enumerate(schema):
            open_objects(openapi, v, f"{where}/{i}", seen, out)


def test_the_contract_closes_every_response_object(openapi):
    """Without additionalProperties: false, validating a response would let
    any extra field through."""
    out, seen = [], set()
    for where, schema in response_schemas(openapi):
        open_objects(openapi, schema, where, seen, out)
    assert not out, "response objects that allow undocumented fields:\n  " + "\n  ".join(out)


SENSITIVE_NAME = re.compile(
    r"secret|password|passwd|hash|salt|token|api_?key|private|internal|hourly_pay|bonus_paid|"
    r"stack|trace|sql|debug", re.I)
# The visible part of a key, meant to be shown (keys list, audit trail).
ALLOWED_NAMES = {"key_prefix"}
FULL_KEY = re.compile(r"eq_[0-9a-f]{12}_[0-9a-f]{48}")
SHA256_HEX = re.compile(r"(?<![0-9a-f])[0-9a-f]{64}(?![0-9a-f])")


def json_names(obj, out):
    if isinstance(obj, dict):
        for k, v in obj.items():
            out.add(k)
            json_names(v, out)
    elif isinstance(obj, list):
        for v in obj:
            json_names(v, out)
    return out


def test_every_documented_get_returns_only_the_contract(api, openapi, keys, records):
    targets = crawl_targets(api, openapi, keys, records)
    assert len(targets) > 40
    problems = []
    for t in targets:
        r = api.get(t["path"], params=t["params"], headers=t["headers"])
        # Bodies are UTF-8; without this requests guesses (slowly).
        r.encoding = "utf-8"
        try:
            body = openapi.validate(r, t["template"], "get")
        except AssertionError as e:
            problems.append(f"{t['label']}: {e}")
            continue
        if r.status_code != 200:
            problems.append(f"{t['label']}: {r.status_code} {r.text[:200]}")
            continue
        ctype = r.headers.get("Content-Type", "")
        if ctype.startswith("text/csv"):
            names = set(next(csv.reader(io.StringIO(r.text)), []))
        elif "json" in ctype:
            names = json_names(body, set())
        else:
            names = set()
        bad = sorted(n for n in names if SENSITIVE_NAME.search(n) and n not in ALLOWED_NAMES)
        if bad:
            problems.append(f"{t['label']}: fields named like secrets: {bad}")
        if FULL_KEY.search(r.text) or SHA256_HEX.search(r.text):
            problems.append(f"{t['label']}: a key or a SHA-256 in the body")
    assert not problems, "\n".join(problems[:30])
