"""A sync that meets a full disk, in a real process whose files may not grow past a
limit (RLIMIT_FSIZE, with SIGXFSZ ignored so that a write past it fails with EFBIG
as a write to a full disk fails with ENOSPC): the previous world and the catalog stay
as they were, and the user reads one `Error:` line, no traceback."""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.checks import add
from tests.conftest import Invoke, Target, dump_tables, is_url
from tests.reliability_support import subprocess_env
from tests.test_world_download import Server
from tests.world_support import heat_world, make_world, sync_world, world_rows

pytestmark = pytest.mark.both_engines


def _limited(size: int) -> Callable[[], None]:
    def limit() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))

    return limit


def _sync_on_a_small_disk(catalog: Target, limit: int, *args: str) -> tuple[int, str]:
    child = subprocess.run(
        [sys.executable, "-m", "moviecli", "--db", str(catalog), "imdb", "sync", *args],
        env=subprocess_env(),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        preexec_fn=_limited(limit),
        timeout=120,
    )
    return child.returncode, child.stderr.decode()


def _one_error_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("Error: ") and "Traceback" not in stderr, stderr
    return lines[0]


@pytest.mark.sqlite_only  # PostgreSQL's world is written by the server, not this process
def test_a_full_disk_during_the_load_leaves_the_old_world(
    cli: Invoke, catalog: Target, tmp_path: Path
) -> None:
    sync_world(cli, heat_world(tmp_path / "old"))
    add(cli, "Some Film Of Mine", 2001)
    before = dump_tables(catalog)
    old_world = Path(os.environ["MOVIECLI_WORLD"])
    old_bytes = old_world.read_bytes()
    bigger = make_world(tmp_path / "tiny", "--preset", "tiny", "--plain")

    # The new world may not grow past the old one's size (not a page boundary, so that
    # SQLite meets a short write as well as a refused one).
    code, stderr = _sync_on_a_small_disk(catalog, len(old_bytes) + 100, "--from", str(bigger))

    assert code == 1, stderr
    line = _one_error_line(stderr)
    assert " is full" in line and "previous world is unchanged" in line, line
    assert old_world.read_bytes() == old_bytes
    assert not Path(f"{old_world}.new").exists()
    assert world_rows(catalog, "SELECT primary_title FROM imdb.titles WHERE id = 113277") == [
        ("Heat",)
    ]
    assert dump_tables(catalog) == before
    # With room again, the same sync goes through.
    sync_world(cli, bigger)
    assert world_rows(catalog, "SELECT count(*) FROM imdb.titles")[0][0] > 4


def test_a_full_disk_during_the_download_leaves_the_old_world(
    cli: Invoke,
    catalog: Target,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    served = heat_world(tmp_path / "served", gz=True)
    server = Server(served)
    try:
        monkeypatch.setenv("MOVIECLI_IMDB_URL", server.url)
        assert cli("imdb", "sync").exit_code == 0
        add(cli, "Some Film Of Mine", 2001)
        before = dump_tables(catalog)
        titles = world_rows(catalog, "SELECT id, primary_title FROM imdb.titles ORDER BY id")
        # The server now has far bigger files than the disk's room.
        make_world(tmp_path / "next", "--preset", "tiny")
        for name in (tmp_path / "next").iterdir():
            os.replace(name, served / name.name)
        largest = max(p.stat().st_size for p in served.iterdir())

        code, stderr = _sync_on_a_small_disk(catalog, largest // 2)

        assert code == 1, stderr
        line = _one_error_line(stderr)
        assert " is full" in line and "previous world is unchanged" in line, line
        assert (
            world_rows(catalog, "SELECT id, primary_title FROM imdb.titles ORDER BY id") == titles
        )
        assert dump_tables(catalog) == before
        if not is_url(catalog):
            assert not Path(os.environ["MOVIECLI_WORLD"] + ".new").exists()
        # With room again, the sync resumes and loads the new files.
        assert cli("imdb", "sync").exit_code == 0
        assert world_rows(catalog, "SELECT count(*) FROM imdb.titles")[0][0] > 4
    finally:
        server.stop()
