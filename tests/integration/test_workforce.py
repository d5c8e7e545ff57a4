"""Workforce snapshots: the seeded demo, disclosure control over every
published profile and representation figure, pay gaps for a hand-computed
fixture (ties at quartile boundaries included), loading through the CLI and
through POST /v1/workforce/snapshots (admin only), and the contract.
"""

from __future__ import annotations

import csv
import io

import pytest

import harness
from harness import make_key
from checks import assert_problem, media_type
from test_hate_crime_statistics import determined_cells
from checks import pinned_by_bounds

SNAPSHOTS = "/v1/workforce/snapshots"
PROFILE = "/v1/workforce/profile"
PAY_GAPS = "/v1/workforce/pay-gaps"
REPRESENTATION = "/v1/workforce/representation"
OBS = "/v1/demographics"
BOROUGH = "E09000003"
WORKING_AGE = "census-2021-demo-working-age"
ALL_RESIDENTS = "census-2021-demo"
CHARACTERISTICS = ["sex", "ethnicity", "disability", "religion", "sexual_orientation", "age"]
SEEDED = ["2023-03-31", "2024-03-31"]
FIXTURE_AS_OF = "2001-03-31"
HEADER = ("directorate,grade_band,sex,ethnicity,disability,religion,sexual_orientation,"
          "age_band,hourly_pay,bonus_paid")




@pytest.fixture(scope="module")
def db():
    return harness.PgControl()


@pytest.fixture(scope="module")
def keys():
    return {
        "admin": make_key("barnet-council", "admin"),
        "other": make_key("barnet-council", "read:hate-crime,submit:hate-crime"),
    }


def get_json(api, openapi, path, query=""):
    r = api.get(path + query)
    assert r.status_code == 200, r.text[:400]
    return openapi.validate(r, path)


# ---------------------------------------------------------------------------
# the hand-computed pay-gap fixture (tests/unit/test_pay_gap.c, each row x5)
# ---------------------------------------------------------------------------

BASE = [  # sex, hourly, bonus
    ("male", "10.00", ""), ("male", "12.00", "100"), ("male", "15.00", ""),
    ("male", "15.00", "300"), ("male", "20.00", "500"),
    ("female", "9.00", ""), ("female", "12.00", "50"), ("female", "15.00", "0"),
    ("female", "15.00", "200"), ("female", "15.00", ""),
]


def fixture_csv():
    lines = [HEADER]
    for _ in range(5):
        for sex, pay, bonus in BASE:
            lines.append(f"test_dir,scale_1_3,{sex},white_british,not_disabled,no_religion,"
                         f"straight,age_35_44,{pay},{bonus}")
    return "\n".join(lines) + "\n"


# By hand (N = 50, sections of ranks 0-11, 12-24, 25-36, 37-49):
#   mean hourly male 14.4, female 13.2 -> (14.4 - 13.2) / 14.4 = 8.3%
#   median 15 and 15 -> 0.0%
#   bonus: male 15 of 25 paid (60.0%), mean = median = 300; female 10 of 25
#   (40.0%), mean = median = 125 -> 58.3%
#   quartiles: 9F x5 and 10M x5 first; the run of 12s (5M, 5F) interleaves
#   M F M F ... from rank 10; the run of 15s (10M, 15F) interleaves by
#   position (i + 0.5) / n: F M F M F F M F M F F M F M F F M F M F F M F M F
#   from rank 20; then 20M x5.
#     lower         M 6  F 6   -> 50.0 / 50.0
#     lower middle  M 6  F 7   -> 46.2 / 53.8
#     upper middle  M 5  F 7   -> 41.7 / 58.3
#     upper         M 8  F 5   -> 61.5 / 38.5
EXPECTED_GAPS = {
    "mean_gap": 8.3, "median_gap": 0.0, "mean_bonus_gap": 58.3, "median_bonus_gap": 58.3,
    "bonus_share_group": 40.0, "bonus_share_reference": 60.0,
}
EXPECTED_QUARTILES = {
    (1, "male"): 50.0, (1, "female"): 50.0, (2, "male"): 46.2, (2, "female"): 53.8,
    (3, "male"): 41.7, (3, "female"): 58.3, (4, "male"): 61.5, (4, "female"): 38.5,
    (1, "prefer_not_to_say"): 0.0, (4, "not_recorded"): 0.0,
}


