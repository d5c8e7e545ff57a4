"""An attacker with public requests only (issue #13).

Downloads every public demographics table (every data set and
characteristic, every area), builds the relations anyone can read off the
tables (an area's total = its top-level categories, a parent = its
children, the borough = its wards, and a data set of a smaller population
= the larger one minus a hidden count of the people outside it), and
computes each withheld cell's range by linear programming, with GLPK's
simplex called directly through ctypes (the service's own C code is not
used).  Every withheld count is at least 1, since zero is published.

Result asked for: no range exact, none with its upper end below the
threshold, none narrower than the threshold; and the attacks of the issue
(Cricklewood's nested data sets, the Sikh 1,908 vs 1,905 two-ward sum)
fail.  It also reports the share of withheld cells, which must stay under
a quarter.
"""

import ctypes
import ctypes.util
import math
from collections import defaultdict

import pytest

THRESHOLD = 5
UNBOUNDED = float("inf")

# GLPK constants (glpk.h).
GLP_MIN, GLP_MAX = 1, 2
GLP_LO, GLP_FX = 2, 5
GLP_OPT, GLP_NOFEAS, GLP_UNBND = 5, 4, 6


def _glpk():
    name = ctypes.util.find_library("glpk")
    if not name:
        return None
    lib = ctypes.CDLL(name)
    lib.glp_create_prob.restype = ctypes.c_void_p
    lib.glp_get_obj_val.restype = ctypes.c_double
    lib.glp_get_obj_val.argtypes = [ctypes.c_void_p]
    lib.glp_set_row_bnds.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_int,
                                     ctypes.c_double, ctypes.c_double]
    lib.glp_set_col_bnds.argtypes = lib.glp_set_row_bnds.argtypes
    lib.glp_set_obj_coef.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_double]
    for f in ("glp_set_obj_dir", "glp_add_rows", "glp_add_cols", "glp_get_status",
              "glp_simplex", "glp_delete_prob", "glp_load_matrix", "glp_std_basis"):
        getattr(lib, f).argtypes = None
    return lib


GLPK = _glpk()
pytestmark = pytest.mark.skipif(GLPK is None, reason="libglpk is not installed")


class Problem:
    """Cells (published values or withheld variables) and equalities."""

    def __init__(self):
        self.value = {}      # key -> published value (None: withheld)
        self.lower = {}      # key -> lower bound of a variable
        self.rows = []       # list of {key: coefficient}, each sum = 0

    def cell(self, key, value, lower=1):
        self.value[key] = value
        if value is None:
            self.lower[key] = lower

    def relation(self, total, parts):
        row = defaultdict(int)
        row[total] += 1
        for p in parts:
            row[p] -= 1
        self.rows.append(row)

    def ranges(self):
        """{withheld key: (lo, hi)}, exact LP ranges rounded inwards."""
        cols = [k for k, v in self.value.items() if v is None]
        col = {k: i + 1 for i, k in enumerate(cols)}
        if not cols:
            return {}
        lib = GLPK
        lp = ctypes.c_void_p(lib.glp_create_prob())
        lib.glp_term_out(0)
        lib.glp_add_cols(lp, len(cols))
        for k, j in col.items():
            lib.glp_set_col_bnds(lp, j, GLP_LO, float(self.lower[k]), 0.0)
        ia, ja, ar = [0], [0], [0.0]
        nrows = 0
        for row in self.rows:
            rhs = 0.0
            terms = []
            for k, c in row.items():
                if c == 0:
                    continue
                if self.value[k] is None:
                    terms.append((col[k], c))
                else:
                    rhs -= c * self.value[k]
            if not terms:
                continue
            nrows += 1
            lib.glp_add_rows(lp, 1)
            lib.glp_set_row_bnds(lp, nrows, GLP_FX, rhs, rhs)
            for j, c in terms:
                ia.append(nrows)
                ja.append(j)
                ar.append(float(c))
        n = len(ia) - 1
        lib.glp_load_matrix(lp, n, (ctypes.c_int * (n + 1))(*ia),
                            (ctypes.c_int * (n + 1))(*ja), (ctypes.c_double * (n + 1))(*ar))
        parm = (ctypes.c_int * 256)()   # glp_smcp, msg_lev first
        lib.glp_init_smcp(parm)
        parm[0] = 0
        out = {}
        for k, j in col.items():
            lib.glp_set_obj_coef(lp, j, 1.0)
            ends = []
            for direction in (GLP_MIN, GLP_MAX):
                lib.glp_set_obj_dir(lp, direction)
                if lib.glp_simplex(lp, parm) != 0:
                    lib.glp_std_basis(lp)
                    assert lib.glp_simplex(lp, parm) == 0
                status = lib.glp_get_status(lp)
                if status == GLP_UNBND:
                    ends.append(UNBOUNDED)
                    continue
                assert status == GLP_OPT, f"LP status {status} for {k}"
                v = lib.glp_get_obj_val(lp)
                ends.append(math.ceil(v - 1e-6) if direction == GLP_MIN else math.floor(v + 1e-6))
            out[k] = tuple(ends)
            lib.glp_set_obj_coef(lp, j, 0.0)
        lib.glp_delete_prob(lp)
        return out


def fetch_all(api, path, **params):
    rows, url = [], path
    while url:
        r = api.get(url, params=params if url == path else None)
        assert r.status_code == 200, r.text
        body = r.json()
        rows += body["data"]
        url = body["links"].get("next")
    return rows


@pytest.fixture(scope="module")
def demographics(server):
    from harness import ApiClient

    api = ApiClient(server.url)
    datasets = fetch_all(api, "/v1/demographics/datasets")
    tables = {}
    for ds in datasets:
        for ch in ds["characteristics"]:
            tables[(ds["slug"], ch)] = fetch_all(api, "/v1/demographics",
                                                 dataset=ds["slug"], characteristic=ch)
    api.close()
    return datasets, tables


# The working-age data set counts a subset of the people all residents do.
SUBSET_OF = {"census-2021-demo-working-age": "census-2021-demo"}


