#!/usr/bin/python3
"""Write the fuzzers' seed corpora and dictionaries from the repository.

    /usr/bin/python3 tests/fuzz/make_corpus.py

Seeds come from the OpenAPI contract (every route and method with its
parameter and body examples), the integration tests (the JSON bodies they
send) and the demo data (CSV heads, periods, ward tables).  They go to
tests/fuzz/corpus/<target>/, replacing what the script wrote before (files
named seed-*); the dictionaries to tests/fuzz/<target>.dict.  The body
target's operations (every one of the contract: method, key, path with
ids) go to tests/fuzz/body.ops, which fuzz_body reads.  Output is
deterministic, so a rerun after a contract change shows as a plain diff.
Small files only: a seed is a starting point, the fuzzer grows the rest.
"""
import ast
import csv
import hashlib
import io
import json
import os
import random
import sys

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
CORPUS = os.path.join(HERE, "corpus")
MAX_SEED = 4096
TARGETS = ("http", "query", "body", "period", "csv", "disclosure")

seeds = {t: {} for t in TARGETS}


def add(target, data):
    if isinstance(data, str):
        data = data.encode()
    if not data or len(data) > MAX_SEED:
        return
    name = "seed-" + hashlib.sha1(data).hexdigest()[:12]
    seeds[target][name] = data


# ---- the contract ----------------------------------------------------------

spec = yaml.safe_load(open(os.path.join(ROOT, "api", "openapi.yaml")))


def resolve(obj):
    while isinstance(obj, dict) and "$ref" in obj:
        node = spec
        for part in obj["$ref"].lstrip("#/").split("/"):
            node = node[part]
        obj = node
    return obj


def param_example(p):
    if "example" in p:
        return p["example"]
    for e in (p.get("examples") or {}).values():
        e = resolve(e)
        if "value" in e:
            return e["value"]
    schema = resolve(p.get("schema", {}))
    if "enum" in schema:
        return schema["enum"][0]
    if "default" in schema:
        return schema["default"]
    return None


def body_examples(op):
    content = resolve(op.get("requestBody", {})).get("content", {})
    media = content.get("application/json")
    if not media:
        return []
    out = []
    if "example" in media:
        out.append(media["example"])
    for e in (media.get("examples") or {}).values():
        e = resolve(e)
        if "value" in e:
            out.append(e["value"])
    schema = resolve(media.get("schema", {}))
    if "example" in schema:
        out.append(schema["example"])
    return out


def quote(v):
    from urllib.parse import quote as q
    return q(str(v), safe=",-_.~")


param_names, enum_values, paths, field_names = set(), set(), set(), set()


def walk_schema(s, depth=0):
    s = resolve(s)
    if not isinstance(s, dict) or depth > 8:
        return
    for k, v in (s.get("properties") or {}).items():
        field_names.add(k)
        walk_schema(v, depth + 1)
    for k in ("items", "additionalProperties"):
        if isinstance(s.get(k), dict):
            walk_schema(s[k], depth + 1)
    for k in ("allOf", "oneOf", "anyOf"):
        for sub in s.get(k, []):
            walk_schema(sub, depth + 1)
    for e in s.get("enum", []):
        if isinstance(e, str):
            enum_values.add(e)


for schema in spec["components"]["schemas"].values():
    walk_schema(schema)

CRLF = "\r\n"
for path, ops in spec["paths"].items():
    common = [resolve(p) for p in ops.get("parameters", [])]
    for method, op in ops.items():
        if method == "parameters":
            continue
        params = common + [resolve(p) for p in op.get("parameters", [])]
        target = path
        query, headers = [], ["Host: localhost"]
        for p in params:
            ex = param_example(p)
            if p["in"] == "path":
                target = target.replace("{%s}" % p["name"], quote(ex if ex is not None else "x"))
            elif p["in"] == "query":
                param_names.add(p["name"])
                schema = resolve(p.get("schema", {}))
                for e in schema.get("enum", []) + resolve(schema.get("items", {})).get("enum", []):
                    enum_values.add(str(e))
                if ex is not None and len(query) < 4:
                    query.append("%s=%s" % (quote(p["name"]), quote(ex)))
            elif p["in"] == "header" and ex is not None:
                headers.append("%s: %s" % (p["name"], ex))
        for segment in path.split("/"):
            if segment and not segment.startswith("{"):
                paths.add(segment)
        url = target + ("?" + "&".join(query) if query else "")
        verb = method.upper()
        bodies = body_examples(op) if verb in ("POST", "PUT", "PATCH") else []
        if verb in ("POST", "PUT", "PATCH"):
            headers += ["Authorization: Bearer eqk_fuzz_0123456789abcdef0123456789abcdef",
                        "Content-Type: application/json"]
            body = json.dumps(bodies[0]) if bodies else "{}"
            headers.append("Content-Length: %d" % len(body.encode()))
        else:
            body = ""
        add("http", verb + " " + url + " HTTP/1.1" + CRLF + CRLF.join(headers) + CRLF + CRLF + body)
        if query:
            add("query", "&".join(query))