@pytest.fixture(scope="module")
def pay_fixture(server, keys, db):
    api = harness.ApiClient(server.url)
    r = api.post(SNAPSHOTS + f"?as_of={FIXTURE_AS_OF}", data=fixture_csv(),
                 headers={"Authorization": f"Bearer {keys['admin']}", "Content-Type": "text/csv"})
    assert r.status_code in (200, 201), r.text[:600]
    api.close()
    yield FIXTURE_AS_OF
    db.psql(f"DELETE FROM workforce_snapshots WHERE as_of = '{FIXTURE_AS_OF}';"
            " SELECT pg_notify('eq_data_changed', 'workforce')")


def test_pay_gaps_match_the_hand_computed_fixture(api, openapi, pay_fixture):
    body = get_json(api, openapi, PAY_GAPS, f"?as_of={pay_fixture}&characteristic=sex")
    gaps = {r["measure"]: r for r in body["data"] if r["measure"] != "quartile_share"}
    for measure, want in EXPECTED_GAPS.items():
        row = gaps[measure]
        assert row["group"] == "female" and row["reference"] == "male"
        assert not row["suppressed"], row
        assert row["value"] == want, (measure, row["value"], want)
    quart = {(r["quartile"], r["group"]): r for r in body["data"] if r["measure"] == "quartile_share"}
    for key, want in EXPECTED_QUARTILES.items():
        assert quart[key]["value"] == want, (key, quart[key], want)
    # ethnicity: everyone is white, so every comparison is withheld
    body = get_json(api, openapi, PAY_GAPS, f"?as_of={pay_fixture}&characteristic=ethnicity")
    for r in body["data"]:
        if r["measure"] != "quartile_share":
            assert r["suppressed"] and r["value"] is None, r


def test_pay_gaps_never_published_for_small_groups(api, openapi, keys, db):
    # 5 men, 4 women: the gap would compare a group of four.
    lines = [HEADER] + [f"d1,scale_1_3,male,white,not_disabled,christian,straight,age_25_34,{10 + i},"
                        for i in range(5)] + \
        [f"d1,scale_1_3,female,white,not_disabled,christian,straight,age_25_34,{9 + i}," for i in range(4)]
    as_of = "2001-06-30"
    r = api.post(SNAPSHOTS + f"?as_of={as_of}", data="\n".join(lines) + "\n",
                 headers={"Authorization": f"Bearer {keys['admin']}", "Content-Type": "text/csv"})
    assert r.status_code == 201, r.text[:400]
    try:
        body = get_json(api, openapi, PAY_GAPS, f"?as_of={as_of}")
        for row in body["data"]:
            if row["characteristic"] == "sex" and row["measure"] != "quartile_share":
                assert row["suppressed"] and row["value"] is None, row
        prof = get_json(api, openapi, PROFILE, f"?as_of={as_of}&characteristic=sex")
        for row in prof["data"]:
            assert row["value"] is None or row["value"] == 0 or row["value"] >= 5, row
    finally:
        db.psql(f"DELETE FROM workforce_snapshots WHERE as_of = '{as_of}';"
                " SELECT pg_notify('eq_data_changed', 'workforce')")


# ---------------------------------------------------------------------------
# the seeded demo
# ---------------------------------------------------------------------------

def test_snapshots_list_the_seeded_demo(api, openapi):
    body = get_json(api, openapi, SNAPSHOTS)
    by_date = {s["as_of"]: s for s in body["data"]}
    for d in SEEDED:
        assert d in by_date
        assert "ILLUSTRATIVE" in by_date[d]["notes"]
        assert by_date[d]["official"] is False
    assert by_date["2024-03-31"]["headcount"] == 3010
    assert by_date["2023-03-31"]["headcount"] == 2940
    dates = [s["as_of"] for s in body["data"]]
    assert dates == sorted(dates, reverse=True)
    assert any(g["senior"] for g in body["meta"]["grade_bands"])