def build(datasets, tables, characteristic):
    """The linked problem of one characteristic across every data set."""
    p = Problem()
    slugs = [d["slug"] for d in datasets if characteristic in d["characteristics"]]
    for slug in slugs:
        rows = tables[(slug, characteristic)]
        parent_of, children = {}, defaultdict(list)
        areas = {}
        for r in rows:
            key = (slug, r["area"]["code"], r["category"]["code"])
            p.cell(key, None if r["suppressed"] else r["value"])
            areas[r["area"]["code"]] = r["area"]["kind"]
            parent_of[r["category"]["code"]] = r["category"]["parent"]
        for cat, parent in parent_of.items():
            if cat != "total":
                children[parent or "total"].append(cat)
        for area in areas:
            for total, parts in children.items():
                p.relation((slug, area, total), [(slug, area, c) for c in parts])
        boroughs = [a for a, k in areas.items() if k == "borough"]
        wards = [a for a, k in areas.items() if k == "ward"]
        for b in boroughs:
            for cat in parent_of:
                p.relation((slug, b, cat), [(slug, w, cat) for w in wards])
    for sub, sup in SUBSET_OF.items():
        if sub not in slugs or sup not in slugs:
            continue
        for key in [k for k in p.value if k[0] == sub]:
            big = (sup,) + key[1:]
            if big in p.value:
                hidden = ("outside " + sub,) + key[1:]
                p.cell(hidden, None, lower=0)
                p.relation(big, [key, hidden])
    return p


def failures(ranges):
    exact, small, narrow = [], [], []
    for key, (lo, hi) in ranges.items():
        # (A release's cells are keyed by its version first.)
        hidden = any(isinstance(x, str) and x.startswith("outside ") for x in key[:2])
        if hidden:
            # A hidden difference may be 0 (then nothing is withheld);
            # one that must be 1 or more must not be shown small.
            if lo >= 1 and hi < THRESHOLD:
                small.append((key, lo, hi))
            continue
        if lo == hi:
            exact.append((key, lo))
        elif hi < THRESHOLD:
            small.append((key, lo, hi))
        elif hi - lo < THRESHOLD:
            narrow.append((key, lo, hi))
    return exact, small, narrow


def test_no_withheld_cell_can_be_narrowed(demographics):
    datasets, tables = demographics
    withheld = total = 0
    bad = {"exact": [], "small": [], "narrow": []}
    for ch in sorted({c for d in datasets for c in d["characteristics"]}):
        p = build(datasets, tables, ch)
        total += sum(1 for k in p.value if not k[0].startswith("outside "))
        withheld += sum(1 for k, v in p.value.items()
                        if v is None and not k[0].startswith("outside "))
        exact, small, narrow = failures(p.ranges())
        bad["exact"] += exact
        bad["small"] += small
        bad["narrow"] += narrow
    share = withheld / total
    print(f"demographics: {withheld} of {total} cells withheld ({share:.1%}); "
          f"{len(bad['exact'])} exact, {len(bad['small'])} shown small, "
          f"{len(bad['narrow'])} narrower than {THRESHOLD}")
    assert bad == {"exact": [], "small": [], "narrow": []}
    assert share < 0.25


def _value(tables, slug, ch, area, cat):
    for r in tables[(slug, ch)]:
        if r["area"]["code"] == area and r["category"]["code"] == cat:
            return r
    raise AssertionError(f"no cell {slug} {ch} {area} {cat}")


def test_cricklewood_nested_sets_attack_fails(demographics):
    """9 among all residents and 6 of working age gave away 3 people."""
    _, tables = demographics
    cells = [_value(tables, slug, "ethnicity", "E05013634", "white_gypsy_irish_traveller")
             for slug in ("census-2021-demo", "census-2021-demo-working-age")]
    assert any(c["suppressed"] for c in cells)
    # Published figures of both sets cannot pin the difference small either.
    datasets, _ = demographics
    p = build(datasets, tables, "ethnicity")
    ranges = p.ranges()
    key = ("outside census-2021-demo-working-age", "E05013634", "white_gypsy_irish_traveller")
    if key in ranges:
        lo, hi = ranges[key]
        assert not (lo >= 1 and hi < THRESHOLD), (lo, hi)


def test_sikh_two_ward_sum_attack_fails(demographics):
    """The borough's 1,908 less the published wards left 3 for two wards."""
    datasets, tables = demographics
    rows = [r for r in tables[("census-2021-demo", "religion")] if r["category"]["code"] == "sikh"]
    borough = [r for r in rows if r["area"]["kind"] == "borough"]
    wards = [r for r in rows if r["area"]["kind"] == "ward"]
    published = sum(r["value"] for r in wards if not r["suppressed"])
    withheld = [r for r in wards if r["suppressed"]]
    if borough and not borough[0]["suppressed"] and withheld:
        left = borough[0]["value"] - published
        # What is left for the withheld wards is no proof any of them is small.
        assert left - (len(withheld) - 1) >= THRESHOLD
    ranges = build(datasets, tables, "religion").ranges()
    for r in withheld:
        lo, hi = ranges[("census-2021-demo", r["area"]["code"], "sikh")]
        assert hi >= THRESHOLD and hi - lo >= THRESHOLD, (r["area"]["code"], lo, hi)


# --- hate-crime statistics: every published cell of every year with data ---

HC = "/v1/hate-crime/statistics"
# Every canonical grouping of the hate-crime statistics, by period.
HC_GROUPINGS = [f"{t},{d}" if d else t for t in ("month", "quarter", "financial_year")
                for d in (None, "ward", "offence_type", "channel", "source", "strand")] + ["ward,strand"]
HC_DIMS = ("ward", "strand", "offence_type", "channel", "source")


def _hc_add(cells, rows):
    for r in rows:
        key = (r["measure"], r["period"]["kind"], r["period"]["start"], r["period"]["end"]) + \
            tuple(_code(r[d]) for d in HC_DIMS)
        value = None if r["suppressed"] else r["value"]
        assert cells.get(key, value) == value, f"{key}: two answers"
        cells[key] = value


