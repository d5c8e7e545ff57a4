"""Shared pieces of the OWASP API Top 10 suite (not a test module): keys
made with the real CLI, records owned by one organisation, and what the
contract (api/openapi.yaml) says about routes and their scopes.

Keys and records are made once per session (the `keys` and `records`
fixtures, exported by conftest.py); every key is made with
`equalities-api keys create`, exactly as an operator would.
"""

from __future__ import annotations

import hashlib
import random
import re
import secrets
import uuid
from typing import Iterable, Optional

import pytest

import harness

# ---------------------------------------------------------------------------
# keys
# ---------------------------------------------------------------------------

ALL_SCOPES = ["submit:returns", "review:returns", "submit:hate-crime", "read:hate-crime",
              "manage:action-plan", "manage:indicators", "admin", "manage:impact-assessments",
              "manage:reports"]

# The scopes each organisation kind may hold (src/domain/scopes.c,
# migrations/0014_key_policy.sql).
KIND_SCOPES = {
    "council": ALL_SCOPES,
    "partner": ["submit:returns"],
    "reporting_centre": ["submit:hate-crime", "read:hate-crime"],
    "police": ["submit:hate-crime", "read:hate-crime"],
}
ORG_KIND = {"barnet-council": "council", "police-feed": "police",
            "reporting-centre-north": "reporting_centre", "reporting-centre-west": "reporting_centre",
            "partner-care": "partner", "partner-youth": "partner", "partner-housing": "partner",
            "partner-leisure": "partner"}

# Organisations of data/organisations.csv, by role in these tests.
COUNCIL = "barnet-council"
CENTRE_A = "reporting-centre-north"     # owns the hate-crime report
CENTRE_B = "reporting-centre-west"      # the intruder for reports
PARTNER_A = "partner-care"              # owns the partner return
PARTNER_B = "partner-youth"             # the intruder for returns

_made: dict[tuple[str, str], str] = {}


def make_key(org: str, scopes: Iterable[str] | str) -> str:
    """A new key for ``org`` with ``scopes`` (made once per session and
    combination, through `equalities-api keys create`)."""
    scopes = scopes if isinstance(scopes, str) else ",".join(sorted(scopes))
    k = (org, scopes)
    if k not in _made:
        p = harness.run_cli("keys", "create", "--org", org, "--scopes", scopes)
        assert p.returncode == 0, p.stderr
        key = p.stdout.strip()
        assert re.fullmatch(r"eq_[0-9a-f]{12}_[0-9a-f]{48}", key), f"not a key: {key!r}"
        _made[k] = key
    return _made[k]


def fresh_key(org: str, scopes: Iterable[str]) -> str:
    """A new key every call (not shared through make_key's cache)."""
    p = harness.run_cli("keys", "create", "--org", org, "--scopes", ",".join(scopes))
    assert p.returncode == 0, p.stderr
    return p.stdout.strip()


def legacy_key(pg, org: str, scopes: Iterable[str]) -> str:
    """A key with scopes its organisation's kind may not hold, as one made
    before migrations/0014_key_policy.sql (or by a hand on the database)
    would be: inserted with the database's own check switched off for the
    one statement.  The service must refuse it at authentication."""
    prefix = "eq_" + secrets.token_hex(6)
    key = prefix + "_" + secrets.token_hex(24)
    digest = hashlib.sha256(key.encode()).hexdigest()
    arr = "{" + ",".join(scopes) + "}"
    pg.psql("BEGIN; ALTER TABLE api_keys DISABLE TRIGGER api_keys_scopes_fit_kind;"
            " INSERT INTO api_keys (organisation_id, prefix, key_hash, scopes)"
            f" SELECT id, '{prefix}', '{digest}', '{arr}' FROM organisations WHERE slug = '{org}';"
            " ALTER TABLE api_keys ENABLE TRIGGER api_keys_scopes_fit_kind; COMMIT;")
    return key


def revoke(key: str) -> None:
    p = harness.run_cli("keys", "revoke", key[:15])
    assert p.returncode == 0, p.stderr


