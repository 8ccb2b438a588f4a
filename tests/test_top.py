"""`top`: weighted (IMDb Top 250) and mean rankings checked against a computation in the test."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest

from tests.checks import TOP_KEYS, add, rate
from tests.conftest import Invoke, Templates, json_out

pytestmark = pytest.mark.both_engines

# title, year, genres, scores
FILMS: list[tuple[str, int, list[str], list[float]]] = [
    ("Heat", 1995, ["crime"], [5, 4.5, 5]),
    ("Alien", 1979, ["sci-fi", "horror"], [5]),
    ("alpha", 2001, ["drama"], [4, 4]),
    ("Gamma", 2005, ["drama"], [4]),
    ("Beta", 2001, ["drama"], [4]),
    ("Gamma", 1980, ["comedy"], [4]),
    ("Zed", 2010, ["comedy", "drama"], [2, 3, 1]),
    ("Middle", 1999, ["sci-fi"], [3.5, 4.5, 2.5, 4]),
    ("Nobody", 2000, ["drama"], []),
]
GENRES = {"crime": "Crime", "sci-fi": "Sci-Fi", "horror": "Horror", "drama": "Drama",
          "comedy": "Comedy"}  # fmt: skip


def build_films(cli: Invoke) -> list[dict[str, Any]]:
    movies = []
    for title, year, genres, scores in FILMS:
        movie = add(cli, title, year, *genres)
        for n, score in enumerate(scores):
            rate(cli, movie["id"], score, f"user{n}")
        movies.append(
            {
                "id": movie["id"],
                "title": title,
                "year": year,
                "genres": sorted(GENRES[g] for g in genres),
                "scores": scores,
            }
        )
    return movies


@pytest.fixture
def films(request: pytest.FixtureRequest, templates: Templates) -> list[dict[str, Any]]:
    """FILMS rated, built once per engine through the CLI (some thirty commands) and
    copied for each test."""
    return templates.fresh(request, "top_films", build_films)


def expected_top(
    films: list[dict[str, Any]],
    *,
    by: str = "weighted",
    m: int = 1,
    genre: str | None = None,
    from_year: int | None = None,
    to_year: int | None = None,
    limit: int = 10,
) -> list[dict[str, Any]]:
    every_score = [s for f in films for s in f["scores"]]
    c = sum(every_score) / len(every_score)  # C: the mean of all ratings, filters or not
    rows = []
    for film in films:
        v = len(film["scores"])
        if v < m:
            continue
        if genre is not None and genre not in film["genres"]:
            continue
        if from_year is not None and film["year"] < from_year:
            continue
        if to_year is not None and film["year"] > to_year:
            continue
        r = sum(film["scores"]) / v
        score = v / (v + m) * r + m / (v + m) * c if by == "weighted" else r
        rows.append((film, r, v, score))
    rows.sort(
        key=lambda row: (-round(row[3], 9), -row[2], row[0]["title"].casefold(), row[0]["id"])
    )
    if limit:
        rows = rows[:limit]
    return [
        {
            "rank": rank,
            "id": film["id"],
            "title": film["title"],
            "year": film["year"],
            "genres": film["genres"],
            "average_rating": round(r, 2),
            "rating_count": v,
            "score": pytest.approx(score, abs=1e-4),
        }
        for rank, (film, r, v, score) in enumerate(rows, start=1)
    ]


def top_json(cli: Invoke, *args: str, defaults: bool = False) -> list[dict[str, Any]]:
    """`top -f json`; with --min-ratings 1 unless `defaults` (the tests of other options
    rank every rated film; m's own default is tested on its own)."""
    if not defaults and "--min-ratings" not in args:
        args = (*args, "--min-ratings", "1")
    result = cli("top", *args, "--format", "json")
    assert result.stderr == ""
    rows = json_out(result)
    assert all(list(row) == TOP_KEYS for row in rows)
    return rows


@pytest.mark.reads_only
@pytest.mark.parametrize("by", ["weighted", "mean"])
@pytest.mark.parametrize("m", [1, 2, 3, 4, 5])
def test_top_against_the_formula(cli: Invoke, films: list[dict[str, Any]], by: str, m: int) -> None:
    rows = top_json(cli, "--by", by, "--min-ratings", str(m), "--limit", "0")
    assert rows == expected_top(films, by=by, m=m, limit=0)


@pytest.mark.reads_only
def test_top_defaults_are_weighted_mean_count_limit_ten(
    cli: Invoke, films: list[dict[str, Any]]
) -> None:
    """m defaults to the mean number of ratings of a rated film (issue 17), rounded."""
    counts = [len(f["scores"]) for f in films if f["scores"]]
    m = max(1, round(sum(counts) / len(counts)))
    assert top_json(cli, defaults=True) == expected_top(films, m=m)


@pytest.mark.reads_only
def test_unrated_movies_are_never_ranked(cli: Invoke, films: list[dict[str, Any]]) -> None:
    ids = [r["id"] for r in top_json(cli, "--limit", "0", "--by", "mean")]
    nobody = next(f["id"] for f in films if f["title"] == "Nobody")
    assert nobody not in ids
    assert len(ids) == sum(1 for f in films if f["scores"])


@pytest.mark.reads_only
def test_tie_order_is_more_ratings_then_title_then_id(
    cli: Invoke, films: list[dict[str, Any]]
) -> None:
    rows = top_json(cli, "--by", "mean", "--limit", "0")
    fours = [(r["title"], r["year"]) for r in rows if r["average_rating"] == 4.0]
    # alpha has two ratings; Beta before Gamma by title; the two Gammas by id
    assert fours == [("alpha", 2001), ("Beta", 2001), ("Gamma", 2005), ("Gamma", 1980)]


@pytest.mark.reads_only
@pytest.mark.parametrize("by", ["weighted", "mean"])
@pytest.mark.parametrize("genre", ["drama", "SCI-FI", "western"])
def test_top_genre_filter_keeps_the_catalog_mean(
    cli: Invoke, films: list[dict[str, Any]], genre: str, by: str
) -> None:
    rows = top_json(cli, "--genre", genre, "--by", by, "--limit", "0")
    wanted = GENRES.get(genre.lower(), genre)
    assert rows == expected_top(films, by=by, genre=wanted, limit=0)


@pytest.mark.reads_only
@pytest.mark.parametrize(
    ("from_year", "to_year"), [(2000, None), (None, 1995), (1980, 2001), (2002, 2001)]
)
def test_top_year_filters(
    cli: Invoke, films: list[dict[str, Any]], from_year: int | None, to_year: int | None
) -> None:
    args = ["--limit", "0"]
    if from_year is not None:
        args += ["--from-year", str(from_year)]
    if to_year is not None:
        args += ["--to-year", str(to_year)]
    expected = expected_top(films, from_year=from_year, to_year=to_year, limit=0)
    assert top_json(cli, *args) == expected


@pytest.mark.reads_only
@pytest.mark.parametrize("limit", [1, 3, 0])
def test_top_limit(cli: Invoke, films: list[dict[str, Any]], limit: int) -> None:
    assert top_json(cli, "--limit", str(limit)) == expected_top(films, limit=limit)


def test_top_default_limit_is_ten(cli: Invoke, catalog: Path) -> None:
    for n in range(12):
        add(cli, f"Film {n:02d}", 2000)
        rate(cli, f"Film {n:02d}", 0.5 + (n % 10) * 0.5, "ann")
    assert len(top_json(cli)) == 10
    assert len(top_json(cli, "--limit", "0")) == 12


def test_top_follows_rating_changes(cli: Invoke, films: list[dict[str, Any]]) -> None:
    zed = next(f for f in films if f["title"] == "Zed")
    for n in range(3):
        rate(cli, zed["id"], 5, f"user{n}")
    zed["scores"] = [5, 5, 5]
    json_out(cli("unrate", "Heat", "--user", "user0", "-f", "json"))
    heat = next(f for f in films if f["title"] == "Heat")
    heat["scores"] = heat["scores"][1:]
    assert top_json(cli, "--limit", "0") == expected_top(films, limit=0)


@pytest.mark.reads_only
def test_top_table_and_csv(cli: Invoke, films: list[dict[str, Any]]) -> None:
    expected = expected_top(films, limit=3)
    table = cli("top", "--limit", "3", "--min-ratings", "1")
    assert table.exit_code == 0, table.output
    lines = table.stdout.strip().splitlines()
    assert lines[-1] == "ranked by weighted rating, at least 1 rating"
    for row, line in zip(expected, lines[2:5], strict=True):
        assert row["title"] in line
        assert line.split()[0] == str(row["rank"])
        assert line.rstrip().endswith(f"{row['score'].expected:.3f}")
    result = cli("top", "--limit", "0", "--by", "mean", "--format", "csv", "--min-ratings", "1")
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows[0] == TOP_KEYS
    assert [int(r[1]) for r in rows[1:]] == [
        r["id"] for r in expected_top(films, by="mean", limit=0)
    ]


def test_top_of_an_unrated_catalog(cli: Invoke, catalog: Path) -> None:
    add(cli, "Heat", 1995)
    assert top_json(cli) == []
    result = cli("top")
    assert result.exit_code == 0
    assert "no movie has 1 rating or more; rate one with 'moviecli rate MOVIE SCORE'" in (
        result.stdout
    )


@pytest.mark.reads_only
def test_top_refuses_min_ratings_zero(cli: Invoke, catalog: Path) -> None:
    assert cli("top", "--min-ratings", "0").exit_code == 2
    assert cli("top", "--by", "median").exit_code == 2