@pytest.fixture(scope="module")
def hate_crime(server):
    from harness import ApiClient

    api = ApiClient(server.url)
    years = [r["period"]["label"] for r in fetch_all(api, HC, **{"from": "2016/17", "to": "2025/26",
                                                                 "group_by": "financial_year"})
             if r["value"] != 0]
    cells = {}
    for y in years:
        for g in HC_GROUPINGS:
            _hc_add(cells, fetch_all(api, HC, **{"from": y, "to": y, "group_by": g}))
        # Every rolling year to a month of the year that is published
        # (total and sources); the others are refused.
        fy = int(y[:4])
        for m in [f"{fy + (k < 4)}-{k:02d}" for k in list(range(4, 13)) + [1, 2, 3]]:
            r = api.get(HC, params={"period": f"rolling-12:{m}", "group_by": "source"})
            assert r.status_code in (200, 400), r.text
            if r.status_code == 200:
                _hc_add(cells, r.json()["data"])
    api.close()
    assert any(k[1] == "rolling_12_months" and v is not None for k, v in cells.items())
    return cells


def _code(v):
    return v["code"] if isinstance(v, dict) else v


def hate_crime_problem(cells):
    p = Problem()
    for key, value in cells.items():
        p.cell(key, value)
    by_shape = defaultdict(list)
    for key in cells:
        by_shape[(key[0],) + key[4:]].append(key)
    # Time: a year is its quarters, a quarter its months, a rolling year
    # its twelve months, across financial years (same breakdown).
    finer = {"financial_year": "quarter", "quarter": "month", "rolling_12_months": "month"}
    for shape, keys in by_shape.items():
        for k in keys:
            if k[1] in finer:
                parts = [x for x in keys if x[1] == finer[k[1]] and k[2] <= x[2] and x[3] <= k[3]]
                if parts:
                    p.relation(k, parts)
    # Breakdowns: a total is its wards, offence types, channels or strands;
    # for a year, a ward's strands and a strand's wards too.
    index = defaultdict(list)
    for key in cells:
        dims = dict(zip(HC_DIMS, key[4:]))
        set_dims = tuple(d for d in HC_DIMS if dims[d] is not None)
        index[(key[:4], set_dims)].append(key)
    for (head, set_dims), keys in list(index.items()):
        if set_dims == ():
            for d in HC_DIMS:
                parts = index.get((head, (d,)), [])
                if parts:
                    p.relation(keys[0], parts)
        if set_dims in (("ward",), ("strand",)):
            both = index.get((head, ("ward", "strand")), [])
            for k in keys:
                pos = 4 if set_dims == ("ward",) else 5
                parts = [x for x in both if x[pos] == k[pos]]
                if parts:
                    p.relation(k, parts)
    return p


def test_hate_crime_withheld_cells_cannot_be_narrowed(hate_crime):
    p = hate_crime_problem(hate_crime)
    exact, small, narrow = failures(p.ranges())
    withheld = sum(v is None for v in hate_crime.values())
    print(f"hate crime: {withheld} of {len(hate_crime)} cells withheld "
          f"({withheld / len(hate_crime):.1%}); {len(exact)} exact, {len(small)} shown small, "
          f"{len(narrow)} narrower than {THRESHOLD}")
    # Where the withheld cells are: by period kind and breakdown.
    families = defaultdict(lambda: [0, 0])
    for key, value in hate_crime.items():
        dims = "x".join(d for d, v in zip(HC_DIMS, key[4:]) if v is not None) or "total"
        fam = families[(key[0], key[1], dims)]
        fam[0] += value is None
        fam[1] += 1
    for fam, (w, n) in sorted(families.items()):
        print(f"  {' '.join(fam)}: {w} of {n} withheld")
    assert (exact, small, narrow) == ([], [], [])


# --- workforce profile: every snapshot, characteristic and grouping ---

WF = "/v1/workforce/profile"


@pytest.fixture(scope="module")
def workforce(server):
    from harness import ApiClient

    api = ApiClient(server.url)
    cells = {}
    for snap in fetch_all(api, "/v1/workforce/snapshots"):
        for group in (None, "directorate", "grade_band"):
            params = {"as_of": snap["as_of"]}
            if group:
                params["group_by"] = group
            for r in fetch_all(api, WF, **params):
                key = (r["as_of"], r["characteristic"], r["directorate"], r["grade_band"],
                       r["category"]["code"])
                value = None if r["suppressed"] else r["value"]
                assert cells.get(key, value) == value, f"{key}: two answers"
                cells[key] = value
    api.close()
    return cells


def workforce_problem(cells):
    """Each row's total is its categories; the council's cell is the sum
    of the directorates' and of the grade bands'."""
    p = Problem()
    rows = defaultdict(list)
    for key, value in cells.items():
        p.cell(key, value)
        rows[key[:4]].append(key)
    for row, keys in rows.items():
        p.relation(row + ("total",), [k for k in keys if k[4] != "total"])
    for key in cells:
        if key[2] is None and key[3] is None:
            for pos in (2, 3):
                parts = [k for k in cells if k[:2] == key[:2] and k[4] == key[4] and
                         k[pos] is not None and k[5 - pos] is None]
                if parts:
                    p.relation(key, parts)
    return p


def test_workforce_withheld_cells_cannot_be_narrowed(workforce):
    exact, small, narrow = failures(workforce_problem(workforce).ranges())
    withheld = sum(v is None for v in workforce.values())
    print(f"workforce: {withheld} of {len(workforce)} cells withheld "
          f"({withheld / len(workforce):.1%}); {len(exact)} exact, {len(small)} shown small, "
          f"{len(narrow)} narrower than {THRESHOLD}")
    assert (exact, small, narrow) == ([], [], [])


# --- workforce representation against residents (issue #13 part 2) ---

WR = "/v1/workforce/representation"
SHARE_ROUNDING = 0.00005   # shares are published to 4 decimals