def unknown_key() -> str:
    """Well formed, never issued."""
    return "eq_%s_%s" % (secrets.token_hex(6), secrets.token_hex(24))


def auth(key: Optional[str] = None, **extra) -> dict:
    h = {"X-Request-Id": "sec-" + secrets.token_hex(8)}
    if key:
        h["Authorization"] = "Bearer " + key
    h.update(extra)
    return h


@pytest.fixture(scope="session")
def keys(server):
    k = {
        "centre": make_key(CENTRE_A, "submit:hate-crime,read:hate-crime"),
        "care": make_key(PARTNER_A, "submit:returns"),
        "council_review": make_key(COUNCIL, "review:returns"),
        # Intruders hold every scope their kind may: only ownership stands
        # between them and the record.
        "centre_b_all": make_key(CENTRE_B, KIND_SCOPES["reporting_centre"]),
        "partner_b_all": make_key(PARTNER_B, KIND_SCOPES["partner"]),
        "council_all": make_key(COUNCIL, ALL_SCOPES),
        # Made apart from make_key's cache: no other test may be handed it.
        "revoked": fresh_key(CENTRE_A, KIND_SCOPES["reporting_centre"]),
    }
    revoke(k["revoked"])
    return k


# ---------------------------------------------------------------------------
# records owned by organisation A
# ---------------------------------------------------------------------------

def report_body(**over) -> dict:
    b = {
        "occurred_from": "2024-05-03",
        "reported_on": "2024-05-04",
        "location": {"kind": "ward", "ward": "E05013642"},
        "strands": ["religion"],
        "offence_type": "public_order",
        "channel": "in_person",
        "submitter_reference": "SEC-" + uuid.uuid4().hex[:20],
        "victim": [{"characteristic": "religion", "category": "jewish"}],
    }
    b.update(over)
    return b


def return_lines() -> dict:
    return {
        "sex": {"female": 60, "male": 40},
        "ethnicity": {"white_british": 50, "asian_indian": 30, "black_african": 20},
        "disability": {"disabled": 12, "not_disabled": 88},
        "age": {"age_20_24": 30, "age_25_29": 70},
    }


def open_window(client, key, kind="workforce") -> dict:
    """A return window for a period nobody else uses (409 means taken)."""
    import datetime
    today = datetime.date.today()
    for _ in range(30):
        y = random.randint(2300, 9000)
        period = f"{y}/{(y + 1) % 100:02d}" + random.choice(["", " Q1", " Q2", " Q3", " Q4"])
        r = client.post("/v1/return-windows", headers=auth(key), json={
            "kind": kind, "period": period,
            "open_date": (today - datetime.timedelta(days=5)).isoformat(),
            "due_date": (today + datetime.timedelta(days=30)).isoformat()})
        if r.status_code == 409:
            continue
        assert r.status_code == 201, r.text
        return r.json()
    raise AssertionError("no free period for a return window")


@pytest.fixture(scope="session")
def records(server, keys):
    """One record of each owned kind, belonging to organisation A:
    a hate-crime report (CENTRE_A) and a draft partner return (PARTNER_A)
    in a window of its own."""
    client = harness.ApiClient(server.url)
    try:
        r = client.post("/v1/hate-crime/reports", json=report_body(), headers=auth(keys["centre"]))
        assert r.status_code == 201, r.text
        report = r.json()
        window = open_window(client, keys["council_review"])
        r = client.post("/v1/returns", headers=auth(keys["care"]),
                        json={"window": window["id"], "total": 100, "lines": return_lines()})
        assert r.status_code == 201, r.text
        ret = r.json()
        # The seed has no monthly indicator: one of its own, with a value,
        # so that the value URL of each form answers a GET with data.
        monthly = "sec-monthly-" + secrets.token_hex(3)
        harness.PgControl(harness.PG_SCRIPT).psql(
            "INSERT INTO indicators (code, title, definition, unit, polarity, frequency, outcome,"
            " outcome_title, source, tolerance_kind, tolerance) VALUES"
            f" ('{monthly}', 'Security test', 'For the tests.', 'percent', 'higher_is_better',"
            " 'monthly', 'tests', 'Tests', 'tests', 'absolute', 2000);"
            " SELECT pg_notify('eq_data_changed', 'indicators')")
        r = client.put(f"/v1/indicators/{monthly}/values/2024-04", json={"actual": 5},
                       headers=auth(keys["council_all"]))
        assert r.status_code == 201, r.text
        # A commentary of a year no other test reads, so that its GETs
        # answer with data.
        harness.PgControl(harness.PG_SCRIPT).psql(
            f"DELETE FROM report_commentary_versions WHERE commentary_id = '{COMMENTARY}';"
            f" DELETE FROM report_commentary WHERE id = '{COMMENTARY}'")
        r = client.put("/v1/reports/annual/{year}/sections/{section}/commentary".format(
                       **COMMENTARY_PARAMS), json={"text": "Security test commentary."},
                       headers=auth(keys["council_all"]))
        assert r.status_code == 201, r.text
        yield {"report": report, "window": window, "return": ret, "monthly": monthly}
    finally:
        client.close()


