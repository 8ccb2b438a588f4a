"""MovieLens folders: titles, genres, links, tags, matching, idempotence, odd files."""

from __future__ import annotations

import csv
import sqlite3
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest

from tests.checks import query
from tests.conftest import Invoke, dump_tables, json_out
from tests.import_files import GENERATOR, counts, skipped, write

pytestmark = pytest.mark.both_engines

MOVIES = """movieId,title,genres
1,"Matrix, The (1999)",Action|Sci-Fi
2,Amélie (2001),Comedy|Romance
3,1776 (1972),Musical
4,300 (2006),Action|War
5,Heat (1986),Action
6,Heat (1995),Crime|Drama
7,Untitled Project,(no genres listed)
8,"City of Lost Children, The (Cité des enfants perdus, La) (1995)",Fantasy|sci-fi
9,"Crouching Tiger, Hidden Dragon (2000)",Action|Drama
10,Heat (1995),Crime
11,七人の侍 (1954),Drama
"""
LINKS = """movieId,imdbId,tmdbId
1,0133093,603
2,0211915,194
6,0113277,949
10,0113278,
"""
RATINGS = """userId,movieId,rating,timestamp
1,1,5.0,1000000000
1,2,4.5,1000000100
1,6,4.0,1000000200
1,10,3.0,1000000300
2,1,3.5,1100000000
2,3,2,1100000100
2,11,0.5,1100000200
3,4,4.0,1200000000
3,8,5.0,1200000100
"""
TAGS = """userId,movieId,tag,timestamp
1,1,"cyberpunk, classic",1000000050
2,11,samurai,1100000300
2,11,samurai,1100000300
"""


@pytest.fixture
def ml(tmp_path: Path) -> Path:
    folder = tmp_path / "ml"
    write(folder / "movies.csv", MOVIES)
    write(folder / "links.csv", LINKS)
    write(folder / "ratings.csv", RATINGS)
    write(folder / "tags.csv", TAGS)
    return folder


def movies_by_title(cli: Invoke) -> dict[tuple[str, int | None], dict]:
    rows = json_out(cli("list", "--limit", "0", "--format", "json"))
    return {(r["title"], r["year"]): r for r in rows}


def test_titles_years_genres_and_counts(cli: Invoke, catalog: Path, ml: Path) -> None:
    result = cli("import", str(ml))
    assert counts(result, "movies") == {"added": 10, "matched": 1}
    assert counts(result, "ratings") == {"added": 8, "replaced": 0, "unchanged": 0}
    assert counts(result, "tags") == {"added": 2, "unchanged": 1}
    assert counts(result, "users") == {"added": 3}
    # movieId 6 and 10 are the same "Heat (1995)": user 1 rated both, the later stays.
    assert skipped(result) == {
        "duplicate ratings of one movie by one user in this import (kept the latest)": 1
    }
    movies = movies_by_title(cli)
    assert set(movies) == {
        ("The Matrix", 1999),
        ("Amélie", 2001),
        ("1776", 1972),
        ("300", 2006),
        ("Heat", 1986),
        ("Heat", 1995),
        ("Untitled Project", None),
        ("The City of Lost Children", 1995),
        ("Crouching Tiger, Hidden Dragon", 2000),
        ("七人の侍", 1954),
    }
    assert movies[("The Matrix", 1999)]["genres"] == ["Action", "Sci-Fi"]
    assert movies[("Untitled Project", None)]["genres"] == []
    lost = movies[("The City of Lost Children", 1995)]
    assert lost["original_title"] == "La Cité des enfants perdus"
    assert lost["genres"] == ["Fantasy", "Sci-Fi"]
    heat = movies[("Heat", 1995)]
    assert heat["rating_count"] == 1 and heat["average_rating"] == 3.0
    assert heat["genres"] == ["Crime", "Drama"]
    assert movies[("The Matrix", 1999)]["rating_count"] == 2
    assert movies[("The Matrix", 1999)]["average_rating"] == 4.25


