"""OWASP API6:2023 Unrestricted Access to Sensitive Business Flows.

The sensitive flow of this service is publishing statistics about people:
anyone may query them, as often and as variously as they like, and the
business rule (SERVICE.md, "Disclosure control"; src/domain/disclosure.h)
is that no withheld count (1 to EQ_SUPPRESS_BELOW-1, and the cells withheld
to protect those) can be worked out from what is published - in one query
or by combining several.

This is the attacker's side of that promise, against every public
statistic (hate-crime statistics, demographics, the workforce profile and
its comparison with the previous snapshot, the partner returns summary):

1. overlapping slices are harvested - every grouping and period grain, each
   filter on its own (one ward, one strand, one category, one directorate),
   JSON and CSV, a year and its comparison with the previous year - and a
   cell (identified by what it counts, where, when) must have one value and
   one suppression state in every answer that contains it: if two
   questions disagreed, the difference would be the leak
   ("total vs total-minus-one-ward");
2. everything published (the union of all answers) is put together with
   every additive relation the attacker knows (a total is the sum of its
   parts: wards make the borough, quarters the year, months the quarter,
   categories the total and their parent...), and no withheld cell may be
   determined by it: exactly (rational Gauss-Jordan elimination over the
   withheld cells), or by bounds (a withheld count is at least 1, since
   zero is published as zero).  Checking the union is stronger than
   checking every pair of queries: whatever a pair reveals, the union
   reveals too;
3. derived figures give nothing away: a share is published only with its
   count and its total, a change only with both values, a ratio only with
   both shares;
4. ranges that are not fixed cells (two months, a quarter and a month,
   days) are refused, so "the same month one day longer" cannot be asked.

The number of queries is bounded (about 400 in all, a few seconds).
"""

from __future__ import annotations

import csv
import io
import random
from fractions import Fraction

import pytest

from secsupport import auth

THRESHOLD = 5
BIG = 10 ** 12


class Harvest:
    """Cells seen so far: key -> (value, suppressed), with where each was
    first seen; a second sighting must agree."""

    def __init__(self):
        self.cells: dict = {}
        self.seen: dict = {}
        self.problems: list[str] = []

    def add(self, key, value, suppressed, where):
        if suppressed and value is not None:
            self.problems.append(f"{key} in {where}: withheld yet has value {value}")
        if not suppressed:
            if value is None:
                self.problems.append(f"{key} in {where}: published without a value")
            elif 0 < value < THRESHOLD:
                self.problems.append(f"{key} in {where}: publishes {value}")
        o = (value, bool(suppressed))
        if key in self.cells and self.cells[key] != o:
            self.problems.append(f"{key}: {self.cells[key]} in {self.seen[key]} but {o} in {where}")
        self.cells.setdefault(key, o)
        self.seen.setdefault(key, where)

    def check(self):
        assert not self.problems, "\n".join(self.problems[:25])


def determined(cells, relations):
    """Withheld cells fixed exactly by the published cells and the relations
    (cells never seen are unknowns too, but only withheld ones are
    reported)."""
    unknown = sorted({c for rel in relations for c in [rel[0]] + rel[1]
                      if c not in cells or cells[c][1]}, key=repr)
    col = {c: i for i, c in enumerate(unknown)}
    pivots = []
    for tot, parts in relations:
        row = {}
        for c, coef in [(tot, 1)] + [(p, -1) for p in parts]:
            if c in col:
                row[col[c]] = row.get(col[c], 0) + coef
        row = {j: Fraction(v) for j, v in row.items() if v}
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
        for qc, qrow in pivots:
            f = qrow.get(pc)
            if f:
                for j, v in row.items():
                    nv = qrow.get(j, 0) - f * v
                    if nv:
                        qrow[j] = nv
                    else:
                        qrow.pop(j, None)
        pivots.append((pc, row))
    return [unknown[pc] for pc, row in pivots
            if len(row) == 1 and unknown[pc] in cells]


