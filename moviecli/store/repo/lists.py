"""A user's named lists (unique per user, case-insensitively), in the order films were
added; "seen" counts the films the user has a viewing of."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ColumnElement, case, delete, func, update
from sqlmodel import col, select

from moviecli.errors import DuplicateError, NotFoundError
from moviecli.models import (
    ListDetail,
    ListEntry,
    ListItem,
    ListSummary,
    Movie,
    MovieList,
)
from moviecli.rules import text_key
from moviecli.store.repo._base import Repository
from moviecli.store.repo._select import select_wide
from moviecli.store.repo.users import Users


class Lists(Repository):
    """A user's lists of films and their entries."""

    def list_named(self, *, user_id: int, name: str) -> MovieList | None:
        """The user's list of that name (names match through name_key), if any."""
        return self.session.exec(
            select(MovieList).where(
                MovieList.user_id == user_id, MovieList.name_key == text_key(name)
            )
        ).first()

    def last_position(self, *, list_id: int) -> int:
        """The position of a list's last film (0 for an empty list)."""
        return self.session.exec(
            select(func.coalesce(func.max(ListItem.position), 0)).where(ListItem.list_id == list_id)
        ).one()

    def find_list(self, *, user: str, name: str) -> MovieList:
        """The user's list of that name (case-insensitively)."""
        user_id = Users(self.session).id_of(user)
        found = self.list_named(user_id=user_id, name=name) if user_id is not None else None
        if found is None:
            raise NotFoundError(f"{user} has no list named '{name}'")
        return found

    def create_list(
        self, *, user_id: int, name: str, description: str | None, ranked: bool
    ) -> ListSummary:
        key = text_key(name)
        clash = self.session.exec(
            select(MovieList.name).where(MovieList.user_id == user_id, MovieList.name_key == key)
        ).first()
        if clash is not None:
            raise DuplicateError(f"there is already a list named '{clash}'")
        self.session.add(
            MovieList(
                user_id=user_id, name=name, name_key=key, description=description, ranked=ranked
            )
        )
        self.session.flush()
        return ListSummary(name=name, description=description, ranked=ranked, count=0, seen=0)

    def summaries(self, *, user_id: int | None) -> list[ListSummary]:
        if user_id is None:
            return []
        seen = func.sum(case((_seen(user_id), 1), else_=0))
        rows = self.session.exec(
            select_wide(
                MovieList.name,
                MovieList.description,
                MovieList.ranked,
                func.count(col(ListItem.movie_id)),
                func.coalesce(seen, 0),
            )
            .outerjoin(ListItem, col(ListItem.list_id) == MovieList.id)
            .where(MovieList.user_id == user_id)
            .group_by(
                col(MovieList.id),
                col(MovieList.name),
                col(MovieList.description),
                col(MovieList.ranked),
                col(MovieList.name_key),
            )
            .order_by(col(MovieList.name_key), col(MovieList.id))
        )
        return [
            ListSummary(name=r[0], description=r[1], ranked=bool(r[2]), count=r[3], seen=int(r[4]))
            for r in rows
        ]

    def list_detail(self, *, movie_list: MovieList, user: str) -> ListDetail:
        rows = self.session.exec(
            select_wide(
                ListItem.position,
                Movie.id,
                Movie.title,
                Movie.year,
                ListItem.note,
                _seen(movie_list.user_id),
            )
            .join(Movie, col(Movie.id) == ListItem.movie_id)
            .where(ListItem.list_id == movie_list.id)
            .order_by(col(ListItem.position), col(ListItem.movie_id))
        )
        items = [
            ListEntry(
                position=r[0], movie_id=r[1], title=r[2], year=r[3], note=r[4], seen=bool(r[5])
            )
            for r in rows
        ]
        return ListDetail(
            name=movie_list.name,
            description=movie_list.description,
            ranked=movie_list.ranked,
            count=len(items),
            seen=sum(i.seen for i in items),
            user=user,
            items=items,
        )

    def add_to_list(
        self, *, movie_list: MovieList, movies: Sequence[Movie], note: str | None
    ) -> None:
        ids = [m.id for m in movies]
        already = set(
            self.session.exec(
                select(ListItem.movie_id).where(
                    ListItem.list_id == movie_list.id, col(ListItem.movie_id).in_(ids)
                )
            )
        )
        for movie in movies:
            if movie.id in already:
                raise DuplicateError(
                    f"'{movie.title} ({movie.year or '?'})' is already on '{movie_list.name}'"
                )
        assert movie_list.id is not None
        last = self.last_position(list_id=movie_list.id)
        for n, movie_id in enumerate(dict.fromkeys(ids), start=last + 1):
            assert movie_id is not None
            self.session.add(
                ListItem(list_id=movie_list.id, movie_id=movie_id, position=n, note=note)
            )
        self.session.flush()

    def remove_from_list(self, *, movie_list: MovieList, movies: Sequence[Movie]) -> None:
        """Remove films; the ones after each close up, so positions stay 1..n."""
        positions = dict(
            self.session.exec(
                select(ListItem.movie_id, ListItem.position).where(
                    ListItem.list_id == movie_list.id,
                    col(ListItem.movie_id).in_([m.id for m in movies]),
                )
            ).all()
        )
        for movie in movies:
            if movie.id not in positions:
                raise NotFoundError(
                    f"'{movie.title} ({movie.year or '?'})' is not on '{movie_list.name}'"
                )
        for movie_id, position in sorted(positions.items(), key=lambda kv: -kv[1]):
            self.session.exec(
                delete(ListItem).where(
                    col(ListItem.list_id) == movie_list.id, col(ListItem.movie_id) == movie_id
                )
            )
            self.session.exec(
                update(ListItem)
                .where(col(ListItem.list_id) == movie_list.id, col(ListItem.position) > position)
                .values(position=col(ListItem.position) - 1)
            )

    def delete_list(self, *, movie_list: MovieList, user: str) -> ListSummary:
        detail = self.list_detail(movie_list=movie_list, user=user)
        self.session.exec(delete(MovieList).where(col(MovieList.id) == movie_list.id))
        return ListSummary(
            **detail.model_dump(include={"name", "description", "ranked", "count", "seen"})
        )


def _seen(list_user: int) -> ColumnElement[bool]:
    from moviecli.store.repo.diary import seen_filter

    return seen_filter(ListItem.movie_id, list_user)
