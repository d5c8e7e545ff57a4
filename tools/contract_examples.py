#!/usr/bin/env python3
"""contract_examples.py - success examples for api/openapi.yaml, and the
lint that every operation has one that validates.

  tools/contract_examples.py check [SPEC]
      exit 1 unless every operation's JSON success responses (2xx) carry an
      `example` (or `examples`) that validates against the response's own
      schema, declare 429, every OPTIONS preflight has the tag cors-preflight and every
      other operation's tag is in a group of x-tagGroups (what /docs lists).
      scripts/test runs this beside the Redocly lint.

  tools/contract_examples.py fill RECORDINGS [SPEC]
      give every operation that lacks one, or whose inline example no
      longer validates, a real example: the first body the integration
      suite received for it (recorded by
      tests/integration/harness.py when EQ_RECORD_EXAMPLES=FILE is set),
      its lists cut to two items where that still validates.  Only
      operations without a valid example are touched; the YAML text is edited
      in place (comments and layout kept), so the diff is the examples.

Examples are real responses of the real binary on the demo data, so they
show what a client will see; the check keeps them true as schemas change.
"""
from __future__ import annotations

import copy
import json
import os
import re
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "integration"))
import harness  # noqa: E402  (the suites' own validator: one meaning of "valid")

METHODS = ("get", "put", "post", "patch", "delete", "head")
MAX_EXAMPLE_CHARS = 6000


def is_json(media: str) -> bool:
    return media == "application/json" or media.endswith("+json")


def success_responses(api: harness.OpenApi, op: dict):
    """(status, media, media object, raw response) of each JSON 2xx body."""
    for status, resp in (op.get("responses") or {}).items():
        if not str(status).startswith("2"):
            continue
        raw = resp
        resp = api.deref(resp)
        for media, spec in (resp.get("content") or {}).items():
            if is_json(media):
                yield str(status), media, api.deref(spec), raw


def operations(api: harness.OpenApi):
    for path, item in api.doc["paths"].items():
        item = api.deref(item)
        for method in METHODS:
            if method in item:
                yield path, method, item[method]


def examples_of(spec: dict, api: harness.OpenApi | None = None) -> list:
    if "example" in spec:
        return [spec["example"]]
    found = (spec.get("examples") or {}).values()
    return [(api.deref(e) if api else e).get("value") for e in found]


def tag_problems(api: harness.OpenApi) -> list[str]:
    """/docs lists an operation only if its tag is in a group of
    x-tagGroups; preflights (tag cors-preflight) are the ones left out."""
    grouped = {t for g in api.doc.get("x-tagGroups", []) for t in g.get("tags", [])}
    out = []
    for path, item in api.doc["paths"].items():
        for method, op in api.deref(item).items():
            if method not in METHODS + ("options",):
                continue
            tag = (op.get("tags") or ["(none)"])[0]
            what = f"{method.upper()} {path}"
            if method == "options" and tag != "cors-preflight":
                out.append(f"{what}: a preflight takes the tag cors-preflight (hidden in /docs)")
            elif method != "options" and tag not in grouped:
                out.append(f"{what}: tag {tag} is in no group of x-tagGroups, so /docs would hide it")
    return out


def problems(api: harness.OpenApi) -> list[str]:
    out = tag_problems(api)
    # The description promises that every operation may answer 429.
    for path, method, op in operations(api):
        if "429" not in (op.get("responses") or {}):
            out.append(f"{method.upper()} {path}: 429 (rate limited) is not declared")
    for path, method, op in operations(api):
        what = f"{method.upper()} {path}"
        found = False
        for status, media, spec, _ in success_responses(api, op):
            for ex in examples_of(spec, api):
                found = True
                try:
                    api.validate_body(ex, spec.get("schema") or {}, f"{what} {status} example")
                except AssertionError as e:
                    out.append(str(e))
        has_body = any(True for _ in success_responses(api, op))
        if has_body and not found:
            out.append(f"{what}: no success example")
    return out


# ---- fill ------------------------------------------------------------------

def shrink(body):
    """Lists cut to two items (recursively): an example to read, not a dump."""
    if isinstance(body, list):
        return [shrink(x) for x in body[:2]]
    if isinstance(body, dict):
        return {k: shrink(v) for k, v in body.items()}
    return body


def choose(api, spec, bodies):
    schema = spec.get("schema") or {}
    for body in bodies:
        for candidate in (shrink(body), body):
            if len(json.dumps(candidate)) > MAX_EXAMPLE_CHARS and candidate is body:
                continue
            try:
                api.validate_body(candidate, schema)
                return candidate
            except AssertionError:
                continue
    return None


def find_line(lines, start, end, pattern, indent):
    rx = re.compile(r"^" + " " * indent + pattern + r"\s*(#.*)?$")
    for i in range(start, end):
        if rx.match(lines[i]):
            return i
    return None


