"""ratings.csv parsed by the server (PostgreSQL's COPY, moviecli/importers/rating_bytes.py
and moviecli/store/bulk/postgres_csv.py): the same summary, the same catalog and the
same refusals as SQLite's row-by-row reading of the same file, whichever rows the
server checked and whichever were read in Python. Chunks are made tiny here, so that
one small file mixes plain chunks, odd ones and rows refused by the server's checks."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from moviecli.cli import app
from moviecli.importers import load, rating_bytes
from moviecli.store.bulk import postgres_csv
from tests.checks import query
from tests.conftest import Invoke, Target, is_url
from tests.import_files import write

pytestmark = pytest.mark.both_engines

MOVIES = """movieId,title,genres
1,Alien (1979),Horror|Sci-Fi
2,Heat (1995),Crime
3,Ran (1985),Drama
0010,Ten With Zeros (2001),Drama
11,Eleven (2002),Comedy
"""
HEADER = "userId,movieId,rating,timestamp\n"
PLAIN = "".join(
    f"{user},{movie},{score},{1_000_000_000 + 1000 * user + movie}\n"
    for user in range(1, 30)
    for movie, score in ((1, "4.0"), (2, "3.5"), (3, "5"), (11, "0.5"))
)
ODD_VALUES = """7,404,3.0,1300000000
7,1,7.0,1300000000
7,2,4.50,1300000000
7,3,4.0,9999999999
7,11,4.0,00001000000000
007,1,4.0,1300000000
8,0010,4.0,1300000000
8,10,4.0,1300000000
9,1,4.0,1300000000
9,1,3.0,1300000000
9,2,2.0,1300000500
9,2,1.0,1300000400
"""
# Digits and dots the server cannot read as integers: the file is read row by row.
ODD_NUMBERS = "1.5,1,4.0,1300000000\n8,1,4.0,12.5\n" + f"{'9' * 70},1,4.0,1300000000\n"
ODD_ROWS = """ 10 , 2 ,3.0, 1300000000
\n11,1,4.0,1300000000
   \n12,1,abc,1300000000
13,1,4.0
14,1,4.0,1300000000,extra
x,1,4.0,1300000000
15,1,4.0,soon
16,1,4.0,1300000000
"""

CASES = {
    "plain": HEADER + PLAIN,
    "plain, no line end at the end": HEADER + PLAIN.rstrip("\n"),
    "windows line ends": (HEADER + PLAIN).replace("\n", "\r\n"),
    "odd values in plain rows": HEADER + PLAIN + ODD_VALUES + PLAIN,
    "odd rows": HEADER + PLAIN + ODD_ROWS + PLAIN + ODD_VALUES,
    "numbers the server cannot read": HEADER + PLAIN + ODD_NUMBERS + PLAIN,
    "mixed line ends": HEADER + PLAIN + PLAIN.replace("\n", "\r\n"),
    "a stray carriage return": HEADER + PLAIN + "5,1,4.0,1300000000\r5,2,4.0,1300000000\n",
    "blank lines at the end": HEADER + PLAIN + "\n\n",
    "three and five fields in one chunk": HEADER + PLAIN + "5,1,4.0\n5,2,4.0,1300000000,9\n",
    "quotes": HEADER + PLAIN + '"17","1","4.0","1300000000"\n' + PLAIN,
    "a backslash": HEADER + PLAIN + "18,1,4.0,13\\.\n" + PLAIN,
    "only the header": HEADER,
    "quoted header": '"userId","movieId","rating","timestamp"\n' + PLAIN,
}
# Files whose rows the server is given (others are read row by row, at least in part).
SERVER_PARSED = {
    "plain",
    "plain, no line end at the end",
    "windows line ends",
    "odd values in plain rows",
    "odd rows",
    "mixed line ends",
    "a stray carriage return",
    "blank lines at the end",
    "only the header",
}


@pytest.fixture(params=[64, 1 << 20], ids=["tiny chunks", "one chunk"])
def chunks(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setattr(rating_bytes, "CHUNK_BYTES", request.param)
    return int(request.param)


@pytest.fixture
def parsed_by_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[bool]]:
    """Whether each ratings.csv imported went to the server's COPY (and was kept)."""
    taken: list[bool] = []
    original = load.Loader._ratings_file

    def spy(self: load.Loader, item: object) -> bool:
        taken.append(original(self, item))  # type: ignore[arg-type]
        return taken[-1]

    monkeypatch.setattr(load.Loader, "_ratings_file", spy)
    yield taken


def folder_with(tmp_path: Path, ratings: str, name: str = "ml") -> Path:
    folder = tmp_path / name
    write(folder / "movies.csv", MOVIES)
    write(folder / "ratings.csv", ratings)
    return folder


