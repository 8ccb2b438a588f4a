"""The data folder is owner-only, and no catalog file (or its -wal/-shm, or a backup) is
readable by group or others, whatever the umask."""

from __future__ import annotations

import os
import stat
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from moviecli.cli import app
from tests.conftest import Invoke

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX file modes")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(params=[0o022, 0o002, 0o000], ids=["umask-022", "umask-002", "umask-000"])
def umask(request: pytest.FixtureRequest) -> Iterator[int]:
    old = os.umask(request.param)
    try:
        yield request.param
    finally:
        os.umask(old)


@pytest.fixture
def files_seen_mid_write(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """The modes of the catalog's files while moviecli's own connection has them open
    (SQLite removes -wal and -shm when the last connection closes)."""
    from moviecli.store.repo.movies import Movies

    seen: dict[str, int] = {}
    original = Movies.add_movie

    def add_movie(self, **kwargs):  # type: ignore[no-untyped-def]
        result = original(self, **kwargs)
        self.session.flush()
        database = Path(self.session.get_bind().url.database)
        for path in database.parent.iterdir():
            if path.name.startswith(database.name):
                seen[path.name.removeprefix(database.name) or "db"] = mode(path)
        return result

    monkeypatch.setattr(Movies, "add_movie", add_movie)
    return seen


def test_default_folder_and_files_are_owner_only(
    isolated_environment: Path, umask: int, files_seen_mid_write: dict[str, int]
) -> None:
    folder = isolated_environment / "moviecli"
    assert not folder.exists()
    result = CliRunner().invoke(app, ["add", "Heat", "--year", "1995"])  # no --db: the default
    assert result.exit_code == 0, result.output
    assert mode(folder) == 0o700
    assert mode(folder / "movies.db") == 0o600
    # While it was writing, the journal files existed and were owner-only too.
    assert {"db", "-wal", "-shm"} <= set(files_seen_mid_write), files_seen_mid_write
    assert all(m & 0o077 == 0 for m in files_seen_mid_write.values()), files_seen_mid_write


def test_a_new_catalog_given_with_db_is_owner_only(
    cli: Invoke, db_path: Path, umask: int, files_seen_mid_write: dict[str, int]
) -> None:
    assert cli("add", "Heat", "--year", "1995").exit_code == 0
    assert mode(db_path) == 0o600
    assert {"db", "-wal", "-shm"} <= set(files_seen_mid_write), files_seen_mid_write
    assert all(m & 0o077 == 0 for m in files_seen_mid_write.values()), files_seen_mid_write


def test_a_catalog_named_by_url_is_owner_only(tmp_path: Path, umask: int) -> None:
    path = tmp_path / "by-url.db"
    result = CliRunner().invoke(app, ["--db", f"sqlite:///{path}", "seed"])
    assert result.exit_code == 0, result.output
    assert mode(path) == 0o600


def test_a_backup_copy_is_owner_only(cli: Invoke, seeded: Path, umask: int) -> None:
    copy = seeded.with_name("copy.db")
    assert cli("db", "backup", str(copy)).exit_code == 0
    assert mode(copy) == 0o600
