"""`moviecli --help`, `--version` and completion must not load the database layer,
and ordinary commands must not load Alembic (issue 5, targets 1 and 2)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

# Whole processes under -X importtime: slow.
pytestmark = pytest.mark.slow

DATABASE_MODULES = ("sqlalchemy", "sqlmodel", "alembic")


CONSOLE_SCRIPT = Path(sys.executable).parent / "moviecli"


def imported_modules(
    *args: str, env: dict[str, str] | None = None, stdout: list[str] | None = None
) -> set[str]:
    """Top-level package names a real `moviecli ARGS` process imported (the console
    script: Click completes only under the program name `moviecli`)."""
    result = subprocess.run(
        [sys.executable, "-X", "importtime", str(CONSOLE_SCRIPT), *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=60,
    )
    assert "Traceback" not in result.stderr, result.stderr
    if stdout is not None:
        stdout.append(result.stdout)
    names = set()
    for line in result.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            names.add(line.rsplit("|", 1)[1].strip().split(".")[0])
    assert "typer" in names, "the import trace was not captured"
    return names


@pytest.mark.parametrize("args", [["--help"], ["--version"], ["db", "--help"], ["top", "--help"]])
def test_help_and_version_do_not_import_the_database_layer(args: list[str]) -> None:
    loaded = imported_modules(*args)
    assert not loaded & set(DATABASE_MODULES), sorted(loaded & set(DATABASE_MODULES))


def test_shell_completion_does_not_import_the_database_layer() -> None:
    env = {"_MOVIECLI_COMPLETE": "complete_bash", "COMP_WORDS": "moviecli li", "COMP_CWORD": "1"}
    out: list[str] = []
    loaded = imported_modules(env=env, stdout=out)
    assert out[0].split() == ["list", "lists"], out  # it really completed (not help)
    assert not loaded & set(DATABASE_MODULES)


def test_ordinary_commands_do_not_import_alembic(tmp_path: Path) -> None:
    db = tmp_path / "movies.db"
    seeded = subprocess.run(
        [sys.executable, "-m", "moviecli", "--db", str(db), "seed"], capture_output=True, text=True
    )
    assert seeded.returncode == 0, seeded.stderr
    for args in (["list"], ["top"], ["show", "1"], ["rate", "1", "4", "--user", "x"]):
        loaded = imported_modules("--db", str(db), *args)
        assert "sqlalchemy" in loaded  # the command really ran against the catalog
        assert "alembic" not in loaded, args


def test_console_script_collects_garbage_again_once_a_command_opens_its_catalog(
    tmp_path: Path,
) -> None:
    """main() pauses Python's cyclic GC while modules load (moviecli/startup.py); a command
    must run with it on again, or a long import could grow without bound."""
    code = (
        "import gc, sys\n"
        "from moviecli import cli\nfrom moviecli.store import catalog as db\n"
        "states = []\n"
        "original = db.Catalog.session\n"
        "def session(self, **kw):\n"
        "    states.append(gc.isenabled())\n"
        "    return original(self, **kw)\n"
        "db.Catalog.session = session\n"
        f"sys.argv = ['moviecli', '--db', {str(tmp_path / 'movies.db')!r}, 'seed']\n"
        "try:\n"
        "    cli.main()\n"
        "finally:\n"
        "    print('GC', states, file=sys.stderr)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert "GC [True]" in result.stderr, result.stderr


def test_app_called_directly_keeps_pythons_gc_settings() -> None:
    import gc

    from moviecli import startup

    assert gc.isenabled()
    startup.resume()  # nothing was paused: nothing changes
    assert gc.isenabled()


NUMERICAL_MODULES = ("numpy", "scipy")


def test_only_recommend_and_taste_import_numerical_libraries(tmp_path: Path) -> None:
    db = tmp_path / "movies.db"
    seeded = subprocess.run(
        [sys.executable, "-m", "moviecli", "--db", str(db), "seed"], capture_output=True, text=True
    )
    assert seeded.returncode == 0, seeded.stderr
    env = {"XDG_CACHE_HOME": str(tmp_path / "cache")}
    for args in (["--help"], ["list"], ["top"], ["show", "1"], ["stats"], ["recommend", "--help"]):
        loaded = imported_modules("--db", str(db), *args, env=env)
        assert not loaded & set(NUMERICAL_MODULES), (args, sorted(loaded & set(NUMERICAL_MODULES)))
    for args in (["recommend", "-u", "x"], ["taste", "-u", "x"]):
        assert "numpy" in imported_modules("--db", str(db), *args, env=env), args
