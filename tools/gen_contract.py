#!/usr/bin/env python3
"""gen_contract.py - build-time generator: api/openapi.yaml -> C tables.

    gen_contract.py OPENAPI.yaml OUTPUT.c

For every operation (method + path template) it writes the query parameters
and the JSON request-body schema as the static tables of src/http/contract.h
(struct contract_table contract_generated).  $ref is resolved (local
references only) and YAML anchors come resolved from the YAML loader.

It fails (exit 1, one line per problem on stderr) on any schema keyword the
runtime does not check, on any format but date and uuid, and on a pattern it
cannot translate to a POSIX extended regular expression, so that the
contract can never promise a check the service does not make.  Annotations
(description, title, example(s), default, deprecated, $comment) are skipped.
"""
import json
import re
import sys

import yaml

ANNOTATIONS = {"description", "title", "example", "examples", "default", "deprecated",
               "$comment"}
SCHEMA_KEYWORDS = {"type", "properties", "required", "additionalProperties", "enum", "const",
                   "pattern", "x-refusal", "format", "minimum", "maximum", "exclusiveMinimum",
                   "exclusiveMaximum", "minLength", "maxLength", "minItems", "maxItems",
                   "uniqueItems", "minProperties", "maxProperties", "items", "oneOf"}
PARAM_KEYWORDS = {"name", "in", "required", "schema", "style", "explode"} | ANNOTATIONS
TYPES = {"null": "CONTRACT_NULL", "boolean": "CONTRACT_BOOLEAN", "integer": "CONTRACT_INTEGER",
         "number": "CONTRACT_NUMBER", "string": "CONTRACT_STRING", "array": "CONTRACT_ARRAY",
         "object": "CONTRACT_OBJECT"}
FORMATS = {"date": "CONTRACT_FORMAT_DATE", "uuid": "CONTRACT_FORMAT_UUID"}
METHODS = ("get", "put", "post", "delete", "patch", "head", "options")

errors = []


def fail(where, msg):
    errors.append(f"{where}: {msg}")


