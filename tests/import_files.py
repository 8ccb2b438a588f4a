"""Helpers for the import and export tests: write small input files, read the summary."""

from __future__ import annotations

import os
import re
import sqlite3
from pathlib import Path

from typer.testing import Result

from tests.conftest import Target, is_url


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode(encoding))
    return path


def counts(result: Result, label: str) -> dict[str, int]:
    """From a summary line such as '  ratings  5 added, 1 replaced, 0 unchanged'."""
    assert result.exit_code == 0, result.output
    for line in result.stdout.splitlines():
        if line.strip().startswith(label + " "):
            return {
                word: int(number.replace(",", ""))
                for number, word in re.findall(r"(\d[\d,]*) (\w+)", line)
            }
    return {}


def skipped(result: Result) -> dict[str, int]:
    """The skipped reasons and their counts."""
    found: dict[str, int] = {}
    lines = result.stdout.splitlines()
    for i, line in enumerate(lines):
        if line.strip().startswith("skipped"):
            for more in lines[i + 1 :]:
                match = re.match(r"^\s{4}\s*([\d,]+)  (.+)$", more)
                if not match:
                    break
                found[match[2]] = int(match[1].replace(",", ""))
    return found


# make_movielens.py lives beside the checkout (../shared/data); a checkout elsewhere
# (a git worktree) names it in MOVIECLI_DATA_GENERATOR.
GENERATOR = Path(
    os.environ.get("MOVIECLI_DATA_GENERATOR")
    or Path(__file__).resolve().parents[2] / "shared" / "data" / "make_movielens.py"
)


def integrity(target: Target) -> tuple[str, list[tuple[object, ...]]]:
    """SQLite's own checks of the file, or ("ok", []) for a server catalog, where
    `db check` (run by the tests beside this) is what looks for orphans."""
    if is_url(target):
        return "ok", []
    connection = sqlite3.connect(target)
    try:
        check = connection.execute("PRAGMA integrity_check").fetchone()[0]
        foreign = connection.execute("PRAGMA foreign_key_check").fetchall()
    finally:
        connection.close()
    return check, foreign