def test_links_users_and_timestamps(cli: Invoke, catalog: Path, ml: Path) -> None:
    assert cli("import", str(ml)).exit_code == 0
    detail = json_out(cli("show", "The Matrix", "--format", "json"))
    assert detail["external_ids"] == {"imdb": "tt0133093", "movielens": "1", "tmdb": "603"}
    # Listed twice in movies.csv: one movie that answers to both movieIds' links.
    heat = json_out(cli("show", "Heat (1995)", "--format", "json"))
    assert heat["external_ids"]["imdb"] in {"tt0113277", "tt0113278"}
    assert heat["external_ids"]["movielens"] in {"6", "10"}
    # Numbers as titles are still found by title when no movie has that id.
    assert json_out(cli("show", "300 (2006)", "--format", "json"))["title"] == "300"
    ratings = json_out(cli("ratings", "--user", "ml-1", "--limit", "0", "--format", "json"))
    assert {(r["title"], r["score"], r["rated_at"]) for r in ratings} == {
        ("The Matrix", 5.0, "2001-09-09T01:46:40Z"),
        ("Amélie", 4.5, "2001-09-09T01:48:20Z"),
        ("Heat", 3.0, "2001-09-09T01:51:40Z"),
    }


def test_second_import_changes_nothing(cli: Invoke, catalog: Path, ml: Path) -> None:
    assert cli("import", str(ml)).exit_code == 0
    before = dump_tables(catalog)
    again = cli("import", str(ml))
    assert counts(again, "movies") == {"added": 0, "matched": 11}
    assert counts(again, "ratings") == {"added": 0, "replaced": 0, "unchanged": 8}
    assert dump_tables(catalog) == before


def test_overlapping_files_do_not_duplicate(cli: Invoke, catalog: Path, ml: Path) -> None:
    assert cli("import", str(ml)).exit_code == 0
    more = ml.parent / "more"
    write(
        more / "movies.csv",
        'movieId,title,genres\n1,"Matrix, The (1999)",Action\n99,Heat (1995),Crime\n',
    )
    write(
        more / "ratings.csv",
        "userId,movieId,rating,timestamp\n1,1,5.0,1000000000\n4,99,2.5,1300000000\n",
    )
    result = cli("import", str(more))
    assert counts(result, "movies") == {"added": 0, "matched": 2}
    assert counts(result, "ratings") == {"added": 1, "replaced": 0, "unchanged": 1}
    movies = movies_by_title(cli)
    assert len(movies) == 10
    assert movies[("Heat", 1995)]["rating_count"] == 2


def test_matches_a_movie_added_by_hand(cli: Invoke, catalog: Path, ml: Path) -> None:
    added = json_out(cli("add", "the matrix", "--year", "1999", "--format", "json"))
    result = cli("import", str(ml))
    assert counts(result, "movies")["matched"] == 2
    detail = json_out(cli("show", str(added["id"]), "--format", "json"))
    assert detail["rating_count"] == 2
    assert detail["external_ids"]["imdb"] == "tt0133093"
    assert detail["genres"] == ["Action", "Sci-Fi"]


def test_rejected_rows_are_reported_with_line_numbers(cli: Invoke, catalog: Path, ml: Path) -> None:
    write(
        ml / "ratings.csv",
        RATINGS + "4,1,7.0,1300000000\n4,404,3.0,1300000000\n4,2,3.0\n4,2,3.0,soon\n",
    )
    result = cli("import", str(ml))
    assert result.exit_code == 0, result.output
    assert counts(result, "ratings")["added"] == 8
    out = result.stdout
    assert "rejected 4 rows" in out
    assert "ratings.csv, line 11: rating must be 0.5 to 5 in half stars (got '7.0')" in out
    assert "ratings.csv, line 12: movieId '404' is not in movies.csv" in out
    assert "ratings.csv, line 13: expected 4 fields, found 3" in out
    assert "ratings.csv, line 14: timestamp must be Unix seconds (got 'soon')" in out


