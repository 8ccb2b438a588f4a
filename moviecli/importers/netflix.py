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
from moviecli.rules import check_title, title_key

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
    source = CsvInput.from_path(path)
    source.check_not_empty_or_binary()
    source.choose_encoding(("cp1252",))
    chosen = date_format or _guess_format(source)
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


def _guess_format(source: CsvInput) -> str:
    texts: list[str] = []
    for row in checked_rows(source, required=COLUMNS, what="a Netflix viewing history"):
        if isinstance(row, CsvRow):
            texts.append(row.cells[row.index["date"]])
    readings: dict[str, list[date | None]] = {
        pattern: [_parse_day(text, pattern) for text in texts] for pattern in LOCALE_FORMATS
    }
    best = max((sum(d is not None for d in days) for days in readings.values()), default=0)
    if not best:
        raise ImportFormatError(
            f"{source.name}: cannot read its dates; name their format with --date-format "
            "(for example --date-format %m/%d/%y for 7/15/23)"
        )
    fitting = [p for p, days in readings.items() if sum(d is not None for d in days) == best]
    if len({tuple(readings[p]) for p in fitting}) > 1:
        raise ImportFormatError(
            f"{source.name}: its dates read as different days in {' and '.join(fitting)}; "
            "name their format with --date-format (for example --date-format %d/%m/%y)"
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
        except ValueError as error:
            yield Reject(row.line, str(error))
            continue
        key = title_key(title)
        yield TitleRecord(key=key, title=title, line=row.line, episode=is_episode(title))
        yield ViewingRecord(movie_key=key, user=user, watched_on=day.isoformat(), line=row.line)