class Gen:
    def __init__(self, doc):
        self.doc = doc
        self.nodes = []
        self.props = []
        self.values = []
        self.subs = []
        self.patterns = []
        self.params = []
        self.ops = []

    def resolve(self, obj, where, seen=()):
        while isinstance(obj, dict) and "$ref" in obj:
            ref = obj["$ref"]
            if not ref.startswith("#/") or ref in seen:
                fail(where, f"cannot resolve $ref {ref} (external or circular)")
                return {}
            seen = seen + (ref,)
            target = self.doc
            for part in ref[2:].split("/"):
                part = part.replace("~1", "/").replace("~0", "~")
                if not isinstance(target, dict) or part not in target:
                    fail(where, f"dangling $ref {ref}")
                    return {}
                target = target[part]
            extra = set(obj) - {"$ref"} - ANNOTATIONS
            if extra:
                fail(where, f"keywords beside $ref are not supported: {sorted(extra)}")
            obj = target
        return obj

    def pattern(self, regex, where):
        ere = translate(regex, where)
        if ere is None:
            return -1
        if ere not in self.patterns:
            self.patterns.append(ere)
        return self.patterns.index(ere)

    def node(self, schema, where, depth=0):
        """Flatten schema into self.nodes; return its index."""
        if depth > 32:
            fail(where, "schema nests deeper than 32 (recursive?)")
            return -1
        schema = self.resolve(schema, where)
        if schema is True or schema == {}:
            return -1
        if not isinstance(schema, dict):
            fail(where, "a schema must be an object")
            return -1
        for k in schema:
            if k not in SCHEMA_KEYWORDS and k not in ANNOTATIONS:
                fail(where, f"schema keyword '{k}' is not checked by the request pipeline")
        idx = len(self.nodes)
        n = {"types": [], "flags": [], "minimum": 0, "maximum": 0, "min_length": -1,
             "max_length": -1, "min_items": -1, "max_items": -1, "min_props": -1,
             "max_props": -1, "pattern": -1, "refusal": None, "format": "CONTRACT_FORMAT_NONE",
             "enum_first": 0, "nenum": 0, "prop_first": 0, "nprops": 0, "items": -1,
             "additional": -1, "one_of_first": 0, "none_of": 0}
        self.nodes.append(n)
        t = schema.get("type")
        if t is not None:
            for name in ([t] if isinstance(t, str) else t):
                if name not in TYPES:
                    fail(where, f"unknown type {name!r}")
                else:
                    n["types"].append(TYPES[name])
        for key, field in (("minLength", "min_length"), ("maxLength", "max_length"),
                           ("minItems", "min_items"), ("maxItems", "max_items"),
                           ("minProperties", "min_props"), ("maxProperties", "max_props")):
            if key in schema:
                v = schema[key]
                if not isinstance(v, int) or isinstance(v, bool) or v < 0:
                    fail(where, f"{key} must be a non-negative integer")
                else:
                    n[field] = v
        for key, field, flag, excl in (("minimum", "minimum", "CONTRACT_HAS_MIN", None),
                                       ("maximum", "maximum", "CONTRACT_HAS_MAX", None),
                                       ("exclusiveMinimum", "minimum", "CONTRACT_HAS_MIN",
                                        "CONTRACT_EXCL_MIN"),
                                       ("exclusiveMaximum", "maximum", "CONTRACT_HAS_MAX",
                                        "CONTRACT_EXCL_MAX")):
            if key in schema:
                v = schema[key]
                if not isinstance(v, (int, float)) or isinstance(v, bool):
                    fail(where, f"{key} must be a number (OpenAPI 3.1)")
                    continue
                if flag in n["flags"]:
                    fail(where, f"{key} together with its inclusive or exclusive twin")
                    continue
                n[field] = v
                n["flags"].append(flag)
                if excl:
                    n["flags"].append(excl)
        if schema.get("uniqueItems") is True:
            n["flags"].append("CONTRACT_UNIQUE_ITEMS")
        if "pattern" in schema:
            n["pattern"] = self.pattern(schema["pattern"], where)
        if "x-refusal" in schema:
            # What a value that fails the pattern is told instead of the
            # pattern itself: the next step, in words.
            if "pattern" not in schema or not isinstance(schema["x-refusal"], str):
                fail(where, "x-refusal must be a string, beside a pattern")
            else:
                n["refusal"] = schema["x-refusal"]
        if "format" in schema:
            f = schema["format"]
            if f not in FORMATS:
                fail(where, f"format {f!r} is not checked by the request pipeline")
            else:
                n["format"] = FORMATS[f]
        members = None
        if "enum" in schema:
            members = schema["enum"]
        if "const" in schema:
            if members is not None:
                fail(where, "enum and const together")
            members = [schema["const"]]
        if members is not None:
            n["enum_first"] = len(self.values)
            n["nenum"] = len(members)
            for m in members:
                self.values.append(value(m, where))
        if "items" in schema:
            n["items"] = self.node(schema["items"], where + "/items", depth + 1)
        ap = schema.get("additionalProperties", True)
        if ap is False:
            n["flags"].append("CONTRACT_CLOSED")
        elif ap is not True:
            n["additional"] = self.node(ap, where + "/additionalProperties", depth + 1)
        props = schema.get("properties", {})
        required = schema.get("required", [])
        for r in required:
            if r not in props and ap is False:
                fail(where, f"required {r!r} can never be given (additionalProperties: false)")
        entries = []
        for name, sub in props.items():
            entries.append((name, self.node(sub, f"{where}/{name}", depth + 1), name in required))
        for r in required:
            if r not in props:
                entries.append((r, n["additional"], True))
        n["prop_first"] = len(self.props)
        n["nprops"] = len(entries)
        self.props.extend(entries)
        if "oneOf" in schema:
            subs = [self.node(s, f"{where}/oneOf/{i}", depth + 1)
                    for i, s in enumerate(schema["oneOf"])]
            n["one_of_first"] = len(self.subs)
            n["none_of"] = len(subs)
            self.subs.extend(subs)
        return idx

    def param(self, prm, where):
        prm = self.resolve(prm, where)
        for k in prm:
            if k not in PARAM_KEYWORDS:
                fail(where, f"parameter keyword '{k}' is not checked by the request pipeline")
        name = prm["name"]
        where = f"{where} ?{name}"
        schema = self.resolve(prm.get("schema", {}), where)
        style = prm.get("style", "form")
        if style != "form":
            fail(where, f"style {style!r} is not supported (form only)")
        p = {"name": name, "required": bool(prm.get("required", False)), "array": False,
             "explode": bool(prm.get("explode", True)), "min_items": -1, "max_items": -1,
             "node": -1}
        if schema.get("type") == "array":
            for k in schema:
                if k not in {"type", "items", "minItems", "maxItems"} | ANNOTATIONS:
                    fail(where, f"array parameter keyword '{k}' is not supported")
            p["array"] = True
            p["min_items"] = schema.get("minItems", -1)
            p["max_items"] = schema.get("maxItems", -1)
            p["node"] = self.node(schema.get("items", {}), where + "/items")
        else:
            p["node"] = self.node(schema, where)
        item = self.nodes[p["node"]] if p["node"] >= 0 else None
        if item is not None:
            scalar = {"CONTRACT_STRING", "CONTRACT_INTEGER", "CONTRACT_NUMBER",
                      "CONTRACT_BOOLEAN"}
            if len(item["types"]) != 1 or item["types"][0] not in scalar or item["nprops"] \
                    or item["none_of"] or item["items"] >= 0:
                fail(where, "a query parameter must be one string, integer, number or boolean"
                            " (or an array of them)")
        return p

    def scopes(self, op, where):
        """The scopes of the operation's security requirement, comma-separated
        in the order written ("a,b": any one will do), or None for a public
        operation (security: []).  The binder holds the route table to it."""
        security = op.get("security", self.doc.get("security"))
        if security is None:
            fail(where, "every operation states its security ([] for public)")
        if not security:
            return None
        if len(security) != 1 or list(security[0]) != ["apiKey"]:
            fail(where, "security must be [] or one requirement of the apiKey scheme")
        scopes = security[0]["apiKey"]
        if not scopes:
            fail(where, "a keyed operation lists its scopes: security: [{apiKey: [scope, ...]}]")
        return ",".join(scopes)

    def run(self):
        for path, item in self.doc.get("paths", {}).items():
            common = item.get("parameters", [])
            for method in METHODS:
                op = item.get(method)
                if op is None:
                    continue
                where = f"{method.upper()} {path}"
                params = {}
                for prm in common + op.get("parameters", []):
                    r = self.resolve(prm, where)
                    params[(r.get("name"), r.get("in"))] = prm
                entries = [self.param(prm, where) for (name, loc), prm in params.items()
                           if loc == "query"]
                body, required, other = -1, False, False
                rb = op.get("requestBody")
                if rb is not None:
                    rb = self.resolve(rb, where)
                    required = bool(rb.get("required", False))
                    for ctype, media in rb.get("content", {}).items():
                        if ctype == "application/json":
                            body = self.node(media.get("schema", {}), where + " body")
                            if body < 0:
                                fail(where, "the JSON body has no schema")
                        else:
                            other = True
                self.ops.append({"method": "HTTP_" + method.upper(), "path": path,
                                 "param_first": len(self.params), "nparams": len(entries),
                                 "body": body, "body_required": required,
                                 "body_other_types": other,
                                 "scopes": self.scopes(op, where)})
                self.params.extend(entries)

    def emit(self, out):
        w = out.write
        w("/* Generated by tools/gen_contract.py from api/openapi.yaml: do not edit. */\n")
        w('#include "http/contract.h"\n\n')
        w("static const struct contract_node nodes[] = {\n")
        for n in self.nodes:
            w("\t{ .types = %s, .flags = %s, .minimum = %s, .maximum = %s,\n"
              "\t  .min_length = %d, .max_length = %d, .min_items = %d, .max_items = %d,\n"
              "\t  .min_props = %d, .max_props = %d, .pattern = %d, .refusal = %s, .format = %s,\n"
              "\t  .enum_first = %d, .nenum = %d, .prop_first = %d, .nprops = %d,\n"
              "\t  .items = %d, .additional = %d, .one_of_first = %d, .none_of = %d },\n" % (
                  " | ".join(n["types"]) or "0", " | ".join(n["flags"]) or "0",
                  num(n["minimum"]), num(n["maximum"]), n["min_length"], n["max_length"],
                  n["min_items"], n["max_items"], n["min_props"], n["max_props"],
                  n["pattern"], cstr(n["refusal"]) if n["refusal"] else "NULL", n["format"], n["enum_first"], n["nenum"], n["prop_first"],
                  n["nprops"], n["items"], n["additional"], n["one_of_first"], n["none_of"]))
        w("};\n\nstatic const struct contract_prop props[] = {\n")
        for name, node, req in self.props:
            w("\t{ %s, %d, %s },\n" % (cstr(name), node, "true" if req else "false"))
        w("\t{ NULL, -1, false },\n};\n\nstatic const struct contract_value values[] = {\n")
        for v in self.values:
            w("\t{ %s, %s, %s },\n" % v)
        w("\t{ 0, NULL, 0 },\n};\n\nstatic const int subs[] = {\n")
        for s in self.subs:
            w("\t%d,\n" % s)
        w("\t-1,\n};\n\nstatic const char *const patterns[] = {\n")
        for p in self.patterns:
            w("\t%s,\n" % cstr(p))
        w("\tNULL,\n};\n\nstatic const struct contract_param params[] = {\n")
        for p in self.params:
            w("\t{ %s, %s, %s, %s, %d, %d, %d },\n" % (
                cstr(p["name"]), bool_c(p["required"]), bool_c(p["array"]),
                bool_c(p["explode"]), p["min_items"], p["max_items"], p["node"]))
        w("\t{ NULL, false, false, false, -1, -1, -1 },\n};\n\n"
          "static const struct contract_op ops[] = {\n")
        for o in self.ops:
            w("\t{ %s, %s, %d, %d, %d, %s, %s, %s },\n" % (
                o["method"], cstr(o["path"]), o["param_first"], o["nparams"], o["body"],
                bool_c(o["body_required"]), bool_c(o["body_other_types"]),
                cstr(o["scopes"]) if o["scopes"] else "NULL"))
        w("};\n\nconst struct contract_table contract_generated = {\n"
          "\t.nodes = nodes,\n\t.nnodes = %d,\n\t.props = props,\n\t.values = values,\n"
          "\t.subs = subs,\n\t.patterns = patterns,\n\t.npatterns = %d,\n"
          "\t.params = params,\n\t.ops = ops,\n\t.nops = %d,\n};\n" % (
              len(self.nodes), len(self.patterns), len(self.ops)))


