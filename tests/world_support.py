"""The IMDb world in tests: make_imdb.py's files, and a sync of the test's catalog.

`world_tiny` (conftest) is a folder of `make_imdb.py --preset tiny --plain` files
(seeded, deterministic; a fresh copy per test); `sync_world(cli, folder)` runs
`imdb sync --from folder` for the test's catalog. The world file of SQLite catalogs is
$MOVIECLI_WORLD, which the autouse environment points into the test's tmp_path;
PostgreSQL catalogs keep theirs in the test database's schema `imdb`."""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from typer.testing import Result


def _generator() -> Path:
    """make_imdb.py: $MOVIECLI_IMDB_GENERATOR, else ../shared/data beside the checkout (or
    beside a folder holding it, for a git worktree)."""
    named = os.environ.get("MOVIECLI_IMDB_GENERATOR")
    if named:
        return Path(named)
    for folder in Path(__file__).resolve().parents[1:]:
        candidate = folder / "shared" / "data" / "make_imdb.py"
        if candidate.is_file():
            return candidate
    return Path(__file__).resolve().parents[2] / "shared" / "data" / "make_imdb.py"


MAKE_IMDB = _generator()

FILES = (
    "title.basics",
    "title.akas",
    "title.crew",
    "title.principals",
    "title.ratings",
    "title.episode",
    "name.basics",
)
HEADERS = {
    "title.basics": "tconst\ttitleType\tprimaryTitle\toriginalTitle\tisAdult\tstartYear\tendYear"
    "\truntimeMinutes\tgenres",
    "title.akas": "titleId\tordering\ttitle\tregion\tlanguage\ttypes\tattributes\tisOriginalTitle",
    "title.crew": "tconst\tdirectors\twriters",
    "title.principals": "tconst\tordering\tnconst\tcategory\tjob\tcharacters",
    "title.ratings": "tconst\taverageRating\tnumVotes",
    "title.episode": "tconst\tparentTconst\tseasonNumber\tepisodeNumber",
    "name.basics": "nconst\tprimaryName\tbirthYear\tdeathYear\tprimaryProfession\tknownForTitles",
}


def make_world(folder: Path, *args: str) -> Path:
    """Run make_imdb.py into `folder` (e.g. make_world(p, "--preset", "tiny", "--plain"))."""
    subprocess.run(
        [sys.executable, str(MAKE_IMDB), str(folder), *args],
        check=True,
        capture_output=True,
    )
    return folder


def write_world(folder: Path, rows: dict[str, list[str]], *, gz: bool = False) -> Path:
    """Hand-written files: rows per file as lines of tab-separated fields (no header;
    every file gets its header, the files not given are written empty)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in FILES:
        text = "\n".join([HEADERS[name], *rows.get(name, [])]) + "\n"
        if gz:
            with gzip.open(folder / f"{name}.tsv.gz", "wt", encoding="utf-8", newline="") as f:
                f.write(text)
        else:
            (folder / f"{name}.tsv").write_text(text, encoding="utf-8", newline="")
    return folder


def sync_world(cli: Callable[..., Result], folder: Path, *args: str) -> Result:
    """`imdb sync --from folder` for the test's catalog; it must succeed."""
    result = cli("imdb", "sync", "--from", str(folder), *args)
    assert result.exit_code == 0, result.output
    return result


def world_rows(target: object, sql: str) -> list[tuple[object, ...]]:
    """Rows of a query on the world (tables named imdb.titles, imdb.names, ...): the
    SQLite world file ($MOVIECLI_WORLD, read-only), or the test database's schema imdb."""
    from tests.conftest import is_url, sql_rows

    if is_url(target):  # type: ignore[arg-type]
        return sql_rows(target, sql)  # type: ignore[arg-type]
    import sqlite3

    connection = sqlite3.connect(":memory:")
    try:
        path = Path(os.environ["MOVIECLI_WORLD"])
        connection.execute("ATTACH DATABASE ? AS imdb", (f"file:{path}?mode=ro",))
        return connection.execute(sql).fetchall()
    finally:
        connection.close()


