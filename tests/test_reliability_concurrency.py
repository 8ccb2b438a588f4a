"""Many terminals on one catalog: 8 real processes rate, unrate, add and import at once.

Nothing may fail with "database is locked", no rating may be lost or doubled,
and the stored aggregates must equal a recomputation afterwards. A write lock
held past the busy timeout must give the one readable "busy" line."""

from __future__ import annotations

import json
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from tests.checks import query
from tests.conftest import Invoke, Target, dump_tables, is_url, json_out
from tests.reliability_support import (
    close_pipes,
    default_ctrl_c,
    subprocess_env,
    wait_for,
)

pytestmark = [pytest.mark.both_engines, pytest.mark.slow]

PROCESSES = 8
SHARED_MOVIES = 6
OWN_MOVIES = 3
IMPORTED_MOVIES = 4
STEPS = 20
HALF_STARS = [n / 2 for n in range(1, 11)]
BUSY_LINE = "Error: the catalog is busy (another moviecli is writing); try again"

# One terminal: waits until every process is up (imports done), then runs its plan
# through the real CLI function, one whole command after another, and reports each
# command's exit code, stderr and any exception that escaped the error handler.
DRIVER = """
import json, sys, time
from pathlib import Path
from typer.testing import CliRunner
from moviecli.cli import app

db, plan_file, out, ready, go = sys.argv[1:6]
plan = json.loads(Path(plan_file).read_text())
runner = CliRunner()
Path(ready).touch()
deadline = time.monotonic() + 60
while not Path(go).exists():
    if time.monotonic() > deadline:
        sys.exit("no go signal")
    time.sleep(0.01)
results = []
for args in plan:
    r = runner.invoke(app, ["--db", db, *args])
    escaped = None
    if r.exception is not None and not isinstance(r.exception, SystemExit):
        escaped = repr(r.exception)
    results.append({"args": args, "code": r.exit_code, "stderr": r.stderr, "escaped": escaped})
Path(out).write_text(json.dumps(results))
"""


class Plan:
    """One process's commands, and what the catalog must hold because of them."""

    def __init__(self, process: int, shared_ids: list[int], rng: random.Random, work: Path) -> None:
        self.user = f"u{process}"
        self.commands: list[list[str]] = []
        self.own_last: dict[str, float] = {}  # movie ref -> last score of self.user
        self.everyone_scores: dict[int, set[float]] = {}
        # A Letterboxd export of this terminal's own, imported twice (the second time
        # must change nothing) in the middle of everyone else's writes.
        self.importer = f"lb{process}"
        self.imported = {f"P{process} Import {k}": (k % 10 + 1) / 2 for k in range(IMPORTED_MOVIES)}
        export = work / f"letterboxd{process}.csv"
        export.write_text(
            "Date,Name,Year,Letterboxd URI,Rating\n"
            + "".join(
                f"2024-01-0{k + 1},{title},2010,https://boxd.it/p{process}k{k},{score}\n"
                for k, (title, score) in enumerate(self.imported.items())
            )
        )
        own_titles = [f"P{process} Film {k}" for k in range(OWN_MOVIES)]
        for title in own_titles:
            self.commands.append(["add", title, "--year", "2001", "--genre", "drama"])
        self.commands.append(["import", str(export), "--user", self.importer])
        # Every process adds the same movie: exactly one add may win.
        self.commands.append(["add", "Contested", "--year", "1999"])
        self.rate("Contested", rng.choice(HALF_STARS))
        refs = [str(i) for i in shared_ids] + own_titles
        for _ in range(STEPS):
            roll = rng.random()
            if roll < 0.55:
                self.rate(rng.choice(refs), rng.choice(HALF_STARS))
            elif roll < 0.70:
                movie = rng.choice(shared_ids)
                score = rng.choice(HALF_STARS)
                self.everyone_scores.setdefault(movie, set()).add(score)
                self.commands.append(["rate", str(movie), str(score), "--user", "everyone"])
            elif roll < 0.80 and self.own_last:
                ref = rng.choice(sorted(self.own_last))
                del self.own_last[ref]
                self.commands.append(["unrate", ref, "--user", self.user])
            elif roll < 0.85:
                self.commands.append(["top", "--format", "json"])
            elif roll < 0.90:
                self.commands.append(["import", str(export), "--user", self.importer])
            else:
                self.commands.append(["show", rng.choice(refs), "--format", "json"])

    def rate(self, ref: str, score: float) -> None:
        self.own_last[ref] = score
        self.commands.append(["rate", ref, str(score), "--user", self.user])


