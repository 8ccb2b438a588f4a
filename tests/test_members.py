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


# --- privacy ---------------------------------------------------------------------------------


def test_a_private_diary_vanishes_for_other_members_but_counts_in_top(
    two: tuple[Shared, str, str],
) -> None:
    shared, alice, bob = two
    top_before = json_out(shared.run(bob, "top", "-f", "json"))
    result = shared.run(alice, "privacy", "--diary", "private", "--lists", "private", "-f", "json")
    assert json_out(result) == {
        "user": alice,
        "diary": "private",
        "reviews": "members",
        "lists": "private",
    }
    # moviecli: diary, ratings, show, lists, export hold nothing of alice's for bob.
    assert json_out(shared.run(bob, "diary", "--user", alice, "-f", "json")) == []
    assert json_out(shared.run(bob, "ratings", "--user", alice, "-f", "json")) in ([], None)
    shown = json_out(shared.run(bob, "show", "Heat", "-f", "json"))
    assert [r["user"] for r in shown["latest_ratings"]] == [bob]
    refused(shared.run(bob, "lists", "show", "faves", "--user", alice))
    exported = shared.run(bob, "export", "--format", "json")
    assert exported.exit_code == 0, exported.output
    assert f"{alice} liked it" not in exported.stdout
    assert f"{alice}'s private thoughts" not in exported.stdout
    # ... but alice's score still counts: top is the same for bob as before.
    assert json_out(shared.run(bob, "top", "-f", "json")) == top_before
    assert top_before[0]["rating_count"] == 2
    # Plain SQL: no row of alice's in any per-person table; her scores only as numbers.
    a = shared.user_id(alice)
    for table in ("ratings", "viewings", "tags", "watchlist", "lists"):
        assert shared.rows(bob, f"SELECT count(*) FROM {table} WHERE user_id = %s", a) == [(0,)], (
            table
        )
    assert shared.rows(bob, "SELECT count(*) FROM list_items") == [(1,)]  # bob's own
    scores = shared.rows(bob, "SELECT user_id, score FROM rating_scores ORDER BY score")
    assert [s for _u, s in scores] == [3.0, 4.5]
    assert scores[1][0] < 0 and scores[1][0] != -a  # a pseudonym, not alice's id
    # alice herself and the owner see everything.
    assert len(json_out(shared.run(alice, "diary", "-f", "json"))) == 1
    owner_export = shared.run(shared.owner, "export", "--format", "json")
    assert f"{alice}'s private thoughts" in owner_export.stdout
    assert shared.rows(shared.owner, "SELECT count(*) FROM viewings") == [(2,)]


def test_private_reviews_hide_the_reviewed_rows_only(two: tuple[Shared, str, str]) -> None:
    shared, alice, bob = two
    assert shared.run(alice, "rate", "Alien", "2").exit_code == 0  # no review
    assert shared.run(alice, "privacy", "--reviews", "private").exit_code == 0
    seen = json_out(shared.run(bob, "ratings", "--user", alice, "-f", "json"))
    assert [(r["title"], r["review"]) for r in seen] == [("Alien", None)]
    assert f"{alice} liked it" not in shared.run(bob, "show", "Heat").stdout


def test_a_guest_sees_only_what_is_public(two: tuple[Shared, str, str]) -> None:
    shared, alice, bob = two
    guest = shared.add_member("gus", "--guest")
    assert shared.run(alice, "privacy", "--diary", "public", "--reviews", "public").exit_code == 0
    seen = json_out(shared.run(guest, "ratings", "-f", "json", "--limit", "0", "--user", alice))
    assert [r["user"] for r in seen] == [alice]
    assert json_out(shared.run(guest, "ratings", "-f", "json", "--user", bob)) in ([], None)
    refused(shared.run(guest, "rate", "Heat", "5"))
    with shared.sql(guest) as sql, pytest.raises(psycopg.errors.InsufficientPrivilege):
        sql.execute("INSERT INTO users (name) VALUES ('x')")


# --- films shared by everyone ------------------------------------------------------------------


