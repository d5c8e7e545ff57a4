"""Least privilege in the database (issue 14).

The owner role runs `migrate`; with EQ_SERVICE_ROLE it then grants the
service's own role (scripts/pg creates it: `equalities_service`, not a
superuser, owning nothing) only what the service needs.  That role:

- cannot change the schema (no CREATE, ALTER, DROP, TRUNCATE);
- cannot run a program through COPY ... PROGRAM;
- cannot change or delete an audit row (append-only), nor rewrite the
  migration record;
- and the whole service still works connected as it: reads, an audited
  read, a write with its audit event, an erasure, and the periodic sweep.
"""

from __future__ import annotations

import subprocess
import uuid

import pytest

import harness
from secsupport import CENTRE_A, COUNCIL, auth, make_key, report_body

SERVICE_ROLE = "equalities_service"


@pytest.fixture(scope="module")
def service_url():
    p = harness.run_cli("migrate", env={"EQ_SERVICE_ROLE": SERVICE_ROLE})
    assert p.returncode == 0, p.stderr
    out = subprocess.run([str(harness.PG_SCRIPT), "service-url", harness.PgControl().database],
                         capture_output=True, text=True, check=True)
    return out.stdout.strip()


def as_service(sql: str) -> subprocess.CompletedProcess:
    pg = harness.PgControl()
    return subprocess.run([str(pg.script), "psql", pg.database, "-U", SERVICE_ROLE, "-At",
                           "-v", "ON_ERROR_STOP=1", "-c", sql],
                          capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)


def test_the_service_role_is_not_a_superuser(service_url):
    p = as_service("SELECT rolsuper, rolcreatedb, rolcreaterole FROM pg_roles WHERE rolname = current_user")
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip() == "f|f|f"


@pytest.mark.parametrize("sql", [
    "CREATE TABLE intruder (a int)",
    "ALTER TABLE hate_crime_reports ADD COLUMN intruder text",
    "DROP TABLE idempotency_keys",
    "TRUNCATE audit_events",
    "CREATE FUNCTION intruder() RETURNS int LANGUAGE sql AS 'SELECT 1'",
    "COPY (SELECT 1) TO PROGRAM 'id'",
    "COPY audit_events FROM PROGRAM 'true'",
    "UPDATE audit_events SET outcome = 'success' WHERE id = (SELECT max(id) FROM audit_events)",
    "DELETE FROM audit_events WHERE id = (SELECT max(id) FROM audit_events)",
    "UPDATE schema_migrations SET checksum = 'x'",
    "DELETE FROM schema_migrations",
])
def test_the_service_role_is_refused(service_url, sql):
    p = as_service(sql)
    assert p.returncode != 0, f"the service role was allowed: {sql}"
    assert "permission denied" in p.stderr or "must be" in p.stderr or "must have" in p.stderr, p.stderr


def test_the_service_role_may_append_to_the_audit_trail(service_url):
    rid = "lp-" + uuid.uuid4().hex
    p = as_service("INSERT INTO audit_events (request_id, action, outcome, status)"
                   f" VALUES ('{rid}', 'test.append', 'success', 200)")
    assert p.returncode == 0, p.stderr
    assert as_service(f"SELECT count(*) FROM audit_events WHERE request_id = '{rid}'").stdout.strip() == "1"


def test_the_service_runs_as_its_own_role(service_url):
    srv = harness.Server("service-role", env={"EQ_DATABASE_URL": service_url,
                                              "EQ_SWEEP_INTERVAL": "1"}).start()
    try:
        client = harness.ApiClient(srv.url)
        centre = make_key(CENTRE_A, "submit:hate-crime,read:hate-crime")
        admin = make_key(COUNCIL, "admin")
        assert client.get("/v1/hate-crime/statistics").status_code == 200
        r = client.post("/v1/hate-crime/reports", json=report_body(),
                        headers=auth(centre, **{"Idempotency-Key": "lp-" + uuid.uuid4().hex}))
        assert r.status_code == 201, r.text
        rid = r.json()["id"]
        h = auth(centre)
        assert client.get(f"/v1/hate-crime/reports/{rid}", headers=h).status_code == 200
        r = client.get(f"/v1/audit-events?action=hate_crime_report.read&limit=1", headers=auth(admin))
        assert r.status_code == 200 and r.json()["data"][0]["client_request_id"] == h["X-Request-Id"]
        r = client.post(f"/v1/hate-crime/reports/{rid}/erasure", json={"reason": "least privilege test"},
                        headers=auth(admin))
        assert r.status_code == 200, r.text
        r = client.post("/v1/hate-crime/deliveries", json={"months": ["2008-01"]}, headers=auth(centre))
        assert r.status_code == 201, r.text
        client.close()
    finally:
        problem = srv.check_exit()
        harness.PgControl().psql("DELETE FROM hate_crime_deliveries WHERE month = '2008-01-01'")
    assert not problem, problem
    assert "housekeeping failed" not in srv.log_text()


# ---- secrets never in argv ------------------------------------------------------------

@pytest.mark.parametrize("url", ["postgresql://equalities:s3cret@127.0.0.1:5432/x",
                                 "host=127.0.0.1 dbname=x password=s3cret"])
def test_a_password_on_the_command_line_is_refused(url):
    p = harness.run_cli("--database-url", url, "migrate")
    assert p.returncode == 2
    assert "must not carry a password" in p.stderr and "s3cret" not in p.stderr


def test_the_database_url_can_come_from_a_file(tmp_path):
    f = tmp_path / "url"
    f.write_text(harness.TEST_DATABASE_URL + "\n")
    f.chmod(0o600)
    p = harness.run_cli("--database-url-file", str(f), "purge", env={"EQ_DATABASE_URL": None})
    assert p.returncode == 0, p.stderr
    p = harness.run_cli("purge", env={"EQ_DATABASE_URL": None,
                                      "EQ_DATABASE_URL_FILE": str(tmp_path / "missing")})
    assert p.returncode == 2 and "EQ_DATABASE_URL_FILE" in p.stderr


def test_listing_keys_is_audited():
    pg = harness.PgControl()
    before = int(pg.psql("SELECT count(*) FROM audit_events WHERE action = 'api_key.list'"))
    p = harness.run_cli("keys", "list", "--org", CENTRE_A)
    assert p.returncode == 0, p.stderr
    shown = len(p.stdout.strip().split("\n")) - 1
    row = pg.psql("SELECT target, route, record_count FROM audit_events WHERE action = 'api_key.list'"
                  " ORDER BY id DESC LIMIT 1")
    assert int(pg.psql("SELECT count(*) FROM audit_events WHERE action = 'api_key.list'")) == before + 1
    assert row == f"{CENTRE_A}|cli keys list|{shown}"
