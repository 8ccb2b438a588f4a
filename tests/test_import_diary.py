"""Diary imports: a whole Letterboxd export (diary, watched, watchlist, likes, lists)
becomes viewings, a watchlist and lists; importing it again changes nothing."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.checks import query, refused
from tests.conftest import Invoke, Target, dump_tables
from tests.import_files import counts, skipped, write

pytestmark = pytest.mark.both_engines

DIARY = """Date,Name,Year,Letterboxd URI,Rating,Rewatch,Tags,Watched Date
2023-01-02,Heat,1995,https://boxd.it/diary1,4,,"heist, la",2023-01-01
2023-02-01,Heat,1995,https://boxd.it/diary2,4.5,Yes,rewatch,2023-01-31
2023-03-01,Tampopo,1985,https://boxd.it/diary3,4,,,2023-02-28
2023-03-01,Tampopo,1985,https://boxd.it/diary4,,Yes,,2023-02-28
2023-03-05,Paterson,2016,https://boxd.it/diary5,,,,
"""
REVIEWS = """Date,Name,Year,Letterboxd URI,Rating,Rewatch,Review,Tags,Watched Date
2023-02-01,Heat,1995,https://boxd.it/rev1,4.5,Yes,"The diner scene, again.
Still perfect.",,2023-01-31
"""
RATINGS = """Date,Name,Year,Letterboxd URI,Rating
2023-02-01,Heat,1995,https://boxd.it/2bh4,4.5
2023-03-01,Tampopo,1985,https://boxd.it/1Tj0,4
"""
WATCHED = """Date,Name,Year,Letterboxd URI
2023-01-02,Heat,1995,https://boxd.it/2bh4
2023-03-01,Tampopo,1985,https://boxd.it/1Tj0
2019-06-01,Amélie,2001,https://boxd.it/1Xbe
"""
WATCHLIST = """Date,Name,Year,Letterboxd URI
2023-04-01,Stalker,1979,https://boxd.it/2aY8
2023-04-02,Heat,1995,https://boxd.it/2bh4
"""
LIKES = """Date,Name,Year,Letterboxd URI
2023-01-05,Heat,1995,https://boxd.it/2bh4
2023-03-02,Tampopo,1985,https://boxd.it/1Tj0
"""
# A list file starts with the list's own header and row, then a blank line.
HEISTS = """Letterboxd list export v7
Date,Name,Tags,URL,Description
2023-05-01,Heists,"crime, fun",https://boxd.it/lst1,"The best ones, ranked"

Position,Name,Year,URL,Description
2,Rififi,1955,https://letterboxd.com/film/rififi/,
1,Heat,1995,https://letterboxd.com/film/heat-1995/,The diner
3,Inside Man,2006,https://letterboxd.com/film/inside-man/,
"""
EMPTY_LIST = """Letterboxd list export v7
Date,Name,Tags,URL,Description
2023-06-01,Someday,,https://letterboxd.com/ana/list/someday/,

