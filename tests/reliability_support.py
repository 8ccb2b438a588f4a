"""Helpers shared by the tests/test_reliability_*.py files: real subprocesses, bounded
polling, and a seeded catalog made once and copied (seeding per test is slow)."""

from __future__ import annotations

import os
import shutil
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from moviecli.cli import app

REPO = Path(__file__).resolve().parent.parent


def subprocess_env(**extra: str) -> dict[str, str]:
    """The test's environment (temp data folder, user, NO_COLOR) for a child process."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    env.update(extra)
    return env


def wait_for(condition: Callable[[], object], timeout: float, what: str) -> None:
    """Bounded polling on an observable condition (never sleep-and-hope)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.02)


def make_seeded_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A seeded catalog, made once per module (use it through a module-scoped fixture)."""
    path = tmp_path_factory.mktemp("template") / "movies.db"
    result = CliRunner().invoke(app, ["--db", str(path), "seed"], env={"NO_COLOR": "1"})
    assert result.exit_code == 0, result.output
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path


def copy_catalog(template: Path, db_path: Path) -> Path:
    """The template copied to this test's catalog path: much faster than seeding anew."""
    db_path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(template, db_path)
    return db_path