# ---- the body target: every operation, keyed by "METHOD /template\n" -----------
# An input is that line, a flags byte (0: key, application/json, If-Match,
# a fresh Idempotency-Key; see fuzz_body.c) and the body.

# Which record of fuzz_body's start-up a path's id names.
RECORDS = {"/v1/action-plans/{id}": "@plan@", "/v1/actions/{id}": "@action@",
           "/v1/return-windows/{id}": "@window@", "/v1/returns/{id}": "@return@",
           "/v1/hate-crime/reports/{id}": "@report@"}
FIXED = {"code": "hate-crime-reports", "fy_start": "2024", "as_of": "1993-03-31"}
WRITES = ("post", "put", "patch")
ops_lines, body_ops = [], []
for path, item in spec["paths"].items():
    common = [resolve(p) for p in item.get("parameters", [])]
    for method, op in item.items():
        if method == "parameters":
            continue
        target = path
        for prefix, token in RECORDS.items():
            if target.startswith(prefix):
                target = prefix.replace("{id}", token) + path[len(prefix):]
        for p in common + [resolve(p) for p in op.get("parameters", [])]:
            if p["in"] != "path":
                continue
            if p["name"] == "code" and path == "/v1/indicators/{code}/values/{period}":
                value = "fuzz-monthly"     # made by fuzz_body at start-up
            elif p["name"] in FIXED and (p["name"] != "code" or path.startswith("/v1/indicators")):
                value = FIXED[p["name"]]
            elif p["name"] == "period":
                value = "25-Q2" if "{fy_start}" in path else "2024-05"
            else:
                ex = param_example(p)
                value = quote(ex if ex is not None else "x")
            target = target.replace("{%s}" % p["name"], value)
        if path == "/v1/changes":
            target += "?wait=0"     # not a long poll: one input, one answer
        writes_return = method != "get" and path.startswith("/v1/returns") and not path.endswith("/review")
        key = "partner" if writes_return else "council"
        ops_lines.append("%s %s %s %s %s" % (method.upper(), key, target, method.upper(), path))
        body_ops.append((method, path, op))


def schema_fields(op):
    content = resolve(op.get("requestBody", {})).get("content", {})
    schema = resolve(content.get("application/json", {}).get("schema", {}))
    names = set((schema.get("properties") or {}).keys())
    for alt in schema.get("oneOf", []) + schema.get("allOf", []):
        names |= set((resolve(alt).get("properties") or {}).keys())
    return names


def add_body(method, path, flags, body):
    add("body", ("%s %s\n" % (method.upper(), path)).encode() + bytes([flags]) + body.encode())


# A few requests no example shows: pipelining, HEAD, CSV, chunked bodies,
# 100-continue, ambiguous framing, a body over the limit, HTTP/1.0.
extra = [
    "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /v1/areas?limit=2 HTTP/1.1\r\nHost: x\r\n\r\n",
    "HEAD /v1/areas HTTP/1.1\r\nHost: x\r\n\r\n",
    "GET /v1/areas?format=csv HTTP/1.1\r\nHost: x\r\nAccept: text/csv\r\nIf-None-Match: \"abc\"\r\n\r\n",
    "OPTIONS /v1/areas HTTP/1.1\r\nHost: x\r\nOrigin: https://www.example.gov.uk\r\n"
    "Access-Control-Request-Method: GET\r\n\r\n",
    "POST /v1/returns HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
    "Transfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
    "POST /v1/returns HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
    "Expect: 100-continue\r\nContent-Length: 2\r\n\r\n{}",
    "POST /v1/returns HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\n{}",
    "POST /v1/returns HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n{}",
    "PUT /v1/returns/1f2698ef-b6f5-4d3b-97a8-49d4190c37f0 HTTP/1.1\r\nHost: x\r\n"
    "Content-Length: 99999999\r\n\r\n",
    "GET /v1/areas HTTP/1.0\r\n\r\n",
    "GET /v1/areas HTTP/1.1\r\n\r\n",
    "GET /v1/%2Fareas?x=%ZZ HTTP/1.1\r\nHost: x\r\nX-Request-Id: abc-123\r\n\r\n",
    "DELETE /v1/areas HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
]
for e in extra:
    add("http", e)
