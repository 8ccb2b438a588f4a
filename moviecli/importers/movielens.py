"""A MovieLens folder as GroupLens publishes it: movies.csv, ratings.csv, and the
optional links.csv and tags.csv.

    movies.csv   movieId,title,genres        "Matrix, The (1999)", "Action|Sci-Fi"
    ratings.csv  userId,movieId,rating,timestamp
    links.csv    movieId,imdbId,tmdbId
    tags.csv     userId,movieId,tag,timestamp

Ratings go to user `ml-<userId>`. ratings.csv is yielded whole (see `RatingsFile`):
read as raw chunks (`RawRatings`), since at 25 million rows an object per row would
cost more than the database does, or as bytes that PostgreSQL's COPY parses itself."""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

from moviecli.errors import ImportFormatError
from moviecli.importers.csvfiles import CsvInput, check_width, column_index
from moviecli.importers.records import (
    ImportSource,
    Item,
    MovieRecord,
    Progress,
    RatingsFile,
    RawRatings,
    Reject,
    Skip,
    TagRecord,
    canonical_time,
)
from moviecli.rules import TITLE_MAX, YEAR_MAX, YEAR_MIN, check_text, genre_names

CHUNK_ROWS = 50_000
PROGRESS_LINES = 2_000
NO_GENRES = "(no genres listed)"

_YEAR_AT_END = re.compile(r"^(?P<title>.*?)\s*\((?P<year>\d{4})(?:\s*[-–]\s*\d{0,4})?\)\s*$")
_SECOND_BRACKET = re.compile(r"^(?P<title>.*\S)\s+\((?P<alt>[^()]+)\)$")
_TRAILING_ARTICLE = re.compile(
    r"^(?P<rest>.*\S),\s+(?P<article>The|A|An|La|Le|Les|L'|Il|Lo|I|Gli|Der|Die|Das|Den|Det|"
    r"El|Los|Las|Un|Une|Uno|Una|De|Het|O|Os|As|Ta|To)$"
)


def user_name(user_id: str) -> str:
    return f"ml-{user_id}"


def move_article(title: str) -> str:
    """'Matrix, The' -> 'The Matrix'; "Auberge espagnole, L'" -> "L'Auberge espagnole"."""
    match = _TRAILING_ARTICLE.match(title)
    if match is None:
        return title
    article = match["article"]
    return f"{article}{match['rest']}" if article.endswith("'") else f"{article} {match['rest']}"


def parse_title(raw: str) -> tuple[str, int | None, str | None]:
    """'City of Lost Children, The (Cité des enfants perdus, La) (1995)' ->
    ('The City of Lost Children', 1995, 'La Cité des enfants perdus')."""
    text = " ".join(raw.split())
    year: int | None = None
    match = _YEAR_AT_END.match(text)
    if match and match["title"] and YEAR_MIN <= int(match["year"]) <= YEAR_MAX:
        text, year = match["title"], int(match["year"])
    original = None
    second = _SECOND_BRACKET.match(text)
    if second:
        alt = second["alt"].strip()
        alt = alt.removeprefix("a.k.a. ").removeprefix("aka ").strip()
        if alt:
            text, original = second["title"], move_article(alt)
    return move_article(text), year, original


def parse_movie(row: list[str], line: int, links: dict[str, tuple[str, str]]) -> MovieRecord:
    movie_id, raw_title, raw_genres = (cell.strip() for cell in row)
    if not movie_id.isdigit():
        raise ValueError(f"movieId must be a whole number (got {movie_id!r})")
    check_text(raw_title, what="title")
    check_text(raw_genres, what="genres")
    title, year, original = parse_title(raw_title)
    if not title:
        raise ValueError("title is blank")
    if len(title) > TITLE_MAX:
        raise ValueError(f"title is longer than {TITLE_MAX} characters")
    genres = genre_names(raw_genres.split("|")) if raw_genres != NO_GENRES else []
    external = {"movielens": movie_id}
    imdb, tmdb = links.get(movie_id, ("", ""))
    if imdb:
        external["imdb"] = imdb
    if tmdb:
        external["tmdb"] = tmdb
    if original is not None and len(original) > TITLE_MAX:
        original = None
    return MovieRecord(
        key=movie_id,
        line=line,
        title=title,
        year=year,
        genres=genres,
        original_title=original,
        external_ids=external,
    )