@pytest.mark.parametrize("as_of,disabled", [("2024-03-31", 8.7), ("2023-03-31", 2.6)])
def test_demo_matches_published_barnet_staff_shares(api, openapi, as_of, disabled):
    body = get_json(api, openapi, PROFILE, f"?as_of={as_of}")
    overall = {(r["characteristic"], r["category"]["code"]): r for r in body["data"]}
    total = overall[("sex", "total")]["value"]
    assert round(100 * overall[("disability", "disabled")]["value"] / total, 1) == disabled
    lgb = sum(overall[("sexual_orientation", c)]["value"]
              for c in ("gay_lesbian", "bisexual", "other_orientation"))
    assert round(100 * lgb / total, 1) == 4.5
    minoritised = sum(overall[("ethnicity", c)]["value"] for c in ("asian", "black", "mixed", "other"))
    assert round(100 * minoritised / total, 1) == 44.8
    # prefer not to say and not recorded count in the totals
    for ch in CHARACTERISTICS:
        parts = [r for (c, code), r in overall.items() if c == ch and code != "total"]
        assert {"prefer_not_to_say", "not_recorded"} <= {r["category"]["code"] for r in parts}
        assert overall[(ch, "total")]["value"] == total


def test_default_snapshot_is_the_latest(api, openapi):
    body = get_json(api, openapi, PROFILE, "?characteristic=sex")
    assert body["meta"]["snapshot"]["as_of"] == "2024-03-31"


# ---------------------------------------------------------------------------
# disclosure control: every published cell of a snapshot, audited together
# ---------------------------------------------------------------------------

def profile_cells(api, openapi, as_of):
    """Every cell any profile query can return for the snapshot, keyed
    (characteristic, directorate, grade_band, category)."""
    cells = {}
    for group in ["", "&group_by=directorate", "&group_by=grade_band"]:
        body = get_json(api, openapi, PROFILE, f"?as_of={as_of}{group}")
        for r in body["data"]:
            k = (r["characteristic"], r["directorate"], r["grade_band"], r["category"]["code"])
            o = {"value": r["value"], "suppressed": r["suppressed"]}
            assert cells.setdefault(k, o) == o, f"{k} differs between queries"
    return cells


def senior_cells(api, openapi, as_of, cells):
    """Senior-grade counts as the representation shares give them away:
    share x the senior total (the sum of the senior grade bands)."""
    snaps = get_json(api, openapi, SNAPSHOTS)
    senior = [g["code"] for g in snaps["meta"]["grade_bands"] if g["senior"]]
    out = {}
    for ch in CHARACTERISTICS[:-1]:
        tot_cells = [cells[(ch, None, g, "total")] for g in senior]
        body = get_json(api, openapi, REPRESENTATION, f"?as_of={as_of}&characteristic={ch}")
        known_total = None if any(c["suppressed"] for c in tot_cells) else \
            sum(c["value"] for c in tot_cells)
        # Withheld grade totals do not hide the senior total: a category
        # published at every senior grade, over its share, gives it away.
        for r in body["data"]:
            parts = [cells[(ch, None, g, r["category"]["code"])] for g in senior]
            if known_total is None and r["grades"] == "senior" and r["workforce_share"] and \
                    not any(p["suppressed"] for p in parts):
                known_total = round(sum(p["value"] for p in parts) / r["workforce_share"])
        if known_total is None:
            # No senior total and so no senior count can be worked out
            # (representation publishes shares only).
            continue
        out[(ch, None, "SENIOR", "total")] = {"value": known_total, "suppressed": False}
        for r in body["data"]:
            if r["grades"] != "senior":
                continue
            k = (ch, None, "SENIOR", r["category"]["code"])
            if r["workforce_share"] is None:
                out[k] = {"value": None, "suppressed": True}
            else:
                assert known_total is not None, "a senior share is published without its total"
                out[k] = {"value": round(r["workforce_share"] * known_total), "suppressed": False}
    return out, senior


