#!/usr/bin/env python3
"""Generate the illustrative indicator data set (data/indicators/*.csv).

Ten indicators shaped on what a London borough publishes in its equalities
performance reports: hate-crime reporting, workforce representation, pay
gaps, access to services and the residents' perception that people from
different backgrounds get on well together.  Quarterly values for three
financial years (2022/23 to 2024/25) with targets, commentary and the date
each was published.  The numbers are synthetic (a seeded random walk), not
the council's figures.  Deterministic: running it again writes the same
files.

    python3 data/tools/generate_indicators_demo.py
"""
import csv
import random
from datetime import date, timedelta
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "indicators"

# code, title, definition, unit, polarity, frequency, outcome, outcome_title,
# source, tolerance_kind, tolerance, start, drift, noise, target, target_step, decimals
INDICATORS = [
    ("hate-crime-reports", "Hate crimes reported",
     "Hate crimes and incidents reported in the borough in the quarter, through the police and the "
     "third-party reporting centres, each crime once, as the published hate-crime statistics count them. "
     "Under-reporting is the known problem, so more reports means more confidence to report.",
     "count", "higher_is_better", "quarterly", "safe-communities", "Residents feel safe and report hate crime",
     "Published hate-crime statistics (/v1/hate-crime/statistics)", "percent", 10, 210, 4, 18, 220, 5, 0),
    ("third-party-reports", "Hate incidents reported through third-party reporting centres",
     "Reports received by the borough's third-party hate crime reporting centres in the quarter.",
     "count", "higher_is_better", "quarterly", "safe-communities", "Residents feel safe and report hate crime",
     "Third-party reporting centres' returns", "percent", 15, 28, 1.2, 5, 30, 2, 0),
    ("get-on-well", "Residents who agree people from different backgrounds get on well together",
     "Share of residents answering 'definitely' or 'tend to' agree in the quarterly residents' perception tracker.",
     "percent", "higher_is_better", "quarterly", "cohesion", "People from different backgrounds get on well together",
     "Residents' Perception Survey (quarterly tracker)", "absolute", 3, 82.0, 0.15, 1.4, 85.0, 0, 1),
    ("workforce-ethnic-minority-senior", "Top 5% of earners from ethnic minority backgrounds",
     "Share of the council's top 5% of earners who are from an ethnic minority background (of those who declared).",
     "percent", "higher_is_better", "quarterly", "representative-workforce", "A workforce that reflects the borough",
     "Council HR system, quarterly snapshot", "absolute", 2, 24.0, 0.5, 0.8, 28.0, 1.0, 1),
    ("workforce-disabled", "Staff who have declared a disability",
     "Share of all the council's employees in the snapshot recorded as disabled (those who preferred not to say "
     "or have no record included in the total), as the published workforce profile shows it.",
     "percent", "higher_is_better", "quarterly", "representative-workforce", "A workforce that reflects the borough",
     "Workforce snapshot (/v1/workforce/profile)", "absolute", 1, 6.8, 0.12, 0.3, 8.0, 0.5, 1),
    ("gender-pay-gap-median", "Median gender pay gap",
     "Difference between the median hourly pay of men and women, as a share of men's.",
     "percent", "lower_is_better", "quarterly", "fair-pay", "Fair pay for every group of staff",
     "Council payroll", "absolute", 1, 5.6, -0.15, 0.5, 4.0, -0.5, 1),
    ("ethnicity-pay-gap-median", "Median ethnicity pay gap",
     "Difference between the median hourly pay of white staff and ethnic minority staff, as a share of white staff's.",
     "percent", "lower_is_better", "quarterly", "fair-pay", "Fair pay for every group of staff",
     "Council payroll", "absolute", 1, 9.8, -0.2, 0.6, 7.0, -0.5, 1),
    ("web-accessibility", "Council web pages meeting WCAG 2.2 AA",
     "Share of audited pages on the council's website passing the automated and manual WCAG 2.2 AA checks.",
     "percent", "higher_is_better", "quarterly", "equal-access", "Equal access to quality services",
     "Digital team accessibility audit", "absolute", 5, 78.0, 1.2, 2.0, 90.0, 2.5, 1),
    ("interpreting-days", "Days to provide an interpreter or translation",
     "Average working days from a request for an interpreter or a translated document to its delivery.",
     "days", "lower_is_better", "quarterly", "equal-access", "Equal access to quality services",
     "Interpreting and translation service records", "percent", 10, 6.5, -0.12, 0.5, 5.0, 0, 1),
    ("equalities-complaints-upheld", "Complaints upheld about unequal treatment",
     "Complaints, at any stage, upheld where the resident said they were treated unfairly because of a protected characteristic.",
     "count", "lower_is_better", "quarterly", "equal-access", "Equal access to quality services",
     "Corporate complaints system", "percent", 20, 14, -0.3, 3, 12, -1, 0),
]

