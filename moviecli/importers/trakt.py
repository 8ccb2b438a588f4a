"""A Trakt export: the .zip or its unzipped folder of JSON files. Older exports put the
files in a `username/` folder inside; both are read.

    watched-history*.json   [{"watched_at", "type": "movie"|"episode", "movie": {...}}]
    ratings-movies.json     [{"rated_at", "rating": 1-10, "movie": {...}}]
    lists-watchlist.json    [{"listed_at", "notes", "type", "movie": {...}}]
    lists-lists.json        [{"name", "description", "ids": {"slug"}}]  (the lists' names)
    lists-<slug>.json       [{"rank", "listed_at", "notes", "type", "movie": {...}}]

A movie is {"title", "year", "ids": {"trakt", "slug", "imdb", "tmdb"}}: matched by its
IMDb or TMDB id, else by title and year, and added when the catalog lacks it. Each play
in the history is a viewing on the day it was watched, in this computer's time zone
(as `watch` takes today); a film played before is a rewatch. Ratings 1-10 are halved.
Shows, seasons and episodes are skipped and counted. Rows are numbered by their place
in their file ("line 3" is the third entry)."""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import IO, Any

from moviecli.errors import ImportFormatError
from moviecli.importers.guard import (
    check_file_size,
    check_member,
    json_entries,
    open_file,
    open_member,
    zip_members,
)
from moviecli.importers.records import (
    ImportSource,
    Item,
    ListItemRecord,
    ListRecord,
    MovieRecord,
    Progress,
    RatingRecord,
    Reject,
    Skip,
    ViewingRecord,
    WatchlistRecord,
    canonical_time,
)
from moviecli.rules import (
    LIST_NAME_MAX,
    PERSONAL_FILE_MAX,
    TITLE_MAX,
    YEAR_MAX,
    YEAR_MIN,
    check_day,
    check_moment,
    check_name,
    check_note,
    check_title,
    from_iso,
    score_from_ten,
)

HISTORY = re.compile(r"^watched-history(-\d+)?\.json$")
RATINGS = "ratings-movies.json"
WATCHLIST = "lists-watchlist.json"
LIST_NAMES = "lists-lists.json"
LIST = re.compile(r"^lists-(.+)\.json$")
# lists-*.json files that are not lists of films.
NOT_LISTS = {WATCHLIST, LIST_NAMES, "lists-likes.json", "lists-collaborations.json"}
_IMDB = re.compile(r"^tt\d{7,10}$")
NOT_MOVIES = "shows, seasons and episodes"
WHAT = "Trakt export"


class _File:
    def __init__(self, name: str, open_binary: Callable[[], IO[bytes]], size: int) -> None:
        self.name = name
        self.open_binary = open_binary
        self.size = size

    def entries(self) -> Iterator[Any]:
        """The file's entries one at a time: a history of any length is never held."""
        with self.open_binary() as f:
            yield from json_entries(f, self.name)


def is_trakt_name(name: str) -> bool:
    return bool(HISTORY.match(name)) or name in (RATINGS, WATCHLIST)


def _ours(parts: tuple[str, ...]) -> bool:
    """A file of the export: at the top, or in the older exports' `username/` folder."""
    return 1 <= len(parts) <= 2 and parts[-1].endswith(".json")


def _folder_files(path: Path) -> Iterator[Path]:
    """The .json files at the top of the folder and one folder down, and no deeper (a
    folder nested a thousand deep is not walked)."""
    for child in sorted(path.iterdir()):
        if child.is_dir():
            for item in sorted(child.iterdir()):
                if item.suffix == ".json" and item.is_file():
                    yield item
        elif child.suffix == ".json" and child.is_file():
            yield child


def find_files(path: Path) -> dict[str, _File]:
    """The export's JSON files by name, none of them read yet; a file past
    rules.PERSONAL_FILE_MAX (or an encrypted or bomb-like zip member) is refused."""
    found: dict[str, _File] = {}
    if path.is_dir():
        for item in _folder_files(path):
            name = item.name
            if name in found:
                continue
            found[name] = _on_disk(item)
        return found
    for member in sorted(zip_members(path), key=lambda i: i.filename):
        parts = PurePosixPath(member.filename.strip("/")).parts
        if member.is_dir() or not _ours(parts) or parts[-1] in found:
            continue
        check_member(path, member, limit=PERSONAL_FILE_MAX, what=WHAT)
        found[parts[-1]] = _in_zip(path, member)
    return found


