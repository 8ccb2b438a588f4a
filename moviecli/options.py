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
LimitOption = Annotated[int, typer.Option("--limit", "-n", min=0, help="How many rows; 0 = all.")]
OffsetOption = Annotated[int, typer.Option("--offset", min=0, help="Skip this many rows first.")]
DescOption = Annotated[bool, typer.Option("--desc", help="Reverse the order.")]
GenreFilter = Annotated[
    str | None, typer.Option("--genre", "-g", help="Only movies of this genre.", show_default=False)
]
FromYearOption = Annotated[
    int | None,
    typer.Option("--from-year", help="Only movies from this year on.", show_default=False),
]
ToYearOption = Annotated[
    int | None, typer.Option("--to-year", help="Only movies up to this year.", show_default=False)
]