# ---------------------------------------------------------------------------
# the contract
# ---------------------------------------------------------------------------

METHODS = ("get", "head", "post", "put", "patch", "delete", "options", "trace")

# Which scopes each restricted operation accepts (any one will do), as the
# route tables in src/api/*.c declare them. Every operation with a security
# requirement in api/openapi.yaml must be listed (test_api5 checks).
READ_RETURNS = {"submit:returns", "review:returns"}
ROUTE_SCOPES = {
    ("post", "/v1/workforce/snapshots"): {"admin"},
    ("put", "/v1/workforce/snapshots/{as_of}/pay-gaps"): {"admin"},
    ("get", "/v1/hate-crime/reports"): {"read:hate-crime"},
    ("post", "/v1/hate-crime/reports"): {"submit:hate-crime"},
    ("get", "/v1/hate-crime/reports/{id}"): {"read:hate-crime"},
    ("patch", "/v1/hate-crime/reports/{id}"): {"submit:hate-crime"},
    ("get", "/v1/hate-crime/reports/{id}/versions"): {"read:hate-crime"},
    ("get", "/v1/return-windows"): READ_RETURNS,
    ("post", "/v1/return-windows"): {"review:returns"},
    ("get", "/v1/return-windows/{id}"): READ_RETURNS,
    ("get", "/v1/returns"): READ_RETURNS,
    ("post", "/v1/returns"): {"submit:returns"},
    ("get", "/v1/returns/{id}"): READ_RETURNS,
    ("put", "/v1/returns/{id}"): {"submit:returns"},
    ("post", "/v1/returns/{id}/submit"): {"submit:returns"},
    ("post", "/v1/returns/{id}/recall"): {"submit:returns"},
    ("post", "/v1/returns/{id}/review"): {"review:returns"},
    ("get", "/v1/returns/{id}/versions"): READ_RETURNS,
    ("post", "/v1/action-plans"): {"manage:action-plan"},
    ("post", "/v1/action-plans/{id}/actions"): {"manage:action-plan"},
    ("patch", "/v1/actions/{id}"): {"manage:action-plan"},
    ("post", "/v1/actions/{id}/updates"): {"manage:action-plan"},
    ("put", "/v1/indicators/{code}/values/{period}"): {"manage:indicators"},
    ("put", "/v1/indicators/{code}/values/{fy_start}/{period}"): {"manage:indicators"},
    # Data protection (issue 14).
    ("post", "/v1/hate-crime/deliveries"): {"submit:hate-crime"},
    ("post", "/v1/hate-crime/reports/{id}/erasure"): {"admin"},
    ("post", "/v1/hate-crime/reports/{id}/redaction"): {"admin"},
    ("post", "/v1/actions/{id}/updates/{sequence}/redaction"): {"admin"},
    ("get", "/v1/audit-events"): {"admin"},
    ("post", "/v1/organisations"): {"admin"},
    ("patch", "/v1/organisations/{slug}"): {"admin", "submit:returns"},
    ("post", "/v1/impact-assessments"): {"manage:impact-assessments"},
    ("patch", "/v1/impact-assessments/{id}"): {"manage:impact-assessments"},
    ("get", "/v1/impact-assessments/{id}/versions"): {"manage:impact-assessments"},
    ("put", "/v1/reports/annual/{year}/sections/{section}/commentary"): {"manage:reports"},
    # Releases (issue 13).
    ("post", "/v1/hate-crime/releases"): {"admin"},
    ("post", "/v1/returns/summary/releases"): {"review:returns"},
}