@pytest.fixture(scope="module")
def representation(server, demographics):
    """Every representation row: each snapshot, characteristic, and data
    set of residents (the default and each one holding the
    characteristic)."""
    from harness import ApiClient

    datasets, _ = demographics
    api = ApiClient(server.url)
    rows = []
    for snap in fetch_all(api, "/v1/workforce/snapshots"):
        for ch in ("sex", "ethnicity", "disability", "religion", "sexual_orientation"):
            for ds in [None] + [d["slug"] for d in datasets if ch in d["characteristics"]]:
                params = {"as_of": snap["as_of"], "characteristic": ch}
                if ds:
                    params["dataset"] = ds
                r = api.get(WR, params=params)
                assert r.status_code == 200, r.text
                body = r.json()
                slug = body["meta"]["residents"]["dataset"]
                rows += [dict(row, dataset=slug, senior_grades=body["meta"]["senior_grades"])
                         for row in body["data"]]
    api.close()
    return rows


def _recovered(share, total):
    """The counts a share of a known total allows, given the rounding."""
    return range(math.ceil((share - SHARE_ROUNDING) * total - 1e-9),
                 math.floor((share + SHARE_ROUNDING) * total + 1e-9) + 1)


def test_representation_opens_no_path(representation, workforce, demographics):
    """Workforce shares next to resident shares, and their ratio, reveal
    nothing that the workforce profile and the demographics tables do not
    publish already.  The workforce and the residents are different
    populations (staff need not live in the borough), so no relation links
    the two problems; what remains to check is that each share is of a
    published count:
     - a workforce share at all grades is the published council cell over
       the published council total;
     - a workforce share at senior grades (a cell the profile does not
       list) is, when the senior total can be added up from published
       grade bands, an exact count: those counts join the workforce
       problem with senior = the senior grade bands, and every withheld
       cell's range must still pass;
     - a resident share is a published borough cell over its total;
     - a ratio only where both shares are published."""
    _, tables = demographics
    demo = {}
    for (slug, ch), rows in tables.items():
        for r in rows:
            if r["area"]["kind"] == "borough":
                demo[(slug, ch, r["category"]["code"])] = None if r["suppressed"] else r["value"]
    p = workforce_problem(workforce)
    senior_added = senior_unknown = 0
    for row in representation:
        as_of, ch, code = row["as_of"], row["characteristic"], row["category"]["code"]
        share = row["workforce_share"]
        if row["ratio"] is not None:
            assert share is not None and row["resident_share"] is not None, row
        if row["resident_share"] is not None:
            n, total = demo.get((row["dataset"], ch, code)), demo.get((row["dataset"], ch, "total"))
            assert n is not None and total, f"resident share of a withheld count: {row}"
            assert abs(n / total - row["resident_share"]) <= SHARE_ROUNDING + 1e-12, row
        if share is None:
            continue
        if row["grades"] == "all":
            n, total = workforce.get((as_of, ch, None, None, code)), workforce.get((as_of, ch, None, None, "total"))
            assert n is not None and total, f"workforce share of a withheld count: {row}"
            assert n in _recovered(share, total), row
            continue
        totals = [workforce.get((as_of, ch, None, g, "total")) for g in row["senior_grades"]]
        if any(t is None for t in totals):
            senior_unknown += 1
            continue
        counts = list(_recovered(share, sum(totals)))
        assert len(counts) == 1, (row, counts)
        key = (as_of, ch, None, "senior", code)
        p.cell(key, counts[0])
        p.relation(key, [(as_of, ch, None, g, code) for g in row["senior_grades"]])
        senior_added += 1
    exact, small, narrow = failures(p.ranges())
    shown = sum(r["workforce_share"] is not None for r in representation)
    print(f"representation: {len(representation)} rows, {shown} workforce shares published "
          f"({senior_added} at senior grades added to the workforce problem as counts, "
          f"{senior_unknown} of unknown senior total); with them {len(exact)} exact, "
          f"{len(small)} shown small, {len(narrow)} narrower than {THRESHOLD}")
    assert (exact, small, narrow) == ([], [], [])


# --- the partner returns summary of every window ---


@pytest.fixture(scope="module")
def returns_summary(server):
    """Cells of every window that combines 3 or more partners (fewer
    publish nothing at all, by rule)."""
    from harness import ApiClient
    from secsupport import COUNCIL, make_key

    api = ApiClient(server.url)
    key = make_key(COUNCIL, "review:returns")
    r = api.get("/v1/return-windows", headers={"Authorization": f"Bearer {key}"})
    assert r.status_code == 200, r.text
    cells = {}
    for w in r.json()["data"]:
        for row in fetch_all(api, "/v1/returns/summary", window=w["id"]):
            if row["partners"] >= 3:
                key_ = (row["window"], row["characteristic"], row["category"])
                cells[key_] = None if row["suppressed"] else row["value"]
    api.close()
    return cells


def returns_problem(cells):
    """Each characteristic's categories add up to the window's one total."""
    p = Problem()
    by_ch = defaultdict(list)
    for key, value in cells.items():
        by_ch[key[:2]].append(key)
        if key[2] == "total":
            key = (key[0], "*", "total")
        p.cell(key, value)
    for (window, _), keys in by_ch.items():
        p.relation((window, "*", "total"), [k for k in keys if k[2] != "total"])
    return p


def test_returns_summary_withheld_cells_cannot_be_narrowed(returns_summary):
    exact, small, narrow = failures(returns_problem(returns_summary).ranges())
    withheld = sum(v is None for v in returns_summary.values())
    print(f"returns summary: {withheld} of {len(returns_summary)} cells withheld; "
          f"{len(exact)} exact, {len(small)} shown small, {len(narrow)} narrower than {THRESHOLD}")
    assert (exact, small, narrow) == ([], [], [])


def test_share_withheld_stays_under_a_quarter(demographics, hate_crime, workforce, returns_summary):
    _, tables = demographics
    demo = [r["suppressed"] for rows in tables.values() for r in rows]
    cells = demo + [v is None for v in hate_crime.values()] + [v is None for v in workforce.values()] + \
        [v is None for v in returns_summary.values()]
    share = sum(cells) / len(cells)
    print(f"all public tables: {sum(cells)} of {len(cells)} cells withheld ({share:.1%})")
    assert share < 0.25


