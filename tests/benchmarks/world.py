"""The IMDb world's rows of the benchmark (issue 16, point 7): `imdb sync --from` the
`make_imdb.py --preset films` files against DuckDB loading the same film subset from
the same files (tests/benchmarks/world_duckdb.py), alternating, in the same run; the
sync's peak RSS against 1 GiB; `find`, `show`, `person` and `rate` of a world film
against the same commands on a catalog film with no world present; the catalog's own
commands with and without a world; and, when a PostgreSQL server is wanted, the same
sync into a database of the benchmark's own server (shown for context).

The files are made once into the benchmark folder (`imdb-films`, aligned with the 25m
MovieLens preset through --movielens when that data set is there) or taken from
$MOVIECLI_IMDB_FILMS."""

from __future__ import annotations

import itertools
import os
import sqlite3
import statistics
import subprocess
import sys
from collections.abc import Callable
from contextlib import closing
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

    def standard() -> Run:  # the standard-library reader, for the compiled one's gain
        return run(
            [MOVIECLI, "--db", str(catalog), "imdb", "sync", "--from", str(files)],
            env={"MOVIECLI_WORLD": str(world), "MOVIECLI_WORLD_READER": "python"},
        )

    slow = standard()
    mine, theirs = alternate(ours, reference, runs, warm_up=False)
    measured, referenced = medians(mine, theirs)
    cpu = statistics.median(r.cpu_seconds for r in mine)
    cpu_reference = statistics.median(r.cpu_seconds for r in theirs)
    peak = max(r.max_rss_kib for r in mine) / 1024
    size = world.stat().st_size / 1e6
    return [
        Outcome(
            "world: imdb sync --from films",
            measured,
            referenced,
            3.0,
            note=(
                f"vs DuckDB loading the same film subset; CPU {cpu:.1f} s vs {cpu_reference:.1f} s"
            ),
        ),
        Outcome(
            "world: compiled vs stdlib reader",
            measured,
            slow.seconds,
            None,
            note=f"the standard-library reader: {slow.cpu_seconds:.1f} s of CPU (one run)",
        ),
        Outcome(
            "world: sync (peak RSS)",
            peak,
            1024,
            1.0,
            unit="MiB",
            note=f"limit 1 GiB; world file {size:.0f} MB",
        ),
        *lookup_cases(work, world, runs),
    ]


# The catalog of the lookup cases: this many of the world's most voted films, brought in
# by `add --imdb` (with their credits) and rated, so that it has films and people of its
# own; the films after them are the world films the measured commands name.
CATALOG_FILMS = 30
NO_WORLD = "no-world.sqlite"  # $MOVIECLI_WORLD naming a file that is not there
LOOKUP_RUNS = 5  # at least: these take a second or two each


def most_voted(world: Path, count: int) -> list[tuple[int, str, int]]:
    """(tt number, title, a director's nm number) of the most voted films whose title
    names no other film and who have a director credited."""
    with closing(sqlite3.connect(f"file:{world}?mode=ro", uri=True)) as connection:
        return connection.execute(
            """
            SELECT t.id, t.primary_title,
                   (SELECT p.name_id FROM principals p
                    WHERE p.title_id = t.id AND p.category = 'director' LIMIT 1)
            FROM titles t
            WHERE t.imdb_votes IS NOT NULL
              AND (SELECT count(*) FROM titles o WHERE o.title_key = t.title_key) = 1
              AND EXISTS (SELECT 1 FROM principals p
                          WHERE p.title_id = t.id AND p.category = 'director')
            ORDER BY t.imdb_votes DESC, t.id LIMIT ?
            """,
            (count,),
        ).fetchall()


def person_name(world: Path, nm: int) -> str:
    with closing(sqlite3.connect(f"file:{world}?mode=ro", uri=True)) as connection:
        row = connection.execute("SELECT name FROM names WHERE id = ?", (nm,)).fetchone()
    assert row is not None, f"nm{nm} is not in {world}"
    return str(row[0])


def shortest_listing(world: Path, tt: int) -> str:
    """The name, among the people credited on film `tt`, whose `person NAME` lists the
    fewest credits (of everyone of that name). make_imdb.py draws names from 34 first
    and 31 last names, so a plain one is shared by about a thousand people at this size
    (IMDb's most common: a few hundred), and its stars have thousands of credits;
    `person` prints them all, which measures the output's size rather than the lookup
    (a catalog person here has a few films)."""
    with closing(sqlite3.connect(f"file:{world}?mode=ro", uri=True)) as connection:
        counted = [
            connection.execute(
                "SELECT (SELECT count(*) FROM principals c WHERE c.name_id IN "
                "(SELECT n.id FROM names n WHERE n.name_key = p.name_key)), p.name "
                "FROM names p WHERE p.id = ?",
                (nm,),
            ).fetchone()
            for (nm,) in connection.execute(
                "SELECT name_id FROM principals WHERE title_id = ? "
                "AND name_id IN (SELECT id FROM names)",
                (tt,),
            ).fetchall()
        ]
    return str(min(counted)[1])


