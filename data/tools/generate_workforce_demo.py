#!/usr/bin/env python3
"""Generate the illustrative workforce snapshots in data/workforce/.

ILLUSTRATIVE, NOT REAL STAFF DATA.  Two anonymous employee files, one row per
employee, a year apart (31 March 2023 and 31 March 2024), for a London
borough's directorates and grade bands.  The shares match the figures the
London Borough of Barnet published for its staff (Barnet Annual Equalities
Report, as reported): disabled 8.7% (2023: 2.6%), LGBTQ+ 4.5%, Black, Asian
or other minoritised 44.8%, each a share of all staff (prefer not to say and
not recorded included), to one decimal place.  Everything else (directorates,
grades, pay, bonuses and the other characteristics) is synthetic.

Deterministic (a fixed seed), standard library only:

    python3 data/tools/generate_workforce_demo.py
"""

from __future__ import annotations

import csv
import os
import random

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "workforce")

DIRECTORATES = [
    ("adults_health", 0.22), ("children_family", 0.26), ("environment", 0.16),
    ("growth", 0.08), ("resources", 0.13), ("assurance", 0.07), ("public_health", 0.08),
]
GRADES = [
    ("scale_1_3", 0.24, (11.80, 13.60)), ("scale_4_6", 0.30, (14.20, 17.90)),
    ("so1_so2", 0.18, (18.40, 21.60)), ("po1_po4", 0.18, (22.30, 29.80)),
    ("po5_po8", 0.08, (30.50, 41.00)), ("chief_officer", 0.02, (52.00, 88.00)),
]
ETHNIC_DETAIL = {
    "asian": ["asian_indian", "asian_pakistani", "asian_bangladeshi", "asian_chinese", "asian_other"],
    "black": ["black_african", "black_caribbean", "black_other"],
    "mixed": ["mixed_white_asian", "mixed_white_black_african", "mixed_white_black_caribbean", "mixed_other"],
    "other": ["other_arab", "other_any"],
    "white": ["white_british", "white_british", "white_british", "white_irish", "white_other", "white_other"],
}


def exact(n, shares, rng):
    """A shuffled list of n codes with round(share * n) of each (the last
    code takes the remainder)."""
    out = []
    for code, share in shares[:-1]:
        out += [code] * round(share * n)
    out += [shares[-1][0]] * (n - len(out))
    assert len(out) == n, shares
    rng.shuffle(out)
    return out


