"""Which imported viewings are new: the de-duplication of a diary against the catalog's.

A viewing is (user, film, day); the k-th viewing of one film on one day in the file is
new when the catalog holds fewer than k of them. A timed viewing (a Trakt play) is its
moment, whatever day this computer's time zone puts it on. No SQL here: the loader
hands in the catalog's viewings and writes the new ones."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from moviecli.importers.records import canonical_time


@dataclass(slots=True)
class Viewing:
    """An imported viewing, its movie and user resolved to ids."""

    movie_id: int
    user_id: int
    watched_on: str | None
    rewatch: bool | None
    review: str | None
    created_at: str
    id: int | None
    timed: bool = False

    def row(self) -> tuple[int, int, str | None, bool, str | None, str]:
        return (
            self.movie_id,
            self.user_id,
            self.watched_on,
            bool(self.rewatch),
            self.review,
            self.created_at,
        )

    def values(self) -> dict[str, object]:
        return dict(
            zip(
                ("movie_id", "user_id", "watched_on", "rewatch", "review", "created_at"),
                self.row(),
                strict=True,
            )
        )


@dataclass
class NewViewings:
    """The outcome: the new viewings, how many were in the catalog already, and every
    (user, film) with a viewing afterwards (with the dated days)."""

    new: list[Viewing] = field(default_factory=list)
    unchanged: int = 0
    seen: dict[tuple[int, int], list[str]] = field(default_factory=dict)


def moment_text(stored: object) -> str:
    """A created_at as the driver gives it (text on SQLite, a datetime on PostgreSQL),
    as canonical_time() writes it."""
    if isinstance(stored, datetime):
        return canonical_time(stored)
    return str(stored)[:26]


def new_viewings(
    existing: list[tuple[int, int, int, Any, Any]],
    viewings: list[Viewing],
    *,
    undated_only_when_unseen: bool,
) -> NewViewings:
    """`existing`: (id, user_id, movie_id, watched_on, created_at) of the catalog's
    viewings of the users concerned. Undated imported viewings count last: from most
    formats (`undated_only_when_unseen`) they only count for films with no viewing at
    all. A new dated viewing with no rewatch mark of its own is a rewatch when the film
    was seen on or before its day."""
    result = NewViewings()
    held: dict[tuple[int, int, str | None], int] = {}
    dates = result.seen
    moments: dict[tuple[int, int, str], list[str | None]] = {}
    for _id, user_id, movie_id, watched_on, created_at in existing:
        day = None if watched_on is None else str(watched_on)[:10]
        held[(user_id, movie_id, day)] = held.get((user_id, movie_id, day), 0) + 1
        dates.setdefault((user_id, movie_id), [])
        if day is not None:
            dates[(user_id, movie_id)].append(day)
        moments.setdefault((user_id, movie_id, moment_text(created_at)), []).append(day)
    # First the timed viewings the catalog holds at their very moment: unchanged, and
    # their catalog rows are not matched again by day below.
    rest: list[Viewing] = []
    for viewing in viewings:
        same = moments.get((viewing.user_id, viewing.movie_id, viewing.created_at))
        if viewing.timed and same:
            day = same.pop()
            held[(viewing.user_id, viewing.movie_id, day)] -= 1
            result.unchanged += 1
        else:
            rest.append(viewing)
    ordered = sorted(rest, key=lambda v: (v.watched_on is None, v.watched_on or ""))
    counted: dict[tuple[int, int, str | None], int] = {}
    for viewing in ordered:
        film = (viewing.user_id, viewing.movie_id)
        key = (*film, viewing.watched_on)
        counted[key] = counted.get(key, 0) + 1
        if viewing.watched_on is None and undated_only_when_unseen:
            if film in dates:
                result.unchanged += 1
                continue
            dates[film] = []
        elif counted[key] <= held.get(key, 0):
            result.unchanged += 1
            continue
        elif viewing.watched_on is None:
            dates.setdefault(film, [])
        else:
            earlier = dates.setdefault(film, [])
            if viewing.rewatch is None:
                viewing.rewatch = any(day <= viewing.watched_on for day in earlier)
            earlier.append(viewing.watched_on)
        result.new.append(viewing)
    return result
