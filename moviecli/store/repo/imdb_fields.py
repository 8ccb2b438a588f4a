"""Which of a catalog film's fields came from IMDb's world (a later sync may update
them) and which the user set (never overwritten)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import and_, delete
from sqlmodel import col

from moviecli.models import MovieImdbField
from moviecli.store.repo._base import Repository

FIELDS = (
    "title",
    "year",
    "runtime_minutes",
    "original_title",
    "genres",
    "directors",
    "writers",
    "cast",
)


class ImdbFields(Repository):
    """Which of a film's fields are IMDb's (a sync may update them)."""

    def drop_marks(self, *, movie_id: int, fields: Iterable[str]) -> None:
        """The user set these fields (`edit`): they are the user's now, never the world's."""
        wanted = [f for f in fields if f in FIELDS]
        if wanted:
            self.session.execute(
                delete(MovieImdbField).where(
                    and_(
                        col(MovieImdbField.movie_id) == movie_id,
                        col(MovieImdbField.field).in_(wanted),
                    )
                )
            )
