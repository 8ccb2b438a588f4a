"""The IMDb world's rows of the benchmark (issue 16, point 7): `imdb sync --from` the
`make_imdb.py --preset films` files against DuckDB loading the same film subset from
the same files (tests/benchmarks/world_duckdb.py), alternating, in the same run; the
sync's peak RSS against 1 GiB; and, when a PostgreSQL server is wanted, the same sync
into a database of the benchmark's own server (shown for context).

The files are made once into the benchmark folder (`imdb-films`, aligned with the 25m
MovieLens preset through --movielens when that data set is there) or taken from
$MOVIECLI_IMDB_FILMS."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.benchmarks.__main__ import Outcome, Run, alternate, medians, run

REPO = Path(__file__).resolve().parents[2]
MAKE_IMDB = Path(
    os.environ.get("MOVIECLI_IMDB_GENERATOR") or REPO.parent / "shared" / "data" / "make_imdb.py"
)
BIN = Path(sys.executable).parent
MOVIECLI = str(BIN / "moviecli")
GIB_KIB = 1024 * 1024


def films_files(cache: Path) -> Path:
    named = os.environ.get("MOVIECLI_IMDB_FILMS")
    if named:
        return Path(named)
    folder = cache / "imdb-films"
    if not (folder / "name.basics.tsv.gz").exists():
        args = [sys.executable, str(MAKE_IMDB), str(folder), "--preset", "films"]
        movielens = cache / "ml-25m"
        if (movielens / "movies.csv").exists():
            args += ["--movielens", str(movielens)]
        print(f"generating the IMDb films preset in {folder} ...", flush=True)
        subprocess.run(args, check=True)
    return folder


def world_cases(work: Path, cache: Path, runs: int) -> list[Outcome]:
    files = films_files(cache)
    world = work / "world" / "imdb-world.sqlite"
    catalog = work / "world-catalog.db"
    duck = work / "world.duckdb"

    def ours() -> Run:
        return run(
            [MOVIECLI, "--db", str(catalog), "imdb", "sync", "--from", str(files)],
            env={"MOVIECLI_WORLD": str(world)},
        )

    def reference() -> Run:
        return run([sys.executable, "-m", "tests.benchmarks.world_duckdb", str(files), str(duck)])

    mine, theirs = alternate(ours, reference, runs, warm_up=False)
    measured, referenced = medians(mine, theirs)
    peak = max(r.max_rss_kib for r in mine) / 1024
    return [
        Outcome(
            "world: imdb sync --from films",
            measured,
            referenced,
            3.0,
            note="vs DuckDB loading the same film subset",
        ),
        Outcome("world: sync (peak RSS)", peak, 1024, 1.0, unit="MiB", note="limit 1 GiB"),
    ]


def world_postgres_case(work: Path, cache: Path) -> list[Outcome]:
    """One sync into PostgreSQL, against the same into SQLite (context, not a goal)."""
    from tests.benchmarks.postgres import _fresh_database, start_server

    files = films_files(cache)
    server = start_server(cache)
    url = _fresh_database(server, "bench_world")
    pg = run([MOVIECLI, "--db", url, "imdb", "sync", "--from", str(files)])
    lite = run(
        [MOVIECLI, "--db", str(work / "w.db"), "imdb", "sync", "--from", str(files)],
        env={"MOVIECLI_WORLD": str(work / "w" / "imdb-world.sqlite")},
    )
    return [
        Outcome(
            "world: sync into PostgreSQL",
            pg.seconds,
            lite.seconds,
            None,
            note=f"vs the same into SQLite; peak RSS {pg.max_rss_kib / 1024:.0f} MiB",
        )
    ]


if __name__ == "__main__":
    import argparse
    import tempfile

    from tests.benchmarks.__main__ import child_env, load, report

    parser = argparse.ArgumentParser(prog="python -m tests.benchmarks.world")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args()
    cache = Path(
        os.environ.get("MOVIECLI_BENCH_DIR", Path(tempfile.gettempdir()) / "moviecli-bench")
    )
    cache.mkdir(parents=True, exist_ok=True)
    child_env(cache)
    before = load()
    with tempfile.TemporaryDirectory() as tmp:
        outcomes = world_cases(Path(tmp), cache, args.runs)
        if args.postgres:
            outcomes += world_postgres_case(Path(tmp), cache)
    print(report(outcomes, args.runs, before, []))
