"""Releases of the demographics (issue #13, "Releases for data that
changes"): each `import census` makes a release of the data set's family
(the data set and its subset_of subsets), which `/v1/demographics` serves
by default; an earlier release stays what it was, `live` is the council's,
and the change log says what a revised import changed.

The module's own family (a whole population and a working-age subset) keeps
the demo data untouched; its data sets and releases are removed at the end
(with the immutability trigger set aside by the owner).
"""

from __future__ import annotations

import csv
import io

import pytest

import harness
from checks import assert_problem

OBS = "/v1/demographics"
FAMILY = "test-rel-all"
SUBSET = "test-rel-working-age"
BOROUGH = "E09000003"
WARD = "E05013628"
CRICKLEWOOD = "E05013634"
CLEANUP = (f"DELETE FROM datasets WHERE slug IN ('{FAMILY}', '{SUBSET}');"
           " ALTER TABLE releases DISABLE TRIGGER releases_no_update;"
           f" DELETE FROM releases WHERE statistic = 'demographics' AND key = '{FAMILY}';"
           " ALTER TABLE releases ENABLE TRIGGER releases_no_update;"
           " SELECT pg_notify('eq_data_changed', 'reference')")


def census_rows(name):
    with open(harness.ROOT / "data" / "census" / name, newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


def write_csv(path, rows):
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")
    return str(path)


def add_dataset(db, slug, subset_of=None):
    db.psql("INSERT INTO datasets (slug, title, publisher, source, release_date, reference_date,"
            " official, licence, population, subset_of) VALUES"
            f" ('{slug}', 'Release test', 'tests', 'tests', '2001-01-01', '2001-01-01', false, 'none',"
            f" '{'working_age_16_64' if subset_of else 'all_usual_residents'}',"
            f" {repr(subset_of) if subset_of else 'NULL'})")


def family_releases(client, openapi):
    r = client.get("/v1/releases", params={"statistic": "demographics", "key": FAMILY})
    return openapi.validate(r, "/v1/releases")["data"]


def version(client, openapi, n):
    return next(r for r in family_releases(client, openapi) if r["version"] == n)


def sex(client, openapi, dataset=FAMILY, headers=None, **params):
    r = client.get(OBS, params={"dataset": dataset, "characteristic": "sex",
                                "area": f"{BOROUGH},{WARD}", **params}, headers=headers or {})
    assert r.status_code == 200, r.text
    body = openapi.validate(r, OBS)
    return {(o["area"]["code"], o["category"]["code"]): o["value"] for o in body["data"]}, \
        body["meta"]["release"], r


@pytest.fixture(scope="module")
def history(server, tmp_path_factory):
    """Import sex (release 1), a revised copy (release 2), the same copy
    again (no release), the working-age subset's (release 3), then
    ethnicity for the whole population (4) and the subset (5)."""
    db = harness.PgControl()
    tmp = tmp_path_factory.mktemp("demo-releases")
    db.psql(CLEANUP)
    add_dataset(db, FAMILY)
    add_dataset(db, SUBSET, FAMILY)
    client = harness.ApiClient(server.url)
    out = {"db": db, "client": client, "runs": []}
    rows = census_rows("ts008-sex.csv")
    # 10 residents move from female to male in the ward and the borough.
    revised = [list(r) for r in rows]
    for r in revised[1:]:
        if r[2] in (BOROUGH, WARD):
            r[4], r[5] = str(int(r[4]) - 10), str(int(r[5]) + 10)
    for path, slug in ((write_csv(tmp / "sex.csv", rows), FAMILY),
                       (write_csv(tmp / "sex-revised.csv", revised), FAMILY),
                       (str(tmp / "sex-revised.csv"), FAMILY),
                       (str(harness.ROOT / "data" / "census" / "wa-ts008-sex.csv"), SUBSET),
                       (str(harness.ROOT / "data" / "census" / "ts021-ethnicity.csv"), FAMILY),
                       (str(harness.ROOT / "data" / "census" / "wa-ts021-ethnicity.csv"), SUBSET)):
        p = harness.run_cli("import", "census", path, "--dataset", slug, timeout=60)
        assert p.returncode == 0, p.stderr
        out["runs"].append(p.stdout)
    try:
        yield out
    finally:
        db.psql(CLEANUP)
        client.close()


def test_each_import_makes_a_release_of_the_family(history, openapi):
    runs = history["runs"]
    assert f"released demographics of {FAMILY}: version 1" in runs[0]
    assert f"released demographics of {FAMILY}: version 2" in runs[1]
    assert "released" not in runs[2], "an import that changed nothing made a release"
    # The subset's import releases its whole population's family.
    assert f"released demographics of {FAMILY}: version 3" in runs[3]
    listed = family_releases(history["client"], openapi)
    assert [r["version"] for r in listed] == [5, 4, 3, 2, 1]
    assert all(r["statistic"] == "demographics" and r["key"] == FAMILY for r in listed)
    assert listed[4]["reason"].startswith(f"Imported sex into {FAMILY}")
    assert listed[2]["reason"].startswith(f"Imported sex into {SUBSET}")
    assert listed[0]["reason"].startswith(f"Imported ethnicity into {SUBSET}")


def test_a_revised_import_is_version_2_with_a_change_log(history, openapi):
    c = history["client"]
    second = version(c, openapi, 2)
    r = c.get(f"/v1/releases/{second['id']}")
    body = openapi.validate(r, "/v1/releases/{id}")
    changes = body["changes"]
    assert changes["previous_version"] == 1
    # Female and male in the ward and the borough.
    assert changes["revised"] == 4, changes
    assert len(changes["changed_cells"]) == 4
    assert all(name.startswith(f"sex {FAMILY} #") for name in changes["changed_cells"])


def test_the_latest_release_is_served_and_an_earlier_one_stays(history, openapi):
    c = history["client"]
    first, second = version(c, openapi, 1), version(c, openapi, 2)
    latest, meta, _ = sex(c, openapi)
    assert meta["version"] == 5 and meta["id"] == version(c, openapi, 5)["id"]
    assert latest[(WARD, "female")] == 8250 and latest[(BOROUGH, "male")] == 188530
    old, meta, _ = sex(c, openapi, release=str(first["id"]))
    assert meta == {"id": first["id"], "version": 1, "made_at": first["made_at"]}
    assert old[(WARD, "female")] == 8260 and old[(BOROUGH, "male")] == 188520
    mid, meta, _ = sex(c, openapi, release=str(second["id"]))
    assert meta["version"] == 2 and mid == latest
    # `latest` said aloud is the default.
    again, meta, _ = sex(c, openapi, release="latest")
    assert meta["version"] == 5 and again == latest


def test_the_subset_is_served_from_the_familys_release(history, openapi):
    c = history["client"]
    values, meta, _ = sex(c, openapi, dataset=SUBSET)
    assert meta["version"] == 5
    assert values[(BOROUGH, "total")] is not None
    # Before the subset was imported, the family's releases held none of it.
    first = version(c, openapi, 1)
    r = c.get(OBS, params={"dataset": SUBSET, "characteristic": "sex", "release": str(first["id"])})
    assert openapi.validate(r, OBS)["data"] == []


def test_a_new_member_keeps_what_the_family_published(history, openapi):
    """Release 5 links the subset's ethnicity to the whole population's for
    the first time (a problem of a new shape).  Release 4 published the
    whole population's Gypsy or Irish Traveller residents of Cricklewood
    (9 of them, 6 of working age): the public holds that, so release 5
    keeps every cell release 4 published, with its value, and protects the
    3 outside working age on the subset's side."""
    c = history["client"]

    def table(dataset, n):
        r = c.get(OBS, params={"dataset": dataset, "characteristic": "ethnicity",
                               "release": str(version(c, openapi, n)["id"]), "limit": 500})
        return {(o["area"]["code"], o["category"]["code"]): o["value"]
                for o in openapi.validate(r, OBS)["data"]}

    before, after = table(FAMILY, 4), table(FAMILY, 5)
    assert before.keys() == after.keys()
    assert all(after[k] == v for k, v in before.items() if v is not None)
    cell = (CRICKLEWOOD, "white_gypsy_irish_traveller")
    assert before[cell] == 9 and after[cell] == 9
    assert table(SUBSET, 5)[cell] is None


def test_live_is_for_council_keys(history, openapi):
    c = history["client"]
    assert_problem(c.get(OBS, params={"dataset": FAMILY, "release": "live"}), 401)
    partner = harness.make_key("police-feed", "read:hate-crime")
    assert_problem(c.get(OBS, params={"dataset": FAMILY, "release": "live"},
                         headers={"Authorization": f"Bearer {partner}"}), 403)
    council = harness.make_key("barnet-council", "manage:reports")
    r = c.get(OBS, params={"dataset": FAMILY, "characteristic": "sex", "area": WARD, "release": "live"},
              headers={"Authorization": f"Bearer {council}"})
    assert r.status_code == 200, r.text
    # Never stored by the shared cache, so no public ETag either.
    body = r.json()
    openapi.validate_body(body, openapi.schema("ObservationList"))
    assert body["meta"]["release"] is None
    assert {o["category"]["code"]: o["value"] for o in body["data"]}["female"] == 8250
    assert "private" in r.headers["Cache-Control"] and "no-store" in r.headers["Cache-Control"]


def test_an_id_of_no_release_of_the_family_is_404(history, openapi):
    c = history["client"]
    first = version(c, openapi, 1)
    # A release of the family, asked of the demo data set (another family).
    r = c.get(OBS, params={"dataset": "census-2021-demo", "release": str(first["id"])})
    assert_problem(r, 404)
    assert_problem(c.get(OBS, params={"dataset": FAMILY, "release": "999999999"}), 404)
    assert_problem(c.get(OBS, params={"dataset": FAMILY, "release": "yesterday"}), 400)


def test_csv_names_the_release(history, openapi):
    c = history["client"]
    first = version(c, openapi, 1)
    r = c.get(OBS, params={"dataset": FAMILY, "characteristic": "sex", "area": WARD,
                           "release": str(first["id"]), "format": "csv"})
    assert r.status_code == 200, r.text
    lines = r.text.strip().split("\r\n")
    header = lines[0].split(",")
    assert header[-3:] == ["release_id", "release_version", "data_status"]
    female = next(l.split(",") for l in lines[1:] if ",female," in l)
    assert female[header.index("value")] == "8260"
    assert female[header.index("release_id")] == str(first["id"])


def test_representation_compares_with_the_release_demographics_serve(history, openapi):
    c = history["client"]
    path = "/v1/workforce/representation"
    r = c.get(path, params={"characteristic": "sex", "dataset": SUBSET})
    body = openapi.validate(r, path)
    latest = version(c, openapi, 5)
    assert body["meta"]["residents"]["release"] == {"id": latest["id"], "version": 5,
                                                    "made_at": latest["made_at"]}
    # The residents' shares are the borough's, as /v1/demographics serves them.
    demo = openapi.validate(c.get(OBS, params={"dataset": SUBSET, "characteristic": "sex",
                                               "area": BOROUGH}), OBS)["data"]
    share = {o["category"]["code"]: o["share"] for o in demo}
    row = next(x for x in body["data"] if x["category"]["code"] == "female" and x["grades"] == "all")
    assert row["resident_share"] == share["female"]