FILES = ("movies.csv", "ratings.csv", "links.csv", "tags.csv")


def open_folder(folder: Path) -> ImportSource:
    inputs = {
        name: CsvInput.from_path(folder / name) for name in FILES if (folder / name).is_file()
    }
    return open_inputs(inputs, f"MovieLens folder {folder}")


def open_inputs(inputs: dict[str, CsvInput], description: str) -> ImportSource:
    """The MovieLens files found (in a folder, or in the published .zip)."""
    for source in inputs.values():
        source.check_not_empty_or_binary()
    movies = inputs.get("movies.csv")
    ratings = inputs.get("ratings.csv")
    if movies is None:
        raise ImportFormatError(f"{description} has no movies.csv: not a MovieLens export")
    links = inputs.get("links.csv")
    tags = inputs.get("tags.csv")
    total = sum(s.size for s in (movies, ratings, links, tags) if s is not None)

    def items() -> Iterator[Item]:
        done = 0
        link_map: dict[str, tuple[str, str]] = {}
        if links is not None:
            yield from _read_links(links, link_map)
            done += links.size
        yield from _shifted(_read_movies(movies, link_map), done, total)
        link_map.clear()
        done += movies.size
        yield Progress(done, total)
        if ratings is not None:
            yield from _shifted(_read_ratings(ratings), done, total)
            done += ratings.size
        if tags is not None:
            yield from _read_tags(tags)
        yield Progress(total, total)

    return ImportSource(format="movielens", description=description, items=items, total_bytes=total)


def _shifted(items: Iterator[Item], done: int, total: int) -> Iterator[Item]:
    """One file's items, its progress counted from the bytes of the files before it."""
    for item in items:
        if isinstance(item, Progress):
            yield Progress(done + item.done, total)
        elif isinstance(item, RatingsFile):
            yield _shifted_file(item, done, total)
        else:
            yield item


def _shifted_file(item: RatingsFile, done: int, total: int) -> RatingsFile:
    rows = item.rows

    def shifted() -> Iterator[Item]:
        return _shifted(rows(), done, total)

    return replace(item, rows=shifted, done=done, total=total)


def _read_links(source: CsvInput, links: dict[str, tuple[str, str]]) -> Iterator[Item]:
    with source.reader() as reader:
        index = column_index(
            reader.read_header(),
            required={"movie": ["movieId"], "imdb": ["imdbId"]},
            optional={"tmdb": ["tmdbId"]},
            name=source.name,
            what="a MovieLens links.csv",
        )
        width = len(reader.header)
        for line, row in reader.rows():
            problem = check_width(row, width)
            if problem is None:
                imdb = row[index["imdb"]].strip()
                tmdb = row[index["tmdb"]].strip() if "tmdb" in index else ""
                if imdb and not imdb.isdigit():
                    problem = f"imdbId must be digits (got {imdb!r})"
                elif tmdb and not tmdb.isdigit():
                    problem = f"tmdbId must be digits (got {tmdb!r})"
            if problem is not None:
                yield Reject(line, problem, "links.csv")
                continue
            links[row[index["movie"]].strip()] = (f"tt{imdb:0>7}" if imdb else "", tmdb)


def _read_movies(source: CsvInput, links: dict[str, tuple[str, str]]) -> Iterator[Item]:
    with source.reader() as reader:
        header = reader.read_header()
        index = column_index(
            header,
            required={"movie": ["movieId"], "title": ["title"], "genres": ["genres"]},
            name=source.name,
            what="a MovieLens movies.csv",
        )
        order = [index["movie"], index["title"], index["genres"]]
        for line, row in reader.rows():
            if line % PROGRESS_LINES == 0:
                yield Progress(reader.position, source.size)
            problem = check_width(row, len(header))
            if problem is not None:
                yield Reject(line, problem, "movies.csv")
                continue
            try:
                yield parse_movie([row[i] for i in order], line, links)
            except ValueError as error:
                yield Reject(line, str(error), "movies.csv")


