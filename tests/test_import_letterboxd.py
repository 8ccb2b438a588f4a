"""Letterboxd exports: one file, the unzipped folder, the .zip; reviews and tags."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from tests.conftest import Invoke, dump_tables, json_out
from tests.import_files import counts, write

pytestmark = pytest.mark.both_engines

WATCHED = """Date,Name,Year,Letterboxd URI
2023-01-02,Heat,1995,https://boxd.it/2bh4
2023-01-03,Heat,1986,https://boxd.it/1k0a
2023-01-04,"Crouching Tiger, Hidden Dragon",2000,https://boxd.it/27cA
2023-01-05,Amélie,2001,https://boxd.it/1Xbe
2023-01-06,1776,1972,https://boxd.it/1o2S
"""
RATINGS = """Date,Name,Year,Letterboxd URI,Rating
2023-02-01,Heat,1995,https://boxd.it/2bh4,4.5
2023-02-02,Heat,1986,https://boxd.it/1k0a,2
2023-02-03,"Crouching Tiger, Hidden Dragon",2000,https://boxd.it/27cA,5
2023-02-04,Amélie,2001,https://boxd.it/1Xbe,3.5
2023-02-05,300,2006,https://boxd.it/1wHS,1.5
2023-02-06,Film Without Year,,https://boxd.it/zz9,3
"""
DIARY = """Date,Name,Year,Letterboxd URI,Rating,Rewatch,Tags,Watched Date
2023-01-02,Heat,1995,https://boxd.it/diary1,4,,"heist, la",2023-01-01
2023-02-01,Heat,1995,https://boxd.it/diary2,4.5,Yes,rewatch,2023-01-31
2023-03-01,Tampopo,1985,https://boxd.it/diary3,4,,,2023-02-28
"""
REVIEWS = """Date,Name,Year,Letterboxd URI,Rating,Rewatch,Review,Tags,Watched Date
2023-02-01,Heat,1995,https://boxd.it/rev1,4.5,Yes,"The diner scene, again. Still perfect.",,\
2023-01-31
"""


@pytest.fixture
def export_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "letterboxd-export"
    write(folder / "watched.csv", WATCHED)
    write(folder / "ratings.csv", RATINGS)
    write(folder / "diary.csv", DIARY)
    write(folder / "reviews.csv", REVIEWS)
    write(folder / "watchlist.csv", "Date,Name,Year,Letterboxd URI\n2023-01-01,Not Seen,2020,x\n")
    return folder


def by_title(cli: Invoke) -> dict[tuple[str, int | None], dict]:
    rows = json_out(cli("list", "--limit", "0", "--format", "json"))
    return {(r["title"], r["year"]): r for r in rows}


def test_ratings_file(cli: Invoke, catalog: Path, tmp_path: Path) -> None:
    path = write(tmp_path / "ratings.csv", RATINGS)
    result = cli("import", str(path), "--user", "ana")
    assert counts(result, "movies") == {"added": 6, "matched": 0}
    assert counts(result, "ratings") == {"added": 6, "replaced": 0, "unchanged": 0}
    movies = by_title(cli)
    assert movies[("Heat", 1995)]["average_rating"] == 4.5
    assert movies[("Heat", 1986)]["average_rating"] == 2.0
    assert movies[("Film Without Year", None)]["rating_count"] == 1
    ratings = json_out(cli("ratings", "--user", "ana", "--sort", "title", "--format", "json"))
    assert ratings[0]["title"] == "300" and ratings[0]["rated_at"] == "2023-02-05T00:00:00Z"
    detail = json_out(cli("show", "Heat (1995)", "--format", "json"))
    assert detail["external_ids"] == {"letterboxd": "2bh4"}


def test_user_defaults_to_moviecli_user(cli: Invoke, catalog: Path, tmp_path: Path) -> None:
    path = write(tmp_path / "ratings.csv", RATINGS)
    assert cli("import", str(path)).exit_code == 0
    assert len(json_out(cli("ratings", "--user", "tester", "--format", "json"))) == 6


def test_folder_takes_ratings_reviews_and_diary_tags(
    cli: Invoke, catalog: Path, export_folder: Path
) -> None:
    result = cli("import", str(export_folder), "--user", "ana")
    # watched 5 + ratings' 300 and the yearless one + the diary's Tampopo + the watchlist's
    assert counts(result, "movies") == {"added": 9, "matched": 0}
    # ratings.csv is the current rating of each film; the diary is history.
    assert counts(result, "ratings") == {"added": 6, "replaced": 0, "unchanged": 0}
    assert counts(result, "tags") == {"added": 3, "unchanged": 0}
    movies = by_title(cli)
    assert movies[("Not Seen", 2020)]["rating_count"] == 0
    assert movies[("Tampopo", 1985)]["rating_count"] == 0
    detail = json_out(cli("show", "Heat (1995)", "--format", "json"))
    assert detail["latest_ratings"][0]["review"] == "The diner scene, again. Still perfect."
    assert detail["latest_ratings"][0]["score"] == 4.5


def test_diary_alone_keeps_the_latest_entry(cli: Invoke, catalog: Path, tmp_path: Path) -> None:
    path = write(tmp_path / "diary.csv", DIARY)
    result = cli("import", str(path), "--user", "ana")
    assert counts(result, "movies") == {"added": 2, "matched": 0}
    assert counts(result, "ratings")["added"] == 2
    heat = json_out(cli("show", "Heat (1995)", "--format", "json"))
    assert heat["latest_ratings"][0]["score"] == 4.5
    assert heat["latest_ratings"][0]["rated_at"] == "2023-02-01T00:00:00Z"


def test_zip_equals_folder(cli: Invoke, catalog: Path, export_folder: Path, tmp_path: Path) -> None:
    archive = tmp_path / "letterboxd-ana-2024-01-01-00-00-utc.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for path in export_folder.iterdir():
            z.write(path, path.name)
        z.writestr("deleted/diary.csv", DIARY.replace("Tampopo", "Deleted Film"))
    result = cli("import", str(archive), "--user", "ana")
    assert counts(result, "movies") == {"added": 9, "matched": 0}
    assert ("Deleted Film", 1985) not in by_title(cli)
    before = dump_tables(catalog)
    again = cli("import", str(export_folder), "--user", "ana")
    assert counts(again, "movies") == {"added": 0, "matched": 9}
    assert counts(again, "ratings") == {"added": 0, "replaced": 0, "unchanged": 6}
    assert dump_tables(catalog) == before


def test_diary_uri_is_not_a_film_id_so_name_and_year_match(
    cli: Invoke, catalog: Path, tmp_path: Path
) -> None:
    assert cli("import", str(write(tmp_path / "ratings.csv", RATINGS))).exit_code == 0
    result = cli("import", str(write(tmp_path / "diary.csv", DIARY)))
    assert counts(result, "movies") == {"added": 1, "matched": 1}
    # The diary's 2023-02-01 entry is as new as the current rating: nothing to replace.
    assert counts(result, "ratings") == {"added": 1, "replaced": 0, "unchanged": 1}


def test_bad_rows(cli: Invoke, catalog: Path, tmp_path: Path) -> None:
    text = RATINGS + "2023-02-07,Too Good,2001,https://boxd.it/a,6\n" + "2023-02-08,Short\n"
    text += "someday,Undated,2001,https://boxd.it/b,3\n"
    result = cli("import", str(write(tmp_path / "ratings.csv", text)))
    out = result.stdout
    assert "rejected 3 rows" in out
    assert "ratings.csv, line 8: Rating must be 0.5 to 5 in half stars (got '6')" in out
    assert "ratings.csv, line 9: expected 5 fields, found 2" in out
    assert "ratings.csv, line 10: Date must be a date as YYYY-MM-DD (got 'someday')" in out


def test_a_zip_without_letterboxd_files_is_refused(
    cli: Invoke, catalog: Path, tmp_path: Path
) -> None:
    archive = tmp_path / "other.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("notes.txt", "hello")
    result = cli("import", str(archive))
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: ") and "none of the Letterboxd files" in result.stderr
