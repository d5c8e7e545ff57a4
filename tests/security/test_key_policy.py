"""Keys under policy (issue #14, point 1; src/domain/scopes.c,
migrations/0014_key_policy.sql, src/keys_cli.c, src/http/auth.c).

- The key-kind matrix: every organisation kind against every scope, at
  `keys create`, in the database, and at authentication for a key that
  got past both (made before the rule).
- Expiry (`keys create --expires`) and rotation (`keys rotate PREFIX
  --overlap`): the old key works until its overlap ends, then 401.
- Error messages list the valid values.
"""

from __future__ import annotations

import datetime
import secrets

import pytest

import harness
from checks import assert_problem
from secsupport import ALL_SCOPES, KIND_SCOPES, ORG_KIND, auth, legacy_key, make_key

ONE_ORG = {kind: next(o for o, k in ORG_KIND.items() if k == kind) for kind in KIND_SCOPES}
REPORTS = "/v1/hate-crime/reports"


def create(org, scopes, *extra):
    return harness.run_cli("keys", "create", "--org", org, "--scopes", scopes, *extra)


@pytest.mark.parametrize("kind", sorted(KIND_SCOPES))
@pytest.mark.parametrize("scope", ALL_SCOPES)
def test_key_kind_matrix_at_keys_create(kind, scope):
    org = ONE_ORG[kind]
    p = create(org, scope)
    if scope in KIND_SCOPES[kind]:
        assert p.returncode == 0, p.stderr
        assert p.stdout.strip().startswith("eq_")
    else:
        assert p.returncode == 2, (p.returncode, p.stderr)
        assert f"a {kind} organisation may not hold {scope}" in p.stderr, p.stderr
        # The message lists what the kind may hold.
        for allowed in KIND_SCOPES[kind]:
            assert allowed in p.stderr, p.stderr


def test_the_issues_partner_key_is_refused():
    """`keys create --org partner-care --scopes admin,manage:action-plan`
    succeeded before: that key then edited the council's action plan."""
    p = create("partner-care", "admin,manage:action-plan")
    assert p.returncode == 2 and "may not hold" in p.stderr, p.stderr
    assert p.stdout == ""


@pytest.mark.parametrize("kind", sorted(KIND_SCOPES))
def test_the_database_refuses_what_the_cli_would(pg, kind):
    refused = [s for s in ALL_SCOPES if s not in KIND_SCOPES[kind]]
    for scope in refused:
        with pytest.raises(Exception) as e:
            pg.psql("INSERT INTO api_keys (organisation_id, prefix, key_hash, scopes)"
                    f" SELECT id, 'eq_{secrets.token_hex(6)}', repeat('a', 64), '{{{scope}}}'"
                    f" FROM organisations WHERE slug = '{ONE_ORG[kind]}'")
        assert "may not hold" in str(e.value), str(e.value)
    # An update that widens a key is refused the same way.
    if refused:
        key = make_key(ONE_ORG[kind], KIND_SCOPES[kind])
        with pytest.raises(Exception) as e:
            pg.psql(f"UPDATE api_keys SET scopes = scopes || '{refused[0]}'::text"
                    f" WHERE prefix = '{key[:15]}'")
        assert "may not hold" in str(e.value), str(e.value)
    # And an organisation cannot change kind under its keys.
    if kind == "council":
        with pytest.raises(Exception) as e:
            pg.psql("UPDATE organisations SET kind = 'partner' WHERE slug = 'barnet-council'")
        assert "revoke them first" in str(e.value), str(e.value)


def test_a_key_made_before_the_rule_is_refused_with_403_and_audited(api, openapi, pg):
    key = legacy_key(pg, "partner-care", ["submit:returns", "admin", "manage:action-plan"])
    h = auth(key)
    # Even on a route whose scope it holds: the key as a whole is refused.
    r = api.get("/v1/returns", headers=h)
    body = assert_problem(r, 403, openapi, "/v1/returns")
    assert body["type"].endswith(":forbidden")
    assert "partner organisation may not hold" in body["detail"], body["detail"]
    assert "admin" in body["detail"] and "manage:action-plan" in body["detail"]
    assert "submit:returns" in body["detail"]        # what it may hold
    rows = pg.psql("SELECT action, outcome, status, key_prefix, o.slug FROM audit_events a"
                   " JOIN organisations o ON o.id = a.organisation_id"
                   f" WHERE client_request_id = '{h['X-Request-Id']}'")
    assert rows == f"api_key.scope_refused|refused|403|{key[:15]}|partner-care", rows
    # The issue's attack: adding an action to the council's plan.
    plan = api.get("/v1/action-plans").json()["data"][0]["id"]
    r = api.post(f"/v1/action-plans/{plan}/actions", headers=auth(key), json={})
    assert r.status_code == 403, r.text