def pinned(cells, relations):
    """Withheld cells pinned to one value by interval reasoning."""
    lo, hi = {}, {}
    for rel in relations:
        for c in [rel[0]] + rel[1]:
            if c in cells and not cells[c][1]:
                lo[c] = hi[c] = cells[c][0]
            elif c in cells:
                lo[c], hi[c] = 1, BIG
            else:
                lo[c], hi[c] = 0, BIG
    for _ in range(60):
        changed = False
        for tot, parts in relations:
            slo, shi = sum(lo[p] for p in parts), sum(hi[p] for p in parts)
            if max(lo[tot], slo) > lo[tot] or min(hi[tot], shi) < hi[tot]:
                lo[tot], hi[tot], changed = max(lo[tot], slo), min(hi[tot], shi), True
            for p in parts:
                a = max(lo[p], lo[tot] - (shi - hi[p]))
                b = min(hi[p], hi[tot] - (slo - lo[p]))
                if (a, b) != (lo[p], hi[p]):
                    lo[p], hi[p], changed = a, b, True
                    slo, shi = sum(lo[q] for q in parts), sum(hi[q] for q in parts)
        if not changed:
            break
    bad = [c for c in lo if lo[c] > hi[c]]
    assert not bad, f"published figures contradict each other around {bad[:5]}"
    return [(c, lo[c]) for c in lo if c in cells and cells[c][1] and lo[c] == hi[c]]


def audit(h: Harvest, relations, what):
    h.check()
    withheld = [c for c, (_, s) in h.cells.items() if s]
    problems = []
    for tot, parts in relations:
        group = [tot] + parts
        if all(c in h.cells for c in group) and not any(h.cells[c][1] for c in group):
            s = sum(h.cells[p][0] for p in parts)
            if s != h.cells[tot][0]:
                problems.append(f"{tot} = {h.cells[tot][0]} but its parts add up to {s}")
    problems += [f"{c} is determined by what is published" for c in determined(h.cells, relations)]
    problems += [f"{c} is pinned to {v} by bounds" for c, v in pinned(h.cells, relations)]
    assert not problems, f"{what}: disclosure failures:\n  " + "\n  ".join(problems[:25])
    return len(withheld)


def get(api, path, **params):
    r = api.get(path, params=params)
    assert r.status_code == 200, f"{path} {params}: {r.status_code} {r.text[:300]}"
    return r.json()


def get_csv(api, path, **params):
    r = api.get(path, params=dict(params, format="csv"))
    assert r.status_code == 200, f"{path} {params} CSV: {r.status_code} {r.text[:300]}"
    return list(csv.DictReader(io.StringIO(r.content.decode("utf-8"))))


def num(text):
    return None if text in ("", None) else int(text)


# ---------------------------------------------------------------------------
# hate-crime statistics
# ---------------------------------------------------------------------------

STATS = "/v1/hate-crime/statistics"


def fy_label(fy):
    return f"{fy}/{(fy + 1) % 100:02d}"


def months_of(fy):
    return [f"{fy + (m < 4)}-{m:02d}" for m in list(range(4, 13)) + [1, 2, 3]]


def hc_key(row, period=None):
    return (row["measure"], (period or row["period"])["label"],
            (row["ward"] or {}).get("code"), row["strand"], row["offence_type"], row["channel"])