# --- releases: the attacker holds every release and knows what changed ---
#
# Two histories are attacked.  The demo history `equalities-api seed` makes
# (seed_history.h), on a database of its own seeded as scripts/run leaves
# one: what an outsider finds.  And one made here as the council would make it: a
# hate-crime release, one report withdrawn (from a ward's quarter of
# exactly 5 where there is one), another release; a returns window released
# with three partners' accepted returns, then a fourth partner's late return
# accepted (which releases the summary again by itself).  The attacker then downloads every release
# (public requests only), relates them - each release's own relations, and
# every cell that did not change between two releases is one unknown - and
# computes each withheld cell's range over the whole history.  Which cells
# changed is given to the attacker exactly (the cells the withdrawn report
# counts in; the summary's cells the late return adds to, from the council's
# live summary before and after; for the seeded history, the categories
# the late return counts in): the strongest attacker the issue names.
# Releases and the withdrawal are undone at the end.

RELEASE_CLEANUP = ("ALTER TABLE releases DISABLE TRIGGER releases_no_update; DELETE FROM releases;"
                   " ALTER TABLE releases ENABLE TRIGGER releases_no_update")
RELEASE_NOTIFY = ("SELECT pg_notify('eq_data_changed', 'hate_crime');"
                  " SELECT pg_notify('eq_data_changed', 'returns');"
                  " SELECT pg_notify('eq_data_changed', 'reference')")


def _get_json(api, path, key=None, **params):
    rows, url = [], path
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    while url:
        r = api.get(url, params=params if url == path else None, headers=headers)
        assert r.status_code == 200, r.text
        body = r.json()
        rows += body["data"]
        url = body["links"].get("next")
    return rows


def hate_crime_cells(api, years, key=None, **params):
    """Every canonical cell of the given years, as the hate_crime fixture,
    and the one rolling year the release publishes (total and sources)."""
    cells = {}
    for y in years:
        for g in HC_GROUPINGS:
            _hc_add(cells, _get_json(api, HC, key, **{"from": y, "to": y, "group_by": g, **params}))
    _hc_add(cells, _get_json(api, HC, key, period="rolling-12:latest", group_by="source", **params))
    return cells


def summary_cells(api, window, key=None, **params):
    return {(row["window"], row["characteristic"], row["category"]):
            None if row["suppressed"] else row["value"]
            for row in _get_json(api, "/v1/returns/summary", key, window=window, **params)}


def _withdrawable(api, pg, years):
    """A report to withdraw: one that counts alone (no police reference),
    in a ward and quarter that release 1 published as 5 (attack 3), or as
    the smallest published count there is."""
    cells = []
    for y in years:
        for r in fetch_all(api, HC, **{"from": y, "to": y, "group_by": "quarter,ward"}):
            if r["ward"] and r["ward"]["code"].startswith("E") and not r["suppressed"] and r["value"] >= THRESHOLD:
                cells.append((r["value"] != THRESHOLD, r["value"], r["period"]["start"], r["period"]["end"],
                              r["ward"]["code"]))
    for _, value, start, end, ward in sorted(cells):
        found = pg.psql("SELECT id FROM hate_crime_reports WHERE status = 'active' AND police_key IS NULL"
                        f" AND location = 'ward' AND ward_code = '{ward}'"
                        f" AND occurred_from BETWEEN '{start}' AND '{end}' ORDER BY id LIMIT 1")
        if found:
            return found, value
    raise AssertionError("no published ward and quarter with a report that counts alone")


def _years(api):
    return [r["period"]["label"] for r in fetch_all(api, HC, **{"from": "2016/17", "to": "2025/26",
                                                                "group_by": "financial_year"})
            if r["value"] != 0]


@pytest.fixture(scope="module", params=["seeded", "own"])
def release_history(request, server):
    if request.param == "seeded":
        yield from _seeded_history()
    else:
        yield from _own_history(server)


# The late return the seed accepted: the window's last return changed.
LATE_RETURN_CELLS = (
    "WITH p AS (SELECT * FROM partner_returns WHERE window_id = '{window}' AND status = 'accepted'"
    "           ORDER BY updated_at DESC LIMIT 1),"
    " l AS (SELECT ch.key AS ch, l.key AS cat, l.value::int AS n FROM p"
    "       CROSS JOIN LATERAL jsonb_each(p.lines) ch CROSS JOIN LATERAL jsonb_each_text(ch.value) l)"
    " SELECT DISTINCT l.ch || '|' || coalesce(c.parent_code, l.cat) FROM l"
    " LEFT JOIN categories c ON c.characteristic_code = l.ch AND c.code = l.cat WHERE l.n > 0")


def _seeded_history():
    """The seed's own history, on a fresh database: what changed is read
    from that database (the report the seed withdrew, the categories of
    the return it accepted late, and every total)."""
    from harness import ApiClient, PgControl, Server, database_name, seeded_database

    url = seeded_database("attack")
    pg = PgControl(database=database_name(url))
    server = Server("attack-history", env={"EQ_DATABASE_URL": url}).start()
    api = ApiClient(server.url)
    try:
        window = next(r["key"] for r in fetch_all(api, "/v1/releases") if r["statistic"] == "returns-summary")
        month, ward, offence, channel, strands, source = pg.psql(
            "SELECT to_char(r.occurred_from, 'YYYY-MM-01'), r.ward_code, r.offence_type, r.channel,"
            " array_to_string(r.strands, ','), o.kind FROM hate_crime_reports r"
            " JOIN organisations o ON o.id = r.organisation_id"
            " WHERE r.status = 'withdrawn' AND r.withdrawn_reason LIKE 'Demo history:%'").split("|")
        late = {tuple(line.split("|")) for line in pg.psql(LATE_RETURN_CELLS.format(window=window)).splitlines()}
        rs_changed = {(window, ch, cat) for ch, cat in late} | {(window, ch, "total") for ch, _ in late}
        yield {"years": _years(api), "window": window, "url": server.url, "added": None,
               "withdrawn": (month, ward, offence, channel, set(strands.split(",")), source),
               "rs_changed": rs_changed}
    finally:
        api.close()
        server.stop()


