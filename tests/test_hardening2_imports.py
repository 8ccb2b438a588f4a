"""Issue 17, the import and export points (1, 3, 4, 6, 7, 11, 13, 14, 15, 19, 20, 21,
22, 23): one test or more per point, each of which failed before its fix."""

from __future__ import annotations

import csv
import io
import json
import os
import struct
import subprocess
import sys
import time
import zipfile
import zlib
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from moviecli.importers import load
from tests.checks import add, query, refused
from tests.conftest import Invoke, Target, dump_tables, json_out, sql_rows
from tests.import_files import counts, write
from tests.reliability_support import subprocess_env

pytestmark = pytest.mark.both_engines

DIARY_HEADER = "Date,Name,Year,Letterboxd URI,Rating,Rewatch,Tags,Watched Date\n"
WATCHED_HEADER = "Date,Name,Year,Letterboxd URI\n"


# ---------------------------------------------------------------- helpers


def deflated_zip(path: Path, members: dict[str, Sequence[tuple[bytes, int]]]) -> Path:
    """A zip whose members are `bytes * count` parts, written by hand so that hundreds
    of megabytes of repeated rows pack in a moment: each part is deflated once, ending
    with a full flush (no reference across it), and repeated as it is."""
    out = io.BytesIO()
    central = b""
    for name, parts in members.items():
        crc = 0
        size = 0
        data = b""
        for chunk, count in parts:
            packer = zlib.compressobj(1, zlib.DEFLATED, -15)
            packed = packer.compress(chunk) + packer.flush(zlib.Z_FULL_FLUSH)
            data += packed * count
            for _ in range(count):
                crc = zlib.crc32(chunk, crc)
            size += len(chunk) * count
        data += b"\x03\x00"  # an empty final block
        encoded = name.encode()
        offset = out.tell()
        fields = (20, 0, 8, 0, 0, crc, len(data), size, len(encoded))
        out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, *fields, 0) + encoded + data)
        central += (
            struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, *fields, 0, 0, 0, 0, 0, offset)
            + encoded
        )
    start = out.tell()
    count = len(members)
    out.write(central)
    out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, count, count, len(central), start, 0))
    path.write_bytes(out.getvalue())
    return path