def relations(cells, senior):
    rels = []
    by_ch = {}
    for (ch, d, g, c) in cells:
        s = by_ch.setdefault(ch, (set(), set(), set()))
        if d is not None:
            s[0].add(d)
        if g is not None and g != "SENIOR":
            s[1].add(g)
        if c != "total":
            s[2].add(c)
    for ch, (dirs, grades, cats) in by_ch.items():
        cl = sorted(cats)
        for d in [None] + sorted(dirs):
            rels.append(((ch, d, None, "total"), [(ch, d, None, c) for c in cl]))
        for g in sorted(grades):
            rels.append(((ch, None, g, "total"), [(ch, None, g, c) for c in cl]))
        for c in cl + ["total"]:
            rels.append(((ch, None, None, c), [(ch, d, None, c) for d in sorted(dirs)]))
            rels.append(((ch, None, None, c), [(ch, None, g, c) for g in sorted(grades)]))
        if (ch, None, "SENIOR", "total") in cells:
            rels.append(((ch, None, "SENIOR", "total"), [(ch, None, "SENIOR", c) for c in cl]))
            for c in cl + ["total"]:
                rels.append(((ch, None, "SENIOR", c), [(ch, None, g, c) for g in senior]))
    return rels


@pytest.mark.parametrize("as_of", SEEDED)
def test_no_published_count_is_small_or_recoverable(api, openapi, as_of):
    cells = profile_cells(api, openapi, as_of)
    extra, senior = senior_cells(api, openapi, as_of, cells)
    cells.update(extra)
    for k, o in cells.items():
        if o["suppressed"]:
            assert o["value"] is None, k
        else:
            assert o["value"] == 0 or o["value"] >= 5, f"{k} publishes {o['value']}"
    # The headcount by directorate and grade is the same in every table.
    for (ch, d, g, c), o in cells.items():
        if c == "total" and g != "SENIOR":
            assert cells[("sex", d, g, "total")] == o, (ch, d, g)
    rels = relations(cells, senior)
    problems = []
    for tot, parts in rels:
        hidden = [p for p in [tot] + parts if cells[p]["suppressed"]]
        if len(hidden) == 1:
            problems.append(f"{hidden[0]} is the only withheld cell of {tot}")
        if not hidden:
            assert sum(cells[p]["value"] for p in parts) == cells[tot]["value"], tot
    for ch in CHARACTERISTICS:
        table = {k: v for k, v in cells.items() if k[0] == ch}
        rel = [r for r in rels if r[0][0] == ch]
        problems += [f"{c} is determined" for c in determined_cells(table, rel)]
        problems += [f"{c} is pinned to {v}" for c, v in pinned_by_bounds(table, rel)]
    assert not problems, "\n".join(problems[:20])


def test_profile_filters_select_the_same_cells(api, openapi):
    all_cells = get_json(api, openapi, PROFILE, "?characteristic=ethnicity&group_by=directorate")["data"]
    one = get_json(api, openapi, PROFILE, "?characteristic=ethnicity&directorate=resources")["data"]
    assert one == [r for r in all_cells if r["directorate"] == "resources"]
    all_cells = get_json(api, openapi, PROFILE, "?characteristic=age&group_by=grade_band")["data"]
    one = get_json(api, openapi, PROFILE, "?characteristic=age&grade_band=po1_po4,scale_1_3")["data"]
    assert one == [r for r in all_cells if r["grade_band"] in ("scale_1_3", "po1_po4")]


def test_profile_csv_matches_json(api, openapi):
    body = get_json(api, openapi, PROFILE, "?characteristic=disability&group_by=grade_band")
    r = api.get(PROFILE + "?characteristic=disability&group_by=grade_band&format=csv")
    assert r.status_code == 200 and media_type(r) == "text/csv"
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert len(rows) == len(body["data"])
    for row, obj in zip(rows, body["data"]):
        assert row["category"] == obj["category"]["code"]
        assert row["value"] == ("" if obj["value"] is None else str(obj["value"]))