def test_unknown_organisation_and_scope_list_the_valid_values():
    p = create("no-such-org", "admin")
    assert p.returncode == 1
    assert "unknown organisation 'no-such-org'" in p.stderr
    for org in ORG_KIND:
        assert org in p.stderr, p.stderr
    p = create("barnet-council", "admin,superuser")
    assert p.returncode == 2 and "unknown scope 'superuser'" in p.stderr
    for s in ALL_SCOPES:
        assert s in p.stderr, p.stderr


# ---------------------------------------------------------------------------
# expiry and rotation
# ---------------------------------------------------------------------------

def test_expires_must_be_a_future_date():
    p = create("reporting-centre-north", "read:hate-crime", "--expires", "2001-01-01")
    assert p.returncode == 1 and "not in the future" in p.stderr, p.stderr
    p = create("reporting-centre-north", "read:hate-crime", "--expires", "next week")
    assert p.returncode == 2 and "YYYY-MM-DD" in p.stderr, p.stderr


def test_an_expired_key_is_401(api, openapi, pg):
    tomorrow = (datetime.date.today() + datetime.timedelta(days=2)).isoformat()
    p = create("reporting-centre-north", "read:hate-crime", "--expires", tomorrow)
    assert p.returncode == 0, p.stderr
    key = p.stdout.strip()
    assert api.get(REPORTS, headers=auth(key)).status_code == 200
    listed = harness.run_cli("keys", "list", "--org", "reporting-centre-north").stdout
    assert any(key[:15] in line and tomorrow + "T00:00:00Z" in line for line in listed.splitlines())
    # Time passes (moved by hand: the CHECK wants it after creation).
    pg.psql(f"UPDATE api_keys SET created_at = now() - interval '2 days',"
            f" expires_at = now() - interval '1 second' WHERE prefix = '{key[:15]}'")
    r = api.get(REPORTS, headers=auth(key))
    body = assert_problem(r, 401, openapi, REPORTS)
    assert "expired" in body["detail"], body


def test_rotation_overlap_then_only_the_successor(api, openapi, pg):
    old = make_key("reporting-centre-west", "read:hate-crime")
    p = harness.run_cli("keys", "rotate", old[:15], "--overlap", "1h")
    assert p.returncode == 0, p.stderr
    new = p.stdout.strip()
    assert new.startswith("eq_") and new != old
    # Within the overlap both work.
    assert api.get(REPORTS, headers=auth(old)).status_code == 200
    assert api.get(REPORTS, headers=auth(new)).status_code == 200
    row = pg.psql("SELECT o.scopes = n.scopes, o.organisation_id = n.organisation_id,"
                  " o.replaced_by = n.id, o.expires_at BETWEEN now() + interval '59 minutes'"
                  " AND now() + interval '61 minutes', n.expires_at IS NULL"
                  " FROM api_keys o, api_keys n"
                  f" WHERE o.prefix = '{old[:15]}' AND n.prefix = '{new[:15]}'")
    assert row == "t|t|t|t|t", row
    audit = pg.psql("SELECT action, target FROM audit_events WHERE action = 'api_key.rotate'"
                    f" AND key_prefix = '{new[:15]}'")
    assert audit == f"api_key.rotate|{old[:15]} -> {new[:15]}", audit
    # A rotated key cannot be rotated again (its successor can).
    again = harness.run_cli("keys", "rotate", old[:15])
    assert again.returncode == 1 and "no active key" in again.stderr, again.stderr
    # The overlap ends: the old key is 401, naming its successor's existence.
    pg.psql(f"UPDATE api_keys SET created_at = now() - interval '2 hours',"
            f" expires_at = now() - interval '1 second' WHERE prefix = '{old[:15]}'")
    body = assert_problem(api.get(REPORTS, headers=auth(old)), 401, openapi, REPORTS)
    assert "rotated" in body["detail"] and "successor" in body["detail"], body
    assert api.get(REPORTS, headers=auth(new)).status_code == 200


def test_rotate_with_no_overlap_and_bad_input(api, openapi):
    old = make_key("reporting-centre-west", "submit:hate-crime")
    p = harness.run_cli("keys", "rotate", old[:15], "--overlap", "0")
    assert p.returncode == 0, p.stderr
    assert_problem(api.get(REPORTS, headers=auth(old)), 401, openapi, REPORTS)
    p = harness.run_cli("keys", "rotate", old[:15], "--overlap", "1 week")
    assert p.returncode == 2 and "24h or 7d" in p.stderr, p.stderr
    p = harness.run_cli("keys", "rotate", "nonsense")
    assert p.returncode == 2 and "not a key prefix" in p.stderr, p.stderr