def operations(openapi) -> list[tuple[str, str, dict]]:
    """(method, template, operation) for every documented operation."""
    out = []
    for template, item in openapi.doc["paths"].items():
        item = openapi.deref(item)
        for m in METHODS:
            if isinstance(item.get(m), dict):
                out.append((m, template, item[m]))
    return out


def restricted(openapi) -> list[tuple[str, str]]:
    """Operations with a security requirement."""
    return [(m, t) for m, t, op in operations(openapi)
            if op.get("security", openapi.doc.get("security"))]


def template_regex(template: str) -> re.Pattern:
    parts = re.split(r"(\{[^}/]+\})", template)
    return re.compile("^" + "".join("[^/]+" if p.startswith("{") else re.escape(p)
                                    for p in parts) + "$")


def contract_templates(openapi, path: str) -> list[str]:
    """The documented templates a concrete path matches."""
    return [t for t in openapi.doc["paths"] if template_regex(t).match(path)]


def fill(template: str, **values) -> str:
    for k, v in values.items():
        template = template.replace("{" + k + "}", v)
    assert "{" not in template, template
    return template


# ---------------------------------------------------------------------------
# leaks
# ---------------------------------------------------------------------------

# Text that must never reach a client: database and library internals,
# source paths, stack traces.
LEAK_MARKERS = ("sqlstate", "syntax error", "libpq", "pq_", "postgres", "psql", "relation \"",
                "violates", "duplicate key", "constraint", "column \"", "select ", "insert into",
                "update ", "delete from", "/work/", "/src/", ".c:", "traceback", "segmentation",
                "abort", "assert", "stack", "0x7f", "errno", "jansson", "microhttpd")


def leaks(text: str) -> list[str]:
    low = text.lower()
    return [m for m in LEAK_MARKERS if m in low]


# ---------------------------------------------------------------------------
# a crawl of every documented GET, with real identifiers
# ---------------------------------------------------------------------------

def _param(openapi, p):
    return openapi.deref(p)


def get_parameters(openapi, template: str) -> list[dict]:
    item = openapi.deref(openapi.doc["paths"][template])
    op = item.get("get") or {}
    return [_param(openapi, p) for p in item.get("parameters", []) + op.get("parameters", [])]


COMMENTARY = "2016-17/objective"
COMMENTARY_PARAMS = {"year": "2016-17", "section": "objective"}


