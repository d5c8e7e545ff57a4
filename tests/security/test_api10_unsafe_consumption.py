"""OWASP API10:2023 Unsafe Consumption of APIs.

The service's upstream is its database, filled by importers, the seed, the
CLI and other instances.  Whatever text and numbers the schema lets in
must come out as valid JSON (strictly parsed: a raw control character in a
string is an error) that matches the contract, and valid RFC 4180 CSV
(parsed with the csv module: the same rows as the JSON, the same number of
fields on every line, the text back exactly).

Odd rows are written straight into the tables the public API reads (an
area's name, a category's name, a data set's title and licence, a source
organisation's name, an indicator's title and a value's commentary, an
action plan's and an action's title and description, a workforce
snapshot's notes and a grade band's name), one kind of oddness at a time:
every script and direction (RTL overrides, zero-width and combining marks,
astral planes), quotes and backslashes and markup, CSV's own separators and
line breaks, control characters (everything PostgreSQL text allows), a
spreadsheet formula (which CSV must neutralise, so that opening an export
in a spreadsheet never runs it), 100 KB of text (where the schema's CHECKs
allow it), leading and trailing blanks; with
the optional fields NULL and numbers at the limits the schema's CHECKs
allow.  The original values are put back afterwards.

A server of its own with the response cache off reads them, so that every
read sees the rows as they are now.
"""

from __future__ import annotations

import csv
import io
import json

import pytest

ODD = {
    "scripts": "Ünïcödé 名前 اسم עברית e\u0301 \u200b\u200d\u200e\u202e\ufeff 🏳️‍🌈 end",
    "markup": "quote \" apostrophe ' backslash \\ slash / <b>x</b> &amp; {\"k\": [1]} </script>",
    "csv": "comma, semicolon; \"quoted, comma\"\nnew line\r\nCRLF\rlone CR,",
    "control": "ctl \x01\x02\x07\x08\t\x0b\x0c\x1b\x1f\x7f\u0085\u2028\u2029 end",
    "formula": "=HYPERLINK(\"http://example.invalid\",\"click\")",
    "long": "long " + "abcdefghij" * 10_000,      # written as an SQL expression (argv limits)
    "blanks": "  \t leading and trailing \t  ",
    "astral": "𝕏𝔸𝕄 \U0001F600 \U0010FFFD",
}


def lit(s):
    if s == ODD["long"]:
        return "('long ' || repeat('abcdefghij', 10000))"
    return "'" + s.replace("'", "''") + "'"


class Rows:
    """Text columns of chosen rows: set them, and put them back."""

    def __init__(self, pg):
        self.pg = pg
        self.saved = []

    def target(self, table, where, columns):
        cols = ", ".join(f"coalesce(to_json({c})::text, 'null')" for c in columns)
        out = self.pg.psql(f"SELECT {cols} FROM {table} WHERE {where}")
        assert out and "\n" not in out, f"{table} {where}: expected one row, got {out!r}"
        values = [json.loads(v) for v in out.split("|")]
        self.saved.append((table, where, dict(zip(columns, values))))

    def set_all(self, text):
        """Every chosen column to text, except where a CHECK of the schema
        refuses it (such a row cannot exist, so the API never sees it)."""
        blocks = []
        for table, where, cols in self.saved:
            for c in cols:
                blocks.append(f"BEGIN UPDATE {table} SET {c} = {lit(text)} WHERE {where};"
                              " EXCEPTION WHEN check_violation THEN NULL; END;")
        self.pg.psql("DO $odd$ BEGIN " + " ".join(blocks) + " END $odd$")

    def restore(self):
        sql = []
        for table, where, cols in self.saved:
            sets = ", ".join(f"{c} = {'NULL' if v is None else lit(str(v))}" for c, v in cols.items())
            sql.append(f"UPDATE {table} SET {sets} WHERE {where}")
        sql.append("SELECT pg_notify('eq_data_changed', 'all')")
        self.pg.psql("; ".join(sql))


