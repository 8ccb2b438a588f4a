"""A sync killed half-way (kill -9, a real process) or failing leaves the previous world
answering and the catalog as it was, on both engines."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.checks import add
from tests.conftest import Invoke, Target, dump_tables, is_url, sql_rows
from tests.reliability_support import subprocess_env, wait_for
from tests.world_support import HEAT_PRINCIPALS, heat_world, sync_world, world_rows

pytestmark = pytest.mark.both_engines


def _answers_through_the_helper(target: Target) -> list[tuple[int, str]]:
    """The world as a command reads it: location.attach_world, then a catalog session."""
    from sqlalchemy import select

    from moviecli.config import resolve_location
    from moviecli.store.catalog import Catalog
    from moviecli.store.world.location import attach_world
    from moviecli.store.world.schema import titles

    catalog = Catalog(resolve_location(str(target)))
    try:
        assert attach_world(catalog.engine)
        with catalog.session(write=False) as session:
            rows = session.execute(
                select(titles.c.id, titles.c.primary_title).order_by(titles.c.id)
            ).all()
            return [(tid, title) for tid, title in rows]
    finally:
        catalog.dispose()


def _sync_locks(target: Target) -> int:
    from moviecli.store.world.writers import SYNC_LOCK_KEY

    rows = sql_rows(
        target,
        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = ?",
        SYNC_LOCK_KEY,
    )
    return int(rows[0][0])


def test_kill_9_in_the_middle_of_a_load_leaves_the_old_world(
    cli: Invoke, catalog: Target, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sync_world(cli, heat_world(tmp_path / "old", title_basics=[]))  # an empty world first
    sync_world(cli, heat_world(tmp_path / "old"))
    add(cli, "Some Film Of Mine", 2001)
    before_world = _answers_through_the_helper(catalog)
    assert (113277, "Heat") in before_world

    # The next files: title.principals is a pipe the test writes, so the sync is surely
    # in the middle of its load (titles written, credits coming) when it is killed.
    renamed = [row.replace("\tHeat\tHeat\t", "\tHeat Renamed\tHeat\t") for row in _basics()]
    folder = heat_world(tmp_path / "new", title_basics=renamed)
    pipe = folder / "title.principals.tsv"
    pipe.unlink()
    os.mkfifo(pipe)
    child = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "moviecli",
            "--db",
            str(catalog),
            "imdb",
            "sync",
            "--from",
            str(folder),
        ],
        env=subprocess_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        with open(pipe, "w", encoding="utf-8") as writer:  # returns once the child reads it
            writer.write("tconst\tordering\tnconst\tcategory\tjob\tcharacters\n")
            writer.write("\n".join(HEAT_PRINCIPALS[:3]) + "\n")
            writer.flush()
            if not is_url(catalog):
                new = Path(os.environ["MOVIECLI_WORLD"] + ".new")
                wait_for(new.exists, 30, "the new world file")
            # Meanwhile the catalog's writers do not wait for the load (no busy wait
            # allowed), and readers see the old world.
            monkeypatch.setenv("MOVIECLI_BUSY_TIMEOUT", "0")
            assert cli("add", "Written Meanwhile", "--year", "2002").exit_code == 0
            assert _answers_through_the_helper(catalog) == before_world
            before = dump_tables(catalog)
            child.kill()
            child.wait(30)
    except BrokenPipeError:
        pass
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(30)
    err = b""
    if child.stderr is not None:
        err = child.stderr.read()
        child.stderr.close()  # the suite turns an unclosed pipe's ResourceWarning into an error
    assert child.returncode == -9, err

    assert _answers_through_the_helper(catalog) == before_world
    assert world_rows(catalog, "SELECT count(*) FROM imdb.principals")[0][0] > 0
    assert dump_tables(catalog) == before
    if is_url(catalog):
        wait_for(lambda: _sync_locks(catalog) == 0, 30, "the killed sync's session to end")
    # The next sync cleans up after the killed one and switches.
    pipe.unlink()
    heat_world(tmp_path / "new", title_basics=renamed)
    sync_world(cli, tmp_path / "new")
    assert (113277, "Heat Renamed") in _answers_through_the_helper(catalog)
    if not is_url(catalog):
        assert not Path(os.environ["MOVIECLI_WORLD"] + ".new").exists()


def test_a_failing_load_leaves_the_old_world(cli: Invoke, catalog: Target, tmp_path: Path) -> None:
    sync_world(cli, heat_world(tmp_path / "old"))
    before_world = _answers_through_the_helper(catalog)
    folder = heat_world(tmp_path / "bad", gz=True)
    damaged = folder / "name.basics.tsv.gz"  # the last file read: the load is nearly done
    damaged.write_bytes(damaged.read_bytes()[:-30])
    result = cli("imdb", "sync", "--from", str(folder))
    assert result.exit_code == 1 and "damaged or cut short" in result.stderr
    assert _answers_through_the_helper(catalog) == before_world
    if not is_url(catalog):
        assert not Path(os.environ["MOVIECLI_WORLD"] + ".new").exists()
    else:
        schemas = sql_rows(catalog, "SELECT nspname FROM pg_namespace WHERE nspname LIKE 'imdb%'")
        assert schemas == [("imdb",)]


def _waits_on_a_pipe(pid: int) -> bool:
    try:
        return "pipe" in Path(f"/proc/{pid}/wchan").read_text()
    except OSError:
        pytest.skip("needs Linux's /proc to see the sync wait")


def _basics() -> list[str]:
    from tests.world_support import HEAT

    return list(HEAT)


def test_ctrl_c_in_the_middle_of_a_load_leaves_the_old_world(
    cli: Invoke, catalog: Target, tmp_path: Path
) -> None:
    import signal

    from tests.reliability_support import default_ctrl_c

    sync_world(cli, heat_world(tmp_path / "old"))
    before_world = _answers_through_the_helper(catalog)
    before = dump_tables(catalog)
    folder = heat_world(tmp_path / "new", title_basics=_basics()[:1])
    pipe = folder / "title.principals.tsv"
    pipe.unlink()
    os.mkfifo(pipe)
    child = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "moviecli",
            "--db",
            str(catalog),
            "imdb",
            "sync",
            "--from",
            str(folder),
        ],
        env=subprocess_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        preexec_fn=default_ctrl_c,
    )
    try:
        with open(pipe, "w", encoding="utf-8") as writer:
            writer.write("tconst\tordering\tnconst\tcategory\tjob\tcharacters\n")
            writer.flush()
            # Ctrl-C once the sync waits for the pipe: a signal that lands just before a
            # blocking read runs Python's handler only when the read returns.
            wait_for(lambda: _waits_on_a_pipe(child.pid), 30, "the sync to read the pipe")
            child.send_signal(signal.SIGINT)
            try:
                _, err = child.communicate(timeout=20)
            except subprocess.TimeoutExpired:
                child.send_signal(signal.SIGABRT)
                _, err = child.communicate(timeout=20)
                raise AssertionError(err.decode()) from None
    except BrokenPipeError:
        _, err = child.communicate(timeout=60)
    assert child.returncode in (130, -signal.SIGINT), err
    assert b"Error: interrupted; nothing was changed" in err
    assert b"Traceback" not in err
    assert _answers_through_the_helper(catalog) == before_world
    assert dump_tables(catalog) == before
    if not is_url(catalog):
        assert not Path(os.environ["MOVIECLI_WORLD"] + ".new").exists()
    else:
        schemas = sql_rows(catalog, "SELECT nspname FROM pg_namespace WHERE nspname LIKE 'imdb%'")
        assert schemas == [("imdb",)]
