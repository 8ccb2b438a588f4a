"""A Letterboxd export: one of its CSV files, the unzipped folder, or the .zip itself.

    watched.csv       Date,Name,Year,Letterboxd URI                films seen (no date)
    ratings.csv       Date,Name,Year,Letterboxd URI,Rating         the current rating of each film
    diary.csv         Date,Name,Year,Letterboxd URI,Rating,Rewatch,Tags,Watched Date
    reviews.csv       Date,Name,Year,Letterboxd URI,Rating,Rewatch,Review,Tags,Watched Date
    watchlist.csv     Date,Name,Year,Letterboxd URI                the watchlist
    likes/films.csv   Date,Name,Year,Letterboxd URI                a list named "Likes"
    lists/*.csv       a preamble, then Position,Name,Year,URL,Description

A list file starts with its own description:

    Letterboxd list export v7
    Date,Name,Tags,URL,Description
    2023-05-01,Heists,,https://letterboxd.com/ana/list/heists/,The best ones
    (blank line)
    Position,Name,Year,URL,Description
    1,Heat,1995,https://letterboxd.com/film/heat-1995/,

Ratings are already half stars. The URI of watched.csv and ratings.csv names the film;
that of diary.csv and reviews.csv names the diary entry, so films are matched by Name
and Year. In a folder, ratings.csv is the current rating of each film; the diary only
adds films, viewings and tags (its ratings are history). Each diary entry is a viewing
(Watched Date, Rewatch); reviews.csv gives the review of the entry of the same film and
date, and the review of the film's current rating. watched.csv marks films seen with no
date: the loader keeps such a mark only for a film with no viewing at all."""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from moviecli.errors import ImportFormatError
from moviecli.importers.csvfiles import CsvInput, CsvRow, checked_rows, column_index
from moviecli.importers.guard import zip_members
from moviecli.importers.records import (
    ImportSource,
    Item,
    ListItemRecord,
    ListRecord,
    MovieRecord,
    Progress,
    RatingRecord,
    Reject,
    TagRecord,
    ViewingRecord,
    WatchlistRecord,
)
from moviecli.rules import (
    LIST_NAME_MAX,
    PERSONAL_FILE_MAX,
    TAG_MAX,
    YEAR_MAX,
    YEAR_MIN,
    check_name,
    check_note,
    check_text,
    check_title,
    parse_day,
    parse_score,
    parse_yes_no,
    title_key,
)

# In the order they are read: films first, then their ratings, the diary (whose
# entries the reviews complete), the watchlist and the lists.
FILES = ("watched.csv", "ratings.csv", "diary.csv", "reviews.csv", "watchlist.csv")
LIKES = "likes/films.csv"
LIKES_LIST = "Likes"
LIST_PREAMBLE = "letterboxd list export"
BASE_COLUMNS = {"date": ["Date"], "name": ["Name"], "year": ["Year"], "uri": ["Letterboxd URI"]}
OPTIONAL_COLUMNS = {
    "rating": ["Rating"],
    "rewatch": ["Rewatch"],
    "review": ["Review"],
    "tags": ["Tags"],
    "watched": ["Watched Date"],
}
LIST_COLUMNS = {"date": ["Date"], "name": ["Name"]}
LIST_OPTIONAL = {"description": ["Description"]}
ITEM_COLUMNS = {"position": ["Position"], "name": ["Name"], "year": ["Year"]}
ITEM_OPTIONAL = {"description": ["Description"]}

MovieKey = tuple[str, int | None]


def kind_of(header: list[str]) -> str | None:
    """Which Letterboxd file a header belongs to, or None. watched.csv, watchlist.csv
    and likes/films.csv share one header: a file's name tells them apart."""
    if header and header[0].strip().casefold().startswith(LIST_PREAMBLE):
        return "lists/"
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


def _kind_in_export(parts: tuple[str, ...]) -> str | None:
    """What a file of the export folder is, by its path inside it (None: not ours).
    Letterboxd puts deleted/ and orphaned/ entries in subfolders: those are left out."""
    if len(parts) == 1 and parts[0] in FILES:
        return parts[0]
    if len(parts) == 2 and "/".join(parts) == LIKES:
        return LIKES
    if len(parts) == 2 and parts[0] == "lists" and parts[1].endswith(".csv"):
        return f"lists/{parts[1]}"
    return None


# Letterboxd's and the single files' kinds that `--as` may name.
AS_KINDS = {"watched": "watched.csv", "watchlist": "watchlist.csv", "likes": LIKES}
WHAT = "Letterboxd export"


