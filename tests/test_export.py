"""export: JSON that restores the catalog exactly, CSV safe for spreadsheets."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.checks import query
from tests.conftest import Invoke, Target, Templates, dump_tables, json_out
from tests.import_files import counts, write

pytestmark = pytest.mark.both_engines

LETTERBOXD_DIARY = """Date,Name,Year,Letterboxd URI,Rating,Rewatch,Tags,Watched Date
2023-01-02,Heat,1995,https://boxd.it/d1,4,,"heist, la",2023-01-01
2023-01-03,Amélie,2001,https://boxd.it/d2,3.5,,,2023-01-02
"""


def build_rich_catalog(cli: Invoke, tmp_path: Path) -> None:
    assert cli("seed").exit_code == 0
    assert cli("rate", "Inception", "4.5", "--review", "Dreams, within dreams").exit_code == 0
    assert cli("rate", "Inception", "3", "--user", "bo").exit_code == 0
    assert cli("add", "Heat", "--year", "1995", "--force", "--genre", "crime").exit_code == 0
    assert cli("add", "=cmd|' /C calc'!A0", "--year", "2001").exit_code == 0
    assert cli("rate", "=cmd|' /C calc'!A0", "1", "--review", "-2 stars, @everyone").exit_code == 0
    assert cli("add", "Untitled", "--year", "2020").exit_code == 0
    assert cli("delete", "Untitled", "--yes").exit_code == 0
    diary = write(tmp_path / "diary.csv", LETTERBOXD_DIARY)
    assert cli("import", str(diary), "--user", "@ana").exit_code == 0


@pytest.fixture
def rich_catalog(
    request: pytest.FixtureRequest,
    templates: Templates,
    target: Target,
    tmp_path_factory: pytest.TempPathFactory,
) -> Target:
    """The seed, plus ratings with reviews, two users, tags, forced duplicates, odd text
    (built once per engine through the CLI, copied for each test)."""
    folder = tmp_path_factory.mktemp("rich")
    templates.fresh(request, "export_rich", lambda cli: build_rich_catalog(cli, folder))
    return target


def views(cli: Invoke, db: Target) -> tuple[object, object]:
    movies = json_out(cli("list", "--limit", "0", "--format", "json", db=db))
    ratings = json_out(cli("ratings", "--limit", "0", "--format", "json", db=db))
    return movies, ratings


def test_json_round_trip_is_exact(
    cli: Invoke, rich_catalog: Path, tmp_path: Path, other_target: Callable[[str], Target]
) -> None:
    # A genre created late but used by the first movie: rebuilt from the movies alone,
    # the genres would get other ids.
    first = json_out(cli("list", "--sort", "added", "--limit", "1", "--format", "json"))[0]
    assert cli("edit", str(first["id"]), "--genre", "Neo-Noir", "--genre", "Crime").exit_code == 0
    out = tmp_path / "backup.json"
    result = cli("export", "--output", str(out))
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    document = json.loads(out.read_text(encoding="utf-8"))
    assert document["format"] == "moviecli-export"
    assert {"genres", "users", "movies", "ratings", "tags"} <= set(document)

    copy = other_target("copy")
    imported = cli("import", str(out), db=copy)
    assert imported.exit_code == 0, imported.output
    assert "rejected" not in imported.stdout
    assert views(cli, copy) == views(cli, rich_catalog)
    original, restored = dump_tables(rich_catalog), dump_tables(copy)
    for table in ("movies", "genres", "movie_genres", "users", "ratings", "external_ids"):
        assert restored[table] == original[table], table
    strip_id = lambda rows: sorted(row[1:] for row in rows)  # noqa: E731
    assert strip_id(restored["tags"]) == strip_id(original["tags"])
    for movie in json_out(cli("list", "--limit", "0", "--format", "json", db=copy)):
        a = json_out(cli("show", str(movie["id"]), "--format", "json"))
        b = json_out(cli("show", str(movie["id"]), "--format", "json", db=copy))
        assert a == b

    # And importing it again changes nothing.
    before = dump_tables(copy)
    again = cli("import", str(out), db=copy)
    assert counts(again, "movies")["added"] == 0
    assert counts(again, "ratings")["added"] == 0
    assert dump_tables(copy) == before


def test_stdout_and_file_hold_the_same_records(
    cli: Invoke, rich_catalog: Path, tmp_path: Path
) -> None:
    printed = json.loads(cli("export").stdout)
    out = tmp_path / "x.json"
    assert cli("export", "-o", str(out)).exit_code == 0
    written = json.loads(out.read_text(encoding="utf-8"))
    for key in ("movies", "ratings", "users", "tags", "genres"):
        assert printed[key] == written[key]


def test_a_reformatted_export_is_still_read(
    cli: Invoke, rich_catalog: Path, tmp_path: Path, other_target: Callable[[str], Target]
) -> None:
    document = json.loads(cli("export").stdout)
    pretty = write(tmp_path / "pretty.json", json.dumps(document, indent=4))
    copy = other_target("copy")
    assert cli("import", str(pretty), "--from", "moviecli", db=copy).exit_code == 0
    assert views(cli, copy) == views(cli, rich_catalog)


def test_csv_is_neutralised_and_imports_back(
    cli: Invoke, rich_catalog: Path, tmp_path: Path, other_target: Callable[[str], Target]
) -> None:
    result = cli("export", "--format", "csv")
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows[0] == ["movie_id", "title", "year", "user", "score", "review", "rated_at"]
    for row in rows[1:]:
        for cell in row[1:]:
            assert not cell.startswith(("=", "+", "-", "@")), row
    formula = next(row for row in rows if "calc" in row[1])
    assert formula[1] == "'=cmd|' /C calc'!A0"
    assert formula[5] == "'-2 stars, @everyone"
    assert any(row[3] == "'@ana" for row in rows)
    ratings_total = len(json_out(cli("ratings", "--limit", "0", "--format", "json")))
    assert len(rows) - 1 == ratings_total

    path = write(tmp_path / "ratings-export.csv", result.stdout)
    copy = other_target("copy")
    imported = cli("import", str(path), db=copy)
    assert counts(imported, "ratings")["added"] == ratings_total
    restored = json_out(cli("ratings", "--limit", "0", "--format", "json", db=copy))
    original = json_out(cli("ratings", "--limit", "0", "--format", "json"))
    key = lambda r: (r["title"], r["year"], r["user"])  # noqa: E731
    assert sorted(restored, key=key) == sorted(original, key=key)


@pytest.mark.sqlite_only  # a catalog file that is not there; a server database is made apart
def test_export_of_a_missing_catalog_is_refused(cli: Invoke, tmp_path: Path) -> None:
    result = cli("export", db=tmp_path / "nothing-here.db")
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: no catalog at")
    assert not (tmp_path / "nothing-here.db").exists()


def test_a_broken_json_export_is_refused(cli: Invoke, seeded: Path, tmp_path: Path) -> None:
    before = dump_tables(seeded)
    path = write(tmp_path / "broken.json", '{\n"format": "moviecli-export",\n"movies": [\n{"id": 1')
    result = cli("import", str(path))
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: ") and result.stderr.count("\n") == 1
    assert dump_tables(seeded) == before


def restored_copy(
    cli: Invoke, source: Target, other_target: Callable[[str], Target], name: str, work: Path
) -> tuple[Target, dict[str, object]]:
    """Export `source` and import it into a new, empty catalog `name` (on the engine
    `other_target` makes); the copy and the export."""
    out = work / f"{name}.json"
    assert cli("export", "--output", str(out), db=source).exit_code == 0
    copy = other_target(name)
    imported = cli("import", str(out), db=copy)
    assert imported.exit_code == 0, imported.output
    assert "rejected" not in imported.stdout
    return copy, json.loads(out.read_text(encoding="utf-8"))


def test_new_rows_after_an_import_with_ids_get_fresh_ids(
    cli: Invoke, rich_catalog: Path, tmp_path: Path, other_target: Callable[[str], Target]
) -> None:
    """An export brings its own ids: on PostgreSQL the sequences must move past them, or
    the next `add` collides with an imported movie."""
    for args in (
        ["lists", "create", "Best"],
        ["lists", "add", "Best", "Inception"],
        ["watch", "Inception"],
        ["tag", "Inception", "dreams"],
    ):
        assert cli(*args).exit_code == 0, args
    copy, _ = restored_copy(cli, rich_catalog, other_target, "copy", tmp_path)
    tables = ("movies", "genres", "people", "users", "tags", "viewings", "lists")
    highest = {table: query(copy, f"SELECT max(id) FROM {table}")[0][0] for table in tables}
    assert all(highest.values()), highest
    for args in (
        ["add", "Brand New", "--year", "2024", "--genre", "Unheard", "--director", "Nobody Yet"],
        ["rate", "Brand New", "4", "--user", "newcomer"],
        ["tag", "Brand New", "fresh"],
        ["watch", "Brand New"],
        ["lists", "create", "Fresh"],
    ):
        result = cli(*args, db=copy)
        assert result.exit_code == 0, (args, result.output)
    for table in tables:
        newest = query(copy, f"SELECT max(id) FROM {table}")[0][0]
        assert newest == highest[table] + 1, table


@pytest.mark.postgresql_only
def test_postgresql_to_sqlite_and_back_gives_the_same_export(
    cli: Invoke,
    rich_catalog: Path,
    backend: str,
    tmp_path: Path,
    other_target: Callable[[str], Target],
) -> None:
    """SPEC: export from one engine and import into the other gives the same catalog
    (same ids, same timestamps)."""
    assert backend == "postgresql"
    assert cli("watch", "Inception", "--on", "2024-02-29").exit_code == 0
    assert cli("lists", "create", "Best").exit_code == 0
    assert cli("lists", "add", "Best", "Inception").exit_code == 0
    sqlite_copy = tmp_path / "sqlite" / "movies.db"
    sqlite_copy.parent.mkdir()
    lite, first = restored_copy(cli, rich_catalog, lambda _: sqlite_copy, "lite", tmp_path)
    back, second = restored_copy(cli, lite, other_target, "back", tmp_path)
    _, third = restored_copy(cli, back, other_target, "again", tmp_path)
    for document in (first, second, third):
        document["export"] = {k: v for k, v in document["export"].items() if k != "exported_at"}
    assert second == first
    assert third == first
    assert dump_tables(back) == dump_tables(rich_catalog)
    assert dump_tables(lite) == dump_tables(rich_catalog)
