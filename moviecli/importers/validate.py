"""Every imported record checked with the rules typed input follows (moviecli/rules.py),
whatever the format read it, before the loader writes it: text normalised (NFC, line
breaks) and refused when it holds control or invisible characters, limits and the
schema's CHECKs (roles, positions, lengths, half stars, dates) tested here so that a bad
row is rejected with its reason instead of failing the whole file in the database.

Each function normalises its record in place and raises ValueError saying why a record
cannot be imported. Formats may check more (and earlier); none may check less."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from moviecli.importers.records import (
    ListItemRecord,
    ListRecord,
    MovieRecord,
    RatingRecord,
    TagRecord,
    ViewingRecord,
    WatchlistRecord,
    canonical_time,
)
from moviecli.rules import (
    GENRE_MAX,
    LIST_NAME_MAX,
    MOMENT_SLACK_SECONDS,
    ROLES,
    RUNTIME_MAX,
    RUNTIME_MIN,
    TAG_MAX,
    TITLE_MAX,
    YEAR_MAX,
    YEAR_MIN,
    check_day,
    check_name,
    check_note,
    check_text,
    check_title,
    is_half_star,
    utcnow,
)

SOURCE_MAX = 16  # external_ids.source
EXTERNAL_ID_MAX = 64  # external_ids.value


class Moments:
    """The range a stored moment (canonical_time text) may fall in, fixed for one
    import: canonical times compare as text, so checking millions costs little."""

    def __init__(self) -> None:
        latest = utcnow() + timedelta(seconds=MOMENT_SLACK_SECONDS)
        self.earliest = f"{YEAR_MIN:04d}-01-01"
        self.latest = canonical_time(latest)

    def check(self, text: str | None, *, what: str) -> None:
        if text is None:
            return
        if text < self.earliest:
            raise ValueError(f"{what} must be in {YEAR_MIN} or later (got {text[:10]})")
        if text > self.latest:
            raise ValueError(f"{what} {text[:10]} is in the future")


def _optional_line(value: str | None, *, what: str) -> str | None:
    if value is None or not value.strip():
        return None
    value = check_text(" ".join(value.split()), what=what)
    if len(value) > TITLE_MAX:
        raise ValueError(f"{what} must be at most {TITLE_MAX} characters (got {len(value)})")
    return value


def movie(record: MovieRecord, moments: Moments) -> None:
    record.title = check_title(" ".join(record.title.split()))
    if record.year is not None and not (YEAR_MIN <= record.year <= YEAR_MAX):
        raise ValueError(f"year must be {YEAR_MIN} to {YEAR_MAX} (got {record.year})")
    runtime = record.runtime_minutes
    if runtime is not None and not (RUNTIME_MIN <= runtime <= RUNTIME_MAX):
        raise ValueError(f"runtime must be {RUNTIME_MIN} to {RUNTIME_MAX} minutes (got {runtime})")
    record.original_title = _optional_line(record.original_title, what="original title")
    record.director = _optional_line(record.director, what="director")
    record.genres = [genre_name(genre) for genre in record.genres]
    for source, value in [*record.external_ids.items(), *record.more_external_ids]:
        external_id(source, value)
    for role, _person, position in record.credits or []:
        if role not in ROLES:
            raise ValueError(f"role must be one of {', '.join(ROLES)} (got {role!r})")
        if position < 1:
            raise ValueError(f"a credit's position must be 1 or more (got {position})")
    moments.check(record.created_at, what="created_at")
    moments.check(record.updated_at, what="updated_at")


def genre_name(name: str) -> str:
    text = check_text(" ".join(name.split()), what="genre")
    if not text or len(text) > GENRE_MAX:
        raise ValueError(f"genre must be 1 to {GENRE_MAX} characters (got {name[:40]!r})")
    return text


def external_id(source: str, value: str) -> None:
    if not (1 <= len(source) <= SOURCE_MAX) or not (1 <= len(value) <= EXTERNAL_ID_MAX):
        raise ValueError(
            f"an external id must be a source of 1 to {SOURCE_MAX} characters and a value "
            f"of 1 to {EXTERNAL_ID_MAX} (got {source[:20]!r}: {value[:70]!r})"
        )
    check_text(source, what="external id source")
    check_text(value, what="external id")


def rating(record: RatingRecord, moments: Moments) -> None:
    if not is_half_star(record.score):
        raise ValueError(f"score must be 0.5 to 5 in half stars (got {record.score:g})")
    if record.review is not None:
        record.review = check_text(record.review.strip(), what="review", multiline=True) or None
    moments.check(record.rated_at, what="rated_at")


def tag(record: TagRecord, moments: Moments, known: dict[str, str]) -> None:
    """`known`: tags already checked (raw -> normalised): a MovieLens file repeats a few
    thousand tags a million times."""
    clean = known.get(record.tag)
    if clean is None:
        clean = check_name(record.tag, what="tag", limit=TAG_MAX)
        known[record.tag] = clean
    record.tag = clean
    moments.check(record.tagged_at, what="tagged_at")


def viewing(record: ViewingRecord, moments: Moments) -> None:
    if record.watched_on is not None:
        record.watched_on = check_day(
            date.fromisoformat(record.watched_on), what="watched on"
        ).isoformat()
    if record.review is not None:
        record.review = check_text(record.review.strip(), what="review", multiline=True) or None
    moments.check(record.created_at, what="created_at")


def watchlist_entry(record: WatchlistRecord, moments: Moments) -> None:
    record.note = check_note(record.note)
    moments.check(record.added_at, what="added_at")


def list_record(record: ListRecord, moments: Moments) -> None:
    record.name = check_name(record.name, what="list name", limit=LIST_NAME_MAX)
    record.description = check_note(record.description, what="list description")
    moments.check(record.created_at, what="created_at")


def list_item(record: ListItemRecord, moments: Moments) -> None:
    record.note = check_note(record.note)
    if record.position is not None and record.position < 1:
        raise ValueError(f"position must be 1 or more (got {record.position})")
    moments.check(record.added_at, what="added_at")


def record(item: object, moments: Moments, known_tags: dict[str, str] | None = None) -> None:
    """Any record, by its kind (`known_tags`: see `tag`); records of other kinds have
    nothing to check."""
    check = CHECKS.get(type(item))
    if check is not None:
        check(item, moments, {} if known_tags is None else known_tags)


def _tag(item: TagRecord, moments: Moments, known: dict[str, str]) -> None:
    tag(item, moments, known)


def _without_tags(check: Callable[[Any, Moments], None]) -> Check:
    return lambda item, moments, _known: check(item, moments)


Check = Callable[[Any, Moments, dict[str, str]], None]

CHECKS: dict[type, Check] = {
    MovieRecord: _without_tags(movie),
    RatingRecord: _without_tags(rating),
    TagRecord: _tag,
    ViewingRecord: _without_tags(viewing),
    WatchlistRecord: _without_tags(watchlist_entry),
    ListRecord: _without_tags(list_record),
    ListItemRecord: _without_tags(list_item),
}
