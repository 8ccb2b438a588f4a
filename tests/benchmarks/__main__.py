"""moviecli's speed benchmark: whole-process timings, each case against a reference
measured in the same run, in alternating order, reported as medians and ratios.

    uv run python -m tests.benchmarks              # everything (generates the 25m data once)
    uv run python -m tests.benchmarks --skip-25m   # startup and small-catalog cases only

Data comes from ../shared/data/make_movielens.py and is cached under
$MOVIECLI_BENCH_DIR (default: <tmp>/moviecli-bench). Not part of `uv run pytest`.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
GENERATOR = REPO.parent / "shared" / "data" / "make_movielens.py"
BIN = Path(sys.executable).parent
MOVIECLI = str(BIN / "moviecli")


@dataclass
class Outcome:
    case: str
    measured: float
    reference: float
    goal: float
    unit: str = "s"
    note: str = ""

    @property
    def ratio(self) -> float:
        return self.measured / self.reference

    @property
    def met(self) -> bool:
        return self.ratio <= self.goal


@dataclass
class Run:
    seconds: float
    max_rss_kib: int


def run(cmd: Sequence[str], *, env: dict[str, str] | None = None, check: bool = True) -> Run:
    """Run a whole process; its wall time and peak RSS (from wait4, no extra tools)."""
    start = time.perf_counter()
    process = subprocess.Popen(
        cmd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, "NO_COLOR": "1", **(env or {})},
    )
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    stderr = process.stderr.read().decode() if process.stderr else ""
    if process.stderr:
        process.stderr.close()
    code = os.waitstatus_to_exitcode(status)
    if check and code != 0:
        raise SystemExit(f"benchmark step failed ({code}): {' '.join(cmd)}\n{stderr}")
    return Run(elapsed, usage.ru_maxrss)


def alternate(
    measured: Callable[[], Run], reference: Callable[[], Run], runs: int
) -> tuple[float, float]:
    """Medians of `runs` alternating runs of both (after one warm-up each)."""
    measured()
    reference()
    ours: list[float] = []
    theirs: list[float] = []
    for i in range(runs):
        first, second = (measured, reference) if i % 2 == 0 else (reference, measured)
        a = first().seconds
        b = second().seconds
        if first is measured:
            ours.append(a)
            theirs.append(b)
        else:
            ours.append(b)
            theirs.append(a)
    return statistics.median(ours), statistics.median(theirs)


def moviecli(db: Path, *args: str) -> Callable[[], Run]:
    return lambda: run([MOVIECLI, "--db", str(db), *args])


def python(code: str) -> Callable[[], Run]:
    return lambda: run([sys.executable, "-c", code])


def dataset(cache: Path, preset: str) -> Path:
    folder = cache / f"ml-{preset}"
    if not (folder / "ratings.csv").exists():
        print(f"generating the {preset} data set in {folder} ...", flush=True)
        subprocess.run(
            [sys.executable, str(GENERATOR), str(folder), "--preset", preset], check=True
        )
    return folder


def fresh_catalog(path: Path) -> Path:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return path


def most_rated_movie(db: Path) -> str:
    with sqlite3.connect(db) as connection:
        row = connection.execute(
            "SELECT id FROM movies ORDER BY rating_count DESC, id LIMIT 1"
        ).fetchone()
    return str(row[0])


def bare_typer_app(folder: Path) -> Path:
    script = folder / "bare_typer_app.py"
    script.write_text(
        textwrap.dedent(
            """
            import typer

            app = typer.Typer()

            @app.command()
            def hello(name: str) -> None:
                print(f"hello {name}")

            @app.command()
            def bye(name: str) -> None:
                print(f"bye {name}")

            app()
            """
        )
    )
    return script


def startup_cases(work: Path, runs: int) -> list[Outcome]:
    bare = bare_typer_app(work)
    reference = lambda: run([sys.executable, str(bare), "--help"])  # noqa: E731
    outcomes = []
    for label, args, env in [
        ("--help", ["--help"], None),
        ("--version", ["--version"], None),
        (
            "completion",
            [],
            {"_MOVIECLI_COMPLETE": "complete_bash", "COMP_WORDS": "moviecli li", "COMP_CWORD": "1"},
        ),
    ]:
        ours, theirs = alternate(lambda a=args, e=env: run([MOVIECLI, *a], env=e), reference, runs)
        outcomes.append(
            Outcome(f"startup: moviecli {label}", ours, theirs, 1.5, note="vs bare Typer --help")
        )
    return outcomes


def command_cases(db: Path, movie: str) -> list[tuple[str, list[str]]]:
    return [
        ("list --limit 20", ["list", "--limit", "20"]),
        (f"show {movie}", ["show", movie]),
        (f"rate {movie} 4", ["rate", movie, "4", "--user", "bench"]),
        ("top", ["top"]),
    ]


def small_catalog_cases(work: Path, cache: Path, runs: int) -> list[Outcome]:
    data = dataset(cache, "small")
    db = fresh_catalog(work / "small.db")
    run([MOVIECLI, "--db", str(db), "import", str(data)])
    movie = most_rated_movie(db)
    floor = python("import typer, rich.table, sqlmodel")
    outcomes = []
    for label, args in command_cases(db, movie):
        ours, theirs = alternate(moviecli(db, *args), floor, runs)
        outcomes.append(Outcome(f"small: {label}", ours, theirs, 1.3, note="vs import floor"))
    return outcomes


def big_catalog_cases(work: Path, cache: Path, runs: int) -> list[Outcome]:
    data = dataset(cache, "25m")
    seeded = fresh_catalog(work / "seeded.db")
    run([MOVIECLI, "--db", str(seeded), "seed"])

    bare = fresh_catalog(work / "bare.db")
    ratings_csv = data / "ratings.csv"
    sqlite3_import = run(
        ["sqlite3", str(bare), "-cmd", ".mode csv", f".import {ratings_csv} ratings"]
    )
    big = fresh_catalog(cache / "big.db")
    ours = run([MOVIECLI, "--db", str(big), "import", str(data)])
    outcomes = [
        Outcome(
            "25m: import (time)",
            ours.seconds,
            sqlite3_import.seconds,
            2.0,
            note="vs sqlite3 .import of ratings.csv",
        ),
        Outcome(
            "25m: import (peak RSS MiB)",
            ours.max_rss_kib / 1024,
            300,
            1.0,
            unit="MiB",
            note="limit 300 MiB",
        ),
    ]
    fresh_catalog(bare)
    big_movie = most_rated_movie(big)
    seeded_movie = most_rated_movie(seeded)
    for (label, big_args), (_, seeded_args) in zip(
        command_cases(big, big_movie), command_cases(seeded, seeded_movie), strict=True
    ):
        measured, reference = alternate(
            moviecli(big, *big_args), moviecli(seeded, *seeded_args), runs
        )
        outcomes.append(
            Outcome(f"25m: {label}", measured, reference, 1.2, note="vs seeded catalog")
        )
    return outcomes


def report(outcomes: list[Outcome], runs: int) -> str:
    lines = [
        f"moviecli benchmark, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}, medians of {runs} runs",
        "",
        f"{'case':<36} {'moviecli':>10} {'reference':>10} {'ratio':>7} {'goal':>6}  met  reference",
    ]
    for o in outcomes:
        fmt = (lambda v: f"{v:8.3f} s") if o.unit == "s" else (lambda v: f"{v:6.0f} MiB")
        lines.append(
            f"{o.case:<36} {fmt(o.measured):>10} {fmt(o.reference):>10} {o.ratio:7.2f} "
            f"{o.goal:6.1f}  {'yes' if o.met else 'NO ':<3}  {o.note}"
        )
    met = sum(o.met for o in outcomes)
    lines += ["", f"{met} of {len(outcomes)} targets met"]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.benchmarks", description=__doc__)
    parser.add_argument("--runs", type=int, default=7, help="timed runs per case (odd is best)")
    parser.add_argument("--skip-25m", action="store_true", help="skip the 25M-rating cases")
    args = parser.parse_args()
    if shutil.which("sqlite3") is None and not args.skip_25m:
        raise SystemExit("the 25m cases need the sqlite3 shell on PATH")
    cache = Path(
        os.environ.get("MOVIECLI_BENCH_DIR", Path(tempfile.gettempdir()) / "moviecli-bench")
    )
    cache.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        outcomes = startup_cases(work, args.runs)
        outcomes += small_catalog_cases(work, cache, args.runs)
        if not args.skip_25m:
            outcomes += big_catalog_cases(work, cache, args.runs)
    print(report(outcomes, args.runs))
    sys.exit(0 if all(o.met for o in outcomes) else 1)


if __name__ == "__main__":
    main()
