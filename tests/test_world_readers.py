"""The two readers of IMDb's files write the same world: the compiled one (DuckDB and
ADBC, store/world/compiled.py) for files it can vouch for, the standard-library one
(store/world/load.py) for everything else. Each case syncs the same folder twice, once
with $MOVIECLI_WORLD_READER=python, and compares the worlds table by table, and the
sync's report (rows, kept, skipped per file; the counts)."""

from __future__ import annotations

import gzip
import os
import sqlite3
import sys
import threading
from contextlib import closing
from pathlib import Path

import pytest

from tests.conftest import Invoke
from tests.world_support import (
    HEAT,
    HEAT_AKAS,
    HEAT_CREW,
    HEAT_NAMES,
    HEAT_PRINCIPALS,
    HEAT_RATINGS,
    heat_world,
    make_world,
)

TABLES = {
    "titles": "id",
    "akas": "title_id, ordering",
    "aka_keys": "title_key, title_id, ordering",
    "names": "id",
    "principals": "title_id, ordering",
}
NOT_COMPARED = ("synced_at", "reader")


def _world(path: Path) -> tuple[dict[str, list[tuple[object, ...]]], dict[str, str]]:
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as connection:
        tables = {
            table: connection.execute(f"SELECT * FROM {table} ORDER BY {key}").fetchall()
            for table, key in TABLES.items()
        }
        meta = dict(connection.execute("SELECT key, value FROM meta").fetchall())
    return tables, meta


def _sync(
    cli: Invoke, monkeypatch: pytest.MonkeyPatch, world: Path, reader: str, folder: Path, *args: str
) -> tuple[dict[str, list[tuple[object, ...]]], dict[str, str]]:
    monkeypatch.setenv("MOVIECLI_WORLD", str(world))
    monkeypatch.setenv("MOVIECLI_WORLD_READER", reader)
    result = cli("imdb", "sync", "--from", str(folder), *args)
    assert result.exit_code == 0, result.output
    return _world(world)


def _both(
    cli: Invoke, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, folder: Path, *args: str
) -> tuple[str, str]:
    """Sync with each reader; the worlds must be equal. Returns which reader each used."""
    standard, standard_meta = _sync(
        cli, monkeypatch, tmp_path / "standard.sqlite", "python", folder, *args
    )
    compiled, compiled_meta = _sync(
        cli, monkeypatch, tmp_path / "compiled.sqlite", "", folder, *args
    )
    for table in TABLES:
        assert compiled[table] == standard[table], table
    assert standard["titles"], "an empty world proves nothing"
    for key in NOT_COMPARED:
        standard_meta.pop(key, None)
    reader = compiled_meta.pop("reader")
    compiled_meta.pop("synced_at")
    assert compiled_meta == standard_meta
    return "standard", reader


@pytest.mark.parametrize(
    "args",
    [
        ("--preset", "tiny"),
        ("--preset", "tiny", "--plain"),
        ("--preset", "tiny", "--seed", "7"),
    ],
    ids=["gz", "plain", "seed-7"],
)
def test_the_compiled_reader_writes_the_standard_readers_world(
    cli: Invoke, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, args: tuple[str, ...]
) -> None:
    folder = make_world(tmp_path / "files", *args)
    assert _both(cli, monkeypatch, tmp_path, folder) == ("standard", "compiled")


@pytest.mark.parametrize(
    "options",
    [("--adult",), ("--types", "movie,tvMovie,tvSeries,short")],
    ids=["adult", "types"],
)
def test_both_readers_agree_on_the_sync_options(
    cli: Invoke, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, options: tuple[str, ...]
) -> None:
    folder = make_world(tmp_path / "files", "--preset", "tiny")
    assert _both(cli, monkeypatch, tmp_path, folder, *options) == ("standard", "compiled")


SPACED = "tt0000042\tmovie\t  The  Odd   Spaces \t\\N\t0\t2003\t\\N\t95\tDrama"