def hc_relations(fy, wards, strands, offences, channels):
    fyl = fy_label(fy)
    quarters = [f"{fyl} Q{q}" for q in range(1, 5)]
    months = months_of(fy)
    times = [fyl] + quarters + months
    R = lambda t, w=None, o=None, c=None: ("reports", t, w, None, o, c)  # noqa: E731
    F = lambda t, w=None, s=None: ("strand_flags", t, w, s, None, None)  # noqa: E731
    rels = []
    for t in times:
        rels += [(R(t), [R(t, w=w) for w in wards]), (R(t), [R(t, o=o) for o in offences]),
                 (R(t), [R(t, c=c) for c in channels]), (F(t), [F(t, s=s) for s in strands])]
    rows = [{}] + [{"w": w} for w in wards] + [{"o": o} for o in offences] + \
        [{"c": c} for c in channels]
    for mk, kws in ((R, rows), (F, [{}] + [{"s": s} for s in strands])):
        for kw in kws:
            rels.append((mk(fyl, **kw), [mk(q, **kw) for q in quarters]))
            for q in range(4):
                rels.append((mk(quarters[q], **kw), [mk(m, **kw) for m in months[q * 3:q * 3 + 3]]))
    for w in wards:
        rels.append((F(fyl, w=w), [F(fyl, w=w, s=s) for s in strands]))
    for s in [None] + strands:
        rels.append((F(fyl, s=s), [F(fyl, w=w, s=s) for w in wards]))
    return rels


def harvest_hate_crime(api, h, fy, wards_seen, compare):
    """Every grouping of one financial year, with the previous year's cells
    that compare=previous_year shows beside them."""
    grains = [None, "month", "quarter", "financial_year"]
    dims = [[], ["ward"], ["offence_type"], ["channel"], ["strand"], ["ward", "strand"]]
    n = 0
    for g in grains:
        for d in dims:
            if d == ["ward", "strand"] and g not in (None, "financial_year"):
                continue
            params = {"from": fy_label(fy), "to": fy_label(fy)}
            if g or d:
                params["group_by"] = ",".join(([g] if g else []) + d)
            if compare:
                params["compare"] = "previous_year"
            body = get(api, STATS, **params)
            n += 1
            where = f"{STATS} {params}"
            for row in body["data"]:
                h.add(hc_key(row), row["value"], row["suppressed"], where)
                if row["ward"]:
                    wards_seen.add(row["ward"]["code"])
                prev = row.get("previous_year")
                if prev:
                    h.add(hc_key(row, prev["period"]), prev["value"], prev["suppressed"],
                          where + " (previous_year)")
                    if prev.get("change") is not None and (row["value"] is None or
                                                           prev["value"] is None):
                        h.problems.append(f"{where}: a change beside a withheld count: {row}")
    return n


def test_hate_crime_statistics_resist_differencing(api, openapi):
    latest = get(api, STATS)["data"][0]["period"]["label"]
    fy = int(latest[:4])
    h = Harvest()
    wards = set()
    queries = harvest_hate_crime(api, h, fy, wards, compare=True)
    queries += harvest_hate_crime(api, h, fy - 1, wards, compare=False)
    strands = sorted({k[3] for k in h.cells if k[3]})
    offences = sorted({k[4] for k in h.cells if k[4]})
    channels = sorted({k[5] for k in h.cells if k[5]})
    assert len(strands) >= 5 and len(offences) >= 5 and len(channels) >= 5
    rng = random.Random(20231)
    # Each filter on its own: a ward, a strand, an offence type, a channel.
    for w in rng.sample(sorted(wards), 4):
        for g in ("month", "quarter"):
            params = {"from": fy_label(fy), "to": fy_label(fy), "group_by": g, "ward": w}
            for row in get(api, STATS, **params)["data"]:
                h.add(hc_key(row), row["value"], row["suppressed"], f"{STATS} {params}")
            queries += 1
    for name, values in (("strand", strands), ("offence_type", offences), ("channel", channels)):
        for v in rng.sample(values, 2):
            params = {"from": fy_label(fy), "to": fy_label(fy), "group_by": "month", name: v}
            for row in get(api, STATS, **params)["data"]:
                h.add(hc_key(row), row["value"], row["suppressed"], f"{STATS} {params}")
            queries += 1
    # CSV says the same as JSON.
    for params in ({"group_by": "month,ward"}, {"group_by": "ward,strand"}):
        params = dict(params, **{"from": fy_label(fy), "to": fy_label(fy)})
        for row in get_csv(api, STATS, **params):
            key = (row["measure"], row["period_label"], row["ward_code"] or None, row["strand"] or None,
                   row["offence_type"] or None, row["channel"] or None)
            h.add(key, num(row["value"]), row["suppressed"] == "true", f"{STATS} {params} CSV")
        queries += 1
    wl = sorted(wards)
    withheld = 0
    for year in (fy, fy - 1):
        mine = Harvest()
        mine.cells = {k: v for k, v in h.cells.items()
                      if k[1].startswith(fy_label(year)) or k[1] in months_of(year)}
        mine.problems = list(h.problems)
        withheld += audit(mine, hc_relations(year, wl, strands, offences, channels),
                          f"hate-crime statistics {fy_label(year)}")
    assert withheld > 20, "the demo data exercises no suppression: the audit proves nothing"
    assert queries < 120


