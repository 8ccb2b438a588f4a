"""The `db` group: current, history, path, check, backup, downgrade; and damaged files,
each refused with one `Error:` line, exit 1, no traceback, and every byte left alone."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from moviecli.store import schema
from tests.checks import refused
from tests.conftest import Invoke, Target, dump_tables, is_url, json_out, revision_of

HEAD = schema.head()
FIRST = schema.revisions()[0]
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


def folder_state(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def sql(path: Target, *statements: str) -> None:
    """Write behind moviecli's back, with foreign keys OFF as a careless tool would."""
    if is_url(path):
        import psycopg

        with psycopg.connect(str(path), autocommit=True) as pg:
            # A superuser's way round foreign keys: triggers (and so the checks) stay off.
            pg.execute("SET session_replication_role = replica")
            for statement in statements:
                pg.execute(statement)  # type: ignore[arg-type]
        return
    connection = sqlite3.connect(path)
    try:
        connection.execute("PRAGMA foreign_keys = OFF")
        for statement in statements:
            connection.execute(statement)
        connection.commit()
    finally:
        connection.close()


# --- path, current, history --------------------------------------------------------------


def test_path_prints_the_location_and_says_it_is_missing(cli: Invoke, db_path: Path) -> None:
    result = cli("db", "path")
    assert result.exit_code == 0
    assert result.stdout == f"{db_path}\n"
    assert "does not exist yet" in result.stderr
    assert not db_path.exists()


@pytest.mark.both_engines
def test_path_of_an_existing_catalog(cli: Invoke, catalog: Path) -> None:
    result = cli("db", "path")
    assert result.exit_code == 0
    assert result.stdout == f"{catalog}\n"
    assert result.stderr == ""