def test_eight_terminals_lose_nothing(cli: Invoke, catalog: Path, tmp_path: Path) -> None:
    shared_ids = [
        json_out(cli("add", f"Shared {n}", "--year", "2000", "--format", "json"))["id"]
        for n in range(SHARED_MOVIES)
    ]
    rng = random.Random(20240604)
    work = tmp_path / "terminals"
    work.mkdir()
    plans = [Plan(p, shared_ids, rng, work) for p in range(PROCESSES)]
    driver = work / "driver.py"
    driver.write_text(DRIVER)
    go = work / "go"
    procs = []
    for p, plan in enumerate(plans):
        plan_file = work / f"plan{p}.json"
        plan_file.write_text(json.dumps(plan.commands))
        argv = [
            sys.executable,
            str(driver),
            str(catalog),
            str(plan_file),
            str(work / f"out{p}.json"),
            str(work / f"ready{p}"),
            str(go),
        ]
        procs.append(
            subprocess.Popen(argv, env=subprocess_env(), stderr=subprocess.PIPE, text=True)
        )
    try:
        wait_for(
            lambda: all((work / f"ready{p}").exists() for p in range(PROCESSES)),
            60,
            "every terminal to start",
        )
        started = time.monotonic()
        go.touch()
        for proc in procs:
            _, err = proc.communicate(timeout=120)
            assert proc.returncode == 0, err
        elapsed = time.monotonic() - started
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()

    results = [r for p in range(PROCESSES) for r in json.loads((work / f"out{p}.json").read_text())]
    assert len(results) == sum(len(plan.commands) for plan in plans)
    assert [r for r in results if r["escaped"]] == []
    failures = [r for r in results if r["code"] != 0]
    assert not [r for r in failures if "locked" in r["stderr"] or "busy" in r["stderr"]]
    # The only refusals: the 7 losers of the race to add "Contested".
    assert [r["args"][:2] for r in failures] == [["add", "Contested"]] * (PROCESSES - 1), failures
    for r in failures:
        assert r["code"] == 1
        assert r["stderr"].startswith("Error: 'Contested (1999)' is already in the catalog as id ")
    print(f"{len(results)} commands in {elapsed:.1f}s, {len(failures)} expected refusals")

    ids = {title: movie_id for movie_id, title in query(catalog, "SELECT id, title FROM movies")}
    # No doubled add, and no movie imported twice.
    assert len(ids) == SHARED_MOVIES + PROCESSES * (OWN_MOVIES + IMPORTED_MOVIES) + 1
    rows = query(
        catalog,
        "SELECT r.movie_id, u.name, r.score FROM ratings r JOIN users u ON u.id = r.user_id",
    )
    stored = query(catalog, "SELECT id, rating_count, rating_sum FROM movies")

    expected: dict[tuple[int, str], float | set[float]] = {}
    for plan in plans:
        for ref, score in plan.own_last.items():
            expected[(int(ref) if ref.isdigit() else ids[ref], plan.user)] = score
    everyone: dict[int, set[float]] = {}
    for plan in plans:
        for movie, scores in plan.everyone_scores.items():
            everyone.setdefault(movie, set()).update(scores)
    for movie, scores in everyone.items():
        expected[(movie, "everyone")] = scores
    for plan in plans:
        for title, score in plan.imported.items():
            expected[(ids[title], plan.importer)] = score

    actual = {(movie, user): score for movie, user, score in rows}
    assert len(actual) == len(rows)  # one row per (movie, user): nothing doubled
    assert set(actual) == set(expected)  # nothing lost, nothing resurrected
    for pair, score in actual.items():
        want = expected[pair]
        if isinstance(want, set):  # several terminals raced: one of their scores won
            assert score in want, pair
        else:  # one terminal owns this pair: its last score is the one kept
            assert score == want, pair

    recomputed: dict[int, tuple[int, float]] = {}
    for (movie, _), score in actual.items():
        count, total = recomputed.get(movie, (0, 0.0))
        recomputed[movie] = (count + 1, total + score)
    for movie_id, count, total in stored:
        assert (count, total) == recomputed.get(movie_id, (0, 0.0)), movie_id

    check = subprocess.run(
        [sys.executable, "-m", "moviecli", "--db", str(catalog), "db", "check"],
        env=subprocess_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert check.returncode == 0, check.stderr
    assert check.stdout.startswith("ok: ")


def hold_write_lock(path: Target) -> Any:
    """What another moviecli in the middle of a write looks like: BEGIN IMMEDIATE (SQLite)
    or the writers' advisory lock (PostgreSQL), a change made, not ended."""
    if is_url(path):
        import psycopg

        from moviecli.store.engine import WRITE_LOCK_KEY

        pg = psycopg.connect(str(path))  # a transaction begins with the first statement
        pg.execute(f"SELECT pg_advisory_xact_lock({WRITE_LOCK_KEY})")  # type: ignore[arg-type]
        pg.execute("UPDATE movies SET director = 'held' WHERE id = 1")
        return pg
    holder = sqlite3.connect(path, isolation_level=None, timeout=0)
    holder.execute("BEGIN IMMEDIATE")
    holder.execute("UPDATE movies SET director = 'held' WHERE id = 1")
    return holder


def test_a_lock_held_past_the_timeout_says_busy(seeded: Path) -> None:
    """A real process, a real lock, a real clock."""
    before = dump_tables(seeded)
    holder = hold_write_lock(seeded)
    try:
        started = time.monotonic()
        result = subprocess.run(
            [sys.executable, "-m", "moviecli", "--db", str(seeded), "rate", "1", "4"],
            env=subprocess_env(MOVIECLI_BUSY_TIMEOUT="0.5"),
            capture_output=True,
            text=True,
            timeout=60,
        )
        elapsed = time.monotonic() - started
    finally:
        holder.rollback()
        holder.close()
    assert result.returncode == 1
    assert result.stderr == BUSY_LINE + "\n"
    assert result.stdout == ""
    # It waited for the lock (0.5 s) and no longer than that plus start-up: the
    # variable was honoured rather than the 10 s default.
    assert 0.5 <= elapsed < 8, elapsed
    assert dump_tables(seeded) == before


@pytest.mark.parametrize(
    "args",
    [
        ["add", "Blocked", "--year", "2001"],
        ["edit", "1", "--title", "Blocked"],
        ["delete", "1", "--yes"],
        ["unrate", "The Godfather", "--user", "alice"],
        ["seed"],
    ],
    ids=["add", "edit", "delete", "unrate", "seed"],
)
def test_every_writer_says_busy_the_same_way(
    cli: Invoke, seeded: Path, monkeypatch: pytest.MonkeyPatch, args: list[str]
) -> None:
    monkeypatch.setenv("MOVIECLI_BUSY_TIMEOUT", "0.2")
    before = dump_tables(seeded)
    holder = hold_write_lock(seeded)
    try:
        started = time.monotonic()
        result = cli(*args)
        elapsed = time.monotonic() - started
    finally:
        holder.rollback()
        holder.close()
    assert (result.exit_code, result.stderr, result.stdout) == (1, BUSY_LINE + "\n", "")
    assert elapsed >= 0.2
    assert dump_tables(seeded) == before


def test_readers_are_not_blocked_by_a_writer(cli: Invoke, seeded: Path, monkeypatch) -> None:
    monkeypatch.setenv("MOVIECLI_BUSY_TIMEOUT", "0")
    holder = hold_write_lock(seeded)
    try:
        listed = json_out(cli("list", "--format", "json", "--limit", "0"))
        # WAL: the reader sees the last committed state, not the writer's change.
        assert all(movie["director"] != "held" for movie in listed)
        assert cli("top").exit_code == 0
        refused = cli("rate", "1", "4")
        assert refused.exit_code == 1
        assert refused.stderr == BUSY_LINE + "\n"
    finally:
        holder.rollback()
        holder.close()
    assert cli("rate", "1", "4").exit_code == 0  # and the lock going away ends it


@pytest.mark.parametrize("value", ["soon", "-1", "nan", "inf", "1e9"])
def test_a_bad_busy_timeout_is_refused(cli: Invoke, seeded: Path, monkeypatch, value) -> None:
    monkeypatch.setenv("MOVIECLI_BUSY_TIMEOUT", value)
    result = cli("list")
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: MOVIECLI_BUSY_TIMEOUT must be a number of seconds from 0 to 3600 (got '{value}')\n"
    )


