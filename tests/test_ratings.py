"""rate, unrate, ratings: replacing, whose rating it is, refused scores, listing."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.checks import RATING_KEYS, add, query, rate, refused
from tests.conftest import Invoke, Target, Templates, dump_tables, is_url, json_out

pytestmark = pytest.mark.both_engines


def aggregates(path: Path, movie_id: int) -> tuple[int, float]:
    return query(path, "SELECT rating_count, rating_sum FROM movies WHERE id = ?", movie_id)[0]


def iso_z(stored: int) -> str:
    """How a stored rating time (milliseconds since 1970, naive UTC) must look in JSON:
    ISO 8601 ending in Z."""
    moment = datetime(1970, 1, 1) + timedelta(milliseconds=stored)
    text = moment.isoformat(timespec="seconds" if not moment.microsecond else "microseconds")
    return text + "Z"


# ---------------------------------------------------------------- rate


def test_rate_json_is_the_rating_and_the_new_aggregates(cli: Invoke, catalog: Path) -> None:
    add(cli, "Heat", 1995)
    started = datetime.now(UTC)
    result = json_out(cli("rate", "heat", "4.5", "--review", "Great heist.", "--format", "json"))
    assert list(result)[: len(RATING_KEYS)] == RATING_KEYS
    rated_at = result.pop("rated_at")
    assert rated_at.endswith("Z")
    moment = datetime.fromisoformat(rated_at.removesuffix("Z")).replace(tzinfo=UTC)
    assert started - timedelta(seconds=1) <= moment <= datetime.now(UTC) + timedelta(seconds=1)
    assert result == {
        "movie_id": 1,
        "title": "Heat",
        "year": 1995,
        "user": "tester",
        "score": 4.5,
        "review": "Great heist.",
        "replaced_score": None,
        "average_rating": 4.5,
        "rating_count": 1,
    }


def test_rate_table_shows_stars_and_the_new_average(cli: Invoke, catalog: Path) -> None:
    add(cli, "Heat", 1995)
    rate(cli, "Heat", 3, "ann")
    result = cli("rate", "Heat", "4.5")
    assert result.exit_code == 0, result.output
    lines = result.stdout.strip().splitlines()
    assert lines[0] == "tester rated Heat (1995) ★★★★½ 4.5"
    assert lines[1] == f"now ★★★★  {(3 + 4.5) / 2:.2f} (2)"  # stars padded to 5: numbers align


@pytest.mark.parametrize("score", ["4", "4.0", "4.5", "0.5", "5", "5.0", " 3 "])
def test_rate_accepts_half_stars(cli: Invoke, catalog: Path, score: str) -> None:
    add(cli, "Heat", 1995)
    assert rate(cli, "Heat", score, "ann")["score"] == float(score)


def test_rerating_replaces_the_score(cli: Invoke, catalog: Path) -> None:
    add(cli, "Heat", 1995)
    rate(cli, "Heat", 2, "ann")
    rate(cli, "Heat", 4, "bob")
    first = json_out(cli("rate", "Heat", "3", "--user", "ann", "--review", "ok", "-f", "json"))
    assert first["replaced_score"] == 2.0
    again = rate(cli, "Heat", 5, "ann")
    assert again["replaced_score"] == 3.0
    assert again["review"] == "ok"  # no --review keeps the old one
    rows = query(
        catalog,
        "SELECT score, review FROM ratings r JOIN users u ON u.id = r.user_id WHERE u.name = 'ann'",
    )
    assert rows == [(5.0, "ok")]
    assert query(catalog, "SELECT count(*) FROM ratings")[0][0] == 2
    assert aggregates(catalog, 1) == (2, 5 + 4)
    assert (again["rating_count"], again["average_rating"]) == (2, (5 + 4) / 2)


def test_user_option_beats_environment_beats_login(
    cli: Invoke, catalog: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    add(cli, "Heat", 1995)
    monkeypatch.setenv("LOGNAME", "login-name")
    monkeypatch.setenv("MOVIECLI_USER", "from-env")
    assert rate(cli, "Heat", 4, "from-option")["user"] == "from-option"
    assert json_out(cli("rate", "Heat", "4", "-f", "json"))["user"] == "from-env"
    monkeypatch.delenv("MOVIECLI_USER")
    # On a shared catalog the default is the role logged in (the suite's superuser).
    default = "postgres" if is_url(catalog) else "login-name"
    assert json_out(cli("rate", "Heat", "4", "-f", "json"))["user"] == default
    users = sorted(name for (name,) in query(catalog, "SELECT name FROM users"))
    assert users == sorted(["from-env", "from-option", default])


def test_an_empty_moviecli_user_counts_as_unset(
    cli: Invoke, catalog: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    add(cli, "Heat", 1995)
    monkeypatch.setenv("LOGNAME", "login-name")
    monkeypatch.setenv("MOVIECLI_USER", "")
    default = "postgres" if is_url(catalog) else "login-name"
    assert json_out(cli("rate", "Heat", "4", "-f", "json"))["user"] == default


def test_unrate_uses_the_same_user_rules(
    cli: Invoke, catalog: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    add(cli, "Heat", 1995)
    rate(cli, "Heat", 4, "tester")
    rate(cli, "Heat", 2, "other")
    json_out(cli("unrate", "Heat", "-f", "json"))  # MOVIECLI_USER=tester
    assert query(catalog, "SELECT score FROM ratings") == [(2.0,)]


@pytest.mark.parametrize(
    "args",
    [
        ["0"],
        ["7"],
        ["4.3"],
        ["5.5"],
        ["0.25"],
        ["--", "-1"],
        ["NaN"],
        ["nan"],
        ["inf"],
        ["--", "-inf"],
        ["abc"],
        [""],
        ["4,5"],
        ["4", "--user", "   "],
        ["4", "--user", "x" * 65],
    ],
)
def test_bad_scores_and_users_are_refused_and_change_nothing(
    cli: Invoke, catalog: Path, args: list[str]
) -> None:
    add(cli, "Heat", 1995)
    rate(cli, "Heat", 3, "ann")
    before = dump_tables(catalog)
    # a negative score needs `--` before the arguments, as with any option-like value
    command = ["rate", "--", "Heat", *args[1:]] if args[0] == "--" else ["rate", "Heat", *args]
    line = refused(cli(*command))
    assert "score" in line or "user" in line
    assert dump_tables(catalog) == before


@pytest.mark.reads_only
def test_rating_a_missing_movie_creates_no_user(cli: Invoke, catalog: Path) -> None:
    before = dump_tables(catalog)
    assert refused(cli("rate", "Nope", "4", "--user", "new")) == "Error: no movie matches 'Nope'"
    assert dump_tables(catalog) == before


# ---------------------------------------------------------------- unrate


def test_unrate_removes_the_rating_and_fixes_the_aggregates(cli: Invoke, catalog: Path) -> None:
    add(cli, "Heat", 1995)
    rate(cli, "Heat", 4.5, "ann")
    rate(cli, "Heat", 2.5, "bob")
    result = json_out(cli("unrate", "Heat", "--user", "ann", "--format", "json"))
    assert (result["user"], result["score"]) == ("ann", 4.5)
    assert (result["rating_count"], result["average_rating"]) == (1, 2.5)
    assert aggregates(catalog, 1) == (1, 2.5)
    json_out(cli("unrate", "Heat", "--user", "bob", "--format", "json"))
    assert aggregates(catalog, 1) == (0, 0)
    assert json_out(cli("show", "Heat", "-f", "json"))["average_rating"] is None


def test_unrate_table_output(cli: Invoke, catalog: Path) -> None:
    add(cli, "Heat", 1995)
    rate(cli, "Heat", 4.5, "tester")
    result = cli("unrate", "Heat")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == "Removed tester's rating ★★★★½ 4.5 of Heat (1995)"


@pytest.mark.parametrize("user", ["ann", "nobody"])
def test_unrate_without_a_rating_is_refused(cli: Invoke, catalog: Path, user: str) -> None:
    add(cli, "Heat", 1995)
    add(cli, "Alien", 1979)
    rate(cli, "Alien", 4, "ann")
    rate(cli, "Heat", 4, "bob")
    before = dump_tables(catalog)
    line = refused(cli("unrate", "Heat", "--user", user))
    assert user in line
    assert "Heat (1995)" in line
    assert dump_tables(catalog) == before


@pytest.mark.reads_only
def test_unrate_of_a_missing_movie(cli: Invoke, catalog: Path) -> None:
    assert refused(cli("unrate", "Nope")) == "Error: no movie matches 'Nope'"


# ---------------------------------------------------------------- ratings

PLAN: list[tuple[str, str, float, str | None]] = [
    ("ann", "Heat", 4.5, "Tense."),
    ("bob", "Heat", 3.0, None),
    ("ann", "alien", 5.0, None),
    ("cy", "Zodiac", 3.0, "Long."),
    ("bob", "alien", 2.0, None),
    ("cy", "Heat", 4.5, None),
    ("ann", "Zodiac", 1.5, None),
]


def build_rated(cli: Invoke) -> None:
    add(cli, "Heat", 1995)
    add(cli, "alien", 1979)
    add(cli, "Zodiac", 2007)
    for user, title, score, review in PLAN:
        args = ["rate", title, str(score), "--user", user]
        cli(*args, *(["--review", review] if review else []))


@pytest.fixture
def rated(
    request: pytest.FixtureRequest, templates: Templates, target: Target
) -> list[dict[str, Any]]:
    """Three movies rated by three users (built once per engine, copied for each test);
    every rating as JSON should show it."""
    templates.fresh(request, "rated", build_rated)
    rows = query(
        target,
        "SELECT r.movie_id, m.title, m.year, u.name, r.score, r.review, r.rated_at, r.user_id "
        "FROM ratings r JOIN movies m ON m.id = r.movie_id JOIN users u ON u.id = r.user_id",
    )
    return [
        {
            "movie_id": movie_id,
            "title": title,
            "year": year,
            "user": user,
            "score": score,
            "review": review,
            "rated_at": iso_z(rated_at),
            "_stored_at": rated_at,
            "_user_id": user_id,
        }
        for movie_id, title, year, user, score, review, rated_at, user_id in rows
    ]


def shown(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in r.items() if not k.startswith("_")} for r in rows]


SORT_KEYS = {
    "date": lambda r: (r["_stored_at"], r["movie_id"], r["_user_id"]),
    "score": lambda r: (r["score"], r["_stored_at"], r["movie_id"], r["_user_id"]),
    "title": lambda r: (r["title"].casefold(), r["year"], r["movie_id"], r["_user_id"]),
}


@pytest.mark.reads_only
def test_ratings_json_newest_first_with_the_spec_keys(
    cli: Invoke, rated: list[dict[str, Any]]
) -> None:
    rows = json_out(cli("ratings", "--format", "json"))
    assert all(list(row) == RATING_KEYS for row in rows)
    assert all(row["rated_at"].endswith("Z") for row in rows)
    expected = sorted(rated, key=SORT_KEYS["date"], reverse=True)
    assert rows == shown(expected)
    # the newest is the last one rated
    assert (rows[0]["user"], rows[0]["title"]) == (PLAN[-1][0], PLAN[-1][1])


@pytest.mark.reads_only
@pytest.mark.parametrize("desc", [False, True])
@pytest.mark.parametrize("sort", ["date", "score", "title"])
def test_ratings_sort(cli: Invoke, rated: list[dict[str, Any]], sort: str, desc: bool) -> None:
    args = ["ratings", "--sort", sort, *(["--desc"] if desc else []), "--format", "json"]
    expected = sorted(rated, key=SORT_KEYS[sort], reverse=desc)
    assert json_out(cli(*args)) == shown(expected)


@pytest.mark.reads_only
@pytest.mark.parametrize(
    ("options", "keep"),
    [
        (["--user", "ann"], lambda r: r["user"] == "ann"),
        (["--movie", "heat"], lambda r: r["title"] == "Heat"),
        (["--movie", "2"], lambda r: r["movie_id"] == 2),
        (
            ["--user", "bob", "--movie", "Alien (1979)"],
            lambda r: (r["user"], r["movie_id"]) == ("bob", 2),
        ),
    ],
)
def test_ratings_filters(
    cli: Invoke, rated: list[dict[str, Any]], options: list[str], keep: Any
) -> None:
    expected = sorted((r for r in rated if keep(r)), key=SORT_KEYS["date"], reverse=True)
    assert expected
    assert json_out(cli("ratings", *options, "--format", "json")) == shown(expected)


@pytest.mark.reads_only
@pytest.mark.parametrize(("limit", "offset"), [(2, 0), (2, 3), (3, 6), (0, 0), (0, 4), (5, 9)])
def test_ratings_pagination(
    cli: Invoke, rated: list[dict[str, Any]], limit: int, offset: int
) -> None:
    everything = shown(sorted(rated, key=SORT_KEYS["date"], reverse=True))
    rows = json_out(
        cli("ratings", "--limit", str(limit), "--offset", str(offset), "--format", "json")
    )
    assert rows == everything[offset : None if limit == 0 else offset + limit]


def test_ratings_default_limit_is_20(cli: Invoke, catalog: Path) -> None:
    add(cli, "Heat", 1995)
    for n in range(22):
        rate(cli, "Heat", 3, f"user{n:02d}")
    rows = json_out(cli("ratings", "--format", "json"))
    assert [r["user"] for r in rows] == [f"user{n:02d}" for n in range(21, 1, -1)]


@pytest.mark.reads_only
def test_ratings_table_and_csv(cli: Invoke, rated: list[dict[str, Any]]) -> None:
    table = cli("ratings", "--limit", "3", "--offset", "1")
    assert table.exit_code == 0, table.output
    assert table.stdout.strip().splitlines()[-1] == "showing 2–4"
    assert "★★★★½ 4.5" in cli("ratings", "--limit", "0").stdout
    result = cli("ratings", "--limit", "0", "--format", "csv")
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows[0] == RATING_KEYS
    expected = shown(sorted(rated, key=SORT_KEYS["date"], reverse=True))
    assert [(int(r[0]), r[3], float(r[4]), r[5], r[6]) for r in rows[1:]] == [
        (e["movie_id"], e["user"], e["score"], e["review"] or "", e["rated_at"]) for e in expected
    ]


@pytest.mark.reads_only
def test_ratings_of_a_missing_movie_is_refused(cli: Invoke, rated: list[dict[str, Any]]) -> None:
    assert refused(cli("ratings", "--movie", "Nope")) == "Error: no movie matches 'Nope'"