for q in ["limit=500&cursor=YzIfYXJlYXMfRTA1MDEzNjI5H2NmYjkwZDIx", "area=E05013628,E05013629&area=E09000003",
          "format=csv&format=json", "a=%F0%9F%98%80&b=+x+", "limit=01", "delta=-0", "=x", "&&"]:
    add("query", q)

# ---- the integration tests' bodies ------------------------------------------

test_bodies = []

for name in sorted(os.listdir(os.path.join(ROOT, "tests", "integration"))):
    if not name.endswith(".py"):
        continue
    tree = ast.parse(open(os.path.join(ROOT, "tests", "integration", name)).read())
    for node in ast.walk(tree):
        if isinstance(node, ast.Dict) and len(node.keys) >= 2:
            try:
                value = ast.literal_eval(node)
                text = json.dumps(value)
            except (ValueError, TypeError, SyntaxError):
                continue
            if all(isinstance(k, str) for k in value) and not any(
                    k.lower() in ("authorization", "content-type", "host") for k in value):
                test_bodies.append(value)

# Each write operation: its contract examples, every test body whose fields
# are all its own (a few per operation), {} and []; every other operation:
# no body.
for method, path, op in body_ops:
    if method not in WRITES:
        add_body(method, path, 0, "")
        continue
    fields = schema_fields(op)
    for b in body_examples(op):
        add_body(method, path, 0, json.dumps(b))
    own = [b for b in test_bodies if set(b) <= fields]
    for b in own[:12]:
        add_body(method, path, 0, json.dumps(b))
    add_body(method, path, 0, "{}")
    add_body(method, path, 0, "[]")
    add_body(method, path, 1, "{}")

with open(os.path.join(HERE, "body.ops"), "w") as f:
    f.write("# Every operation of api/openapi.yaml for fuzz_body: METHOD KEY PATH METHOD TEMPLATE.\n"
            "# @record@ is a record fuzz_body creates at start-up.\n"
            "# Written by tests/fuzz/make_corpus.py: edit the script, not this file.\n")
    for line in ops_lines:
        f.write(line + "\n")

# ---- the demo data ----------------------------------------------------------------


def read_csv(rel):
    with open(os.path.join(ROOT, "data", rel), newline="") as f:
        return list(csv.DictReader(f))


def head(rel, lines=6):
    with open(os.path.join(ROOT, "data", rel), "rb") as f:
        return b"".join(f.readlines()[:lines])[:MAX_SEED]


for sub in ("census", "workforce"):
    for name in sorted(os.listdir(os.path.join(ROOT, "data", sub))):
        if name.endswith(".csv") and name != "manifest.csv":
            add("csv", head(os.path.join(sub, name)))
for name in ("areas.csv", "categories.csv", "characteristics.csv"):
    add("csv", head(name, 4))

periods = set()
for root, _, files in os.walk(os.path.join(ROOT, "data")):
    for name in files:
        if name.endswith(".csv"):
            with open(os.path.join(root, name), newline="") as f:
                for row in csv.DictReader(f):
                    for k in ("period", "as_of", "opens_on", "reported_on", "start_date"):
                        if row.get(k):
                            periods.add(row[k])
for p in sorted(periods)[:40] + ["2024/25", "2024/25 Q1", "2024/25-Q4", "2024-04", "2024-02-29",
                                 "1900/01", "9998/99 Q4", "2023/24 Q2"]:
    add("period", p)

