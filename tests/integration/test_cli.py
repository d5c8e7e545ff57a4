"""The command line: migrate, seed and the Census importer, against the
real test database."""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
import time

import pytest

import harness

SLUG = "test-import"
BOROUGH = "E09000003"
WARD = "E05013628"


def census_file(name: str) -> list[list[str]]:
    with open(harness.ROOT / "data" / "census" / name, newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


def write_csv(path, rows) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")
    return str(path)


def dataset_rows(pg, slug=SLUG) -> tuple[int, int]:
    """(demographic_counts rows, demographic_totals rows) of a data set."""
    out = pg.psql(
        "SELECT (SELECT count(*) FROM demographic_counts c JOIN datasets d ON d.id = c.dataset_id"
        f"  WHERE d.slug = '{slug}'),"
        " (SELECT count(*) FROM demographic_totals t JOIN datasets d ON d.id = t.dataset_id"
        f"  WHERE d.slug = '{slug}')")
    a, b = out.split("|")
    return int(a), int(b)


def dataset_snapshot(pg, slug=SLUG) -> str:
    return pg.psql(
        "SELECT coalesce(string_agg(c.area_code || ':' || c.category_code || '=' || c.count, ','"
        "  ORDER BY c.area_code, c.category_code), '')"
        " FROM demographic_counts c JOIN datasets d ON d.id = c.dataset_id"
        f" WHERE d.slug = '{slug}'") + "|" + pg.psql(
        "SELECT coalesce(string_agg(t.area_code || '=' || t.count, ',' ORDER BY t.area_code), '')"
        " FROM demographic_totals t JOIN datasets d ON d.id = t.dataset_id"
        f" WHERE d.slug = '{slug}'")


@pytest.fixture
def test_dataset(pg):
    """An empty data set of our own, so the demo data stays untouched."""
    pg.psql(f"DELETE FROM datasets WHERE slug = '{SLUG}'")
    pg.psql(
        "INSERT INTO datasets (slug, title, publisher, source, release_date, reference_date,"
        " official, licence, notes) VALUES"
        f" ('{SLUG}', 'Import test', 'Integration tests', 'tests/integration/test_cli.py',"
        " '2001-01-01', '2001-01-01', false, 'none', 'temporary')")
    try:
        yield SLUG
    finally:
        pg.psql(f"DELETE FROM datasets WHERE slug = '{SLUG}'")
        assert pg.psql(f"SELECT count(*) FROM datasets WHERE slug = '{SLUG}'") == "0"


def import_census(cli, path, slug=SLUG):
    return cli("import", "census", str(path), "--dataset", slug, timeout=60)


# ---------------------------------------------------------------------------
# migrate
# ---------------------------------------------------------------------------

def test_migrate_twice_is_a_no_op(cli, pg):
    first = cli("migrate")
    assert first.returncode == 0, first.stderr
    before = pg.psql("SELECT version, name, checksum, applied_at FROM schema_migrations ORDER BY version")
    second = cli("migrate")
    assert second.returncode == 0, second.stderr
    assert "applied migration" not in second.stderr, second.stderr
    after = pg.psql("SELECT version, name, checksum, applied_at FROM schema_migrations ORDER BY version")
    assert before == after
    files = sorted(p.name for p in (harness.ROOT / "migrations").glob("*.sql"))
    assert [l.split("|")[1] for l in after.splitlines()] == files


def edited_root(tmp_path):
    """An EQ_ROOT whose first (applied) migration differs by one byte."""
    root = tmp_path / "root"
    root.mkdir()
    shutil.copytree(harness.ROOT / "migrations", root / "migrations")
    for name in ("data", "api"):
        os.symlink(harness.ROOT / name, root / name)
    first = sorted((root / "migrations").glob("*.sql"))[0]
    data = bytearray(first.read_bytes())
    i = data.index(b"\n")  # change the first line's end: a comment, still valid SQL
    data[i - 1:i] = b"!" if data[i - 1:i] != b"!" else b"?"
    first.write_bytes(bytes(data))
    return root, first.name


def test_an_edited_applied_migration_is_refused(cli, pg, tmp_path):
    root, name = edited_root(tmp_path)
    before = pg.psql("SELECT version, checksum, applied_at FROM schema_migrations ORDER BY version")
    p = cli("migrate", env={"EQ_ROOT": str(root)})
    assert p.returncode != 0, p.stderr
    assert name in p.stderr, f"the message should name {name}: {p.stderr!r}"
    after = pg.psql("SELECT version, checksum, applied_at FROM schema_migrations ORDER BY version")
    assert before == after


def test_readyz_notices_an_edited_migration(start_server, make_client, tmp_path, openapi):
    root, name = edited_root(tmp_path)
    srv = start_server(name="edited", EQ_ROOT=str(root))
    r = make_client(srv).get("/readyz")
    assert r.status_code == 503
    openapi.validate(r, "/readyz")
    assert name in r.json()["detail"], r.text
    assert r.headers.get("Retry-After", "").isdigit()


# ---------------------------------------------------------------------------
# seed
# ---------------------------------------------------------------------------

SEED_STATE = (
    "SELECT (SELECT count(*) || '/' || coalesce(sum(count), 0) FROM demographic_counts),"
    " (SELECT count(*) || '/' || coalesce(sum(count), 0) FROM demographic_totals),"
    " (SELECT count(*) FROM areas), (SELECT count(*) FROM categories),"
    " (SELECT string_agg(slug || '@' || updated_at, ',' ORDER BY slug) FROM datasets)")


def test_seed_twice_changes_nothing(cli, pg):
    pg.psql(f"DELETE FROM datasets WHERE slug = '{SLUG}'")
    first = cli("seed")
    assert first.returncode == 0, first.stderr
    before = pg.psql(SEED_STATE)
    time.sleep(0.05)
    second = cli("seed")
    assert second.returncode == 0, second.stderr
    assert pg.psql(SEED_STATE) == before
    m = re.search(r"seed complete: (\d+) rows changed", second.stderr)
    assert m and m.group(1) == "0", second.stderr
    counts, totals = dataset_rows(pg, "census-2021-demo")
    assert totals == 7 * 25
    assert counts > 1000


# ---------------------------------------------------------------------------
# import census
# ---------------------------------------------------------------------------

def test_import_refuses_an_unknown_heading(cli, pg, tmp_path, test_dataset):
    rows = census_file("ts008-sex.csv")
    bad = [rows[0] + ["Sex: Other"]] + [r + ["0"] for r in rows[1:]]
    p = import_census(cli, write_csv(tmp_path / "sex-other.csv", bad))
    assert p.returncode != 0
    assert "Sex: Other" in p.stderr, p.stderr
    assert dataset_rows(pg) == (0, 0)

    rows = census_file("ts008-sex.csv")
    rows[0] = [h.replace("Sex:", "Gender:") for h in rows[0]]
    p = import_census(cli, write_csv(tmp_path / "gender.csv", rows))
    assert p.returncode != 0
    assert "Gender: All persons" in p.stderr, p.stderr
    assert dataset_rows(pg) == (0, 0)


def test_import_into_an_unknown_dataset_is_refused(cli, tmp_path):
    p = import_census(cli, harness.ROOT / "data" / "census" / "ts008-sex.csv", "no-such-dataset")
    assert p.returncode != 0
    assert "no-such-dataset" in p.stderr


def test_import_is_atomic(cli, pg, tmp_path, test_dataset):
    rows = census_file("ts038-disability.csv")
    header = rows[0]
    parent_col = header.index("Disability: Disabled under the Equality Act")
    bad = [r[:] for r in rows]
    bad[-1][parent_col] = str(int(bad[-1][parent_col]) + 1)   # no longer its children's sum
    path = write_csv(tmp_path / "bad-disability.csv", bad)

    p = import_census(cli, path)
    assert p.returncode != 0
    assert bad[-1][2] in p.stderr, f"the message should name the area: {p.stderr!r}"
    assert "Disabled under the Equality Act" in p.stderr, p.stderr
    assert dataset_rows(pg) == (0, 0), "rows before the bad one were written"

    # Over existing data: the earlier rows' changes must not stick either.
    good = import_census(cli, write_csv(tmp_path / "disability.csv", rows))
    assert good.returncode == 0, good.stderr
    before = dataset_snapshot(pg)
    assert dataset_rows(pg) == (25 * 6, 25)
    changed = [r[:] for r in bad]
    lot, little = header.index("Disability: Disabled under the Equality Act: Day-to-day "
                               "activities limited a lot"), \
        header.index("Disability: Disabled under the Equality Act: Day-to-day activities "
                     "limited a little")
    changed[2][lot] = str(int(changed[2][lot]) + 3)      # a consistent change in the first ward
    changed[2][little] = str(int(changed[2][little]) - 3)
    p = import_census(cli, write_csv(tmp_path / "bad2.csv", changed))
    assert p.returncode != 0
    assert dataset_snapshot(pg) == before


def test_import_skips_and_reports_other_areas(cli, pg, tmp_path, test_dataset):
    rows = census_file("ts008-sex.csv")
    rows.insert(3, ["2021", "Somewhere Else", "E05000001", "100", "60", "40"])
    rows.append(["2021", "Another Borough", "E09000001", "1000", "600", "400"])
    p = import_census(cli, write_csv(tmp_path / "sex-plus.csv", rows))
    assert p.returncode == 0, p.stderr
    assert re.search(r"\b25 areas\b", p.stdout), p.stdout
    assert re.search(r"\b2 rows for other areas skipped\b", p.stdout), p.stdout
    assert dataset_rows(pg) == (25 * 2, 25)
    assert pg.psql("SELECT count(*) FROM demographic_totals"
                   " WHERE area_code IN ('E05000001', 'E09000001')") == "0"


def test_import_is_seen_by_a_running_server_within_a_second(server, api, cli, pg, tmp_path,
                                                            test_dataset, openapi):
    rows = census_file("ts008-sex.csv")
    p = import_census(cli, write_csv(tmp_path / "sex.csv", rows))
    assert p.returncode == 0, p.stderr
    path = "/v1/demographics"
    params = {"dataset": SLUG, "characteristic": "sex", "area": f"{BOROUGH},{WARD}"}

    def values():
        r = api.get(path, params=params)
        body = openapi.validate(r, path)
        assert body["meta"]["dataset"]["slug"] == SLUG
        return {(o["area"]["code"], o["category"]["code"]): o["value"] for o in body["data"]}, r

    first, r1 = values()
    assert first[(WARD, "female")] == 8260 and first[(BOROUGH, "female")] == 200824
    again, r2 = values()
    assert r2.headers["ETag"] == r1.headers["ETag"]
    updated_before = pg.psql(f"SELECT updated_at FROM datasets WHERE slug = '{SLUG}'")

    # Move 10 residents from female to male in the ward and the borough.
    for r in rows[1:]:
        if r[2] in (BOROUGH, WARD):
            r[4], r[5] = str(int(r[4]) - 10), str(int(r[5]) + 10)
    p = import_census(cli, write_csv(tmp_path / "sex-changed.csv", rows))
    assert p.returncode == 0, p.stderr
    assert re.search(r"\b4 counts changed\b", p.stdout), p.stdout
    imported_at = time.monotonic()

    while True:
        now, r = values()
        if now[(WARD, "female")] != 8260:
            break
        assert time.monotonic() - imported_at < 1.0, "the running server still serves the old value"
        time.sleep(0.05)
    assert now[(WARD, "female")] == 8250 and now[(WARD, "male")] == 7467
    assert now[(BOROUGH, "female")] == 200814 and now[(BOROUGH, "male")] == 188530
    assert now[(WARD, "total")] == 15717
    assert r.headers["ETag"] != r1.headers["ETag"]
    assert pg.psql(f"SELECT updated_at FROM datasets WHERE slug = '{SLUG}'") != updated_before

    # The same file again changes nothing, not even the timestamp.
    updated = pg.psql(f"SELECT updated_at FROM datasets WHERE slug = '{SLUG}'")
    p = import_census(cli, tmp_path / "sex-changed.csv")
    assert p.returncode == 0, p.stderr
    assert re.search(r"\b0 counts changed\b", p.stdout), p.stdout
    assert pg.psql(f"SELECT updated_at FROM datasets WHERE slug = '{SLUG}'") == updated

    # The demo data set was not touched.
    demo = openapi.validate(api.get(path, params={"dataset": "census-2021-demo",
                                                   "characteristic": "sex", "area": WARD}),
                            path)["data"]
    assert [o["value"] for o in demo] == [15717, 8260, 7457]