def _on_disk(item: Path) -> _File:
    info = item.stat()
    check_file_size(item, info.st_size, limit=PERSONAL_FILE_MAX, what=WHAT)
    return _File(str(item), lambda: open_file(item, info), info.st_size)


def _in_zip(path: Path, member: zipfile.ZipInfo) -> _File:
    return _File(f"{path}:{member.filename}", lambda: open_member(path, member), member.file_size)


def open_path(path: Path, user: str) -> ImportSource:
    files = find_files(path)
    if not any(is_trakt_name(name) for name in files):
        raise ImportFormatError(
            f"{path} holds none of a Trakt export's files "
            f"(watched-history.json, {RATINGS}, {WATCHLIST})"
        )
    total = sum(f.size for f in files.values())
    return ImportSource(
        format="trakt",
        description=f"Trakt export {path}",
        items=lambda: _items(files, user, total),
        total_bytes=total,
    )


def _items(files: dict[str, _File], user: str, total: int) -> Iterator[Item]:
    seen: set[object] = set()
    done = 0

    def movie(entry: Any, line: int) -> Iterator[Item]:
        record = _movie(entry, line)
        if record.key not in seen:
            seen.add(record.key)
            yield record

    def each(name: str) -> Iterator[tuple[int, dict[str, Any]]]:
        nonlocal done
        for line, entry in enumerate(files[name].entries(), start=1):
            if not isinstance(entry, dict):
                yield line, {}
            else:
                yield line, entry
        done += files[name].size

    for name in sorted(n for n in files if HISTORY.match(n)):
        for line, entry in each(name):
            try:
                if entry.get("type") != "movie":
                    yield (
                        Skip(NOT_MOVIES)
                        if entry.get("type")
                        else Reject(line, "not a movie entry", name)
                    )
                    continue
                watched_at = _moment(entry.get("watched_at"), what="watched_at")
                # The day is this computer's (as `watch` takes today); the moment, in
                # UTC, is what identifies the play (see ViewingRecord.timed).
                day = check_day(watched_at.astimezone().date(), what="watched_at")
                yield from movie(entry, line)
                yield ViewingRecord(
                    movie_key=_movie_key(entry),
                    user=user,
                    watched_on=day.isoformat(),
                    created_at=canonical_time(watched_at),
                    timed=True,
                    line=line,
                    file=name,
                )
            except (ValueError, TypeError, KeyError) as error:
                yield Reject(line, _reason(error), name)
        yield Progress(done, total)
    if RATINGS in files:
        for line, entry in each(RATINGS):
            if entry.get("type", "movie") != "movie":
                yield Skip(NOT_MOVIES)
                continue
            try:
                rating = entry.get("rating")
                if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 10:
                    raise ValueError(f"rating must be a whole number from 1 to 10 (got {rating!r})")
                yield from movie(entry, line)
                yield RatingRecord(
                    movie_key=_movie_key(entry),
                    user=user,
                    score=score_from_ten(rating),
                    rated_at=canonical_time(_moment(entry.get("rated_at"), what="rated_at")),
                    line=line,
                )
            except (ValueError, TypeError, KeyError) as error:
                yield Reject(line, _reason(error), RATINGS)
        yield Progress(done, total)
    if WATCHLIST in files:
        for line, entry in each(WATCHLIST):
            yield from _listed(entry, line, WATCHLIST, user, None, movie)
        yield Progress(done, total)
    names = _list_names(files)
    slugs = {n: m[1] for n in files if (m := LIST.match(n)) and n not in NOT_LISTS}
    for name in sorted(slugs):
        slug = slugs[name]
        title, description = names.get(slug, (slug, None))
        try:
            title = check_name(title, what="list name", limit=LIST_NAME_MAX)
            description = check_note(description, what="list description")
        except ValueError as error:
            yield Reject(1, _reason(error), name)
            continue
        yield ListRecord(
            key=slug, user=user, name=title, description=description, line=1, file=name
        )
        entries = sorted(each(name), key=lambda item: (_rank(item[1]), item[0]))
        for line, entry in entries:
            yield from _listed(entry, line, name, user, slug, movie)
        yield Progress(done, total)


