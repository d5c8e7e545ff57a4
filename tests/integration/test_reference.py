"""Reference data: areas and protected characteristics with categories."""

import csv
import io

import pytest

import harness
from checks import assert_problem, collect_pages, media_type

BOROUGH = "E09000003"
WARDS = [f"E050136{n}" for n in range(28, 52)]
ALL_AREAS = [BOROUGH] + WARDS
CHARACTERISTICS = {"age", "disability", "gender_identity", "legal_partnership",
                   "pregnancy_maternity", "ethnicity", "religion", "sex", "sexual_orientation"}


def data_csv(name):
    with open(harness.ROOT / "data" / name, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


# ---------------------------------------------------------------------------
# areas
# ---------------------------------------------------------------------------

def test_areas_paged_by_ten_gives_all_25_once(api, openapi):
    rows, pages = collect_pages(api, "/v1/areas?limit=10", openapi, "/v1/areas")
    codes = [a["code"] for a in rows]
    assert len(pages) == 3
    assert [len(p["data"]) for p in pages] == [10, 10, 5]
    assert [p["meta"]["count"] for p in pages] == [10, 10, 5]
    assert len(codes) == len(set(codes)), "an area appears on two pages"
    assert sorted(codes) == sorted(ALL_AREAS)
    assert codes == sorted(codes), "areas should be ordered by code"
    assert pages[-1]["links"]["next"] is None
    for p in pages[:-1]:
        assert p["links"]["next"].startswith("/v1/areas?")
        assert "limit=10" in p["links"]["next"]
    assert pages[0]["links"]["self"] == "/v1/areas?limit=10"


def test_areas_default_page_holds_everything(api, openapi):
    r = api.get("/v1/areas")
    body = openapi.validate(r, "/v1/areas")
    assert len(body["data"]) == 25 and body["links"]["next"] is None
    by_code = {a["code"]: a for a in body["data"]}
    assert by_code[BOROUGH] == {"code": BOROUGH, "name": "Barnet", "kind": "borough", "parent": None}
    for w in WARDS:
        assert by_code[w]["kind"] == "ward" and by_code[w]["parent"] == BOROUGH
    expected = {a["code"]: a["name"] for a in data_csv("areas.csv")}
    assert {c: a["name"] for c, a in by_code.items()} == expected


def test_areas_filters(api, openapi):
    r = api.get("/v1/areas", params={"kind": "borough"})
    body = openapi.validate(r, "/v1/areas")
    assert [a["code"] for a in body["data"]] == [BOROUGH]

    wards, _ = collect_pages(api, "/v1/areas?kind=ward&limit=7", openapi, "/v1/areas")
    assert [a["code"] for a in wards] == WARDS

    r = api.get("/v1/areas", params={"parent": BOROUGH})
    body = openapi.validate(r, "/v1/areas")
    assert [a["code"] for a in body["data"]] == WARDS

    r = api.get("/v1/areas", params={"parent": "E05013628"})
    body = openapi.validate(r, "/v1/areas")
    assert body["data"] == [] and body["links"]["next"] is None

    r = api.get("/v1/areas", params={"kind": "borough", "parent": BOROUGH})
    assert openapi.validate(r, "/v1/areas")["data"] == []


@pytest.mark.parametrize("params,param", [
    ({"kind": "county"}, "kind"),
    ({"kind": ""}, "kind"),
    ({"parent": "barnet"}, "parent"),
    ({"parent": "E0900000"}, "parent"),
])
def test_areas_bad_filters_are_400(api, openapi, params, param):
    r = api.get("/v1/areas", params=params)
    assert_problem(r, 400, openapi, "/v1/areas", parameter=param)


def test_area_by_code(api, openapi):
    r = api.get("/v1/areas/E05013628")
    assert r.status_code == 200
    assert openapi.validate(r, "/v1/areas/{code}") == {
        "code": "E05013628", "name": "Barnet Vale", "kind": "ward", "parent": BOROUGH}
    r = api.get(f"/v1/areas/{BOROUGH}")
    assert openapi.validate(r, "/v1/areas/{code}")["parent"] is None


@pytest.mark.parametrize("code", ["E05099999", "E09000001", "e05013628", "E0501362", "E050136288",
                                  "barnet", "X05013628", "E05013628%20"])
def test_unknown_or_invalid_area_is_404(api, openapi, code):
    r = api.get(f"/v1/areas/{code}")
    body = assert_problem(r, 404, openapi, "/v1/areas/{code}")
    assert body["type"] == "urn:equalities:problem:not-found"


def test_areas_csv(api, openapi):
    r = api.get("/v1/areas", params={"format": "csv", "kind": "ward"})
    openapi.validate(r, "/v1/areas")
    assert media_type(r) == "text/csv"
    rows = list(csv.reader(io.StringIO(r.content.decode(), newline="")))
    assert rows[0] == ["code", "name", "kind", "parent"]
    assert [row[0] for row in rows[1:]] == WARDS
    assert all(row[2] == "ward" and row[3] == BOROUGH for row in rows[1:])


# ---------------------------------------------------------------------------
# characteristics
# ---------------------------------------------------------------------------

def test_characteristics_lists_the_nine(api, openapi):
    r = api.get("/v1/characteristics")
    body = openapi.validate(r, "/v1/characteristics")
    codes = [c["code"] for c in body["data"]]
    assert set(codes) == CHARACTERISTICS and len(codes) == 9
    assert codes == sorted(codes)
    assert body["meta"]["count"] == 9 and body["links"]["next"] is None
    expected_cats = {}
    for row in data_csv("categories.csv"):
        expected_cats.setdefault(row["characteristic"], []).append(
            (int(row["sort_order"]), row["code"], row["name"], row["parent"] or None))
    for c in body["data"]:
        assert c["categories"], f"{c['code']} has no categories"
        want = [(code, name, parent) for _, code, name, parent in sorted(expected_cats[c["code"]])]
        got = [(k["code"], k["name"], k["parent"]) for k in c["categories"]]
        assert got == want, c["code"]
        seen = set()
        for k in c["categories"]:
            assert k["parent"] is None or k["parent"] in seen, "parent must come before its children"
            seen.add(k["code"])
    protected = {c["code"]: c["protected_characteristic"] for c in body["data"]}
    assert protected["ethnicity"] == "Race"
    assert protected["gender_identity"] == "Gender reassignment"
    assert protected["legal_partnership"] == "Marriage and civil partnership"


def test_characteristics_paging_never_splits_categories(api, openapi):
    whole = api.get("/v1/characteristics").json()["data"]
    rows, pages = collect_pages(api, "/v1/characteristics?limit=2", openapi, "/v1/characteristics")
    assert len(pages) == 5
    assert [p["meta"]["count"] for p in pages] == [2, 2, 2, 2, 1]
    assert rows == whole
    assert pages[-1]["links"]["next"] is None


def test_ethnicity_has_5_groups_and_19_children(api, openapi):
    r = api.get("/v1/characteristics/ethnicity")
    body = openapi.validate(r, "/v1/characteristics/{code}")
    assert body["name"] == "Ethnic group" and body["protected_characteristic"] == "Race"
    cats = body["categories"]
    groups = [c["code"] for c in cats if c["parent"] is None]
    children = [c for c in cats if c["parent"] is not None]
    assert sorted(groups) == ["asian", "black", "mixed", "other", "white"]
    assert len(children) == 19
    assert all(c["parent"] in groups for c in children)
    per_group = {g: sum(1 for c in children if c["parent"] == g) for g in groups}
    assert per_group == {"asian": 5, "black": 3, "mixed": 4, "white": 5, "other": 2}


@pytest.mark.parametrize("code", ["nationality", "Ethnicity", "total", "a" * 65, "ethnicity!"])
def test_unknown_characteristic_is_404(api, openapi, code):
    r = api.get(f"/v1/characteristics/{code}")
    assert_problem(r, 404, openapi, "/v1/characteristics/{code}")


def test_characteristics_csv_is_one_row_per_category(api, openapi):
    r = api.get("/v1/characteristics", params={"format": "csv"})
    openapi.validate(r, "/v1/characteristics")
    assert media_type(r) == "text/csv"
    text = r.content.decode("utf-8")
    assert text.endswith("\r\n")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[0] == ["characteristic", "characteristic_name", "protected_characteristic",
                       "category", "category_name", "parent"]
    j = api.get("/v1/characteristics").json()["data"]
    want = [[c["code"], c["name"], c["protected_characteristic"], k["code"], k["name"],
             k["parent"] or ""] for c in j for k in c["categories"]]
    assert rows[1:] == want
    assert len(rows) - 1 == len(data_csv("categories.csv"))
    # Names with commas survive quoting.
    assert any("," in row[4] for row in rows[1:])