def test_hate_crime_ranges_are_fixed_cells_only(api, openapi):
    """Random ranges: either refused, or answered with fixed cells only
    (a month, a financial quarter or year, each with its true dates)."""
    latest = int(get(api, STATS)["data"][0]["period"]["label"][:4])
    months = months_of(latest - 1) + months_of(latest)
    rng = random.Random(7)
    refused = 0
    for _ in range(60):
        a, b = sorted(rng.sample(range(len(months)), 2))
        params = {"from": months[a], "to": months[b]}
        if rng.random() < 0.3:
            params["group_by"] = rng.choice(["month", "quarter", "financial_year"])
        if rng.random() < 0.3:
            params["from"] += "-%02d" % rng.randint(1, 28)
        r = api.get(STATS, params=params)
        if r.status_code == 400:
            refused += 1
            continue
        assert r.status_code == 200, r.text[:300]
        for row in r.json()["data"]:
            p = row["period"]
            assert p["kind"] in ("month", "quarter", "financial_year"), (params, p)
            if p["kind"] == "month":
                assert p["label"] in months and p["start"].startswith(p["label"]), (params, p)
            elif p["kind"] == "quarter":
                assert p["label"][-2:] in ("Q1", "Q2", "Q3", "Q4"), (params, p)
    assert refused > 10, "no range was refused: were none of them arbitrary?"


# ---------------------------------------------------------------------------
# demographics
# ---------------------------------------------------------------------------

DEMO = "/v1/demographics"


def all_pages(api, path, params):
    rows, url, first = [], path, True
    while url:
        body = get(api, url, **(params if first else {}))
        rows += body["data"]
        url, first = body["links"]["next"], False
    return rows


