"""The pages in a real browser: Debian's Chromium, headless, driven by
playwright-core (npm) through node's test runner, against the real binary
on the test database.

pytest starts the service (the `server` fixture: its log is kept, and a
sanitizer build's exit code is checked as for every suite), makes an API
key with the binary's own `keys create`, and runs each *.test.mjs file
here with node; the assertions are in those files.  Screenshots go to
$EQ_ARTIFACTS_DIR (test-artifacts/browser/ under scripts/test).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import requests

import harness

HERE = Path(__file__).resolve().parent
CHROMIUM = os.environ.get("EQ_CHROMIUM", "/usr/bin/chromium")
NODE_TIMEOUT = 150


def documented_operations() -> list[dict]:
    """Every GET/POST/... of api/openapi.yaml: its Redoc section id (tag and
    operationId), path and parameter names, $refs resolved."""
    spec = harness.OpenApi.load(harness.OPENAPI_PATH)
    ops = []
    for path, item in spec.doc["paths"].items():
        item = spec.deref(item)
        shared = item.get("parameters", [])
        for method, op in item.items():
            if method not in ("get", "put", "post", "patch", "delete", "options", "head"):
                continue
            names = [spec.deref(p)["name"] for p in shared + op.get("parameters", [])]
            # CORS preflights are in the document for tools, not listed in /docs.
            ops.append({"tag": op["tags"][0], "id": op["operationId"], "method": method,
                        "path": path, "parameters": sorted(set(names)),
                        "hidden": op["tags"][0] == "cors-preflight"})
    return ops


def run_node(test_file: str, env_extra: dict) -> None:
    node = shutil.which("node")
    assert node, "node is not on PATH (scripts/test installs it)"
    assert (harness.ROOT / "node_modules" / "playwright-core").is_dir(), \
        "node_modules/playwright-core is missing: run `npm ci`"
    assert os.access(CHROMIUM, os.X_OK), f"{CHROMIUM} is missing: apt-get install chromium"
    env = {k: v for k, v in os.environ.items() if not k.startswith("EQ_BROWSER_")}
    env.update(env_extra)
    env["EQ_CHROMIUM"] = CHROMIUM
    env["EQ_BROWSER_ARTIFACTS"] = str(harness.ARTIFACTS_DIR)
    # The browser must never be asked to go through a proxy to reach loopback.
    for k in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        env.pop(k, None)
    p = subprocess.run([node, "--test", "--test-reporter=spec", str(HERE / test_file)],
                       cwd=harness.ROOT, env=env, capture_output=True, text=True,
                       timeout=NODE_TIMEOUT)
    print(p.stdout)
    print(p.stderr)
    assert p.returncode == 0, f"node --test {test_file} failed:\n{p.stdout[-6000:]}\n{p.stderr[-3000:]}"


def test_docs_page_in_a_browser(server, tmp_path):
    expect = tmp_path / "operations.json"
    ops = documented_operations()
    assert len(ops) > 50
    expect.write_text(json.dumps(ops))
    run_node("docs.test.mjs", {"EQ_BROWSER_BASE_URL": server.url, "EQ_BROWSER_EXPECT": str(expect)})
    assert (harness.ARTIFACTS_DIR / "docs.png").stat().st_size > 10_000


def test_dashboard_in_a_browser(server):
    p = harness.run_cli("keys", "create", "--org", "barnet-council", "--scopes", "manage:indicators")
    assert p.returncode == 0, p.stderr
    key = p.stdout.strip()
    try:
        run_node("dashboard.test.mjs", {"EQ_BROWSER_BASE_URL": server.url, "EQ_BROWSER_KEY": key})
    finally:
        harness.run_cli("keys", "revoke", key[:15])
    for name in ("dashboard-wall.png", "dashboard-phone.png"):
        assert (harness.ARTIFACTS_DIR / name).stat().st_size > 10_000, name
    # The idle page's 304s and the PUT are in the service's log, under their routes.
    lines = server.log_lines()
    assert any(l.get("route") == "/v1/scorecard" and l.get("status") == 304 for l in lines)
    assert any(l.get("route", "").startswith("/v1/indicators/") and l.get("method") == "PUT"
               and l.get("status") == 200 for l in lines)


def test_annual_report_page_in_a_browser(server):
    # A commentary for the page to draw (created, or replaced on a rerun).
    p = harness.run_cli("keys", "create", "--org", "barnet-council", "--scopes", "manage:reports")
    assert p.returncode == 0, p.stderr
    key = p.stdout.strip()
    url = server.url + "/v1/reports/annual/2024-25/sections/workforce/commentary"
    try:
        headers = {"Authorization": "Bearer " + key}
        current = requests.get(url, timeout=10)
        if current.status_code == 200:
            headers["If-Match"] = current.headers["ETag"]
        r = requests.put(url, headers=headers, timeout=10, json={
            "text": "The workforce is older than the borough.\nApprentice recruitment resumes."})
        assert r.status_code in (200, 201), r.text
    finally:
        harness.run_cli("keys", "revoke", key[:15])
    run_node("report.test.mjs", {"EQ_BROWSER_BASE_URL": server.url})
    for name in ("report-phone.png", "report-desktop.png", "annual-report-2024-25.pdf"):
        assert (harness.ARTIFACTS_DIR / name).stat().st_size > 10_000, name


def test_vendored_libraries_are_the_pinned_packages():
    """web/vendor/ is what scripts/vendor-web makes from the versions pinned
    in package.json (so nobody hand-edits a vendored file)."""
    p = subprocess.run([str(harness.ROOT / "scripts" / "vendor-web"), "--check"],
                       cwd=harness.ROOT, capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stdout + p.stderr