def peak_rss(*args: str, db: Path) -> tuple[int, str, str, int]:
    """Run moviecli in a child process; (exit code, stdout, stderr, its peak RSS in MB)
    from wait4 on that very child."""
    process = subprocess.Popen(
        [sys.executable, "-m", "moviecli", "--db", str(db), *args],
        env=subprocess_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    stdout, stderr = process.stdout.read(), process.stderr.read()  # type: ignore[union-attr]
    _pid, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    process.stdout.close()  # type: ignore[union-attr]
    process.stderr.close()  # type: ignore[union-attr]
    return process.returncode, stdout.decode(), stderr.decode(), usage.ru_maxrss // 1024


def one_error(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), stderr
    assert "Traceback" not in stderr
    return lines[0]


def rejected_lines(result: Any) -> list[str]:
    """The '    where: reason' lines under 'rejected' in an import summary."""
    lines = result.stdout.splitlines()
    for i, line in enumerate(lines):
        if line.strip().startswith("rejected"):
            return [more.strip() for more in lines[i + 1 :] if more.startswith("    ")]
    return []


def letterboxd_diary(folder: Path, rows: str) -> Path:
    return write(folder / "diary.csv", DIARY_HEADER + rows)


# ---------------------------------------------------------------- 1. memory from a small zip

BIG = 200 << 20  # 200 MB of rows in a zip of a few hundred KB
DIARY_ROW = b"2023-01-01,Heat,1995,https://boxd.it/abc,4,,,2023-01-01\n"
PLAY = (
    b'{"watched_at": "2023-01-05T20:00:00.000Z", "type": "movie", "movie": {"title": '
    b'"Heat", "year": 1995, "ids": {"trakt": 1}}},\n'
)


@pytest.mark.sqlite_only
@pytest.mark.parametrize("kind", ["letterboxd", "trakt"])
def test_a_zip_bomb_is_refused_in_bounded_memory(tmp_path: Path, kind: str) -> None:
    """Before: Letterboxd and Trakt members were read whole (archive.read), so the child
    peaked at several times the member's 200 MB."""
    if kind == "letterboxd":
        parts = [(DIARY_HEADER.encode(), 1), (DIARY_ROW * 20_000, BIG // (len(DIARY_ROW) * 20_000))]
        bomb = deflated_zip(tmp_path / "letterboxd.zip", {"diary.csv": parts})
    else:
        parts = [(b"[", 1), (PLAY * 10_000, BIG // (len(PLAY) * 10_000)), (b"{}]", 1)]
        bomb = deflated_zip(tmp_path / "trakt.zip", {"watched-history.json": parts})
    assert bomb.stat().st_size < 2 << 20
    # The same command on a tiny export, for the measure to compare with (a child's peak
    # RSS counts what it shared with this process when it was started, too).
    tiny = deflated_zip(
        tmp_path / "tiny.zip", {"diary.csv": [(DIARY_HEADER.encode(), 1), (DIARY_ROW, 2)]}
    )
    base = peak_rss("import", str(tiny), db=tmp_path / "tiny.db")[3]
    code, stdout, stderr, peak = peak_rss("import", str(bomb), db=tmp_path / "c.db")
    # Before: 1,648 MB for the Letterboxd zip (and the import went through).
    assert peak < base + 50, f"peak RSS {peak} MB, {base} MB for a tiny export"
    assert code == 1 and stdout == ""
    assert "unpacks to" in one_error(stderr)


@pytest.mark.sqlite_only
def test_zip_members_are_streamed(tmp_path: Path) -> None:
    """A member under every limit is read as a stream: importing 60 MB of diary rows
    (all of them rejected, so the loader keeps nothing) costs no more memory than a
    tiny export. Before: the member sat in memory whole, and was unpacked twice."""
    rows = b"".join(
        b"2023-01-%02d,Film %d %s,1995,https://boxd.it/x,7,,,2023-01-01\n"
        % (n % 28 + 1, n, os.urandom(12).hex().encode())
        for n in range(20_000)
    )
    count = (60 << 20) // len(rows)
    header = DIARY_HEADER.encode()
    large = deflated_zip(tmp_path / "large.zip", {"diary.csv": [(header, 1), (rows, count)]})
    small = deflated_zip(tmp_path / "small.zip", {"diary.csv": [(header, 1), (rows[:500], 1)]})
    base = peak_rss("import", str(small), db=tmp_path / "small.db")
    code, stdout, stderr, peak = peak_rss("import", str(large), db=tmp_path / "large.db")
    assert base[0] == 0 and code == 0, (base, stderr)
    assert f"rejected {count * 20_000:,} rows" in " ".join(stdout.split())
    assert peak < base[3] + 25, f"peak RSS {peak} MB, {base[3]} MB for a tiny export"


# ---------------------------------------------------------------- 19. damaged input


def test_damaged_and_encrypted_zips_are_one_error_line(
    cli: Invoke, catalog: Target, tmp_path: Path
) -> None:
    before = dump_tables(catalog)
    good = deflated_zip(
        tmp_path / "good.zip", {"diary.csv": [(DIARY_HEADER.encode(), 1), (DIARY_ROW, 2000)]}
    )
    data = bytearray(good.read_bytes())
    # A bit flipped inside the packed rows: the data no longer matches its CRC.
    damaged = bytearray(data)
    damaged[200] ^= 0xFF
    (tmp_path / "damaged.zip").write_bytes(bytes(damaged))
    # The encrypted flag set in the local and central headers (zipfile cannot write one).
    encrypted = bytearray(data)
    encrypted[6] |= 1
    central = data.rfind(b"PK\x01\x02")
    encrypted[central + 8] |= 1
    (tmp_path / "encrypted.zip").write_bytes(bytes(encrypted))
    for name, words in (("damaged.zip", "damaged or cut short"), ("encrypted.zip", "encrypted")):
        line = refused(cli("import", str(tmp_path / name), "--from", "letterboxd"))
        assert words in line, line
    # A Trakt export cut short in the middle of a member.
    trakt = tmp_path / "trakt.zip"
    with zipfile.ZipFile(trakt, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("watched-history.json", json.dumps([json.loads(PLAY[:-2])] * 3000))
    (tmp_path / "cut.zip").write_bytes(trakt.read_bytes()[: trakt.stat().st_size // 2])
    refused(cli("import", str(tmp_path / "cut.zip"), "--from", "trakt"))
    assert dump_tables(catalog) == before


def _remove_folder_chain(top: Path) -> None:
    """Remove top/d/d/.../d one level at a time, deepest first, without recursion."""
    fds = [os.open(top, os.O_RDONLY)]
    try:
        while True:
            try:
                fds.append(os.open("d", os.O_RDONLY, dir_fd=fds[-1]))
            except FileNotFoundError:
                break
        while len(fds) > 1:
            os.close(fds.pop())
            os.rmdir("d", dir_fd=fds[-1])
    finally:
        for fd in fds:
            os.close(fd)


def test_deeply_nested_folders_and_json_are_refused_or_read(
    cli: Invoke, catalog: Target, tmp_path: Path
) -> None:
    """Before: 1,900 nested folders and deeply nested JSON raised RecursionError."""
    trakt = tmp_path / "trakt"
    trakt.mkdir()
    (trakt / "watched-history.json").write_text("[" + PLAY.decode()[:-2] + "]")
    folder = os.open(trakt, os.O_RDONLY)
    for _ in range(1900):  # one folder at a time: pathlib's mkdir(parents=True) recurses
        os.mkdir("d", dir_fd=folder)
        inner = os.open("d", os.O_RDONLY, dir_fd=folder)
        os.close(folder)
        folder = inner
    os.close(folder)
    try:
        result = cli("import", str(trakt), "--user", "ana")
    finally:
        _remove_folder_chain(trakt)  # pytest's own clean-up of tmp_path recurses per level
    assert counts(result, "viewings")["added"] == 1
    # JSON nested 100,000 deep: a moviecli export (both layouts) and a Trakt history.
    nested = "[" * 100_000 + "]" * 100_000
    whole = write(
        tmp_path / "whole.json", '{"format": "moviecli-export", "movies": ' + nested + "}"
    )
    lines = write(
        tmp_path / "lines.json",
        '{\n"format": "moviecli-export",\n"movies": [\n' + nested + "\n]\n}\n",
    )
    history = write(tmp_path / "t2" / "watched-history.json", nested)
    before = dump_tables(catalog)
    for path in (whole, lines):
        assert "nested too deeply" in refused(cli("import", str(path)))
    assert "nested too deeply" in refused(cli("import", str(history.parent), "--from", "trakt"))
    assert dump_tables(catalog) == before


# ---------------------------------------------------------------- 3, 19. the JSON importer


def own_export(records: dict[str, list[dict[str, Any]]]) -> str:
    """A moviecli export in its own layout, one record per line."""
    text = '{\n"format": "moviecli-export",\n"export": {"version": 1},\n'
    sections = list(records)
    for n, name in enumerate(sections):
        text += f'"{name}": [\n' + ",\n".join(json.dumps(r) for r in records[name])
        text += "\n]" + (",\n" if n < len(sections) - 1 else "\n")
    return text + "}\n"


MOVIE = {
    "id": 1,
    "title": "Heat",
    "year": 1995,
    "created_at": "2024-01-01T00:00:00.000000Z",
    "updated_at": "2024-01-01T00:00:00.000000Z",
}
STAMP = "2024-01-02T00:00:00.000000Z"


def test_json_import_checks_text_like_typed_input(
    cli: Invoke, catalog: Target, tmp_path: Path
) -> None:
    """Before: control characters in titles, tags, names and notes were stored."""
    bad = "Evil\x1b]0;pwned\x07"
    export = own_export(
        {
            "users": [{"id": 1, "name": "ana"}, {"id": 2, "name": "ev\x1bil"}],
            "people": [{"id": 1, "name": "Michael Mann"}],
            "movies": [
                MOVIE,
                {**MOVIE, "id": 2, "title": bad},
                {**MOVIE, "id": 3, "title": "Alien", "director": "Ridley\x07"},
                {**MOVIE, "id": 4, "title": "Ronin", "genres": ["Drama\x1b[31m"]},
                {**MOVIE, "id": 5, "title": "Heat\u200b"},
            ],
            "ratings": [
                {"movie_id": 1, "user_id": 1, "score": 4.0, "review": bad, "rated_at": STAMP}
            ],
            "tags": [
                {"movie_id": 1, "user_id": 1, "tag": "ok", "tagged_at": STAMP},
                {"movie_id": 1, "user_id": 1, "tag": bad, "tagged_at": STAMP},
            ],
            "lists": [
                {"id": 1, "user_id": 1, "name": bad, "ranked": False, "created_at": STAMP},
                {
                    "id": 2,
                    "user_id": 1,
                    "name": "Fine",
                    "description": bad,
                    "ranked": False,
                    "created_at": STAMP,
                },
            ],
        }
    )
    result = cli("import", str(write(tmp_path / "export.json", export)))
    assert result.exit_code == 0, result.output
    assert counts(result, "movies")["added"] == 1
    assert counts(result, "tags")["added"] == 1
    reasons = " ".join(rejected_lines(result))
    assert "control character (U+001B)" in reasons and "invisible character (U+200B)" in reasons
    titles = [title for (title,) in query(catalog, "SELECT title FROM movies")]
    assert titles == ["Heat"]
    assert query(catalog, "SELECT name FROM users") == [("ana",)]
    assert query(catalog, "SELECT name FROM lists") == []
    assert query(catalog, "SELECT review FROM ratings") == []


def test_json_rows_failing_a_check_are_rejected_not_the_file(
    cli: Invoke, catalog: Target, tmp_path: Path
) -> None:
    """Before: a `producer` credit or a 5,000-character note failed the whole import on
    the database's CHECK, and an id of 2**70 with an OverflowError."""
    export = own_export(
        {
            "users": [{"id": 1, "name": "ana"}],
            "people": [{"id": 1, "name": "Michael Mann"}],
            "movies": [
                {**MOVIE, "people": [{"role": "director", "person_id": 1, "position": 1}]},
                {
                    **MOVIE,
                    "id": 2,
                    "title": "Thief",
                    "year": 1981,
                    "people": [{"role": "producer", "person_id": 1, "position": 1}],
                },
                {**MOVIE, "id": 2**70, "title": "Ronin", "year": 1998},
            ],
            "watchlist": [{"user_id": 1, "movie_id": 1, "added_at": STAMP, "note": "n" * 5000}],
            "lists": [{"id": 1, "user_id": 1, "name": "Mann", "ranked": True, "created_at": STAMP}],
            "list_items": [
                {"list_id": 1, "movie_id": 1, "position": 1, "note": "x" * 5000, "added_at": STAMP},
                {"list_id": 1, "movie_id": 1, "position": 0, "note": None, "added_at": STAMP},
            ],
        }
    )
    result = cli("import", str(write(tmp_path / "export.json", export)))
    assert result.exit_code == 0, result.output
    reasons = rejected_lines(result)
    assert any("role must be one of director, writer, cast (got 'producer')" in r for r in reasons)
    assert sum("at most 2000 characters" in r for r in reasons) == 2
    assert any("position must be 1 or more" in r for r in reasons)
    assert any(f"an id or position must be 0 to {2**63 - 1} (got {2**70})" in r for r in reasons)
    assert query(catalog, "SELECT title FROM movies") == [("Heat",)]
    assert query(catalog, "SELECT name FROM lists") == [("Mann",)]
    assert query(catalog, "SELECT count(*) FROM watchlist") == [(0,)]


def test_json_rejects_of_a_reformatted_export_say_which_record(
    cli: Invoke, catalog: Target, tmp_path: Path
) -> None:
    """Before: a reformatted export (read whole) gave every reject as "line 0"."""
    document = {
        "format": "moviecli-export",
        "users": [{"id": 1, "name": "ana"}],
        "movies": [MOVIE, {**MOVIE, "id": 2, "title": "", "year": 1990}],
        "viewings": [
            {
                "id": 1,
                "movie_id": 1,
                "user_id": 1,
                "watched_on": "9999-12-31",
                "rewatch": False,
                "created_at": STAMP,
            },
        ],
    }
    result = cli("import", str(write(tmp_path / "e.json", json.dumps(document, indent=2))))
    reasons = rejected_lines(result)
    assert any(r.startswith("movies record 2: ") for r in reasons), reasons
    assert any(r.startswith("viewings record 1: ") for r in reasons), reasons
    assert not any("line 0" in r for r in reasons), reasons


# ---------------------------------------------------------------- 4. JSON round trip


def test_json_round_trip_keeps_undated_viewings(
    cli: Invoke, catalog: Target, other_target: Any, tmp_path: Path
) -> None:
    """A Letterboxd watched.csv entry (undated), then a dated viewing of the same film:
    before, the export imported into an empty catalog lost the undated one."""
    write(
        tmp_path / "lb" / "watched.csv", WATCHED_HEADER + "2022-05-01,Heat,1995,https://boxd.it/a\n"
    )
    assert cli("import", str(tmp_path / "lb"), "--user", "ana").exit_code == 0
    assert cli("watch", "Heat", "--on", "2023-01-02", "--user", "ana").exit_code == 0
    assert cli("watch", "Heat", "--on", "2023-01-02", "--user", "bob").exit_code == 0
    assert cli("rate", "Heat", "4.5", "--user", "ana", "--review", "line\nbreak").exit_code == 0
    exported = cli("export", "-o", str(tmp_path / "all.json"))
    assert exported.exit_code == 0, exported.output
    copy = other_target("copy")
    result = cli("import", str(tmp_path / "all.json"), db=copy)
    assert result.exit_code == 0, result.output
    assert counts(result, "viewings") == {"added": 3, "unchanged": 0}
    assert dump_tables(copy) == dump_tables(catalog)
    again = cli("import", str(tmp_path / "all.json"), db=copy)
    assert counts(again, "viewings") == {"added": 0, "unchanged": 3}
    assert dump_tables(copy) == dump_tables(catalog)


# ---------------------------------------------------------------- 6. export for Letterboxd


def test_letterboxd_export_keeps_titles_and_reviews_as_they_are(
    cli: Invoke, catalog: Target
) -> None:
    for title, review in (("+1", "- tight, + fun"), ("-1 Minute", "=tense"), ("@Home", None)):
        # `--` before a title that starts with "-".
        assert cli("add", "--year", "2013", "--", title).exit_code == 0
        args = ["watch", "--on", "2023-01-02", "--user", "ana"]
        args += ["--review", review] if review else []
        assert cli(*args, "--", title).exit_code == 0
    result = cli("export", "-f", "letterboxd", "-u", "ana")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [(r["Title"], r["Review"]) for r in rows] == [
        ("+1", "- tight, + fun"),
        ("-1 Minute", "=tense"),
        ("@Home", ""),
    ]
    # The spreadsheet CSV still guards them (the same writer, guard on).
    assert cli("rate", "+1", "4", "--user", "ana").exit_code == 0
    spreadsheet = list(csv.DictReader(io.StringIO(cli("export", "-f", "csv").stdout)))
    assert spreadsheet[0]["title"] == "'+1"


# ---------------------------------------------------------------- 7. watched or watchlist


def test_a_renamed_watchlist_is_never_taken_for_films_seen(
    cli: Invoke, catalog: Target, tmp_path: Path
) -> None:
    path = write(
        tmp_path / "watchlist (1).csv", WATCHED_HEADER + "2024-01-01,Heat,1995,https://boxd.it/a\n"
    )
    before = dump_tables(catalog)
    line = refused(cli("import", str(path), "--user", "ana"))
    assert "--as watched" in line and "--as watchlist" in line
    assert dump_tables(catalog) == before
    result = cli("import", str(path), "--user", "ana", "--as", "watchlist")
    assert counts(result, "to watch") == {"added": 1, "unchanged": 0}
    assert query(catalog, "SELECT count(*) FROM viewings") == [(0,)]
    # The option is for that question only.
    imdb = write(
        tmp_path / "r.csv", "Const,Your Rating,Date Rated,Title\ntt0113277,8,2024-01-01,Heat\n"
    )
    assert "--as is for Letterboxd" in refused(cli("import", str(imdb), "--as", "watched"))
    diary = letterboxd_diary(tmp_path / "d", "2023-01-01,Heat,1995,x,4,,,2023-01-01\n")
    assert "leave out --as" in refused(cli("import", str(diary), "--as", "watchlist"))


# ---------------------------------------------------------------- 11. impossible dates


def test_impossible_dates_from_every_importer_are_rejected(
    cli: Invoke, catalog: Target, tmp_path: Path
) -> None:
    """Before: accepted from files, though `watch --on` refused them."""
    diary = letterboxd_diary(
        tmp_path / "lb",
        "2023-01-01,Heat,1995,x,4,,,0001-01-01\n"
        "2023-01-01,Heat,1995,x,4,,,9999-01-01\n"
        "2023-01-01,Heat,1995,x,4,,,2099-01-01\n"
        "2023-01-01,Heat,1995,x,4,Maybe,,2023-01-01\n"
        "2023-01-01,Alien,1979,x,4,Yes,,2023-01-01\n",
    )
    result = cli("import", str(diary), "--user", "ana")
    reasons = rejected_lines(result)
    assert reasons == [
        "diary.csv, line 2: Watched Date must be in 1888 or later (got 0001-01-01)",
        "diary.csv, line 3: Watched Date 9999-01-01 is in the future",
        "diary.csv, line 4: Watched Date 2099-01-01 is in the future",
        "diary.csv, line 5: Rewatch must be Yes or No (got 'Maybe')",
    ]
    assert query(catalog, "SELECT watched_on, rewatch FROM viewings") == [("2023-01-01", 1)]
    typed = refused(cli("watch", "Heat", "--on", "2099-01-01"))
    assert typed == "Error: --on 2099-01-01 is in the future"
    own = own_export(
        {
            "users": [{"id": 1, "name": "ana"}],
            "movies": [MOVIE],
            "viewings": [
                {
                    "id": 7,
                    "movie_id": 1,
                    "user_id": 1,
                    "watched_on": "9999-12-31",
                    "rewatch": False,
                    "created_at": STAMP,
                },
                {
                    "id": 8,
                    "movie_id": 1,
                    "user_id": 1,
                    "watched_on": "2023-02-02",
                    "rewatch": "yes",
                    "created_at": STAMP,
                },
            ],
        }
    )
    result = cli("import", str(write(tmp_path / "e.json", own)))
    reasons = " ".join(rejected_lines(result))
    assert "watched_on 9999-12-31 is in the future" in reasons
    assert "rewatch must be true or false (got 'yes')" in reasons
    imdb = write(
        tmp_path / "ratings.csv",
        "Const,Your Rating,Date Rated,Title\ntt0113277,8,2099-02-20,Heat\n",
    )
    result = cli("import", str(imdb), "--user", "ana")
    assert rejected_lines(result) == ["line 2: Date Rated 2099-02-20 is in the future"]
    assert query(
        catalog,
        "SELECT count(*) FROM ratings AS r JOIN movies AS m ON m.id = r.movie_id "
        "WHERE m.title = 'Heat'",
    ) == [(0,)]


# ---------------------------------------------------------------- 13. time zones


@pytest.fixture
def time_zone(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    def use(name: str) -> None:
        monkeypatch.setenv("TZ", name)
        time.tzset()

    yield use
    monkeypatch.undo()
    time.tzset()


def test_a_trakt_export_imported_in_another_time_zone_adds_nothing(
    cli: Invoke, catalog: Target, tmp_path: Path, time_zone: Any
) -> None:
    plays = [
        {"watched_at": at, "type": "movie", "movie": {"title": "Heat", "year": 1995,
         "ids": {"trakt": 1}}}
        for at in ("2023-01-05T20:00:00.000Z", "2023-01-06T02:00:00.000Z", "2023-03-01T11:30:00Z")
    ]  # fmt: skip
    folder = tmp_path / "trakt"
    write(folder / "watched-history.json", json.dumps(plays))
    time_zone("UTC")
    first = cli("import", str(folder), "--user", "ana")
    assert counts(first, "viewings") == {"added": 3, "unchanged": 0}
    time_zone("Pacific/Auckland")
    again = cli("import", str(folder), "--user", "ana")
    assert counts(again, "viewings") == {"added": 0, "unchanged": 3}
    assert query(catalog, "SELECT count(*) FROM viewings") == [(3,)]


# ---------------------------------------------------------------- 14. older IMDb exports

OLD_IMDB = (
    "position,const,created,modified,description,Title,Title type,Directors,You rated,"
    "IMDb Rating,Runtime (mins),Year,Genres,Num. Votes,Release Date (month/day/year),URL\n"
    "1,tt0113277,Sat Jan 14 00:00:00 2012,Sat Jan 14 00:00:00 2012,,Heat,Feature Film,"
    'Michael Mann,8,8.3,170,1995,"crime, drama",500000,1995-12-15,http://x\n'
    "2,tt0078748,Sun Jan 15 00:00:00 2012,Sun Jan 15 00:00:00 2012,,Alien,TV Movie,"
    "Ridley Scott,9,8.5,117,1979,horror,800000,1979-05-25,http://x\n"
    "3,tt0106179,Mon Jan 16 00:00:00 2012,Mon Jan 16 00:00:00 2012,,The X-Files,TV Series,"
    ",7,8.6,45,1993,drama,200000,1993-09-10,http://x\n"
)


def test_older_imdb_ratings_exports_import_as_ratings(
    cli: Invoke, catalog: Target, tmp_path: Path
) -> None:
    result = cli("import", str(write(tmp_path / "ratings.csv", OLD_IMDB)), "--user", "ana")
    assert counts(result, "ratings") == {"added": 2, "replaced": 0, "unchanged": 0}
    assert query(
        catalog,
        "SELECT m.title, r.score FROM ratings AS r JOIN movies AS m ON m.id = r.movie_id "
        "ORDER BY m.title",
    ) == [("Alien", 4.5), ("Heat", 4.0)]
    assert query(catalog, "SELECT count(*) FROM lists") == [(0,)]


# ---------------------------------------------------------------- 15. CRLF in reviews


def test_crlf_in_reviews_becomes_lf(cli: Invoke, catalog: Target, tmp_path: Path) -> None:
    add(cli, "Heat", 1995)
    assert cli("rate", "Heat", "4", "--review", "one\r\ntwo\rthree").exit_code == 0
    reviews = write(
        tmp_path / "lb" / "reviews.csv",
        "Date,Name,Year,Letterboxd URI,Rating,Rewatch,Review,Tags,Watched Date\r\n"
        '2023-01-01,Alien,1979,x,4,,"first\r\nsecond",,2023-01-01\r\n',
    )
    result = cli("import", str(reviews.parent), "--user", "ana")
    assert result.exit_code == 0 and not rejected_lines(result), result.output
    assert sorted(query(catalog, "SELECT review FROM ratings")) == [
        ("first\nsecond",),
        ("one\ntwo\nthree",),
    ]


# ---------------------------------------------------------------- 20. look-alike text


def test_look_alike_text_is_one_text(cli: Invoke, catalog: Target, tmp_path: Path) -> None:
    add(cli, "Amélie", 2001)
    add(cli, "Heat", 1995)
    shown = json_out(cli("show", "Ame\u0301lie", "-f", "json"))
    assert shown["title"] == "Amélie"
    assert cli("tag", "Heat", "café").exit_code == 0
    assert cli("tag", "Heat", "cafe\u0301").exit_code == 0
    assert query(catalog, "SELECT tag FROM tags") == [("café",)]
    for args in (
        ["add", "Heat\u200b", "--year", "1995"],
        ["add", "\u202eTaeh", "--year", "1995"],
        ["tag", "Heat", "bad\ufefftag"],
        ["lists", "create", "Top\u2066"],
    ):
        assert "invisible character" in refused(cli(*args)), args
    diary = letterboxd_diary(tmp_path / "lb", "2023-01-01,Heat\u200b,1995,x,4,,,2023-01-01\n")
    result = cli("import", str(diary), "--user", "ana")
    assert rejected_lines(result) == [
        "diary.csv, line 2: Name contains an invisible character (U+200B); remove it"
    ]
    assert query(catalog, "SELECT count(*) FROM movies") == [(2,)]


# ---------------------------------------------------------------- 21. Netflix dates

NETFLIX = 'Title,Date\n"Heat","15 July 2023"\n"Alien","3 August 2023"\n'
AMBIGUOUS = 'Title,Date\n"Heat","01/02/23"\n"Alien","03/04/23"\n'


def test_netflix_date_format_is_checked_and_suggestions_work(
    cli: Invoke, catalog: Target, tmp_path: Path
) -> None:
    add(cli, "Heat", 1995)
    add(cli, "Alien", 1979)
    history = write(tmp_path / "NetflixViewingHistory.csv", NETFLIX)
    assert "%q is not a date directive" in refused(
        cli("import", str(history), "--date-format", "%d/%q/%Y")
    )
    assert "names no year" in refused(cli("import", str(history), "--date-format", "%d/%m"))
    imdb = write(
        tmp_path / "r.csv", "Const,Your Rating,Date Rated,Title\ntt0113277,8,2024-01-01,Heat\n"
    )
    assert "--date-format is for Netflix" in refused(
        cli("import", str(imdb), "--date-format", "%d/%m/%y")
    )
    # Not one date reads as the format given: refused (before, every row was rejected
    # with exit 0), with a suggestion read from the file itself, which then works.
    line = refused(cli("import", str(history), "--date-format", "%m/%d/%y"))
    suggested = line.split("--date-format ")[-1].split(" (")[0]
    assert suggested == "%d %B %Y", line
    result = cli("import", str(history), "--date-format", suggested)
    assert counts(result, "viewings") == {"added": 2, "unchanged": 0}
    # Without the option, the same suggestion.
    other = write(tmp_path / "n2" / "NetflixViewingHistory.csv", NETFLIX)
    assert "--date-format %d %B %Y (15 July 2023 = 2023-07-15)" in refused(
        cli("import", str(other))
    )
    # Ambiguous dates: each format offered reads the file.
    ambiguous = write(tmp_path / "n3" / "NetflixViewingHistory.csv", AMBIGUOUS)
    line = refused(cli("import", str(ambiguous), "--dry-run"))
    offered = [part.split(" (")[0] for part in line.split("--date-format ")[1:]]
    assert len(offered) >= 2, line
    for pattern in offered:
        tried = cli("import", str(ambiguous), "--date-format", pattern, "--dry-run")
        assert counts(tried, "viewings")["added"] == 2, (pattern, tried.output)


# ---------------------------------------------------------------- 22. a file that changes


def test_a_file_that_shrinks_during_an_import_changes_nothing(
    cli: Invoke, catalog: Target, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = "".join(
        f"tt{1000000 + n},{n % 10 + 1},2024-01-01,Film {n},Film {n},https://x,Movie,7,90,"
        f"{1950 + n % 70},Drama,1,,\n"
        for n in range(4000)
    )
    path = write(
        tmp_path / "ratings.csv",
        "Const,Your Rating,Date Rated,Title,Original Title,URL,Title Type,IMDb Rating,"
        "Runtime (mins),Year,Genres,Num Votes,Release Date,Directors\n" + rows,
    )
    handle = load.Loader._handle
    cut = {"done": False}

    def shrinking(self: load.Loader, item: object) -> None:
        if not cut["done"]:
            cut["done"] = True
            with path.open("r+b") as f:
                f.truncate(path.stat().st_size // 2)
        handle(self, item)

    monkeypatch.setattr(load.Loader, "_handle", shrinking)
    before = dump_tables(catalog)
    line = refused(cli("import", str(path), "--user", "ana"))
    assert "changed while it was being imported" in line
    assert dump_tables(catalog) == before


def test_a_file_rewritten_during_an_import_changes_nothing(
    cli: Invoke, catalog: Target, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same size, other bytes (a small file read in one go): its time tells."""
    path = write(
        tmp_path / "ratings.csv",
        "Const,Your Rating,Date Rated,Title\ntt0113277,8,2024-01-01,Heat\n",
    )
    handle = load.Loader._handle
    cut = {"done": False}

    def rewriting(self: load.Loader, item: object) -> None:
        if not cut["done"]:
            cut["done"] = True
            path.write_text(path.read_text().replace("Heat", "Hear"))
            os.utime(path, ns=(time.time_ns(), time.time_ns() + 10**9))
        handle(self, item)

    monkeypatch.setattr(load.Loader, "_handle", rewriting)
    before = dump_tables(catalog)
    assert "changed while it was being imported" in refused(
        cli("import", str(path), "--user", "ana")
    )
    assert dump_tables(catalog) == before


# ---------------------------------------------------------------- 23. the Letterboxd export's query


@pytest.mark.sqlite_only
def test_letterboxd_export_reads_imdb_ids_once(catalog: Path) -> None:
    """Before: a subquery per viewing, answered by scanning every IMDb id (35 s for
    100,000 viewings). No step reading external_ids may sit under a correlated
    subquery (one that runs again for each row)."""
    from sqlalchemy.dialects import sqlite

    from moviecli.store.repo.dump import QUERIES

    for name in ("letterboxd_viewings", "letterboxd_rated"):
        statement = QUERIES[name].params(user=1)
        sql = str(
            statement.compile(dialect=sqlite.dialect(), compile_kwargs={"literal_binds": True})
        )
        plan = sql_rows(catalog, "EXPLAIN QUERY PLAN " + sql)
        details = {row[0]: str(row[3]) for row in plan}
        for _id, parent, _unused, detail in plan:
            if "external_ids" in detail or detail.startswith("SEARCH e "):
                assert not details.get(parent, "").startswith("CORRELATED"), (name, plan)
