"""Hate-crime statistics: published counts against the database, the two
measures, deduplication and withdrawals, trends, coverage, CSV, ETags, and
above all disclosure control that holds in every grouping, filter and
format, and across queries (no differencing).

Fixture reports are written straight into the test database for financial
years 2014/15 and 2015/16 (far from the demo data) and removed afterwards;
expected counts are computed from the database with SQL of their own.
"""

from __future__ import annotations

import csv
import io
import itertools
import random
from fractions import Fraction

import pytest

import harness
from checks import assert_problem, media_type, pinned_by_bounds

STATS = "/v1/hate-crime/statistics"
FY = 2015           # the fixture's main financial year, 2015/16
PREV = 2014         # partly covered: only some months, for compare
PREFIX = "hcs-test-"
STRANDS = ["race", "religion", "sexual_orientation", "disability", "transgender_identity", "other"]
OFFENCES = ["violence_against_the_person", "harassment", "criminal_damage", "public_order",
            "online", "other"]
CHANNELS = ["police", "third_party_centre", "council_officer", "online_form", "telephone",
            "in_person", "other"]
THRESHOLD = 5


def fy_label(fy):
    return f"{fy}/{(fy + 1) % 100:02d}"


def fy_months(fy):
    return [f"{fy + (m < 4)}-{m:02d}" for m in list(range(4, 13)) + [1, 2, 3]]


def quarter_months(fy, q):
    return fy_months(fy)[(q - 1) * 3:q * 3]


def time_cells(fy):
    """(label, months) for the year, its quarters and its months."""
    out = [(fy_label(fy), fy_months(fy))]
    out += [(f"{fy_label(fy)} Q{q}", quarter_months(fy, q)) for q in range(1, 5)]
    out += [(m, [m]) for m in fy_months(fy)]
    return out


# ---------------------------------------------------------------------------
# fixture data
# ---------------------------------------------------------------------------

def sql_quote(s):
    return "NULL" if s is None else "'" + s.replace("'", "''") + "'"


def fixture_rows(wards):
    """Deterministic reports: many small cells, duplicates and withdrawals."""
    rng = random.Random(20151)
    rows = []
    n = 0

    def add(org, day, location, ward, strands, offence, channel, police_ref=None,
            withdrawn=False, created_offset=0):
        nonlocal n
        n += 1
        rows.append(dict(org=org, ref=f"{PREFIX}{n}", police_ref=police_ref, day=day,
                         location=location, ward=ward, strands=strands, offence=offence,
                         channel=channel, withdrawn=withdrawn, created=n + created_offset))

    def random_report(org, month, **kw):
        y, m = month.split("-")
        day = f"{y}-{m}-{rng.randint(1, 28):02d}"
        r = rng.random()
        if r < 0.05:
            loc, ward = "unknown", None
        elif r < 0.08:
            loc, ward = "outside_borough", None
        else:
            loc, ward = "ward", rng.choice(wards[:8])
        k = 1 if rng.random() < 0.7 else rng.randint(2, 3)
        strands = rng.sample(STRANDS[:5], k) if rng.random() < 0.97 else ["other"]
        add(org, day, loc, ward, strands, rng.choice(OFFENCES), rng.choice(CHANNELS), **kw)

    # 2015/16: the police feed every month, the north centre some months.
    for month in fy_months(FY):
        for _ in range(rng.randint(8, 22)):
            random_report("police-feed", month)
    for month in fy_months(FY)[2:]:
        if month == "2015-09":
            continue
        for _ in range(rng.randint(1, 6)):
            random_report("reporting-centre-north", month)
    # 2014/15: the police feed for January to March only.
    for month in fy_months(PREV)[9:]:
        for _ in range(rng.randint(10, 20)):
            random_report("police-feed", month)
    # Duplicates: the centre reports crimes the police feed already holds
    # (shared police reference, received later), in a ward of their own.
    for i in range(12):
        ref = f"HCS-PR-{i}"
        centre_months = [m for m in fy_months(FY)[2:] if m != "2015-09"]
        month = centre_months[i % len(centre_months)]
        day = month + "-10"
        add("police-feed", day, "ward", wards[9], ["race"], "harassment", "police", police_ref=ref)
        add("reporting-centre-north", day, "ward", wards[9], ["race", "religion"], "online",
            "third_party_centre", police_ref=ref, created_offset=1000)
    # Withdrawn reports, in a ward of their own as well.
    for i in range(9):
        add("police-feed", fy_months(FY)[i] + "-12", "ward", wards[10], ["disability"],
            "criminal_damage", "police", withdrawn=True)
    return rows


