#!/usr/bin/env python3
"""Generate the ILLUSTRATIVE working-age (16 to 64) demo tables for Barnet.

Stdlib only, deterministic (no randomness).  Run from anywhere, after
generate_census_demo.py:

    /usr/bin/python3 data/tools/generate_working_age_demo.py

What it does
------------
It derives the data set census-2021-demo-working-age (universe: usual
residents aged 16 to 64) FROM the all-residents demo files in data/census/,
for the characteristics the workforce representation compares (sex, ethnicity,
disability, religion, sexual orientation), and writes data/census/wa-*.csv in
the same ONS bulk layout and with the same column headings (the universe is
stated in the data set's title and notes in data/datasets.csv).

For each ward, the number of residents aged 16 to 64 is taken from the age
table (TS007A): the bands 20-24 to 60-64 plus four fifths of the 15-19 band,
rounded half up.  Each of the ward's counts is then scaled by the ward's
16-64 share (16-64 over all usual residents; over residents aged 16 and over
for sexual orientation, whose table covers only them), so every category keeps
its all-residents share; the scaled values are rounded to integers with the
largest-remainder method, top-level categories to the ward's 16-64 total and
children to their parent, so that total = sum of the top-level categories and
parent = sum of its children hold exactly.  The borough row is the sum of the
ward rows.  These are NOT Census results: the real Census does not publish
these tables for ages 16 to 64, and the demo assumes the shares do not vary
with age.  The arithmetic is checked before any file is written; a failure
aborts with exit status 1.
"""

import csv
import os
import sys
from fractions import Fraction

DATASET = "census-2021-demo-working-age"
SOURCE_DATASET = "census-2021-demo"
BOROUGH_CODE = "E09000003"

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.dirname(HERE)
CENSUS = os.path.join(DATA, "census")

# source file, output file, characteristic; the manifest lists them in this order.
TABLES = [
    ("ts021-ethnicity.csv", "wa-ts021-ethnicity.csv", "ethnicity"),
    ("ts030-religion.csv", "wa-ts030-religion.csv", "religion"),
    ("ts008-sex.csv", "wa-ts008-sex.csv", "sex"),
    ("ts038-disability.csv", "wa-ts038-disability.csv", "disability"),
    ("ts077-sexual-orientation.csv", "wa-ts077-sexual-orientation.csv", "sexual_orientation"),
]
AGE_FILE = "ts007a-age.csv"
WORKING_BANDS = ["age_%d_%d" % (i, i + 4) for i in range(20, 65, 5)]


def read(path):
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    return rows[0], [r for r in rows[1:] if r]


def catalogue():
    _, chars = read(os.path.join(DATA, "characteristics.csv"))
    chars = {r[0]: {"prefix": r[3], "total": r[4]} for r in chars}
    h, cats = read(os.path.join(DATA, "categories.csv"))
    cats = [dict(zip(h, r)) for r in cats]
    return chars, cats


def table(fname, ch, chars, cats):
    """{area: {category code or 'total': int}}, the header, rows' (date, name)."""
    header, rows = read(os.path.join(CENSUS, fname))
    prefix = chars[ch]["prefix"]
    by_heading = {"%s: %s" % (prefix, c["census_heading"]): c["code"]
                  for c in cats if c["characteristic"] == ch and c["census_heading"]}
    by_heading["%s: %s" % (prefix, chars[ch]["total"])] = "total"
    keys = []
    for h in header[3:]:
        if h not in by_heading:
            sys.exit("%s: unknown heading %r" % (fname, h))
        keys.append(by_heading[h])
    data, names = {}, {}
    for r in rows:
        data[r[2]] = dict(zip(keys, (int(v) for v in r[3:])))
        names[r[2]] = (r[0], r[1])
    return header, keys, data, names


def apportion(target, weights):
    """Integers summing to target, proportional to weights (largest remainder;
    ties go to the earlier item)."""
    total = sum(weights)
    if total == 0:
        if target != 0:
            sys.exit("cannot apportion %d over zero weights" % target)
        return [0] * len(weights)
    quotas = [Fraction(target * w, total) for w in weights]
    out = [q.numerator // q.denominator for q in quotas]
    rest = target - sum(out)
    order = sorted(range(len(weights)), key=lambda i: (-(quotas[i] - out[i]), i))
    for i in order[:rest]:
        out[i] += 1
    return out


def main():
    chars, cats = catalogue()
    _, _, age, _ = table(AGE_FILE, "age", chars, cats)
    wards = [a for a in age if a != BOROUGH_CODE]
    working = {}
    for w in wards:
        x = Fraction(4 * age[w]["age_15_19"], 5) + sum(age[w][b] for b in WORKING_BANDS)
        working[w] = int(x + Fraction(1, 2))        # half up
    failures = []
    outputs = []
    for src, dst, ch in TABLES:
        header, keys, data, names = table(src, ch, chars, cats)
        lst = [c for c in cats if c["characteristic"] == ch and c["census_heading"]]
        parent = {c["code"]: c["parent"] for c in lst}
        top = [k for k in keys if k != "total" and not parent[k]]
        out = {}
        for w in wards:
            v = data[w]
            new = {"total": working[w]}
            for k, n in zip(top, apportion(working[w], [v[k] for k in top])):
                new[k] = n
            for p in top:
                kids = [k for k in keys if k != "total" and parent[k] == p]
                if not kids:
                    continue
                for k, n in zip(kids, apportion(new[p], [v[k] for k in kids])):
                    new[k] = n
            out[w] = new
        out[BOROUGH_CODE] = {k: sum(out[w][k] for w in wards) for k in keys}
        # Check the arithmetic.
        for a, v in out.items():
            if v["total"] != sum(v[k] for k in top):
                failures.append("%s %s: total != top level" % (dst, a))
            for p in top:
                kids = [k for k in keys if k != "total" and parent[k] == p]
                if kids and v[p] != sum(v[k] for k in kids):
                    failures.append("%s %s: %s != children" % (dst, a, p))
            if any(v[k] < 0 for k in keys):
                failures.append("%s %s: negative count" % (dst, a))
            if a != BOROUGH_CODE and v["total"] > data[a]["total"]:
                failures.append("%s %s: more working-age residents than in the universe" % (dst, a))
        rows = [[names[a][0], names[a][1], a] + [str(out[a][k]) for k in keys] for a in data]
        outputs.append((dst, header, rows))
    if failures:
        print("\n".join("FAIL: " + f for f in failures))
        sys.exit(1)
    for dst, header, rows in outputs:
        with open(os.path.join(CENSUS, dst), "w", newline="", encoding="utf-8") as f:
            wr = csv.writer(f, lineterminator="\n")
            wr.writerow(header)
            wr.writerows(rows)
    # The manifest: the all-residents files, then these.
    mpath = os.path.join(CENSUS, "manifest.csv")
    mh, mrows = read(mpath)
    mrows = [r for r in mrows if r[1] != DATASET] + [[dst, DATASET] for _, dst, _ in TABLES]
    with open(mpath, "w", newline="", encoding="utf-8") as f:
        wr = csv.writer(f, lineterminator="\n")
        wr.writerow(mh)
        wr.writerows(mrows)
    b = sum(working.values())
    print("generate_working_age_demo: %d tables, %d areas each; residents aged 16 to 64 %d"
          % (len(TABLES), len(wards) + 1, b))


if __name__ == "__main__":
    main()
