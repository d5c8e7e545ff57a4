"""Rough edges met walking through the README as a partner, a web
developer and a performance officer (issue 16): a refusal names what is
wrong and lists what would be right, in full.  Checked against
api/openapi.yaml.
"""

from __future__ import annotations

from checks import assert_problem

STATS = "/v1/hate-crime/statistics"
STRANDS = "race, religion, sexual_orientation, disability, transgender_identity, other"


def test_a_code_list_parameter_names_the_bad_code_and_lists_the_choices(api, openapi):
    body = assert_problem(api.get(STATS, params={"strand": "racial"}), 400, openapi, STATS,
                          parameter="strand")
    want = f"'racial' is not one of: {STRANDS} (give one, or several separated by commas)"
    assert body["errors"][0]["detail"] == want
    # The top-level detail carries the whole sentence, never cut short.
    assert body["detail"] == "query parameter 'strand': " + want
    # In a list, the code that is wrong is the one named.
    body = assert_problem(api.get(STATS, params={"group_by": "quarter,wards"}), 400, openapi, STATS,
                          parameter="group_by")
    assert body["errors"][0]["detail"].startswith("'wards' is not one of: month, quarter, financial_year, ward")
    assert "pattern" not in body["detail"]


def test_markup_is_not_quoted_back(api, openapi):
    body = assert_problem(api.get(STATS, params={"strand": "<script>"}), 400, openapi, STATS,
                          parameter="strand")
    assert "<" not in body["detail"] and body["errors"][0]["detail"] == (
        f"must be one of: {STRANDS} (or several separated by commas)")


def test_a_good_list_still_answers(api, openapi):
    r = api.get(STATS, params={"strand": "race,religion", "group_by": "strand"})
    assert {row["strand"] for row in openapi.validate(r, STATS)["data"]} == {"race", "religion"}


def test_an_area_name_is_told_to_use_a_code_and_where_to_find_it(api, openapi):
    for path, params in (("/v1/demographics", {"area": "Golders Green"}),
                         ("/v1/demographics", {"area": "E05013642,golders"}),
                         ("/v1/areas", {"parent": "barnet"})):
        body = assert_problem(api.get(path, params=params), 400, openapi, path)
        detail = body["errors"][0]["detail"]
        assert "such as E05013642" in detail and "/v1/areas" in detail, detail
        assert "pattern" not in body["detail"] and "Golders" not in body["detail"]


def test_an_unknown_field_is_told_the_fields_there_are(api, openapi):
    """The 409 for a second return says to change the first with PUT; a
    partner who sends the same body there is told that window is not a
    field of the edit, and which fields are."""
    from harness import make_key
    key = make_key("partner-youth", "submit:returns")
    auth = {"Authorization": "Bearer " + key}
    window = api.get("/v1/return-windows/public", params={"kind": "workforce", "limit": 1}).json()["data"][0]["id"]
    r = api.put("/v1/returns/" + "0" * 8 + "-0000-4000-8000-" + "0" * 12,
                json={"window": window, "total": 1, "lines": {}}, headers={**auth, "If-Match": '"v1"'})
    body = assert_problem(r, 422, openapi, "/v1/returns/{id}", "put")
    e = next(e for e in body["errors"] if e["pointer"] == "/window")
    fields = e["detail"].split("its fields are: ")[1].split(", ")
    assert e["detail"].startswith("is not a field of this resource; ")
    assert {"total", "lines"} <= set(fields) and "window" not in fields
