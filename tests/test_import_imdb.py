"""IMDb "Your ratings" exports: current and older headers, cp1252, non-movies."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import Invoke, dump_tables, json_out
from tests.import_files import counts, skipped, write

pytestmark = pytest.mark.both_engines

CURRENT = (
    "Const,Your Rating,Date Rated,Title,Original Title,URL,Title Type,IMDb Rating,"
    "Runtime (mins),Year,Genres,Num Votes,Release Date,Directors\n"
    "tt0113277,9,2021-03-14,Heat,Heat,https://www.imdb.com/title/tt0113277/,Movie,8.3,170,1995,"
    '"Action, Crime, Drama",700000,1995-12-15,Michael Mann\n'
    'tt0211915,8,2021-03-15,Amélie,"Le fabuleux destin d\'Amélie Poulain",https://x,Movie,8.3,'
    '122,2001,"Comedy, Romance",800000,2001-04-25,Jean-Pierre Jeunet\n'
    "tt0416449,1,2021-03-16,300,300,https://x,Movie,7.6,117,2006,Action,800000,2007-03-09,"
    "Zack Snyder\n"
    "tt0903747,10,2021-03-17,Breaking Bad,Breaking Bad,https://x,TV Series,9.5,49,2008,"
    "Drama,2000000,2008-01-20,\n"
    'tt0068646,10,2021-03-18,"The Godfather",The Godfather,https://x,Movie,9.2,175,1972,'
    '"Crime, Drama",2000000,1972-03-24,"Francis Ford Coppola"\n'
    "tt0099999,7,2021-03-19,Some TV Film,Some TV Film,https://x,TV Movie,6.0,90,1999,,"
    "100,1999-01-01,\n"
)
OLD = (
    "Const,Your Rating,Date Added,Title,URL,Title Type,IMDb Rating,Runtime (mins),Year,"
    "Genres,Num Votes,Release Date,Directors\n"
    'tt0113277,9,2015-01-01,Heat,https://x,movie,8.3,170,1995,"action, crime",1,1995-12-15,'
    "Michael Mann\n"
    "tt0141842,10,2015-01-02,The Sopranos,https://x,tvSeries,9.2,55,1999,Drama,1,,\n"
    "tt0116282,8,2015-01-03,Fargo,https://x,movie,8.1,98,1996,Crime,1,1996-03-08,"
    '"Joel Coen, Ethan Coen"\n'
)


def test_current_header(cli: Invoke, catalog: Path, tmp_path: Path) -> None:
    result = cli("import", str(write(tmp_path / "ratings.csv", CURRENT)), "--user", "ana")
    assert counts(result, "movies") == {"added": 5, "matched": 0}
    assert counts(result, "ratings") == {"added": 5, "replaced": 0, "unchanged": 0}
    assert skipped(result) == {"not movies (title type TV Series)": 1}
    heat = json_out(cli("show", "Heat", "--format", "json"))
    assert heat["external_ids"] == {"imdb": "tt0113277"}
    assert heat["genres"] == ["Action", "Crime", "Drama"]
    assert heat["runtime_minutes"] == 170 and heat["director"] == "Michael Mann"
    assert heat["original_title"] is None
    assert heat["latest_ratings"][0]["score"] == 4.5
    assert heat["latest_ratings"][0]["rated_at"] == "2021-03-14T00:00:00Z"
    amelie = json_out(cli("show", "Amélie", "--format", "json"))
    assert amelie["original_title"] == "Le fabuleux destin d'Amélie Poulain"
    assert json_out(cli("show", "300", "--format", "json"))["average_rating"] == 0.5
    assert json_out(cli("show", "The Godfather", "--format", "json"))["average_rating"] == 5.0


def test_old_header_lowercase_types(cli: Invoke, catalog: Path, tmp_path: Path) -> None:
    result = cli("import", str(write(tmp_path / "old.csv", OLD)), "--user", "ana")
    assert counts(result, "movies") == {"added": 2, "matched": 0}
    assert skipped(result) == {"not movies (title type tvSeries)": 1}
    fargo = json_out(cli("show", "Fargo", "--format", "json"))
    assert fargo["director"] == "Joel Coen, Ethan Coen"
    assert fargo["latest_ratings"][0]["rated_at"] == "2015-01-03T00:00:00Z"


def test_cp1252_file(cli: Invoke, catalog: Path, tmp_path: Path) -> None:
    path = write(tmp_path / "windows.csv", CURRENT, encoding="cp1252")
    assert "Amélie".encode("cp1252") in path.read_bytes()
    result = cli("import", str(path))
    assert counts(result, "movies")["added"] == 5
    assert json_out(cli("show", "Amélie", "--format", "json"))["title"] == "Amélie"


def test_same_film_from_imdb_and_movielens_ids(cli: Invoke, catalog: Path, tmp_path: Path) -> None:
    assert cli("import", str(write(tmp_path / "new.csv", CURRENT))).exit_code == 0
    before = dump_tables(catalog)
    # The old export rates Heat again (same id): matched by its IMDb id, score unchanged,
    # rated earlier: the catalog's newer rating stays.
    result = cli("import", str(write(tmp_path / "old.csv", OLD)))
    assert counts(result, "movies") == {"added": 1, "matched": 1}
    assert counts(result, "ratings") == {"added": 1, "replaced": 0, "unchanged": 0}
    assert dump_tables(catalog) != before
    again = cli("import", str(tmp_path / "old.csv"))
    assert counts(again, "ratings") == {"added": 0, "replaced": 0, "unchanged": 1}


def test_bad_rows_and_ragged_rows(cli: Invoke, catalog: Path, tmp_path: Path) -> None:
    text = CURRENT + "nm000001,5,2021-01-01,Person,x,x,Movie,1,1,2000,,1,,\n"
    text += "tt0000001,11,2021-01-01,Too High,x,x,Movie,1,1,2000,,1,,\n"
    text += "tt0000002,5,2021-01-01,Short\n"
    result = cli("import", str(write(tmp_path / "r.csv", text)))
    out = result.stdout
    assert "rejected 3 rows" in out
    assert "line 8: Const must be an IMDb id like tt0113277 (got 'nm000001')" in out
    assert "line 9: Your Rating must be a whole number from 1 to 10 (got '11')" in out
    assert "line 10: expected 14 fields, found 4" in out


def test_wrong_delimiter_is_refused(cli: Invoke, catalog: Path, tmp_path: Path) -> None:
    path = write(tmp_path / "r.csv", CURRENT.replace(",", ";"))
    result = cli("import", str(path), "--from", "imdb")
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1
    assert "separated by semicolons" in result.stderr
    unknown = cli("import", str(path))
    assert unknown.exit_code == 1
    assert "cannot tell what" in unknown.stderr and "--from" in unknown.stderr


def test_a_file_without_a_date_column_is_refused_whole(
    cli: Invoke, seeded: Path, tmp_path: Path
) -> None:
    """Rather than adding the movies and rejecting every rating for its missing date."""
    header, *rows = OLD.splitlines()
    drop = header.split(",").index("Date Added")
    undated = "\n".join(
        ",".join(c for i, c in enumerate(line.split(",")) if i != drop)
        for line in [header, rows[0]]
    )
    before = dump_tables(seeded)
    result = cli("import", str(write(tmp_path / "ratings.csv", undated + "\n")))
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1
    assert "no column 'Date Rated'" in result.stderr
    assert dump_tables(seeded) == before
