#!/usr/bin/python3
"""Write data/hate-crime/reports.csv: ILLUSTRATIVE hate-crime reports for
Barnet, February 2023 to July 2024 (18 months).

Shaped on one published figure: the Metropolitan Police recorded 1,153 hate
crime incidents in Barnet in the year to July 2024, and 818 in the year
before (figures quoted by Barnet Council). So:

  * police-feed: exactly 1,153 reports occurring August 2023 to July 2024,
    and 409 for February to July 2023 (half of 818: the months of the
    earlier year that fall in the window). All of them active.
  * reporting-centre-north and reporting-centre-west: about 10% more, a
    third of which are crimes the police also recorded (same
    police_reference, so the statistics count them once); a few withdrawn.

Everything else is synthetic: the monthly shape (a summer rise, and a sharp
rise in religiously motivated incidents in October and November 2023), the
strand mix (race most, then religion, sexual orientation, disability,
transgender identity; about 8% of reports with more than one strand), the
ward weights, the offence types and channels, and every reference. No
report describes a real incident.

Stdlib only and deterministic (fixed seed): running it again gives a
byte-identical file. Checks its own output and writes nothing (exit 1) if a
check fails.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import random
import sys
from collections import Counter

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "data", "hate-crime", "reports.csv")
SEED = 20240731

MONTHS = [(2023, m) for m in range(2, 13)] + [(2024, m) for m in range(1, 8)]
POLICE_YEAR_TOTAL = 1153          # Aug 2023 - Jul 2024, published
POLICE_EARLIER_TOTAL = 818 * 6 // 12   # Feb - Jul 2023: half of the 818 of Aug 2022 - Jul 2023

# Relative monthly weights (a mild summer rise; Oct-Nov 2023 spike).
MONTH_WEIGHT = {1: 0.90, 2: 0.88, 3: 0.95, 4: 0.98, 5: 1.05, 6: 1.10, 7: 1.12,
                8: 1.05, 9: 1.00, 10: 1.00, 11: 0.98, 12: 0.90}
SPIKE = {(2023, 10): 1.75, (2023, 11): 1.45, (2023, 12): 1.10}

STRANDS = ["race", "religion", "sexual_orientation", "disability", "transgender_identity", "other"]
STRAND_WEIGHT = {"race": 58, "religion": 22, "sexual_orientation": 10, "disability": 5,
                 "transgender_identity": 3, "other": 2}
SPIKE_RELIGION_WEIGHT = 48      # religion's weight in Oct-Nov 2023
MULTI_STRAND_SHARE = 0.08
OTHER_REASONS = ["Targeted for their occupation", "Targeted as an asylum seeker",
                 "Targeted for their appearance", "Targeted as a homeless person"]

OFFENCE_WEIGHT = {"public_order": 40, "violence_against_the_person": 30, "harassment": 12,
                  "criminal_damage": 10, "online": 5, "other": 3}
CENTRE_CHANNEL_WEIGHT = {"in_person": 30, "telephone": 25, "online_form": 35, "third_party_centre": 10}

# Ward weights: town centres, transport hubs and denser wards see more.
WARD_WEIGHT = {
    "E05013628": 3, "E05013629": 3, "E05013630": 7, "E05013631": 5, "E05013632": 6,
    "E05013633": 6, "E05013634": 5, "E05013635": 3, "E05013636": 4, "E05013637": 5,
    "E05013638": 4, "E05013639": 5, "E05013640": 3, "E05013641": 4, "E05013642": 9,
    "E05013643": 6, "E05013644": 4, "E05013645": 3, "E05013646": 3, "E05013647": 3,
    "E05013648": 3, "E05013649": 7, "E05013650": 3, "E05013651": 4,
}
# Religiously motivated incidents concentrate where the Jewish community lives.
RELIGION_WARD_BOOST = {"E05013642": 3.0, "E05013631": 1.8, "E05013639": 1.6,
                       "E05013638": 1.6, "E05013644": 1.5, "E05013641": 1.4}
UNKNOWN_SHARE = 0.025
OUTSIDE_SHARE = 0.01

CENTRE_SHARE = 0.10             # centres add about 10% to the police count
CENTRE_DUPLICATE_SHARE = 1 / 3  # of centre reports, crimes the police also recorded
CENTRE_WITHDRAWN_SHARE = 0.05
CENTRES = ["reporting-centre-north", "reporting-centre-west"]
WITHDRAWN_REASONS = ["Submitted twice by mistake", "Victim asked for the report to be withdrawn",
                     "Not a hate incident on review"]

VICTIM_BY_STRAND = {
    "race": [("ethnicity", "black_african"), ("ethnicity", "black_caribbean"),
             ("ethnicity", "asian_indian"), ("ethnicity", "asian_pakistani"),
             ("ethnicity", "white_other"), ("ethnicity", "other_arab"),
             ("ethnicity", "asian_chinese"), ("ethnicity", "white_gypsy_irish_traveller")],
    "religion": [("religion", "jewish")] * 6 + [("religion", "muslim")] * 3 + [("religion", "hindu")],
    "sexual_orientation": [("sexual_orientation", "gay_lesbian"), ("sexual_orientation", "bisexual")],
    "disability": [("disability", "disabled_limited_a_lot"), ("disability", "disabled_limited_a_little")],
    "transgender_identity": [("gender_identity", "trans_woman"), ("gender_identity", "trans_man")],
}
VICTIM_DETAIL_SHARE = 0.6

COLUMNS = ["organisation", "submitter_reference", "police_reference", "occurred_from",
           "occurred_to", "reported_on", "location", "ward_code", "strands",
           "other_strand_reason", "offence_type", "channel", "victim", "suspect",
           "created_at", "status", "withdrawn_reason", "withdrawn_at"]


def weighted(rng: random.Random, weights: dict):
    keys = list(weights)
    return rng.choices(keys, [weights[k] for k in keys])[0]


def apportion(total: int, weights: list[float]) -> list[int]:
    """Integers proportional to weights summing exactly to total."""
    s = sum(weights)
    raw = [total * w / s for w in weights]
    out = [int(x) for x in raw]
    for i in sorted(range(len(raw)), key=lambda i: raw[i] - out[i], reverse=True)[:total - sum(out)]:
        out[i] += 1
    return out


def month_weight(y: int, m: int) -> float:
    return MONTH_WEIGHT[m] * SPIKE.get((y, m), 1.0)


def police_counts() -> dict:
    earlier = [ym for ym in MONTHS if ym < (2023, 8)]
    year = [ym for ym in MONTHS if ym >= (2023, 8)]
    counts = dict(zip(earlier, apportion(POLICE_EARLIER_TOTAL, [month_weight(*ym) for ym in earlier])))
    counts.update(zip(year, apportion(POLICE_YEAR_TOTAL, [month_weight(*ym) for ym in year])))
    return counts


def pick_strands(rng: random.Random, ym) -> list[str]:
    weights = dict(STRAND_WEIGHT)
    if ym in ((2023, 10), (2023, 11)):
        weights["religion"] = SPIKE_RELIGION_WEIGHT
    first = weighted(rng, weights)
    strands = [first]
    if rng.random() < MULTI_STRAND_SHARE:
        rest = {k: v for k, v in weights.items() if k not in strands and k != "other"}
        # Race and religion together is the commonest combination.
        if first in ("race", "religion"):
            rest["religion" if first == "race" else "race"] = 60
        strands.append(weighted(rng, rest))
    return sorted(strands, key=STRANDS.index)


def pick_location(rng: random.Random, strands: list[str]):
    r = rng.random()
    if r < UNKNOWN_SHARE:
        return "unknown", ""
    if r < UNKNOWN_SHARE + OUTSIDE_SHARE:
        return "outside_borough", ""
    weights = dict(WARD_WEIGHT)
    if "religion" in strands:
        for code, boost in RELIGION_WARD_BOOST.items():
            weights[code] *= boost
    return "ward", weighted(rng, weights)


def day_in_month(rng: random.Random, y: int, m: int) -> dt.date:
    first = dt.date(y, m, 1)
    nxt = dt.date(y + (m == 12), m % 12 + 1, 1)
    return first + dt.timedelta(days=rng.randrange((nxt - first).days))


def victims(rng: random.Random, strands: list[str]) -> str:
    if rng.random() > VICTIM_DETAIL_SHARE:
        return ""
    items = []
    for s in strands:
        if s in VICTIM_BY_STRAND:
            ch, cat = rng.choice(VICTIM_BY_STRAND[s])
            items.append('{"characteristic":"%s","category":"%s"}' % (ch, cat))
    return "[" + ",".join(items) + "]" if items else ""


def timestamp(d: dt.date, rng: random.Random, lag_days: int) -> str:
    t = dt.datetime(d.year, d.month, d.day, 8, 0) + dt.timedelta(
        days=lag_days, minutes=rng.randrange(10 * 60))
    return t.strftime("%Y-%m-%dT%H:%M:00Z")


def build() -> list[dict]:
    rng = random.Random(SEED)
    rows = []
    police_rows = []
    crime_no = 5200000
    for (y, m), n in sorted(police_counts().items()):
        for _ in range(n):
            crime_no += rng.randrange(1, 40)
            strands = pick_strands(rng, (y, m))
            kind, ward = pick_location(rng, strands)
            occurred = day_in_month(rng, y, m)
            span = 0 if rng.random() < 0.9 else rng.randrange(1, 6)
            reported = occurred + dt.timedelta(days=min(rng.choice([0, 0, 0, 1, 1, 2, 3, 7]), 20))
            ref = "%d/%02d" % (crime_no, y % 100)
            row = {
                "organisation": "police-feed",
                "submitter_reference": "MPS-" + ref,
                "police_reference": ref,
                "occurred_from": occurred.isoformat(),
                "occurred_to": (occurred + dt.timedelta(days=span)).isoformat() if span else "",
                "reported_on": reported.isoformat(),
                "location": kind, "ward_code": ward,
                "strands": ";".join(strands),
                "other_strand_reason": rng.choice(OTHER_REASONS) if "other" in strands else "",
                "offence_type": weighted(rng, OFFENCE_WEIGHT),
                "channel": "police",
                "victim": victims(rng, strands), "suspect": "",
                "created_at": timestamp(reported, rng, 2),
                "status": "active", "withdrawn_reason": "", "withdrawn_at": "",
            }
            rows.append(row)
            police_rows.append(row)

    # Reporting centres: ~10% on top, month by month, split between the two
    # centres so that each supplies every month.
    centre_seq = {c: 0 for c in CENTRES}
    by_month = {}
    for r in police_rows:
        by_month.setdefault(r["occurred_from"][:7], []).append(r)
    for (y, m) in MONTHS:
        key = "%04d-%02d" % (y, m)
        n = max(2, round(len(by_month[key]) * CENTRE_SHARE))
        for i in range(n):
            centre = CENTRES[i % 2]
            centre_seq[centre] += 1
            ref_prefix = "RCN" if centre.endswith("north") else "RCW"
            if rng.random() < CENTRE_DUPLICATE_SHARE:
                twin = rng.choice(by_month[key])
                strands = twin["strands"].split(";")
                occurred = dt.date.fromisoformat(twin["occurred_from"])
                kind, ward = twin["location"], twin["ward_code"]
                police_ref = twin["police_reference"]
                offence = twin["offence_type"]
                other_reason = twin["other_strand_reason"]
            else:
                strands = pick_strands(rng, (y, m))
                occurred = day_in_month(rng, y, m)
                kind, ward = pick_location(rng, strands)
                police_ref = ""
                offence = weighted(rng, OFFENCE_WEIGHT)
                other_reason = rng.choice(OTHER_REASONS) if "other" in strands else ""
            reported = occurred + dt.timedelta(days=rng.choice([0, 1, 2, 4, 9, 14]))
            created = timestamp(reported, rng, 0)
            withdrawn = rng.random() < CENTRE_WITHDRAWN_SHARE
            rows.append({
                "organisation": centre,
                "submitter_reference": "%s-%d-%04d" % (ref_prefix, y, centre_seq[centre]),
                "police_reference": police_ref,
                "occurred_from": occurred.isoformat(), "occurred_to": "",
                "reported_on": reported.isoformat(),
                "location": kind, "ward_code": ward,
                "strands": ";".join(strands),
                "other_strand_reason": other_reason,
                "offence_type": offence,
                "channel": weighted(rng, CENTRE_CHANNEL_WEIGHT),
                "victim": victims(rng, strands), "suspect": "",
                "created_at": created,
                "status": "withdrawn" if withdrawn else "active",
                "withdrawn_reason": rng.choice(WITHDRAWN_REASONS) if withdrawn else "",
                "withdrawn_at": timestamp(reported, rng, rng.randrange(3, 30)) if withdrawn else "",
            })
    rows.sort(key=lambda r: (r["created_at"], r["organisation"], r["submitter_reference"]))
    return rows


def check(rows: list[dict]) -> list[str]:
    problems = []

    def police_between(a, b):
        return sum(1 for r in rows if r["organisation"] == "police-feed"
                   and a <= r["occurred_from"][:7] <= b and r["status"] == "active")

    if police_between("2023-08", "2024-07") != POLICE_YEAR_TOTAL:
        problems.append("police-feed Aug 2023 - Jul 2024 is not 1,153")
    earlier = police_between("2023-02", "2023-07")
    if abs(earlier - 818 / 2) > 1:
        problems.append(f"police-feed Feb - Jul 2023 is {earlier}, not about 409")
    keys = Counter((r["organisation"], r["submitter_reference"]) for r in rows)
    if max(keys.values()) > 1:
        problems.append("duplicate submitter_reference within an organisation")
    police_refs = {r["police_reference"] for r in rows if r["organisation"] == "police-feed"}
    for r in rows:
        if r["police_reference"] and r["organisation"] != "police-feed" \
                and r["police_reference"] not in police_refs:
            problems.append("a centre duplicate names no police report")
        if r["reported_on"] < r["occurred_from"] or (r["occurred_to"] and r["occurred_to"] < r["occurred_from"]):
            problems.append("dates out of order: " + r["submitter_reference"])
        if ("other" in r["strands"].split(";")) != bool(r["other_strand_reason"]):
            problems.append("other_strand_reason mismatch: " + r["submitter_reference"])
        if (r["location"] == "ward") != bool(r["ward_code"]):
            problems.append("location mismatch: " + r["submitter_reference"])
    centres = sum(1 for r in rows if r["organisation"] != "police-feed")
    police = sum(1 for r in rows if r["organisation"] == "police-feed")
    if not 0.08 <= centres / police <= 0.12:
        problems.append(f"centres add {centres / police:.1%}, not about 10%")
    for c in CENTRES:
        months = {r["occurred_from"][:7] for r in rows if r["organisation"] == c}
        if len(months) != len(MONTHS):
            problems.append(f"{c} does not supply every month")
    multi = sum(1 for r in rows if ";" in r["strands"]) / len(rows)
    if not 0.05 <= multi <= 0.11:
        problems.append(f"multi-strand share {multi:.1%} is not about 8%")
    return problems


def main() -> int:
    rows = build()
    problems = check(rows)
    if problems:
        for p in problems:
            print("generate_hate_crime_demo: " + p, file=sys.stderr)
        return 1
    buf = io.StringIO()
    w = csv.DictWriter(buf, COLUMNS, lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w", encoding="utf-8", newline="") as f:
        f.write(buf.getvalue())
    strands = Counter(s for r in rows for s in r["strands"].split(";"))
    print(f"wrote {OUT}: {len(rows)} reports; strands {dict(strands)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
