"""The IMDb world on a shared PostgreSQL catalog: members and guests read it, members
bring its films into the catalog, only the owner and admins sync it (as members of the
admin group, so any of them can replace a world another one loaded)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from tests.checks import refused
from tests.conftest import PgServer, json_out
from tests.members_support import Shared
from tests.world_support import heat_world


@pytest.fixture
def shared(pg_server: PgServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[Shared]:
    """A catalog owned by its own (non-superuser) role, at head, with Heat (1995) in it."""
    monkeypatch.delenv("MOVIECLI_USER", raising=False)
    catalog = Shared(pg_server, f"w{pg_server.new_name()}")
    catalog.create()
    try:
        result = catalog.run(catalog.owner, "db", "upgrade")
        assert result.exit_code == 0, result.output
        added = catalog.run(catalog.owner, "add", "Heat", "--year", "1995")
        assert added.exit_code == 0, added.output
        yield catalog
    finally:
        catalog.drop()


def _sync(shared: Shared, role: str, folder: Path) -> None:
    result = shared.run(role, "imdb", "sync", "--from", str(folder))
    assert result.exit_code == 0, result.output


def test_members_and_guests_read_the_world_the_owner_synced(
    shared: Shared, world_tiny: Path
) -> None:
    alice = shared.add_member("alice")
    dave = shared.add_member("dave", "--guest")
    _sync(shared, shared.owner, world_tiny)
    films = shared.rows(shared.owner, "SELECT count(*) FROM imdb.titles")[0][0]
    assert films > 0
    # The admin group owns the world's schema and tables (any admin may replace them).
    owners = shared.rows(
        shared.owner,
        "SELECT DISTINCT pg_get_userbyid(c.relowner) FROM pg_class c "
        "JOIN pg_namespace s ON s.oid = c.relnamespace WHERE s.nspname = 'imdb' "
        "UNION SELECT pg_get_userbyid(nspowner) FROM pg_namespace WHERE nspname = 'imdb'",
    )
    assert owners == [(f"{shared.database}_admin",)]
    for who in (alice, dave):
        assert shared.rows(who, "SELECT count(*) FROM imdb.titles")[0][0] == films
        assert shared.rows(who, "SELECT count(*) FROM imdb.principals")[0][0] > 0
        status = json_out(shared.run(who, "imdb", "status", "-f", "json"))
        assert status["counts"]["films"] == films
    # A role of the server that is not in the catalog reads nothing of it.
    stranger = shared.role("stranger")
    shared.pg.execute(f"CREATE ROLE {stranger} LOGIN")
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        shared.rows(stranger, "SELECT count(*) FROM imdb.titles")


def test_a_member_finds_shows_and_rates_a_world_film(shared: Shared, tmp_path: Path) -> None:
    alice = shared.add_member("alice")
    dave = shared.add_member("dave", "--guest")
    _sync(shared, shared.owner, heat_world(tmp_path / "w"))
    for who in (alice, dave):
        found = json_out(shared.run(who, "find", "amelie", "-f", "json"))
        assert [row["imdb_id"] for row in found][:1] == ["tt0211915"]
        shown = json_out(shared.run(who, "show", "tt0211915", "-f", "json"))
        assert (shown["imdb_id"], shown["title"]) == ("tt0211915", "Amélie")
    # `rate tt…` brings the film into the catalog as the member: the film, its people,
    # their nm ids and the fields the world filled, all written under alice's rights.
    rated = shared.run(alice, "rate", "tt0211915", "4.5")
    assert rated.exit_code == 0, rated.output
    ((movie_id,),) = shared.rows(
        shared.owner, "SELECT movie_id FROM external_ids WHERE value = 'tt0211915'"
    )
    detail = json_out(shared.run(alice, "show", str(movie_id), "-f", "json"))
    assert (detail["title"], detail["year"], detail["director"]) == (
        "Amélie",
        2001,
        "Jean-Pierre Jeunet",
    )
    assert shared.rows(
        shared.owner,
        "SELECT u.name, r.score FROM ratings r JOIN users u ON u.id = r.user_id "
        "WHERE r.movie_id = %s",
        movie_id,
    ) == [(alice, 4.5)]
    assert shared.rows(
        shared.owner, "SELECT count(*) FROM person_imdb_ids WHERE imdb_id = 466"
    ) == [(1,)]
    marks = shared.rows(
        alice, "SELECT count(*) FROM movie_imdb_fields WHERE movie_id = %s", movie_id
    )
    assert marks[0][0] >= 5
    # The guest reads the links and writes none of them; a guest's `rate tt…` is refused.
    assert shared.rows(dave, "SELECT count(*) FROM person_imdb_ids")[0][0] > 0
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        shared.rows(dave, "DELETE FROM movie_imdb_fields")
    refused(shared.run(dave, "rate", "tt0093164", "3"))
    assert not shared.rows(shared.owner, "SELECT 1 FROM external_ids WHERE value = 'tt0093164'")
    # The member's edit makes the field the user's: the world's mark goes.
    edited = shared.run(alice, "edit", str(movie_id), "--runtime", "121")
    assert edited.exit_code == 0, edited.output
    assert not shared.rows(
        shared.owner,
        "SELECT 1 FROM movie_imdb_fields WHERE movie_id = %s AND field = 'runtime_minutes'",
        movie_id,
    )


def test_only_the_owner_and_admins_sync(shared: Shared, tmp_path: Path) -> None:
    alice = shared.add_member("alice")
    carol = shared.add_member("carol", "--admin")
    dave = shared.add_member("dave", "--guest")
    folder = heat_world(tmp_path / "w")
    _sync(shared, shared.owner, folder)
    before = shared.rows(shared.owner, "SELECT value FROM imdb.meta WHERE key = 'synced_at'")
    for who in (alice, dave):
        line = refused(shared.run(who, "imdb", "sync", "--from", str(folder)))
        assert "owner or an admin" in line
    assert shared.rows(shared.owner, "SELECT value FROM imdb.meta WHERE key = 'synced_at'") == (
        before
    )
    assert not shared.rows(shared.owner, "SELECT 1 FROM pg_namespace WHERE nspname = 'imdb_new'")
    # An admin replaces the owner's world, links the catalog's films under row security,
    # and the owner can replace the admin's world again.
    _sync(shared, carol, folder)
    heat = shared.rows(
        shared.owner,
        "SELECT m.id FROM movies m JOIN external_ids e ON e.movie_id = m.id "
        "WHERE e.source = 'imdb' AND e.value = 'tt0113277'",
    )
    assert len(heat) == 1
    detail = json_out(shared.run(alice, "show", str(heat[0][0]), "-f", "json"))
    assert detail["director"] == "Michael Mann"
    assert detail["runtime_minutes"] == 170
    _sync(shared, shared.owner, folder)
    assert shared.rows(alice, "SELECT count(*) FROM imdb.titles")[0][0] > 0
    # Where the admins may not create schemas (the upgrade could not grant it), an admin
    # is told what to grant; the owner, who may, still syncs.
    with shared.sql(shared.owner) as sql:
        sql.execute(f"REVOKE CREATE ON DATABASE {shared.database} FROM {shared.database}_admin")
    line = refused(shared.run(carol, "imdb", "sync", "--from", str(folder)))
    assert "GRANT CREATE ON DATABASE" in line
    _sync(shared, shared.owner, folder)
    assert shared.rows(dave, "SELECT count(*) FROM imdb.titles")[0][0] > 0