def test_a_film_with_other_peoples_data_needs_an_admin_to_delete(
    two: tuple[Shared, str, str],
) -> None:
    shared, alice, bob = two
    carol = shared.add_member("carol", "--admin")
    before = shared.dump()
    line = refused(shared.run(bob, "delete", "Heat", "--yes"))
    assert "only an admin" in line and "1 other user" in line and alice not in line
    with shared.sql(bob) as sql, pytest.raises(psycopg.errors.InsufficientPrivilege):
        sql.execute("DELETE FROM movies WHERE title = 'Heat'")
    # alice's private data is protected the same way (the check sees every row).
    assert shared.run(alice, "privacy", "--diary", "private", "--lists", "private").exit_code == 0
    assert shared.run(alice, "rate", "Solaris", "4").exit_code == 0
    with shared.sql(bob) as sql, pytest.raises(psycopg.errors.InsufficientPrivilege):
        sql.execute("DELETE FROM movies WHERE title = 'Solaris'")
    refused(shared.run(bob, "delete", "Solaris", "--yes"))
    # Members edit shared films, and delete one that holds only their own data.
    assert shared.run(bob, "edit", "Alien", "--runtime", "117").exit_code == 0
    assert shared.run(bob, "add", "Mine", "--year", "2001").exit_code == 0
    assert shared.run(bob, "rate", "Mine", "5").exit_code == 0
    assert shared.run(bob, "delete", "Mine", "--yes").exit_code == 0
    assert before["ratings"] == [
        r
        for r in shared.dump()["ratings"]
        if r[0] != shared.rows(shared.owner, "SELECT id FROM movies WHERE title = 'Solaris'")[0][0]
    ]
    # An admin may, and is told whose data went with it.
    deleted = shared.run(carol, "delete", "Heat", "--yes")
    assert deleted.exit_code == 0, deleted.output
    assert f"of {alice}, {bob}" in deleted.stderr
    assert shared.rows(
        shared.owner,
        "SELECT count(*) FROM ratings r JOIN movies m ON m.id = r.movie_id WHERE m.title = 'Heat'",
    ) == [(0,)]
    assert shared.run(shared.owner, "db", "check").exit_code == 0


# --- concurrency --------------------------------------------------------------------------------

_RATE_LOOP = """
import sys
from moviecli.cli import app
db, films = sys.argv[1], sys.argv[2:]
for i, film in enumerate(films):
    try:
        app(["--db", db, "rate", film, str(1 + i % 5)], standalone_mode=False)
    except SystemExit as exit:
        if exit.code:
            raise
"""


@pytest.mark.slow
def test_eight_members_writing_at_once_lose_nothing(shared: Shared) -> None:
    import os
    import subprocess
    import sys
    import threading

    names = [shared.add_member(f"m{i}") for i in range(8)]
    films = [f"Film {i}" for i in range(12)]
    for title in films:
        assert shared.run(shared.owner, "add", title, "--year", "2000").exit_code == 0
    ids = {
        t: shared.rows(shared.owner, "SELECT id FROM movies WHERE title = %s", t)[0][0]
        for t in films
    }
    for name in names:  # each member's user row, as their first command would make it
        assert shared.run(name, "privacy", "--diary", "members").exit_code == 0
    errors: list[BaseException] = []
    start = threading.Barrier(8)

    def member_sql(name: str) -> None:
        """Plain SQL, no moviecli lock: insert 12, rescore 12, delete 4, one at a time."""
        try:
            with shared.sql(name) as sql:
                me = sql.execute("SELECT moviecli_uid()").fetchone()[0]  # type: ignore[index]
                start.wait()
                for title in films:
                    sql.execute(
                        "INSERT INTO ratings (movie_id, user_id, score, rated_at) "
                        "VALUES (%s, %s, 1, 0)",
                        (ids[title], me),
                    )
                for title in films:
                    sql.execute(
                        "UPDATE ratings SET score = score + 2 WHERE movie_id = %s AND user_id = %s",
                        (ids[title], me),
                    )
                for title in films[:4]:
                    sql.execute(
                        "DELETE FROM ratings WHERE movie_id = %s AND user_id = %s",
                        (ids[title], me),
                    )
        except BaseException as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=member_sql, args=(n,)) for n in names]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    rows = dict(shared.rows(shared.owner, "SELECT title, rating_count FROM movies"))
    assert [rows[t] for t in films] == [0] * 4 + [8] * 8
    sums = dict(shared.rows(shared.owner, "SELECT title, rating_sum FROM movies"))
    assert [sums[t] for t in films] == [0] * 4 + [24] * 8
    # Then through moviecli, 8 processes at once, each rating six films as itself
    # (a new rating of Film 0-3, a replaced one of Film 4-5).
    env = {k: v for k, v in os.environ.items() if k != "MOVIECLI_USER"}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _RATE_LOOP, shared.url(n), *films[:6]],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in names
    ]
    outcomes = []
    for p in procs:  # communicate() reads both pipes and closes them
        _, err = p.communicate(timeout=300)
        outcomes.append((p.returncode, err))
    assert [code for code, _ in outcomes] == [0] * 8, outcomes
    counts = dict(shared.rows(shared.owner, "SELECT title, rating_count FROM movies"))
    assert [counts[t] for t in films] == [8] * 12
    expected = sum(1 + i % 5 for i in range(6)) * 8 + 6 * 8 * 3
    total = shared.rows(
        shared.owner, "SELECT sum(rating_sum) FROM movies WHERE title LIKE 'Film %%'"
    )
    assert total == [(expected,)]
    check = shared.run(shared.owner, "db", "check")
    assert check.exit_code == 0, check.output