# Disclosure tables: the census ward counts of each file (scaled down so
# that small cells occur), and random shapes.  Layout: threshold, wards-1,
# groups-1, flags, children per group, then one byte per leaf cell.
for name in sorted(os.listdir(os.path.join(ROOT, "data", "census"))):
    if not name.endswith(".csv") or name == "manifest.csv":
        continue
    rows = list(csv.reader(open(os.path.join(ROOT, "data", "census", name), newline="")))
    wards = [r for r in rows[1:] if r[2].startswith("E05")][:4]
    if not wards:
        continue
    cats = min(len(wards[0]) - 4, 4)
    out = bytes([5, len(wards) - 1, cats - 1, 1]) + bytes([0] * cats)
    for w in wards:
        out += bytes(min(int(v) // 200, 191) for v in w[4:4 + cats])
    add("disclosure", out)
rng = random.Random(7)
for i in range(16):
    add("disclosure", bytes(rng.choice([5, 5, 10, 1, 0]) if j == 0 else rng.randrange(256)
                            for j in range(rng.randrange(12, 120))))

# ---- write -------------------------------------------------------------------------

for target in TARGETS:
    folder = os.path.join(CORPUS, target)
    os.makedirs(folder, exist_ok=True)
    for old in os.listdir(folder):
        if old.startswith("seed-"):
            os.remove(os.path.join(folder, old))
    for name, data in sorted(seeds[target].items()):
        with open(os.path.join(folder, name), "wb") as f:
            f.write(data)


def dict_entry(s):
    out = io.StringIO()
    for ch in s.encode():
        if ch in (0x22, 0x5c) or ch < 0x20 or ch > 0x7e:
            out.write("\\x%02x" % ch)
        else:
            out.write(chr(ch))
    return '"%s"' % out.getvalue()


def write_dict(target, header, words):
    with open(os.path.join(HERE, target + ".dict"), "w") as f:
        f.write("# %s\n# Written by tests/fuzz/make_corpus.py: edit the script, not this file.\n" % header)
        for w in sorted(set(words)):
            if w:
                f.write(dict_entry(w) + "\n")


http_words = [
    "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT",
    " HTTP/1.1\r\n", " HTTP/1.0\r\n", "HTTP/2.0", "\r\n", "\r\n\r\n", "\n", ": ",
    "Host: ", "Content-Length: ", "Transfer-Encoding: chunked", "Expect: 100-continue",
    "Connection: close", "Connection: keep-alive", "Authorization: Bearer ",
    "Content-Type: application/json", "Accept: text/csv", "If-None-Match: ", "If-Match: ",
    "Idempotency-Key: ", "Origin: https://www.example.gov.uk",
    "Access-Control-Request-Method: ", "X-Request-Id: ", "0\r\n\r\n", "%2F", "%00", "%C3%A9",
    "/v1/", "?", "&", "=", "*", "\"v1\"", "W/\"",
    # Long runs of multi-byte characters: texts get cut to fit buffers.
    "%C3%A9" * 10, "%F0%9F%98%80" * 5,
]
write_dict("http", "HTTP syntax, headers, the routes' path segments and parameter names",
           http_words + ["/" + p for p in paths] + [p + "=" for p in param_names])
write_dict("query", "query syntax and the parameter names and values of api/openapi.yaml",
           ["&", "=", "%", "+", ",", "%00", "%C3%A9", "%F0%9F%98%80", "-", "0", "500", "501",
            "YzIf", "%C3%A9" * 10] + [p + "=" for p in param_names] + list(enum_values))
write_dict("body", "JSON syntax, the field names and enum values of api/openapi.yaml, the operations",
           ["{", "}", "[", "]", ":", ",", "null", "true", "false", "\"\"", "1e309", "-0",
            "0.0005", "\\u0000", "\\ud800", "2024-02-29", "2024-04-01", "E05013628",
            "\u00e9" * 24, "\U0001f600" * 8]
           + ['"%s":' % k for k in field_names] + ['"%s"' % v for v in enum_values]
           + ["%s %s\n" % (m.upper(), p) for m, p, _ in body_ops])
write_dict("period", "period labels", ["/", " Q", "-Q", "-", "Q1", "Q4", "1900", "9998", "2024",
                                      "-02-29", "/25"])
csv_words = [",", "\"", "\"\"", "\r\n", "\n", "\xef\xbb\xbf", "date,geography,geography code,"]
for name in sorted(os.listdir(os.path.join(ROOT, "data", "census"))):
    if name.endswith(".csv") and name != "manifest.csv":
        with open(os.path.join(ROOT, "data", "census", name), newline="") as f:
            csv_words += next(csv.reader(f))[3:]
for name in sorted(os.listdir(os.path.join(ROOT, "data", "workforce"))):
    if name.startswith("employees"):
        with open(os.path.join(ROOT, "data", "workforce", name), newline="") as f:
            r = csv.reader(f)
            csv_words += next(r)
            for _, row in zip(range(40), r):
                csv_words += row[:8]
write_dict("csv", "CSV syntax, census headings, workforce columns and codes", csv_words)

for target in TARGETS:
    print("%-10s %3d seeds" % (target, len(seeds[target])), file=sys.stderr)