def test_path_follows_moviecli_db_then_the_data_folder(
    isolated_environment: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from moviecli.cli import app

    runner = CliRunner()
    default = runner.invoke(app, ["db", "path"])
    assert default.stdout == f"{isolated_environment / 'moviecli' / 'movies.db'}\n"
    monkeypatch.setenv("MOVIECLI_DB", str(tmp_path / "env.db"))
    assert runner.invoke(app, ["db", "path"]).stdout == f"{tmp_path / 'env.db'}\n"
    flag = runner.invoke(app, ["--db", str(tmp_path / "flag.db"), "db", "path"])
    assert flag.stdout == f"{tmp_path / 'flag.db'}\n"


@pytest.mark.both_engines
def test_current_at_head(cli: Invoke, catalog: Path) -> None:
    result = cli("db", "current")
    assert result.exit_code == 0
    assert result.stdout == f"{HEAD} (head)\n"


@pytest.mark.both_engines
def test_current_behind_head(cli: Invoke, target: Target) -> None:
    assert cli("db", "upgrade", FIRST).exit_code == 0
    result = cli("db", "current")
    assert result.exit_code == 0
    assert result.stdout == f"{FIRST}\n"


def test_current_on_a_missing_catalog_creates_nothing(cli: Invoke, db_path: Path) -> None:
    line = refused(cli("db", "current"))
    assert line == f"Error: no catalog at {db_path}"
    assert not db_path.exists()


@pytest.mark.both_engines
def test_history_marks_head_and_current(cli: Invoke, catalog: Path) -> None:
    result = cli("db", "history")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert [line.split()[0] for line in lines] == list(reversed(schema.revisions()))
    assert lines[0].endswith("(head, current)")
    assert all("current" not in line and "head" not in line for line in lines[1:])


@pytest.mark.both_engines
def test_history_marks_an_older_current(cli: Invoke, target: Target) -> None:
    assert cli("db", "upgrade", FIRST).exit_code == 0
    lines = cli("db", "history").stdout.splitlines()
    assert lines[0].endswith("(head)")
    assert lines[-1].endswith("(current)")
    assert lines[-1].startswith(FIRST)


def test_history_without_a_catalog_marks_no_current(cli: Invoke, db_path: Path) -> None:
    result = cli("db", "history")
    assert result.exit_code == 0
    assert "current" not in result.stdout
    assert result.stdout.splitlines()[0].endswith("(head)")
    assert not db_path.exists()


# --- check --------------------------------------------------------------------------------


@pytest.mark.both_engines
def test_check_passes_on_a_good_catalog(cli: Invoke, seeded: Path) -> None:
    result = cli("db", "check")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("ok: ")
    assert HEAD in result.stdout


@pytest.mark.both_engines
def test_check_reports_wrong_aggregates(cli: Invoke, seeded: Path) -> None:
    movie_id = json_out(cli("top", "--format", "json"))[0]["id"]
    sql(seeded, f"UPDATE movies SET rating_count = rating_count + 1 WHERE id = {movie_id}")
    before = dump_tables(seeded)
    result = cli("db", "check")
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert f"aggregates: movie {movie_id} " in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error: ")]
    assert errors == [f"Error: 1 problem(s) found in {seeded}"]
    assert dump_tables(seeded) == before


@pytest.mark.both_engines
def test_check_reports_a_broken_foreign_key(cli: Invoke, seeded: Path) -> None:
    assert cli("rate", "Inception", "4", "--user", "lonely").exit_code == 0
    sql(seeded, "DELETE FROM users WHERE name = 'lonely'")
    result = cli("db", "check")
    assert result.exit_code == 1
    assert "foreign key: table ratings" in result.stderr
    assert "Traceback" not in result.output
    assert sum(line.startswith("Error: ") for line in result.stderr.splitlines()) == 1


@pytest.mark.both_engines
def test_check_reports_a_catalog_behind_head(cli: Invoke, target: Target) -> None:
    assert cli("db", "upgrade", FIRST).exit_code == 0
    result = cli("db", "check")
    assert result.exit_code == 1
    assert f"schema: at revision {FIRST}, this moviecli expects {HEAD}" in result.stderr


def test_check_on_a_missing_catalog(cli: Invoke, db_path: Path) -> None:
    refused(cli("db", "check"))
    assert not db_path.exists()


# --- backup -------------------------------------------------------------------------------


def test_backup_copies_every_row(cli: Invoke, seeded: Path, tmp_path: Path) -> None:
    assert cli("rate", "Arrival", "4.5", "--review", "quiet").exit_code == 0
    copy = tmp_path / "copy.db"
    result = cli("db", "backup", str(copy))
    assert result.exit_code == 0, result.output
    assert str(copy) in result.stderr
    assert dump_tables(copy) == dump_tables(seeded)
    assert copy.stat().st_mode & 0o077 == 0
    # The copy is a working catalog.
    assert cli("db", "check", db=copy).exit_code == 0
    assert json_out(cli("top", "--format", "json", db=copy)) == json_out(
        cli("top", "--format", "json")
    )


def test_backup_refuses_an_existing_target(cli: Invoke, seeded: Path, tmp_path: Path) -> None:
    target = tmp_path / "precious.txt"
    target.write_text("do not overwrite me")
    line = refused(cli("db", "backup", str(target)))
    assert str(target) in line and "already exists" in line
    assert target.read_text() == "do not overwrite me"


def test_backup_into_a_missing_folder(cli: Invoke, seeded: Path, tmp_path: Path) -> None:
    line = refused(cli("db", "backup", str(tmp_path / "nope" / "copy.db")))
    assert "does not exist" in line
    assert not (tmp_path / "nope").exists()


def test_backup_of_a_missing_catalog(cli: Invoke, db_path: Path, tmp_path: Path) -> None:
    refused(cli("db", "backup", str(tmp_path / "copy.db")))
    assert not (tmp_path / "copy.db").exists()
    assert not db_path.exists()


@pytest.mark.postgresql_only
def test_backup_of_a_postgresql_catalog_names_pg_dump(
    cli: Invoke, seeded: str, tmp_path: Path
) -> None:
    before = dump_tables(seeded)
    line = refused(cli("db", "backup", str(tmp_path / "copy.db")))
    assert "pg_dump" in line and "pg_restore" in line
    assert not (tmp_path / "copy.db").exists()
    assert dump_tables(seeded) == before


@pytest.mark.postgresql_only
def test_a_password_is_never_shown(cli: Invoke, catalog: str, tmp_path: Path) -> None:
    """`db path` and every message mask it: the URL names the test's catalog, and
    a database that does not exist."""
    secret = "s3cr%40t-pw"  # percent-encoded '@' as a URL carries it
    with_password = catalog.replace("postgresql://postgres@", f"postgresql://postgres:{secret}@")
    missing = with_password.replace(catalog.split("/")[3].split("?")[0], "no_such_db", 1)
    masked = with_password.replace(secret, "***")
    path = cli("db", "path", db=with_password)
    assert path.stdout == f"{masked}\n"
    runs = [
        cli("db", "path", db=with_password),
        cli("db", "upgrade", db=with_password),
        cli("db", "check", db=with_password),
        cli("db", "backup", str(tmp_path / "x.db"), db=with_password),
        cli("list", db=missing),
        cli("add", "Ran", "--year", "1985", db=missing),
        cli("db", "current", db=missing),
    ]
    for result in runs:
        assert "s3cr" not in result.output
    assert masked in cli("db", "check", db=with_password).stdout
    line = refused(cli("list", db=missing))
    assert "no such database" in line and "postgres:***@" in line


# --- upgrade / downgrade ------------------------------------------------------------------


def test_downgrade_to_an_older_revision(cli: Invoke, seeded: Path) -> None:
    movies = dump_tables(seeded)["movies"]
    result = cli("db", "downgrade", FIRST)
    assert result.exit_code == 0, result.output
    assert f"Downgraded from {HEAD} to {FIRST}" in result.stderr
    assert revision_of(seeded) == FIRST
    assert dump_tables(seeded)["movies"] == movies
    assert ".bak" in result.stderr  # a copy was made first
    assert cli("db", "current").stdout == f"{FIRST}\n"
    # And ordinary commands now ask for an upgrade.
    assert "run 'moviecli db upgrade'" in refused(cli("list"))


@pytest.mark.both_engines
def test_downgrade_to_base_then_upgrade(cli: Invoke, catalog: Path) -> None:
    assert cli("db", "downgrade", "base").exit_code == 0
    assert cli("db", "current").stdout == "none\n"
    assert cli("db", "upgrade").exit_code == 0
    assert cli("db", "current").stdout == f"{HEAD} (head)\n"


def test_downgrade_of_a_missing_catalog(cli: Invoke, db_path: Path) -> None:
    refused(cli("db", "downgrade", FIRST))
    assert not db_path.exists()


@pytest.mark.parametrize(
    "args",
    [
        ("db", "upgrade", "nosuchrev"),
        ("db", "downgrade", "nosuchrev"),
        ("db", "upgrade", "00"),
        ("db", "upgrade", "base"),
    ],
)
def test_unknown_or_wrong_way_revision_is_refused(
    cli: Invoke, seeded: Path, args: tuple[str, ...]
) -> None:
    state = folder_state(seeded.parent)
    refused(cli(*args))
    assert folder_state(seeded.parent) == state  # not even a backup copy


def test_downgrade_to_a_newer_revision_points_at_upgrade(cli: Invoke, db_path: Path) -> None:
    assert cli("db", "upgrade", FIRST).exit_code == 0
    state = folder_state(db_path.parent)
    assert "db upgrade" in refused(cli("db", "downgrade", HEAD))
    assert folder_state(db_path.parent) == state


def test_unknown_revision_on_an_empty_catalog(cli: Invoke, catalog: Path) -> None:
    assert cli("db", "downgrade", "base").exit_code == 0
    state = folder_state(catalog.parent)
    assert "unknown revision 'zzzz'" in refused(cli("db", "downgrade", "zzzz"))
    assert "unknown revision 'zzzz'" in refused(cli("db", "upgrade", "zzzz"))
    assert folder_state(catalog.parent) == state


# --- damaged files ------------------------------------------------------------------------

COMMANDS = [
    ("list",),
    ("add", "Ran", "--year", "1985"),
    ("rate", "1", "4"),
    ("top",),
    ("db", "upgrade"),
    ("db", "downgrade", FIRST),
    ("db", "check"),
    ("db", "current"),
    ("db", "backup", "__COPY__"),
]


def refused_untouched(cli: Invoke, path: Path, expect: str) -> None:
    """Every command is refused with one Error line naming the problem; nothing in the
    folder changes and no copy is left behind."""
    state = folder_state(path.parent)
    for args in COMMANDS:
        copy = path.parent / "copy.db"
        args = tuple(str(copy) if a == "__COPY__" else a for a in args)
        line = refused(cli(*args, db=path))
        assert expect in line, (args, line)
        assert folder_state(path.parent) == state, args


def test_random_bytes(cli: Invoke, db_path: Path) -> None:
    db_path.parent.mkdir(parents=True, exist_ok=True)
    db_path.write_bytes(os.urandom(8192))
    refused_untouched(cli, db_path, "not an SQLite database")


def test_a_text_file(cli: Invoke, db_path: Path) -> None:
    db_path.parent.mkdir(parents=True, exist_ok=True)
    db_path.write_text("title,year\nHeat,1995\n" * 200)
    refused_untouched(cli, db_path, "not an SQLite database")


def test_a_truncated_catalog(cli: Invoke, seeded: Path) -> None:
    connection = sqlite3.connect(seeded)
    connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connection.close()
    data = seeded.read_bytes()
    page_size = int.from_bytes(data[16:18], "big")
    assert len(data) >= 8 * page_size
    seeded.write_bytes(data[: 3 * page_size + 100])
    refused_untouched(cli, seeded, "damaged")


def test_a_path_whose_folder_does_not_exist(cli: Invoke, tmp_path: Path) -> None:
    path = tmp_path / "no" / "such" / "movies.db"
    assert refused(cli("list", db=path)) == f"Error: no catalog at {path}"  # a reader
    for args in (("add", "Ran", "--year", "1985"), ("db", "upgrade"), ("seed",)):
        line = refused(cli(*args, db=path))
        assert "does not exist" in line
    assert not (tmp_path / "no").exists()


def test_a_path_that_is_a_folder(cli: Invoke, tmp_path: Path) -> None:
    folder = tmp_path / "movies.db"
    folder.mkdir()
    for args in (("list",), ("db", "upgrade"), ("db", "check"), ("db", "current")):
        line = refused(cli(*args, db=folder))
        assert "is a folder" in line
    assert list(folder.iterdir()) == []


@pytest.mark.skipif(IS_ROOT, reason="root ignores folder permissions")
def test_a_read_only_folder_for_a_new_catalog(cli: Invoke, tmp_path: Path) -> None:
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        for args in (("list",), ("db", "upgrade")):
            line = refused(cli(*args, db=folder / "movies.db"))
            assert "cannot create the catalog" in line
        assert list(folder.iterdir()) == []
    finally:
        folder.chmod(0o700)


def test_a_folder_that_refuses_new_files(
    cli: Invoke, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same refusal as a read-only folder, injected so that it also runs as root."""
    folder = tmp_path / "locked"
    folder.mkdir()
    real_open = os.open

    def refusing_open(path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
        if Path(path).parent == folder and flags & os.O_CREAT:
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", refusing_open)
    for args in (("db", "upgrade"), ("add", "Ran", "--year", "1985")):
        line = refused(cli(*args, db=folder / "movies.db"))
        assert line == (
            f"Error: cannot create the catalog at {folder / 'movies.db'}: Permission denied"
        )
    assert list(folder.iterdir()) == []


@pytest.mark.skipif(IS_ROOT, reason="root ignores file permissions")
def test_a_read_only_catalog_refuses_writes(cli: Invoke, seeded: Path) -> None:
    before = dump_tables(seeded)
    seeded.chmod(0o400)
    try:
        line = refused(cli("add", "Ran", "--year", "1985"))
        assert "read-only" in line or "cannot open" in line
    finally:
        seeded.chmod(0o600)
    assert dump_tables(seeded) == before