def _zip_inputs(path: Path) -> dict[str, CsvInput]:
    """The export's members, each streamed when read (none is read here); an encrypted,
    over-large or bomb-like member is refused before a byte is read."""
    found: dict[str, CsvInput] = {}
    for info in zip_members(path):
        kind = _kind_in_export(tuple(PurePosixPath(info.filename.strip("/")).parts))
        if info.is_dir() or kind is None:
            continue
        found[kind] = CsvInput.from_member(path, info, limit=PERSONAL_FILE_MAX, what=WHAT)
    return found


def _folder_inputs(path: Path) -> dict[str, CsvInput]:
    found: dict[str, CsvInput] = {}
    for name in (*FILES, LIKES):
        if (path / name).is_file():
            found[name] = CsvInput.from_path(path / name, limit=PERSONAL_FILE_MAX, what=WHAT)
    if (path / "lists").is_dir():
        for item in sorted((path / "lists").glob("*.csv")):
            if item.is_file():
                found[f"lists/{item.name}"] = CsvInput.from_path(
                    item, limit=PERSONAL_FILE_MAX, what=WHAT
                )
    return found


def _single_kind(path: Path, kind: str, as_: str | None) -> str:
    """Which file a lone CSV is. watched.csv, watchlist.csv and likes/films.csv share one
    header: only their exact names tell them apart, so any other name ("watchlist
    (1).csv", a browser's second download) needs --as; unseen films are never logged
    as seen on a guess."""
    if kind == "lists/":
        if as_ is not None:
            raise ImportFormatError(f"{path} is a Letterboxd list export; leave out --as")
        return f"lists/{path.name}"
    if kind != "watched.csv":
        if as_ is not None:
            raise ImportFormatError(
                f"{path} is Letterboxd's {kind} (its header says so); leave out --as"
            )
        return kind
    if as_ is not None:
        return AS_KINDS[as_]
    name = path.name.casefold()
    if name in ("watched.csv", "watchlist.csv"):
        return name
    if name == "films.csv" and path.parent.name.casefold() == "likes":
        return LIKES
    raise ImportFormatError(
        f"{path} has the header of Letterboxd's watched.csv, watchlist.csv and "
        "likes/films.csv, and its name is none of them; say which it is with "
        "--as watched, --as watchlist or --as likes"
    )


def open_path(path: Path, user: str, as_: str | None = None) -> ImportSource:
    if as_ is not None and as_ not in AS_KINDS:
        raise ImportFormatError(f"--as must be one of {', '.join(AS_KINDS)} (got {as_!r})")
    if (path.is_dir() or zipfile.is_zipfile(path)) and as_ is not None:
        raise ImportFormatError(
            "--as names what a single Letterboxd CSV file is; a folder or .zip says "
            "it by its files' names: leave out --as"
        )
    if path.is_dir():
        inputs = _folder_inputs(path)
        where = f"Letterboxd export folder {path}"
    elif zipfile.is_zipfile(path):
        inputs = _zip_inputs(path)
        where = f"Letterboxd export {path}"
    else:
        single = CsvInput.from_path(path, limit=PERSONAL_FILE_MAX, what=WHAT)
        single.check_not_empty_or_binary()
        single.choose_encoding(("cp1252",))
        with single.reader() as reader:
            kind = kind_of(reader.read_header())
        if kind is None:
            raise ImportFormatError(f"{path} is not a Letterboxd export file")
        kind = _single_kind(path, kind, as_)
        inputs = {kind: single}
        where = f"Letterboxd {kind} {path}"
    if not inputs:
        raise ImportFormatError(
            f"{path} holds none of the Letterboxd files ({', '.join(FILES)}, {LIKES}, lists/)"
        )
    zipped = not path.is_dir() and zipfile.is_zipfile(path)
    for source in inputs.values():
        source.check_not_empty_or_binary()
        if not zipped:
            # Letterboxd writes its zips in UTF-8: a member is not unpacked a second
            # time to look for another encoding (a CSV saved again on Windows may be
            # cp1252, and is looked at whole first).
            source.choose_encoding(("cp1252",))
    total = sum(source.size for source in inputs.values())
    return ImportSource(
        format="letterboxd",
        description=where,
        items=lambda: _Items(inputs, user, total).run(),
        total_bytes=total,
    )


@dataclass(slots=True, kw_only=True)
class _Row:
    film_id: str
    key: MovieKey
    line: int
    rating: float | None
    review: str
    rewatch: bool | None
    tags: list[str]
    title: str
    watched: str | None
    when: str


