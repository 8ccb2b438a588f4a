"""Who may load a shared (PostgreSQL) catalog's world, who owns it, and who reads it.

A catalog with members (migration 0007: the groups NAME_member, NAME_admin, NAME_guest)
is synced by its owner or an admin; a plain member or guest is refused before anything
is loaded. The world's schema and tables are created as the admin group (0009 lets it
create schemas in the database), so any admin, the owner included, can replace a world
another one loaded; members and guests get USAGE and SELECT on it (admins through the
member group), nobody else. A catalog without the groups (an older revision) gets the
world as its syncing role makes it, as before."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from moviecli.store.members import NotAllowedError


@dataclass(frozen=True)
class WorldGroups:
    member: str
    admin: str
    guest: str
    admin_creates: bool  # the admin group may create schemas (0009 could grant it)


def world_groups(conn: Any) -> WorldGroups | None:
    """The catalog's groups, or None when it has none; refuses a caller who is not the
    owner or an admin. `conn`: a psycopg connection on the catalog's database."""
    found = conn.execute("SELECT to_regprocedure('moviecli_role(text)') IS NOT NULL").fetchone()
    if not found[0]:
        return None
    member, admin, guest, me, is_admin, creates, may_create = conn.execute(
        "SELECT moviecli_role('member'), moviecli_role('admin'), moviecli_role('guest'), "
        "session_user::text, pg_has_role(session_user, moviecli_role('admin'), 'MEMBER'), "
        "has_database_privilege(moviecli_role('admin'), current_database(), 'CREATE'), "
        "has_database_privilege(current_database(), 'CREATE')"
    ).fetchone()
    if not is_admin:
        raise NotAllowedError(
            f"only the owner or an admin of the catalog may sync its world (you are '{me}')"
        )
    if not creates and not may_create:
        raise NotAllowedError(
            f"'{me}' may not create the world's schema in this database: its owner can run "
            f'GRANT CREATE ON DATABASE "{_database(conn)}" TO "{admin}" (or upgrade the '
            "catalog as the database's owner)"
        )
    return WorldGroups(member, admin, guest, bool(creates))


def _database(conn: Any) -> str:
    return str(conn.execute("SELECT current_database()").fetchone()[0])


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def create_as(groups: WorldGroups | None) -> str | None:
    """SET ROLE statement under which the new world is created (None: as the caller)."""
    if groups is None or not groups.admin_creates:
        return None
    return f"SET ROLE {quote(groups.admin)}"


def grant_reading(groups: WorldGroups | None, schema: str) -> list[str]:
    """Members and guests read the world (admins and the owner through the member
    group); without groups the syncing role keeps it to itself, as any table it makes."""
    if groups is None:
        return []
    readers = f"{quote(groups.member)}, {quote(groups.guest)}"
    return [
        f"GRANT USAGE ON SCHEMA {schema} TO {readers}",
        f"GRANT SELECT ON ALL TABLES IN SCHEMA {schema} TO {readers}",
    ]