def test_compare_with_previous_snapshot(api, openapi):
    body = get_json(api, openapi, PROFILE, "?characteristic=disability&compare=previous")
    row = next(r for r in body["data"] if r["category"]["code"] == "disabled")
    prev = row["previous"]
    assert prev["as_of"] == "2023-03-31"
    assert prev["change_value"] == row["value"] - prev["value"]
    assert abs(prev["change_share"] - (row["share"] - prev["share"])) < 0.0002
    body = get_json(api, openapi, PAY_GAPS, "?compare=previous")
    for r in body["data"]:
        assert r["previous"]["as_of"] == "2023-03-31"
        if r["value"] is not None and r["previous"]["value"] is not None:
            assert abs(r["previous"]["change"] - (r["value"] - r["previous"]["value"])) < 0.11
    snaps = [s["as_of"] for s in get_json(api, openapi, SNAPSHOTS)["data"]]
    first = get_json(api, openapi, PROFILE, f"?as_of={snaps[-1]}&characteristic=sex&compare=previous")
    assert all(r["previous"] is None for r in first["data"])


def test_seeded_pay_gaps_are_published(api, openapi):
    body = get_json(api, openapi, PAY_GAPS)
    measures = {(r["characteristic"], r["group"], r["measure"]) for r in body["data"] if r["value"] is not None}
    assert ("sex", "female", "mean_gap") in measures
    assert ("ethnicity", "minoritised", "median_gap") in measures
    assert ("disability", "disabled", "mean_gap") in measures
    for r in body["data"]:
        if r["measure"] == "quartile_share" and r["value"] is not None:
            assert 0 <= r["value"] <= 100


# ---------------------------------------------------------------------------
# representation
# ---------------------------------------------------------------------------

def test_representation_compares_with_residents(api, openapi):
    body = get_json(api, openapi, REPRESENTATION, "?characteristic=ethnicity")
    meta = body["meta"]
    assert meta["workforce"]["as_of"] == "2024-03-31"
    assert meta["residents"]["dataset"] == WORKING_AGE
    assert meta["residents"]["population"] == "working_age_16_64"
    assert "16 to 64" in meta["residents"]["population_description"]
    assert meta["residents"]["reference_date"] == "2021-03-21"
    assert meta["senior_grades"]
    rows = {(r["category"]["code"], r["grades"]): r for r in body["data"]}
    white = rows[("white", "all")]
    assert white["ratio"] == round(white["workforce_share"] / white["resident_share"], 2) or \
        abs(white["ratio"] - white["workforce_share"] / white["resident_share"]) < 0.01
    for r in body["data"]:
        if r["suppressed"]:
            assert r["ratio"] is None
    assert rows[("not_recorded", "all")]["resident_share"] is None
    assert rows[("not_recorded", "all")]["ratio"] is None
    csv_r = api.get(REPRESENTATION + "?characteristic=ethnicity&format=csv")
    assert csv_r.status_code == 200 and csv_r.text.startswith("as_of,characteristic,category")


def demographic_shares(api, openapi, dataset, ch):
    """{category: share or None} of the borough's residents, from the counts
    GET /v1/demographics publishes (None where a count is suppressed)."""
    r = api.get(OBS, params={"dataset": dataset, "characteristic": ch,
                             "area": BOROUGH, "limit": 500})
    assert r.status_code == 200, r.text[:400]
    rows = openapi.validate(r, OBS)["data"]
    assert rows and all(o["dataset"] == dataset for o in rows)
    total = next(o["value"] for o in rows if o["category"]["code"] == "total")
    assert total
    return {o["category"]["code"]: None if o["value"] is None else o["value"] / total
            for o in rows if o["category"]["code"] != "total"}, rows


