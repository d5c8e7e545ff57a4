#!/usr/bin/env python3
"""Write the illustrative partner returns: data/returns/windows.csv and
data/returns/returns.csv (see data/README.md). Stdlib only, fixed seed:
byte-identical output on every run. Checks that every characteristic of
every return adds up to its total before writing."""

import csv
import json
import random
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "returns"

CATEGORIES = {
    "sex": ["female", "male"],
    "ethnicity": ["asian_indian", "asian_other", "black_african", "black_caribbean", "mixed_other",
                  "white_british", "white_irish", "white_other", "other_any"],
    "disability": ["disabled", "not_disabled"],
    "age": ["age_20_24", "age_25_29", "age_30_34", "age_35_39", "age_40_44", "age_45_49",
            "age_50_54", "age_55_59", "age_60_64"],
    "religion": ["no_religion", "christian", "hindu", "jewish", "muslim", "other_religion", "not_answered"],
    "sexual_orientation": ["straight", "gay_lesbian", "bisexual", "not_answered"],
}
KINDS = {"workforce": ["sex", "ethnicity", "disability", "age"],
         "service_users": ["sex", "ethnicity", "disability", "age", "religion", "sexual_orientation"]}

WINDOWS = [
    ("workforce", "2024/25", "2025-04-01", "2025-06-30"),
    ("service_users", "2025/26 Q2", "2025-10-01", "2025-11-14"),
]
# kind, period, organisation, status, total, created_at, submitted_at, late_reason, review_note
RETURNS = [
    ("workforce", "2024/25", "partner-care", "accepted", 212, "2025-04-03T09:00:00Z", "2025-05-20T10:00:00Z",
     None, "Thank you: figures agree with the contract report."),
    ("workforce", "2024/25", "partner-youth", "accepted", 148, "2025-04-10T09:00:00Z", "2025-07-08T11:30:00Z",
     "HR system migration delayed the year-end extract.", None),
    ("workforce", "2024/25", "partner-housing", "accepted", 175, "2025-04-12T09:00:00Z", "2025-06-16T15:00:00Z",
     None, None),
    ("workforce", "2024/25", "partner-leisure", "returned", 96, "2025-04-15T09:00:00Z", "2025-06-27T12:00:00Z",
     None, "Age bands do not match the headcount in your contract report; please check and resubmit."),
    ("service_users", "2025/26 Q2", "partner-care", "submitted", 640, "2025-10-02T09:00:00Z",
     "2025-11-10T09:30:00Z", None, None),
    ("service_users", "2025/26 Q2", "partner-youth", "draft", 410, "2025-10-20T09:00:00Z", None, None, None),
    ("service_users", "2025/26 Q2", "partner-housing", "submitted", 388, "2025-10-05T09:00:00Z",
     "2025-11-21T16:45:00Z", "Staff absence in the data team.", None),
]


def split(rng, total, cats):
    w = [rng.random() ** 2 + 0.05 for _ in cats]
    s = sum(w)
    vals = [int(total * x / s) for x in w]
    vals[0] += total - sum(vals)
    return dict(zip(cats, vals))


def main():
    rng = random.Random(7)
    rows = []
    for kind, period, org, status, total, created, submitted, reason, note in RETURNS:
        lines = {c: split(rng, total, CATEGORIES[c]) for c in KINDS[kind]}
        for c, counts in lines.items():
            assert sum(counts.values()) == total and min(counts.values()) >= 0, (org, c)
        rows.append([kind, period, org, status, total,
                     json.dumps(lines, separators=(",", ":"), sort_keys=True),
                     created, submitted or "", reason or "", note or ""])
    OUT.mkdir(exist_ok=True)
    with open(OUT / "windows.csv", "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["kind", "period", "open_date", "due_date"])
        w.writerows(WINDOWS)
    with open(OUT / "returns.csv", "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["kind", "period", "organisation", "status", "total", "lines", "created_at",
                    "submitted_at", "late_reason", "review_note"])
        w.writerows(rows)


if __name__ == "__main__":
    main()