def test_blank_lines_crlf_and_quotes_in_ratings(cli: Invoke, catalog: Path, ml: Path) -> None:
    """Blank lines are left out (not rejected) and later line numbers stay right;
    Windows line ends and quoted cells read like any other."""
    header, *rows = RATINGS.splitlines()
    quoted = '"' + rows[0].replace(",", '","') + '"'
    lines = [header, quoted, "", *rows[1:4], "   ", *rows[4:], "4,404,3.0,1300000000", ""]
    write(ml / "ratings.csv", "\r\n".join(lines))
    result = cli("import", str(ml))
    assert result.exit_code == 0, result.output
    assert counts(result, "ratings")["added"] == 8  # two listings of Heat (1995) merge
    assert "rejected 1 row" in result.stdout
    assert "ratings.csv, line 13: movieId '404' is not in movies.csv" in result.stdout
    plain = fresh_import(cli, ml, RATINGS)
    assert json_out(cli("ratings", "--limit", "0", "--format", "json")) == plain


def fresh_import(cli: Invoke, ml: Path, ratings: str) -> list[object]:
    """The ratings a catalog gets from `ratings` alone, in a catalog of its own."""
    other = ml.parent / "other.db"
    folder = ml.parent / "plain"
    folder.mkdir()
    for name in ("movies.csv", "links.csv", "tags.csv"):
        if (ml / name).exists():
            (folder / name).write_bytes((ml / name).read_bytes())
    write(folder / "ratings.csv", ratings)
    assert cli("--db", str(other), "import", str(folder)).exit_code == 0
    return json_out(cli("--db", str(other), "ratings", "--limit", "0", "--format", "json"))