RATINGS_HEADER = ["userId", "movieId", "rating", "timestamp"]


def _read_ratings(source: CsvInput) -> Iterator[Item]:
    with source.reader() as reader:
        _check_ratings_header(reader.read_header(), source)
    start = _plain_header_end(source)
    yield RatingsFile(
        name=source.name,
        size=source.size,
        open_data=None if start is None else lambda: _skipped(source.open_binary(), start),
        first_line=2,
        user_name=user_name,
        rows=lambda: _rating_chunks(source),
    )


def _check_ratings_header(header: list[str], source: CsvInput) -> None:
    if header != RATINGS_HEADER:
        column_index(  # a clear refusal when a column is missing
            header,
            required={name: [name] for name in RATINGS_HEADER},
            name=source.name,
            what="a MovieLens ratings.csv",
        )
        raise ImportFormatError(
            f"{source.name}: expected the columns {','.join(RATINGS_HEADER)} in that order"
        )


def _plain_header_end(source: CsvInput) -> int | None:
    """Where the rows start when the header is the plain line `userId,...` (after a
    UTF-8 BOM or not); None for any other spelling of it (quoted, spaced)."""
    head = source.head()
    plain = ",".join(RATINGS_HEADER).encode()
    for line in (plain + b"\n", plain + b"\r\n"):
        for prefix in (b"", codecs.BOM_UTF8):
            if head.startswith(prefix + line):
                return len(prefix + line)
    return None


def _skipped(stream: IO[bytes], count: int) -> IO[bytes]:
    stream.read(count)
    return stream


def _rating_chunks(source: CsvInput) -> Iterator[Item]:
    with source.reader() as reader:
        _check_ratings_header(reader.read_header(), source)
        line = 2
        while chunk := reader.chunk(CHUNK_ROWS):
            yield RawRatings(chunk, line, user_name)
            line += len(chunk)
            yield Progress(reader.position, source.size)


def _control_problem(text: str) -> str | None:
    try:
        check_text(text, what="tag")
    except ValueError as error:
        return str(error)
    return None


def _timestamp(text: str) -> str:
    seconds = int(text)
    return canonical_time(datetime.fromtimestamp(seconds, UTC))


def _read_tags(source: CsvInput) -> Iterator[Item]:
    with source.reader() as reader:
        header = reader.read_header()
        index = column_index(
            header,
            required={
                "user": ["userId"],
                "movie": ["movieId"],
                "tag": ["tag"],
                "timestamp": ["timestamp"],
            },
            name=source.name,
            what="a MovieLens tags.csv",
        )
        for line, row in reader.rows():
            problem = check_width(row, len(header))
            if problem is None:
                user = row[index["user"]].strip()
                tag = " ".join(row[index["tag"]].split())
                if not user.isdigit():
                    problem = f"userId must be a whole number (got {user!r})"
                elif not tag:
                    yield Skip("empty tags")
                    continue
                elif len(tag) > 255:
                    problem = "tag is longer than 255 characters"
                elif (control := _control_problem(tag)) is not None:
                    problem = control
                else:
                    try:
                        tagged_at = _timestamp(row[index["timestamp"]].strip())
                    except (ValueError, OverflowError, OSError):
                        problem = (
                            f"timestamp must be Unix seconds (got {row[index['timestamp']]!r})"
                        )
            if problem is not None:
                yield Reject(line, problem, "tags.csv")
                continue
            yield TagRecord(
                movie_key=row[index["movie"]].strip(),
                user=user_name(user),
                tag=tag,
                tagged_at=tagged_at,
                line=line,
            )
