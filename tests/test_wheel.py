"""The installed wheel works outside the checkout: its migrations travel inside it.

Builds the wheel with `uv build`, installs it in a fresh venv (dependencies may come
from PyPI or uv's cache) and runs the installed `moviecli` from a temp folder."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import moviecli
from moviecli.store import schema

CHECKOUT = Path(__file__).resolve().parent.parent
UV = shutil.which("uv")

pytestmark = [pytest.mark.skipif(UV is None, reason="uv is not installed"), pytest.mark.slow]


def run(args: list[str], *, cwd: Path, env: dict[str, str], timeout: float = 300) -> str:
    result = subprocess.run(
        args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    assert result.returncode == 0, f"{args}\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    assert "Traceback" not in result.stderr
    return result.stdout + result.stderr


def outside_env(tmp_path: Path) -> dict[str, str]:
    """No trace of the checkout's venv or of the test run's import path."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "UV_PROJECT_ENVIRONMENT")
        and not k.startswith("MOVIECLI_")
        # The fresh venv's modules are not compiled: with this set (as on our machines)
        # each of the ten commands below compiled all it imported again, ~0.8 s of CPU each.
        and k != "PYTHONDONTWRITEBYTECODE"
    }
    env["XDG_DATA_HOME"] = str(tmp_path / "xdg")
    env["NO_COLOR"] = "1"
    env["MOVIECLI_USER"] = "wheel"
    return env


def test_installed_wheel_runs_its_own_migrations_outside_the_checkout(tmp_path: Path) -> None:
    assert UV is not None
    env = outside_env(tmp_path)
    dist, venv, elsewhere = tmp_path / "dist", tmp_path / "venv", tmp_path / "elsewhere"
    elsewhere.mkdir()

    run([UV, "build", "--wheel", "--out-dir", str(dist), str(CHECKOUT)], cwd=elsewhere, env=env)
    (wheel,) = dist.glob("moviecli-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "moviecli/alembic.ini" in names
    assert "moviecli/migrations/env.py" in names
    shipped = {n for n in names if n.startswith("moviecli/migrations/versions/")}
    assert len([n for n in shipped if n.endswith(".py")]) == len(schema.revisions())

    run([UV, "venv", "--quiet", "--python", sys.executable, str(venv)], cwd=elsewhere, env=env)
    python = venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    run(
        [UV, "pip", "install", "--quiet", "--python", str(python), str(wheel)],
        cwd=elsewhere,
        env=env,
    )
    exe = venv / ("Scripts/moviecli.exe" if os.name == "nt" else "bin/moviecli")

    # The installed package, not the checkout, and the wheel's own migrations.
    where = run(
        [
            str(python),
            "-c",
            "import moviecli, moviecli.store.migrate as m, moviecli.store.schema as s; "
            "print(moviecli.__file__); print(s.alembic_ini_path()); "
            "print(m.script_directory().dir)",
        ],
        cwd=elsewhere,
        env=env,
    ).splitlines()
    for line in where:
        assert Path(line).resolve().is_relative_to(venv.resolve()), where
        assert not Path(line).resolve().is_relative_to(CHECKOUT), where

    db = str(tmp_path / "x.db")
    upgraded = run([str(exe), "--db", db, "db", "upgrade"], cwd=elsewhere, env=env)
    assert f"to {schema.head()}" in upgraded
    assert "Seeded" in run([str(exe), "--db", db, "seed"], cwd=elsewhere, env=env)
    top = json.loads(
        subprocess.run(
            [str(exe), "--db", db, "top", "--format", "json"],
            cwd=elsewhere,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        ).stdout
    )
    assert top[0]["title"] == "The Godfather"
    assert [row["rank"] for row in top] == list(range(1, len(top) + 1))
    current = run([str(exe), "--db", db, "db", "current"], cwd=elsewhere, env=env)
    assert current == f"{schema.head()} (head)\n"
    history = run([str(exe), "--db", db, "db", "history"], cwd=elsewhere, env=env)
    assert [line.split()[0] for line in history.splitlines()] == list(reversed(schema.revisions()))
    assert "ok:" in run([str(exe), "--db", db, "db", "check"], cwd=elsewhere, env=env)
    version = run([str(exe), "--version"], cwd=elsewhere, env=env)
    assert version == f"moviecli {moviecli.__version__}\n"
    # A missing default catalog reads as empty and is created (at head, owner-only) by the
    # first command that writes.
    assert json.loads(run([str(exe), "list", "--format", "json"], cwd=elsewhere, env=env)) == []
    assert not (tmp_path / "xdg" / "moviecli" / "movies.db").exists()
    run([str(exe), "add", "Ran", "--year", "1985"], cwd=elsewhere, env=env)
    assert (tmp_path / "xdg" / "moviecli" / "movies.db").is_file()
    if os.name == "posix":
        assert (tmp_path / "xdg" / "moviecli").stat().st_mode & 0o077 == 0
