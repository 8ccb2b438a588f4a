"""Members of a shared PostgreSQL catalog: the database decides who may touch what.

Every attack is tried twice where it can be: through moviecli (one `Error:` line, the
catalog unchanged) and through plain SQL as the member's own role (refused by the
server, or changing nothing because row security hides the rows)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

from tests.checks import refused
from tests.conftest import PgServer, json_out
from tests.members_support import Shared


@pytest.fixture
def shared(pg_server: PgServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[Shared]:
    """A catalog owned by its own (non-superuser) role, migrated by it, with Heat and
    Alien in it; no MOVIECLI_USER: each member is the role it logs in as."""
    monkeypatch.delenv("MOVIECLI_USER", raising=False)
    catalog = Shared(pg_server, f"m{pg_server.new_name()}")
    catalog.create()
    try:
        result = catalog.run(catalog.owner, "db", "upgrade")
        assert result.exit_code == 0, result.output
        for title, year in (("Heat", "1995"), ("Alien", "1979"), ("Solaris", "1972")):
            added = catalog.run(catalog.owner, "add", title, "--year", year)
            assert added.exit_code == 0, added.output
        yield catalog
    finally:
        catalog.drop()


@pytest.fixture
def two(shared: Shared) -> tuple[Shared, str, str]:
    """alice and bob, members, each with a rating, a diary entry, a list and a tag."""
    alice = shared.add_member("alice")
    bob = shared.add_member("bob")
    for who, score in ((alice, "4.5"), (bob, "3")):
        for args in (
            ("rate", "Heat", score, "--review", f"{who} liked it"),
            ("watch", "Heat", "--on", "2026-01-02", "--review", "seen"),
            ("lists", "create", "faves", "--description", f"{who}'s private thoughts"),
            ("lists", "add", "faves", "Heat"),
            ("watchlist", "add", "Alien"),
            ("tag", "Heat", "heist"),
        ):
            result = shared.run(who, *args)
            assert result.exit_code == 0, (args, result.output)
    return shared, alice, bob


def _entry_id(shared: Shared, who: str) -> int:
    return int(
        shared.rows(
            shared.owner,
            "SELECT v.id FROM viewings v JOIN users u ON u.id = v.user_id WHERE u.name = %s",
            who,
        )[0][0]
    )


# --- members: add, list, remove -----------------------------------------------------------


def test_the_owner_adds_lists_and_removes_members(shared: Shared) -> None:
    alice = shared.add_member("alice")
    carol = shared.add_member("carol", "--admin")
    dave = shared.add_member("dave", "--guest")
    assert shared.run(alice, "rate", "Heat", "4").exit_code == 0
    listed = json_out(shared.run(shared.owner, "db", "members", "-f", "json"))
    assert [(m["name"], m["role"], m["ratings"]) for m in listed] == sorted(
        [(shared.owner, "owner", 0), (alice, "member", 1), (carol, "admin", 0), (dave, "guest", 0)]
    )
    # The role is a plain login role: no password was set or printed.
    assert shared.rows(
        "postgres",
        "SELECT rolcanlogin, rolpassword IS NULL FROM pg_authid WHERE rolname = %s",
        alice,
    ) == [(True, True)]
    added = shared.run(shared.owner, "db", "members", "add", shared.role("erin"))
    assert "password" in added.stderr and added.stdout == ""
    # An admin manages members too; a member does not.
    assert shared.run(carol, "db", "members", "remove", shared.role("erin")).exit_code == 0
    line = refused(shared.run(alice, "db", "members"))
    assert "only the owner or an admin" in line
    refused(shared.run(alice, "db", "members", "add", shared.role("mallory")))
    assert not shared.rows(
        shared.owner, "SELECT 1 FROM pg_roles WHERE rolname = %s", shared.role("mallory")
    )
    # Removing a member drops the role and, without --keep-data, their ratings.
    removed = shared.run(shared.owner, "db", "members", "remove", alice)
    assert removed.exit_code == 0, removed.output
    assert not shared.rows(shared.owner, "SELECT 1 FROM pg_roles WHERE rolname = %s", alice)
    assert shared.rows(shared.owner, "SELECT rating_count FROM movies WHERE title = 'Heat'") == [
        (0,)
    ]
    refused(shared.run(shared.owner, "db", "members", "remove", alice))
    refused(shared.run(shared.owner, "db", "members", "remove", shared.owner))


def test_remove_keep_data_keeps_the_rows_as_a_user_with_no_role(
    two: tuple[Shared, str, str],
) -> None:
    shared, alice, _bob = two
    before = shared.dump()
    assert shared.run(shared.owner, "db", "members", "remove", alice, "--keep-data").exit_code == 0
    assert shared.dump() == before
    # alice's rows now belong to a user with no role: the owner may write for them.
    assert shared.run(shared.owner, "unrate", "Heat", "--user", alice).exit_code == 0


def test_members_need_a_shared_catalog(tmp_path: Any) -> None:
    from typer.testing import CliRunner

    from moviecli.cli import app

    path = str(tmp_path / "m.db")
    assert CliRunner().invoke(app, ["--db", path, "db", "upgrade"]).exit_code == 0
    result = CliRunner().invoke(app, ["--db", path, "db", "members"])
    assert "shared PostgreSQL catalog" in refused(result)
    # privacy is stored on SQLite, and changes nothing there (one person's file).
    stored = CliRunner().invoke(app, ["--db", path, "privacy", "--diary", "private", "-f", "json"])
    assert stored.exit_code == 0, stored.output
    assert json_out(stored) == {
        "user": "tester",
        "diary": "private",
        "reviews": "members",
        "lists": "members",
    }


# --- identity: a member writes only as themself --------------------------------------------


def test_a_member_cannot_write_as_another_through_moviecli(two: tuple[Shared, str, str]) -> None:
    shared, alice, bob = two
    before = shared.dump()
    entry = _entry_id(shared, alice)
    for args in (
        ("rate", "Heat", "0.5", "--user", alice),
        ("unrate", "Heat", "--user", alice),
        ("watch", "Alien", "--user", alice),
        ("diary", "delete", str(entry), "--user", alice),
        ("lists", "delete", "faves", "--user", alice, "--yes"),
        ("lists", "add", "faves", "Alien", "--user", alice),
        ("watchlist", "remove", "Alien", "--user", alice),
        ("untag", "Heat", "heist", "--user", alice),
        ("privacy", "--diary", "public", "--user", alice),
        ("rate", "Heat", "5", "--user", "someone-without-a-role"),  # bob is no admin
    ):
        line = refused(shared.run(bob, *args))
        assert "write" in line and bob in line, (args, line)
        assert shared.dump() == before, args
    # MOVIECLI_USER is the same claim as --user.
    result = shared.runner.invoke(
        __import__("moviecli.cli", fromlist=["app"]).app,
        ["--db", shared.url(bob), "rate", "Heat", "1"],
        env={"MOVIECLI_USER": alice},
    )
    refused(result)
    assert shared.dump() == before
    # Reading as another member is fine: their diary, as their privacy allows.
    diary = json_out(shared.run(bob, "diary", "--user", alice, "-f", "json"))
    assert [row["user"] for row in diary] == [alice]


def test_the_owner_and_admins_write_for_users_with_no_role_only(
    two: tuple[Shared, str, str],
) -> None:
    shared, alice, _bob = two
    carol = shared.add_member("carol", "--admin")
    assert shared.run(shared.owner, "rate", "Alien", "4", "--user", "ml-1").exit_code == 0
    assert shared.run(carol, "rate", "Alien", "2", "--user", "ml-2").exit_code == 0
    assert shared.run(carol, "unrate", "Alien", "--user", "ml-1").exit_code == 0
    before = shared.dump()
    for who in (shared.owner, carol):
        refused(shared.run(who, "rate", "Heat", "1", "--user", alice))
        refused(shared.run(who, "unrate", "Heat", "--user", alice))
    assert shared.dump() == before


def test_a_member_cannot_touch_another_members_rows_through_sql(
    two: tuple[Shared, str, str],
) -> None:
    shared, alice, bob = two
    before = shared.dump()
    a = shared.user_id(alice)
    heat = shared.rows(shared.owner, "SELECT id FROM movies WHERE title = 'Heat'")[0][0]
    alien = shared.rows(shared.owner, "SELECT id FROM movies WHERE title = 'Alien'")[0][0]
    with shared.sql(bob) as sql:
        # UPDATE and DELETE of alice's rows: row security leaves none to change.
        for statement in (
            f"UPDATE ratings SET score = 0.5 WHERE user_id = {a}",
            f"DELETE FROM ratings WHERE user_id = {a}",
            f"UPDATE viewings SET review = 'pwned' WHERE user_id = {a}",
            f"DELETE FROM viewings WHERE user_id = {a}",
            f"DELETE FROM watchlist WHERE user_id = {a}",
            f"DELETE FROM tags WHERE user_id = {a}",
            f"UPDATE lists SET description = 'pwned' WHERE user_id = {a}",
            f"DELETE FROM lists WHERE user_id = {a}",
            f"DELETE FROM list_items WHERE list_id IN (SELECT id FROM lists WHERE user_id = {a})",
            f"UPDATE ratings SET user_id = {a}",  # moving his own rows onto alice
        ):
            try:
                changed = sql.execute(statement).rowcount  # type: ignore[arg-type]
            except psycopg.errors.InsufficientPrivilege:
                changed = 0  # refused outright: as good
            assert changed == 0, statement
        # INSERT as alice, and every way around the aggregates, ids and identity.
        for statement in (
            f"INSERT INTO ratings (movie_id, user_id, score, rated_at) VALUES ({alien}, {a}, 1, 0)",
            f"INSERT INTO viewings (movie_id, user_id, rewatch, created_at) "
            f"VALUES ({alien}, {a}, false, now())",
            f"INSERT INTO watchlist (user_id, movie_id, added_at) VALUES ({a}, {heat}, now())",
            f"INSERT INTO lists (user_id, name, name_key, ranked, created_at) "
            f"VALUES ({a}, 'x', 'x', false, now())",
            f"INSERT INTO privacy (user_id, diary) VALUES ({a}, 'public')",
            f"INSERT INTO users (name) VALUES ('{shared.role('nobody')}')",
            f"UPDATE users SET name = 'x' WHERE id = {a}",
            f"DELETE FROM users WHERE id = {a}",
            "UPDATE movies SET rating_count = 1000, rating_sum = 5000",
            "TRUNCATE ratings",
            "ALTER TABLE ratings DISABLE ROW LEVEL SECURITY",
            "ALTER TABLE ratings NO FORCE ROW LEVEL SECURITY",
            "DROP POLICY ratings_own ON ratings",
            "SELECT setval(pg_get_serial_sequence('ratings', 'id'), 1)",
            f"SET ROLE {alice}",
            f"SELECT moviecli_member_add('{shared.role('mallory')}', 'admin')",
            f"SELECT moviecli_member_remove('{alice}', false)",
            "SELECT pseudonym FROM privacy",
        ):
            with pytest.raises(psycopg.Error):
                sql.execute(statement)  # type: ignore[arg-type]
        # A temporary `users` table does not change who row security thinks he is.
        sql.execute("CREATE TEMP TABLE users (id integer, name text)")
        sql.execute(f"INSERT INTO pg_temp.users VALUES ({a}, '{bob}')")
        assert sql.execute(f"DELETE FROM ratings WHERE user_id = {a}").rowcount == 0
        # A film inserted with made-up aggregates starts unrated all the same.
        sql.execute(
            "INSERT INTO movies (title, title_key, year, created_at, updated_at, "
            "rating_count, rating_sum) VALUES ('Fake', 'fake', 2000, now(), now(), 1000, 5000)"
        )
        assert sql.execute(
            "SELECT rating_count, rating_sum FROM movies WHERE title = 'Fake'"
        ).fetchall() == [(0, 0)]
        sql.execute("DELETE FROM movies WHERE title = 'Fake'")
    assert shared.dump() == before
    check = shared.run(shared.owner, "db", "check")
    assert check.exit_code == 0, check.output


def test_a_role_that_is_no_member_gets_nothing(two: tuple[Shared, str, str]) -> None:
    shared, _alice, _bob = two
    eve = shared.role("eve")
    shared.pg.execute(f"CREATE ROLE {eve} LOGIN")
    before = shared.dump()
    refused(shared.run(eve, "list"))
    refused(shared.run(eve, "rate", "Heat", "5"))
    refused(shared.run(eve, "ratings", "--user", _alice))
    with shared.sql(eve) as sql:
        for statement in (
            "SELECT * FROM ratings",
            "SELECT * FROM viewings",
            "SELECT * FROM movies",
            "SELECT * FROM rating_scores",
            "INSERT INTO users (name) VALUES ('x')",
            "SELECT * FROM moviecli_film_others(1)",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                sql.execute(statement)  # type: ignore[arg-type]
    assert shared.dump() == before
