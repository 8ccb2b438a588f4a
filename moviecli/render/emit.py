"""How records leave moviecli: Rich consoles, JSON, and the one CSV writer (CsvOut).

Times are ISO 8601 UTC in JSON and CSV; `-f json` / `-f csv` of any record goes
through `for_programs`."""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import IO, Any

from pydantic import BaseModel
from rich.console import Console
from rich.text import Text

from moviecli.options import OutputFormat
from moviecli.render.text import csv_cell, visible
from moviecli.rules import iso_utc as iso_utc  # re-exported: render.iso_utc


class _PipeConsole(Console):
    """Rich ends the process with exit status 1 when the reader of stdout goes away;
    moviecli ends every format the same way (cli.py: by SIGPIPE, as `cat` does)."""

    def on_broken_pipe(self) -> None:
        self.quiet = True
        raise BrokenPipeError(32, "Broken pipe")


def stdout_console() -> Console:
    return _PipeConsole(highlight=False, soft_wrap=False)


def stderr_console() -> Console:
    return Console(stderr=True, highlight=False)


def jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return iso_utc(value)
    if isinstance(value, BaseModel):
        return {k: jsonable(v) for k, v in value}
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value


def write_json(data: Any) -> None:
    sys.stdout.write(json.dumps(jsonable(data), ensure_ascii=False, indent=2) + "\n")


class CsvOut:
    """The one CSV writer (every `-f csv` and `export`): formula cells neutralised,
    numbers written one way (text.number), times ISO 8601 UTC. `guard=False` for a
    file read by another program's importer (Letterboxd's), where a leading ' would
    become part of a title or review."""

    def __init__(self, stream: IO[str], fields: Sequence[str], *, guard: bool = True) -> None:
        self._writer = csv.writer(stream, lineterminator="\n")
        self._writer.writerow(fields)
        self._guard = guard

    def row(self, values: Iterable[Any]) -> None:
        self._writer.writerow(
            [
                iso_utc(v) if isinstance(v, datetime) else csv_cell(v, guard=self._guard)
                for v in values
            ]
        )


def write_csv(fields: Sequence[str], rows: Iterable[BaseModel | Mapping[str, Any]]) -> None:
    """Records (their attributes) or flattened records (mappings) as CSV on stdout."""
    out = CsvOut(sys.stdout, fields)
    for row in rows:
        if isinstance(row, Mapping):
            out.row(row[f] for f in fields)
        else:
            out.row(getattr(row, f) for f in fields)


def for_programs(
    data: BaseModel | Sequence[BaseModel], fmt: OutputFormat, fields: Sequence[str]
) -> bool:
    """Write `-f json` or `-f csv` output on stdout; False when a table is wanted."""
    if fmt is OutputFormat.json:
        write_json(data)
        return True
    if fmt is OutputFormat.csv:
        write_csv(fields, [data] if isinstance(data, BaseModel) else data)
        return True
    return False


def for_programs_or_empty(
    rows: Sequence[BaseModel], fmt: OutputFormat, fields: Sequence[str], *, empty: str
) -> bool:
    """`for_programs`, and for a table of no rows the line `empty` (dim): True when
    nothing is left to draw."""
    if for_programs(rows, fmt, fields):
        return True
    if not rows:
        dim(empty)
        return True
    return False


def dim(message: str) -> None:
    """A quiet line on stdout under (or instead of) a table: "no tags yet", "showing 1–20"."""
    stdout_console().print(Text(visible(message), style="dim"))


def note(message: str) -> None:
    """A line for the person, not for a program: it goes to stderr."""
    stderr_console().print(Text(visible(message)))


def plain(text: str) -> None:
    """A bare value on stdout (a path, a revision), for scripts."""
    sys.stdout.write(visible(text) + "\n")