def insert_sql(rows):
    values = []
    for r in rows:
        other = "'fixture'" if "other" in r["strands"] else "NULL"
        strands = "ARRAY[" + ",".join(sql_quote(s) for s in r["strands"]) + "]::text[]"
        values.append(
            "((SELECT id FROM organisations WHERE slug = {org}), {ref}, {pref}, DATE {day}, DATE {day},"
            " DATE {day}, {loc}, {ward}, {strands}, {other}, {off}, {ch}, {st}, {wr},"
            " timestamptz '2020-01-01' + interval '1 second' * {created})".format(
                org=sql_quote(r["org"]), ref=sql_quote(r["ref"]), pref=sql_quote(r["police_ref"]),
                day=sql_quote(r["day"]), loc=sql_quote(r["location"]), ward=sql_quote(r["ward"]),
                strands=strands, other=other, off=sql_quote(r["offence"]), ch=sql_quote(r["channel"]),
                st=sql_quote("withdrawn" if r["withdrawn"] else "active"),
                wr=sql_quote("fixture withdrawal" if r["withdrawn"] else None),
                created=r["created"]))
    return ("INSERT INTO hate_crime_reports (organisation_id, submitter_reference, police_reference,"
            " occurred_from, occurred_to, reported_on, location, ward_code, strands,"
            " other_strand_reason, offence_type, channel, status, withdrawn_reason, created_at)"
            " VALUES " + ",\n".join(values))


NOTIFY = "SELECT pg_notify('eq_data_changed', 'hate_crime')"
CLEANUP = (f"DELETE FROM hate_crime_reports WHERE submitter_reference LIKE '{PREFIX}%';"
           " DELETE FROM hate_crime_deliveries WHERE request_id = 'hcs-fixture'")
# Coverage is what sources declared delivered: the fixture's sources
# delivered exactly the months they have reports in.
DELIVERIES = ("INSERT INTO hate_crime_deliveries (organisation_id, month, request_id)"
              " SELECT DISTINCT organisation_id, date_trunc('month', occurred_from)::date, 'hcs-fixture'"
              f" FROM hate_crime_reports WHERE submitter_reference LIKE '{PREFIX}%'"
              " ON CONFLICT DO NOTHING")


@pytest.fixture(scope="module")
def db():
    return harness.PgControl()


@pytest.fixture(scope="module")
def wards(db):
    return db.psql("SELECT code FROM areas WHERE kind = 'ward' ORDER BY code").split("\n")


@pytest.fixture(scope="module")
def fixture(db, wards, server):
    db.psql(CLEANUP)
    rows = fixture_rows(wards)
    db.psql(insert_sql(rows))
    db.psql(DELIVERIES)
    db.psql(NOTIFY)
    try:
        yield rows
    finally:
        db.psql(CLEANUP)
        db.psql(NOTIFY)


@pytest.fixture(scope="module")
def client(server, fixture):
    c = harness.ApiClient(server.url)
    yield c
    c.close()


# ---------------------------------------------------------------------------
# the expected counts, from the database
# ---------------------------------------------------------------------------

EXPECTED_SQL = """
SELECT to_char(occurred_from, 'YYYY-MM'),
       CASE location WHEN 'ward' THEN ward_code ELSE location END,
       offence_type, channel,
       (SELECT string_agg(DISTINCT s, ',') FROM unnest(strands) s)
FROM (SELECT r.*, row_number() OVER (
          PARTITION BY coalesce('ref:' || police_reference, 'id:' || id::text)
          ORDER BY created_at, id) AS n
      FROM hate_crime_reports r WHERE status = 'active') x
WHERE n = 1 AND occurred_from BETWEEN DATE '{start}' AND DATE '{end}'
"""


EXPECTED_WARD_SQL = """
SELECT count(*) FROM (
    SELECT ward_code, occurred_from, row_number() OVER (
               PARTITION BY coalesce('ref:' || police_reference, 'id:' || id::text)
               ORDER BY created_at, id) AS n
    FROM hate_crime_reports WHERE status = 'active') x
WHERE n = 1 AND ward_code = '{ward}' AND occurred_from BETWEEN DATE '{fy}-04-01' AND DATE '{fy1}-03-31'
"""