def block_end(lines, start, indent):
    """First line after `start` indented at most `indent` (not blank/comment)."""
    for i in range(start + 1, len(lines)):
        s = lines[i]
        if s.strip() and not s.lstrip().startswith("#") and len(s) - len(s.lstrip()) <= indent:
            return i
    return len(lines)


def insert_under(lines, chain, example) -> bool:
    """Insert `example:` under the mapping that the chain of (key pattern,
    indent) names, one level into each; False when the text has no such
    place (the caller says so)."""
    lo, hi = 0, len(lines)
    at = None
    for pattern, indent in chain:
        at = find_line(lines, lo, hi, pattern + ":", indent)
        if at is None:
            return False
        lo, hi = at + 1, block_end(lines, at, indent)
    pad = chain[-1][1] + 2
    old = find_line(lines, lo, hi, r"example:(\s.*)?", pad)
    if old is not None:                      # a stale example: replaced
        del lines[old:block_end(lines, old, pad)]
    text = yaml.safe_dump(example, sort_keys=False, allow_unicode=True, width=1000,
                          default_flow_style=False)
    block = [" " * pad + "example:"] + [" " * (pad + 2) + l for l in text.rstrip("\n").split("\n")]
    if not isinstance(example, (dict, list)) or not example:
        block = [" " * pad + "example: " + json.dumps(example)]
    lines[at + 1:at + 1] = block
    return True


def insert_example(lines, path, method, status, media, example) -> bool:
    return insert_under(lines, [(re.escape(path), 2), (method, 4), ("responses", 6),
                                ("[\"']?" + status + "[\"']?", 8), ("content", 10),
                                (re.escape(media), 12)], example)


def insert_shared_example(lines, name, media, example) -> bool:
    """Into components/responses/NAME: every operation using it shares it."""
    return insert_under(lines, [("components", 0), ("responses", 2), (re.escape(name), 4),
                                ("content", 6), (re.escape(media), 8)], example)


def valid(api, spec) -> bool:
    try:
        api.validate_body(spec["example"], spec.get("schema") or {})
        return True
    except AssertionError:
        return False


def fill(recordings: Path, spec_path: Path) -> int:
    api = harness.OpenApi.load(spec_path)
    seen: dict[tuple, list] = {}
    with open(recordings, encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            seen.setdefault((r["method"], r["path"], str(r["status"]), r["media"]), []).append(r["body"])
    by_schema: dict[str, list] = {}
    for path, method, op in operations(api):
        for status, media, spec, _ in success_responses(api, op):
            by_schema.setdefault(json.dumps(spec.get("schema"), sort_keys=True), []).extend(
                seen.get((method, path, status, media), []))
    lines = spec_path.read_text(encoding="utf-8").split("\n")
    added, missing, done = [], [], set()
    for path, method, op in operations(api):
        todo = [(st, md, sp, raw) for st, md, sp, raw in success_responses(api, op)
                if not examples_of(sp) or ("example" in sp and not valid(api, sp))]
        for status, media, spec, raw in todo:
            what = f"{method.upper()} {path} {status}"
            # Never called by the suite? A body of another operation with
            # the same schema will do (GET /values/{period} is
            # GET /values/{fy_start}/{period} for another kind of period).
            bodies = seen.get((method, path, status, media)) or by_schema.get(
                json.dumps(spec.get("schema"), sort_keys=True), [])
            example = choose(api, spec, bodies)
            shared = raw["$ref"].rsplit("/", 1)[-1] if "$ref" in raw else None
            if example is None:
                missing.append(what + " (no recorded body that validates)")
            elif shared in done:
                continue
            elif shared and insert_shared_example(lines, shared, media, example):
                done.add(shared)
                added.append(what + f" (in the shared response {shared})")
            elif not shared and insert_example(lines, path, method, status, media, example):
                added.append(what)
            else:
                missing.append(what + " (its place in the YAML text was not found)")
    spec_path.write_text("\n".join(lines), encoding="utf-8")
    for a in added:
        print("added  ", a)
    for m in missing:
        print("MISSING", m)
    return 0


def main(argv) -> int:
    if len(argv) >= 2 and argv[1] == "check":
        spec = Path(argv[2]) if len(argv) > 2 else ROOT / "api" / "openapi.yaml"
        found = problems(harness.OpenApi.load(spec))
        for p in found:
            print(p, file=sys.stderr)
        if found:
            print(f"{len(found)} problems (tools/contract_examples.py fill adds missing "
                  f"examples from a recorded suite run)", file=sys.stderr)
            return 1
        print("every operation has a success example that validates")
        return 0
    if len(argv) >= 3 and argv[1] == "fill":
        spec = Path(argv[3]) if len(argv) > 3 else ROOT / "api" / "openapi.yaml"
        return fill(Path(argv[2]), spec)
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
