"""Users by name: the one place a user's name becomes a row of `users`.

Every lookup of a user by name goes through `Users` (commands through their unit of
work's `uow.users`, repositories through `Users(session)`), and only `resolve` on a
writing unit of work creates one: the first rating, viewing, list or tag of a new name
makes its user. A reader asks `id_of` and gets None for a name the catalog does not know
(it reads as a user with nothing yet)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlmodel import Session, col, select

from moviecli.errors import MoviecliError, NotFoundError
from moviecli.models import User


@dataclass(frozen=True)
class Account:
    """A stored user: its id is known (no `assert user.id is not None` at the callers)."""

    id: int
    name: str


class Users:
    """The users repository over one session; `writes`: the command may create users."""

    def __init__(self, session: Session, *, writes: bool = False) -> None:
        self._session = session
        self._writes = writes

    def find(self, name: str) -> Account | None:
        """The user of that name, or None."""
        row = self._session.exec(select(User.id, User.name).where(User.name == name)).first()
        if row is None or row[0] is None:
            return None
        return Account(row[0], row[1])

    def id_of(self, name: str) -> int | None:
        found = self.find(name)
        return None if found is None else found.id

    def resolve(self, name: str) -> Account:
        """The user of that name, created when missing: only a writing command may."""
        found = self.find(name)
        if found is not None:
            return found
        if not self._writes:
            raise MoviecliError(f"cannot create the user '{name}' in a read-only command")
        user = User(name=name)
        self._session.add(user)
        self._session.flush()
        assert user.id is not None  # flushed: the database gave it its id
        return Account(user.id, user.name)

    def require(self, names: Sequence[str]) -> list[Account]:
        """Each named user, in the order given; a name the catalog lacks is refused."""
        rows = self._session.exec(select(User.name, User.id).where(col(User.name).in_(list(names))))
        found = {name: user_id for name, user_id in rows if user_id is not None}
        missing = [n for n in names if n not in found]
        if missing:
            raise NotFoundError(f"no user named '{missing[0]}' in this catalog")
        return [Account(found[n], n) for n in names]

    def ids_by_name(self) -> dict[str, int]:
        """Every user, name -> id (an import's map of the users it may meet)."""
        rows = self._session.exec(select(User.name, User.id))
        return {name: user_id for name, user_id in rows if user_id is not None}