Position,Name,Year,URL,Description
"""


def export(folder: Path) -> Path:
    write(folder / "diary.csv", DIARY)
    write(folder / "reviews.csv", REVIEWS)
    write(folder / "ratings.csv", RATINGS)
    write(folder / "watched.csv", WATCHED)
    write(folder / "watchlist.csv", WATCHLIST)
    write(folder / "likes" / "films.csv", LIKES)
    write(folder / "lists" / "heists.csv", HEISTS)
    write(folder / "lists" / "someday.csv", EMPTY_LIST)
    write(folder / "profile.csv", "Date Joined,Username\n2019-01-01,ana\n")
    return folder


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return export(tmp_path / "letterboxd-ana-2024-01-01-00-00-utc")


def viewings(db: Path) -> list[tuple[object, ...]]:
    return query(
        db,
        "SELECT m.title, v.watched_on, v.rewatch, v.review FROM viewings AS v "
        "JOIN movies AS m ON m.id = v.movie_id ORDER BY v.watched_on NULLS FIRST, m.title, v.id",
    )


def test_whole_export_imports_completely(cli: Invoke, catalog: Path, folder: Path) -> None:
    result = cli("import", str(folder), "--user", "ana")
    assert counts(result, "viewings") == {"added": 6, "unchanged": 2}
    assert counts(result, "to watch") == {"added": 1, "unchanged": 0}
    assert counts(result, "lists") == {"added": 3, "matched": 0}
    assert counts(result, "on lists") == {"added": 5, "unchanged": 0}
    assert skipped(result) == {"watchlist entries of films the user has watched": 1}
    assert viewings(catalog) == [
        # watched.csv: seen, date unknown (Heat and Tampopo are in the diary already)
        ("Amélie", None, 0, None),
        ("Heat", "2023-01-01", 0, None),
        ("Heat", "2023-01-31", 1, "The diner scene, again.\nStill perfect."),
        # two entries of one film on one day are two viewings
        ("Tampopo", "2023-02-28", 0, None),
        ("Tampopo", "2023-02-28", 1, None),
        # no Watched Date: the day it was logged
        ("Paterson", "2023-03-05", 0, None),
    ]
    # Heat is watched, so it does not join the watchlist; Stalker does.
    assert query(
        catalog,
        "SELECT m.title, w.added_at FROM watchlist AS w JOIN movies AS m ON m.id = w.movie_id",
    ) == [("Stalker", "2023-04-01 00:00:00.000000")]
    lists = query(catalog, "SELECT name, description, ranked FROM lists ORDER BY id")
    assert lists == [
        ("Likes", None, 0),
        ("Heists", "The best ones, ranked", 0),
        ("Someday", None, 0),
    ]
    items = query(
        catalog,
        "SELECT l.name, i.position, m.title, i.note FROM list_items AS i "
        "JOIN lists AS l ON l.id = i.list_id JOIN movies AS m ON m.id = i.movie_id "
        "ORDER BY l.id, i.position",
    )
    assert items == [
        ("Likes", 1, "Heat", None),
        ("Likes", 2, "Tampopo", None),
        ("Heists", 1, "Heat", "The diner"),
        ("Heists", 2, "Rififi", None),
        ("Heists", 3, "Inside Man", None),
    ]
    # ratings.csv is the current rating; the review of the latest entry is its review
    assert query(
        catalog,
        "SELECT m.title, r.score, r.review FROM ratings AS r JOIN movies AS m "
        "ON m.id = r.movie_id ORDER BY m.title",
    ) == [("Heat", 4.5, "The diner scene, again.\nStill perfect."), ("Tampopo", 4.0, None)]


def test_importing_again_changes_nothing(cli: Invoke, catalog: Path, folder: Path) -> None:
    assert cli("import", str(folder), "--user", "ana").exit_code == 0
    before = dump_tables(catalog)
    again = cli("import", str(folder), "--user", "ana")
    assert counts(again, "viewings") == {"added": 0, "unchanged": 8}
    assert counts(again, "to watch") == {"added": 0, "unchanged": 1}
    assert counts(again, "lists") == {"added": 0, "matched": 3}
    assert counts(again, "on lists") == {"added": 0, "unchanged": 5}
    assert dump_tables(catalog) == before


def test_zip_equals_folder(cli: Invoke, catalog: Path, folder: Path, tmp_path: Path) -> None:
    archive = tmp_path / "letterboxd.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for path in folder.rglob("*.csv"):
            z.write(path, path.relative_to(folder).as_posix())
        z.writestr("deleted/lists/gone.csv", HEISTS.replace("Heists", "Gone"))
    result = cli("import", str(archive), "--user", "ana")
    assert counts(result, "viewings") == {"added": 6, "unchanged": 2}
    assert counts(result, "lists") == {"added": 3, "matched": 0}
    assert query(catalog, "SELECT count(*) FROM lists WHERE name = 'Gone'") == [(0,)]


def test_dry_run_writes_nothing(cli: Invoke, catalog: Path, folder: Path) -> None:
    before = dump_tables(catalog)
    result = cli("import", str(folder), "--user", "ana", "--dry-run")
    assert counts(result, "viewings") == {"added": 6, "unchanged": 2}
    assert dump_tables(catalog) == before


def test_single_files_by_name(cli: Invoke, catalog: Path, tmp_path: Path) -> None:
    watchlist = write(tmp_path / "watchlist.csv", WATCHLIST)
    assert counts(cli("import", str(watchlist), "--user", "ana"), "to watch")["added"] == 2
    heists = write(tmp_path / "heists.csv", HEISTS)
    result = cli("import", str(heists), "--user", "ana")
    assert counts(result, "on lists") == {"added": 3, "unchanged": 0}
    likes = write(tmp_path / "likes" / "films.csv", LIKES)
    result = cli("import", str(likes), "--user", "ana")
    assert query(catalog, "SELECT name FROM lists ORDER BY id") == [("Heists",), ("Likes",)]
    diary = write(tmp_path / "diary.csv", DIARY)
    assert counts(cli("import", str(diary), "--user", "ana"), "viewings")["added"] == 5
    # a diary entry took Heat off the watchlist, as `watch` does
    assert query(catalog, "SELECT count(*) FROM watchlist") == [(1,)]


def test_an_import_adds_to_a_list_already_there(cli: Invoke, catalog: Path, tmp_path: Path) -> None:
    heists = write(tmp_path / "heists.csv", HEISTS)
    assert cli("import", str(heists), "--user", "ana").exit_code == 0
    more = HEISTS.replace("3,Inside Man,2006", "3,Thief,1981").replace("Heists,", "HEISTS,", 1)
    result = cli("import", str(write(tmp_path / "more.csv", more)), "--user", "ana")
    assert counts(result, "lists") == {"added": 0, "matched": 1}
    assert counts(result, "on lists") == {"added": 1, "unchanged": 2}
    assert query(
        catalog,
        "SELECT i.position, m.title FROM list_items AS i JOIN movies AS m ON m.id = i.movie_id "
        "ORDER BY i.position",
    ) == [(1, "Heat"), (2, "Rififi"), (3, "Inside Man"), (4, "Thief")]


def test_bad_rows_are_rejected_with_line_and_reason(
    cli: Invoke, catalog: Path, tmp_path: Path
) -> None:
    diary = write(
        tmp_path / "diary.csv",
        "Date,Name,Year,Letterboxd URI,Rating,Rewatch,Tags,Watched Date\n"
        "2023-01-02,Heat,1995,u,4,,,2023-01-01\n"
        "2023-01-02,Bad\x1b[31mTitle,1995,u,4,,,2023-01-01\n"
        "2023-01-02,Heat,1995,u,4,,,31/01/2023\n"
        "2023-01-02,Heat,1995,u,7,,,2023-01-03\n",
    )
    result = cli("import", str(diary), "--user", "ana")
    assert counts(result, "viewings") == {"added": 1, "unchanged": 0}
    out = result.stdout
    assert "diary.csv, line 3: Name contains a control character (U+001B)" in out
    assert "diary.csv, line 4: Watched Date must be a date as YYYY-MM-DD (got '31/01/2023')" in out
    assert "diary.csv, line 5: Rating must be 0.5 to 5 in half stars (got '7')" in out
    before = dump_tables(catalog)
    message = refused(cli("import", str(diary), "--user", "bo", "--strict"))
    assert "line 3" in message and "nothing was imported" in message
    assert dump_tables(catalog) == before


def test_a_list_file_without_its_preamble_is_refused(
    cli: Invoke, catalog: Path, tmp_path: Path
) -> None:
    broken = write(tmp_path / "lists" / "x.csv", "Letterboxd list export v7\n")
    folder = tmp_path / "export"
    write(folder / "lists" / "x.csv", broken.read_text())
    write(folder / "watched.csv", WATCHED)
    before = dump_tables(catalog)
    assert "without the list's header" in refused(cli("import", str(folder), "--user", "ana"))
    assert dump_tables(catalog) == before


def test_json_export_carries_the_diary_and_restores_it_exactly(
    cli: Invoke,
    catalog: Path,
    folder: Path,
    tmp_path: Path,
    other_target: Callable[[str], Target],
) -> None:
    assert cli("import", str(folder), "--user", "ana").exit_code == 0
    assert cli("add", "Thief", "--year", "1981", "--director", "Michael Mann").exit_code == 0
    assert cli("edit", "Heat", "--director", "Michael Mann", "--cast", "Al Pacino").exit_code == 0
    assert cli("watchlist", "add", "Heat", "--user", "bo", "--note", "again").exit_code == 0
    out = tmp_path / "backup.json"
    assert cli("export", "--output", str(out)).exit_code == 0
    copy = other_target("copy")
    imported = cli("import", str(out), db=copy)
    assert imported.exit_code == 0, imported.output
    assert "rejected" not in imported.stdout
    original, restored = dump_tables(catalog), dump_tables(copy)
    assert restored.keys() == original.keys()
    for table in original:
        if table != "alembic_version":
            assert restored[table] == original[table], table
    assert len(restored["viewings"]) == 6 and len(restored["list_items"]) == 5
    assert len(restored["movie_people"]) == 3
    again = cli("import", str(out), db=copy)
    assert counts(again, "viewings") == {"added": 0, "unchanged": 6}
    assert dump_tables(copy) == restored


def test_letterboxd_export_carries_every_viewing(
    cli: Invoke, catalog: Path, folder: Path, tmp_path: Path
) -> None:
    assert cli("import", str(folder), "--user", "ana").exit_code == 0
    assert cli("rate", "Rififi", "3.5", "--user", "ana", "--review", "=tense").exit_code == 0
    result = cli("export", "--format", "letterboxd", "--user", "ana")
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows[0] == [
        "Title", "Year", "imdbID", "WatchedDate", "Rating10", "Rewatch", "Tags", "Review"
    ]  # fmt: skip
    assert rows[1:] == [
        ["Amélie", "2001", "", "", "", "false", "", ""],
        ["Heat", "1995", "", "2023-01-01", "", "false", "", ""],
        [
            "Heat", "1995", "", "2023-01-31", "9", "true", "heist, la, rewatch",
            "The diner scene, again.\nStill perfect.",
        ],
        ["Tampopo", "1985", "", "2023-02-28", "", "false", "", ""],
        ["Tampopo", "1985", "", "2023-02-28", "8", "true", "", ""],
        ["Paterson", "2016", "", "2023-03-05", "", "false", "", ""],
        # rated, never logged; the file is for Letterboxd, not a spreadsheet: a
        # review that looks like a formula is written as it is (issue 17, point 6)
        ["Rififi", "1955", "", "", "7", "false", "", "=tense"],
    ]  # fmt: skip
    viewings_held = query(catalog, "SELECT count(*) FROM viewings")[0][0]
    assert sum(1 for row in rows[1:] if row[0] != "Rififi") == viewings_held
    out = tmp_path / "letterboxd.csv"
    assert cli("export", "-f", "letterboxd", "-u", "ana", "-o", str(out)).exit_code == 0
    assert out.read_text(encoding="utf-8") == result.stdout
    assert "no user named 'nobody'" in refused(
        cli("export", "--format", "letterboxd", "--user", "nobody")
    )