def test_demographics_resist_differencing(api, openapi):
    datasets = [d["slug"] for d in get(api, "/v1/demographics/datasets")["data"]]
    chars = {c["code"]: c["categories"] for c in get(api, "/v1/characteristics")["data"]}
    areas = all_pages(api, "/v1/areas", {"limit": 500})
    borough = next(a["code"] for a in areas if a["kind"] == "borough")
    wards = sorted(a["code"] for a in areas if a["kind"] == "ward")
    rng = random.Random(11)
    withheld = queries = 0
    for ds in datasets:
        present = {r["characteristic"] for r in all_pages(api, DEMO, {"dataset": ds, "limit": 500,
                                                                       "area": borough})}
        queries += 1
        for ch in sorted(present):
            h = Harvest()
            base = {"dataset": ds, "characteristic": ch}

            def take(rows, where):
                for r in rows:
                    k = (r["area"]["code"], r["category"]["code"])
                    h.add(k, r["value"], r["suppressed"], where)
                    shares.append((k, r["share"], where))

            shares = []
            take(all_pages(api, DEMO, dict(base, limit=500)), "whole table")
            take(all_pages(api, DEMO, dict(base, limit=500, area_kind="ward")), "wards")
            take(all_pages(api, DEMO, dict(base, area=borough)), "borough")
            for w in rng.sample(wards, 3):
                take(all_pages(api, DEMO, dict(base, area=w)), f"ward {w}")
            cats = chars[ch]
            parents = sorted({c["parent"] for c in cats if c["parent"]})
            for cat in rng.sample([c["code"] for c in cats], min(2, len(cats))) + parents[:2]:
                take(all_pages(api, DEMO, dict(base, category=cat, limit=500)), f"category {cat}")
            csv_rows = get_csv(api, DEMO, **dict(base, area=",".join(wards[:5])))
            for r in csv_rows:
                h.add((r["area_code"], r["category_code"]), num(r["value"]), r["suppressed"] == "true",
                      "CSV")
            queries += 7 + len(parents[:2])
            # Shares come with their count and the area's total, and say
            # nothing more than value / total.
            for (area, cat), share, where in shares:
                if share is None:
                    continue
                v, vs = h.cells[(area, cat)]
                t, ts = h.cells.get((area, "total"), (None, True))
                if vs or ts:
                    h.problems.append(f"{ds} {ch} {area} {cat} ({where}): share {share} "
                                      "beside a withheld count or total")
                elif t and abs(share - v / t) > 0.00006:
                    h.problems.append(f"{ds} {ch} {area} {cat}: share {share} is not {v}/{t}")
            parent = {c["code"]: c["parent"] for c in cats}
            rels = []
            for a in [borough] + wards:
                rels.append(((a, "total"), [(a, c) for c, p in parent.items() if p is None]))
                for p in parents:
                    rels.append(((a, p), [(a, c) for c, pp in parent.items() if pp == p]))
            for c in ["total"] + list(parent):
                rels.append(((borough, c), [(w, c) for w in wards]))
            withheld += audit(h, rels, f"demographics {ds} {ch}")
    assert withheld > 0, "no demographic cell is withheld: the audit proves nothing"
    assert queries < 300


# ---------------------------------------------------------------------------
# workforce
# ---------------------------------------------------------------------------

PROFILE = "/v1/workforce/profile"


def test_workforce_profile_resists_differencing(api, openapi):
    snaps = get(api, "/v1/workforce/snapshots")
    grades = [g["code"] for g in snaps["meta"]["grade_bands"]]
    employee = [s for s in snaps["data"] if s["pay_basis"] == "employee_rows"]
    assert employee, "no snapshot with a profile"
    withheld = queries = 0
    rng = random.Random(5)
    for snap in employee:
        as_of = snap["as_of"]
        dirs = snap["directorates"]
        h = Harvest()

        def take(rows, where):
            for r in rows:
                k = (r["as_of"], r["characteristic"], r["directorate"], r["grade_band"],
                     r["category"]["code"])
                h.add(k, r["value"], r["suppressed"], where)
                prev = r.get("previous")
                if prev:
                    pk = (prev["as_of"],) + k[1:]
                    h.add(pk, prev["value"], prev["suppressed"], where + " (previous)")
                    if prev.get("change_value") is not None and (r["value"] is None or
                                                                 prev["value"] is None):
                        h.problems.append(f"{where}: change beside a withheld count {k}")
                if r.get("share") is not None and r["value"] is None:
                    h.problems.append(f"{where}: share of a withheld count {k}")

        for g in ("", "directorate", "grade_band"):
            params = {"as_of": as_of, "compare": "previous"}
            if g:
                params["group_by"] = g
            take(get(api, PROFILE, **params)["data"], f"{PROFILE} {params}")
            queries += 1
        for d in rng.sample(dirs, 2):
            take(get(api, PROFILE, as_of=as_of, directorate=d)["data"], f"directorate {d}")
        for g in rng.sample(grades, 2):
            take(get(api, PROFILE, as_of=as_of, grade_band=g)["data"], f"grade band {g}")
        queries += 4
        chars = sorted({k[1] for k in h.cells})
        for ch in chars:
            for r in get_csv(api, PROFILE, as_of=as_of, characteristic=ch, group_by="grade_band"):
                k = (r["as_of"], ch, r["directorate"] or None, r["grade_band"] or None,
                     r["category"])
                h.add(k, num(r["value"]), r["suppressed"] == "true", "CSV")
            queries += 1
        rels = []
        for ch in chars:
            cats = sorted({k[4] for k in h.cells if k[0] == as_of and k[1] == ch and k[4] != "total"})
            for d in [None] + dirs:
                rels.append(((as_of, ch, d, None, "total"), [(as_of, ch, d, None, c) for c in cats]))
            for g in grades:
                rels.append(((as_of, ch, None, g, "total"), [(as_of, ch, None, g, c) for c in cats]))
            for c in cats + ["total"]:
                rels.append(((as_of, ch, None, None, c), [(as_of, ch, d, None, c) for d in dirs]))
                rels.append(((as_of, ch, None, None, c), [(as_of, ch, None, g, c) for g in grades]))
        # Headcounts are shared by every characteristic's table: the same
        # total under every characteristic.
        for k, v in h.cells.items():
            if k[4] == "total" and k[0] == as_of:
                other = h.cells.get((as_of, chars[0]) + k[2:])
                if other is not None and other != v:
                    h.problems.append(f"headcount {k} differs between characteristics")
        mine = Harvest()
        mine.cells = {k: v for k, v in h.cells.items() if k[0] == as_of}
        mine.problems = h.problems
        withheld += audit(mine, rels, f"workforce profile {as_of}")
    assert withheld > 0, "no workforce cell is withheld: the audit proves nothing"
    assert queries < 60


