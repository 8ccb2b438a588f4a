"""A Letterboxd export: one of its CSV files, the unzipped folder, or the .zip itself.

    watched.csv   Date,Name,Year,Letterboxd URI                      films seen
    ratings.csv   Date,Name,Year,Letterboxd URI,Rating               the current rating of each film
    diary.csv     Date,Name,Year,Letterboxd URI,Rating,Rewatch,Tags,Watched Date
    reviews.csv   Date,Name,Year,Letterboxd URI,Rating,Rewatch,Review,Tags,Watched Date

Ratings are already half stars. The URI of watched.csv and ratings.csv names the film;
that of diary.csv and reviews.csv names the diary entry, so films are matched by Name
and Year. In a folder, ratings.csv is the current rating of each film; the diary only
adds films and tags (its ratings are history). Reviews become the reviews of ratings."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path

from moviecli.errors import ImportFormatError
from moviecli.importers.csvfiles import CsvInput, CsvRow, checked_rows
from moviecli.importers.records import (
    ImportSource,
    Item,
    MovieRecord,
    Progress,
    RatingRecord,
    Reject,
    TagRecord,
)
from moviecli.rules import TAG_MAX, YEAR_MAX, YEAR_MIN, parse_score, title_key

FILES = ("watched.csv", "ratings.csv", "diary.csv", "reviews.csv")
BASE_COLUMNS = {"date": ["Date"], "name": ["Name"], "year": ["Year"], "uri": ["Letterboxd URI"]}
OPTIONAL_COLUMNS = {
    "rating": ["Rating"],
    "review": ["Review"],
    "tags": ["Tags"],
    "watched": ["Watched Date"],
}

MovieKey = tuple[str, int | None]


def kind_of(header: list[str]) -> str | None:
    """Which Letterboxd file a header belongs to, or None."""
    names = {cell.strip().casefold() for cell in header}
    if not {"date", "name", "year", "letterboxd uri"} <= names:
        return None
    if "review" in names:
        return "reviews.csv"
    if "watched date" in names or "rewatch" in names:
        return "diary.csv"
    if "rating" in names:
        return "ratings.csv"
    return "watched.csv"


def _zip_inputs(path: Path) -> dict[str, CsvInput]:
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise ImportFormatError(f"{path} is not a readable .zip file") from None
    found: dict[str, CsvInput] = {}
    with archive:
        for info in archive.infolist():
            parts = info.filename.strip("/").split("/")
            # Letterboxd puts deleted/ and orphaned/ entries in subfolders: leave them out.
            if info.is_dir() or len(parts) > 2 or parts[-1] not in FILES:
                continue
            if len(parts) == 2 and parts[0] in ("deleted", "orphaned"):
                continue
            data = archive.read(info)
            found[parts[-1]] = CsvInput(
                name=f"{path}:{info.filename}",
                open_binary=lambda data=data: io.BytesIO(data),
                size=len(data),
            )
    return found


def open_path(path: Path, user: str) -> ImportSource:
    if path.is_dir():
        inputs = {
            name: CsvInput.from_path(path / name) for name in FILES if (path / name).is_file()
        }
        where = f"Letterboxd export folder {path}"
    elif zipfile.is_zipfile(path):
        inputs = _zip_inputs(path)
        where = f"Letterboxd export {path}"
    else:
        single = CsvInput.from_path(path)
        single.check_not_empty_or_binary()
        single.choose_encoding(("cp1252",))
        with single.reader() as reader:
            kind = kind_of(reader.read_header())
        if kind is None:
            raise ImportFormatError(f"{path} is not a Letterboxd export file")
        inputs = {kind: single}
        where = f"Letterboxd {kind} {path}"
    if not inputs:
        raise ImportFormatError(f"{path} holds none of the Letterboxd files ({', '.join(FILES)})")
    for source in inputs.values():
        source.check_not_empty_or_binary()
        source.choose_encoding(("cp1252",))
    total = sum(source.size for source in inputs.values())
    return ImportSource(
        format="letterboxd",
        description=where,
        items=lambda: _items(inputs, user, total),
        total_bytes=total,
    )


def _items(inputs: dict[str, CsvInput], user: str, total: int) -> Iterator[Item]:
    seen: set[MovieKey] = set()
    reviews: dict[MovieKey, tuple[str, str]] = {}
    if "reviews.csv" in inputs and "ratings.csv" in inputs:
        # Reviews attach to the current ratings: read them first.
        for item in _rows(inputs["reviews.csv"], "reviews.csv"):
            if (
                isinstance(item, _Row)
                and item.review
                and (item.key not in reviews or reviews[item.key][0] <= item.when)
            ):
                reviews[item.key] = (item.when, item.review)
    done = 0
    for name in FILES:
        source = inputs.get(name)
        if source is None:
            continue
        ratings_here = name == "ratings.csv" or "ratings.csv" not in inputs
        for item in _rows(source, name):
            if not isinstance(item, _Row):
                yield item
                continue
            if item.key not in seen:
                seen.add(item.key)
                external = {"letterboxd": item.film_id} if item.film_id else {}
                yield MovieRecord(
                    key=item.key,
                    line=item.line,
                    title=item.title,
                    year=item.key[1],
                    external_ids=external,
                )
            if item.rating is not None and ratings_here:
                review = item.review or reviews.get(item.key, ("", None))[1]
                yield RatingRecord(
                    movie_key=item.key,
                    user=user,
                    score=item.rating,
                    rated_at=f"{item.when} 00:00:00.000000",
                    line=item.line,
                    review=review or None,
                )
            for tag in item.tags:
                yield TagRecord(
                    movie_key=item.key,
                    user=user,
                    tag=tag,
                    tagged_at=f"{item.when} 00:00:00.000000",
                    line=item.line,
                )
        done += source.size
        yield Progress(done, total)


class _Row:
    __slots__ = ("film_id", "key", "line", "rating", "review", "tags", "title", "when")

    def __init__(self, **values: object) -> None:
        for name, value in values.items():
            setattr(self, name, value)


def _rows(source: CsvInput, kind: str) -> Iterator[_Row | Reject]:
    for row in checked_rows(
        source,
        required=BASE_COLUMNS,
        optional=OPTIONAL_COLUMNS,
        what="a Letterboxd export file",
        file=kind,
    ):
        if isinstance(row, Reject):
            yield row
        elif isinstance(row, CsvRow):
            try:
                yield _parse(row.cells, row.index, row.line, kind)
            except ValueError as error:
                yield Reject(row.line, str(error), kind)


def _parse(row: list[str], index: dict[str, int], line: int, kind: str) -> _Row:
    title = " ".join(row[index["name"]].split())
    if not title:
        raise ValueError("Name is blank")
    year_text = row[index["year"]].strip()
    year: int | None = None
    if year_text:
        if not year_text.isdigit() or not (YEAR_MIN <= int(year_text) <= YEAR_MAX):
            raise ValueError(f"Year must be {YEAR_MIN} to {YEAR_MAX} (got {year_text!r})")
        year = int(year_text)
    when_text = row[index["date"]].strip()
    try:
        when = date.fromisoformat(when_text).isoformat()
    except ValueError:
        raise ValueError(f"Date must look like 2024-03-31 (got {when_text!r})") from None
    rating: float | None = None
    if "rating" in index and (text := row[index["rating"]].strip()):
        rating = parse_score(text, what="Rating")
    review = row[index["review"]].strip() if "review" in index else ""
    tags = []
    if "tags" in index:
        for raw in row[index["tags"]].split(","):
            tag = " ".join(raw.split())
            if tag and len(tag) <= TAG_MAX and tag not in tags:
                tags.append(tag)
    film_id = ""
    if kind in ("watched.csv", "ratings.csv"):
        uri = row[index["uri"]].strip().rstrip("/")
        film_id = uri.rsplit("/", 1)[-1] if uri else ""
        if len(film_id) > 64:
            film_id = ""
    return _Row(
        key=(title_key(title), year),
        title=title,
        line=line,
        when=when,
        rating=rating,
        review=review,
        tags=tags,
        film_id=film_id,
    )
