"""Crashes, Ctrl-C and a full disk in the middle of a write leave the catalog as it was."""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import Invoke, Target, copy_catalog, dump_tables, is_url, sql_rows
from tests.reliability_support import (
    close_pipes,
    default_ctrl_c,
    subprocess_env,
    wait_for,
)

# A long write transaction made of real repository calls: sixty new movies with
# ratings, then every movie retitled (a long `edit`), rated and re-genred. A tiny page
# cache makes SQLite spill the uncommitted pages into the -wal file on the way, so
# the kill lands on a file that really holds half a transaction (PostgreSQL holds it
# in its own files all along). Then it blocks, still inside the transaction, until it
# is killed.
LONG_WRITER = """
import sys, time
from collections.abc import Callable
from pathlib import Path
from sqlmodel import select
from moviecli.store.repo.movies import Movies
from moviecli.store.repo.ratings import Ratings
from moviecli.config import resolve_location
from moviecli.store.catalog import Catalog
from moviecli.models import Movie, MovieCreate, MovieUpdate

db, ready = sys.argv[1:3]
catalog = Catalog(resolve_location(db))
with catalog.session(write=True) as s:
    if catalog.dialect == "sqlite":
        s.connection().exec_driver_sql("PRAGMA cache_size = 5")
    movies, ratings = Movies(s), Ratings(s)
    for i in range(60):
        added = movies.add_movie(
            data=MovieCreate(title=f"Crash {i}", year=2000, genres=["crash"])
        )
        movie = s.get(Movie, added.id)
        ratings.rate_movie(movie=movie, user_name="crasher", score=2.5)
    for movie in list(s.exec(select(Movie))):
        movies.update_movie(
            movie=movie,
            changes=MovieUpdate(title=f"{movie.title} (edited)", genres=["edited"], director="X"),
        )
        ratings.rate_movie(movie=movie, user_name="tester", score=0.5)
    s.flush()
    Path(ready).write_text("in the middle")
    while True:
        time.sleep(0.05)
"""

# The real CLI, with one repository function wrapped (here, in the test's script, not in
# moviecli) so that it does its writes and then blocks inside the command's transaction:
# the SIGINT arrives while a command has written but not committed.
BLOCKING_CLI = """
import sys, time
from collections.abc import Callable
from pathlib import Path
from moviecli import cli
from moviecli.store.repo.movies import Movies
from moviecli.store.repo.ratings import Ratings

ready, function = sys.argv[1:3]
repository = Ratings if function in ("rate_movie", "unrate_movie") else Movies
original = getattr(repository, function)

def blocking(self, **kwargs):
    result = original(self, **kwargs)
    self.session.flush()
    Path(ready).write_text("written, not committed")
    while True:
        time.sleep(0.05)

setattr(repository, function, blocking)
sys.argv = ["moviecli", *sys.argv[3:]]
cli.main()
"""


pytestmark = [pytest.mark.both_engines, pytest.mark.slow]


def other_writers(url: str) -> int:
    """Server sessions on this catalog, other than ours, inside a transaction that has
    written (it has a transaction id)."""
    return sql_rows(
        url,
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
        "AND pid <> pg_backend_pid() AND backend_xid IS NOT NULL",
    )[0][0]