# Hand-written rows for films one knows (ids as IMDb has them).
HEAT = [
    "tt0113277\tmovie\tHeat\tHeat\t0\t1995\t\\N\t170\tAction,Crime,Drama",
    "tt0093164\tmovie\tHeat\tHeat\t0\t1986\t\\N\t101\tAction,Crime,Drama",
    "tt0211915\tmovie\tAmélie\tLe fabuleux destin d'Amélie Poulain\t0\t2001\t\\N\t122"
    "\tComedy,Romance",
    "tt0000009\tmovie\tSome Adult Film\tSome Adult Film\t1\t1999\t\\N\t80\tAdult",
    "tt0098904\ttvSeries\tSeinfeld\tSeinfeld\t0\t1989\t1998\t22\tComedy",
    "tt0999999\tmovie\tAnnounced\tAnnounced\t0\t\\N\t\\N\t\\N\t\\N",
    "tt1000001\ttvMovie\tA TV Movie\tA TV Movie\t0\t2004\t\\N\t90\tDrama",
]
HEAT_AKAS = [
    "tt0113277\t1\tHeat\tUS\t\\N\timdbDisplay\t\\N\t0",
    "tt0113277\t2\tFuego contra fuego\tMX\tes\timdbDisplay\t\\N\t0",
    "tt0211915\t1\tLe fabuleux destin d'Amélie Poulain\tFR\tfr\timdbDisplay\t\\N\t1",
    "tt0211915\t2\tAmelie from Montmartre\tUS\t\\N\talternative\t\\N\t0",
]
HEAT_PRINCIPALS = [
    'tt0113277\t1\tnm0000199\tactor\t\\N\t["Lt. Vincent Hanna"]',
    'tt0113277\t2\tnm0000134\tactor\t\\N\t["Neil McCauley"]',
    "tt0113277\t3\tnm0000520\tdirector\t\\N\t\\N",
    'tt0113277\t4\tnm9999998\tactor\t\\N\t["Someone \\"Quoted\\""]',
    'tt0093164\t1\tnm0000139\tactor\t\\N\t["Mex"]',
    "tt0093164\t2\tnm0001111\tdirector\t\\N\t\\N",
    'tt0211915\t1\tnm0851582\tactress\t\\N\t["Amélie Poulain"]',
    "tt0211915\t2\tnm0000466\tdirector\t\\N\t\\N",
]
HEAT_CREW = [
    "tt0113277\tnm0000520\tnm0000520",
    "tt0093164\tnm0001111,nm0002222\t\\N",
]
HEAT_RATINGS = ["tt0113277\t8.3\t700000", "tt0093164\t5.9\t9000", "tt0211915\t8.3\t800000"]
HEAT_NAMES = [
    "nm0000199\tAl Pacino\t1940\t\\N\tactor,producer\ttt0113277",
    "nm0000134\tRobert De Niro\t1943\t\\N\tactor,producer\ttt0113277",
    "nm0000520\tMichael Mann\t1943\t\\N\tdirector,writer\ttt0113277",
    "nm0000139\tBurt Reynolds\t1936\t2018\tactor\ttt0093164",
    "nm0001111\tDick Richards\t1936\t\\N\tdirector\ttt0093164",
    "nm0002222\tJerry Jameson\t1934\t\\N\tdirector\ttt0093164",
    "nm0851582\tAudrey Tautou\t1976\t\\N\tactress\ttt0211915",
    "nm0000466\tJean-Pierre Jeunet\t1953\t\\N\tdirector\ttt0211915",
]


def heat_world(folder: Path, *, gz: bool = False, **changes: list[str]) -> Path:
    """The hand-written world; `changes` replace a file's rows (title_basics=[...])."""
    rows = {
        "title.basics": HEAT,
        "title.akas": HEAT_AKAS,
        "title.principals": HEAT_PRINCIPALS,
        "title.crew": HEAT_CREW,
        "title.ratings": HEAT_RATINGS,
        "name.basics": HEAT_NAMES,
    }
    for key, value in changes.items():
        rows[key.replace("_", ".")] = value
    return write_world(folder, rows, gz=gz)
