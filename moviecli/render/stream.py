"""Listings written as their rows come: every row-per-record output (`list`, `ratings`,
`diary`, `top`, ...) in bounded memory, whatever `--limit`.

JSON is the same text `json.dumps(rows, indent=2)` would give, written one element at
a time; CSV is one CsvOut row per record; a table is printed in pages of PAGE rows,
each a complete table with its header (a Rich table must see all its rows to size its
columns, so one table of a million rows would hold them all). A reader that goes away
(`| head -1`) ends the command at the next write (BrokenPipeError, see cli.py)."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import islice
from typing import Any, TypeVar

from pydantic import BaseModel
from rich.table import Table

from moviecli.options import OutputFormat
from moviecli.render.emit import CsvOut, dim, jsonable, stdout_console

M = TypeVar("M", bound=BaseModel)

PAGE = 1000  # table rows printed at a time


def pages(rows: Iterable[M], size: int = PAGE) -> Iterator[list[M]]:
    it = iter(rows)
    while chunk := list(islice(it, size)):
        yield chunk


def json_array(rows: Iterable[Any]) -> int:
    """Write rows as one JSON array, element by element; returns how many."""
    out = sys.stdout
    count = 0
    for row in rows:
        text = json.dumps(jsonable(row), ensure_ascii=False, indent=2)
        # JSON text holds no raw line break inside a string: indenting every line is exact.
        out.write(("[\n  " if count == 0 else ",\n  ") + text.replace("\n", "\n  "))
        count += 1
    out.write("\n]\n" if count else "[]\n")
    return count


def csv_rows(fields: Sequence[str], rows: Iterable[BaseModel]) -> int:
    out = CsvOut(sys.stdout, fields)
    count = 0
    for row in rows:
        out.row(getattr(row, f) for f in fields)
        count += 1
    return count


def listing_with_footer(
    rows: Iterable[M],
    fmt: OutputFormat,
    fields: Sequence[str],
    table: Callable[[Sequence[M]], Table],
    *,
    offset: int,
    empty: str,
    key: str = "",
) -> None:
    """`listing`, and under a table the rows' place ("showing 21–40", then `key`), or
    the line `empty` when there was none."""
    shown = listing(rows, fmt, fields, table)
    if fmt is OutputFormat.table:
        dim(f"showing {offset + 1}–{offset + shown}{key}" if shown else empty)


def listing(
    rows: Iterable[M],
    fmt: OutputFormat,
    fields: Sequence[str],
    table: Callable[[Sequence[M]], Table],
) -> int:
    """Write `rows` as JSON, CSV or tables of at most PAGE rows (built by `table`);
    returns how many rows were written."""
    if fmt is OutputFormat.json:
        return json_array(rows)
    if fmt is OutputFormat.csv:
        return csv_rows(fields, rows)
    console = stdout_console()
    count = 0
    for chunk in pages(rows):
        console.print(table(chunk))
        count += len(chunk)
    return count
