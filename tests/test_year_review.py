"""stats --year Y: a year in review from the diary."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.checks import add
from tests.conftest import Invoke, Target, Templates, json_out

pytestmark = pytest.mark.both_engines

REVIEW_KEYS = [
    "user",
    "year",
    "viewings",
    "films",
    "new",
    "rewatched",
    "hours",
    "months",
    "top_genres",
    "top_people",
    "average_rating",
    "best_new",
]


def build_year(cli: Invoke) -> None:
    add(cli, "Heat", 1995, "crime", "drama", runtime=170, director="Michael Mann")
    add(cli, "Arrival", 2016, "sci-fi", "drama", runtime=116, director="Denis Villeneuve")
    add(cli, "Alien", 1979, "horror", "sci-fi", runtime=117)
    add(cli, "Ran", 1985, "drama")  # no runtime: adds no hours
    for args in (
        ("Heat", "--on", "2023-12-31"),  # last year: makes January's Heat a rewatch
        ("Heat", "--on", "2024-01-05", "--rate", "4"),
        ("Arrival", "--on", "2024-03-01", "--rate", "5"),
        ("Arrival", "--on", "2024-03-20"),
        ("Alien", "--on", "2024-10-31", "--rate", "4.5"),
        ("Ran", "--on", "2025-01-01", "--rate", "5"),  # next year
    ):
        assert cli("watch", *args).exit_code == 0


@pytest.fixture
def year(request: pytest.FixtureRequest, templates: Templates, target: Target) -> Target:
    """Built once per engine through the CLI, copied for each test."""
    templates.fresh(request, "year_review_year", build_year)
    return target


def test_year_in_review_json(cli: Invoke, year: Path) -> None:
    review = json_out(cli("stats", "--year", "2024", "-f", "json"))
    assert list(review) == REVIEW_KEYS
    months = {m["month"]: m["films"] for m in review["months"]}
    assert len(months) == 12
    assert (months["2024-01"], months["2024-03"], months["2024-10"], months["2024-12"]) == (
        1,
        2,
        1,
        0,
    )
    assert {k: review[k] for k in ("user", "year", "viewings", "films", "new", "rewatched")} == {
        "user": "tester",
        "year": 2024,
        "viewings": 4,
        "films": 3,
        "new": 2,
        "rewatched": 2,
    }
    assert review["hours"] == round((170 + 116 + 116 + 117) / 60, 1)
    assert review["average_rating"] == 4.5  # Heat 4, Arrival 5, Alien 4.5
    assert review["best_new"]["title"] == "Arrival"
    assert review["best_new"]["watched_on"] == "2024-03-01"
    assert review["top_genres"][:2] == [
        {"genre": "Drama", "viewings": 3},
        {"genre": "Sci-Fi", "viewings": 3},
    ]
    assert review["top_people"] == [
        {"name": "Denis Villeneuve", "role": "director", "viewings": 2},
        {"name": "Michael Mann", "role": "director", "viewings": 1},
    ]


def test_year_in_review_table_has_a_bar_per_month(cli: Invoke, year: Path) -> None:
    result = cli("stats", "--year", "2024")
    assert result.exit_code == 0, result.output
    bars = [line for line in result.stdout.splitlines() if line.startswith("2024-")]
    assert len(bars) == 12
    assert "█" * 30 in bars[2]  # March, the busiest month, has the longest bar
    assert "█" not in bars[11]
    assert "best first viewing: Arrival (2016)" in result.stdout


def test_a_year_without_viewings(cli: Invoke, year: Path) -> None:
    review = json_out(cli("stats", "--year", "1999", "-f", "json"))
    assert (review["viewings"], review["average_rating"], review["best_new"]) == (0, None, None)
    assert "no diary entries dated 1999" in cli("stats", "--year", "1999").stdout
    other = json_out(cli("stats", "--year", "2024", "--user", "bo", "-f", "json"))
    assert other["viewings"] == 0


def test_stats_without_year_is_unchanged(cli: Invoke, year: Path) -> None:
    assert "movies" in json_out(cli("stats", "-f", "json"))