@pytest.mark.parametrize("ch", CHARACTERISTICS[:-1])
def test_representation_uses_working_age_residents(api, openapi, ch):
    body = get_json(api, openapi, REPRESENTATION, f"?characteristic={ch}")
    res = body["meta"]["residents"]
    assert res["dataset"] == WORKING_AGE and res["population"] == "working_age_16_64"
    assert "aged 16 to 64" in body["meta"]["method"]
    shares, obs = demographic_shares(api, openapi, WORKING_AGE, ch)
    assert all(o["measure"] == "Usual residents aged 16 to 64" for o in obs)
    seen = 0
    for r in body["data"]:
        code = r["category"]["code"]
        if code not in shares:
            assert r["resident_share"] is None and r["ratio"] is None
            continue
        if shares[code] is None:
            assert r["resident_share"] is None and r["resident_suppressed"]
            continue
        assert r["resident_share"] == pytest.approx(shares[code], abs=0.00005), code
        seen += 1
    assert seen
    # The all-residents data set is still there to be picked, and differs.
    other = get_json(api, openapi, REPRESENTATION, f"?characteristic={ch}&dataset={ALL_RESIDENTS}")
    assert other["meta"]["residents"]["dataset"] == ALL_RESIDENTS
    assert other["meta"]["residents"]["population"] == "all_usual_residents"
    all_shares, _ = demographic_shares(api, openapi, ALL_RESIDENTS, ch)
    for r in other["data"]:
        code = r["category"]["code"]
        if all_shares.get(code) is not None:
            assert r["resident_share"] == pytest.approx(all_shares[code], abs=0.00005), code
    # The workforce side (and so the disclosure audit) does not depend on it.
    strip = lambda rows: [{k: v for k, v in x.items()
                           if k not in ("resident_share", "resident_suppressed", "ratio", "suppressed")}
                          for x in rows]
    assert strip(other["data"]) == strip(body["data"])


def test_demographics_default_is_still_all_residents(api, openapi):
    r = api.get(OBS, params={"characteristic": "sex", "area": BOROUGH})
    rows = openapi.validate(r, OBS)["data"]
    assert {o["dataset"] for o in rows} == {ALL_RESIDENTS}
    assert next(o["value"] for o in rows if o["category"]["code"] == "total") == 389_344


