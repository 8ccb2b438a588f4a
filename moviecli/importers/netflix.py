"""Netflix's viewing history (NetflixViewingHistory.csv): `Title,Date`, one row per
title per day, dates written as the account's locale writes them (7/15/23 in the
US, 15/07/2023 in the UK, 15.07.23 in Germany).

`--date-format` names the format (`%m/%d/%y`). Without it, the format is the one of
LOCALE_FORMATS under which every date of the file reads; a file whose dates read under
two of them as different days (every day 12 or less) is refused, naming --date-format.

Titles carry no year, so a row becomes a viewing only of a film already in the catalog
with that title (one film: two of the same title are ambiguous). Series episodes
("Show: Season 1: Episode") are skipped and counted, as are titles not in the catalog."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

from moviecli.errors import ImportFormatError
from moviecli.importers.csvfiles import CsvInput, CsvRow, checked_rows
from moviecli.importers.records import (
    ImportSource,
    Item,
    Reject,
    TitleRecord,
    ViewingRecord,
)
from moviecli.rules import PERSONAL_FILE_MAX, check_date_format, check_day, check_title, title_key

COLUMNS = {"title": ["Title"], "date": ["Date"]}
LOCALE_FORMATS = (
    "%m/%d/%y",
    "%d/%m/%y",
    "%m/%d/%Y",
    "%d/%m/%Y",
    "%Y-%m-%d",
    "%d.%m.%y",
    "%d.%m.%Y",
    "%Y/%m/%d",
    "%d-%m-%Y",
)
# Tried only to suggest a --date-format (never taken without asking).
MORE_FORMATS = (
    "%d %b %Y",
    "%d %B %Y",
    "%b %d, %Y",
    "%B %d, %Y",
    "%d-%b-%Y",
    "%d-%m-%y",
    "%m-%d-%Y",
    "%m-%d-%y",
    "%Y.%m.%d",
    "%d.%m.%Y.",
    "%Y%m%d",
)
# The second part of "Show: Season 1: Chapter One" and its kin.
_EPISODE = re.compile(
    r"^(season|series|part|volume|vol\.|chapter|book|collection|limited series|miniseries"
    r"|temporada|staffel|saison)\b",
    re.IGNORECASE,
)


def looks_like(header: list[str]) -> bool:
    return [cell.strip().casefold() for cell in header] == ["title", "date"]


def is_episode(title: str) -> bool:
    parts = title.split(": ")
    return len(parts) >= 3 or (len(parts) == 2 and bool(_EPISODE.match(parts[1])))


def open_file(path: Path, user: str, date_format: str | None) -> ImportSource:
    source = CsvInput.from_path(path, limit=PERSONAL_FILE_MAX, what="Netflix viewing history")
    source.check_not_empty_or_binary()
    source.choose_encoding(("cp1252",))
    texts = _date_texts(source)
    if date_format is None:
        chosen = _guess_format(source, texts)
    else:
        chosen = _check_given(source, texts, date_format)
    return ImportSource(
        format="netflix",
        description=f"Netflix viewing history {path} (dates {chosen})",
        items=lambda: _items(source, user, chosen),
        total_bytes=source.size,
    )


def _parse_day(text: str, pattern: str) -> date | None:
    try:
        return datetime.strptime(text.strip(), pattern).date()
    except ValueError:
        return None


def _date_texts(source: CsvInput) -> list[str]:
    return [
        row.cells[row.index["date"]]
        for row in checked_rows(source, required=COLUMNS, what="a Netflix viewing history")
        if isinstance(row, CsvRow)
    ]


def _reading(texts: list[str], pattern: str) -> list[date | None]:
    return [_parse_day(text, pattern) for text in texts]


def _example(texts: list[str], pattern: str) -> str:
    """'--date-format %m/%d/%y (7/15/23 = 2023-07-15)': the file's own first date that
    the format reads, so that a suggestion is one that works on this file."""
    for text in texts:
        day = _parse_day(text, pattern)
        if day is not None:
            return f"--date-format {pattern} ({text.strip()} = {day.isoformat()})"
    return f"--date-format {pattern}"


def _check_given(source: CsvInput, texts: list[str], pattern: str) -> str:
    """--date-format as given: known directives, and it must read the file's dates (a
    format that reads none would reject every row)."""
    try:
        check_date_format(pattern)
    except ValueError as error:
        raise ImportFormatError(str(error)) from None
    if texts and not any(day is not None for day in _reading(texts, pattern)):
        first = texts[0].strip()
        works = _suggestion(texts)
        hint = f"; this file's read with {_example(texts, works)}" if works else ""
        raise ImportFormatError(
            f"{source.name}: no date reads as --date-format {pattern} "
            f"(the first is {first!r}){hint}"
        )
    return pattern


def _suggestion(texts: list[str]) -> str | None:
    """A format, usual or not, that reads every date of the file the same way as no
    other does; None when there is none to suggest."""
    fitting = [
        p
        for p in (*LOCALE_FORMATS, *MORE_FORMATS)
        if texts and all(d is not None for d in _reading(texts, p))
    ]
    if len({tuple(_reading(texts, p)) for p in fitting}) == 1:
        return fitting[0]
    return None


def _guess_format(source: CsvInput, texts: list[str]) -> str:
    readings = {pattern: _reading(texts, pattern) for pattern in LOCALE_FORMATS}
    best = max((sum(d is not None for d in days) for days in readings.values()), default=0)
    if not best:
        first = f" (the first is {texts[0].strip()!r})" if texts else ""
        works = _suggestion(texts)
        hint = (
            f"; this file's read with {_example(texts, works)}"
            if works
            else " with %d (day), %m, %b or %B (month) and %y or %Y (year)"
        )
        raise ImportFormatError(
            f"{source.name}: cannot read its dates{first}; name their format with "
            f"--date-format{hint}"
        )
    fitting = [p for p, days in readings.items() if sum(d is not None for d in days) == best]
    if len({tuple(readings[p]) for p in fitting}) > 1:
        options = " or ".join(_example(texts, p) for p in fitting)
        raise ImportFormatError(
            f"{source.name}: its dates read as different days in more than one format; "
            f"name theirs: {options}"
        )
    return fitting[0]


def _items(source: CsvInput, user: str, pattern: str) -> Iterator[Item]:
    for row in checked_rows(source, required=COLUMNS, what="a Netflix viewing history"):
        if not isinstance(row, CsvRow):
            yield row
            continue
        try:
            title = check_title(" ".join(row.cells[row.index["title"]].split()), what="Title")
            text = row.cells[row.index["date"]].strip()
            day = _parse_day(text, pattern)
            if day is None:
                raise ValueError(f"Date does not read as {pattern} (got {text!r})")
            check_day(day, what="Date")
        except ValueError as error:
            yield Reject(row.line, str(error))
            continue
        key = title_key(title)
        yield TitleRecord(key=key, title=title, line=row.line, episode=is_episode(title))
        yield ViewingRecord(movie_key=key, user=user, watched_on=day.isoformat(), line=row.line)