def test_representation_publishes_ratios_only_of_published_shares(api, openapi):
    snaps = get(api, "/v1/workforce/snapshots")["data"]
    chars = sorted({r["characteristic"] for r in get(api, PROFILE)["data"]})
    for s in snaps:
        if s["pay_basis"] != "employee_rows":
            continue
        for ch in chars:
            r = api.get("/v1/workforce/representation", params={"as_of": s["as_of"],
                                                                 "characteristic": ch})
            if r.status_code != 200:
                continue
            for row in r.json()["data"]:
                if row["workforce_share"] is None or row["resident_share"] is None:
                    assert row["ratio"] is None, row
                if row["workforce_suppressed"]:
                    assert row["workforce_share"] is None, row
                if row["resident_suppressed"]:
                    assert row["resident_share"] is None, row


# ---------------------------------------------------------------------------
# partner returns summary
# ---------------------------------------------------------------------------

def test_returns_summary_resists_differencing(api, openapi, keys):
    windows = api.get("/v1/return-windows", params={"limit": 500},
                      headers=auth(keys["council_all"])).json()["data"]
    assert windows
    seen_published = False
    for w in windows:
        h = Harvest()
        body = get(api, "/v1/returns/summary", window=w["id"])
        for r in body["data"]:
            h.add((r["characteristic"], r["category"]), r["value"], r["suppressed"], "JSON")
        for r in get_csv(api, "/v1/returns/summary", window=w["id"]):
            h.add((r["characteristic"], r["category"]), num(r["value"]),
                  r["suppressed"] == "true", "CSV")
        partners = body["meta"]["partners_contributing"]
        if partners < body["meta"]["minimum_partners"]:
            assert all(s for _, s in h.cells.values()), \
                f"window {w['id']}: {partners} partners, yet something is published"
            continue
        seen_published = True
        rels = []
        for ch in sorted({k[0] for k in h.cells}):
            rels.append(((ch, "total"), [k for k in h.cells if k[0] == ch and k[1] != "total"]))
        audit(h, rels, f"returns summary {w['period']}")
    assert seen_published, "no window publishes a summary: the audit proves nothing"