@pytest.mark.sqlite_only  # store/bulk/sqlite.py's choice to rebuild the indexes
def test_big_and_small_merges_into_a_rated_catalog_agree(
    cli: Invoke, seeded: Path, ml: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An import into a catalog that has ratings either inserts into the ratings
    indexes or, when it brings more ratings than the catalog holds, drops and rebuilds
    them; both end in the same tables, the same indexes and the same summary."""
    from moviecli.store.bulk import sqlite as loader

    template = seeded.read_bytes()
    results = []
    for rebuild in (False, True):
        seeded.write_bytes(template)
        for suffix in ("-wal", "-shm"):
            Path(f"{seeded}{suffix}").unlink(missing_ok=True)
        asked: list[bool] = []

        def forced(*_: int, rebuild: bool = rebuild, asked: list[bool] = asked) -> bool:
            asked.append(rebuild)
            return rebuild

        monkeypatch.setattr(loader, "rebuild_pays_off", forced)
        result = cli("import", str(ml))
        assert result.exit_code == 0, result.output
        assert asked == [rebuild]
        with sqlite3.connect(seeded) as db:
            schema = db.execute(
                "SELECT type, name, sql FROM sqlite_master ORDER BY name"
            ).fetchall()
        heat = movies_by_title(cli)[("Heat", 1995)]
        results.append((result.stdout.split("\n", 1)[1], schema, heat, dump_tables(seeded)))
        assert skipped(result) == {
            "duplicate ratings of one movie by one user in this import (kept the latest)": 1
        }
        kept = json_out(
            cli("ratings", "--user", "ml-1", "--movie", str(heat["id"]), "--format", "json")
        )
        assert [r["score"] for r in kept] == [3.0]  # the later of user 1's two Heat ratings
        assert cli("db", "check").exit_code == 0
    assert results[0][:3] == results[1][:3]
    assert strip_times(results[0][3]) == strip_times(results[1][3])


def strip_times(tables: dict[str, list[tuple[object, ...]]]) -> dict[str, list[tuple[object, ...]]]:
    """Tables without the movies' created/updated times, which say when the import ran."""
    return {name: rows for name, rows in tables.items() if name != "movies"}


def test_more_than_twenty_rejects_are_counted(cli: Invoke, catalog: Path, ml: Path) -> None:
    bad = "".join(f"5,1,9,{1300000000 + i}\n" for i in range(25))
    write(ml / "ratings.csv", RATINGS + bad)
    result = cli("import", str(ml))
    assert "rejected 25 rows" in result.stdout
    assert "... and 5 more" in result.stdout
    assert result.stdout.count("got '9'") == 20


def test_strict_fails_and_changes_nothing(cli: Invoke, seeded: Path, ml: Path) -> None:
    write(ml / "ratings.csv", RATINGS + "4,1,7.0,1300000000\n")
    before = dump_tables(seeded)
    result = cli("import", str(ml), "--strict")
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [
        "Error: ratings.csv, line 11: rating must be 0.5 to 5 in half stars (got '7.0') "
        "(--strict: nothing was imported)"
    ]
    assert dump_tables(seeded) == before


def test_dry_run_reports_and_writes_nothing(cli: Invoke, seeded: Path, ml: Path) -> None:
    before = dump_tables(seeded)
    result = cli("import", str(ml), "--dry-run")
    assert counts(result, "ratings") == {"added": 8, "replaced": 0, "unchanged": 0}
    assert "Dry run: nothing was written." in result.stdout
    assert dump_tables(seeded) == before
    assert counts(cli("import", str(ml)), "ratings") == {"added": 8, "replaced": 0, "unchanged": 0}


def test_a_changed_score_replaces(cli: Invoke, catalog: Path, ml: Path) -> None:
    assert cli("import", str(ml)).exit_code == 0
    write(ml / "ratings.csv", RATINGS.replace("3,4,4.0,1200000000", "3,4,2.5,1200000500"))
    result = cli("import", str(ml))
    assert counts(result, "ratings") == {"added": 0, "replaced": 1, "unchanged": 7}
    assert movies_by_title(cli)[("300", 2006)]["average_rating"] == 2.5


@pytest.mark.parametrize(
    ("ratings", "message"),
    [
        ("", "ratings.csv is empty: nothing to import"),
        ("userId;movieId;rating;timestamp\n1;1;5.0;1\n", "separated by semicolons"),
        ("userId,movieId,rating,timestamp\x00\n", "contains NUL bytes"),
        ("movie,user\n1,2\n", "does not look like a MovieLens ratings.csv"),
    ],
)
def test_unreadable_files_are_refused_in_one_line(
    cli: Invoke, seeded: Path, ml: Path, ratings: str, message: str
) -> None:
    write(ml / "ratings.csv", ratings)
    before = dump_tables(seeded)
    result = cli("import", str(ml))
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    assert message in lines[0]
    assert "Traceback" not in result.output
    assert dump_tables(seeded) == before


def test_header_only_imports_nothing(cli: Invoke, catalog: Path, ml: Path) -> None:
    write(ml / "ratings.csv", "userId,movieId,rating,timestamp\n")
    result = cli("import", str(ml))
    assert counts(result, "ratings") == {"added": 0, "replaced": 0, "unchanged": 0}
    assert counts(result, "movies")["added"] == 10


def test_a_nul_byte_in_a_row_rejects_that_row(cli: Invoke, catalog: Path, ml: Path) -> None:
    write(ml / "movies.csv", MOVIES + '12,"Bad\x00Title (2001)",Drama\n')
    result = cli("import", str(ml))
    assert "movies.csv, line 13: contains a NUL byte" in result.stdout
    assert counts(result, "movies")["added"] == 10


def test_a_ratings_file_alone_points_to_its_folder(cli: Invoke, catalog: Path, ml: Path) -> None:
    result = cli("import", str(ml / "ratings.csv"))
    assert result.exit_code == 1
    assert "import the folder that holds it" in result.stderr


@pytest.mark.slow
def test_top_equals_a_computation_from_ratings_csv(
    cli: Invoke, catalog: Path, tmp_path: Path
) -> None:
    if not GENERATOR.is_file():
        pytest.skip(f"the data generator is not at {GENERATOR}")
    folder = tmp_path / "tiny"
    subprocess.run(
        [sys.executable, str(GENERATOR), str(folder), "--preset", "tiny"],
        check=True,
        capture_output=True,
    )
    assert cli("import", str(folder)).exit_code == 0
    # Straight from the files: a movie is its (title, year) line in movies.csv; a user's
    # later rating of the same movie wins.
    with (folder / "movies.csv").open(encoding="utf-8", newline="") as f:
        film_of = {row["movieId"]: row["title"] for row in csv.DictReader(f)}
    latest: dict[tuple[str, str], tuple[int, float]] = {}
    with (folder / "ratings.csv").open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            key = (film_of[row["movieId"]], row["userId"])
            stamp = int(row["timestamp"])
            if key not in latest or latest[key][0] <= stamp:
                latest[key] = (stamp, float(row["rating"]))
    scores: dict[str, list[float]] = defaultdict(list)
    for (film, _user), (_stamp, score) in latest.items():
        scores[film].append(score)
    everything = [s for values in scores.values() for s in values]
    c = sum(everything) / len(everything)
    m = 5
    expected = []
    for film, values in scores.items():
        v, r = len(values), sum(values) / len(values)
        if v >= m:
            expected.append((round(v / (v + m) * r + m / (v + m) * c, 4), v, round(r, 2), film))
    top = json_out(cli("top", "--limit", "0", "--min-ratings", str(m), "--format", "json"))
    assert [row["score"] for row in top] == sorted((row["score"] for row in top), reverse=True)
    actual = []
    for row in top:
        detail = json_out(cli("show", str(row["id"]), "--format", "json"))
        film = film_of[detail["external_ids"]["movielens"]]
        actual.append((row["score"], row["rating_count"], row["average_rating"], film))
    assert len(actual) == len(expected) > 5
    want = {e[3]: e for e in expected}
    for score, count, mean, film in actual:
        assert (count, mean) == want[film][1:3], film
        assert score == pytest.approx(want[film][0], abs=1.5e-4), film


def test_progress_moves_while_movies_are_read(tmp_path: Path) -> None:
    """A 62k-movie movies.csv takes seconds: the bar must not sit at 0 rows meanwhile."""
    from moviecli.importers.movielens import PROGRESS_LINES, open_folder
    from moviecli.importers.records import MovieRecord, Progress

    folder = tmp_path / "ml"
    count = 2 * PROGRESS_LINES + 7
    write(
        folder / "movies.csv",
        "movieId,title,genres\n" + "".join(f"{i},Film {i} (2000),Drama\n" for i in range(count)),
    )
    items = list(open_folder(folder).items())
    kinds = [type(item) for item in items]
    last_movie = len(kinds) - 1 - kinds[::-1].index(MovieRecord)
    during = [item.done for item in items[:last_movie] if isinstance(item, Progress)]
    assert len(during) == 2
    assert during == sorted(during) and 0 < during[0] < during[1]
    assert items[-1] == Progress(items[-1].total, items[-1].total)


@pytest.mark.postgresql_only  # store/bulk/postgres.py drops them for a first load
def test_a_first_load_builds_the_ratings_indexes_again(cli: Invoke, catalog: str, ml: Path) -> None:
    def indexes() -> list[tuple[object, ...]]:
        return query(
            catalog,
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'ratings' ORDER BY 1",
        )

    before = indexes()
    assert len(before) > 1  # the key and at least one secondary index
    assert counts(cli("import", str(ml)), "ratings")["added"] == 8
    assert indexes() == before
    assert cli("db", "check").exit_code == 0