class Prompted:
    """A real `moviecli delete` sitting at its confirmation question."""

    def __init__(self, catalog: Path, ref: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "moviecli", "--db", str(catalog), "delete", ref],
            env=subprocess_env(),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            preexec_fn=default_ctrl_c,
        )
        self.err = bytearray()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        wait_for(
            lambda: b"Delete #" in self.err or self.proc.poll() is not None, 60, "the question"
        )
        assert self.proc.poll() is None, bytes(self.err)

    def _read(self) -> None:
        assert self.proc.stderr is not None
        while chunk := self.proc.stderr.read1(1024):  # type: ignore[attr-defined]
            self.err += chunk

    def finish(self, answer: bytes | None = None, sig: int | None = None) -> tuple[int, str, str]:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        if sig is not None:
            self.proc.send_signal(sig)
        if answer is not None:
            self.proc.stdin.write(answer)
            self.proc.stdin.flush()
        code = self.proc.wait(timeout=30)
        self._reader.join(timeout=10)
        out = self.proc.stdout.read().decode()
        close_pipes(self.proc)
        return code, out, bytes(self.err).decode()


def test_a_delete_waiting_for_its_question_does_not_block_other_terminals(
    cli: Invoke, seeded: Path, monkeypatch
) -> None:
    prompted = Prompted(seeded, "The Godfather")
    try:
        monkeypatch.setenv("MOVIECLI_BUSY_TIMEOUT", "0.5")
        rated = cli("rate", "Inception", "2", "--user", "other-terminal")
        assert rated.exit_code == 0, rated.stderr
    finally:
        code, _, err = prompted.finish(answer=b"y\n")
    assert code == 0, err
    titles = {movie["title"] for movie in json_out(cli("list", "-f", "json", "--limit", "0"))}
    assert "The Godfather" not in titles
    assert json_out(cli("ratings", "--user", "other-terminal", "-f", "json"))[0]["score"] == 2


def test_ctrl_c_at_the_question_deletes_nothing(seeded: Path) -> None:
    before = dump_tables(seeded)
    code, _, err = Prompted(seeded, "The Godfather").finish(sig=signal.SIGINT)
    assert "Traceback" not in err
    assert err.endswith("[y/N]: \nError: interrupted; nothing was changed\n"), err
    assert code == -signal.SIGINT  # ended by SIGINT, so a shell loop around it stops
    assert dump_tables(seeded) == before
