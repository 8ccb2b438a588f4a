"""moviecli.render, fed view models directly: tables, JSON and CSV as a command prints them."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta, timezone

import pytest

from moviecli.models.views import (
    CatalogStats,
    MoviePublic,
    Page,
    RatingChange,
    RatingPublic,
    TopRow,
)
from moviecli.options import OutputFormat
from moviecli.render import catalog, emit, text, widgets
from moviecli.rules import HISTOGRAM_KEYS
from tests.checks import MOVIE_KEYS, RATING_KEYS, TOP_KEYS

HEAT = MoviePublic(
    id=1,
    title="Heat",
    year=1995,
    genres=["Crime", "Drama"],
    original_title=None,
    runtime_minutes=170,
    director="Michael Mann",
    average_rating=4.67,
    rating_count=3,
)
ODD = MoviePublic(
    id=2,
    title="=cmd\x1b[2J",
    year=None,
    genres=[],
    original_title=None,
    runtime_minutes=None,
    director=None,
    average_rating=None,
    rating_count=0,
)
RATED = RatingPublic(
    movie_id=1,
    title="Heat",
    year=1995,
    user="ann",
    score=4.5,
    review="-2 stars\tgood",
    rated_at=datetime(2024, 1, 5, 12, 30, 0, 250000),
)


def out(capsys: pytest.CaptureFixture[str]) -> str:
    captured = capsys.readouterr()
    assert captured.err == ""
    return captured.out


# ---------------------------------------------------------------- text


@pytest.mark.parametrize(
    ("raw", "shown"),
    [("plain", "plain"), ("a\x1b[2Jb", "a\\x1b[2Jb"), ("bell\x07", "bell\\x07"),
     ("csi\x9b", "csi\\x9b"), ("tab\tnl\n", "tab\\x09nl\\x0a")],
)  # fmt: skip
def test_visible_shows_control_characters_as_text(raw: str, shown: str) -> None:
    assert text.visible(raw) == shown


def test_visible_multiline_keeps_tabs_and_newlines() -> None:
    assert text.visible("a\tb\nc\x1b", multiline=True) == "a\tb\nc\\x1b"


@pytest.mark.parametrize(
    ("cell", "safe"),
    [("=1+2", "'=1+2"), ("+1", "'+1"), ("-2 stars", "'-2 stars"), ("@everyone", "'@everyone"),
     ("\tx", "'\tx"), ("'=1", "''=1"), ("Heat", "Heat"), ("'quoted", "'quoted"), ("", "")],
)  # fmt: skip
def test_neutralise_round_trips(cell: str, safe: str) -> None:
    assert text.neutralise(cell) == safe
    assert text.unneutralise(safe) == cell


@pytest.mark.parametrize(
    ("value", "cell"),
    [(None, ""), (4, "4"), (4.0, "4.0"), (3.67, "3.67"), (True, "true"),
     (["Crime", "Drama"], "Crime|Drama"), (["=x"], "'=x"), ("-1", "'-1")],
)  # fmt: skip
def test_csv_cell(value: object, cell: str) -> None:
    assert text.csv_cell(value) == cell


def test_plural() -> None:
    assert text.plural(1, "rating") == "1 rating"
    assert text.plural(2, "rating") == "2 ratings"
    assert text.plural(1234, "movie") == "1,234 movies"
    assert text.plural(0, "entry", "entries") == "0 entries"


# ---------------------------------------------------------------- widgets


@pytest.mark.parametrize(
    ("score", "shown"),
    [(None, ""), (5.0, "★★★★★"), (4.5, "★★★★½"), (4.25, "★★★★½"), (4.24, "★★★★ "),
     (4.75, "★★★★★"), (0.5, "½    "), (1.0, "★    ")],
)  # fmt: skip
def test_stars_round_half_up_and_pad_to_five(score: float | None, shown: str) -> None:
    assert widgets.stars(score) == shown


def test_half_stars_never_round_to_even() -> None:
    assert [widgets.half_stars(v) for v in (0.25, 0.75, 2.25, 2.5, 4.74)] == [
        0.5,
        1.0,
        2.5,
        2.5,
        4.5,
    ]


def test_local_time(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "UTC")
    import time

    time.tzset()
    try:
        assert widgets.local_time(datetime(2024, 3, 1)) == "2024-03-01"  # a day, no time
        assert widgets.local_time(datetime(2024, 3, 1, 13, 5, 59)) == "2024-03-01 13:05"
        aware = datetime(2024, 3, 1, 13, 5, tzinfo=timezone(timedelta(hours=2)))
        assert widgets.local_time(aware) == "2024-03-01 11:05"
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()


def test_bar_chart_scales_to_the_biggest_count(capsys: pytest.CaptureFixture[str]) -> None:
    table = widgets.bar_chart([("a", 10), ("b", 5), ("c", 0)], label_style="", width=10)
    emit.stdout_console().print(table)
    lines = out(capsys).splitlines()
    assert [line.count("█") for line in lines] == [10, 5, 0]
    assert [line.split()[-1] for line in lines] == ["10", "5", "0"]


def test_histogram_lists_half_stars_best_first(capsys: pytest.CaptureFixture[str]) -> None:
    counts = dict.fromkeys(HISTOGRAM_KEYS, 0) | {"4.5": 2, "1.0": 1}
    emit.stdout_console().print(widgets.histogram(counts, width=4))
    lines = out(capsys).splitlines()
    assert len(lines) == 10
    assert lines[0].split()[-2:] == ["5.0", "0"]
    assert "★★★★½ 4.5 ████ 2" in " ".join(lines[1].split())
    assert lines[8].count("█") == 2 and lines[8].rstrip().endswith("1")


# ---------------------------------------------------------------- emit


def test_iso_utc() -> None:
    assert emit.iso_utc(datetime(2024, 1, 5, 12, 30)) == "2024-01-05T12:30:00Z"
    assert emit.iso_utc(datetime(2024, 1, 5, 12, 30, 0, 250000)) == "2024-01-05T12:30:00.250000Z"
    aware = datetime(2024, 1, 5, 14, 30, tzinfo=timezone(timedelta(hours=2)))
    assert emit.iso_utc(aware) == "2024-01-05T12:30:00Z"
    assert emit.iso_utc(datetime(2024, 1, 5, 12, 30, tzinfo=UTC)) == "2024-01-05T12:30:00Z"


def test_jsonable_walks_models_dicts_and_lists() -> None:
    value = emit.jsonable({"rows": [RATED], "when": (datetime(2024, 1, 1),)})
    assert value == {
        "rows": [
            {"movie_id": 1, "title": "Heat", "year": 1995, "user": "ann", "score": 4.5,
             "review": "-2 stars\tgood", "rated_at": "2024-01-05T12:30:00.250000Z"}
        ],
        "when": ["2024-01-01T00:00:00Z"],
    }  # fmt: skip


def test_csv_out_writes_one_header_and_neutralised_rows() -> None:
    stream = io.StringIO()
    writer = emit.CsvOut(stream, ["a", "b", "c", "d"])
    writer.row(["=x", 4.0, datetime(2024, 1, 1, 0, 0, 1), None])
    writer.row([["Crime", "Drama"], 3, "plain", True])
    assert stream.getvalue() == "a,b,c,d\n'=x,4.0,2024-01-01T00:00:01Z,\nCrime|Drama,3,plain,true\n"


# ---------------------------------------------------------------- catalog renderers


def test_movies_json_and_csv(capsys: pytest.CaptureFixture[str]) -> None:
    page = Page(items=[HEAT, ODD], offset=0, total=2)
    catalog.movies(page, OutputFormat.json)
    rows = json.loads(out(capsys))
    assert [list(row) for row in rows] == [MOVIE_KEYS, MOVIE_KEYS]
    assert rows[0]["genres"] == ["Crime", "Drama"] and rows[1]["title"] == "=cmd\x1b[2J"
    catalog.movies(page, OutputFormat.csv)
    parsed = list(csv.reader(io.StringIO(out(capsys))))
    assert parsed[0] == MOVIE_KEYS
    assert parsed[1] == ["1", "Heat", "1995", "Crime|Drama", "", "170", "Michael Mann", "4.67", "3"]
    # Issue 17 (2): CSV cells go through the one sanitiser too (and stay formula-safe).
    assert parsed[2] == ["2", "'=cmd\\x1b[2J", "", "", "", "", "", "", "0"]


def test_movies_table(capsys: pytest.CaptureFixture[str]) -> None:
    catalog.movies(Page(items=[HEAT, ODD], offset=5, total=9), OutputFormat.table)
    shown = out(capsys)
    assert "\x1b" not in shown and "=cmd\\x1b[2J" in shown
    assert "★★★★½ 4.67 (3)" in shown and "unrated" in shown
    assert " ? " in shown  # no year
    assert shown.rstrip().endswith("showing 6–7 of 9")


@pytest.mark.parametrize(
    ("page", "message"),
    [(Page(items=[], offset=40, total=9), "showing 0 of 9 (offset 40 is past the end)"),
     (Page(items=[], offset=0, total=0), "no movies match")],
)  # fmt: skip
def test_movies_table_when_nothing_is_shown(
    capsys: pytest.CaptureFixture[str], page: Page, message: str
) -> None:
    catalog.movies(page, OutputFormat.table)
    assert out(capsys) == message + "\n"


def test_movie_after_an_action(capsys: pytest.CaptureFixture[str]) -> None:
    catalog.movie(HEAT, OutputFormat.table, action="Added")
    assert out(capsys) == "Added #1 Heat (1995)  Crime, Drama\n"
    catalog.movie(HEAT, OutputFormat.json)
    assert json.loads(out(capsys))["director"] == "Michael Mann"


def test_ratings(capsys: pytest.CaptureFixture[str]) -> None:
    catalog.ratings([], OutputFormat.table)
    assert out(capsys) == "no ratings\n"
    catalog.ratings([RATED], OutputFormat.csv)
    assert out(capsys) == (
        ",".join(RATING_KEYS)
        + "\n1,Heat,1995,ann,4.5,'-2 stars\tgood,2024-01-05T12:30:00.250000Z\n"
    )
    catalog.ratings([RATED], OutputFormat.table, offset=20)
    shown = out(capsys)
    assert "★★★★½ 4.5" in shown and "-2 stars" in shown
    assert shown.rstrip().endswith("showing 21–21")


def test_rating_change(capsys: pytest.CaptureFixture[str]) -> None:
    change = RatingChange(rating=RATED, replaced=3.0, average_rating=4.67, rating_count=3)
    catalog.rating_change(change, OutputFormat.json)
    data = json.loads(out(capsys))
    assert list(data) == [*RATING_KEYS, "replaced_score", "average_rating", "rating_count"]
    assert (data["replaced_score"], data["average_rating"], data["rating_count"]) == (3.0, 4.67, 3)
    catalog.rating_change(change, OutputFormat.table)
    assert out(capsys) == "ann rated Heat (1995) ★★★★½ 4.5 (was 3.0)\nnow ★★★★½ 4.67 (3)\n"
    gone = RatingChange(rating=RATED, replaced=None, average_rating=None, rating_count=0)
    catalog.rating_change(gone, OutputFormat.table, removed=True)
    assert out(capsys) == "Removed ann's rating ★★★★½ 4.5 of Heat (1995)\nnow unrated\n"


def test_top_json_table_and_empty(capsys: pytest.CaptureFixture[str]) -> None:
    row = TopRow(rank=1, id=1, title="Heat", year=1995, genres=["Crime"], average_rating=4.67,
                 rating_count=3, score=4.1234)  # fmt: skip
    catalog.top([row], OutputFormat.json, by="weighted", min_ratings=2)
    assert [list(r) for r in json.loads(out(capsys))] == [TOP_KEYS]
    catalog.top([row], OutputFormat.table, by="mean", min_ratings=2)
    shown = out(capsys)
    assert "4.123" in shown and " mean" in shown.splitlines()[0]
    assert shown.rstrip().endswith("ranked by mean rating, at least 2 ratings")
    catalog.top([], OutputFormat.table, by="weighted", min_ratings=1)
    assert out(capsys) == (
        "no movie has 1 rating or more; rate one with 'moviecli rate MOVIE SCORE'\n"
    )
    catalog.top([], OutputFormat.table, by="weighted", min_ratings=1, filters=["--genre drama"])
    assert out(capsys) == (
        "no movie (--genre drama) has 1 rating or more; try other filters\n"  # issue 17 (24)
    )


def test_stats(capsys: pytest.CaptureFixture[str]) -> None:
    data = CatalogStats(
        movies=3,
        ratings=4,
        users=2,
        genres=2,
        rated_movies=2,
        average_rating=3.88,
        histogram=dict.fromkeys(HISTOGRAM_KEYS, 0) | {"4.0": 3, "3.5": 1},
        top_genres=[("Drama", 2), ("Crime", 1)],
    )
    catalog.stats(data, OutputFormat.json)
    payload = json.loads(out(capsys))
    assert payload["top_genres"] == [
        {"genre": "Drama", "movies": 2},
        {"genre": "Crime", "movies": 1},
    ]
    assert payload["histogram"]["4.0"] == 3
    catalog.stats(data, OutputFormat.csv)
    assert (
        out(capsys) == "movies,ratings,users,genres,rated_movies,average_rating\n3,4,2,2,2,3.88\n"
    )
    catalog.stats(data, OutputFormat.table)
    shown = out(capsys)
    assert "average rating  3.88" in shown and "top genres" in shown and "scores" in shown
    empty = data.model_copy(update={"ratings": 0, "average_rating": None, "top_genres": []})
    catalog.stats(empty, OutputFormat.table)
    shown = out(capsys)
    assert "average rating  –" in shown
    assert "scores" not in shown and "top genres" not in shown