class Expected:
    """Counts of canonical cells computed from deduplicated active reports."""

    def __init__(self, db, fy_from, fy_to):
        out = db.psql(EXPECTED_SQL.format(start=f"{fy_from}-04-01", end=f"{fy_to + 1}-03-31"))
        self.crimes = []
        for line in out.split("\n") if out else []:
            month, ward, off, ch, strands = line.split("|")
            self.crimes.append((month, ward, off, ch, set(strands.split(","))))

    def value(self, measure, months, ward=None, strand=None, offence=None, channel=None):
        total = 0
        for (m, w, o, c, ss) in self.crimes:
            if m not in months or (ward and w != ward) or (offence and o != offence) or \
                    (channel and c != channel):
                continue
            if measure == "reports":
                total += 1
            else:
                total += (strand in ss) if strand else len(ss)
        return total


@pytest.fixture(scope="module")
def expected(db, fixture):
    return Expected(db, PREV, FY)


# ---------------------------------------------------------------------------
# fetching
# ---------------------------------------------------------------------------

def key(row):
    return (row["measure"], row["period"]["label"], row["ward"]["code"] if row["ward"] else None,
            row["strand"], row["offence_type"], row["channel"])


def get_json(client, openapi, query):
    r = client.get(STATS + "?" + query)
    assert r.status_code == 200, (query, r.status_code, r.text[:400])
    body = openapi.validate(r, STATS)
    assert body["meta"]["count"] == len(body["data"])
    return body


def get_csv(client, openapi, query):
    r = client.get(STATS + "?" + query + "&format=csv")
    assert r.status_code == 200, (query, r.text[:300])
    assert media_type(r) == "text/csv"
    openapi.validate(r, STATS)
    return list(csv.DictReader(io.StringIO(r.content.decode("utf-8"), newline="")))


def check_row(row, where):
    """No count from 1 to 4; suppressed rows carry null."""
    if row["suppressed"]:
        assert row["value"] is None, f"{where}: suppressed row with a value: {row}"
    else:
        assert isinstance(row["value"], int), f"{where}: {row}"
        assert not 1 <= row["value"] < THRESHOLD, f"{where}: small count published: {row}"
    py = row.get("previous_year")
    if py:
        if py["suppressed"]:
            assert py["value"] is None, f"{where}: {row}"
        elif py["value"] is not None:
            assert not 1 <= py["value"] < THRESHOLD, f"{where}: small previous count: {row}"
        if row["suppressed"] or py["suppressed"] or py["value"] is None:
            assert py["change"] is None, f"{where}: change with a withheld side: {row}"


def check_csv_equals_json(rows, body, where):
    assert len(rows) == len(body["data"]), where
    for c, j in zip(rows, body["data"]):
        assert c["measure"] == j["measure"]
        assert c["period_label"] == j["period"]["label"]
        assert c["ward_code"] == (j["ward"]["code"] if j["ward"] else "")
        assert c["strand"] == (j["strand"] or "")
        assert c["offence_type"] == (j["offence_type"] or "")
        assert c["channel"] == (j["channel"] or "")
        assert c["value"] == ("" if j["value"] is None else str(j["value"])), where
        assert c["suppressed"] == ("true" if j["suppressed"] else "false")
        if c["value"]:
            assert not 1 <= int(c["value"]) < THRESHOLD, f"{where}: small count in CSV: {c}"
        if "previous_year" in j:
            pv = j["previous_year"]["value"]
            assert c["previous_year_value"] == ("" if pv is None else str(pv))
            ch = j["previous_year"]["change"]
            assert c["change"] == ("" if ch is None else str(ch))


GRAINS = [None, "month", "quarter", "financial_year"]
DIMS = [(), ("ward",), ("offence_type",), ("channel",), ("strand",), ("ward", "strand")]


def groupings():
    for g, d in itertools.product(GRAINS, DIMS):
        if d == ("ward", "strand") and g not in (None, "financial_year"):
            continue
        yield g, d


def group_query(fy, grain, dims, extra=""):
    parts = ([grain] if grain else []) + list(dims)
    q = f"from={fy_label(fy)}&to={fy_label(fy)}"
    if parts:
        q += "&group_by=" + ",".join(parts)
    return q + extra


