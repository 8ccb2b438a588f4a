"""Members of a shared (PostgreSQL) catalog: who the caller is, what they may write, the
members themselves, privacy, and whose data a film holds.

The server enforces all of it (migration 0007: roles, row security, triggers, SECURITY
DEFINER functions); the checks here only turn a refusal into one readable line before
the database would give a cryptic one or, for a delete that row security filters
silently, none at all. On SQLite there are no members: the file is one person's."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from sqlalchemy import text

from moviecli.config import DatabaseLocation
from moviecli.errors import InvalidValueError, MoviecliError, NotFoundError
from moviecli.store.repo._base import Repository

PRIVACY_KINDS = ("diary", "reviews", "lists")
PRIVACY_LEVELS = ("public", "members", "private")
MEMBER_KINDS = ("member", "admin", "guest")


class NotAllowedError(MoviecliError):
    """The caller's role may not do this on a shared catalog."""


@dataclass(frozen=True)
class Member:
    name: str
    kind: str  # owner | admin | member | guest
    ratings: int
    viewings: int
    lists: int
    watchlist: int


class Members(Repository):
    """The members of a shared catalog and their privacy, over one session."""

    def is_shared(self) -> bool:
        return self.session.get_bind().dialect.name == "postgresql"

    def require_shared(self) -> None:
        """Members are a shared catalog's: refused on SQLite."""
        if not self.is_shared():
            raise MoviecliError(
                "members belong to a shared PostgreSQL catalog; an SQLite catalog is one "
                "person's file (see 'Sharing a catalog' in the README)"
            )

    def _who(self) -> tuple[str, bool, bool]:
        """(session_user, may act as an admin here, is a member or guest of the catalog)."""
        row = (
            self.session.connection()
            .execute(
                text(
                    "SELECT session_user::text, "
                    "pg_has_role(session_user, moviecli_role('admin'), 'MEMBER'), "
                    "pg_has_role(session_user, moviecli_role('member'), 'MEMBER') "
                    "OR pg_has_role(session_user, moviecli_role('guest'), 'MEMBER')"
                )
            )
            .one()
        )
        return str(row[0]), bool(row[1]), bool(row[2])

    def check_member(self) -> str:
        """The caller's role, refused unless it is a member, a guest or the owner."""
        me, _admin, member = self._who()
        if not member:
            raise NotAllowedError(
                f"the role '{me}' is not a member of this catalog; its owner or an admin can "
                f"add it with 'moviecli db members add {me}'"
            )
        return me

    def check_writer(self, name: str) -> None:
        """May the caller write as user `name`? Themself always; the owner and admins also
        users with no role here (a MovieLens crowd, seed's demo raters); nobody another
        member."""
        me, admin, member = self._who()
        if not member:
            self.check_member()
        if name == me:
            return
        is_member = (
            self.session.connection()
            .execute(text("SELECT moviecli_is_member_name(:n)"), {"n": name})
            .scalar_one()
        )
        if is_member:
            raise NotAllowedError(
                f"'{name}' is another member of this catalog: you write only as yourself "
                f"('{me}'); leave out --user and MOVIECLI_USER"
            )
        if not admin:
            raise NotAllowedError(
                f"you are logged in as '{me}': only the owner or an admin may write for "
                f"'{name}'; leave out --user and MOVIECLI_USER to write as yourself"
            )

    def require_admin(self) -> str:
        me, admin, _member = self._who()
        if not admin:
            raise NotAllowedError(
                f"only the owner or an admin of the catalog may manage its members (you are '{me}')"
            )
        return me

    def add_member(self, *, name: str, kind: str) -> None:
        self.require_admin()
        if kind not in MEMBER_KINDS:
            raise InvalidValueError(f"kind must be one of {', '.join(MEMBER_KINDS)}")
        self.session.connection().execute(
            text("SELECT moviecli_member_add(:n, :k)"), {"n": name, "k": kind}
        )

    def remove_member(self, *, name: str, keep_data: bool) -> bool:
        """Whether the login role itself was dropped (not when it owns things elsewhere)."""
        self.require_admin()
        if name not in {m.name for m in self.members()}:
            raise NotFoundError(f"no member named '{name}' in this catalog")
        return bool(
            self.session.connection()
            .execute(text("SELECT moviecli_member_remove(:n, :k)"), {"n": name, "k": keep_data})
            .scalar_one()
        )

    def members(self) -> list[Member]:
        self.require_admin()
        rows = self.session.connection().execute(text("SELECT * FROM moviecli_members()"))
        return [Member(str(r[0]), str(r[1]), *(int(v) for v in r[2:6])) for r in rows]

    def privacy_of(self, *, user_id: int | None) -> dict[str, str]:
        """The user's settings; 'members' for anything never set."""
        settings = dict.fromkeys(PRIVACY_KINDS, "members")
        if user_id is None:
            return settings
        row = (
            self.session.connection()
            .execute(
                text("SELECT diary, reviews, lists FROM privacy WHERE user_id = :u"), {"u": user_id}
            )
            .first()
        )
        if row is not None:
            settings.update(zip(PRIVACY_KINDS, (str(v) for v in row), strict=True))
        return settings

    def set_privacy(self, *, user_id: int, changes: dict[str, str]) -> dict[str, str]:
        for kind, level in changes.items():
            if kind not in PRIVACY_KINDS or level not in PRIVACY_LEVELS:
                raise InvalidValueError(f"{kind} must be one of {', '.join(PRIVACY_LEVELS)}")
        settings = self.privacy_of(user_id=user_id) | changes
        self.session.connection().execute(
            text(
                "INSERT INTO privacy (user_id, diary, reviews, lists) "
                "VALUES (:u, :diary, :reviews, :lists) ON CONFLICT (user_id) DO UPDATE SET "
                "diary = excluded.diary, reviews = excluded.reviews, lists = excluded.lists"
            ),
            {"u": user_id, **settings},
        )
        return settings

    def film_others(self, *, movie_id: int) -> tuple[int, list[str], bool]:
        """Whose data (besides the caller's) deleting the film takes with it: how many
        people, their names (for an admin only), and whether the caller may delete it."""
        if not self.is_shared():
            return 0, [], True
        _me, admin, _member = self._who()
        rows = [
            r[0]
            for r in self.session.connection().execute(
                text("SELECT name FROM moviecli_film_others(:m)"), {"m": movie_id}
            )
        ]
        return len(rows), [n for n in rows if n is not None], admin


@cache
def login_role(url: str, pguser: str | None) -> str:
    """The role a PostgreSQL URL logs in as (asked of the server: the URL, PGUSER, a
    service file or the OS login may name it). Cached per URL and PGUSER."""
    from moviecli.config import resolve_location
    from moviecli.store.engine import make_engine, translate_error

    location = resolve_location(url)
    engine = make_engine(location)
    try:
        with engine.connect() as conn:
            return str(conn.execute(text("SELECT session_user")).scalar_one())
    except MoviecliError:
        raise
    except Exception as error:
        raise translate_error(error, location) from None
    finally:
        engine.dispose()


def role_of(location: DatabaseLocation) -> str:
    import os

    return login_role(location.url, os.environ.get("PGUSER"))


# ---------------------------------------------------------------- members


# ---------------------------------------------------------------- privacy


# ---------------------------------------------------------------- films
