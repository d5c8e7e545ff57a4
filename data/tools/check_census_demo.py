#!/usr/bin/env python3
"""Independent checker for the demo data set in data/.

Re-reads data/areas.csv, data/characteristics.csv, data/categories.csv,
data/datasets.csv and every file listed in data/census/manifest.csv with the
csv module (it shares no code with generate_census_demo.py) and checks the
schemas, the additivity rules and the published Barnet figures.

    /usr/bin/python3 data/tools/check_census_demo.py

Prints every failure found and exits 1 if there is any, 0 otherwise.
"""

import csv
import os
import re
import sys
from fractions import Fraction

DATA = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BOROUGH = "E09000003"

failures = []


def check(cond, msg):
    if not cond:
        failures.append(msg)
    return cond


def read(path):
    with open(os.path.join(DATA, path), newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    return rows[0], rows[1:]


def dicts(path):
    header, rows = read(path)
    return header, [dict(zip(header, r)) for r in rows if r]


def pct_rounds_to(count, base, target_tenths):
    """count/base as a percentage, rounded half up to 1 dp, == target."""
    x = Fraction(count * 1000, base)          # tenths of a per cent
    return Fraction(2 * target_tenths - 1, 2) <= x < Fraction(2 * target_tenths + 1, 2)


# ---------------------------------------------------------------------------
# Reference catalogue
# ---------------------------------------------------------------------------
h, areas = dicts("areas.csv")
check(h == ["code", "name", "kind", "parent_code"], "areas.csv header %r" % h)
wards = [a for a in areas if a["kind"] == "ward"]
check(len(wards) == 24, "areas.csv: %d wards" % len(wards))
check([a["code"] for a in areas if a["kind"] == "borough"] == [BOROUGH], "areas.csv: borough")
area_name = {a["code"]: a["name"] for a in areas}
ward_codes = [w["code"] for w in wards]
ward_by_name = {w["name"]: w["code"] for w in wards}

h, chars = dicts("characteristics.csv")
check(h == ["code", "name", "protected_characteristic", "census_prefix",
            "census_total_heading", "universe", "sort_order"],
      "characteristics.csv header %r" % h)
expected_pc = {
    "age": "Age", "disability": "Disability",
    "gender_identity": "Gender reassignment",
    "legal_partnership": "Marriage and civil partnership",
    "pregnancy_maternity": "Pregnancy and maternity", "ethnicity": "Race",
    "religion": "Religion or belief", "sex": "Sex",
    "sexual_orientation": "Sexual orientation",
}
char = {c["code"]: c for c in chars}
check(len(char) == len(chars) == 9, "characteristics.csv: 9 unique codes")
check(set(char) == set(expected_pc), "characteristics.csv codes %r" % sorted(char))
for code, c in char.items():
    check(c["protected_characteristic"] == expected_pc.get(code),
          "%s: protected_characteristic %r" % (code, c["protected_characteristic"]))
    check(c["universe"] in ("All usual residents", "Usual residents aged 16 and over"),
          "%s: universe %r" % (code, c["universe"]))
    check(re.fullmatch(r"-?\d+", c["sort_order"]) is not None, "%s: sort_order" % code)
    check(bool(c["name"]), "%s: empty name" % code)
    check(bool(c["census_prefix"]) == (code != "pregnancy_maternity"),
          "%s: census_prefix %r" % (code, c["census_prefix"]))
    check(bool(c["census_total_heading"]) == bool(c["census_prefix"]),
          "%s: census_total_heading" % code)
    check(": " not in c["census_prefix"], "%s: prefix contains ': '" % code)
check(len({c["sort_order"] for c in chars}) == 9, "characteristics sort_order not unique")

h, catrows = dicts("categories.csv")
check(h == ["characteristic", "code", "name", "parent", "sort_order", "census_heading"],
      "categories.csv header %r" % h)
cats = {}
for r in catrows:
    check(r["characteristic"] in char, "category of unknown characteristic %r" % r["characteristic"])
    cats.setdefault(r["characteristic"], []).append(r)
expected_counts = {"ethnicity": 24, "religion": 9, "sex": 2, "disability": 6, "age": 18,
                   "sexual_orientation": 5, "gender_identity": 6, "legal_partnership": 5,
                   "pregnancy_maternity": 3}
for ch, n in expected_counts.items():
    lst = cats.get(ch, [])
    check(len(lst) == n, "%s: %d categories, expected %d" % (ch, len(lst), n))
    codes = [r["code"] for r in lst]
    check(len(set(codes)) == len(codes), "%s: duplicate category codes" % ch)
    by = {r["code"]: r for r in lst}
    orders = [int(r["sort_order"]) for r in lst]
    check(len(set(orders)) == len(orders), "%s: duplicate sort_order" % ch)
    for r in lst:
        check(re.fullmatch(r"[a-z][a-z0-9]*(_[a-z0-9]+)*", r["code"]) is not None,
              "%s: bad code %r" % (ch, r["code"]))
        check(r["code"] != "total", "%s: code 'total' is reserved" % ch)
        check(bool(r["name"]), "%s.%s: empty name" % (ch, r["code"]))
        if r["parent"]:
            p = by.get(r["parent"])
            if check(p is not None, "%s.%s: unknown parent" % (ch, r["code"])):
                check(not p["parent"], "%s.%s: parent is not top level" % (ch, r["code"]))
                check(int(p["sort_order"]) < int(r["sort_order"]),
                      "%s.%s: sorts before its parent" % (ch, r["code"]))
                if r["census_heading"]:
                    check(r["census_heading"].startswith(p["census_heading"] + ": "),
                          "%s.%s: heading does not extend the parent's" % (ch, r["code"]))
        check(bool(r["census_heading"]) == (ch != "pregnancy_maternity"),
              "%s.%s: census_heading presence" % (ch, r["code"]))
eth = {r["code"]: r["parent"] for r in cats.get("ethnicity", [])}
expected_eth = {
    "asian": "", "black": "", "mixed": "", "white": "", "other": "",
    "asian_bangladeshi": "asian", "asian_chinese": "asian", "asian_indian": "asian",
    "asian_pakistani": "asian", "asian_other": "asian", "black_african": "black",
    "black_caribbean": "black", "black_other": "black", "mixed_white_asian": "mixed",
    "mixed_white_black_african": "mixed", "mixed_white_black_caribbean": "mixed",
    "mixed_other": "mixed", "white_british": "white", "white_irish": "white",
    "white_gypsy_irish_traveller": "white", "white_roma": "white", "white_other": "white",
    "other_arab": "other", "other_any": "other",
}
check(eth == expected_eth, "ethnicity codes/parents differ from the brief")
dis = {r["code"]: r["parent"] for r in cats.get("disability", [])}
check(dis == {"disabled": "", "disabled_limited_a_lot": "disabled",
              "disabled_limited_a_little": "disabled", "not_disabled": "",
              "not_disabled_with_condition": "not_disabled",
              "not_disabled_no_condition": "not_disabled"}, "disability codes")
check([r["code"] for r in sorted(cats.get("age", []), key=lambda r: int(r["sort_order"]))] ==
      ["age_%d_%d" % (i, i + 4) for i in range(0, 85, 5)] + ["age_85_plus"], "age codes")
check({r["code"] for r in cats.get("sexual_orientation", [])} ==
      {"straight", "gay_lesbian", "bisexual", "other_orientation", "not_answered"},
      "sexual orientation codes")
check({r["code"] for r in cats.get("sex", [])} == {"female", "male"}, "sex codes")
check({r["code"] for r in cats.get("pregnancy_maternity", [])} ==
      {"pregnant", "maternity_leave", "neither"}, "pregnancy codes")

h, datasets = dicts("datasets.csv")
check(h == ["slug", "title", "publisher", "source_url", "release_date", "reference_date",
            "official", "licence", "notes", "population", "subset_of"], "datasets.csv header %r" % h)
WA = "census-2021-demo-working-age"
check([d["slug"] for d in datasets] == ["census-2021-demo", WA], "datasets.csv rows")
check([d["population"] for d in datasets] == ["all_usual_residents", "working_age_16_64"],
      "datasets.csv populations")
for d in datasets:
    check(d["official"] == "false", "dataset must be official=false")
    check(d["reference_date"] == "2021-03-21", "reference_date")
    check(re.fullmatch(r"\d{4}-\d{2}-\d{2}", d["release_date"]) is not None, "release_date")
    check("illustrative" in d["notes"].lower() and "synthetic" in d["notes"].lower(),
          "notes must say the data are illustrative / synthetic")

# ---------------------------------------------------------------------------
# Census tables
# ---------------------------------------------------------------------------
h, manifest = dicts("census/manifest.csv")
check(h == ["file", "dataset"], "manifest.csv header %r" % h)
FILES = {
    "ts021-ethnicity.csv": "ethnicity", "ts030-religion.csv": "religion",
    "ts008-sex.csv": "sex", "ts007a-age.csv": "age", "ts038-disability.csv": "disability",
    "ts077-sexual-orientation.csv": "sexual_orientation",
    "ts078-gender-identity.csv": "gender_identity",
}
WA_FILES = {"wa-" + f: ch for f, ch in FILES.items()
            if ch in ("ethnicity", "religion", "sex", "disability", "sexual_orientation")}
check(sorted(m["file"] for m in manifest if m["dataset"] == "census-2021-demo") == sorted(FILES),
      "manifest files %r" % manifest)
check(sorted(m["file"] for m in manifest if m["dataset"] == WA) == sorted(WA_FILES),
      "manifest working-age files %r" % manifest)
check(all(m["dataset"] in ("census-2021-demo", WA) for m in manifest), "manifest dataset")
wa_tables = {}  # the working-age data set, checked below

tables = {}     # characteristic -> {area code: {category code or 'total': int}}
for m in manifest:
    fname = m["file"]
    ch = FILES.get(fname) or WA_FILES.get(fname)
    if ch is None:
        continue
    c = char[ch]
    lst = sorted([r for r in cats[ch] if r["census_heading"]], key=lambda r: int(r["sort_order"]))
    codes = [r["code"] for r in lst]
    expect = (["date", "geography", "geography code",
               "%s: %s" % (c["census_prefix"], c["census_total_heading"])]
              + ["%s: %s" % (c["census_prefix"], r["census_heading"]) for r in lst])
    header, rows = read("census/" + fname)
    check(header == expect, "%s: header differs from the catalogue" % fname)
    data = {}
    for r in rows:
        if not check(len(r) == len(expect), "%s: row of %d fields" % (fname, len(r))):
            continue
        date, geo, code = r[:3]
        check(date == "2021", "%s %s: date %r" % (fname, code, date))
        check(area_name.get(code) == geo, "%s: %s is not %r" % (fname, code, geo))
        check(code not in data, "%s: %s twice" % (fname, code))
        vals = {}
        for k, v in zip(["total"] + codes, r[3:]):
            if check(re.fullmatch(r"\d+", v) is not None,
                     "%s %s %s: %r is not a non-negative integer" % (fname, code, k, v)):
                vals[k] = int(v)
        data[code] = vals
    check(set(data) == {BOROUGH} | set(ward_codes), "%s: not borough + 24 wards" % fname)
    top = [r["code"] for r in lst if not r["parent"]]
    kids = {}
    for r in lst:
        if r["parent"]:
            kids.setdefault(r["parent"], []).append(r["code"])
    for code, v in data.items():
        if len(v) != len(codes) + 1:
            continue
        check(v["total"] == sum(v[k] for k in top), "%s %s: total != top level" % (fname, code))
        for p, ks in kids.items():
            check(v[p] == sum(v[k] for k in ks), "%s %s: %s != children" % (fname, code, p))
    if set(data) == {BOROUGH} | set(ward_codes):
        for k in ["total"] + codes:
            check(data[BOROUGH].get(k) == sum(data[w].get(k, 0) for w in ward_codes),
                  "%s: borough %s != sum of wards" % (fname, k))
    if fname in WA_FILES:
        wa_tables[ch] = data
    else:
        tables[ch] = data

if failures:
    print("\n".join("FAIL: " + f for f in failures))
    sys.exit(1)

# Cross-table consistency.
T = {a: tables["ethnicity"][a]["total"] for a in tables["ethnicity"]}
for ch in ("religion", "sex", "age", "disability"):
    check(all(tables[ch][a]["total"] == T[a] for a in T), "%s totals differ from ethnicity" % ch)
T16 = {a: tables["sexual_orientation"][a]["total"] for a in T}
check(all(tables["gender_identity"][a]["total"] == T16[a] for a in T),
      "TS077 and TS078 16+ totals differ")
for a in T:
    ag = tables["age"][a]
    aged20 = sum(v for k, v in ag.items() if k.startswith("age_")
                 and k not in ("age_0_4", "age_5_9", "age_10_14", "age_15_19"))
    check(aged20 <= T16[a] <= aged20 + ag["age_15_19"] < T[a],
          "%s: 16+ total %d not between aged 20+ (%d) and aged 15+" % (a, T16[a], aged20))
for w in ward_codes:
    check(14_000 <= T[w] <= 19_000, "%s population %d" % (w, T[w]))

# Published borough figures.
n, n16 = T[BOROUGH], T16[BOROUGH]
check(n == 389_344, "borough usual residents %d" % n)
check((n + 50) // 100 * 100 == 389_300, "usual residents do not round to 389,300")
d = tables["disability"][BOROUGH]
check(pct_rounds_to(d["disabled"], n, 128), "disabled share not 12.8%")
check(pct_rounds_to(d["disabled_limited_a_lot"], n, 57), "limited a lot not 5.7%")
check(pct_rounds_to(d["disabled_limited_a_little"], n, 71), "limited a little not 7.1%")
check(tables["religion"][BOROUGH]["jewish"] == 56_616, "Jewish not 56,616")
e = tables["ethnicity"][BOROUGH]
check(pct_rounds_to(e["asian"] + e["black"] + e["mixed"] + e["other"], n, 423),
      "non-White share not 42.3%")
s = tables["sexual_orientation"][BOROUGH]
lgb = s["gay_lesbian"] + s["bisexual"] + s["other_orientation"]
check(lgb == 8_633, "LGB+ %d not 8,633" % lgb)
check(pct_rounds_to(lgb, n16, 28), "LGB+ not 2.8% of 16+")
g = tables["gender_identity"][BOROUGH]
gd = sum(v for k, v in g.items() if k not in ("total", "same_as_sex_at_birth", "not_answered"))
check(gd == 2_550, "gender identity different %d not 2,550" % gd)
check(pct_rounds_to(gd, n16, 8), "gender identity different not 0.8% of 16+")

# Plausible synthetic wards.
def share(ch, cat, ward_name):
    w = ward_by_name[ward_name]
    return tables[ch][w][cat] / tables[ch][w]["total"]

jewish_rank = sorted(ward_by_name, key=lambda nm: -share("religion", "jewish", nm))
for nm in ("Golders Green", "Garden Suburb", "Edgwarebury", "Hendon", "Finchley Church End"):
    check(nm in jewish_rank[:7], "Jewish residents not concentrated in %s" % nm)
for nm in ("Colindale North", "Colindale South", "Burnt Oak", "West Hendon"):
    for grp in ("black", "asian"):
        check(share("ethnicity", grp, nm) > e[grp] / n, "%s share in %s not above Barnet's" % (grp, nm))

# Statistical disclosure control has small and zero cells to work on.
def ward_cells(ch, keys=None):
    return [v for w in ward_codes for k, v in tables[ch][w].items()
            if k != "total" and (keys is None or k in keys)]
small = lambda vals: sum(1 for v in vals if 1 <= v <= 4)
check(small(ward_cells("ethnicity", {"white_gypsy_irish_traveller", "white_roma"})) >= 2,
      "no small Gypsy/Roma ward cells")
check(small(ward_cells("gender_identity", {"trans_woman", "trans_man", "other_gender_identity"})) >= 3,
      "no small trans ward cells")
check(small(ward_cells("religion")) >= 2, "no small religion ward cells")
zeros = sum(1 for ch in tables for v in ward_cells(ch) if v == 0)
check(zeros >= 3, "only %d zero ward cells" % zeros)

# The working-age data set (generate_working_age_demo.py): the same areas,
# one 16-64 total per area in every table, no more than the universe it
# was scaled from, and at least the age bands 20-24 to 60-64.
for ch, data in wa_tables.items():
    for a in T:
        wt = data[a]["total"]
        check(wt == wa_tables["sex"][a]["total"], "wa %s %s: total differs from sex" % (ch, a))
        base = T16[a] if ch == "sexual_orientation" else T[a]
        ag = tables["age"][a]
        core = sum(ag["age_%d_%d" % (i, i + 4)] for i in range(20, 65, 5))
        check(core <= wt <= core + ag["age_15_19"] and wt <= base,
              "wa %s %s: 16-64 total %d out of range" % (ch, a, wt))

if failures:
    print("\n".join("FAIL: " + f for f in failures))
    sys.exit(1)
print("check_census_demo: OK: %d tables, %d areas each; usual residents %d, aged 16+ %d; "
      "disabled %d, Jewish %d, non-White %d, LGB+ %d, gender identity different %d"
      % (len(tables), len(T), n, n16, d["disabled"], tables["religion"][BOROUGH]["jewish"],
         e["asian"] + e["black"] + e["mixed"] + e["other"], lgb, gd))
