"""moviecli's speed benchmark: whole-process timings, each case against a reference
measured in the same run, in alternating order, reported as medians and ratios.

    uv run python -m tests.benchmarks              # everything (generates the 25m data once)
    uv run python -m tests.benchmarks --skip-25m   # startup and small-catalog cases only
    uv run python -m tests.benchmarks --import-runs 0   # reuse the cached 25m catalog

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
from contextlib import closing
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
    goal: float | None  # None: shown for context, not a target
    unit: str = "s"
    note: str = ""

    @property
    def ratio(self) -> float:
        return self.measured / self.reference

    @property
    def met(self) -> bool:
        return self.goal is None or self.ratio <= self.goal


@dataclass
class Run:
    seconds: float
    max_rss_kib: int
    cpu_seconds: float = 0.0  # user + system: what a loaded machine's wall time hides


# Every timed process gets the same environment. Python's bytecode cache is on, as it
# is for anyone who runs an installed moviecli: with PYTHONDONTWRITEBYTECODE set (some
# shells and CI set it) each process recompiles every module it imports from source,
# which costs more than the imports themselves and swamps what is being compared. The
# cache is kept under the benchmark folder, so neither the checkout nor the venv is
# written to; each case's warm-up run fills it.
CHILD_ENV: dict[str, str] = {}


def child_env(cache: Path) -> None:
    CHILD_ENV.clear()
    CHILD_ENV.update(
        {
            k: v
            for k, v in os.environ.items()
            if k not in ("PYTHONDONTWRITEBYTECODE", "PYTHONPYCACHEPREFIX")
        }
    )
    CHILD_ENV["PYTHONPYCACHEPREFIX"] = str(cache / "pycache")
    CHILD_ENV["NO_COLOR"] = "1"


def run(cmd: Sequence[str], *, env: dict[str, str] | None = None, check: bool = True) -> Run:
    """Run a whole process; its wall time and peak RSS (from wait4, no extra tools).
    stderr goes to a file, not a pipe: a pipe fills at 64 KiB and would stall a chatty
    process (an import's progress) and so inflate its time."""
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        process = subprocess.Popen(
            cmd,
            stdout=subprocess.DEVNULL,
            stderr=err,
            env={**(CHILD_ENV or os.environ), **(env or {})},
        )
        _, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - start
        process.returncode = code = os.waitstatus_to_exitcode(status)
        if check and code != 0:
            err.seek(0)
            stderr = err.read().decode(errors="replace")
            raise SystemExit(f"benchmark step failed ({code}): {' '.join(cmd)}\n{stderr}")
    return Run(elapsed, usage.ru_maxrss, usage.ru_utime + usage.ru_stime)


def alternate(
    measured: Callable[[], Run],
    reference: Callable[[], Run],
    runs: int,
    *,
    warm_up: bool = True,
) -> tuple[list[Run], list[Run]]:
    """`runs` alternating runs of both (after one warm-up each), the order flipped every
    round so that neither side always runs on a cache the other just warmed."""
    if warm_up:
        measured()
        reference()
    ours: list[Run] = []
    theirs: list[Run] = []
    for i in range(runs):
        if i % 2 == 0:
            ours.append(measured())
            theirs.append(reference())
        else:
            theirs.append(reference())
            ours.append(measured())
    return ours, theirs


def medians(ours: list[Run], theirs: list[Run]) -> tuple[float, float]:
    return (
        statistics.median(r.seconds for r in ours),
        statistics.median(r.seconds for r in theirs),
    )


def moviecli(db: Path, *args: str) -> Callable[[], Run]:
    return lambda: run([MOVIECLI, "--db", str(db), *args])


def python(code: str) -> Callable[[], Run]:
    return lambda: run([sys.executable, "-c", code])


def dataset(cache: Path, preset: str) -> Path:
    """The preset's folder in the cache, generated once; $MOVIECLI_BENCH_ML_25M (and so
    on) names a folder generated elsewhere with the same preset."""
    folder = Path(os.environ.get(f"MOVIECLI_BENCH_ML_{preset.upper()}", cache / f"ml-{preset}"))
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


def query_one(db: Path, sql: str) -> tuple | None:
    connection = sqlite3.connect(db)
    try:
        return connection.execute(sql).fetchone()
    except sqlite3.Error:
        return None
    finally:
        connection.close()


def most_rated_movie(db: Path) -> str:
    """The worst case for `show` and `rate`: the movie with the most ratings."""
    row = query_one(db, "SELECT id FROM movies ORDER BY rating_count DESC, id LIMIT 1")
    assert row is not None, f"{db} holds no movies"
    return str(row[0])


def revision(db: Path) -> str | None:
    row = query_one(db, "SELECT version_num FROM alembic_version")
    return row[0] if row else None


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
        ours, theirs = medians(
            *alternate(lambda a=args, e=env: run([MOVIECLI, *a], env=e), reference, runs)
        )
        outcomes.append(
            Outcome(f"startup: moviecli {label}", ours, theirs, 1.5, note="vs bare Typer --help")
        )
    return outcomes


def command_cases(movie: str) -> list[tuple[str, list[str]]]:
    return [
        ("list --limit 20", ["list", "--limit", "20"]),
        ("show <most rated>", ["show", movie]),
        ("rate <most rated> 4", ["rate", movie, "4", "--user", "bench"]),
        ("top", ["top"]),
    ]


def small_catalog_cases(work: Path, cache: Path, runs: int) -> list[Outcome]:
    data = dataset(cache, "small")
    db = fresh_catalog(work / "small.db")
    run([MOVIECLI, "--db", str(db), "import", str(data)])
    movie = most_rated_movie(db)
    floor = python("import typer, rich.table, sqlmodel")
    outcomes = []
    for label, args in command_cases(movie):
        ours, theirs = medians(*alternate(moviecli(db, *args), floor, runs))
        outcomes.append(
            Outcome(
                f"small: {label}",
                ours,
                theirs,
                1.3,
                note="vs python -c 'import typer, rich.table, sqlmodel'",
            )
        )
    return outcomes + cold_cases(db, cache, runs)


def cold_cases(db: Path, cache: Path, runs: int) -> list[Outcome]:
    """The first run on a fresh machine. Every other case runs with a warm bytecode cache;
    these two do not. "no bytecode": a cache folder of its own, empty, for each run, so
    Python compiles every module it imports (what each command cost here before
    `compile-bytecode`, under PYTHONDONTWRITEBYTECODE=1). "after uv sync": the
    environment of this machine's shells (PYTHONDONTWRITEBYTECODE=1, no cache prefix), so
    the only bytecode is what `uv sync` compiled into the venv."""
    args = [MOVIECLI, "--db", str(db), "list", "--limit", "20"]
    warm = moviecli(db, "list", "--limit", "20")

    def no_bytecode() -> Run:
        prefix = Path(tempfile.mkdtemp(prefix="cold-", dir=cache))
        try:
            return run(args, env={"PYTHONPYCACHEPREFIX": str(prefix)})
        finally:
            shutil.rmtree(prefix, ignore_errors=True)

    def after_uv_sync() -> Run:
        return run(args, env={"PYTHONDONTWRITEBYTECODE": "1", "PYTHONPYCACHEPREFIX": ""})

    outcomes = []
    for label, first, goal in (
        ("no bytecode", no_bytecode, None),
        ("after uv sync", after_uv_sync, 1.3),
    ):
        ours, theirs = medians(*alternate(first, warm, runs))
        outcomes.append(
            Outcome(f"cold: list, {label}", ours, theirs, goal, note="vs the same, warm cache")
        )
    return outcomes


def import_cases(work: Path, cache: Path, data: Path, runs: int, keep_as: Path) -> list[Outcome]:
    """Our import of the whole folder against the sqlite3 shell's `.import` of its
    ratings.csv into a bare table, alternating, each into a new file. The CSV is read
    once first so that neither side pays for the cold page cache alone. The first of
    our imported catalogs becomes the cached 25m catalog when that is missing or stale."""
    ratings_csv = data / "ratings.csv"
    with ratings_csv.open("rb") as csv_file:
        while csv_file.read(1 << 24):
            pass
    bare = work / "bare.db"
    scratch = cache / "big-import.db"
    floors: list[Run] = []

    def reference() -> Run:
        fresh_catalog(bare)
        try:
            result = run(
                ["sqlite3", str(bare), "-cmd", ".mode csv", f".import {ratings_csv} ratings"]
            )
            floors.append(sqlite_floor(work, bare))
            return result
        finally:
            fresh_catalog(bare)

    def ours() -> Run:
        fresh_catalog(scratch)
        result = run([MOVIECLI, "--db", str(scratch), "import", str(data)])
        # The last connection checkpointed and removed the WAL: the file is whole.
        if not keep_as.exists() and not Path(f"{scratch}-wal").exists():
            scratch.rename(keep_as)
        fresh_catalog(scratch)
        return result

    measured, references = alternate(ours, reference, runs, warm_up=False)
    seconds, reference_seconds = medians(measured, references)
    peak = max(r.max_rss_kib for r in measured) / 1024
    return [
        Outcome(
            "25m: import (time)",
            seconds,
            reference_seconds,
            2.0,
            note="vs sqlite3 .import of ratings.csv",
        ),
        Outcome(
            "25m: import, SQLite's part",
            statistics.median(r.seconds for r in floors),
            reference_seconds,
            None,
            note="sqlite3 alone: bare table -> catalog's ratings + indexes (no Python)",
        ),
        Outcome("25m: import (peak RSS)", peak, 300, 1.0, unit="MiB", note="limit 300 MiB"),
    ]


def sqlite_floor(work: Path, bare: Path) -> Run:
    """What SQLite alone needs for the ratings part of an import, as moviecli runs it
    (foreign key checks off, indexes dropped and rebuilt by sorting on every core,
    newest rating wins, one transaction in WAL): the bare table that `.import` made
    goes into a new catalog's ratings table in the sqlite3 shell, without Python."""
    catalog = fresh_catalog(work / "floor.db")
    run([MOVIECLI, "--db", str(catalog), "db", "upgrade"])
    with closing(sqlite3.connect(catalog)) as connection:
        indexes = [
            sql
            for (sql,) in connection.execute(
                "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'ratings' "
                "AND sql IS NOT NULL"
            )
        ]
    script = "\n".join(
        [
            "PRAGMA foreign_keys = OFF;",
            f"PRAGMA threads = {min(os.cpu_count() or 1, 8)};",
            "PRAGMA cache_size = -16384;",
            f"ATTACH '{bare}' AS bare;",
            "BEGIN IMMEDIATE;",
            *(f"DROP INDEX {sql.split()[2]};" for sql in indexes),
            "INSERT INTO ratings (user_id, movie_id, score, rated_at) "
            "SELECT CAST(userId AS INTEGER), CAST(movieId AS INTEGER), CAST(rating AS REAL), "
            "CAST(timestamp AS INTEGER) * 1000 FROM bare.ratings WHERE true "
            "ON CONFLICT (user_id, movie_id) DO UPDATE SET score = excluded.score, "
            "rated_at = excluded.rated_at WHERE excluded.rated_at >= ratings.rated_at;",
            *(f"{sql};" for sql in indexes),
            "SELECT count(*) FROM (SELECT movie_id, count(*), sum(score) FROM ratings "
            "GROUP BY movie_id);",
            "COMMIT;",
        ]
    )
    try:
        return run(["sqlite3", "-bail", str(catalog), script])
    finally:
        fresh_catalog(catalog)


def big_catalog(cache: Path) -> Path:
    """The 25m catalog (without --taste) kept in the cache, built when missing or stale."""
    from moviecli.store.schema import head

    big = cache / "big.db"
    if big.exists() and revision(big) != head():
        fresh_catalog(big)
    if not big.exists():
        print(f"building the 25m catalog in {big} (a few minutes) ...", flush=True)
        run([MOVIECLI, "--db", str(big), "import", str(dataset(cache, "25m"))])
    return big


def big_catalog_cases(work: Path, cache: Path, runs: int, import_runs: int) -> list[Outcome]:
    """The four commands on the 25m catalog against a freshly seeded one. The 25m
    catalog is built once and kept in the cache (rebuilt when its schema is not at
    this code's head); --import-runs 0 reuses it without timing an import."""
    from moviecli.store.schema import head

    HEAD = head()

    data = dataset(cache, "25m")
    big = cache / "big.db"
    if big.exists() and revision(big) != HEAD:
        print(f"{big} is at revision {revision(big)}, not {HEAD}: rebuilding it", flush=True)
        fresh_catalog(big)
    outcomes: list[Outcome] = []
    if import_runs > 0:
        outcomes += import_cases(work, cache, data, import_runs, keep_as=big)
    else:
        big_catalog(cache)

    seeded = fresh_catalog(work / "seeded.db")
    run([MOVIECLI, "--db", str(seeded), "seed"])
    big_movie = most_rated_movie(big)
    seeded_movie = most_rated_movie(seeded)
    for (label, big_args), (_, seeded_args) in zip(
        command_cases(big_movie), command_cases(seeded_movie), strict=True
    ):
        measured, reference = medians(
            *alternate(moviecli(big, *big_args), moviecli(seeded, *seeded_args), runs)
        )
        outcomes.append(
            Outcome(f"25m: {label}", measured, reference, 1.2, note="vs freshly seeded catalog")
        )
    return outcomes


def commit() -> str:
    """The commit measured, and whether the working tree differed from it."""
    try:
        head = subprocess.run(
            ["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(REPO), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown commit"
    return f"commit {head}" + (" with local changes" if dirty else "")


def load() -> str:
    try:
        return "/".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "?"


def report(outcomes: list[Outcome], runs: int, load_before: str, skipped: list[str]) -> str:
    lines = [
        f"moviecli benchmark, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}, "
        f"SQLite {sqlite3.sqlite_version}, medians of {runs} alternating runs, bytecode cache on",
        f"{commit()}; load average (1/5/15 min) before: {load_before}, after: {load()}",
        "",
        f"{'case':<30} {'moviecli':>10} {'reference':>10} {'ratio':>6} {'goal':>5}  met  reference",
    ]
    for o in outcomes:
        fmt = {
            "s": lambda v: f"{v:.3f} s",
            "MiB": lambda v: f"{v:.0f} MiB",
        }.get(o.unit, lambda v: f"{v:.3f}")
        goal, met = (f"{o.goal:5.1f}", "yes" if o.met else "NO ") if o.goal else ("    -", " - ")
        lines.append(
            f"{o.case:<30} {fmt(o.measured):>10} {fmt(o.reference):>10} {o.ratio:6.2f} "
            f"{goal}  {met:<3}  {o.note}"
        )
    targets = [o for o in outcomes if o.goal is not None]
    lines += ["", f"{sum(o.met for o in targets)} of {len(targets)} targets met"]
    if skipped:
        lines.append("not measured in this run: " + "; ".join(skipped))
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m tests.benchmarks",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--runs", type=int, default=7, help="timed runs per case (odd is best)")
    parser.add_argument("--skip-25m", action="store_true", help="skip the 25M-rating cases")
    parser.add_argument("--skip-postgres", action="store_true", help="skip the PostgreSQL cases")
    parser.add_argument(
        "--skip-recommend", action="store_true", help="skip the recommender's cases"
    )
    parser.add_argument(
        "--only-recommend",
        action="store_true",
        help="the recommender's cases only (the 25m ones too unless --skip-25m)",
    )
    parser.add_argument(
        "--skip-diary", action="store_true", help="skip the diary's cases on the 25m catalog"
    )
    parser.add_argument(
        "--skip-world", action="store_true", help="skip the IMDb world's sync (films preset)"
    )
    parser.add_argument(
        "--import-runs",
        type=int,
        default=1,
        help="timed 25m imports, each against a sqlite3 .import (0: reuse the cached catalog)",
    )
    parser.add_argument(
        "--world-recommend",
        action="store_true",
        help="only measure one person with the IMDb world against the most-voted films "
        "(tests/benchmarks/recommend_world.py), and stop",
    )
    args = parser.parse_args()
    if args.world_recommend:
        from tests.benchmarks import recommend_world

        sys.exit(recommend_world.main([]))
    if shutil.which("sqlite3") is None and not args.skip_25m and args.import_runs > 0:
        raise SystemExit("the 25m import case needs the sqlite3 shell on PATH")
    cache = Path(
        os.environ.get("MOVIECLI_BENCH_DIR", Path(tempfile.gettempdir()) / "moviecli-bench")
    )
    cache.mkdir(parents=True, exist_ok=True)
    child_env(cache)
    load_before = load()
    skipped = []
    if args.skip_25m:
        skipped.append("25m catalog and import, SQLite and PostgreSQL (--skip-25m)")
    elif args.skip_postgres:
        skipped.append("PostgreSQL cases (--skip-postgres)")
    elif args.import_runs <= 0:
        skipped.append("25m import (--import-runs 0)")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        others = not args.only_recommend
        outcomes = startup_cases(work, args.runs) if others else []
        if others:
            outcomes += small_catalog_cases(work, cache, args.runs)
        if not args.skip_25m and others:
            outcomes += big_catalog_cases(work, cache, args.runs, args.import_runs)
        if not args.skip_25m and not args.skip_diary and others:
            from tests.benchmarks.diary import diary_cases

            outcomes += diary_cases(work, cache / "big.db", cache, args.runs)
        if not args.skip_25m and not args.skip_postgres and others:
            from tests.benchmarks.postgres import postgres_cases

            outcomes += postgres_cases(work, cache, args.runs, args.import_runs)
        if not args.skip_recommend:
            from tests.benchmarks.recommend import recommend_cases

            presets = ["1m"] if args.skip_25m else ["1m", "25m"]
            outcomes += recommend_cases(work, cache, args.runs, presets)
        if not args.skip_world and others:
            from tests.benchmarks.world import world_cases

            outcomes += world_cases(work, cache, min(args.runs, 3))
    if args.only_recommend:
        skipped = ["everything but the recommender (--only-recommend)"]
    if args.skip_diary and not args.skip_25m:
        skipped.append("diary on the 25m catalog (--skip-diary)")
    if args.skip_recommend:
        skipped.append("recommender (--skip-recommend)")
    if args.skip_world:
        skipped.append("IMDb world sync (--skip-world)")
    print(report(outcomes, args.runs, load_before, skipped))
    sys.exit(0 if all(o.met for o in outcomes) else 1)


if __name__ == "__main__":
    main()