@pytest.fixture(scope="module")
def all_cells(client, openapi, fixture):
    """Every canonical cell of the fixture year, from every grouping (JSON
    and CSV), checked to be identical wherever it appears."""
    cells = {}
    for grain, dims in groupings():
        q = group_query(FY, grain, dims, "&compare=previous_year")
        body = get_json(client, openapi, q)
        check_csv_equals_json(get_csv(client, openapi, q), body, q)
        for row in body["data"]:
            check_row(row, q)
            k = key(row)
            if k in cells:
                assert (cells[k]["value"], cells[k]["suppressed"]) == (row["value"], row["suppressed"]), \
                    f"cell {k} differs between queries"
            cells[k] = row
    return cells


# ---------------------------------------------------------------------------
# disclosure audit over every canonical cell together
# ---------------------------------------------------------------------------

def relations(fy, ward_codes):
    """(total, [parts]) for every additive relation among the canonical
    cells of one financial year (both measures)."""
    rels = []
    tcs = time_cells(fy)
    label = {tuple(m): l for l, m in tcs}
    fyl = fy_label(fy)
    qs = [f"{fyl} Q{q}" for q in range(1, 5)]

    def R(t, ward=None, off=None, ch=None):
        return ("reports", t, ward, None, off, ch)

    def F(t, ward=None, strand=None):
        return ("strand_flags", t, ward, strand, None, None)

    rows = [dict()] + [dict(ward=w) for w in ward_codes] + [dict(off=o) for o in OFFENCES] + \
        [dict(ch=c) for c in CHANNELS]
    for t, _ in tcs:
        rels.append((R(t), [R(t, ward=w) for w in ward_codes]))
        rels.append((R(t), [R(t, off=o) for o in OFFENCES]))
        rels.append((R(t), [R(t, ch=c) for c in CHANNELS]))
        rels.append((F(t), [F(t, strand=s) for s in STRANDS]))
    for mk, kws in [(R, rows), (F, [dict()] + [dict(strand=s) for s in STRANDS])]:
        for kw in kws:
            rels.append((mk(fyl, **kw), [mk(q, **kw) for q in qs]))
            for q in range(1, 5):
                rels.append((mk(qs[q - 1], **kw),
                             [mk(m, **kw) for m in quarter_months(fy, q)]))
    for w in ward_codes:
        rels.append((F(fyl, ward=w), [F(fyl, ward=w, strand=s) for s in STRANDS]))
    for s in [None] + STRANDS:
        rels.append((F(fyl, strand=s), [F(fyl, ward=w, strand=s) for w in ward_codes]))
    del label
    return rels


def determined_cells(table, rels):
    """Withheld cells that the published cells and the relations fix
    (exact rational Gauss-Jordan elimination on sparse rows)."""
    supp = sorted((k for k, o in table.items() if o["suppressed"]), key=repr)
    col = {k: i for i, k in enumerate(supp)}
    rows = []
    for tot, parts in rels:
        row = {}
        for cell, coef in [(tot, 1)] + [(p, -1) for p in parts]:
            if cell in col:
                row[col[cell]] = row.get(col[cell], 0) + coef
        row = {j: Fraction(v) for j, v in row.items() if v}
        if row:
            rows.append(row)
    pivots = []   # (col, row dict), row normalised, fully reduced
    for row in rows:
        for pc, prow in pivots:
            f = row.get(pc)
            if f:
                for j, v in prow.items():
                    nv = row.get(j, 0) - f * v
                    if nv:
                        row[j] = nv
                    else:
                        row.pop(j, None)
        if not row:
            continue
        pc = min(row)
        pv = row[pc]
        row = {j: v / pv for j, v in row.items()}
        for i, (qc, qrow) in enumerate(pivots):
            f = qrow.get(pc)
            if f:
                for j, v in row.items():
                    nv = qrow.get(j, 0) - f * v
                    if nv:
                        qrow[j] = nv
                    else:
                        qrow.pop(j, None)
        pivots.append((pc, row))
    return [supp[pc] for pc, row in pivots if len(row) == 1]




def audit(table, rels):
    problems = []
    for tot, parts in rels:
        for c in [tot] + parts:
            assert c in table, f"canonical cell {c} was never returned"
        hidden = [p for p in [tot] + parts if table[p]["suppressed"]]
        if len(hidden) == 1:
            problems.append(f"{hidden[0]} is the only withheld cell of {tot} = sum of {len(parts)}")
        if not hidden:
            s = sum(table[p]["value"] for p in parts)
            if s != table[tot]["value"]:
                problems.append(f"{tot} = {table[tot]['value']} but its parts sum to {s}")
    problems += [f"{c} is determined by the published cells" for c in determined_cells(table, rels)]
    problems += [f"{c} is pinned to {v} by bounds" for c, v in pinned_by_bounds(table, rels)]
    assert not problems, "disclosure failures:\n  " + "\n  ".join(problems[:30])