QUARTERS = [(fy, q) for fy in (2022, 2023, 2024) for q in (1, 2, 3, 4)]


def quarter_end(fy: int, q: int) -> date:
    month = 3 * q + 3  # Q1 ends in June
    year = fy if month <= 12 else fy + 1
    month = month if month <= 12 else month - 12
    nxt = date(year + (month == 12), month % 12 + 1, 1)
    return nxt - timedelta(days=1)


def commentary(title: str, actual: float, target: float, polarity: str, prev: float | None) -> str:
    better = actual >= target if polarity == "higher_is_better" else actual <= target
    parts = ["On target." if better else "Below target."]
    if prev is not None:
        if actual == prev:
            parts.append("No change on the previous quarter.")
        elif (actual > prev) == (polarity == "higher_is_better"):
            parts.append("Improved on the previous quarter.")
        else:
            parts.append("Worse than the previous quarter; the service is reviewing why.")
    return " ".join(parts)


# Indicators whose actual the service computes from the published figures
# (indicators.computed_from): no actual is typed in for them, so they can
# never contradict the statistics they describe.
COMPUTED = {
    "hate-crime-reports": ("hate_crime_reports",
                           "Computed from the published hate-crime statistics for the quarter."),
    "workforce-disabled": ("workforce_disabled_share",
                           "Computed from the workforce snapshot taken on the quarter's last day, where there is one."),
}


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    rnd = random.Random(20240930)
    with open(OUT / "indicators.csv", "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["code", "title", "definition", "unit", "polarity", "frequency", "outcome",
                    "outcome_title", "source", "tolerance_kind", "tolerance"])
        for ind in INDICATORS:
            w.writerow(ind[:11])
    with open(OUT / "computed.csv", "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["code", "computed_from"])
        for code, (source, _note) in COMPUTED.items():
            w.writerow([code, source])
    with open(OUT / "values.csv", "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["indicator", "period", "target", "actual", "commentary", "published_on"])
        for ind in INDICATORS:
            (code, title, _d, _u, polarity, _f, _o, _ot, _s, _tk, _t,
             start, drift, noise, target, step, decimals) = ind
            level, prev = float(start), None
            for i, (fy, q) in enumerate(QUARTERS):
                if q == 1 and i:
                    target += step
                level += drift
                actual = round(max(level + rnd.uniform(-noise, noise), 0), decimals)
                tgt = round(target, decimals)
                fmt = "%.0f" if decimals == 0 else "%." + str(decimals) + "f"
                published = quarter_end(fy, q) + timedelta(days=45)
                if code in COMPUTED:
                    w.writerow([code, "%d/%02d Q%d" % (fy, (fy + 1) % 100, q), fmt % tgt, "",
                                COMPUTED[code][1], published.isoformat()])
                else:
                    w.writerow([code, "%d/%02d Q%d" % (fy, (fy + 1) % 100, q), fmt % tgt,
                                fmt % actual, commentary(title, actual, tgt, polarity, prev),
                                published.isoformat()])
                prev = actual


if __name__ == "__main__":
    main()