class _Items:
    """The records of a whole export, file by file; each film once, before its first use."""

    def __init__(self, inputs: dict[str, CsvInput], user: str, total: int) -> None:
        self.inputs = inputs
        self.user = user
        self.total = total
        self.done = 0
        self.seen: set[MovieKey] = set()

    def run(self) -> Iterator[Item]:
        inputs = self.inputs
        # Reviews belong to diary entries (film and date) and to current ratings (film).
        entry_reviews: dict[tuple[MovieKey, str | None], str] = {}
        rating_reviews: dict[MovieKey, tuple[str, str]] = {}
        if "reviews.csv" in inputs:
            for item in _rows(inputs["reviews.csv"], "reviews.csv"):
                if isinstance(item, _Row) and item.review:
                    entry_reviews.setdefault((item.key, item.watched), item.review)
                    if item.key not in rating_reviews or rating_reviews[item.key][0] <= item.when:
                        rating_reviews[item.key] = (item.when, item.review)
        logged: set[tuple[MovieKey, str | None]] = set()
        for name in FILES:
            source = inputs.get(name)
            if source is None:
                continue
            ratings_here = name == "ratings.csv" or "ratings.csv" not in inputs
            for item in _rows(source, name):
                if not isinstance(item, _Row):
                    yield item
                    continue
                yield from self._movie(item)
                if item.rating is not None and ratings_here:
                    review = item.review or rating_reviews.get(item.key, ("", None))[1]
                    yield RatingRecord(
                        movie_key=item.key,
                        user=self.user,
                        score=item.rating,
                        rated_at=f"{item.when} 00:00:00.000000",
                        line=item.line,
                        review=review or None,
                    )
                for tag in item.tags:
                    yield TagRecord(
                        movie_key=item.key,
                        user=self.user,
                        tag=tag,
                        tagged_at=f"{item.when} 00:00:00.000000",
                        line=item.line,
                    )
                yield from self._diary(name, item, entry_reviews, logged)
            yield self._progress(source)
        if LIKES in inputs:
            yield from self._list(inputs[LIKES], LIKES)
        for name in sorted(k for k in inputs if k.startswith("lists/")):
            yield from self._list(inputs[name], name)

    def _progress(self, source: CsvInput) -> Progress:
        self.done += source.size
        return Progress(self.done, self.total)

    def _movie(self, item: _Row) -> Iterator[Item]:
        if item.key not in self.seen:
            self.seen.add(item.key)
            yield MovieRecord(
                key=item.key,
                line=item.line,
                title=item.title,
                year=item.key[1],
                external_ids={"letterboxd": item.film_id} if item.film_id else {},
            )

    def _diary(
        self,
        name: str,
        item: _Row,
        entry_reviews: dict[tuple[MovieKey, str | None], str],
        logged: set[tuple[MovieKey, str | None]],
    ) -> Iterator[Item]:
        if name == "diary.csv" or (
            name == "reviews.csv" and (item.key, item.watched) not in logged
        ):
            # reviews.csv repeats the diary's entries that have a review: one viewing each.
            logged.add((item.key, item.watched))
            yield ViewingRecord(
                movie_key=item.key,
                user=self.user,
                watched_on=item.watched,
                rewatch=item.rewatch,
                review=item.review or entry_reviews.get((item.key, item.watched)),
                created_at=f"{item.when} 00:00:00.000000",
                line=item.line,
                file=name,
            )
        elif name == "watched.csv":
            yield ViewingRecord(
                movie_key=item.key, user=self.user, watched_on=None, line=item.line, file=name
            )
        elif name == "watchlist.csv":
            yield WatchlistRecord(
                movie_key=item.key,
                user=self.user,
                added_at=f"{item.when} 00:00:00.000000",
                line=item.line,
                file=name,
            )

    def _list(self, source: CsvInput, name: str) -> Iterator[Item]:
        if name == LIKES:
            yield ListRecord(key=name, user=self.user, name=LIKES_LIST, line=1, file=name)
            for item in _rows(source, name):
                if not isinstance(item, _Row):
                    yield item
                    continue
                yield from self._movie(item)
                yield ListItemRecord(
                    list_key=name,
                    movie_key=item.key,
                    line=item.line,
                    added_at=f"{item.when} 00:00:00.000000",
                    file=name,
                )
        else:
            for entry in _list_rows(source, name, self.user):
                if isinstance(entry, tuple):
                    row, note = entry
                    yield from self._movie(row)
                    yield ListItemRecord(
                        list_key=name, movie_key=row.key, line=row.line, note=note, file=name
                    )
                else:
                    yield entry
        yield self._progress(source)


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


