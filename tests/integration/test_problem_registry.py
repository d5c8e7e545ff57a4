"""The problem types: the sources, the registry and the contract agree.

src/http/problems.c is the one registry of the problem types the service
answers with (slug, status, title, one sentence).  api/openapi.yaml lists
the same: the Problem schema's `type` enum, and its table of status, title
and meaning.  What must hold:

- every slug a problem_send* call (or a refusal of conformance.c) names in
  src/ is registered, with the status and title the call gives;
- every registry entry is in the contract's enum and table, with the same
  status, title and sentence, and the contract lists nothing else;
- a live problem carries its registered title and status.
"""

import re

import pytest

from harness import ROOT

PREFIX = "urn:equalities:problem:"

# problem_send(res, 404, "not-found", "Not found", ...), problem_sendf and
# problem_send_errors alike, over several lines if need be.
CALL = re.compile(
    r'problem_(?:send|sendf|send_errors)\s*\(\s*[^,;]+,\s*([^,;]+?),\s*"([^"]*)"\s*,\s*"([^"]*)"', re.S)
# static const struct refusal refuse_x = { 501, "not-implemented", "Not implemented", ...
# and #define BAD_REQUEST(detail) { 400, "bad-request", "Bad request", detail }
REFUSAL = re.compile(
    r'(?:struct refusal \w+ = |#define \w+\(\w+\) )\{\s*(\d{3}),\s*"([^"]*)",\s*"([^"]*)"', re.S)
# api_conflict_send(res, "duplicate-window", "Duplicate return window", ...): a 409.
CONFLICT = re.compile(r'api_conflict_send\s*\(\s*[^,;]+,\s*"([^"]*)"\s*,\s*"([^"]*)"', re.S)
# static const struct api_conflict duplicate = { "duplicate-window", "Duplicate return window", ...
# (sent by api_conflict_respond or api_insert_unique_or_respond): a 409 too.
CONFLICT_DECL = re.compile(r'struct api_conflict \w+ = \{\s*"([^"]*)",\s*"([^"]*)"', re.S)
ENTRY = re.compile(r'\{ "([a-z0-9-]+)", (\d{3}), "([^"]*)",\s*"((?:[^"\\]|\\.)*)" \}')


def registry() -> dict:
    text = (ROOT / "src" / "http" / "problems.c").read_text()
    entries = {slug: (int(status), title, desc) for slug, status, title, desc in ENTRY.findall(text)}
    assert len(entries) >= 20, "the registry in src/http/problems.c could not be read"
    return entries


def uses_in_sources() -> list:
    """(file, status text, slug, title) of every problem the sources send."""
    uses = []
    for path in sorted((ROOT / "src").rglob("*.[ch]")):
        text = path.read_text()
        rel = str(path.relative_to(ROOT))
        for pattern in (CALL, REFUSAL):
            for status, slug, title in pattern.findall(text):
                uses.append((rel, status.strip(), slug, title))
        for pattern in (CONFLICT, CONFLICT_DECL):
            for slug, title in pattern.findall(text):
                uses.append((rel, "409", slug, title))
    return uses


def contract_table(problem: dict) -> dict:
    rows = {}
    for line in problem["properties"]["type"]["description"].splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 4 and cells[0].startswith("`") and cells[1].isdigit():
            rows[cells[0].strip("`")] = (int(cells[1]), cells[2], cells[3])
    return rows


def test_every_problem_the_sources_send_is_registered():
    entries = registry()
    uses = uses_in_sources()
    # The scan must find the calls it is meant to find, or it proves nothing.
    # (Sixty call sites once the shared 404 and 422 helpers replaced their
    # copies; far fewer would mean the patterns no longer match the code.)
    assert len(uses) >= 50
    assert {"not-found", "validation-failed", "bad-request", "expectation-failed"} <= {u[2] for u in uses}
    wrong = []
    for rel, status, slug, title in uses:
        if slug not in entries:
            wrong.append(f"{rel}: {slug} is not in src/http/problems.c")
            continue
        if status.isdigit() and int(status) != entries[slug][0]:
            wrong.append(f"{rel}: {slug} sent with {status}, registered with {entries[slug][0]}")
        if title != entries[slug][1]:
            wrong.append(f"{rel}: {slug} titled {title!r}, registered as {entries[slug][1]!r}")
    assert not wrong, "\n".join(wrong)


def test_every_registered_problem_is_sent_somewhere():
    used = {u[2] for u in uses_in_sources()}
    unused = sorted(set(registry()) - used)
    assert not unused, f"registered but never sent: {unused}"


def test_the_contract_lists_the_registry(openapi):
    entries = registry()
    problem = openapi.doc["components"]["schemas"]["Problem"]
    enum = problem["properties"]["type"]["enum"]
    assert len(enum) == len(set(enum))
    assert sorted(enum) == sorted(PREFIX + slug for slug in entries)
    table = contract_table(problem)
    assert table == entries


@pytest.mark.parametrize("method,path,headers,status,slug", [
    ("GET", "/v1/no-such-thing", {}, 404, "not-found"),
    ("DELETE", "/v1/areas", {}, 405, "method-not-allowed"),
    ("GET", "/v1/areas?no_such_parameter=1", {}, 400, "invalid-parameter"),
    ("GET", "/v1/returns", {"Authorization": "Bearer eq_000000000000_nope"}, 401, "unauthorized"),
])
def test_live_problems_carry_the_registered_title(api, openapi, method, path, headers, status, slug):
    entries = registry()
    r = api.request(method, path, headers=headers)
    assert r.status_code == status
    body = r.json()
    assert body["type"] == PREFIX + slug
    assert (body["status"], body["title"]) == entries[slug][:2]
    openapi.validate_body(body, openapi.doc["components"]["schemas"]["Problem"], f"problem {status}")
