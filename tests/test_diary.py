"""watch, diary, diary delete: viewings, rewatches, --rate, the watchlist rule."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.checks import add, rate, refused
from tests.conftest import Invoke, Target, Templates, dump_tables, json_out

pytestmark = pytest.mark.both_engines

VIEWING_KEYS = [
    "id",
    "movie_id",
    "title",
    "year",
    "user",
    "watched_on",
    "rewatch",
    "score",
    "review",
    "tags",
]


def watch(cli: Invoke, movie: str, *options: str, user: str = "ana") -> dict[str, Any]:
    return json_out(cli("watch", movie, "--user", user, *options, "-f", "json"))


def diary(cli: Invoke, *options: str, user: str = "ana") -> list[dict[str, Any]]:
    return json_out(cli("diary", "--user", user, *options, "-f", "json"))


def build_films(cli: Invoke) -> None:
    add(cli, "Heat", 1995, "crime", runtime=170, director="Michael Mann")
    add(cli, "Arrival", 2016, "sci-fi", runtime=116)
    add(cli, "Alien", 1979, "horror")


@pytest.fixture
def films(request: pytest.FixtureRequest, templates: Templates, target: Target) -> Target:
    """Built once per engine through the CLI, copied for each test."""
    templates.fresh(request, "diary_films", build_films)
    return target


def test_watch_logs_a_viewing_with_everything(cli: Invoke, films: Path) -> None:
    entry = watch(
        cli,
        "heat",
        "--on",
        "2024-03-01",
        "--rate",
        "4.5",
        "--review",
        "tense\nlong",
        "--tag",
        "LA",
        "--tag",
        "heist",
    )
    assert list(entry) == VIEWING_KEYS
    assert entry == {
        "id": 1,
        "movie_id": 1,
        "title": "Heat",
        "year": 1995,
        "user": "ana",
        "watched_on": "2024-03-01",
        "rewatch": False,
        "score": 4.5,
        "review": "tense\nlong",
        "tags": ["heist", "LA"],
    }
    assert diary(cli) == [entry]


def test_watch_defaults_to_today(cli: Invoke, films: Path) -> None:
    assert watch(cli, "Alien")["watched_on"] == date.today().isoformat()


def test_a_second_viewing_is_a_rewatch_with_or_without_the_flag(cli: Invoke, films: Path) -> None:
    first = watch(cli, "Heat", "--on", "2024-01-01")
    second = watch(cli, "Heat", "--on", "2024-02-01")
    flagged = watch(cli, "Arrival", "--on", "2024-02-02", "--rewatch")
    other_user = watch(cli, "Heat", "--on", "2024-02-03", user="bo")
    assert (first["rewatch"], second["rewatch"], flagged["rewatch"]) == (False, True, True)
    assert other_user["rewatch"] is False  # bo's first viewing


def test_watch_takes_the_film_off_the_watchlist(cli: Invoke, films: Path) -> None:
    assert cli("watchlist", "add", "Heat", "Alien", "--user", "ana").exit_code == 0
    assert cli("watchlist", "add", "Heat", "--user", "bo").exit_code == 0
    watch(cli, "Heat")
    mine = json_out(cli("watchlist", "--user", "ana", "-f", "json"))
    assert [e["title"] for e in mine] == ["Alien"]
    theirs = json_out(cli("watchlist", "--user", "bo", "-f", "json"))
    assert [e["title"] for e in theirs] == ["Heat"]


def test_rate_on_watch_keeps_the_aggregates_exact(cli: Invoke, films: Path) -> None:
    rate(cli, "Heat", 3, "bo")
    watch(cli, "Heat", "--rate", "5")
    heat = json_out(cli("show", "Heat", "-f", "json"))
    assert (heat["rating_count"], heat["average_rating"]) == (2, 4.0)
    watch(cli, "Heat", "--rate", "4")  # a rewatch replaces ana's score, never adds one
    heat = json_out(cli("show", "Heat", "-f", "json"))
    assert (heat["rating_count"], heat["average_rating"]) == (2, 3.5)
    assert [e["score"] for e in diary(cli)] == [4.0, 4.0]  # the current rating


def test_diary_is_newest_first_and_filters(cli: Invoke, films: Path) -> None:
    watch(cli, "Heat", "--on", "2023-12-31")
    watch(cli, "Arrival", "--on", "2024-03-05")
    watch(cli, "Alien", "--on", "2024-03-01")
    watch(cli, "Heat", "--on", "2024-07-04")
    assert [(e["title"], e["watched_on"]) for e in diary(cli)] == [
        ("Heat", "2024-07-04"),
        ("Arrival", "2024-03-05"),
        ("Alien", "2024-03-01"),
        ("Heat", "2023-12-31"),
    ]
    assert [e["watched_on"] for e in diary(cli, "--year", "2024")] == [
        "2024-07-04",
        "2024-03-05",
        "2024-03-01",
    ]
    assert [e["title"] for e in diary(cli, "--month", "2024-03")] == ["Arrival", "Alien"]
    assert [e["watched_on"] for e in diary(cli, "--movie", "heat")] == [
        "2024-07-04",
        "2023-12-31",
    ]
    assert [e["title"] for e in diary(cli, "--limit", "2", "--offset", "1")] == [
        "Arrival",
        "Alien",
    ]
    assert diary(cli, user="nobody") == []


def test_diary_table_marks_rewatches(cli: Invoke, films: Path) -> None:
    watch(cli, "Heat", "--on", "2024-01-01", "--rate", "4")
    watch(cli, "Heat", "--on", "2024-01-02")
    result = cli("diary", "--user", "ana")
    assert result.exit_code == 0
    lines = [line for line in result.stdout.splitlines() if "Heat" in line]
    assert len(lines) == 2
    assert "↻" in lines[0] and "↻" not in lines[1]
    assert "★★★★  4.0" in lines[0]


def test_diary_delete_removes_one_entry(cli: Invoke, films: Path) -> None:
    first = watch(cli, "Heat", "--on", "2024-01-01")
    watch(cli, "Alien", "--on", "2024-01-02")
    removed = json_out(cli("diary", "delete", str(first["id"]), "--user", "ana", "-f", "json"))
    assert removed == first
    assert [e["title"] for e in diary(cli)] == ["Alien"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["watch", "Nope"], "Error: no movie matches 'Nope'"),
        (["watch", "Heat", "--on", "2024-13-01"], "--on must be a date as YYYY-MM-DD"),
        (["watch", "Heat", "--on", "yesterday"], "--on must be a date as YYYY-MM-DD"),
        (["watch", "Heat", "--on", (date.today() + timedelta(days=1)).isoformat()], "future"),
        (["watch", "Heat", "--rate", "4.2"], "score must be from 0.5 to 5"),
        (["watch", "Heat", "--tag", "bad\x1b[31m"], "control character"),
        (["watch", "Heat", "--tag", "  "], "tag must not be blank"),
        (["watch", "Heat", "--review", "bell\x07"], "control character"),
        (["diary", "delete", "1"], "ana has no diary entry 1"),
        (["diary", "delete", "2", "--user", "bo"], "bo has no diary entry 2"),
        (["diary", "--year", "2024", "--month", "2024-01"], "not both"),
        (["diary", "--month", "2024-1x"], "--month must be YYYY-MM"),
        (["diary", "--movie", "Nope"], "no movie matches 'Nope'"),
    ],
)
def test_refusals_change_nothing(cli: Invoke, films: Path, args: list[str], message: str) -> None:
    watch(cli, "Heat", "--on", "2024-01-01", user="carl")
    watch(cli, "Alien", "--on", "2024-01-01", user="ana")  # entry 2 is ana's, not bo's
    before = dump_tables(films)
    if "--user" not in args:
        args = [*args, "--user", "ana"]
    line = refused(cli(*args))
    assert message in line
    assert dump_tables(films) == before


def test_deleting_a_movie_deletes_its_viewings(cli: Invoke, films: Path) -> None:
    watch(cli, "Heat", "--on", "2024-01-01")
    assert cli("delete", "Heat", "--yes").exit_code == 0
    assert diary(cli) == []


def test_show_has_people_tags_viewings_and_the_watchlist(cli: Invoke, films: Path) -> None:
    assert cli("watchlist", "add", "Arrival", "--user", "ana").exit_code == 0
    watch(cli, "Heat", "--on", "2024-01-01", "--tag", "LA")
    heat = json_out(cli("show", "Heat", "--user", "ana", "-f", "json"))
    assert heat["people"] == [
        {"person_id": 1, "name": "Michael Mann", "role": "director", "position": 1}
    ]
    assert heat["tags"] == ["LA"]
    assert [v["watched_on"] for v in heat["viewings"]] == ["2024-01-01"]
    assert heat["on_watchlist"] is False
    assert json_out(cli("show", "Arrival", "--user", "ana", "-f", "json"))["on_watchlist"] is True
    table = cli("show", "Heat", "--user", "ana")
    assert "directed by  Michael Mann" in table.stdout
    assert "ana's viewings" in table.stdout