def ward_codes_of(cells):
    return sorted({k[2] for k in cells if k[2] is not None})


# ---------------------------------------------------------------------------
# tests
# ---------------------------------------------------------------------------

def test_every_grouping_and_format_is_safe(all_cells):
    """(all_cells checks every row of every grouping, JSON and CSV.)"""
    assert len(all_cells) > 500
    assert any(o["suppressed"] for o in all_cells.values()), "the fixture exercises no suppression"
    assert any(o["value"] == 0 for o in all_cells.values()), "zeros are published as zeros"


def test_no_cell_recoverable_within_or_across_queries(all_cells):
    codes = ward_codes_of(all_cells)
    assert "unknown" in codes and "outside_borough" in codes
    audit(all_cells, relations(FY, codes))


def test_published_values_are_the_database_counts(all_cells, expected):
    checked = 0
    months_of = {l: m for l, m in time_cells(FY)}
    for (measure, label, ward, strand, off, ch), row in all_cells.items():
        if row["suppressed"]:
            continue
        want = expected.value(measure, months_of[label], ward, strand, off, ch)
        assert row["value"] == want, f"{(measure, label, ward, strand, off, ch)}: {row['value']} != {want}"
        checked += 1
    assert checked > 300


def test_previous_year_comparison(all_cells, client, openapi, expected):
    prev = {}
    for grain, dims in groupings():
        for row in get_json(client, openapi, group_query(PREV, grain, dims))["data"]:
            prev[key(row)] = row
    seen_change = seen_suppressed_pair = 0
    for k, row in all_cells.items():
        py = row["previous_year"]
        pk = (k[0], py["period"]["label"]) + k[2:]
        p = prev[pk]
        assert py["suppressed"] == (p["suppressed"] and py["coverage"] != "none")
        if py["coverage"] != "none":
            assert py["value"] == p["value"], k
        if row["suppressed"] or p["suppressed"]:
            assert py["change"] is None, k
            seen_suppressed_pair += 1
        elif row["coverage"] == "complete" and py["coverage"] == "complete":
            assert py["change"] == row["value"] - p["value"], k
            seen_change += 1
        else:
            assert py["change"] is None, f"{k}: change across partly covered periods"
    assert seen_change and seen_suppressed_pair


def test_every_ward_and_strand_filter_selects_canonical_cells(client, openapi, all_cells, wards):
    for w in wards[:11] + ["unknown", "outside_borough"]:
        for g in ["month", "quarter", "financial_year"]:
            body = get_json(client, openapi, f"from={fy_label(FY)}&group_by={g}&ward={w}")
            for row in body["data"]:
                check_row(row, w)
                assert row["ward"]["code"] == w
                k = key(row)
                assert (all_cells[k]["value"], all_cells[k]["suppressed"]) == (row["value"], row["suppressed"])
    body = get_json(client, openapi, f"from={fy_label(FY)}&group_by=ward&strand=race,disability")
    assert body["meta"]["measure"] == "strand_flags"
    for row in body["data"]:
        assert row["strand"] in ("race", "disability")
        k = key(row)
        assert (all_cells[k]["value"], all_cells[k]["suppressed"]) == (row["value"], row["suppressed"])


