"""Option and argument types shared by every command, defined once.

Imports only typer and the standard library: `moviecli --help` loads this."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer


class OutputFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


class MovieSortKey(StrEnum):
    title = "title"
    year = "year"
    rating = "rating"
    ratings = "ratings"
    added = "added"


class RatingSortKey(StrEnum):
    date = "date"
    score = "score"
    title = "title"


class RankMethod(StrEnum):
    weighted = "weighted"
    mean = "mean"


FormatOption = Annotated[
    OutputFormat,
    typer.Option("--format", "-f", help="Output as a table, JSON or CSV.", case_sensitive=False),
]
MovieRef = Annotated[
    str,
    typer.Argument(
        metavar="MOVIE",
        help='An id (42), a title ("the matrix") or a title with its year ("Heat (1995)").',
        show_default=False,
    ),
]
UserOption = Annotated[
    str | None,
    typer.Option(
        "--user",
        "-u",
        help="Whose rating (default: $MOVIECLI_USER, else your login name).",
        show_default=False,
    ),
]
# Bounds keep numbers inside SQLite's 64-bit INTEGER: a bigger one is a usage error (exit 2),
# not an OverflowError from the driver.
COUNT_MAX = 2**63 - 1
YEAR_FILTER_MIN, YEAR_FILTER_MAX = 0, 9999

LimitOption = Annotated[
    int, typer.Option("--limit", "-n", min=0, max=COUNT_MAX, help="How many rows; 0 = all.")
]
OffsetOption = Annotated[
    int, typer.Option("--offset", min=0, max=COUNT_MAX, help="Skip this many rows first.")
]
DescOption = Annotated[bool, typer.Option("--desc", help="Reverse the order.")]
GenreFilter = Annotated[
    str | None, typer.Option("--genre", "-g", help="Only movies of this genre.", show_default=False)
]
FromYearOption = Annotated[
    int | None,
    typer.Option(
        "--from-year",
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
        min=YEAR_FILTER_MIN,
        max=YEAR_FILTER_MAX,
        help="Only movies up to this year.",
        show_default=False,
    ),
]