def lookup_cases(work: Path, world: Path, runs: int) -> list[Outcome]:
    """`find`, `show`, `person`, `rate` of a world film (world present) against the same
    command on a catalog film (no world), on one catalog; then `list`, `top`, `stats`,
    `ratings` on that catalog with and without the world. `rate` of a world film brings
    it in, so each of its runs names a film not yet in the catalog."""
    catalog = work / "lookup-catalog.db"
    with_world = {"MOVIECLI_WORLD": str(world)}
    without = {"MOVIECLI_WORLD": str(work / NO_WORLD)}
    runs = max(runs, LOOKUP_RUNS)
    films = most_voted(world, CATALOG_FILMS + 2 + runs + 1)
    mine, later = films[:CATALOG_FILMS], films[CATALOG_FILMS:]
    for tt, _, _ in mine:
        run([MOVIECLI, "--db", str(catalog), "add", "--imdb", f"tt{tt:07d}"], env=with_world)
        run(
            [MOVIECLI, "--db", str(catalog), "rate", f"tt{tt:07d}", "4", "--user", "bench"],
            env=with_world,
        )
    # A catalog film: the most voted one, found by its title (no world: the catalog's
    # own row); a world film: the most voted one not in the catalog.
    _, ours_title, ours_nm = mine[0]
    world_tt, world_title, _ = later[0]
    catalog_id = catalog_movie_id(catalog, ours_title)
    to_rate = itertools.cycle(f"tt{tt:07d}" for tt, _, _ in later[1:])

    def cli(env: dict[str, str], *args: str) -> Callable[[], Run]:
        return lambda: run([MOVIECLI, "--db", str(catalog), *args], env=env)

    def rate_world() -> Run:
        return cli(with_world, "rate", next(to_rate), "4", "--user", "bench")()

    pairs: list[tuple[str, Callable[[], Run], Callable[[], Run]]] = [
        ("find", cli(with_world, "find", world_title), cli(without, "find", ours_title)),
        (
            "show",
            cli(with_world, "show", f"tt{world_tt:07d}"),
            cli(without, "show", catalog_id),
        ),
        (
            "person",
            cli(with_world, "person", shortest_listing(world, world_tt)),
            cli(without, "person", person_name(world, ours_nm)),
        ),
        ("rate", rate_world, cli(without, "rate", catalog_id, "4", "--user", "bench")),
    ]
    outcomes = []
    for label, measured, reference in pairs:
        ours, theirs = alternate(measured, reference, runs)
        outcomes.append(
            Outcome(
                f"world: {label} <world film>",
                *medians(ours, theirs),
                1.3,
                note=f"vs {label} <catalog film>, no world; {cpu(ours, theirs)}",
            )
        )
    for label, args in [
        ("list --limit 20", ["list", "--limit", "20"]),
        ("top", ["top", "--min-ratings", "1"]),
        ("stats", ["stats", "--user", "bench"]),
        ("ratings", ["ratings"]),
    ]:
        ours, theirs = alternate(cli(with_world, *args), cli(without, *args), runs)
        outcomes.append(
            Outcome(
                f"world: {label}",
                *medians(ours, theirs),
                1.1,
                note=f"vs the same, no world; {cpu(ours, theirs)}",
            )
        )
    return outcomes


def cpu(ours: list[Run], theirs: list[Run]) -> str:
    """The medians' CPU time (user + system) of both sides: at a high load average the
    wall times of two identical commands differ by half; their CPU times do not."""
    mine = statistics.median(r.cpu_seconds for r in ours)
    reference = statistics.median(r.cpu_seconds for r in theirs)
    return f"CPU {mine:.2f} s vs {reference:.2f} s"


def catalog_movie_id(catalog: Path, title: str) -> str:
    with closing(sqlite3.connect(catalog)) as connection:
        row = connection.execute(
            "SELECT id FROM movies WHERE title = ? ORDER BY id LIMIT 1", (title,)
        ).fetchone()
    assert row is not None, f"{title!r} is not in {catalog}"
    return str(row[0])


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
    parser.add_argument(
        "--world", type=Path, help="time the lookups only, on this world file (no sync)"
    )
    args = parser.parse_args()
    cache = Path(
        os.environ.get("MOVIECLI_BENCH_DIR", Path(tempfile.gettempdir()) / "moviecli-bench")
    )
    cache.mkdir(parents=True, exist_ok=True)
    child_env(cache)
    before = load()
    with tempfile.TemporaryDirectory() as tmp:
        if args.world:
            outcomes = lookup_cases(Path(tmp), args.world.resolve(), args.runs)
        else:
            outcomes = world_cases(Path(tmp), cache, args.runs)
        if args.postgres:
            outcomes += world_postgres_case(Path(tmp), cache)
    print(report(outcomes, args.runs, before, []))