def test_withdrawn_excluded_and_duplicates_counted_once(client, openapi, db, fixture, wards):
    total = get_json(client, openapi, f"from={fy_label(FY)}")["data"][0]
    assert total["measure"] == "reports" and total["ward"] is None and not total["suppressed"]
    in_year = [r for r in fixture if f"{FY}-04-01" <= r["day"] <= f"{FY + 1}-03-31"]
    raw = len(in_year)
    withdrawn = sum(r["withdrawn"] for r in in_year)
    dups = sum(1 for r in in_year if r["police_ref"] and r["org"] == "reporting-centre-north")
    assert withdrawn == 9 and dups == 12
    # The fixture owns this year in the database.
    assert int(db.psql(f"SELECT count(*) FROM hate_crime_reports WHERE occurred_from BETWEEN "
                       f"'{FY}-04-01' AND '{FY + 1}-03-31'")) == raw
    assert total["value"] == raw - withdrawn - dups
    # The withdrawn reports' ward has none left; the duplicated crimes'
    # ward counts each crime once (12), all as harassment, not online.
    body = get_json(client, openapi, f"from={fy_label(FY)}&ward={wards[10]},{wards[9]}")
    got = {r["ward"]["code"]: r for r in body["data"]}
    assert got[wards[10]]["value"] == 0 and not got[wards[10]]["suppressed"]
    # (It may be withheld as a complementary suppression; then the
    # database agrees with the duplicate counted once.)
    assert got[wards[9]]["value"] in (12, None)
    assert int(db.psql(EXPECTED_WARD_SQL.format(ward=wards[9], fy=FY, fy1=FY + 1))) == 12
    flags = get_json(client, openapi, f"from={fy_label(FY)}&group_by=ward,strand&ward={wards[9]}")
    by_strand = {r["strand"]: r for r in flags["data"]}
    assert by_strand["race"]["value"] in (12, None) and by_strand["religion"]["value"] == 0


def test_strand_flags_and_reports_are_distinct_and_labelled(client, openapi, expected):
    reports = get_json(client, openapi, f"from={fy_label(FY)}")
    flags = get_json(client, openapi, f"from={fy_label(FY)}&group_by=strand")
    assert reports["meta"]["measure"] == "reports"
    assert flags["meta"]["measure"] == "strand_flags"
    assert "do not add up" in flags["meta"]["measures"]["strand_flags"]
    assert {r["measure"] for r in flags["data"]} == {"strand_flags"}
    flags_total = next(r for r in flags["data"] if r["strand"] is None)
    assert flags_total["value"] > reports["data"][0]["value"], "multi-strand reports count once per strand"
    months = fy_months(FY)
    assert flags_total["value"] == expected.value("strand_flags", months)
    assert reports["data"][0]["value"] == expected.value("reports", months)


@pytest.mark.parametrize("query", [
    "from=2015-04&to=2015-05",                 # two months: not a canonical cell
    "from=2015-04&to=2016-04",                 # a year and a month
    "from=2015-05&to=2015-07",                 # three months that are no quarter
    "from=2015-04-01&to=2015-04-30",           # days are never accepted
    "from=2015-04&to=2015-05-01",
])
def test_arbitrary_ranges_are_refused(client, openapi, query):
    r = client.get(STATS + "?" + query)
    assert_problem(r, 400, openapi, STATS)


def test_one_day_longer_attack_is_impossible(client, openapi, all_cells):
    """A ward for a month and 'the same ward one day longer' cannot both be
    asked: a range is whole months, and a longer range comes back only as
    its canonical cells, never as a new total."""
    w = ward_codes_of(all_cells)[0]
    assert_problem(client.get(STATS + f"?from=2015-06-01&to=2015-07-01&ward={w}"), 400, openapi, STATS)
    assert_problem(client.get(STATS + f"?from=2015-06&to=2015-07&ward={w}"), 400, openapi, STATS)
    body = get_json(client, openapi, f"from=2015-06&to=2015-07&group_by=month&ward={w}")
    labels = [r["period"]["label"] for r in body["data"]]
    assert labels == ["2015-06", "2015-07"]
    for row in body["data"]:
        k = key(row)
        assert (row["value"], row["suppressed"]) == (all_cells[k]["value"], all_cells[k]["suppressed"])
    # Quarters and years need whole quarters and years.
    assert_problem(client.get(STATS + "?from=2015-05&to=2015-09&group_by=quarter"), 400, openapi, STATS)
    assert_problem(client.get(STATS + "?from=2015-04&to=2016-02&group_by=financial_year"), 400,
                   openapi, STATS)
    body = get_json(client, openapi, "from=2015-04&to=2015-06")
    assert [r["period"]["label"] for r in body["data"]] == ["2015/16 Q1"]


