"""Option and argument types shared by every command, defined once.

Imports only typer and the standard library: `moviecli --help` loads this."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

import typer

from moviecli.limits import YEAR_MAX, YEAR_MIN


class OutputFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


# Built with the functional API: a member named `title` in a class body would shadow
# str.title, which type checkers rightly refuse; the values are the CLI's choices.
MovieSortKey = StrEnum(
    "MovieSortKey",
    [
        ("title", "title"),
        ("year", "year"),
        ("rating", "rating"),
        ("ratings", "ratings"),
        ("added", "added"),
    ],
)
RatingSortKey = StrEnum("RatingSortKey", [("date", "date"), ("score", "score"), ("title", "title")])


class RankMethod(StrEnum):
    weighted = "weighted"
    mean = "mean"


FormatOption = Annotated[
    OutputFormat,
    typer.Option("--format", "-f", help="Output as a table, JSON or CSV.", case_sensitive=False),
]


def complete_movie(ctx: typer.Context, incomplete: str) -> list[str]:
    """Tab completion of MOVIE: titles from the catalog (see moviecli/store/complete.py),
    each one shell word (see shell_word)."""
    import os

    from moviecli.store.complete import movie_titles

    root = ctx.find_root()
    titles = movie_titles(root.params.get("db"), incomplete)
    # Bash inserts a completion as it is given: `Alien (1979)` would be three words and
    # a syntax error. zsh and fish quote what they insert themselves.
    if os.environ.get("_MOVIECLI_COMPLETE", "").endswith("bash"):
        return [shell_word(t) for t in titles]
    return titles


def shell_word(text: str) -> str:
    """`Alien (1979)` -> `Alien\\ \\(1979\\)`: every character a shell treats specially
    escaped with a backslash, so that the text is one word, typed as it reads."""
    import re

    return re.sub(r"([^\w@%+=,./-])", r"\\\1", text)


MovieRef = Annotated[
    str,
    typer.Argument(
        metavar="MOVIE",
        autocompletion=complete_movie,
        help='An id (42), a title ("the matrix"), a title with its year ("Heat (1995)") '
        "or an IMDb id (tt...).",
        show_default=False,
    ),
]
MoviesArgument = Annotated[
    list[str],
    typer.Argument(
        metavar="MOVIE",
        help='Ids (42), titles ("the matrix") or titles with their year ("Heat (1995)").',
        show_default=False,
    ),
]
NoteOption = Annotated[
    str | None,
    typer.Option(
        "--note", metavar="TEXT", help="A note (may hold line breaks).", show_default=False
    ),
]
ListName = Annotated[
    str, typer.Argument(metavar="NAME", help="The list's name.", show_default=False)
]
TagsArgument = Annotated[
    list[str], typer.Argument(metavar="TAG", help="Tags (case-insensitive).", show_default=False)
]
UserOption = Annotated[
    str | None,
    typer.Option(
        "--user",
        "-u",
        metavar="USER",
        help="The user (default: $MOVIECLI_USER, else your login name).",
        show_default=False,
    ),
]

RatingUserOption = Annotated[
    str | None,
    typer.Option(
        "--user",
        "-u",
        metavar="USER",
        help="Whose rating (default: $MOVIECLI_USER, else your login name).",
        show_default=False,
    ),
]
# Counts stay inside SQLite's 64-bit INTEGER: a bigger one is a usage error (exit 2), not an
# OverflowError from the driver. Checked in a callback, so that help shows `x>=0`, not the
# 19-digit maximum.
COUNT_MAX = 2**63 - 1
# Years as every --year, --from-year, --to-year and --month takes them: the years a
# movie or a dated viewing can have (rules.py), so that help shows what the check takes.
YEAR_FILTER_MIN, YEAR_FILTER_MAX = YEAR_MIN, YEAR_MAX


def within_count_max(value: int | None) -> int | None:
    if value is not None and value > COUNT_MAX:
        raise typer.BadParameter(f"{value} is too big (at most {COUNT_MAX})")
    return value


def limit_option(help: str) -> Any:
    """--limit/-n as every listing takes it: 0 = all, at most COUNT_MAX."""
    return typer.Option("--limit", "-n", metavar="N", min=0, callback=within_count_max, help=help)


LimitOption = Annotated[int, limit_option("How many rows; 0 = all.")]
OffsetOption = Annotated[
    int,
    typer.Option(
        "--offset", metavar="N", min=0, callback=within_count_max, help="Skip this many rows first."
    ),
]
DescOption = Annotated[
    bool | None,
    typer.Option(
        "--desc/--asc",
        help="Descending or ascending order (default: A to Z, low to high; "
        "`ratings` without --sort: newest first).",
        show_default=False,
    ),
]
GenreFilter = Annotated[
    str | None,
    typer.Option(
        "--genre", "-g", help="Only movies of this genre.", metavar="GENRE", show_default=False
    ),
]
FromYearOption = Annotated[
    int | None,
    typer.Option(
        "--from-year",
        metavar="YEAR",
        min=YEAR_FILTER_MIN,
        max=YEAR_FILTER_MAX,
        help="Only movies from this year on.",
        show_default=False,
    ),
]
ToYearOption = Annotated[
    int | None,
    typer.Option(
        "--to-year",
        metavar="YEAR",
        min=YEAR_FILTER_MIN,
        max=YEAR_FILTER_MAX,
        help="Only movies up to this year.",
        show_default=False,
    ),
]


def year_option(help: str) -> Any:
    """--year/-y as every command takes it (the range shown in help is the one checked)."""
    return typer.Option(
        "--year",
        "-y",
        metavar="YEAR",
        min=YEAR_FILTER_MIN,
        max=YEAR_FILTER_MAX,
        help=help,
        show_default=False,
    )


YearOption = Annotated[int | None, year_option("Only this year.")]


def movie_year_option(help: str) -> Any:
    """--year/-y of a movie being added or changed: its range is the movie model's check
    (rules.py), which answers with an `Error:` line rather than a usage error."""
    return typer.Option("--year", "-y", metavar="YEAR", help=help, show_default=False)


def movie_filter(help: str) -> Any:
    """--movie/-m: only the rows of this movie (a reference, as MovieRef takes)."""
    return typer.Option("--movie", "-m", metavar="MOVIE", help=help, show_default=False)


def person_filter(help: str) -> Any:
    """--person/-p: only films crediting this person."""
    return typer.Option("--person", "-p", metavar="NAME", help=help, show_default=False)
