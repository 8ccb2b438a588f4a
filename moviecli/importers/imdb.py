"""An IMDb "Your ratings" export, or a watchlist or list export. Columns are read by
name: the header has changed
over the years (the current one is Const,Your Rating,Date Rated,Title,Original Title,
URL,Title Type,IMDb Rating,Runtime (mins),Year,Genres,Num Votes,Release Date,Directors;
older ones lack Original Title, say Date Added or "created", and write title types in
lowercase: movie, tvSeries). Files saved on Windows are cp1252, not UTF-8.

A whole 1-10 rating becomes half stars (/2, at least 0.5); Const (tt...) is the IMDb id;
rows whose title type is not a movie are skipped and counted.

A watchlist or list export (Position,Const,Created,Modified,Description,Title,...,
Title Type,...) holds no list name: a file whose name says "watchlist" (IMDb calls it
WATCHLIST.csv) is the watchlist, any other becomes a list named after the file.
Description is the note of the entry, Created the day it was added."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime
from pathlib import Path

from moviecli.errors import ImportFormatError
from moviecli.importers.csvfiles import CsvInput, CsvRow, checked_rows
from moviecli.importers.records import (
    ImportSource,
    Item,
    ListItemRecord,
    ListRecord,
    MovieRecord,
    RatingRecord,
    Reject,
    Skip,
    WatchlistRecord,
    canonical_time,
)
from moviecli.rules import (
    LIST_NAME_MAX,
    RUNTIME_MAX,
    RUNTIME_MIN,
    TITLE_MAX,
    YEAR_MAX,
    YEAR_MIN,
    check_moment,
    check_name,
    check_note,
    check_text,
    genre_names,
    score_from_ten,
)

# Every IMDb export has a date column; a file without one would lose every rating,
# so it is refused whole rather than rejected row by row.
REQUIRED = {
    "const": ["Const"],
    "rating": ["Your Rating", "You rated"],
    "title": ["Title"],
    "date": ["Date Rated", "Date Added", "created"],
}
OPTIONAL = {
    "original": ["Original Title"],
    "type": ["Title Type"],
    "runtime": ["Runtime (mins)"],
    "year": ["Year"],
    "genres": ["Genres"],
    "directors": ["Directors"],
}
# Title types, lowercased without spaces: today's (movie, tvMovie) and the older
# exports' ("Feature Film", "TV Movie", "Documentary").
MOVIE_TYPES = {"movie", "tvmovie", "featurefilm", "documentary"}
_CONST = re.compile(r"^tt\d{7,10}$")


LIST_REQUIRED = {"const": ["Const"], "title": ["Title"], "date": ["Created"]}
LIST_OPTIONAL = {**OPTIONAL, "position": ["Position"], "note": ["Description"]}


def looks_like(header: list[str]) -> bool:
    names = {cell.strip().casefold() for cell in header}
    return "const" in names and bool(names & {"your rating", "you rated"})


def looks_like_list(header: list[str]) -> bool:
    """A watchlist or list export (newer ones add Your Rating: this is checked first).
    Older ratings exports share this layout (position,const,created,...,You rated)."""
    names = {cell.strip().casefold() for cell in header}
    return {"position", "const", "created"} <= names


def _old_ratings(source: CsvInput, header: list[str]) -> bool:
    """An older export in the list layout with a "You rated" column: a ratings export
    when any row has a rating (an old watchlist or list leaves the column empty)."""
    names = [cell.strip().casefold() for cell in header]
    if "you rated" not in names:
        return False
    column = names.index("you rated")
    with source.reader() as reader:
        reader.read_header()
        for _line, row in reader.rows():
            if column < len(row) and row[column].strip():
                return True
    return False


def open_path(path: Path, user: str) -> ImportSource:
    """A ratings export, or a watchlist or list export, by its header."""
    source = CsvInput.from_path(path)
    source.check_not_empty_or_binary()
    source.choose_encoding(("cp1252",))
    with source.reader() as reader:
        header = reader.read_header()
    if not looks_like_list(header) or _old_ratings(source, header):
        return open_file(path, user)
    if "watchlist" in path.stem.casefold():
        return ImportSource(
            format="imdb",
            description=f"IMDb watchlist {path}",
            items=lambda: _list_items(source, user, None),
            total_bytes=source.size,
        )
    try:
        name = check_name(path.stem, what="list name (the file's name)", limit=LIST_NAME_MAX)
    except ValueError as error:
        raise ImportFormatError(f"{path}: {error}") from None
    return ImportSource(
        format="imdb",
        description=f"IMDb list {path}",
        items=lambda: _list_items(source, user, name),
        total_bytes=source.size,
    )


def _list_items(source: CsvInput, user: str, list_name: str | None) -> Iterator[Item]:
    if list_name is not None:
        yield ListRecord(key=list_name, user=user, name=list_name, line=1)
    yield from _each_row(
        source,
        LIST_REQUIRED,
        LIST_OPTIONAL,
        "an IMDb list export",
        lambda row: _list_row(row, user, list_name),
    )


def _list_row(row: CsvRow, user: str, list_name: str | None) -> Iterator[Item]:
    """A watchlist or list row's film and entry (ValueError before either is yielded)."""
    movie = _movie(row.cells, row.index, row.line)
    if movie is None:
        yield Skip(f"not movies (title type {_cell(row.cells, row.index, 'type')})")
        return
    note = check_note(_cell(row.cells, row.index, "note"), what="Description")
    added_at = _date(_cell(row.cells, row.index, "date"), "Created")
    yield movie
    if list_name is None:
        yield WatchlistRecord(
            movie_key=movie.key, user=user, added_at=added_at, note=note, line=row.line
        )
    else:
        yield ListItemRecord(
            list_key=list_name, movie_key=movie.key, note=note, added_at=added_at, line=row.line
        )


