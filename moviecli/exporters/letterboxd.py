"""A user's diary as Letterboxd's import CSV."""

from __future__ import annotations

from itertools import chain
from typing import IO, TYPE_CHECKING

from moviecli.rules import ten_from_score

if TYPE_CHECKING:
    from moviecli.store.catalog import UnitOfWork

LETTERBOXD_FIELDS = [
    "Title",
    "Year",
    "imdbID",
    "WatchedDate",
    "Rating10",
    "Rewatch",
    "Tags",
    "Review",
]


def write_letterboxd(uow: UnitOfWork, out: IO[str], *, user: str) -> int:
    """The user's diary as Letterboxd's import CSV: a row per viewing (undated ones are
    "watched"), then a row per film rated but never logged. Letterboxd keeps a rating
    and tags per entry; moviecli keeps one per film, so the film's latest viewing
    carries them. Returns the number of rows."""
    from moviecli.errors import NotFoundError

    owner = uow.users.id_of(user)
    if owner is None:
        raise NotFoundError(f"there is no user named {user!r} in this catalog")
    tags: dict[int, list[str]] = {}
    for movie_id, tag in uow.dump.stream(name="letterboxd_tags", user_id=owner):
        tags.setdefault(movie_id, []).append(tag)
    viewings = list(uow.dump.stream(name="letterboxd_viewings", user_id=owner))
    latest = {row[0]: index for index, row in enumerate(viewings)}
    from moviecli.render import CsvOut

    writer = CsvOut(out, LETTERBOXD_FIELDS, guard=False)  # for Letterboxd, not a spreadsheet
    count = 0
    rated = uow.dump.stream(name="letterboxd_rated", user_id=owner)
    for index, row in enumerate(chain(viewings, rated)):
        movie_id, title, year, imdb_id, watched_on, rewatch, review, score, rating_review = row
        last = index >= len(viewings) or latest[movie_id] == index
        writer.row(
            [
                title,
                year,
                imdb_id,
                None if watched_on is None else str(watched_on)[:10],
                ten_from_score(score) if last and score is not None else None,
                "true" if rewatch else "false",
                ", ".join(tags.get(movie_id, [])) if last else "",
                review or (rating_review if last and watched_on is None else "") or "",
            ]
        )
        count += 1
    return count