@pytest.mark.parametrize("query,param", [
    ("from=2015/16&colour=red", "colour"),
    ("from=2015/16&group_by=ward,offence_type", "group_by"),
    ("from=2015/16&group_by=month,quarter", "group_by"),
    ("from=2015/16&group_by=month,month", "group_by"),
    ("from=2015/16&group_by=week", "group_by"),
    ("from=2015/16&group_by=month,ward,strand", "group_by"),
    ("from=2015/16&group_by=ward&channel=police", "channel"),
    ("from=2015/16&group_by=strand&offence_type=online", "offence_type"),
    ("from=2015/16&strand=race&ward=E05013628&group_by=month", "strand"),
    ("from=2015/16&strand=fish", "strand"),
    ("from=2015/16&ward=E99999999", "ward"),
    ("from=2015/16&ward=nowhere", "ward"),
    ("from=2015-13", "from"),
    ("from=2015/17", "from"),
    ("from=2015/16&to=2014/15", "to"),
    ("from=2000/01&to=2015/16&group_by=financial_year", "to"),
    ("from=2015/16&compare=last_week", "compare"),
    ("from=2015/16&from=2014/15", "from"),
])
def test_bad_parameters_are_400_naming_them(client, openapi, query, param):
    assert_problem(client.get(STATS + "?" + query), 400, openapi, STATS, parameter=param)


def test_default_range_is_the_latest_year_with_data(client, openapi, db, fixture):
    body = get_json(client, openapi, "")
    latest = db.psql("SELECT max(CASE WHEN extract(month FROM occurred_from) >= 4"
                     " THEN extract(year FROM occurred_from) ELSE extract(year FROM occurred_from) - 1"
                     " END)::int FROM hate_crime_reports WHERE status = 'active'")
    assert body["data"][0]["period"]["label"] == fy_label(int(latest))
    assert body["data"][0]["period"]["kind"] == "financial_year"


def test_latest_year_every_grouping_is_safe(client, openapi):
    """The default year (the demo data when seeded): the same guarantees,
    every grouping, JSON and CSV, and the whole-year audit."""
    label = get_json(client, openapi, "")["data"][0]["period"]["label"]
    fy = int(label[:4])
    cells = {}
    for grain, dims in groupings():
        q = group_query(fy, grain, dims)
        body = get_json(client, openapi, q)
        check_csv_equals_json(get_csv(client, openapi, q), body, q)
        for row in body["data"]:
            check_row(row, q)
            cells[key(row)] = row
    audit(cells, relations(fy, ward_codes_of(cells)))


def test_coverage_is_listed(client, openapi, fixture):
    body = get_json(client, openapi, f"from={fy_label(FY)}&group_by=month")
    cov = body["meta"]["coverage"]
    assert "declared that month delivered" in cov["basis"]
    sources = {s["slug"]: s for s in cov["sources"]}
    police = sources["police-feed"]
    assert police["kind"] == "police"
    assert any(r["from"] <= "2015-04" and r["to"] >= "2016-03" for r in police["months"])
    north = sources["reporting-centre-north"]
    assert north["first_month"] == "2015-06"
    assert {"from": "2015-06", "to": "2015-08"} in north["months"]
    assert any(r["from"] == "2015-10" and r["to"] >= "2016-03" for r in north["months"])
    # The centre had begun but did not supply September 2015: that month is
    # partial, and said so.  Before its first month it is not expected.
    assert "2015-09" in cov["months_not_covered_by_every_source"]
    assert "2015-04" not in cov["months_not_covered_by_every_source"]
    assert cov["complete"] is False and "not a fall" in cov["note"]
    by_label = {r["period"]["label"]: r for r in body["data"]}
    assert by_label["2015-09"]["coverage"] == "partial"
    assert by_label["2015-10"]["coverage"] == "complete"
    assert by_label["2015-04"]["coverage"] == "complete"


def test_etag_and_304(client, openapi):
    q = STATS + f"?from={fy_label(FY)}&group_by=quarter,ward"
    r1 = client.get(q)
    assert r1.status_code == 200
    etag = r1.headers["ETag"]
    assert etag.startswith('"')
    assert "public" in r1.headers.get("Cache-Control", "")
    r2 = client.get(q, headers={"If-None-Match": etag})
    assert r2.status_code == 304 and not r2.content
    openapi.validate(r2, STATS)
    r3 = client.get(q + "&format=csv")
    assert r3.headers["ETag"] != etag


def test_accept_text_csv(client, openapi):
    r = client.get(STATS + f"?from={fy_label(FY)}&group_by=channel", headers={"Accept": "text/csv"})
    assert r.status_code == 200 and media_type(r) == "text/csv"
    header = r.text.split("\r\n", 1)[0]
    assert header.startswith("measure,period_label,period_kind,period_start,period_end,ward_code")