def reference(tmp_path: Path, folder: Path, *args: str, name: str = "ref.db") -> Result:
    """The same import into a SQLite catalog of its own (the rows read in Python)."""
    return CliRunner().invoke(app, ["--db", str(tmp_path / name), "import", str(folder), *args])


def shown(result: Result) -> tuple[int, str, str]:
    out = re.sub(r"rows, [\d.]+ s\)", "rows, - s)", result.stdout)
    return result.exit_code, out, result.stderr


def catalog_rows(target: Target) -> list[list[tuple[object, ...]]]:
    return [
        query(target, "SELECT id, name FROM users ORDER BY id"),
        query(
            target,
            "SELECT user_id, movie_id, score, rated_at FROM ratings ORDER BY user_id, movie_id",
        ),
        query(target, "SELECT id, rating_count, rating_sum FROM movies ORDER BY id"),
    ]


@pytest.mark.parametrize("case", list(CASES))
def test_the_same_import_as_row_by_row(
    cli: Invoke,
    catalog: Target,
    tmp_path: Path,
    chunks: int,
    parsed_by_server: list[bool],
    case: str,
) -> None:
    folder = folder_with(tmp_path, CASES[case])
    expected = reference(tmp_path, folder)
    parsed_by_server.clear()
    result = cli("import", str(folder))
    assert shown(result) == shown(expected)
    assert catalog_rows(catalog) == catalog_rows(tmp_path / "ref.db")
    if is_url(catalog):
        assert parsed_by_server == [case in SERVER_PARSED]


def test_a_file_that_is_not_utf8(
    cli: Invoke, catalog: Target, tmp_path: Path, chunks: int, parsed_by_server: list[bool]
) -> None:
    folder = folder_with(tmp_path, HEADER + PLAIN)
    (folder / "ratings.csv").write_bytes((HEADER + PLAIN + "19,1,4.0,1\xe9\n").encode("latin-1"))
    expected = reference(tmp_path, folder)
    parsed_by_server.clear()
    result = cli("import", str(folder))
    assert expected.exit_code == 1
    assert shown(result) == shown(expected)
    assert query(catalog, "SELECT count(*) FROM ratings") == [(0,)]


def test_strict_names_the_first_refused_row(
    cli: Invoke, catalog: Target, tmp_path: Path, chunks: int, parsed_by_server: list[bool]
) -> None:
    folder = folder_with(tmp_path, HEADER + PLAIN + ODD_VALUES + ODD_ROWS)
    expected = reference(tmp_path, folder, "--strict")
    result = cli("import", str(folder), "--strict")
    assert expected.exit_code == 1
    assert "line 118: movieId '404' is not in movies.csv" in expected.stderr
    assert shown(result) == shown(expected)
    assert query(catalog, "SELECT count(*) FROM ratings") == [(0,)]


def test_into_a_catalog_with_ratings(
    cli: Invoke, catalog: Target, tmp_path: Path, chunks: int, parsed_by_server: list[bool]
) -> None:
    """Not a first load: the rows the server parsed are merged with the catalog's
    (replaced, unchanged, older kept), as SQLite does."""
    first = folder_with(tmp_path, HEADER + PLAIN, "first")
    later = HEADER + PLAIN.replace("4.0,", "2.5,") + ODD_VALUES + ODD_ROWS
    second = folder_with(tmp_path, later, "second")
    taken = []
    for folder in (first, second):
        expected = reference(tmp_path, folder)
        parsed_by_server.clear()
        assert shown(cli("import", str(folder))) == shown(expected)
        taken += parsed_by_server
    assert catalog_rows(catalog) == catalog_rows(tmp_path / "ref.db")
    if is_url(catalog):
        assert taken == [True, True]


@pytest.mark.parametrize("case", ["plain", "odd values in plain rows", "odd rows"])
def test_ids_joined_when_too_large_for_an_array(
    cli: Invoke,
    catalog: Target,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    parsed_by_server: list[bool],
    case: str,
) -> None:
    """MovieLens ids beyond postgres_csv.ARRAY_KEYS are mapped by a joined table instead
    of an array: the same import (here every id counts as too large)."""
    monkeypatch.setattr(postgres_csv, "ARRAY_KEYS", 0)
    folder = folder_with(tmp_path, CASES[case])
    expected = reference(tmp_path, folder)
    parsed_by_server.clear()
    assert shown(cli("import", str(folder))) == shown(expected)
    assert catalog_rows(catalog) == catalog_rows(tmp_path / "ref.db")
    if is_url(catalog):
        assert parsed_by_server == [True]
