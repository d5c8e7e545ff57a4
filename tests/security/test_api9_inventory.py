"""OWASP API9:2023 Improper Inventory Management.

The contract (api/openapi.yaml, read at test time, so routes added to it
later count) is the whole inventory:

- a crawl of a few hundred likely paths (admin and debug pages, VCS and
  environment files, backups, other API versions, framework endpoints,
  undocumented neighbours of documented routes, traversal spellings), with
  and without a key holding every scope, finds nothing outside it: any
  answer that shows the router knows a path (2xx, 3xx, 401, 403, 405) must
  be for a documented path, a 2xx for a documented method, and no answer
  holds the contents of a file it should not (a password file, a git
  config, the environment);
- the served /openapi.yaml is the file in the repository, byte for byte;
- every documented path and method is really served (the other direction:
  the document does not promise routes that are gone).
"""

from __future__ import annotations

import re

from secsupport import ALL_SCOPES, COUNCIL, auth, contract_templates, make_key, operations

LIKELY = """
/ /healthz /readyz /livez /openapi.yaml /v1/areas /v1/demographics /v1/hate-crime/reports
/v1/returns /v1/workforce/profile /index.html /admin /admin/ /administrator /debug /debug/vars /debug/pprof /console /status
/server-status /server-info /info /version /health /healthcheck /ping /env /config /config.json
/settings /metrics /prometheus /actuator /actuator/health /actuator/env /actuator/heapdump
/swagger /swagger.json /swagger.yaml /swagger-ui /swagger-ui.html /api-docs /v2/api-docs
/v3/api-docs /openapi.json /openapi.yml /openapi.yaml.bak /openapi.yaml~ /openapi /docs /redoc
/api /api/ /api/v1 /api/v1/areas /api/openapi.yaml /graphql /graphiql /rpc /jsonrpc /soap
/.env /.env.local /.env.production /.git /.git/config /.git/HEAD /.gitignore /.svn/entries
/.hg /.DS_Store /.htaccess /.htpasswd /.well-known/security.txt /robots.txt /sitemap.xml
/favicon.ico /crossdomain.xml /login /logout /register /signup /users /user /account /keys
/api-keys /token /oauth/token /auth /session /backup /backup.sql /dump.sql /db.sql
/database.sqlite /data.json /core /test /tests /tmp /log /logs /error_log /trace
/README.md /meson.build /Dockerfile /docker-compose.yml /package.json /.ci/run /scripts/run
/scripts/test /src/main.c /src/http/server.c /migrations /migrations/0001_reference_and_demographics.sql
/data /data/organisations.csv /api/openapi.yaml /build /build/equalities-api /test-artifacts
/etc/passwd /proc/self/environ /cgi-bin/test.cgi /phpinfo.php /wp-admin /wp-login.php
/v0 /v0/areas /v1 /v1/ /v2 /v2/areas /v1.0/areas /v1.1/areas /V1/areas /v1/admin /v1/debug
/v1/internal /v1/keys /v1/api-keys /v1/organisations /v1/organisations/barnet-council /v1/users
/v1/audit /v1/audit-events /v1/audit_events /v1/idempotency-keys /v1/schema_migrations
/v1/health /v1/healthz /v1/readyz /v1/metrics /v1/openapi.yaml /v1/docs /v1/config
/v1/hate-crime /v1/hate-crime/reports.json /v1/hate-crime/reports.csv /v1/hate-crime/export
/v1/hate-crime/statistics/raw /v1/hate-crime/raw /v1/demographics/counts /v1/demographics/raw
/v1/demographics/export /v1/workforce /v1/workforce/employees /v1/workforce/rows
/v1/workforce/pay /v1/workforce/snapshots/2024-03-31 /v1/workforce/snapshots/2024-03-31/rows
/v1/workforce/snapshots/2024-03-31/employees /v1/returns/export /v1/returns/all
/v1/returns/summary/raw /v1/return-windows/current /v1/action-plans/current/export
/v1/actions /v1/actions/export /v1/indicators/export /v1/scorecard/export
/v1/areas.json /v1/areas.csv /v1/areas.xml /v1/areas/ /v1/areas/E09000003/ /v1/areas;jsessionid=1
/v1/areas%2f /v1/areas%00 /v1/areas/..%2f..%2fapi_keys /v1/../.env /v1/%2e%2e/.env
/assets /assets/ /assets/../../etc/passwd /assets/..%2f..%2fetc%2fpasswd /assets/%2e%2e/%2e%2e/etc/passwd
/dashboard/../.env /docs/../.git/config /static /static/../.env /public /uploads
""".split()