def db_check(path: Target) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "moviecli", "--db", str(path), "db", "check"],
        env=subprocess_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_kill_9_in_the_middle_of_a_long_write_changes_nothing(
    cli: Invoke, seeded: Path, tmp_path: Path
) -> None:
    before = dump_tables(seeded)
    script = tmp_path / "long_writer.py"
    script.write_text(LONG_WRITER)
    ready = tmp_path / "ready"
    proc = subprocess.Popen(
        [sys.executable, str(script), str(seeded), str(ready)],
        env=subprocess_env(),
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_for(lambda: ready.exists() or proc.poll() is not None, 60, "the writer")
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
        # Half a transaction really is written: the kill is not a no-op.
        if is_url(seeded):
            assert other_writers(str(seeded)) == 1
        else:
            wal = seeded.with_name(seeded.name + "-wal")
            assert wal.exists() and wal.stat().st_size > 40_000, wal.stat().st_size
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        close_pipes(proc)
    assert proc.returncode == -signal.SIGKILL
    if is_url(seeded):  # the server ends the lost client's session, and rolls it back
        wait_for(lambda: other_writers(str(seeded)) == 0, 30, "the server to notice the kill")

    check = db_check(seeded)
    assert check.returncode == 0, check.stdout + check.stderr
    assert check.stdout.startswith("ok: ")
    assert dump_tables(seeded) == before
    # No lock outlives the killed writer: the next write goes through at once.
    assert cli("rate", "The Godfather", "5").exit_code == 0


CTRL_C_CASES = {
    "rate_movie": ["rate", "The Godfather", "1", "--review", "changed my mind"],
    "unrate_movie": ["unrate", "The Godfather", "--user", "demo-ana"],
    "add_movie": ["add", "Interrupted", "--year", "2001", "--genre", "new-genre"],
    "update_movie": ["edit", "The Godfather", "--title", "Renamed", "--genre", "x"],
    "delete_movie": ["delete", "The Godfather", "--yes"],
}


def test_ctrl_c_during_a_write_says_so_and_changes_nothing(
    seeded: Path, tmp_path: Path, other_target: Callable[[str], Target]
) -> None:
    """Each command on its own copy of the catalog, all started at once (they are slow
    to start, not to run)."""
    script = tmp_path / "blocking_cli.py"
    script.write_text(BLOCKING_CLI)
    before = dump_tables(seeded)
    runs = {}
    for function, args in CTRL_C_CASES.items():
        catalog = copy_catalog(seeded, other_target(function))
        ready = tmp_path / f"{function}.ready"
        argv = [sys.executable, str(script), str(ready), function, "--db", str(catalog), *args]
        runs[function] = (catalog, ready, subprocess.Popen(
            argv,
            env=subprocess_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            preexec_fn=default_ctrl_c,
        ))  # fmt: skip
    try:
        for function, (_, ready, proc) in runs.items():
            wait_for(lambda r=ready, p=proc: r.exists() or p.poll() is not None, 60, function)
            assert proc.poll() is None, (function, proc.communicate())
            proc.send_signal(signal.SIGINT)
        for function, (catalog, _, proc) in runs.items():
            out, err = proc.communicate(timeout=30)
            assert "Traceback" not in err, function
            assert (proc.returncode, err, out) == (
                -signal.SIGINT,  # ended by SIGINT after its line, so a shell loop stops
                "Error: interrupted; nothing was changed\n",
                "",
            ), function
            assert dump_tables(catalog) == before, function
    finally:
        for _, _, proc in runs.values():
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            close_pipes(proc)


# The real CLI, with `add_movie` wrapped so that, once it has written, Ctrl-C arrives
# while Python runs a finaliser: there Python prints and ignores the KeyboardInterrupt,
# and the command goes on as if nothing happened (seen on PostgreSQL: SIGINT landed in
# importlib's module-lock callback during an import, and the import committed).
SWALLOWING_CLI = """
import os, signal, sys
from moviecli import cli
from moviecli.store.repo.movies import Movies

original = Movies.add_movie

class Finaliser:
    def __del__(self):
        os.kill(os.getpid(), signal.SIGINT)
        for _ in range(100_000):  # the handler runs here, inside __del__
            pass

def add_movie(self, **kwargs):
    result = original(self, **kwargs)
    self.session.flush()
    Finaliser()
    return result

Movies.add_movie = add_movie
sys.argv = ["moviecli", *sys.argv[1:]]
cli.main()
"""


def test_ctrl_c_that_python_ignored_still_commits_nothing(seeded: Path, tmp_path: Path) -> None:
    script = tmp_path / "swallowing_cli.py"
    script.write_text(SWALLOWING_CLI)
    before = dump_tables(seeded)
    proc = subprocess.run(
        [sys.executable, str(script), "--db", str(seeded), "add", "Interrupted", "--year", "2001"],
        env=subprocess_env(),
        capture_output=True,
        text=True,
        timeout=60,
        preexec_fn=default_ctrl_c,
    )
    assert (proc.returncode, proc.stderr, proc.stdout) == (
        -signal.SIGINT,
        "Error: interrupted; nothing was changed\n",
        "",
    )
    assert dump_tables(seeded) == before


def cap_file_size(monkeypatch: pytest.MonkeyPatch, path: Path) -> None:
    """A full disk: every connection moviecli opens may not grow the file past its size now."""
    import sqlite3

    from sqlalchemy import event

    from moviecli.store import catalog as db

    probe = sqlite3.connect(path, isolation_level=None)
    try:
        probe.execute("VACUUM")  # no free pages left inside the file either
        pages = probe.execute("PRAGMA page_count").fetchone()[0]
    finally:
        probe.close()
    make_engine = db.make_engine

    def capped(*args, **kwargs):  # type: ignore[no-untyped-def]
        engine = make_engine(*args, **kwargs)

        @event.listens_for(engine, "connect")
        def _cap(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
            dbapi_connection.execute(f"PRAGMA max_page_count = {pages}")

        return engine

    monkeypatch.setattr(db, "make_engine", capped)


@pytest.mark.sqlite_only  # SQLite's max_page_count; a server's disk is the server's
@pytest.mark.parametrize(
    ("fixture", "args"),
    [
        ("seeded", ["rate", "The Godfather", "4", "--review", "long " * 3000]),
        (
            "seeded",
            ["add", "Epic", "--year", "2001"]
            + [f"--genre=genre {n:02} {'g' * 50}" for n in range(60)],
        ),
    ],
    ids=["rate-with-long-review", "add-with-many-genres"],
)
def test_a_full_disk_is_one_clear_line_and_nothing_written(
    cli: Invoke,
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
    fixture: str,
    args: list[str],
) -> None:
    path: Path = request.getfixturevalue(fixture)
    before = dump_tables(path)
    cap_file_size(monkeypatch, path)
    result = cli(*args)
    assert result.exit_code == 1
    assert result.stderr == f"Error: the disk holding {path} is full; nothing was changed\n"
    assert result.stdout == ""
    assert dump_tables(path) == before
    monkeypatch.undo()
    assert db_check(path).returncode == 0
    assert cli(*args).exit_code == 0  # the same write fits once there is room


@pytest.mark.sqlite_only  # creating the catalog file
def test_no_space_for_a_new_catalog_is_one_clear_line(
    cli: Invoke, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_open = os.open

    def full_disk_open(path, flags, mode=0o777, *args, **kwargs):  # type: ignore[no-untyped-def]
        if Path(path) == db_path:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
        return real_open(path, flags, mode, *args, **kwargs)

    monkeypatch.setattr(os, "open", full_disk_open)
    result = cli("add", "Heat", "--year", "1995")
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: cannot create the catalog at {db_path}: No space left on device\n"
    )
    assert not db_path.exists()