def _own_history(server):
    from harness import ApiClient, PgControl
    from secsupport import COUNCIL, make_key

    pg = PgControl()
    api = ApiClient(server.url)
    admin = make_key(COUNCIL, "admin,read:hate-crime")
    reviewer = make_key(COUNCIL, "review:returns")
    pg.psql(RELEASE_CLEANUP)
    pg.psql(RELEASE_NOTIFY)
    years = _years(api)
    window, late = _returns_window(api, pg, reviewer)
    history = {"years": years, "window": window, "url": server.url}
    report = None
    try:
        def release(path, body, key):
            r = api.post(path, json=body, headers={"Authorization": f"Bearer {key}"})
            assert r.status_code == 201, r.text

        history["rs_live"] = [summary_cells(api, window, reviewer, release="live")]
        release("/v1/hate-crime/releases", {"reason": "Monthly release."}, admin)
        release("/v1/returns/summary/releases", {"window": window, "reason": "The window closed."}, reviewer)
        report, history["in_cell"] = _withdrawable(api, pg, years)
        # It counts alone (no police reference): its source is the kind of
        # the organisation that received it.
        month, ward, offence, channel, strands, source = pg.psql(
            "SELECT to_char(r.occurred_from, 'YYYY-MM-01'), r.ward_code, r.offence_type, r.channel,"
            " array_to_string(r.strands, ','), o.kind FROM hate_crime_reports r"
            f" JOIN organisations o ON o.id = r.organisation_id WHERE r.id = '{report}'").split("|")
        history["withdrawn"] = (month, ward, offence, channel, set(strands.split(",")), source)
        before = api.get("/v1/changes").json()["version"]
        pg.psql(f"UPDATE hate_crime_reports SET status = 'withdrawn', withdrawn_reason = 'attack test',"
                f" updated_at = now() WHERE id = '{report}'")
        # What the public's change feed said of the withdrawal (attack 3).
        history["feed"] = [_public_news(api, before, wait=2)]
        # The next month's data: one police report in the month after the
        # last, so that the rolling year moves a month between releases.
        history["added"] = _add_next_month(api, pg, history)
        pg.psql(RELEASE_NOTIFY)
        late()
        history["rs_live"].append(summary_cells(api, window, reviewer, release="live"))
        history["rs_changed"] = _changed(history["rs_live"])
        history["feed"].append(_public_news(api, before, wait=5))
        release("/v1/hate-crime/releases", {"reason": "Monthly release."}, admin)
        history["feed"].append(_public_news(api, before, wait=5))
        # The late return's acceptance released the window's summary again.
        yield history
    finally:
        if report:
            pg.psql("UPDATE hate_crime_reports SET status = 'active', withdrawn_reason = NULL"
                    f" WHERE id = '{report}'")
        pg.psql(f"DELETE FROM hate_crime_reports WHERE submitter_reference = '{ADDED_REF}'")
        pg.psql(RELEASE_CLEANUP)
        pg.psql(RELEASE_NOTIFY)
        api.close()


ADDED_REF = "attack-next-month-1"


def _public_news(api, since, wait):
    """The data areas the public's change feed reports since a version."""
    r = api.get("/v1/changes", params={"since": since, "wait": wait, "areas": "hate_crime,returns"})
    assert r.status_code == 200, r.text
    return {c["area"] for c in r.json()["changes"]}


def _add_next_month(api, pg, history):
    """One police report ten days after the live rolling year ends; its
    financial year joins the years downloaded.  Returns it as counts_in
    reads it."""
    r = api.get(HC, params={"period": "rolling-12:latest"})
    assert r.status_code == 200, r.text
    end = r.json()["data"][0]["period"]["end"]
    ward = pg.psql("SELECT code FROM areas WHERE kind = 'ward' ORDER BY code LIMIT 1")
    month = pg.psql(f"SELECT to_char(DATE '{end}' + 10, 'YYYY-MM-01')")
    pg.psql("INSERT INTO hate_crime_reports (organisation_id, submitter_reference, police_reference,"
            " occurred_from, occurred_to, reported_on, location, ward_code, strands,"
            " other_strand_reason, offence_type, channel, status, withdrawn_reason) VALUES"
            f" ((SELECT id FROM organisations WHERE slug = 'police-feed'), '{ADDED_REF}', NULL,"
            f" DATE '{month}' + 9, DATE '{month}' + 9, DATE '{month}' + 9, 'ward', '{ward}',"
            " ARRAY['race']::text[], NULL, 'harassment', 'police', 'active', NULL)")
    fy = int(month[:4]) - (int(month[5:7]) < 4)
    label = f"{fy}/{(fy + 1) % 100:02d}"
    if label not in history["years"]:
        history["years"].append(label)
    return (month, ward, "harassment", "police", {"race"}, "police")


def _returns_window(api, pg, reviewer):
    """A workforce window past its due date with three partners' returns
    accepted, and a function that accepts a fourth, late."""
    import secrets

    from secsupport import make_key

    auth_ = {"Authorization": f"Bearer {reviewer}"}
    for _ in range(20):
        y = secrets.randbelow(6000) + 2200
        r = api.post("/v1/return-windows", json={"kind": "workforce", "period": f"{y}/{(y + 1) % 100:02d} Q2",
                                                  "open_date": "2001-01-01", "due_date": "2001-06-30"},
                     headers=auth_)
        if r.status_code != 409:
            break
    assert r.status_code == 201, r.text
    window = r.json()["id"]
    mixes = [(100, 60, 40, 100, 12, 88), (120, 70, 50, 110, 20, 100), (90, 45, 45, 80, 9, 81),
             (10, 7, 3, 10, 0, 10)]
    ids = []
    for n, (total, female, male, white, disabled, not_disabled) in enumerate(mixes):
        slug = f"attack-partner-{secrets.token_hex(4)}"
        pg.psql(f"INSERT INTO organisations (slug, name, kind) VALUES ('{slug}', 'Attack test {n}', 'partner')")
        key = make_key(slug, "submit:returns")
        lines = {"sex": {"female": female, "male": male},
                 "ethnicity": {"white_british": white, "not_known": total - white},
                 "disability": {"disabled": disabled, "not_disabled": not_disabled},
                 "age": {"age_25_29": total}}
        r = api.post("/v1/returns", json={"window": window, "total": total, "lines": lines},
                     headers={"Authorization": f"Bearer {key}"})
        assert r.status_code == 201, r.text
        rid = r.json()["id"]
        r = api.post(f"/v1/returns/{rid}/submit", json={"late_reason": "Test history."},
                     headers={"Authorization": f"Bearer {key}"})
        assert r.status_code == 200, r.text
        ids.append(rid)

    def accept(rid):
        r = api.post(f"/v1/returns/{rid}/review", json={"outcome": "accepted"}, headers=auth_)
        assert r.status_code == 200, r.text

    for rid in ids[:3]:
        accept(rid)
    return window, lambda: accept(ids[3])


