"""add, list, show, edit, delete, seed, stats through the CLI, held to SPEC.md."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest

from tests.checks import MOVIE_KEYS, add, query, rate, ratings_by_movie, refused
from tests.conftest import Invoke, Target, Templates, dump_tables, json_out

pytestmark = pytest.mark.both_engines

# ---------------------------------------------------------------- add


def test_add_prints_the_movie_with_its_id(cli: Invoke, catalog: Path) -> None:
    result = cli("add", "Heat", "--year", "1995", "--genre", "crime")
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "Added #1 Heat (1995)  Crime"
    assert query(catalog, "SELECT id, title, year FROM movies") == [(1, "Heat", 1995)]


def test_add_json_has_exactly_the_spec_keys(cli: Invoke, catalog: Path) -> None:
    movie = add(
        cli,
        "  Blade Runner  ",
        1982,
        "sci-fi",
        "film-noir",
        "SCI-FI",
        runtime=117,
        director="Ridley Scott",
        original_title="Blade Runner",
    )
    assert list(movie) == MOVIE_KEYS
    assert movie == {
        "id": 1,
        "title": "Blade Runner",
        "year": 1982,
        "genres": ["Film-Noir", "Sci-Fi"],
        "original_title": "Blade Runner",
        "runtime_minutes": 117,
        "director": "Ridley Scott",
        "average_rating": None,
        "rating_count": 0,
    }
    assert sorted(query(catalog, "SELECT name FROM genres")) == [("Film-Noir",), ("Sci-Fi",)]


def test_genres_are_shared_case_insensitively(cli: Invoke, catalog: Path) -> None:
    add(cli, "Alien", 1979, "sci-fi", "horror")
    second = add(cli, "Aliens", 1986, "Sci-fi", "ACTION")
    assert second["genres"] == ["Action", "Sci-Fi"]
    names = sorted(name for (name,) in query(catalog, "SELECT name FROM genres"))
    assert names == ["Action", "Horror", "Sci-Fi"]


def test_add_refuses_a_duplicate_and_names_the_existing_id(cli: Invoke, catalog: Path) -> None:
    add(cli, "Solaris", 2002)
    first = add(cli, "Solaris", 1972)
    before = dump_tables(catalog)
    line = refused(cli("add", "  SOLARIS ", "--year", "1972"))
    assert f"id {first['id']}" in line
    assert "--force" in line
    assert dump_tables(catalog) == before


def test_add_force_adds_a_second_copy(cli: Invoke, catalog: Path) -> None:
    first = add(cli, "Solaris", 1972)
    second = add(cli, "Solaris", 1972, force=True)
    assert second["id"] != first["id"]
    assert query(catalog, "SELECT count(*) FROM movies WHERE year = 1972") == [(2,)]


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (["   ", "--year", "2000"], "title"),
        (["x" * 301, "--year", "2000"], "title"),
        (["Too Early", "--year", "1887"], "year"),
        (["Too Late", "--year", "2101"], "year"),
        (["Short", "--year", "2000", "--runtime", "0"], "runtime"),
        (["Long", "--year", "2000", "--runtime", "1001"], "runtime"),
        (["Blank Genre", "--year", "2000", "--genre", "  "], "genre"),
    ],
)
def test_add_refuses_bad_values_and_writes_nothing(
    cli: Invoke, catalog: Path, args: list[str], field: str
) -> None:
    add(cli, "Already Here", 2000)
    before = dump_tables(catalog)
    line = refused(cli("add", *args))
    assert field in line
    assert dump_tables(catalog) == before


def test_add_accepts_the_limits(cli: Invoke, catalog: Path) -> None:
    longest = add(cli, "x" * 300, 1888, runtime=1)
    assert len(longest["title"]) == 300
    assert (longest["year"], longest["runtime_minutes"]) == (1888, 1)
    last = add(cli, "Future", 2100, runtime=1000)
    assert (last["year"], last["runtime_minutes"]) == (2100, 1000)


@pytest.mark.reads_only
def test_add_without_year_is_a_usage_error(cli: Invoke, catalog: Path) -> None:
    before = dump_tables(catalog)
    result = cli("add", "Heat")
    assert result.exit_code == 2
    assert dump_tables(catalog) == before


# ---------------------------------------------------------------- list

GENRE_NAMES = {
    "drama": "Drama",
    "sci-fi": "Sci-Fi",
    "comedy": "Comedy",
    "romance": "Romance",
    "film-noir": "Film-Noir",
}
MOVIES: list[tuple[str, int, list[str]]] = [
    ("alpha", 2001, ["drama"]),
    ("Beta", 1999, ["sci-fi", "drama"]),
    ("gamma", 2010, ["comedy"]),
    ("100% Love", 2011, ["romance"]),
    ("100 Love", 2011, ["romance"]),
    ("snake_case", 2005, ["comedy"]),
    ("Snake case", 2005, []),
    ("Delta", 1888, ["film-noir"]),
    ("Epsilon", 2100, ["drama", "sci-fi"]),
    ("ALPHA", 1950, ["drama"]),
]
# index into MOVIES -> scores by users u0, u1, ...
SCORES: dict[int, list[float]] = {
    0: [4, 5],
    1: [4.5],
    2: [3, 3, 3],
    3: [5],
    5: [4.5, 4.5],
    7: [2, 4],
    9: [0.5],
}


def build_listed(cli: Invoke) -> list[dict[str, Any]]:
    """Add MOVIES rated by SCORES; return each movie as the test expects it."""
    expected = []
    for index, (title, year, genres) in enumerate(MOVIES):
        movie = add(cli, title, year, *genres, force=True)
        scores = SCORES.get(index, [])
        for user, score in enumerate(scores):
            rate(cli, movie["id"], score, f"u{user}")
        expected.append(
            {
                "id": movie["id"],
                "title": title,
                "year": year,
                "genres": sorted(GENRE_NAMES[g] for g in genres),
                "original_title": None,
                "runtime_minutes": None,
                "director": None,
                "average_rating": round(sum(scores) / len(scores), 2) if scores else None,
                "rating_count": len(scores),
                "_mean": sum(scores) / len(scores) if scores else None,
            }
        )
    return expected


@pytest.fixture
def listed(
    request: pytest.FixtureRequest, templates: Templates, target: Target
) -> list[dict[str, Any]]:
    """Built once per engine (it takes some twenty commands); each test gets a copy."""
    return templates.fresh(request, "listed", build_listed)


def public(movies: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in m.items() if not k.startswith("_")} for m in movies]


def list_json(cli: Invoke, *args: str) -> list[dict[str, Any]]:
    result = cli("list", "--limit", "0", *args, "--format", "json")
    assert result.stderr == ""
    return json_out(result)


def by_title(movies: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(movies, key=lambda m: (m["title"].casefold(), m["year"], m["id"]))


@pytest.mark.reads_only
def test_list_json_is_every_movie_by_title(cli: Invoke, listed: list[dict[str, Any]]) -> None:
    rows = list_json(cli)
    assert all(list(row) == MOVIE_KEYS for row in rows)
    assert rows == public(by_title(listed))


def test_list_default_limit_is_20(cli: Invoke, catalog: Path) -> None:
    for n in range(23):
        add(cli, f"Movie {n:02d}", 2000)
    rows = json_out(cli("list", "--format", "json"))
    assert [r["title"] for r in rows] == [f"Movie {n:02d}" for n in range(20)]
    assert len(json_out(cli("list", "--limit", "0", "--format", "json"))) == 23


@pytest.mark.reads_only
@pytest.mark.parametrize(
    ("search", "titles"),
    [
        ("%", ["100% Love"]),
        ("0% l", ["100% Love"]),
        ("_", ["snake_case"]),
        ("e_c", ["snake_case"]),
        ("ALPH", ["ALPHA", "alpha"]),
        ("nothing like this", []),
    ],
)
def test_list_search_takes_percent_and_underscore_literally(
    cli: Invoke, listed: list[dict[str, Any]], search: str, titles: list[str]
) -> None:
    rows = list_json(cli, "--search", search)
    assert sorted(r["title"] for r in rows) == sorted(titles)


@pytest.mark.reads_only
@pytest.mark.parametrize("genre", ["drama", "Sci-Fi", "FILM-NOIR", "western"])
def test_list_genre_filter(cli: Invoke, listed: list[dict[str, Any]], genre: str) -> None:
    wanted = genre.casefold()
    expected = [m for m in by_title(listed) if wanted in [g.casefold() for g in m["genres"]]]
    assert list_json(cli, "--genre", genre) == public(expected)


@pytest.mark.reads_only
@pytest.mark.parametrize(
    ("options", "keep"),
    [
        (["--year", "2011"], lambda y: y == 2011),
        (["--from-year", "2005"], lambda y: y >= 2005),
        (["--to-year", "2001"], lambda y: y <= 2001),
        (["--from-year", "1999", "--to-year", "2005"], lambda y: 1999 <= y <= 2005),
        (["--from-year", "2006", "--to-year", "2005"], lambda y: False),
    ],
)
def test_list_year_filters(
    cli: Invoke, listed: list[dict[str, Any]], options: list[str], keep: Any
) -> None:
    expected = [m for m in by_title(listed) if keep(m["year"])]
    assert list_json(cli, *options) == public(expected)


def expected_order(movies: list[dict[str, Any]], sort: str, desc: bool) -> list[int]:
    if sort == "rating":
        rated = sorted(
            (m for m in movies if m["_mean"] is not None),
            key=lambda m: (m["_mean"], m["rating_count"], m["id"]),
            reverse=desc,
        )
        unrated = sorted((m["id"] for m in movies if m["_mean"] is None), reverse=desc)
        return [m["id"] for m in rated] + unrated
    keys = {
        "title": lambda m: (m["title"].casefold(), m["year"], m["id"]),
        "year": lambda m: (m["year"], m["title"].casefold(), m["id"]),
        "ratings": lambda m: (m["rating_count"], m["_mean"] or 0, m["id"]),
        "added": lambda m: m["id"],
    }
    return [m["id"] for m in sorted(movies, key=keys[sort], reverse=desc)]


@pytest.mark.reads_only
@pytest.mark.parametrize("desc", [False, True])
@pytest.mark.parametrize("sort", ["title", "year", "rating", "ratings", "added"])
def test_list_sort_keys(cli: Invoke, listed: list[dict[str, Any]], sort: str, desc: bool) -> None:
    args = ["--sort", sort, *(["--desc"] if desc else [])]
    assert [r["id"] for r in list_json(cli, *args)] == expected_order(listed, sort, desc)


# Titles whose order differs between code point order (SQLite's) and a language's
# collation (en_US: "_x" after "zz", "Émile" beside "emile"): PostgreSQL must follow SQLite.
CODE_POINT_TITLES = ["zz", "Émile", "a", "_x", "B", "émile2", "Zz"]


def test_title_order_is_code_point_order(cli: Invoke, catalog: Path) -> None:
    for title in CODE_POINT_TITLES:
        movie = add(cli, title, 2000, "drama", force=True)
        rate(cli, movie["id"], 4, "u0")
    expected = sorted(CODE_POINT_TITLES, key=lambda t: (t.casefold(), CODE_POINT_TITLES.index(t)))
    assert expected[:4] == ["_x", "a", "B", "zz"]  # the test means what it says
    listed = [r["title"] for r in list_json(cli, "--sort", "title")]
    assert listed == expected
    assert [r["title"] for r in list_json(cli, "--sort", "title", "--desc")] == expected[::-1]
    ranked = json_out(cli("top", "--limit", "0", "--format", "json"))
    assert [r["title"] for r in ranked] == expected  # equal scores: ties go by title
    by_title_rows = json_out(cli("ratings", "--sort", "title", "--desc", "--format", "json"))
    assert [r["title"] for r in by_title_rows][::-1] == expected


@pytest.mark.reads_only
@pytest.mark.postgresql_only
def test_postgresql_text_columns_sort_by_code_point(catalog: Path) -> None:
    """Every text column of a PostgreSQL catalog says COLLATE "C", whatever the database's
    own collation (this test server's is C.UTF-8, which hides a missing one)."""
    rows = query(
        catalog,
        "SELECT table_name, column_name, collation_name FROM information_schema.columns "
        "WHERE table_schema = 'public' AND data_type IN ('character varying', 'text') "
        "AND table_name <> 'alembic_version'",
    )
    assert len(rows) >= 10
    assert [r for r in rows if r[2] != "C"] == []


@pytest.mark.reads_only
@pytest.mark.parametrize(("limit", "offset"), [(3, 0), (3, 2), (4, 8), (5, 10), (0, 7)])
def test_list_limit_and_offset(
    cli: Invoke, listed: list[dict[str, Any]], limit: int, offset: int
) -> None:
    everything = [m["id"] for m in by_title(listed)]
    rows = json_out(cli("list", "--limit", str(limit), "--offset", str(offset), "--format", "json"))
    end = None if limit == 0 else offset + limit
    assert [r["id"] for r in rows] == everything[offset:end]


@pytest.mark.reads_only
@pytest.mark.parametrize(("limit", "offset"), [(3, 0), (3, 2), (0, 0), (0, 7), (20, 0)])
def test_list_table_says_showing_a_to_b_of_n(
    cli: Invoke, listed: list[dict[str, Any]], limit: int, offset: int
) -> None:
    result = cli("list", "--limit", str(limit), "--offset", str(offset))
    assert result.exit_code == 0, result.output
    total = len(listed)
    last = total if limit == 0 else min(offset + limit, total)
    assert result.stdout.strip().splitlines()[-1] == f"showing {offset + 1}–{last} of {total}"
    shown = by_title(listed)[offset:last]
    for movie in shown:
        assert movie["title"] in result.stdout
    assert result.stderr == ""


@pytest.mark.reads_only
def test_list_table_under_a_filter_counts_the_filtered_total(
    cli: Invoke, listed: list[dict[str, Any]]
) -> None:
    total = sum(1 for m in listed if "Drama" in m["genres"])
    result = cli("list", "--genre", "drama", "--limit", "2")
    assert result.stdout.strip().splitlines()[-1] == f"showing 1–2 of {total}"


@pytest.mark.reads_only
def test_list_csv_is_a_header_and_rows(cli: Invoke, listed: list[dict[str, Any]]) -> None:
    result = cli("list", "--limit", "0", "--format", "csv")
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows[0] == MOVIE_KEYS
    expected = by_title(listed)
    assert [int(r[0]) for r in rows[1:]] == [m["id"] for m in expected]
    for row, movie in zip(rows[1:], expected, strict=True):
        assert row[1] == movie["title"]
        assert int(row[2]) == movie["year"]
        assert row[3] == "|".join(movie["genres"])
        assert row[8] == str(movie["rating_count"])


@pytest.mark.reads_only
def test_list_of_an_empty_catalog(cli: Invoke, catalog: Path) -> None:
    assert json_out(cli("list", "--format", "json")) == []
    result = cli("list")
    assert result.exit_code == 0
    assert "showing" not in result.stdout


@pytest.mark.reads_only
def test_list_refuses_a_negative_limit(cli: Invoke, catalog: Path) -> None:
    assert cli("list", "--limit", "-1").exit_code == 2
    assert cli("list", "--sort", "nonsense").exit_code == 2


@pytest.mark.reads_only
@pytest.mark.parametrize(
    "args",
    [
        ["list", "--year", "99999999999999999999"],
        ["list", "--from-year", "99999999999999999999"],
        ["list", "--limit", "99999999999999999999"],
        ["list", "--offset", "99999999999999999999"],
        ["top", "--min-ratings", "99999999999999999999"],
        ["top", "--to-year", "99999999999999999999"],
        ["ratings", "--limit", "99999999999999999999"],
    ],
)
def test_numbers_beyond_sqlite_integers_are_usage_errors(
    cli: Invoke, catalog: Path, args: list[str]
) -> None:
    result = cli(*args)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert "OverflowError" not in result.output


# ---------------------------------------------------------------- show


def test_show_json_has_histogram_and_latest_ratings(cli: Invoke, catalog: Path) -> None:
    movie = add(cli, "Heat", 1995, "crime", "drama", runtime=170, director="Michael Mann")
    scores = {"ann": 4.5, "bob": 4.5, "cy": 3.0, "dee": 5.0}
    for user, score in scores.items():
        rate(cli, "heat", score, user)
    cli("rate", "Heat", "5", "--user", "ann", "--review", "Still great [really]")
    final = {**scores, "ann": 5.0}
    detail = json_out(cli("show", "Heat (1995)", "--format", "json"))
    assert {k: detail[k] for k in MOVIE_KEYS} == {
        **movie,
        "average_rating": round(sum(final.values()) / len(final), 2),
        "rating_count": len(final),
    }
    expected_histogram = {f"{n / 2:.1f}": 0 for n in range(1, 11)}
    for score in final.values():
        expected_histogram[f"{score:.1f}"] += 1
    assert detail["histogram"] == expected_histogram
    latest = detail["latest_ratings"]
    assert latest[0]["user"] == "ann"  # re-rated last, so newest
    assert latest[0]["review"] == "Still great [really]"
    assert sorted((r["user"], r["score"]) for r in latest) == sorted(final.items())
    assert [r["rated_at"] for r in latest] == sorted((r["rated_at"] for r in latest), reverse=True)


def test_show_table_has_fields_histogram_and_reviews(cli: Invoke, catalog: Path) -> None:
    add(cli, "Blade Runner [final cut]", 1982, "sci-fi", director="Ridley Scott")
    cli("rate", "1", "4.5", "--user", "ann", "--review", "Tears in [rain]")
    result = cli("show", "1")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "#1 Blade Runner [final cut] (1982)" in out
    assert "Ridley Scott" in out
    assert "Sci-Fi" in out
    assert "★★★★½ 4.50 (1)" in out
    assert "Tears in [rain]" in out
    assert "█" in out  # the histogram bar


@pytest.mark.reads_only
def test_show_of_a_missing_movie(cli: Invoke, catalog: Path) -> None:
    assert refused(cli("show", "Nope")) == "Error: no movie matches 'Nope'"


# ---------------------------------------------------------------- edit


def show_json(cli: Invoke, ref: str | int) -> dict[str, Any]:
    return json_out(cli("show", str(ref), "--format", "json"))


@pytest.mark.parametrize(
    ("options", "changed"),
    [
        (["--title", "  Heat 2 "], {"title": "Heat 2"}),
        (["--year", "1996"], {"year": 1996}),
        (["--runtime", "99"], {"runtime_minutes": 99}),
        (
            ["--director", "M. Mann"],
            {
                "director": "M. Mann",
                "people": [{"person_id": 2, "name": "M. Mann", "role": "director", "position": 1}],
            },
        ),
        (["--original-title", "Chaleur"], {"original_title": "Chaleur"}),
        (["--genre", "thriller", "--genre", "sci-fi"], {"genres": ["Sci-Fi", "Thriller"]}),
        (["--title", "heat", "--year", "1995"], {"title": "heat"}),
    ],
)
def test_edit_changes_only_the_fields_given(
    cli: Invoke, catalog: Path, options: list[str], changed: dict[str, Any]
) -> None:
    add(cli, "Heat", 1995, "crime", "drama", runtime=170, director="Michael Mann")
    rate(cli, "Heat", 4, "ann")
    before = show_json(cli, 1)
    result = json_out(cli("edit", "Heat", *options, "--format", "json"))
    after = show_json(cli, 1)
    expected = {**before, **changed}
    for volatile in ("updated_at",):
        expected.pop(volatile)
        after.pop(volatile)
    expected["latest_ratings"] = [
        {**r, **{k: v for k, v in changed.items() if k in ("title", "year")}}
        for r in before["latest_ratings"]
    ]
    assert after == expected
    assert result == {k: after[k] for k in MOVIE_KEYS}


def test_edit_title_changes_how_the_movie_is_found(cli: Invoke, catalog: Path) -> None:
    add(cli, "Heat", 1995)
    json_out(cli("edit", "heat", "--title", "Heat Wave", "--format", "json"))
    assert show_json(cli, "heat wave")["id"] == 1
    refused(cli("show", "Heat"))


@pytest.mark.parametrize(
    ("options", "word"),
    [
        (["--title", "   "], "title"),
        (["--title", "y" * 301], "title"),
        (["--year", "1887"], "year"),
        (["--year", "2101"], "year"),
        (["--runtime", "0"], "runtime"),
        (["--genre", " "], "genre"),
        ([], "nothing to change"),
    ],
)
def test_edit_refuses_bad_values(cli: Invoke, catalog: Path, options: list[str], word: str) -> None:
    add(cli, "Heat", 1995, "crime")
    before = dump_tables(catalog)
    line = refused(cli("edit", "Heat", *options))
    assert word in line
    assert dump_tables(catalog) == before


def test_edit_refuses_to_make_a_duplicate(cli: Invoke, catalog: Path) -> None:
    other = add(cli, "Heat", 1995)
    add(cli, "Heat", 1986)
    before = dump_tables(catalog)
    line = refused(cli("edit", "Heat (1986)", "--year", "1995"))
    assert f"id {other['id']}" in line
    assert dump_tables(catalog) == before


@pytest.mark.reads_only
def test_edit_of_a_missing_movie(cli: Invoke, catalog: Path) -> None:
    before = dump_tables(catalog)
    assert refused(cli("edit", "Nope", "--year", "2000")) == "Error: no movie matches 'Nope'"
    assert dump_tables(catalog) == before


# ---------------------------------------------------------------- delete


@pytest.fixture
def two_rated(cli: Invoke, catalog: Path) -> Path:
    add(cli, "Heat", 1995, "crime")
    add(cli, "Alien", 1979, "sci-fi")
    for user, score in (("ann", 5), ("bob", 4.5), ("cy", 5)):
        rate(cli, "Heat", score, user)
    rate(cli, "Alien", 3, "ann")
    return catalog


def test_delete_asks_and_no_keeps_the_movie(cli: Invoke, two_rated: Path) -> None:
    before = dump_tables(two_rated)
    result = cli("delete", "Heat", input="n\n")
    assert result.exit_code == 1
    # Every user's data is named (issue 17); a shared catalog also says whose.
    assert "Delete #1 Heat (1995) and its 3 ratings (every user's)?" in result.stderr or (
        "Delete #1 Heat (1995) and its 3 ratings of ann, bob, cy?" in result.stderr
    )
    assert "Error: not confirmed; nothing was deleted" in result.stderr
    assert "Traceback" not in result.output
    assert dump_tables(two_rated) == before


def test_delete_asks_and_yes_deletes(cli: Invoke, two_rated: Path) -> None:
    result = cli("delete", "Heat", input="y\n")
    assert result.exit_code == 0, result.output
    assert query(two_rated, "SELECT title FROM movies") == [("Alien",)]


def test_delete_yes_removes_ratings_and_the_movie_leaves_top(cli: Invoke, two_rated: Path) -> None:
    assert json_out(cli("top", "--format", "json"))[0]["title"] == "Heat"
    deleted = json_out(cli("delete", "1", "--yes", "--format", "json"))
    assert deleted["id"] == 1
    assert deleted["rating_count"] == 3
    assert query(two_rated, "SELECT count(*) FROM ratings WHERE movie_id = 1") == [(0,)]
    assert query(two_rated, "SELECT count(*) FROM movie_genres WHERE movie_id = 1") == [(0,)]
    top = json_out(cli("top", "--format", "json"))
    assert [r["id"] for r in top] == [2]
    # C is now the mean of the ratings that are left
    assert top[0]["score"] == 3.0
    stats = json_out(cli("stats", "--format", "json"))
    assert (stats["movies"], stats["ratings"]) == (1, 1)
    assert refused(cli("show", "Heat")) == "Error: no movie matches 'Heat'"


def test_delete_of_a_missing_movie(cli: Invoke, two_rated: Path) -> None:
    before = dump_tables(two_rated)
    assert refused(cli("delete", "Nope", "--yes")) == "Error: no movie matches 'Nope'"
    assert dump_tables(two_rated) == before


# ---------------------------------------------------------------- seed


def test_seed_prints_the_catalog_with_the_course_films(cli: Invoke, catalog: Path) -> None:
    result = cli("seed", "--format", "json")
    rows = json_out(result)
    assert "Seeded" in result.stderr
    have = {(r["title"], r["year"]) for r in rows}
    for film in [
        ("Inception", 2010),
        ("The Matrix", 1999),
        ("The Godfather", 1972),
        ("Spirited Away", 2001),
        ("Black Panther", 2018),
        ("Arrival", 2016),
        ("The Martian", 2015),
    ]:
        assert film in have
    assert len(rows) == query(catalog, "SELECT count(*) FROM movies")[0][0]
    # the demo ratings are stored with exact aggregates, and top ranks something
    stored = dict(query(catalog, "SELECT id, rating_count FROM movies"))
    assert stored == {k: len(v) for k, v in ratings_by_movie(catalog).items()}
    assert json_out(cli("top", "--format", "json"))


def test_seed_table_output_lists_the_catalog(cli: Invoke, catalog: Path) -> None:
    result = cli("seed")
    assert result.exit_code == 0, result.output
    assert "The Godfather" in result.stdout
    total = query(catalog, "SELECT count(*) FROM movies")[0][0]
    assert result.stdout.strip().splitlines()[-1] == f"showing 1–{total} of {total}"


def test_seed_twice_adds_nothing_the_second_time(cli: Invoke, seeded: Path) -> None:
    before = dump_tables(seeded)
    result = cli("seed")
    assert result.exit_code == 0, result.output
    assert "added nothing" in result.stderr
    assert dump_tables(seeded) == before


def test_seed_on_a_catalog_with_one_movie_adds_nothing(cli: Invoke, catalog: Path) -> None:
    add(cli, "Mine", 2000)
    before = dump_tables(catalog)
    result = cli("seed", "--format", "json")
    assert [r["title"] for r in json_out(result)] == ["Mine"]
    assert "added nothing" in result.stderr
    assert dump_tables(catalog) == before


# ---------------------------------------------------------------- stats


def test_stats_json_matches_the_tables(cli: Invoke, seeded: Path) -> None:
    add(cli, "Extra", 2000, "drama")
    rate(cli, "Extra", 1, "dave")
    stats = json_out(cli("stats", "--format", "json"))
    scores = [s for (s,) in query(seeded, "SELECT score FROM ratings")]
    histogram = {f"{n / 2:.1f}": 0 for n in range(1, 11)}
    for score in scores:
        histogram[f"{score:.1f}"] += 1
    genre_counts = query(
        seeded,
        "SELECT g.name, count(*) FROM genres g JOIN movie_genres mg ON mg.genre_id = g.id "
        "GROUP BY g.name",
    )
    top_genres = sorted(genre_counts, key=lambda gc: (-gc[1], gc[0]))[:10]
    assert stats["movies"] == query(seeded, "SELECT count(*) FROM movies")[0][0]
    assert stats["ratings"] == len(scores)
    assert stats["users"] == query(seeded, "SELECT count(DISTINCT user_id) FROM ratings")[0][0]
    assert stats["genres"] == query(seeded, "SELECT count(*) FROM genres")[0][0]
    assert (
        stats["rated_movies"] == query(seeded, "SELECT count(DISTINCT movie_id) FROM ratings")[0][0]
    )
    assert stats["average_rating"] == round(sum(scores) / len(scores), 2)
    assert stats["histogram"] == histogram
    assert stats["top_genres"] == [{"genre": g, "movies": n} for g, n in top_genres]


@pytest.mark.reads_only
def test_stats_table(cli: Invoke, seeded: Path) -> None:
    result = cli("stats")
    assert result.exit_code == 0, result.output
    movies = query(seeded, "SELECT count(*) FROM movies")[0][0]
    assert any(line.split() == ["movies", str(movies)] for line in result.stdout.splitlines())
    assert "top genres" in result.stdout
    assert "█" in result.stdout


@pytest.mark.reads_only
def test_stats_of_an_empty_catalog(cli: Invoke, catalog: Path) -> None:
    stats = json_out(cli("stats", "--format", "json"))
    assert (stats["movies"], stats["ratings"], stats["average_rating"]) == (0, 0, None)
    assert cli("stats").exit_code == 0


def test_the_next_id_is_the_same_on_both_engines(cli: Invoke, seeded: Target) -> None:
    """SQLite gives a new row the highest id + 1 (an id freed at the top is given again);
    PostgreSQL's sequences would move on (also past the ids of a rolled-back import),
    and `add` would print another id there."""
    newest = max(movie_id for (movie_id,) in query(seeded, "SELECT id FROM movies"))
    assert cli("delete", str(newest), "--yes").exit_code == 0
    assert add(cli, "Replacement", 2001)["id"] == newest
