"""The README's getting-started commands, run as written on the test
cluster (issue 16): a newcomer's first steps must work, and the CLI's help
and its errors must not need a database or hide the valid values.
"""

from __future__ import annotations

import os
import re
import subprocess

import harness


def readme_blocks() -> list[str]:
    text = (harness.ROOT / "README.md").read_text(encoding="utf-8")
    part = text.split("<!-- getting-started:begin -->", 1)[1].split("<!-- getting-started:end -->", 1)[0]
    return re.findall(r"```sh\n(.*?)```", part, re.S)


def run_block(block: str, server, url: str, tmp_path) -> subprocess.CompletedProcess:
    # "build/equalities-api" as written: the binary under test, in a folder
    # of its own with the same layout.
    (tmp_path / "build").mkdir(exist_ok=True)
    link = tmp_path / "build" / "equalities-api"
    if not link.exists():
        link.symlink_to(harness.BINARY)
    env = harness.service_env({"BASE": server.url, "EQ_DATABASE_URL": url})
    return subprocess.run(["bash", "-eu", "-c", block], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=60)


def fresh_database() -> str:
    """A database of its own, migrated and seeded as scripts/run leaves one
    (the demo release history included)."""
    return harness.seeded_database("readme")


def test_the_readme_getting_started_runs_as_written(start_server, tmp_path):
    url = fresh_database()
    server = start_server("readme", EQ_DATABASE_URL=url)
    blocks = readme_blocks()
    assert len(blocks) == 3
    outs = []
    for block in blocks:
        p = run_block(block, server, url, tmp_path)
        assert p.returncode == 0, f"{block}\n---\n{p.stdout[-2000:]}\n{p.stderr[-2000:]}"
        outs.append(p.stdout)
    partner, web, dashboard = outs
    assert '"status":"draft"' in partner.replace(" ", "") and '"late":true' in partner.replace(" ", "")
    assert "E05013642" in web
    assert dashboard.strip().splitlines()[-1] == "304"


def test_keys_help_needs_no_database():
    env = {"EQ_DATABASE_URL": "", "EQ_PGPORT": "1", "PGHOST": "127.0.0.1", "PGPORT": "1"}
    p = harness.run_cli("keys", "--help", env=env)
    assert p.returncode == 0 and "keys create --org SLUG" in p.stdout, p.stderr
    # With no database anywhere, the message says what to do.
    p = harness.run_cli("keys", "list", env=env)
    assert p.returncode == 1 and "scripts/run" in p.stderr and "EQ_DATABASE_URL" in p.stderr


def test_an_unknown_organisation_lists_the_valid_ones():
    p = harness.run_cli("keys", "create", "--org", "no-such-org", "--scopes", "submit:returns")
    assert p.returncode == 1
    assert "unknown organisation" in p.stderr and "partner-care" in p.stderr
    p = harness.run_cli("keys", "create", "--org", "partner-care", "--scopes", "submit:everything")
    assert p.returncode == 2 and "review:returns" in p.stderr