@pytest.fixture
def setting(pg, start_server, make_client):
    srv = start_server(EQ_RESPONSE_CACHE="off", EQ_RATE_LIMIT_PER_IP=0, EQ_RATE_LIMIT_PER_KEY=0)
    client = make_client(srv)
    one = lambda sql: pg.psql(sql).split("\n")[0]  # noqa: E731
    ward = one("SELECT code FROM areas WHERE kind = 'ward' ORDER BY code LIMIT 1")
    dataset = one("SELECT slug FROM datasets ORDER BY slug LIMIT 1")
    indicator, period = one("SELECT indicator_code, period FROM indicator_values"
                            " ORDER BY period_start DESC, indicator_code LIMIT 1").split("|")
    action = one("SELECT a.id FROM actions a JOIN action_plans p ON p.id = a.plan_id"
                 " WHERE p.slug = '2024-25' ORDER BY a.reference LIMIT 1")
    as_of = one("SELECT as_of FROM workforce_snapshots WHERE pay_basis = 'employee_rows'"
                " ORDER BY as_of DESC LIMIT 1")
    rows = Rows(pg)
    rows.target("areas", f"code = '{ward}'", ["name"])
    rows.target("categories", "characteristic_code = 'religion' AND code = 'jewish'", ["name"])
    rows.target("datasets", f"slug = '{dataset}'", ["title", "publisher", "source", "licence", "notes"])
    rows.target("organisations", "slug = 'police-feed'", ["name"])
    rows.target("indicators", f"code = '{indicator}'", ["title", "definition", "source", "outcome_title"])
    rows.target("indicator_values", f"indicator_code = '{indicator}' AND period = {lit(period)}",
                ["commentary"])
    rows.target("action_plans", "slug = '2024-25'", ["title", "description"])
    rows.target("actions", f"id = '{action}'", ["title", "description"])
    rows.target("workforce_snapshots", f"as_of = '{as_of}'", ["notes", "source"])
    rows.target("workforce_grade_bands", "code = 'scale_1_3'", ["name"])
    reads = [
        ("/v1/areas", "/v1/areas", {"limit": 500}),
        ("/v1/areas/{code}", f"/v1/areas/{ward}", {}),
        ("/v1/demographics", "/v1/demographics", {"area": ward, "characteristic": "religion"}),
        ("/v1/characteristics", "/v1/characteristics", {}),
        ("/v1/characteristics/{code}", "/v1/characteristics/religion", {}),
        ("/v1/demographics/datasets", "/v1/demographics/datasets", {}),
        ("/v1/demographics/datasets/{slug}", f"/v1/demographics/datasets/{dataset}", {}),
        ("/v1/hate-crime/statistics", "/v1/hate-crime/statistics", {"group_by": "ward"}),
        ("/v1/indicators", "/v1/indicators", {"limit": 500}),
        ("/v1/indicators/{code}", f"/v1/indicators/{indicator}", {}),
        ("/v1/indicators/{code}/values", f"/v1/indicators/{indicator}/values", {"limit": 500}),
        ("/v1/scorecard", "/v1/scorecard", {"period": period} if " Q" in period else {}),
        ("/v1/action-plans", "/v1/action-plans", {}),
        ("/v1/action-plans/{id}", "/v1/action-plans/2024-25", {}),
        ("/v1/action-plans/{id}/actions", "/v1/action-plans/2024-25/actions", {"limit": 500}),
        ("/v1/action-plans/{id}/summary", "/v1/action-plans/2024-25/summary", {}),
        ("/v1/actions/{id}", f"/v1/actions/{action}", {}),
        ("/v1/workforce/snapshots", "/v1/workforce/snapshots", {}),
        ("/v1/workforce/profile", "/v1/workforce/profile", {"as_of": as_of,
                                                            "characteristic": "sex"}),
    ]
    try:
        yield client, rows, reads, {"indicator": indicator, "period": period, "action": action}
    finally:
        rows.restore()


def strings_in(obj, out):
    if isinstance(obj, str):
        out.append(obj)
    elif isinstance(obj, dict):
        for v in obj.values():
            strings_in(v, out)
    elif isinstance(obj, list):
        for v in obj:
            strings_in(v, out)
    return out


# CSV with one row per nested item rather than per element of data.
FLATTENED = {
    "/v1/characteristics": lambda b: sum(len(c["categories"]) for c in b["data"]),
}


def read_all(client, openapi, reads, text, csv_ok):
    """Read everything: (every JSON string, every CSV field, problems)."""
    seen, fields = [], []
    problems = []
    for template, path, params in reads:
        r = client.get(path, params=params)
        if r.status_code != 200:
            problems.append(f"{path} {params}: {r.status_code} {r.text[:200]}")
            continue
        raw = r.content.decode("utf-8")
        try:
            body = json.loads(raw)          # strict: raw control characters are errors
        except ValueError as e:
            problems.append(f"{path}: not valid JSON ({e})")
            continue
        try:
            openapi.validate(r, template)
        except AssertionError as e:
            problems.append(f"{path}: {e}")
        seen += strings_in(body, [])
        fmt = openapi.operation(template)
        has_csv = any(openapi.deref(p).get("name") == "format" for p in fmt.get("parameters", []))
        if not has_csv or not csv_ok:
            continue
        c = client.get(path, params=dict(params, format="csv"))
        if c.status_code != 200 or not c.headers.get("Content-Type", "").startswith("text/csv"):
            problems.append(f"{path} CSV: {c.status_code} {c.headers.get('Content-Type')}")
            continue
        rows = list(csv.reader(io.StringIO(c.content.decode("utf-8"), newline="")))
        header, data = rows[0], rows[1:]
        if any(len(row) != len(header) for row in data):
            problems.append(f"{path} CSV: rows of different lengths")
        want = FLATTENED.get(template, lambda b: len(b["data"]) if isinstance(b.get("data"), list)
                             else None)(body)
        if want is not None and len(data) != want:
            problems.append(f"{path} CSV: {len(data)} rows, JSON {want}")
        for row in data:
            fields += row
    return seen, fields, problems