def _downloaded(api, history):
    """Every release, as the public downloads it: {release id: cells}."""
    out = {"hate-crime": {}, "returns-summary": {}}
    for rel in fetch_all(api, "/v1/releases"):
        rid = str(rel["id"])
        if rel["statistic"] == "hate-crime":
            out["hate-crime"][rel["version"]] = hate_crime_cells(api, history["years"], release=rid)
        elif rel["key"] == history["window"]:
            out["returns-summary"][rel["version"]] = summary_cells(api, rel["key"], release=rid)
    return out


def joint_problem(releases, build_one, changed):
    """Each release's own problem, its cells keyed by version, and one
    unknown for every cell unchanged between consecutive versions."""
    p = Problem()
    for version, cells in sorted(releases.items()):
        own = build_one(cells)
        for k, v in own.value.items():
            p.cell((version,) + k, v, own.lower.get(k, 1))
        for row in own.rows:
            p.rows.append({(version,) + k: c for k, c in row.items()})
    versions = sorted(releases)
    for a, b in zip(versions, versions[1:]):
        for k in releases[b]:
            if k not in changed and (a,) + k in p.value:
                p.relation((b,) + k, [(a,) + k])
    return p


def counts_in(key, withdrawn):
    """Does hate-crime cell key count the withdrawn (or added) report?"""
    if withdrawn is None:
        return False
    month, ward, offence, channel, strands, source = withdrawn
    measure, _, start, end, w, strand, o, c, src = key
    if not start <= month <= end or w not in (None, ward):
        return False
    if measure == "reports":
        return o in (None, offence) and c in (None, channel) and src in (None, source)
    return strand is None or strand in strands


def hc_changed(history, releases):
    return {k for cells in releases.values() for k in cells
            if counts_in(k, history["withdrawn"]) or counts_in(k, history["added"])}


def _changed(live):
    before, after = live
    return {k for k in set(before) | set(after) if before.get(k) != after.get(k)}


@pytest.fixture(scope="module")
def downloaded(release_history):
    from harness import ApiClient

    api = ApiClient(release_history["url"])
    try:
        yield _downloaded(api, release_history)
    finally:
        api.close()


def _report(name, p, releases):
    exact, small, narrow = failures(p.ranges())
    for version, cells in sorted(releases.items()):
        withheld = sum(v is None for v in cells.values())
        print(f"{name} release {version}: {withheld} of {len(cells)} cells withheld "
              f"({withheld / max(len(cells), 1):.1%})")
    print(f"{name}, all releases together: {len(exact)} exact, {len(small)} shown small, "
          f"{len(narrow)} narrower than {THRESHOLD}")
    return exact, small, narrow


def test_hate_crime_releases_cannot_be_narrowed_together(release_history, downloaded):
    releases = downloaded["hate-crime"]
    assert sorted(releases) == [1, 2]
    p = joint_problem(releases, hate_crime_problem, hc_changed(release_history, releases))
    assert _report("hate crime", p, releases) == ([], [], [])
    # The price of the history: release 2 withholds little more than 1.
    share = [sum(v is None for v in releases[n].values()) / len(releases[n]) for n in (1, 2)]
    assert share[1] - share[0] < 0.02, share


def test_withdrawn_report_attack_fails(release_history, downloaded):
    """Attack 3: the withdrawn report's ward and quarter moved (from 5 to 4
    where the demo data has such a cell); the year minus the other quarters
    must not give it, and no combination of both releases may pin it."""
    month, ward = release_history["withdrawn"][:2]
    releases = downloaded["hate-crime"]
    cell = next(k for k in releases[2] if k[:2] == ("reports", "quarter") and k[2] <= month <= k[3]
                and k[4:] == (ward, None, None, None, None))
    print(f"attack 3: {cell[2]}..{cell[3]} in {ward}: release 1 {releases[1][cell]},"
          f" release 2 {releases[2][cell]}")
    if "in_cell" in release_history:
        assert releases[1][cell] == release_history["in_cell"]
    p = joint_problem(releases, hate_crime_problem, hc_changed(release_history, releases))
    ranges = p.ranges()
    if releases[2][cell] is None:
        lo, hi = ranges[(2,) + cell]
        assert lo != hi and hi >= THRESHOLD and hi - lo >= THRESHOLD, (cell, lo, hi)
    else:
        # Published: then its difference from release 1 is not small.
        assert releases[1][cell] is None or not 1 <= releases[1][cell] - releases[2][cell] < THRESHOLD
    # The published quarters of that year, and the year, never add up to it.
    year = next(k for k in releases[2] if k[0] == "reports" and k[1] == "financial_year"
                and k[2] <= cell[2] and cell[3] <= k[3] and k[4:] == cell[4:])
    quarters = [k for k in releases[2] if k[0] == "reports" and k[1] == "quarter" and k[4:] == cell[4:]
                and year[2] <= k[2] and k[3] <= year[3] and k != cell]
    known = [releases[2][year]] + [releases[2][q] for q in quarters]
    assert None in known or releases[2][cell] is not None