def snapshot(n, disabled_share, not_recorded_disability, seed):
    rng = random.Random(seed)
    sex = exact(n, [("female", 0.615), ("prefer_not_to_say", 0.005), ("not_recorded", 0.004), ("male", 1)], rng)
    ethnicity = exact(n, [("asian", 0.181), ("black", 0.169), ("mixed", 0.045), ("other", 0.053),
                          ("prefer_not_to_say", 0.031), ("not_recorded", 0.042), ("white", 1)], rng)
    disability = exact(n, [("disabled", disabled_share), ("prefer_not_to_say", 0.031),
                           ("not_recorded", not_recorded_disability), ("not_disabled", 1)], rng)
    religion = exact(n, [("no_religion", 0.24), ("muslim", 0.08), ("hindu", 0.06), ("jewish", 0.07),
                         ("buddhist", 0.01), ("sikh", 0.01), ("other_religion", 0.012),
                         ("prefer_not_to_say", 0.085), ("not_recorded", 0.07), ("christian", 1)], rng)
    orientation = exact(n, [("gay_lesbian", 0.025), ("bisexual", 0.015), ("other_orientation", 0.005),
                            ("prefer_not_to_say", 0.07), ("not_recorded", 0.09), ("straight", 1)], rng)
    age = exact(n, [("age_16_24", 0.063), ("age_25_34", 0.2), ("age_35_44", 0.24),
                    ("age_45_54", 0.25), ("age_65_plus", 0.03), ("prefer_not_to_say", 0.009),
                    ("not_recorded", 0.008), ("age_55_64", 1)], rng)
    directorate = exact(n, DIRECTORATES[:-1] + [(DIRECTORATES[-1][0], 1)], rng)
    grade = exact(n, [(g, s) for g, s, _ in GRADES[:-1]] + [(GRADES[-1][0], 1)], rng)
    bands = {g: r for g, _, r in GRADES}
    # Men and white staff a little more often in the upper grades (swap
    # grades), so that the pay gaps are not all zero.
    order = {g: i for i, (g, _, _) in enumerate(GRADES)}
    for _ in range(n // 6):
        a, b = rng.randrange(n), rng.randrange(n)
        favoured_a = (sex[a] == "male") + (ethnicity[a] == "white")
        favoured_b = (sex[b] == "male") + (ethnicity[b] == "white")
        if favoured_a > favoured_b and order[grade[a]] < order[grade[b]]:
            grade[a], grade[b] = grade[b], grade[a]
    rows = []
    for i in range(n):
        lo, hi = bands[grade[i]]
        # Spinal points: pay falls on a few fixed rates per band, so ties occur.
        points = [round(lo + (hi - lo) * k / 5, 2) for k in range(6)]
        hourly = rng.choice(points)
        bonus = ""
        if rng.random() < 0.09:
            bonus = f"{rng.choice([250, 400, 500, 750, 1000, 1500]):.2f}"
        eth = ethnicity[i]
        eth_code = rng.choice(ETHNIC_DETAIL[eth]) if eth in ETHNIC_DETAIL else eth
        dis = disability[i]
        if dis == "disabled":
            dis = rng.choice(["disabled", "disabled_limited_a_little", "disabled_limited_a_lot"])
        rows.append([directorate[i], grade[i], sex[i], eth_code, dis, religion[i], orientation[i],
                     age[i], f"{hourly:.2f}", bonus])
    rng.shuffle(rows)
    return rows


def check(rows, disabled):
    n = len(rows)
    minoritised = sum(1 for r in rows if r[3].split("_")[0] in ("asian", "black", "mixed", "other")
                      and r[3] not in ("not_recorded",))
    lgb = sum(1 for r in rows if r[6] in ("gay_lesbian", "bisexual", "other_orientation"))
    dis = sum(1 for r in rows if r[4].startswith("disabled"))
    assert round(100 * minoritised / n, 1) == 44.8, minoritised / n
    assert round(100 * lgb / n, 1) == 4.5, lgb / n
    assert round(100 * dis / n, 1) == disabled, dis / n


def main():
    os.makedirs(OUT, exist_ok=True)
    header = ["directorate", "grade_band", "sex", "ethnicity", "disability", "religion",
              "sexual_orientation", "age_band", "hourly_pay", "bonus_paid"]
    plan = [("employees-2023-03-31.csv", "2023-03-31", 2940, 0.026, 0.21, 2023, 2.6),
            ("employees-2024-03-31.csv", "2024-03-31", 3010, 0.087, 0.12, 2024, 8.7)]
    notes = ("ILLUSTRATIVE, NOT REAL STAFF DATA. Generated by data/tools/generate_workforce_demo.py; "
             "shares of disabled ({d}%), LGBTQ+ (4.5%) and Black, Asian or other minoritised (44.8%) staff "
             "match the London Borough of Barnet's published staff figures (Barnet Annual Equalities "
             "Report, as reported); directorates, grades, pay and everything else are synthetic.")
    with open(os.path.join(OUT, "manifest.csv"), "w", newline="") as mf:
        w = csv.writer(mf, lineterminator="\n")
        w.writerow(["file", "as_of", "notes"])
        for name, as_of, n, dshare, nr, seed, dpct in plan:
            rows = snapshot(n, dshare, nr, seed)
            check(rows, dpct)
            with open(os.path.join(OUT, name), "w", newline="") as f:
                cw = csv.writer(f, lineterminator="\n")
                cw.writerow(header)
                cw.writerows(rows)
            w.writerow([name, as_of, notes.format(d=dpct)])


if __name__ == "__main__":
    main()