def test_odd_text_gives_valid_json_and_csv(setting, openapi):
    client, rows, reads, _ = setting
    failures = []
    for kind in sorted(ODD):
        text = ODD[kind]
        rows.set_all(text)
        seen, fields, problems = read_all(client, openapi, reads, text, csv_ok=True)
        failures += [f"[{kind}] {p}" for p in problems[:10]]
        # The text comes back exactly, in JSON and in CSV - except that a
        # CSV field a spreadsheet would run as a formula is neutralised
        # with a leading single quote (src/domain/csv.h).
        exact = seen.count(text)
        if exact < 10:
            failures.append(f"[{kind}] the odd text came back only {exact} times unchanged")
        in_csv = fields.count(text)
        if kind == "formula":
            if in_csv or fields.count("'" + text) < 5:
                failures.append(f"[{kind}] CSV has it raw {in_csv} times, neutralised "
                                f"{fields.count(chr(39) + text)} times")
        elif in_csv < 5:
            failures.append(f"[{kind}] the odd text came back only {in_csv} times in CSV")
    assert not failures, "\n".join(failures)


def test_nulls_and_limits_give_valid_json_and_csv(setting, openapi, pg):
    client, rows, reads, ids = setting
    ind, period = ids["indicator"], ids["period"]
    # (Texts are put back by the fixture; the numbers here.)
    saved = pg.psql(f"SELECT target, actual FROM indicator_values WHERE"
                    f" indicator_code = '{ind}' AND period = {lit(period)}")
    saved_tol = pg.psql(f"SELECT tolerance_kind, tolerance FROM indicators WHERE code = '{ind}'")
    most = "100000" if saved_tol.startswith("percent") else "9223372036854775807"
    try:
        for target, actual, tol in (("1000000000000", "-1000000000000", most),
                                    ("-1000000000000", "1000000000000", "0"),
                                    ("NULL", "1000000000000", "1"),
                                    ("1", "NULL", most)):
            pg.psql(f"UPDATE indicator_values SET target = {target}, actual = {actual},"
                    f" commentary = NULL WHERE indicator_code = '{ind}' AND period = {lit(period)};"
                    f" UPDATE indicators SET tolerance = {tol} WHERE code = '{ind}';"
                    " UPDATE action_plans SET description = NULL WHERE slug = '2024-25';"
                    f" UPDATE actions SET description = NULL WHERE id = '{ids['action']}'")
            _, _, problems = read_all(client, openapi, reads, None, csv_ok=True)
            assert not problems, f"target {target}, actual {actual}, tolerance {tol}:\n" + \
                "\n".join(problems[:20])
    finally:
        t, a = saved.split("|")
        tol = saved_tol.split("|")[1]
        pg.psql(f"UPDATE indicator_values SET target = {t or 'NULL'}, actual = {a or 'NULL'}"
                f" WHERE indicator_code = '{ind}'"
                f" AND period = {lit(period)}; UPDATE indicators SET tolerance = {tol}"
                f" WHERE code = '{ind}'; SELECT pg_notify('eq_data_changed', 'all')")


def test_impossible_counts_are_refused_not_overflowed(pg, start_server, make_client, openapi):
    """A count no population has (bigint allows 9.2e18) must not be summed
    into an overflow - undefined behaviour, and under UBSan a dead server -
    nor published: disclosure control refuses values above 2^40
    (src/domain/disclosure.h) and the read is a documented problem, while
    every other table is served as before."""
    srv = start_server(EQ_RESPONSE_CACHE="off")
    client = make_client(srv)
    where = ("dataset_id = (SELECT id FROM datasets WHERE slug = 'census-2021-demo') AND"
             " area_code = (SELECT code FROM areas WHERE kind = 'ward' ORDER BY code LIMIT 1)"
             " AND characteristic_code = 'sex' AND category_code = 'female'")
    before = pg.psql(f"SELECT count FROM demographic_counts WHERE {where}")
    assert before.isdigit(), before
    try:
        for huge in ("9223372036854775000", str((1 << 40) + 1)):
            pg.psql(f"UPDATE demographic_counts SET count = {huge} WHERE {where}")
            for params in ({"dataset": "census-2021-demo", "characteristic": "sex", "limit": 500},
                           {"dataset": "census-2021-demo", "characteristic": "sex",
                            "format": "csv"}):
                r = client.get("/v1/demographics", params=params)
                openapi.validate(r, "/v1/demographics")
                assert r.status_code in (200, 500), r.text[:300]
                assert huge not in r.text, "an impossible count was published"
            r = client.get("/v1/demographics", params={"dataset": "census-2021-demo",
                                                       "characteristic": "religion"})
            assert r.status_code == 200, r.text[:300]
            openapi.validate(r, "/v1/demographics")
    finally:
        pg.psql(f"UPDATE demographic_counts SET count = {before} WHERE {where};"
                " SELECT pg_notify('eq_data_changed', 'all')")
    assert client.get("/healthz").status_code == 200