def test_change_feed_does_not_say_when_to_look(release_history):
    """Attack 3's second half: the public change feed is silent about the
    withdrawal and the late return (live writes), and speaks when the
    releases are made."""
    if "feed" not in release_history:
        pytest.skip("the seeded history was made before this test could follow the feed")
    after_withdrawal, after_late_return, after_release = release_history["feed"]
    assert after_withdrawal == set() and after_late_return == {"returns"}, release_history["feed"]
    assert after_release == {"hate_crime", "returns"}


def test_late_return_attack_fails(release_history, downloaded):
    """Attack 4: the summary before and after one partner's late return
    differs by that partner's counts; no cell published in both releases
    may differ by 1 to 4, and no withheld cell may be narrowed."""
    releases = downloaded["returns-summary"]
    assert sorted(releases) == [1, 2]
    old, new = releases[1], releases[2]
    for k, v in new.items():
        if v is not None and old.get(k) is not None:
            assert not 1 <= abs(v - old[k]) < THRESHOLD, (k, old[k], v)
    p = joint_problem(releases, returns_problem, release_history["rs_changed"])
    assert _report("returns summary", p, releases) == ([], [], [])


# --- demographics releases: the attacker holds every import's release ---
#
# A family of its own (a whole population and its working-age subset):
# ethnicity imported for the subset (release 1: alone, the whole
# population has none), then for the whole population (release 2: the two
# linked for the first time, around what release 1 published), then a
# revised whole population (release 3: 3 residents of Cricklewood moved
# from Other White to Gypsy or Irish Traveller, in the ward and the
# borough).  The attacker downloads every release of both data sets
# (public requests only), relates each release's own tables and every cell
# unchanged between two releases as one unknown, is told exactly which
# cells the revision changed, and computes each withheld cell's range over
# the whole history.
#
# (The other order has a limit no later release can lift: a whole
# population published alone, then a subset, bounds each withheld subset
# count by its published superset, 1 to 5 under a 5.  Import a family's
# subsets first, or all of it before the first release, as seed does.)

DEMO_FAMILY, DEMO_SUBSET = "attack-rel-all", "attack-rel-working-age"
SUBSET_OF[DEMO_SUBSET] = DEMO_FAMILY
CRICKLEWOOD = "E05013634"
DEMO_CLEANUP = (f"DELETE FROM datasets WHERE slug IN ('{DEMO_FAMILY}', '{DEMO_SUBSET}');"
                " ALTER TABLE releases DISABLE TRIGGER releases_no_update;"
                f" DELETE FROM releases WHERE statistic = 'demographics' AND key = '{DEMO_FAMILY}';"
                " ALTER TABLE releases ENABLE TRIGGER releases_no_update;"
                " SELECT pg_notify('eq_data_changed', 'reference')")


class DemoCells(dict):
    """One release's published ethnicity cells, keyed (slug, area, category),
    with the rows they came from (build() reads the relations off them)."""

    def __init__(self, rows):
        super().__init__({(slug, r["area"]["code"], r["category"]["code"]):
                          None if r["suppressed"] else r["value"]
                          for slug, rs in rows.items() for r in rs})
        self.rows = rows


def demo_problem(cells):
    slugs = [s for s in (DEMO_FAMILY, DEMO_SUBSET) if cells.rows.get(s)]
    return build([{"slug": s, "characteristics": ["ethnicity"]} for s in slugs],
                 {(s, "ethnicity"): cells.rows[s] for s in slugs}, "ethnicity")


@pytest.fixture(scope="module")
def demo_releases(server, tmp_path_factory):
    import csv

    from harness import ROOT, ApiClient, PgControl, run_cli

    pg = PgControl()
    api = ApiClient(server.url)
    pg.psql(DEMO_CLEANUP)
    for slug, population, parent in ((DEMO_FAMILY, "all_usual_residents", "NULL"),
                                     (DEMO_SUBSET, "working_age_16_64", f"'{DEMO_FAMILY}'")):
        pg.psql("INSERT INTO datasets (slug, title, publisher, source, release_date, reference_date,"
                " official, licence, population, subset_of) VALUES"
                f" ('{slug}', 'attack', 'tests', 'tests', '2001-01-01', '2001-01-01', false, 'none',"
                f" '{population}', {parent})")
    census = ROOT / "data" / "census"
    with open(census / "ts021-ethnicity.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    gypsy = rows[0].index("Ethnic group: White: Gypsy or Irish Traveller")
    other = rows[0].index("Ethnic group: White: Other White")
    for r in rows[1:]:
        if r[2] in (CRICKLEWOOD, "E09000003"):
            r[gypsy], r[other] = str(int(r[gypsy]) + 3), str(int(r[other]) - 3)
    revised = tmp_path_factory.mktemp("attack-demo") / "ethnicity-revised.csv"
    with open(revised, "w", newline="", encoding="utf-8") as f:
        csv.writer(f, lineterminator="\n").writerows(rows)
    try:
        for path, slug in ((census / "wa-ts021-ethnicity.csv", DEMO_SUBSET),
                           (census / "ts021-ethnicity.csv", DEMO_FAMILY), (revised, DEMO_FAMILY)):
            p = run_cli("import", "census", str(path), "--dataset", slug, timeout=60)
            assert p.returncode == 0, p.stderr
        out = {}
        for rel in fetch_all(api, "/v1/releases", statistic="demographics", key=DEMO_FAMILY):
            out[rel["version"]] = DemoCells({
                slug: fetch_all(api, "/v1/demographics", dataset=slug, characteristic="ethnicity",
                                release=str(rel["id"]), limit=500)
                for slug in (DEMO_FAMILY, DEMO_SUBSET)})
        yield out
    finally:
        pg.psql(DEMO_CLEANUP)
        api.close()


def test_demographics_releases_cannot_be_narrowed_together(demo_releases):
    assert sorted(demo_releases) == [1, 2, 3]
    assert not demo_releases[1].rows[DEMO_FAMILY], "release 1 held the subset only"
    changed = {(DEMO_FAMILY, area, cat) for area in (CRICKLEWOOD, "E09000003")
               for cat in ("white_gypsy_irish_traveller", "white_other")}
    p = joint_problem(demo_releases, demo_problem, changed)
    assert _report("demographics", p, demo_releases) == ([], [], [])