def _each_row(
    source: CsvInput,
    required: Mapping[str, Sequence[str]],
    optional: Mapping[str, Sequence[str]],
    what: str,
    parse: Callable[[CsvRow], Iterator[Item]],
) -> Iterator[Item]:
    """Each row's records; what the CSV reader yields itself (skips, rejects, progress)
    passed on; a row `parse` refuses (ValueError) rejected."""
    for row in checked_rows(source, required=required, optional=optional, what=what):
        if not isinstance(row, CsvRow):
            yield row
            continue
        try:
            yield from parse(row)
        except ValueError as error:
            yield Reject(row.line, str(error))


def open_file(path: Path, user: str) -> ImportSource:
    source = CsvInput.from_path(path)
    source.check_not_empty_or_binary()
    source.choose_encoding(("cp1252",))
    return ImportSource(
        format="imdb",
        description=f"IMDb ratings {path}",
        items=lambda: _items(source, user),
        total_bytes=source.size,
    )


def _items(source: CsvInput, user: str) -> Iterator[Item]:
    yield from _each_row(
        source,
        REQUIRED,
        OPTIONAL,
        "an IMDb ratings export",
        lambda row: _parse(row.cells, row.index, row.line, user),
    )


def _cell(row: list[str], index: dict[str, int], field: str) -> str:
    return row[index[field]].strip() if field in index else ""


def _parse(row: list[str], index: dict[str, int], line: int, user: str) -> Iterator[Item]:
    movie = _movie(row, index, line)
    if movie is None:
        yield Skip(f"not movies (title type {_cell(row, index, 'type')})")
        return
    # The whole row is checked before anything is yielded: a row whose rating or date is
    # refused adds nothing, not even its movie.
    rating_text = _cell(row, index, "rating")
    rating: RatingRecord | None = None
    if rating_text:
        rating = RatingRecord(
            movie_key=movie.key,
            user=user,
            score=_score(rating_text),
            rated_at=_date(_cell(row, index, "date")),
            line=line,
        )
    yield movie
    if rating is None:
        yield Skip("rows without a rating", line=line)
    else:
        yield rating


def _score(text: str) -> float:
    """IMDb ratings are whole numbers 1 to 10; 1 becomes half a star, 10 five stars."""
    if not (text.isascii() and text.isdigit() and 1 <= int(text) <= 10):
        raise ValueError(f"Your Rating must be a whole number from 1 to 10 (got {text!r})")
    return score_from_ten(int(text))


def _movie(row: list[str], index: dict[str, int], line: int) -> MovieRecord | None:
    """The row's film, or None when its title type is not a movie."""
    kind = _cell(row, index, "type")
    if kind and kind.replace(" ", "").casefold() not in MOVIE_TYPES:
        return None
    const = _cell(row, index, "const")
    if not _CONST.match(const):
        raise ValueError(f"Const must be an IMDb id like tt0113277 (got {const!r})")
    title = " ".join(_cell(row, index, "title").split())
    if not title:
        raise ValueError("Title is blank")
    check_text(title, what="Title")
    if len(title) > TITLE_MAX:
        raise ValueError(f"Title is longer than {TITLE_MAX} characters")
    year = _whole(_cell(row, index, "year"), YEAR_MIN, YEAR_MAX)
    runtime = _whole(_cell(row, index, "runtime"), RUNTIME_MIN, RUNTIME_MAX)
    original = " ".join(_cell(row, index, "original").split()) or None
    if original == title or (original and len(original) > TITLE_MAX):
        original = None
    genres = genre_names(_cell(row, index, "genres").split(","))
    directors = ""
    for name in (n.strip() for n in _cell(row, index, "directors").split(",")):
        if name and len(directors) + len(name) + 2 <= TITLE_MAX:
            directors = f"{directors}, {name}" if directors else name
    if original is not None:
        check_text(original, what="Original Title")
    check_text(directors, what="Directors")
    for genre in genres:
        check_text(genre, what="Genres")
    return MovieRecord(
        key=const,
        line=line,
        title=title,
        year=year,
        genres=genres,
        original_title=original,
        runtime_minutes=runtime,
        director=directors or None,
        external_ids={"imdb": const},
    )


def _whole(text: str, low: int, high: int) -> int | None:
    """A whole number in range, else unknown (IMDb leaves these blank or odd at times)."""
    text = text.replace(",", "")
    if text.isdigit() and low <= int(text) <= high:
        return int(text)
    return None


# The formats IMDb's exports have used: ISO dates (Date Rated, Created, today) and the
# C-style time of the old "created" column. 01/02/2024 is refused, not guessed.
DATE_FORMATS = ("%Y-%m-%d", "%a %b %d %H:%M:%S %Y")


def _date(text: str, what: str = "Date Rated") -> str:
    if not text:
        raise ValueError("the date rated is blank" if what == "Date Rated" else f"{what} is blank")
    for pattern in DATE_FORMATS:
        try:
            moment = datetime.strptime(text, pattern)
        except ValueError:
            continue
        return canonical_time(check_moment(moment, what=what))
    raise ValueError(f"{what} must look like 2024-03-31 (got {text!r})")