# --- upgrading a catalog from before members ------------------------------------------------------


def test_a_catalog_from_0006_keeps_every_row_and_maps_users_to_members(
    pg_server: PgServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MOVIECLI_USER", raising=False)
    catalog = Shared(pg_server, f"m{pg_server.new_name()}")
    catalog.create()
    try:
        owner = catalog.owner
        assert catalog.run(owner, "db", "upgrade", "0006").exit_code == 0
        old_hand = catalog.role("oldhand")  # a reader/writer as the old README had them
        pg_server.execute(f"CREATE ROLE {old_hand} LOGIN")
        with catalog.sql(owner) as sql:
            sql.execute(
                f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {old_hand}"
            )
            sql.execute(f"GRANT USAGE, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {old_hand}")
            sql.execute(
                "INSERT INTO movies (id, title, title_key, year, created_at, updated_at, "
                "rating_count, rating_sum) VALUES (1, 'Heat', 'heat', 1995, now(), now(), 2, 7)"
            )
            sql.execute(f"INSERT INTO users (id, name) VALUES (1, '{old_hand}'), (2, 'ml-7')")
            sql.execute(
                "INSERT INTO ratings (movie_id, user_id, score, rated_at, review) VALUES "
                "(1, 1, 4, 1700000000000, 'mine'), (1, 2, 3, 1700000000000, NULL)"
            )
            sql.execute(
                "INSERT INTO viewings (movie_id, user_id, rewatch, created_at) "
                "VALUES (1, 1, false, now())"
            )
            before = {
                t: sorted(sql.execute(f"SELECT * FROM {t}").fetchall())  # type: ignore[arg-type]
                for t in ("movies", "users", "ratings", "viewings")
            }
        upgraded = catalog.run(owner, "db", "upgrade")
        assert upgraded.exit_code == 0, upgraded.output
        with catalog.sql(owner) as sql:
            after = {
                t: sorted(sql.execute(f"SELECT * FROM {t}").fetchall())  # type: ignore[arg-type]
                for t in ("movies", "users", "ratings", "viewings")
            }
        assert after == before
        listed = json_out(catalog.run(owner, "db", "members", "-f", "json"))
        assert [(m["name"], m["role"], m["ratings"]) for m in listed] == sorted(
            [(owner, "owner", 0), (old_hand, "member", 1)]
        )
        # The old hand is a member now, bound like any other: own rows yes, ml-7's no.
        assert catalog.run(old_hand, "rate", "Heat", "5").exit_code == 0
        refused(catalog.run(old_hand, "rate", "Heat", "1", "--user", "ml-7"))
        with catalog.sql(old_hand) as sql:
            assert sql.execute("DELETE FROM ratings WHERE user_id = 2").rowcount == 0
        # ml-7 has no role: its rows stay, readable by members, written by the owner.
        assert catalog.run(owner, "rate", "Heat", "2", "--user", "ml-7").exit_code == 0
        assert catalog.run(owner, "db", "check").exit_code == 0
        # And back down: every row still there.
        assert catalog.run(owner, "db", "downgrade", "0006").exit_code == 0
        assert catalog.run(owner, "db", "upgrade").exit_code == 0
        assert catalog.run(owner, "db", "check").exit_code == 0
    finally:
        catalog.drop()