def test_hand_written_films_with_accents_and_crew_read_alike(
    cli: Invoke, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    folder = heat_world(
        tmp_path / "files",
        gz=True,
        title_basics=[*HEAT, SPACED],
        title_akas=[
            *HEAT_AKAS,
            "tt0211915\t3\tAmelie\tGB\t\\N\t\\N\t\\N\t0",
            "tt0211915\t4\tAMÉLIE\tDE\t\\N\t\\N\t\\N\t0",
            "tt0000042\t1\tOdd Spaces,  The\tUS\t\\N\t\\N\t\\N\t0",
            "tt0000042\t2\tthe odd spaces\tGB\t\\N\t\\N\t\\N\t0",
        ],
    )
    assert _both(cli, monkeypatch, tmp_path, folder) == ("standard", "compiled")
    tables, _ = _world(tmp_path / "compiled.sqlite")
    titles = {row[0]: row for row in tables["titles"]}
    assert titles[211915][-1] == "amelie"  # a key made by Python: not printable ASCII
    assert titles[113277][-1] == "heat"  # a key made by DuckDB
    assert titles[42][-1] == "the odd spaces"
    akas = {row[:2]: row[-1] for row in tables["akas"]}
    assert akas[(42, 1)] == "odd spaces, the"
    # An alternative title with the film's own key is no aka key, whoever made which key:
    # DuckDB both ("Heat", "the odd spaces"), Python the film's ("Amelie"), Python both.
    assert akas[(113277, 1)] is None and akas[(42, 2)] is None
    assert akas[(211915, 3)] is None and akas[(211915, 4)] is None
    assert akas[(211915, 2)] == "amelie from montmartre"
    # title.crew's writer that the principals lack comes after the title's own credits.
    assert (93164, 3, 2222, "director", None, None) in tables["principals"]


def test_empty_fields_and_title_crews_edges_read_alike(
    cli: Invoke, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Empty fields are '' (not \\N) to both readers, quotes and backslashes are text;
    title.crew's director listed twice, a person both director and writer, crew for
    titles without principal credits and people credited only by it; ratings of titles
    not loaded."""
    folder = heat_world(
        tmp_path / "files",
        title_basics=[
            *HEAT,
            "tt0000042\tmovie\tEmpty Fields\t\t0\t2003\t\t95\t",
            'tt0000043\tmovie\t"Quoted"  \\Film\t   \t0\t2003\t\\N\t95\tDrama',
        ],
        title_akas=[
            *HEAT_AKAS,
            "tt0000042\t1\tEmpty Fields\t\t\t\t\t",
            'tt0000043\t1\t"\t \t"\t\\N\t\\N\t0',
        ],
        title_principals=[*HEAT_PRINCIPALS, "tt0000042\t1\tnm0000042\tself\t\t[]"],
        title_crew=[
            *HEAT_CREW,
            "tt0000042\tnm0000520,nm0000520,nm42\tnm0000520,nm0000466",
            "tt0999999\tnm0000466\tnm0000466,nm0003333",
        ],
        title_ratings=[*HEAT_RATINGS, "tt0098904\t8.9\t300000", "tt0000009\t1.0\t5"],
        name_basics=[
            *HEAT_NAMES,
            "nm0000042\tNo One\t\\N\t\\N\t\t",
            "nm0003333\tA Writer\t1950\t\\N\twriter\t\\N",
        ],
    )
    assert _both(cli, monkeypatch, tmp_path, folder) == ("standard", "compiled")
    tables, _ = _world(tmp_path / "compiled.sqlite")
    assert (42, 1, 42, "self", "", "[]") in tables["principals"]
    assert (43, 1, '"', " ", '"', '"') in tables["akas"]
    assert (999999, 3, 3333, "writer", None, None) in tables["principals"]


def test_an_id_repeated_under_a_type_not_loaded_reads_alike(
    cli: Invoke, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A title's id again in a row of a type not loaded: no second row for either reader."""
    again = HEAT[0].replace("\tmovie\t", "\ttvSeries\t").replace("tt0113277", "tt113277")
    folder = heat_world(tmp_path / "files", title_basics=[*HEAT, again])
    assert _both(cli, monkeypatch, tmp_path, folder) == ("standard", "compiled")


def test_blank_lines_are_no_rows_for_either_reader(
    cli: Invoke, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    folder = heat_world(tmp_path / "files", title_akas=[*HEAT_AKAS[:2], "", *HEAT_AKAS[2:]])
    assert _both(cli, monkeypatch, tmp_path, folder) == ("standard", "compiled")
    _, meta = _world(tmp_path / "compiled.sqlite")
    assert meta["file:title.akas:rows"] == str(len(HEAT_AKAS))
    assert meta["file:title.akas:skipped"] == "0"


# Files the compiled reader must not vouch for: each one's rows are for the standard
# reader, which refuses them by file and line (or reads them: a rating with two
# decimals is IMDb's format stretched, not broken).
DOUBTFUL = {
    "control character": {"title_basics": [*HEAT[:2], HEAT[2].replace("Amélie", "Am\x07lie")]},
    "blank title": {"title_basics": [*HEAT[:2], HEAT[2].replace("\tAmélie\t", "\t \t")]},
    "year not a number": {"title_basics": [HEAT[0].replace("\t1995\t", "\t199x\t"), *HEAT[1:]]},
    "too many fields": {"title_basics": [HEAT[0] + "\textra", *HEAT[1:]]},
    "carriage return": {"title_basics": [HEAT[0] + "\r", *HEAT[1:]]},
    "control character in an end year": {
        "title_basics": [HEAT[0].replace("\t\\N\t170", "\t\x1b[2J\t170"), *HEAT[1:]]
    },
    "control character in an alternative title's types": {
        "title_akas": [HEAT_AKAS[0].replace("imdbDisplay", "imdb\x07Display"), *HEAT_AKAS[1:]]
    },
    "control character in a job": {
        "title_principals": [
            HEAT_PRINCIPALS[0].replace("actor\t\\N", "actor\tgrip\x00"),
            *HEAT_PRINCIPALS[1:],
        ]
    },
    "rows apart": {
        "title_principals": [*HEAT_PRINCIPALS[:2], *HEAT_PRINCIPALS[4:6], HEAT_PRINCIPALS[2]]
    },
    "ordering twice": {"title_akas": [HEAT_AKAS[0], HEAT_AKAS[1].replace("\t2\t", "\t1\t")]},
    "bad person id": {
        "title_principals": [
            HEAT_PRINCIPALS[0].replace("nm0000199", "mn0000199"),
            *HEAT_PRINCIPALS[1:],
        ]
    },
    "two decimals": {"title_ratings": ["tt0113277\t8.25\t700000", "tt0093164\t5.9\t9000"]},
    # DuckDB passes over a carriage return right after the header's line end; the
    # standard reader reads it as the first row's first byte (a control character).
    "carriage return after the header": {"title_basics": ["\r" + HEAT[0], *HEAT[1:]]},
    # One title's rows with its id spelled two ways: one number, but two groups to the
    # standard reader, which refuses the second as not together with the first.
    "id spelled two ways": {
        "title_akas": [HEAT_AKAS[0], HEAT_AKAS[1].replace("tt0113277", "tt113277"), *HEAT_AKAS[2:]]
    },
    # "01" and "1" are one ordering: twice for the standard reader (and for the key).
    "ordering spelled two ways": {
        "title_akas": [HEAT_AKAS[0], HEAT_AKAS[1].replace("\t2\t", "\t01\t"), *HEAT_AKAS[2:]]
    },
    "principal's ordering spelled two ways": {
        "title_principals": [
            HEAT_PRINCIPALS[0],
            HEAT_PRINCIPALS[1].replace("\t2\t", "\t01\t"),
            *HEAT_PRINCIPALS[2:],
        ]
    },
}


@pytest.mark.parametrize("case", list(DOUBTFUL), ids=list(DOUBTFUL))
def test_files_the_compiled_reader_cannot_vouch_for_go_to_the_standard_reader(
    cli: Invoke, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, case: str
) -> None:
    folder = heat_world(tmp_path / "files", **DOUBTFUL[case])
    assert _both(cli, monkeypatch, tmp_path, folder) == ("standard", "standard")
    _, meta = _world(tmp_path / "compiled.sqlite")
    skipped = sum(int(v) for k, v in meta.items() if k.endswith(":skipped"))
    assert skipped == (0 if case == "two decimals" else 1), meta


def test_a_damaged_stream_is_named_as_before(cli: Invoke, tmp_path: Path) -> None:
    folder = heat_world(tmp_path / "files", gz=True)
    path = folder / "title.akas.tsv.gz"
    path.write_bytes(path.read_bytes()[:-20])
    result = cli("imdb", "sync", "--from", str(folder))
    assert result.exit_code == 1
    assert "title.akas.tsv.gz is damaged or cut short" in result.stderr


def test_a_stream_of_several_gzip_members_is_read_whole(
    cli: Invoke, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    folder = heat_world(tmp_path / "files", gz=True)
    path = folder / "title.akas.tsv.gz"
    lines = gzip.decompress(path.read_bytes()).decode().splitlines(keepends=True)
    path.write_bytes(
        gzip.compress("".join(lines[:3]).encode()) + gzip.compress("".join(lines[3:]).encode())
    )
    assert _both(cli, monkeypatch, tmp_path, folder) == ("standard", "compiled")
    _, meta = _world(tmp_path / "compiled.sqlite")
    assert meta["file:title.akas:rows"] == str(len(HEAT_AKAS))


def test_ctrl_c_stops_the_compiled_reader_inside_a_long_query(tmp_path: Path) -> None:
    """A query inside DuckDB or SQLite does not see Ctrl-C: the load runs in a worker
    thread and the caller's thread, waiting, takes the signal and interrupts every live
    connection. Here the worker's "query" blocks until it is interrupted."""
    import signal
    import threading

    from moviecli.store.world.compiled import CompiledLoader
    from moviecli.store.world.files import find_files
    from moviecli.store.world.load import LoadOptions

    class Query:
        def __init__(self) -> None:
            self.running = threading.Event()
            self.interrupted = threading.Event()

        def interrupt(self) -> None:
            self.interrupted.set()

    query = Query()
    loader = CompiledLoader(
        tmp_path / "world.new", find_files(heat_world(tmp_path / "files")), LoadOptions()
    )

    def load(_db: object, _duckdb: object) -> None:
        loader._live.append(query)
        query.running.set()
        query.interrupted.wait(60)

    loader._load = load  # type: ignore[method-assign]

    def ctrl_c() -> None:
        query.running.wait(60)
        signal.raise_signal(signal.SIGINT)

    # Python's own Ctrl-C handler, even in a test run started in the background (which
    # inherits SIGINT ignored).
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        threading.Thread(target=ctrl_c, daemon=True).start()
        with pytest.raises(KeyboardInterrupt):
            loader.run()
    finally:
        signal.signal(signal.SIGINT, previous)
    assert query.interrupted.wait(5)


def test_a_stream_whose_check_sum_is_wrong_is_named_as_damaged(cli: Invoke, tmp_path: Path) -> None:
    """DuckDB does not check a gzip member's CRC-32 and length; the standard reader does
    (zlib), and refuses the file: the compiled reader must not load it either."""
    folder = heat_world(tmp_path / "files", gz=True)
    path = folder / "title.akas.tsv.gz"
    raw = bytearray(path.read_bytes())
    raw[-8] ^= 0xFF  # the CRC-32 of the member's data
    path.write_bytes(bytes(raw))
    result = cli("imdb", "sync", "--from", str(folder))
    assert result.exit_code == 1, result.output
    assert "title.akas.tsv.gz is damaged or cut short" in result.stderr


def test_a_stream_damaged_at_its_start_is_named_as_damaged(cli: Invoke, tmp_path: Path) -> None:
    folder = heat_world(tmp_path / "files", gz=True)
    path = folder / "title.basics.tsv.gz"
    raw = bytearray(path.read_bytes())
    start = raw.index(0, 10) + 1  # after the header's file name
    raw[start] |= 0b110  # the first deflate block's header: the reserved block type
    path.write_bytes(bytes(raw))
    result = cli("imdb", "sync", "--from", str(folder))
    assert result.exit_code == 1, result.output
    assert "title.basics.tsv.gz is damaged or cut short" in result.stderr


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="a thread's own nice is Linux's")
def test_a_yielding_thread_runs_below_the_others_and_so_do_the_threads_it_starts() -> None:
    from moviecli.store.world.files import YIELDING_NICENESS, yielding_thread

    def nice() -> int:
        return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())

    seen: dict[str, int] = {}

    def child() -> None:
        seen["child"] = nice()

    def worker() -> None:
        yielding_thread()
        seen["worker"] = nice()
        started = threading.Thread(target=child)
        started.start()
        started.join()

    before = nice()
    thread = threading.Thread(target=worker)
    thread.start()
    thread.join()
    assert seen == {
        "worker": max(before, YIELDING_NICENESS),
        "child": max(before, YIELDING_NICENESS),
    }
    assert nice() == before  # the calling thread keeps its priority