def read_census(fname):
    with open(harness.ROOT / "data" / "census" / fname, newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


def test_working_age_files_add_up():
    """Recomputed here, apart from the generator and the checker: each
    working-age file's total is the sum of the top-level categories, each
    parent the sum of its children, the borough the sum of the wards; every
    table has the same 16-64 total per area, within the age table's bounds."""
    data = harness.ROOT / "data"
    with open(data / "categories.csv", newline="", encoding="utf-8") as f:
        cats = list(csv.DictReader(f))
    with open(data / "characteristics.csv", newline="", encoding="utf-8") as f:
        chars = list(csv.DictReader(f))
    with open(data / "census" / "manifest.csv", newline="", encoding="utf-8") as f:
        files = [r["file"] for r in csv.DictReader(f) if r["dataset"] == WORKING_AGE]
    assert sorted(files) == sorted(["wa-ts008-sex.csv", "wa-ts021-ethnicity.csv",
                                    "wa-ts030-religion.csv", "wa-ts038-disability.csv",
                                    "wa-ts077-sexual-orientation.csv"])
    age = read_census("ts007a-age.csv")
    bounds = {}
    for row in age[1:]:
        v = dict(zip(age[0][3:], map(int, row[3:])))
        core = sum(n for h, n in v.items() if any(f"Aged {a} to {a + 4} years" in h
                                                  for a in range(20, 65, 5)))
        bounds[row[2]] = (core, core + v["Age: Aged 15 to 19 years"])
    totals = {}
    for fname in files:
        table = read_census(fname)
        orig = read_census(fname[3:])
        assert table[0] == orig[0], fname          # the same headings
        assert [r[:3] for r in table[1:]] == [r[:3] for r in orig[1:]], fname
        prefix = table[0][3].split(": ", 1)[0]
        ch = next(c["code"] for c in chars if c["census_prefix"] == prefix)
        by_heading = {f"{prefix}: {c['census_heading']}": c for c in cats
                      if c["characteristic"] == ch and c["census_heading"]}
        rows = {}
        for r in table[1:]:
            vals = dict(zip(table[0][3:], map(int, r[3:])))
            assert all(n >= 0 for n in vals.values())
            total = vals[table[0][3]]
            top = [by_heading[h]["code"] for h in table[0][4:] if not by_heading[h]["parent"]]
            by_code = {by_heading[h]["code"]: n for h, n in vals.items() if h in by_heading}
            assert total == sum(by_code[c] for c in top), (fname, r[2])
            for p in top:
                kids = [c["code"] for c in by_heading.values() if c["parent"] == p]
                if kids:
                    assert by_code[p] == sum(by_code[k] for k in kids), (fname, r[2], p)
            lo, hi = bounds[r[2]]
            assert lo <= total <= hi, (fname, r[2])
            assert totals.setdefault(r[2], total) == total, (fname, r[2])
            rows[r[2]] = [total] + [by_code[by_heading[h]["code"]] for h in table[0][4:]]
        wards = [a for a in rows if a != BOROUGH]
        assert len(wards) == 24
        assert rows[BOROUGH] == [sum(rows[w][i] for w in wards) for i in range(len(rows[BOROUGH]))]


def test_census_checker_passes():
    import subprocess
    import sys
    p = subprocess.run([sys.executable, str(harness.ROOT / "data" / "tools" / "check_census_demo.py")],
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stdout + p.stderr


@pytest.mark.parametrize("query,param", [
    ("", "characteristic"),
    ("?characteristic=age", "characteristic"),
    ("?characteristic=height", "characteristic"),
    ("?characteristic=sex&dataset=no-such-set", "dataset"),
    ("?characteristic=sex&as_of=2024-13-01", "as_of"),
])
def test_representation_bad_parameters(api, openapi, query, param):
    assert_problem(api.get(REPRESENTATION + query), 400, openapi, REPRESENTATION, parameter=param)


@pytest.mark.parametrize("path,query,param", [
    (PROFILE, "?group_by=ward", "group_by"),
    (PROFILE, "?group_by=directorate,grade_band", "group_by"),
    (PROFILE, "?directorate=resources&grade_band=po1_po4", "grade_band"),
    (PROFILE, "?characteristic=height", "characteristic"),
    (PROFILE, "?directorate=nowhere", "directorate"),
    (PROFILE, "?colour=blue", "colour"),
    (PAY_GAPS, "?characteristic=religion", "characteristic"),
    (PAY_GAPS, "?compare=last", "compare"),
])
def test_bad_parameters_are_400(api, openapi, path, query, param):
    assert_problem(api.get(path + query), 400, openapi, path, parameter=param)


def test_unknown_snapshot_is_404(api, openapi):
    assert_problem(api.get(PROFILE + "?as_of=1999-01-01"), 404, openapi, PROFILE)


def test_etag_and_304(api, openapi):
    r = api.get(PROFILE + "?characteristic=sex")
    assert r.status_code == 200 and r.headers.get("ETag")
    again = api.get(PROFILE + "?characteristic=sex", headers={"If-None-Match": r.headers["ETag"]})
    assert again.status_code == 304


# ---------------------------------------------------------------------------
# loading: POST and the CLI
# ---------------------------------------------------------------------------

def test_post_needs_an_admin_key(api, openapi, keys):
    body = fixture_csv()
    r = api.post(SNAPSHOTS + "?as_of=2001-09-30", data=body, headers={"Content-Type": "text/csv"})
    assert_problem(r, 401, openapi, SNAPSHOTS, method="post")
    r = api.post(SNAPSHOTS + "?as_of=2001-09-30", data=body,
                 headers={"Content-Type": "text/csv", "Authorization": f"Bearer {keys['other']}"})
    assert_problem(r, 403, openapi, SNAPSHOTS, method="post")


def test_post_refuses_bad_rows_naming_line_and_column(api, openapi, keys, db):
    bad = fixture_csv().replace("female,white_british", "femail,white_british", 1) + \
        "test_dir,scale_9,male,white,not_disabled,no_religion,straight,age_35_44,-3,\n"
    r = api.post(SNAPSHOTS + "?as_of=2001-12-31", data=bad,
                 headers={"Content-Type": "text/csv", "Authorization": f"Bearer {keys['admin']}"})
    body = assert_problem(r, 422, openapi, SNAPSHOTS, method="post")
    pointers = {e["pointer"] for e in body["errors"]}
    assert "/lines/7/sex" in pointers
    assert "/lines/52/grade_band" in pointers and "/lines/52/hourly_pay" in pointers
    assert db.psql("SELECT count(*) FROM workforce_snapshots WHERE as_of = '2001-12-31'") == "0"


def test_post_json_body_and_replay(api, openapi, keys, db):
    as_of = "2002-03-31"
    employees = [dict(zip(HEADER.split(","), line.split(",")))
                 for line in fixture_csv().splitlines()[1:]]
    hdr = {"Authorization": f"Bearer {keys['admin']}"}
    try:
        r = api.post(SNAPSHOTS, json={"as_of": as_of, "employees": employees}, headers=hdr)
        assert r.status_code == 201, r.text[:300]
        assert openapi.validate(r, SNAPSHOTS, method="post")["outcome"] == "created"
        r = api.post(SNAPSHOTS, json={"as_of": as_of, "employees": employees}, headers=hdr)
        assert r.status_code == 200 and r.json()["outcome"] == "unchanged"
        employees[0]["hourly_pay"] = "11.00"
        r = api.post(SNAPSHOTS, json={"as_of": as_of, "employees": employees}, headers=hdr)
        assert r.status_code == 200 and r.json()["outcome"] == "replaced"
        employees[1]["sex"] = "unknown"
        employees[2]["shoe_size"] = "9"
        r = api.post(SNAPSHOTS, json={"as_of": as_of, "employees": employees}, headers=hdr)
        body = assert_problem(r, 422, openapi, SNAPSHOTS, method="post")
        pointers = {e["pointer"] for e in body["errors"]}
        assert "/employees/2/shoe_size" in pointers   # the contract's: an unknown field
        del employees[2]["shoe_size"]
        r = api.post(SNAPSHOTS, json={"as_of": as_of, "employees": employees}, headers=hdr)
        body = assert_problem(r, 422, openapi, SNAPSHOTS, method="post")
        pointers = {e["pointer"] for e in body["errors"]}
        assert "/employees/1/sex" in pointers         # the handler's: an unknown category
    finally:
        db.psql(f"DELETE FROM workforce_snapshots WHERE as_of = '{as_of}';"
                " SELECT pg_notify('eq_data_changed', 'workforce')")


def test_cli_import_is_atomic_and_idempotent(cli, tmp_path, db):
    as_of = "2003-03-31"
    good = tmp_path / "staff.csv"
    good.write_text(fixture_csv())
    bad = tmp_path / "bad.csv"
    bad.write_text(fixture_csv() + "test_dir,scale_1_3,male,white,not_disabled,no_religion,straight,"
                   "age_35_44,12.5x,\n")
    try:
        p = cli("import", "workforce", str(bad), "--as-of", as_of)
        assert p.returncode == 1
        assert "line 52" in p.stderr and "hourly_pay" in p.stderr
        assert db.psql(f"SELECT count(*) FROM workforce_snapshots WHERE as_of = '{as_of}'") == "0"
        p = cli("import", "workforce", str(good), "--as-of", as_of)
        assert p.returncode == 0, p.stderr
        assert "created" in p.stdout
        p = cli("import", "workforce", str(good), "--as-of", as_of)
        assert p.returncode == 0 and "unchanged" in p.stdout
        assert db.psql("SELECT count(*) FROM workforce_counts c JOIN workforce_snapshots s"
                       f" ON s.id = c.snapshot_id WHERE as_of = '{as_of}'") != "0"
        p = cli("import", "workforce", str(good), "--as-of", "31/03/2003")
        assert p.returncode == 2
    finally:
        db.psql(f"DELETE FROM workforce_snapshots WHERE as_of = '{as_of}';"
                " SELECT pg_notify('eq_data_changed', 'workforce')")


def test_seed_is_idempotent(cli, db):
    before = db.psql("SELECT string_agg(as_of || ':' || content_hash || ':' || loaded_at, ',' ORDER BY as_of)"
                     " FROM workforce_snapshots")
    p = cli("seed")
    assert p.returncode == 0, p.stderr
    after = db.psql("SELECT string_agg(as_of || ':' || content_hash || ':' || loaded_at, ',' ORDER BY as_of)"
                    " FROM workforce_snapshots")
    assert before == after