def release_sample(client, council) -> str:
    """A release's id: the latest, or one made of the summary of an empty
    window of its own (nothing else reads that window, and a release of it
    changes no other statistic's public figures)."""
    latest = client.get("/v1/releases", params={"limit": 1}).json()["data"]
    if latest:
        return str(latest[0]["id"])
    for _ in range(50):
        y = secrets.randbelow(6000) + 2200
        r = client.post("/v1/return-windows", headers=council,
                        json={"kind": "service_users", "period": f"{y}/{(y + 1) % 100:02d} Q4",
                              "open_date": "2999-01-01", "due_date": "2999-12-31"})
        if r.status_code != 409:
            break
    assert r.status_code == 201, r.text
    r = client.post("/v1/returns/summary/releases", json={"window": r.json()["id"]}, headers=council)
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def samples(client, keys, records) -> dict:
    """Real values for path and required query parameters, by name and
    template."""
    council = auth(keys["council_all"])
    area = client.get("/v1/areas", params={"limit": 1}).json()["data"][0]["code"]
    dataset = client.get("/v1/demographics/datasets").json()["data"][0]["slug"]
    indicator = client.get("/v1/indicators", params={"limit": 1}).json()["data"][0]["code"]
    quarter = client.get(f"/v1/indicators/{indicator}/values").json()["data"][0]["period"]["label"]
    actions = client.get("/v1/action-plans/current/actions", params={"limit": 1}).json()["data"]
    windows = client.get("/v1/return-windows", headers=council).json()["data"]
    assessment = client.get("/v1/impact-assessments", params={"limit": 1}).json()["data"][0]["id"]
    seeded_window = next((w["id"] for w in windows
                          if sum(p.get("status") == "accepted" for p in w["partners"]) >= 3),
                         windows[0]["id"])
    return {
        "/v1/areas/{code}": {"code": area},
        "/v1/characteristics/{code}": {"code": "ethnicity"},
        "/v1/demographics/datasets/{slug}": {"slug": dataset},
        "/v1/hate-crime/reports/{id}": {"id": records["report"]["id"]},
        "/v1/hate-crime/reports/{id}/versions": {"id": records["report"]["id"]},
        "/v1/return-windows/{id}": {"id": records["window"]["id"]},
        "/v1/returns/{id}": {"id": records["return"]["id"]},
        "/v1/returns/{id}/versions": {"id": records["return"]["id"]},
        "/v1/action-plans/{id}": {"id": "current"},
        "/v1/action-plans/{id}/actions": {"id": "current"},
        "/v1/action-plans/{id}/summary": {"id": "current"},
        "/v1/actions/{id}": {"id": actions[0]["id"]},
        "/v1/indicators/{code}": {"code": indicator},
        "/v1/indicators/{code}/values": {"code": indicator},
        "/v1/indicators/{code}/values/{period}": {"code": records["monthly"], "period": "2024-04"},
        "/v1/indicators/{code}/values/{fy_start}/{period}": {
            "code": indicator,
            "fy_start": quarter.split("/")[0], "period": quarter.split("/")[1].replace(" ", "-")},
        "/v1/impact-assessments/{id}": {"id": assessment},
        "/v1/impact-assessments/{id}/versions": {"id": assessment},
        "/v1/reports/annual/{year}/sections/{section}/commentary": COMMENTARY_PARAMS,
        "/v1/reports/annual/{year}/sections/{section}/commentary/versions": COMMENTARY_PARAMS,
        "/v1/releases/{id}": {"id": release_sample(client, council)},
        "query": {"window": seeded_window, "characteristic": "ethnicity"},
    }


def crawl_targets(client, openapi, keys, records) -> list[dict]:
    """Every documented GET, once per format it offers and, for restricted
    ones, once per kind of key that may read it: [{template, path, params,
    headers, label}].  Path parameters come from live data, or from the
    parameter's example in the contract (a route added later without an
    example is crawled with "x", and its 404 still has to be documented)."""
    s = samples(client, keys, records)
    owner = {"/v1/hate-crime/": keys["centre"], "/v1/return": keys["care"]}
    out = []
    for template, item in openapi.doc["paths"].items():
        item = openapi.deref(item)
        op = item.get("get")
        if not isinstance(op, dict):
            continue
        params = get_parameters(openapi, template)
        values = dict(s.get(template, {}))
        query = {}
        for p in params:
            if p.get("in") == "path" and p["name"] not in values:
                values[p["name"]] = str(p.get("example") or "x")
            if p.get("in") == "query" and p.get("required"):
                query[p["name"]] = s["query"].get(p["name"]) or p.get("example") or "x"
        path = fill(template, **values)
        if template == "/metrics":   # on its own listener (EQ_METRICS_LISTEN)
            path = harness.metrics_url(client.base_url)
        formats = [None]
        if any(p.get("name") == "format" and p.get("in") == "query" for p in params):
            formats.append("csv")
        if op.get("security", openapi.doc.get("security")):
            readers = [("council", keys["council_all"])]
            readers += [(f"owner", k) for prefix, k in owner.items() if template.startswith(prefix)]
        else:
            readers = [("anonymous", None)]
        for who, key in readers:
            for fmt in formats:
                q = dict(query, **({"format": fmt} if fmt else {}))
                out.append({"template": template, "path": path, "params": q,
                            "headers": auth(key), "label": f"GET {path} {q} as {who}"})
    return out