def bool_c(b):
    return "true" if b else "false"


def num(v):
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise ValueError(v)
    return repr(float(v))


def cstr(s):
    return json.dumps(s, ensure_ascii=True)


def value(m, where):
    if m is None:
        return ("CONTRACT_NULL", "NULL", "0")
    if isinstance(m, bool):
        return ("CONTRACT_BOOLEAN", "NULL", "1" if m else "0")
    if isinstance(m, int):
        return ("CONTRACT_INTEGER", "NULL", num(m))
    if isinstance(m, float):
        return ("CONTRACT_NUMBER", "NULL", num(m))
    if isinstance(m, str):
        return ("CONTRACT_STRING", cstr(m), "0")
    fail(where, f"enum member {m!r}: only null, booleans, numbers and strings")
    return ("CONTRACT_NULL", "NULL", "0")


# ECMA-262 escapes with a POSIX bracket equivalent.
CLASS_ESCAPES = {"d": "0-9", "w": "A-Za-z0-9_", "s": " \\t\\n\\r\\f\\v"}
NEGATED = {"D": "d", "W": "w", "S": "s"}


def translate(regex, where):
    """An ECMA-262 pattern as a POSIX ERE for regcomp(REG_EXTENDED), or None
    (after fail) when it uses what ERE has no equivalent for."""
    out = []
    i = 0
    in_class = False
    while i < len(regex):
        c = regex[i]
        if c == "\\":
            if i + 1 >= len(regex):
                fail(where, f"pattern {regex!r} ends in a backslash")
                return None
            e = regex[i + 1]
            i += 2
            if e in CLASS_ESCAPES:
                chars = CLASS_ESCAPES[e].replace("\\t", "\t").replace("\\n", "\n") \
                    .replace("\\r", "\r").replace("\\f", "\f").replace("\\v", "\v")
                out.append(chars if in_class else "[" + chars + "]")
            elif e in NEGATED and not in_class:
                chars = CLASS_ESCAPES[NEGATED[e]].replace("\\t", "\t").replace("\\n", "\n") \
                    .replace("\\r", "\r").replace("\\f", "\f").replace("\\v", "\v")
                out.append("[^" + chars + "]")
            elif e in ".^$|?*+()[]{}/-\\" and not in_class:
                out.append("/" if e == "/" else ("-" if e == "-" else "\\" + e))
            elif e in "-]^/" and in_class:
                # Inside a bracket ERE has no escapes: ']' first, '-' last.
                fail(where, f"pattern {regex!r}: escaped {e!r} in a class is not translated")
                return None
            elif e == "." and in_class:
                out.append(".")
            else:
                fail(where, f"pattern {regex!r}: escape \\{e} has no POSIX ERE equivalent")
                return None
            continue
        if in_class:
            if c == "]":
                in_class = False
            out.append(c)
            i += 1
            continue
        if c == "[":
            in_class = True
            out.append(c)
            if regex[i + 1:i + 2] == "^":
                out.append("^")
                i += 1
            i += 1
            continue
        if c == "(" and regex[i + 1:i + 2] == "?":
            fail(where, f"pattern {regex!r}: (?...) groups have no POSIX ERE equivalent")
            return None
        if c in "*+?}" and regex[i + 1:i + 2] == "?":
            fail(where, f"pattern {regex!r}: lazy quantifiers have no POSIX ERE equivalent")
            return None
        out.append(c)
        i += 1
    if in_class:
        fail(where, f"pattern {regex!r}: unterminated class")
        return None
    ere = "".join(out)
    # ECMA-262 patterns are unanchored: so is regexec.  Nothing more to do.
    if re.search(r"[^\x20-\x7e\t\n\r\f\v]", ere):
        fail(where, f"pattern {regex!r}: only ASCII patterns are translated")
        return None
    return ere


def main(argv):
    if len(argv) != 3:
        print("usage: gen_contract.py OPENAPI.yaml OUTPUT.c", file=sys.stderr)
        return 2
    with open(argv[1], encoding="utf-8") as f:
        doc = yaml.safe_load(f)
    gen = Gen(doc)
    gen.run()
    if errors:
        for e in errors:
            print(f"gen_contract: {argv[1]}: {e}", file=sys.stderr)
        return 1
    with open(argv[2], "w", encoding="utf-8") as out:
        gen.emit(out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