def _list_rows(
    source: CsvInput, kind: str, user: str
) -> Iterator[ListRecord | tuple[_Row, str | None] | Reject]:
    """A list file: its preamble (the list's own row), then its films in order."""
    what = "a Letterboxd list export"
    with source.reader() as reader:
        preamble = reader.read_header()
        if not preamble[0].casefold().startswith(LIST_PREAMBLE):
            raise ImportFormatError(
                f"{source.name} does not look like {what}: it does not start with "
                "'Letterboxd list export'"
            )
        rows = reader.rows()
        found = next(rows, None)
        if found is None:
            raise ImportFormatError(f"{source.name}: a list export without the list's header")
        index = column_index(
            found[1], required=LIST_COLUMNS, optional=LIST_OPTIONAL, name=source.name, what=what
        )
        found = next(rows, None)
        if found is None:
            raise ImportFormatError(f"{source.name}: a list export without the list's own row")
        line, cells = found
        try:
            list_name = check_name(cells[index["name"]], what="list name", limit=LIST_NAME_MAX)
            description = (
                check_note(cells[index["description"]], what="list description")
                if "description" in index and index["description"] < len(cells)
                else None
            )
            created = parse_day(cells[index["date"]], what="Date").isoformat()
        except (ValueError, IndexError) as error:
            raise ImportFormatError(f"{source.name}, line {line}: {error}") from None
        yield ListRecord(
            key=kind,
            user=user,
            name=list_name,
            description=description,
            created_at=f"{created} 00:00:00.000000",
            line=line,
            file=kind,
        )
        found = next(rows, None)
        if found is None:
            return  # an empty list
        header = found[1]
        items = column_index(
            header, required=ITEM_COLUMNS, optional=ITEM_OPTIONAL, name=source.name, what=what
        )
        ordered: list[tuple[int, _Row, str | None]] = []
        for line, cells in rows:
            if len(cells) != len(header):
                yield Reject(line, f"expected {len(header)} fields, found {len(cells)}", kind)
                continue
            try:
                position = cells[items["position"]].strip()
                if not position.isdigit():
                    raise ValueError(f"Position must be a whole number (got {position!r})")
                title, year = _title_and_year(cells[items["name"]], cells[items["year"]])
                note = (
                    check_note(cells[items["description"]], what="Description")
                    if "description" in items
                    else None
                )
            except ValueError as error:
                yield Reject(line, str(error), kind)
                continue
            row = _Row(
                key=(title_key(title), year),
                title=title,
                line=line,
                when="",
                watched=None,
                rating=None,
                rewatch=None,
                review="",
                tags=[],
                film_id="",
            )
            ordered.append((int(position), row, note))
    for _position, row, note in sorted(ordered, key=lambda entry: entry[0]):
        yield row, note


def _title_and_year(name: str, year_text: str) -> tuple[str, int | None]:
    title = check_title(" ".join(name.split()), what="Name")
    year_text = year_text.strip()
    if not year_text:
        return title, None
    if not year_text.isdigit() or not (YEAR_MIN <= int(year_text) <= YEAR_MAX):
        raise ValueError(f"Year must be {YEAR_MIN} to {YEAR_MAX} (got {year_text!r})")
    return title, int(year_text)


def _day(text: str, column: str) -> str:
    """A day of the export (Date, Watched Date): the rule typed dates follow too."""
    return parse_day(text, what=column).isoformat()


def _parse(row: list[str], index: dict[str, int], line: int, kind: str) -> _Row:
    title, year = _title_and_year(row[index["name"]], row[index["year"]])
    when = _day(row[index["date"]], "Date")
    watched = when
    if "watched" in index and row[index["watched"]].strip():
        watched = _day(row[index["watched"]], "Watched Date")
    rating: float | None = None
    if "rating" in index and (text := row[index["rating"]].strip()):
        rating = parse_score(text, what="Rating")
    rewatch = "rewatch" in index and parse_yes_no(row[index["rewatch"]], what="Rewatch")
    review = row[index["review"]].strip() if "review" in index else ""
    if review:
        review = check_text(review, what="Review", multiline=True)
    tags: list[str] = []
    if "tags" in index:
        for raw in row[index["tags"]].split(","):
            if not raw.strip():
                continue
            tag = check_text(" ".join(raw.split()), what="tag")
            if len(tag) <= TAG_MAX and tag not in tags:
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
        watched=watched,
        rating=rating,
        rewatch=rewatch,
        review=review,
        tags=tags,
        film_id=film_id,
    )
