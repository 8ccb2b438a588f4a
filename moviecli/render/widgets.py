"""The pieces tables are made of: stars, bars and histograms, titles, scores and times.
User text becomes Rich `Text` here (`user_text`), never markup."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, Literal

from rich.table import Table
from rich.text import Text

from moviecli.render.text import visible


def half_stars(value: float) -> float:
    """The nearest half star, halves rounded up (4.25 -> 4.5, 4.75 -> 5.0), never to even."""
    return math.floor(value * 2 + 0.5) / 2


def stars(score: float | None) -> str:
    """★★★★½ for 4.5, rounded to the nearest half star (halves up), padded to five
    cells so that the numbers printed after the stars line up."""
    if score is None:
        return ""
    score = half_stars(score)
    whole = int(score)
    return ("★" * whole + ("½" if score - whole >= 0.5 else "")).ljust(5)


def local_time(moment: datetime) -> str:
    """A stored (naive UTC) time as a table shows it: local time (TZ honoured), to the
    minute; a time of exactly midnight UTC is a date without a time (Letterboxd gives
    days) and is shown as that date."""
    if moment.tzinfo is None:
        if (moment.hour, moment.minute, moment.second, moment.microsecond) == (0, 0, 0, 0):
            return moment.strftime("%Y-%m-%d")
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone().strftime("%Y-%m-%d %H:%M")


def list_table(**options: Any) -> Table:
    """A table as every listing draws it: no outer edge, no padding at its sides."""
    return Table(show_edge=False, pad_edge=False, **options)


def user_text(value: str, style: str = "", *, multiline: bool = False) -> Text:
    """User text for Rich: never markup, never a raw control character."""
    return Text(visible(value, multiline=multiline), style=style)


def person_header(name: str, label: str, *, label_style: str) -> Text:
    """A person's name, bold, then what identifies them (their id)."""
    header = user_text(name, style="bold")
    header.append(visible(f"  {label}"), style=label_style)
    return header


def seen_text(seen: int, count: int) -> Text:
    """Under a person's films: how many of them the user has seen."""
    return user_text(f"seen {seen} of {count}", style="dim")


def year_text(year: int | None) -> str:
    return str(year) if year is not None else "?"


def title_text(title: str, year: int | None) -> Text:
    text = user_text(title, "bold")
    text.append(f" ({year_text(year)})", style="dim")
    return text


def score_text(score: float | None) -> Text:
    if score is None:
        return Text("–", style="dim")
    return Text.assemble((stars(score), "yellow"), f" {score:.1f}")


def average_text(average: float | None, count: int) -> Text:
    if average is None:
        return Text("unrated", style="dim")
    return Text.assemble((stars(average), "yellow"), f" {average:.2f} ({count})")


def mean_text(value: float | None) -> str:
    """An average rating in a summary: two decimals, or a dash when nothing was rated."""
    return f"{value:.2f}" if value is not None else "–"


def counts_grid(rows: Sequence[tuple[str, str]]) -> Table:
    """A summary's figures: a dim label, the figure right-aligned, a row each."""
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="dim")
    grid.add_column(justify="right")
    for label, figure in rows:
        grid.add_row(label, figure)
    return grid


def bar_chart(
    rows: Sequence[tuple[str, int]],
    *,
    label_style: str,
    label_justify: Literal["left", "right"] = "left",
    width: int = 30,
) -> Table:
    """A label, a bar and a count per row; the biggest count's bar is `width` long."""
    biggest = max((count for _, count in rows), default=0) or 1
    table = Table.grid(padding=(0, 1))
    table.add_column(justify=label_justify, style=label_style, no_wrap=True)
    table.add_column(no_wrap=True)
    table.add_column(justify="right", style="dim")
    for label, count in rows:
        bar = "█" * round(count / biggest * width) if count else ""
        table.add_row(label, Text(bar, style="magenta"), str(count))
    return table


def histogram(counts: dict[str, int], width: int = 30) -> Table:
    """Bars of the number of ratings at each half star, the biggest `width` long."""
    rows = [
        (f"{stars(float(key))} {key}", counts[key])
        for key in sorted(counts, key=float, reverse=True)
    ]
    return bar_chart(rows, label_style="yellow", label_justify="right", width=width)