def _rank(entry: dict[str, Any]) -> int:
    rank = entry.get("rank")
    return rank if isinstance(rank, int) and not isinstance(rank, bool) else 1 << 30


def _list_names(files: dict[str, _File]) -> dict[str, tuple[str, str | None]]:
    if LIST_NAMES not in files:
        return {}
    names: dict[str, tuple[str, str | None]] = {}
    for entry in files[LIST_NAMES].entries():
        if isinstance(entry, dict) and isinstance(entry.get("ids"), dict):
            slug = entry["ids"].get("slug")
            if isinstance(slug, str) and isinstance(entry.get("name"), str):
                description = entry.get("description")
                names[slug] = (entry["name"], description if isinstance(description, str) else None)
    return names


def _listed(
    entry: dict[str, Any],
    line: int,
    name: str,
    user: str,
    list_key: str | None,
    movie: Callable[[Any, int], Iterator[Item]],
) -> Iterator[Item]:
    try:
        if entry.get("type") != "movie":
            yield Skip(NOT_MOVIES) if entry.get("type") else Reject(line, "not a movie entry", name)
            return
        notes = entry.get("notes")
        note = check_note(notes if isinstance(notes, str) else None, what="notes")
        added_at = canonical_time(_moment(entry.get("listed_at"), what="listed_at"))
        yield from movie(entry, line)
    except (ValueError, TypeError, KeyError) as error:
        yield Reject(line, _reason(error), name)
        return
    if list_key is None:
        yield WatchlistRecord(
            movie_key=_movie_key(entry),
            user=user,
            added_at=added_at,
            note=note,
            line=line,
            file=name,
        )
    else:
        yield ListItemRecord(
            list_key=list_key,
            movie_key=_movie_key(entry),
            note=note,
            added_at=added_at,
            line=line,
            file=name,
        )


def _reason(error: Exception) -> str:
    return str(error) if isinstance(error, ValueError) else f"unexpected entry ({error!r})"


def _moment(text: Any, *, what: str) -> datetime:
    if not isinstance(text, str):
        raise ValueError(f"a time is missing (got {text!r})")
    try:
        moment = from_iso(text)
    except ValueError:
        raise ValueError(f"not a time: {text!r}") from None
    if moment.tzinfo is None:
        raise ValueError(f"a time without its zone: {text!r}")
    return check_moment(moment, what=what)


def _movie_key(entry: dict[str, Any]) -> object:
    film = entry["movie"]
    ids = film.get("ids") or {}
    if ids.get("trakt") is not None:
        return ("trakt", str(ids["trakt"]))
    return ("title", film.get("title"), film.get("year"))


def _movie(entry: dict[str, Any], line: int) -> MovieRecord:
    film = entry.get("movie")
    if not isinstance(film, dict):
        raise ValueError("an entry of type movie without its movie")
    raw_title = film.get("title")
    if not isinstance(raw_title, str):
        raise ValueError("a movie without a title")
    title = check_title(" ".join(raw_title.split()))
    if len(title) > TITLE_MAX:
        raise ValueError(f"title is longer than {TITLE_MAX} characters")
    year = film.get("year")
    if year is not None and (
        isinstance(year, bool) or not isinstance(year, int) or not YEAR_MIN <= year <= YEAR_MAX
    ):
        raise ValueError(f"year must be {YEAR_MIN} to {YEAR_MAX} (got {year!r})")
    ids = film.get("ids")
    if not isinstance(ids, dict):
        ids = {}
    external: dict[str, str] = {}
    if isinstance(ids.get("imdb"), str) and _IMDB.match(ids["imdb"]):
        external["imdb"] = ids["imdb"]
    tmdb = ids.get("tmdb")
    if isinstance(tmdb, int) and not isinstance(tmdb, bool) and tmdb > 0:
        external["tmdb"] = str(tmdb)
    return MovieRecord(
        key=_movie_key(entry), line=line, title=title, year=year, external_ids=external
    )
