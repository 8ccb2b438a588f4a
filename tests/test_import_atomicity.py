"""An import is one transaction: a kill or Ctrl-C in the middle leaves the catalog as it was."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.checks import add, query
from tests.conftest import Invoke, Target, dump_tables, is_url, sql_rows
from tests.import_files import GENERATOR, integrity
from tests.reliability_support import close_pipes, default_ctrl_c, subprocess_env, wait_for

REPO = Path(__file__).resolve().parent.parent

pytestmark = [pytest.mark.both_engines, pytest.mark.slow]


@pytest.fixture(scope="module")
def larger_dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not GENERATOR.is_file():
        pytest.skip(f"the data generator is not at {GENERATOR}")
    folder = tmp_path_factory.mktemp("ml") / "ml"
    subprocess.run(
        [sys.executable, str(GENERATOR), str(folder), "--preset", "small", "--ratings", "400000"],
        check=True,
        capture_output=True,
    )
    return folder


def write_lock_held(db: Target) -> bool:
    """True while another connection holds the catalog's write lock (the import's
    transaction is open): SQLite's, or the writers' advisory lock on PostgreSQL."""
    if is_url(db):
        from moviecli.store.engine import WRITE_LOCK_KEY

        return bool(
            sql_rows(
                db,
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted "
                "AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
                "AND (classid::bigint << 32) + objid::bigint = ?",
                WRITE_LOCK_KEY,
            )[0][0]
        )
    connection = sqlite3.connect(db, timeout=0, isolation_level=None)
    try:
        connection.execute("BEGIN IMMEDIATE")
        connection.execute("ROLLBACK")
        return False
    except sqlite3.OperationalError as error:
        if "locked" in str(error) or "busy" in str(error):
            return True
        raise
    finally:
        connection.close()


def wal_size(db: Path) -> int:
    wal = db.with_name(db.name + "-wal")
    return wal.stat().st_size if wal.exists() else 0


def staging_ratings(db: str) -> bool:
    """True once the importer has written rows of its own transaction (it has an xid)
    and is copying ratings into its staging table: movies are in, ratings on the way."""
    return bool(
        sql_rows(
            db,
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND backend_xid IS NOT NULL "
            "AND query LIKE 'COPY import_ratings%'",
        )[0][0]
    )


def has_written(db: Target) -> Callable[[], bool]:
    """From now on: has the import written a good part of its transaction?"""
    if is_url(db):
        return lambda: staging_ratings(str(db))
    assert isinstance(db, Path)
    start = wal_size(db)
    return lambda: wal_size(db) > start + 1_000_000


def start_import(db: Target, folder: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "moviecli", "--db", str(db), "import", str(folder)],
        env=subprocess_env(),
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=default_ctrl_c,
    )


def wait_until_importing(process: subprocess.Popen[str], db: Target) -> None:
    def started() -> bool:
        if process.poll() is not None:
            raise AssertionError(f"the import ended before it could be stopped: {process.stdout}")
        return write_lock_held(db)

    wait_for(started, 60, "the import to take the write lock")


def db_check(db: Target) -> None:
    check = subprocess.run(
        [sys.executable, "-m", "moviecli", "--db", str(db), "db", "check"],
        env=subprocess_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert check.returncode == 0, check.stdout + check.stderr
    assert check.stdout.startswith("ok: ")


def test_kill_mid_import_leaves_the_catalog_unchanged(seeded: Path, larger_dataset: Path) -> None:
    before = dump_tables(seeded)
    process = start_import(seeded, larger_dataset)
    try:
        wait_until_importing(process, seeded)
        # Let it write: wait until its pages reach the write-ahead log (SQLite), or its
        # transaction has written and stages ratings (PostgreSQL), bounded.
        written = has_written(seeded)
        wait_for(lambda: process.poll() is not None or written(), 60, "the import to write")
        assert process.poll() is None, "the import finished before the kill"
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        close_pipes(process)
    assert process.returncode == -signal.SIGKILL
    assert dump_tables(seeded) == before
    assert integrity(seeded) == ("ok", [])
    db_check(seeded)
    # No lock outlives the killed importer (a server notices the lost client).
    wait_for(lambda: not write_lock_held(seeded), 30, "the killed importer's lock to go")


def test_ctrl_c_mid_import_ends_by_sigint_and_changes_nothing(
    cli: Invoke, seeded: Path, larger_dataset: Path
) -> None:
    before = dump_tables(seeded)
    process = start_import(seeded, larger_dataset)
    try:
        wait_until_importing(process, seeded)
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        close_pipes(process)
    # Its line, then ended by SIGINT (not exit 130), so a shell loop around it stops too.
    assert process.returncode == -signal.SIGINT, err
    assert err.strip().splitlines() == ["Error: interrupted; nothing was changed"]
    assert "Traceback" not in err + out
    assert dump_tables(seeded) == before
    assert integrity(seeded) == ("ok", [])
    db_check(seeded)
    # The catalog is free again for the next command, and the ids the import had taken
    # are free again too (PostgreSQL's sequences moved on with them).
    newest = query(seeded, "SELECT max(id) FROM movies")[0][0]
    assert add(cli, "After The Import", 2001)["id"] == newest + 1


@pytest.mark.sqlite_only  # store/bulk/sqlite.py's own check (PostgreSQL checks every row)
def test_an_import_that_would_break_a_reference_changes_nothing(
    cli: Invoke, seeded: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Imports run with SQLite's per-row foreign key checks off and check the ids they
    wrote themselves: an id that points at nothing fails the import."""
    from moviecli.store.bulk.sqlite import SqliteBulk

    checked = SqliteBulk.check_references

    def with_a_missing_movie(self: SqliteBulk, *, movies, users, genres) -> None:  # type: ignore[no-untyped-def]
        checked(self, movies=[*movies, 999_999], users=users, genres=genres)

    monkeypatch.setattr(SqliteBulk, "check_references", with_a_missing_movie)
    file = tmp_path / "ratings.csv"
    file.write_text(
        "Date,Name,Year,Letterboxd URI,Rating\n2024-01-02,Heat,1995,https://boxd.it/x,4\n",
        encoding="utf-8",
    )
    before = dump_tables(seeded)
    result = cli("import", str(file))
    assert result.exit_code == 1
    assert result.stderr.strip() == "Error: import would leave ratings or tags without their movies"
    assert dump_tables(seeded) == before


@pytest.mark.sqlite_only  # PRAGMA foreign_keys
def test_foreign_keys_are_back_on_after_an_import(seeded: Path) -> None:
    from sqlalchemy import text

    from moviecli.config import resolve_location
    from moviecli.store.catalog import Catalog

    target = Catalog(resolve_location(str(seeded)))
    try:
        states = []
        for foreign_keys in (False, True):
            with target.session(write=True, foreign_keys=foreign_keys) as session:
                states.append(session.execute(text("PRAGMA foreign_keys")).scalar_one())
        with target.session(write=False) as session:
            states.append(session.execute(text("PRAGMA foreign_keys")).scalar_one())
    finally:
        target.dispose()
    assert states == [0, 1, 1]