# Contents that must never be served.
SECRET_CONTENT = [re.compile(p) for p in (
    r"root:x?:0:0", r"\[core\]", r"repositoryformatversion", r"EQ_DATABASE_URL=",
    r"postgresql://[^\s\"]*@", r"#include <", r"PGPASSWORD", r"BEGIN (RSA |EC )?PRIVATE KEY",
    r"eq_[0-9a-f]{12}_[0-9a-f]{48}")]


def neighbours(openapi) -> list[str]:
    """Undocumented spellings around each documented path."""
    out = []
    for t in openapi.doc["paths"]:
        p = re.sub(r"\{[^}]+\}", "x", t)
        out += [p, p + "/", p + ".json", p + ".bak", p + "~", p + "/admin", p + "/..", p + "%20",
                p.upper(), "/v2" + p[3:] if p.startswith("/v1/") else "/v2" + p,
                "/v0" + p[3:] if p.startswith("/v1/") else "/api" + p]
    return out


def knows(status: int) -> bool:
    """Does this answer show that the router knows the path?"""
    return 200 <= status < 400 or status in (401, 403, 405)


def test_a_crawl_finds_nothing_outside_the_contract(api, openapi, raw_request, server):
    key = make_key(COUNCIL, ALL_SCOPES)
    paths = sorted(set(LIKELY + neighbours(openapi)))
    assert len(paths) > 300
    problems = []
    for p in paths:
        for method, headers in (("GET", {}), ("GET", auth(key)), ("POST", auth(key))):
            # Raw, so that no client library normalises the path first.
            lines = [f"{method} {p} HTTP/1.1", "Host: x", "Connection: close"]
            lines += [f"{k}: {v}" for k, v in headers.items()]
            if method == "POST":
                lines.append("Content-Length: 0")
            data = raw_request(server.port, ("\r\n".join(lines) + "\r\n\r\n").encode(), 3)
            m = re.match(rb"HTTP/1\.[01] (\d{3})", data)
            if not m:
                problems.append(f"{method} {p}: no HTTP answer {data[:80]!r}")
                continue
            status = int(m.group(1))
            if status >= 500:
                problems.append(f"{method} {p}: {status}")
            for rx in SECRET_CONTENT:
                if rx.search(data.decode("latin-1")):
                    problems.append(f"{method} {p}: serves {rx.pattern}")
            if not knows(status):
                continue
            path = p.split("?", 1)[0]
            templates = contract_templates(openapi, path)
            if not templates:
                problems.append(f"{method} {p}: {status}, but no documented path matches")
                continue
            if 200 <= status < 300:
                documented = any(method.lower() in openapi.doc["paths"][t] for t in templates)
                if not documented:
                    problems.append(f"{method} {p}: {status}, method not documented")
    assert not problems, "outside the inventory:\n  " + "\n  ".join(problems[:40])


def test_the_served_contract_is_the_repositorys(api, openapi):
    import harness
    r = api.get("/openapi.yaml")
    assert r.status_code == 200
    assert r.content == harness.OPENAPI_PATH.read_bytes()


def test_every_documented_operation_is_served(api, openapi):
    """OPTIONS on every documented path lists at least its documented
    methods: nothing in the document is a dead route."""
    missing = []
    for method, template, _ in operations(openapi):
        path = re.sub(r"\{[^}]+\}", "x", template)
        r = api.options(path)
        allow = {m.strip().lower() for m in r.headers.get("Allow", "").split(",")}
        if r.status_code != 204 or method not in allow:
            missing.append(f"{method.upper()} {template}: OPTIONS {r.status_code} Allow {sorted(allow)}")
    assert not missing, "\n".join(missing)
