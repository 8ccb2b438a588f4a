"""Issue 10: what a careful new user broke in an afternoon. One test (or more) per point,
each of which failed before its fix."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import select
import signal
import sqlite3
import stat
import subprocess
import sys
import threading
import tomllib
import zipfile
from pathlib import Path

import pytest
import typer.main
from typer.testing import CliRunner

from moviecli.cli import app
from moviecli.render import stars
from moviecli.rules import check_user_name
from moviecli.seed_data import DEMO_RATINGS
from tests.checks import add, rate, refused
from tests.conftest import Invoke, dump_tables, json_out
from tests.import_files import counts, write
from tests.reliability_support import close_pipes, default_ctrl_c, subprocess_env

REPO = Path(__file__).resolve().parent.parent
ESC_TITLE = "Evil\x1b[2J\x1b]0;pwned\x07"
IMDB_HEADER = (
    "Const,Your Rating,Date Rated,Title,Original Title,URL,Title Type,IMDb Rating,"
    "Runtime (mins),Year,Genres,Num Votes,Release Date,Directors\n"
)


def imdb_row(const: str, rating: str, date: str, title: str = "Heat", year: str = "1995") -> str:
    return f"{const},{rating},{date},{title},{title},https://x,Movie,8.0,100,{year},Drama,1,,\n"


def moviecli(*args: str, db: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "moviecli", "--db", str(db), *args],
        env=subprocess_env(**env),
        capture_output=True,
        text=True,
        timeout=60,
    )


def put_raw_title(path: Path, movie_id: int, title: str) -> None:
    """A control character already in a catalog (written before input refused them)."""
    connection = sqlite3.connect(path)
    with connection:
        connection.execute("UPDATE movies SET title = ? WHERE id = ?", (title, movie_id))
    connection.close()


# ---------------------------------------------------------------- 1. control characters


@pytest.mark.parametrize(
    "args",
    [
        ["add", ESC_TITLE, "--year", "1999"],
        ["add", "Fine", "--year", "1999", "--director", "Bad\x1b[31m"],
        ["add", "Fine", "--year", "1999", "--original-title", "Bad\x9b2J"],
        ["add", "Fine", "--year", "1999", "--genre", "Drama\x07"],
        ["rate", "Heat", "4", "--review", "nice\x1b]0;x\x07"],
        ["rate", "Heat", "4", "--user", "ev\x1bil"],
        ["unrate", "Heat", "--user", "ev\x1bil"],
        ["edit", "Heat", "--director", "\x1b[2J"],
    ],
    ids=["title", "director", "original-c1", "genre", "review", "user", "unrate-user", "edit"],
)
def test_control_characters_are_refused_at_input(
    cli: Invoke, seeded: Path, args: list[str]
) -> None:
    before = dump_tables(seeded)
    line = refused(cli(*args))
    assert "control character" in line
    assert "\x1b" not in line and "\x07" not in line and "\x9b" not in line
    assert dump_tables(seeded) == before


def test_a_review_keeps_tabs_and_line_breaks(cli: Invoke, seeded: Path) -> None:
    result = cli("rate", "Heat", "4", "--review", "one\ttwo\nthree", "-f", "json")
    assert json_out(result)["review"] == "one\ttwo\nthree"


def test_stored_control_characters_are_shown_as_visible_escapes(cli: Invoke, seeded: Path) -> None:
    put_raw_title(seeded, 1, ESC_TITLE)
    for args in (["list"], ["show", "1"], ["top"], ["ratings", "--limit", "0"]):
        out = cli(*args).stdout
        assert "\x1b" not in out and "\x07" not in out, args
        assert "Evil\\x1b[2J\\x1b]0;pwned\\x07" in out, (args, out)
    # An error that echoes what was typed shows it the same way.
    line = refused(cli("show", "no such \x1b[2J film"))
    assert "\x1b" not in line and "\\x1b[2J" in line
    # JSON escapes them by itself; the text is kept as stored.
    assert json_out(cli("show", "1", "-f", "json"))["title"] == ESC_TITLE


def test_import_rows_with_control_characters_are_rejected(
    cli: Invoke, catalog: Path, tmp_path: Path
) -> None:
    text = (
        "Date,Name,Year,Letterboxd URI,Rating\n"
        "2024-01-02,Heat,1995,https://boxd.it/a,4\n"
        f"2024-01-03,{ESC_TITLE},1999,https://boxd.it/b,4\n"
    )
    result = cli("import", str(write(tmp_path / "ratings.csv", text)))
    assert counts(result, "movies")["added"] == 1
    assert "ratings.csv, line 3: Name contains a control character (U+001B)" in result.stdout
    assert "\x1b" not in result.stdout


# ---------------------------------------------------------------- 2. one CSV writer


@pytest.mark.parametrize(
    "args",
    [
        ["list", "-f", "csv"],
        ["top", "-f", "csv"],
        ["ratings", "-f", "csv"],
        ["show", "=HYPERLINK(1)", "-f", "csv"],
        ["rate", "=HYPERLINK(1)", "4", "-f", "csv"],
    ],
)
def test_every_csv_neutralises_formulas(cli: Invoke, catalog: Path, args: list[str]) -> None:
    add(cli, "=HYPERLINK(1)", 1999, director="@evil")
    rate(cli, "=HYPERLINK(1)", 4, "+user")
    result = cli(*args)
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(result.stdout)))
    cells = [cell for row in rows[1:] for cell in row]
    assert "'=HYPERLINK(1)" in cells
    assert not [cell for cell in cells if cell[:1] in ("=", "+", "@", "\t", "\r")]
    # Numbers one way: a score is 4.0 wherever it is written, as in JSON.
    header = rows[0]
    for name in ("score", "average_rating"):
        if name in header and "score" not in args[0]:
            value = rows[1][header.index(name)]
            assert "." in value, (name, value)


def test_stats_csv_writes_numbers_as_json_does(cli: Invoke, seeded: Path) -> None:
    rows = list(csv.reader(io.StringIO(cli("stats", "-f", "csv").stdout)))
    data = json_out(cli("stats", "-f", "json"))
    for name, value in zip(rows[0], rows[1], strict=True):
        assert value == json.dumps(data[name]), name


# ---------------------------------------------------------------- 16. stars


def test_stars_round_half_up_and_line_up() -> None:
    assert stars(4.25).rstrip() == "★★★★½"
    assert stars(4.75).rstrip() == "★★★★★"
    assert stars(3.74).rstrip() == "★★★½"
    assert stars(0.5).rstrip() == "½"
    assert len({len(stars(x / 4)) for x in range(2, 21)}) == 1  # always five cells


def test_the_numbers_after_the_stars_line_up(cli: Invoke, catalog: Path) -> None:
    for title, score in (("Four", 4), ("Four and a half", 4.5), ("Three", 3)):
        add(cli, title, 2000)
        rate(cli, title, score, "ann")
    lines = [line for line in cli("list").stdout.splitlines() if "(1)" in line]
    assert len(lines) == 3
    assert len({re.search(r"\d\.\d\d \(1\)", line).start() for line in lines}) == 1, lines


# ---------------------------------------------------------------- 7, 8, 9: Unix manners


@pytest.mark.slow
def test_ctrl_c_ends_by_sigint_so_a_shell_loop_stops(seeded: Path) -> None:
    """bash keeps looping when its child exits 130, and stops when the child dies by SIGINT."""
    script = (
        f'while true; do "{sys.executable}" -m moviecli --db "{seeded}" delete "The Godfather"; '
        "echo next-round >&2; done"
    )
    proc = subprocess.Popen(
        ["bash", "-c", script],
        env=subprocess_env(),
        stdin=subprocess.PIPE,  # held open: the question waits for an answer
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,  # its own process group, as a terminal's foreground job
        preexec_fn=default_ctrl_c,  # as a terminal's job has it, whatever started pytest
    )
    assert proc.stderr is not None
    try:
        seen = b""
        while b"[y/N]" not in seen:
            ready, _, _ = select.select([proc.stderr], [], [], 60)
            assert ready, seen
            chunk = os.read(proc.stderr.fileno(), 4096)
            assert chunk, seen
            seen += chunk
        os.killpg(proc.pid, signal.SIGINT)  # Ctrl-C: the whole foreground group
        rest = b""
        while chunk := os.read(proc.stderr.fileno(), 4096):
            rest += chunk
            assert b"next-round" not in rest, (seen + rest).decode()
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        close_pipes(proc)
    assert rest.decode().strip() == "Error: interrupted; nothing was changed"
    assert proc.returncode in (-signal.SIGINT, 128 + signal.SIGINT)


@pytest.mark.slow
def test_a_closed_pipe_ends_quietly(tmp_path: Path, cli: Invoke, catalog: Path) -> None:
    lines = ["movieId,title,genres"] + [
        f"{i},Film number {i} ({1900 + i % 100}),Drama" for i in range(1, 3001)
    ]
    folder = tmp_path / "ml"
    write(folder / "movies.csv", "\n".join(lines) + "\n")
    assert cli("import", str(folder)).exit_code == 0
    for args in ("list --limit 0 -f csv", "export", "list --limit 0"):
        result = subprocess.run(
            [
                "bash",
                "-c",
                f'"{sys.executable}" -m moviecli --db "{catalog}" {args} | head -1',
            ],
            env=subprocess_env(),
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert len(result.stdout.splitlines()) == 1, args
        assert result.stderr == "", args  # before the fix: "Error: Broken pipe"


def test_every_group_without_a_command_shows_its_help() -> None:
    root = typer.main.get_command(app)
    # Groups that do something by themselves (`diary` lists the diary) are commands too.
    groups = [
        name
        for name, command in root.commands.items()
        if hasattr(command, "commands") and not command.invoke_without_command
    ]
    assert groups
    for name in groups:
        result = CliRunner().invoke(app, [name])
        assert "Error" not in result.output, result.output
        assert "Commands:" in result.output and f"moviecli {name}" in result.output


# ---------------------------------------------------------------- 11, 12: files


def test_import_refuses_a_fifo_before_reading_it(tmp_path: Path, catalog: Path) -> None:
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    result = moviecli("import", str(fifo), db=catalog)  # before the fix: hung (timeout)
    assert result.returncode == 1
    assert result.stderr.startswith(f"Error: {fifo} is a FIFO (named pipe), not a file")
    assert "moviecli import - <" in result.stderr


def test_import_refuses_a_device_before_reading_it(tmp_path: Path, catalog: Path) -> None:
    device = tmp_path / "zero"
    try:
        os.mknod(device, stat.S_IFCHR | 0o600, os.makedev(1, 5))  # endless zero bytes
    except PermissionError:
        pytest.skip("cannot make a device node here")
    result = moviecli("import", str(device), db=catalog)  # before the fix: read forever
    assert (result.returncode, result.stderr) == (
        1,
        f"Error: {device} is a device, not a file, folder or .zip; to import from a pipe, "
        f"use: moviecli import - < {device}\n",
    )


def test_import_dash_reads_standard_input(cli: Invoke, catalog: Path) -> None:
    result = cli(
        "import", "-", "--user", "ann", input=IMDB_HEADER + imdb_row("tt0113277", "8", "2024-01-02")
    )
    assert counts(result, "ratings")["added"] == 1
    assert json_out(cli("ratings", "-f", "json"))[0]["score"] == 4.0


def test_export_dash_writes_standard_output(
    cli: Invoke, seeded: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = cli("export", "-o", "-")
    assert json.loads(result.stdout)["format"]
    assert not (tmp_path / "-").exists()


def test_export_does_not_overwrite_without_force(cli: Invoke, seeded: Path, tmp_path: Path) -> None:
    target = tmp_path / "old.json"
    target.write_text("keep me")
    line = refused(cli("export", "-o", str(target)))
    assert (
        line == f"Error: {target} already exists; use --force to replace it, or choose another name"
    )
    assert target.read_text() == "keep me"
    assert cli("export", "-o", str(target), "--force").exit_code == 0
    assert json.loads(target.read_text())["format"]


def test_export_writes_into_a_device_without_replacing_it(
    cli: Invoke, seeded: Path, tmp_path: Path
) -> None:
    device = tmp_path / "null"
    try:
        os.mknod(device, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    except PermissionError:
        pytest.skip("cannot make a device node here")
    result = cli("export", "-o", str(device))
    assert result.exit_code == 0, result.output
    assert stat.S_ISCHR(os.lstat(device).st_mode)  # before the fix: a regular file
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_export_writes_into_a_fifo_and_follows_symlinks(
    cli: Invoke, seeded: Path, tmp_path: Path
) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    reader.start()
    result = cli("export", "-o", str(fifo))
    reader.join(60)
    assert result.exit_code == 0, result.output
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)  # before the fix: replaced by a regular file
    assert json.loads(received[0])["format"]

    real = tmp_path / "real.json"
    real.write_text("old")
    link = tmp_path / "link.json"
    link.symlink_to(real)
    assert cli("export", "-o", str(link), "--force").exit_code == 0
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert json.loads(real.read_text())["format"]


# ---------------------------------------------------------------- 13. MovieLens as published

MOVIES = "movieId,title,genres\n1,Toy Story (1995),Animation|Children\n2,Heat (1995),Crime\n"
RATINGS = "userId,movieId,rating,timestamp\n1,1,4.0,1700000000\n1,2,4.5,1700000001\n"
LINKS = "movieId,imdbId,tmdbId\n1,0114709,862\n2,0113277,949\n"


def test_the_published_movielens_zip_imports(cli: Invoke, catalog: Path, tmp_path: Path) -> None:
    archive = tmp_path / "ml-latest-small.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("ml-latest-small/", "")
        z.writestr("ml-latest-small/movies.csv", MOVIES)
        z.writestr("ml-latest-small/ratings.csv", RATINGS)
        z.writestr("ml-latest-small/links.csv", LINKS)
        z.writestr("ml-latest-small/README.txt", "GroupLens")
    result = cli("import", str(archive))
    assert counts(result, "movies")["added"] == 2
    assert counts(result, "ratings")["added"] == 2
    assert json_out(cli("show", "heat", "-f", "json"))["average_rating"] == 4.5


def test_a_folder_holding_one_movielens_folder_imports(
    cli: Invoke, catalog: Path, tmp_path: Path
) -> None:
    write(tmp_path / "downloads" / "ml-latest-small" / "movies.csv", MOVIES)
    write(tmp_path / "downloads" / "ml-latest-small" / "ratings.csv", RATINGS)
    result = cli("import", str(tmp_path / "downloads"))
    assert counts(result, "ratings")["added"] == 2


# ---------------------------------------------------------------- 14. times


def test_tables_show_local_time_and_json_stays_utc(
    tmp_path: Path, cli: Invoke, catalog: Path
) -> None:
    folder = tmp_path / "ml"
    write(folder / "movies.csv", MOVIES)
    write(folder / "ratings.csv", RATINGS)  # 1700000000 = 2023-11-14 22:13:20 UTC
    assert cli("import", str(folder)).exit_code == 0
    tokyo = moviecli("ratings", "--asc", db=catalog, TZ="Asia/Tokyo", COLUMNS="200")
    assert "2023-11-15 07:13" in tokyo.stdout, tokyo.stdout
    utc = moviecli("ratings", "--asc", db=catalog, TZ="UTC", COLUMNS="200")
    assert "2023-11-14 22:13" in utc.stdout
    assert json_out(cli("ratings", "--asc", "-f", "json"))[0]["rated_at"] == "2023-11-14T22:13:20Z"
    show = moviecli("show", "heat", db=catalog, TZ="Asia/Tokyo", COLUMNS="200").stdout
    assert not re.search(r"\d{4}-\d\d-\d\dT\d", show), show  # never raw ISO


def test_a_date_without_a_time_is_shown_as_a_date(
    cli: Invoke, catalog: Path, tmp_path: Path
) -> None:
    text = "Date,Name,Year,Letterboxd URI,Rating\n2024-01-02,Heat,1995,https://boxd.it/a,4\n"
    assert cli("import", str(write(tmp_path / "ratings.csv", text))).exit_code == 0
    out = moviecli("ratings", db=catalog, TZ="America/Los_Angeles", COLUMNS="200").stdout
    assert "2024-01-02" in out and "00:00" not in out and "16:00" not in out, out


# ---------------------------------------------------------------- 15. options people expect


def test_ratings_asc_and_desc_without_sort(cli: Invoke, catalog: Path, tmp_path: Path) -> None:
    folder = tmp_path / "ml"
    write(folder / "movies.csv", MOVIES)
    write(folder / "ratings.csv", RATINGS)
    assert cli("import", str(folder)).exit_code == 0
    newest_first = [r["title"] for r in json_out(cli("ratings", "-f", "json"))]
    assert newest_first == ["Heat", "Toy Story"]
    assert [r["title"] for r in json_out(cli("ratings", "--desc", "-f", "json"))] == newest_first
    assert [r["title"] for r in json_out(cli("ratings", "--asc", "-f", "json"))] == newest_first[
        ::-1
    ]


def test_a_genre_list_with_bars_is_two_genres(cli: Invoke, catalog: Path) -> None:
    assert add(cli, "Heat", 1995, "crime|drama")["genres"] == ["Crime", "Drama"]
    edited = json_out(cli("edit", "heat", "--genre", "thriller|crime", "-f", "json"))
    assert sorted(edited["genres"]) == ["Crime", "Thriller"]


def test_edit_clears_an_optional_field(cli: Invoke, catalog: Path) -> None:
    add(cli, "Heat", 1995, "crime", director="Michael Mann", runtime=170, original_title="Heat")
    cleared = json_out(
        cli(
            "edit",
            "heat",
            "--clear",
            "runtime",
            "--clear",
            "genres",
            "--clear",
            "director",
            "-f",
            "json",
        )
    )
    assert (cleared["runtime_minutes"], cleared["genres"]) == (None, [])
    assert not cleared.get("directors") and not cleared.get("director")
    assert (
        json_out(cli("edit", "heat", "--original-title", "", "-f", "json"))["original_title"]
        is None
    )
    refused(cli("edit", "heat", "--clear", "runtime", "--runtime", "90"))


# ---------------------------------------------------------------- 4. IMDb rows


@pytest.mark.parametrize(
    ("rating", "date", "reason"),
    [
        ("7.5", "2024-01-02", "Your Rating must be a whole number from 1 to 10 (got '7.5')"),
        ("0", "2024-01-02", "Your Rating must be a whole number from 1 to 10 (got '0')"),
        ("11", "2024-01-02", "Your Rating must be a whole number from 1 to 10 (got '11')"),
        ("8", "", "the date rated is blank"),
        ("8", "01/02/2024", "Date Rated must look like 2024-03-31 (got '01/02/2024')"),
    ],
)
def test_a_rejected_imdb_row_adds_nothing(
    cli: Invoke, catalog: Path, tmp_path: Path, rating: str, date: str, reason: str
) -> None:
    text = IMDB_HEADER + imdb_row("tt0113277", rating, date)
    result = cli("import", str(write(tmp_path / "r.csv", text)))
    assert f"line 2: {reason}" in result.stdout, result.stdout
    assert counts(result, "movies") == {"added": 0, "matched": 0}
    assert json_out(cli("list", "-f", "json")) == []


def test_an_imdb_title_listed_twice_imports_the_same_way_every_time(
    cli: Invoke, catalog: Path, tmp_path: Path
) -> None:
    text = (
        IMDB_HEADER
        + imdb_row("tt0113277", "8", "2024-01-02")
        + imdb_row("tt0113277", "6", "2024-01-02")
    )
    path = write(tmp_path / "r.csv", text)
    cli("import", str(path), "--user", "ann")
    first = dump_tables(catalog)
    again = cli("import", str(path), "--user", "ann")
    assert counts(again, "ratings")["added"] == 0 and counts(again, "ratings")["replaced"] == 0
    assert dump_tables(catalog)["ratings"] == first["ratings"]


# ---------------------------------------------------------------- 5, 6: counts, demo raters


def test_one_row_is_one_row(cli: Invoke, catalog: Path, tmp_path: Path) -> None:
    folder = tmp_path / "ml"
    write(folder / "movies.csv", "movieId,title,genres\n1,Heat (1995),Crime\n")
    result = cli("import", str(folder))
    assert "(1 row," in result.stdout, result.stdout


def test_demo_raters_have_names_no_person_has(cli: Invoke, seeded: Path) -> None:
    users = {r["user"] for r in json_out(cli("ratings", "--limit", "0", "-f", "json"))}
    assert users == {user for user, *_ in DEMO_RATINGS}
    for user in users:
        assert user.startswith("demo-") and check_user_name(user) == user
    assert "demo-" in (REPO / "README.md").read_text(encoding="utf-8")


# ---------------------------------------------------------------- 19. messages


def test_messages_name_the_file_or_value_and_what_to_do(
    cli: Invoke, seeded: Path, tmp_path: Path
) -> None:
    line = refused(cli("export", "-o", str(tmp_path / "missing" / "x.json")))
    assert line == (
        f"Error: cannot write {tmp_path / 'missing' / 'x.json'}: the folder "
        f"{tmp_path / 'missing'} does not exist; create it first"
    )
    cut = tmp_path / "cut.zip"
    with zipfile.ZipFile(cut, "w") as z:
        z.writestr("ratings.csv", "Date,Name,Year,Letterboxd URI,Rating\n" * 200)
    cut.write_bytes(cut.read_bytes()[:100])
    assert "cannot be read (cut short or damaged?)" in refused(cli("import", str(cut)))
    utf16 = tmp_path / "utf16.csv"
    utf16.write_bytes((IMDB_HEADER + imdb_row("tt0113277", "8", "2024-01-02")).encode("utf-16"))
    assert "is UTF-16 text; save it as UTF-8" in refused(cli("import", str(utf16)))
    loop = tmp_path / "loop.csv"
    loop.symlink_to(loop)
    assert refused(cli("import", str(loop))) == (
        f"Error: {loop} is a loop of symbolic links; point it at a real file"
    )
    no_genre = cli("top", "--genre", "nosuch")
    # Issue 17 (24): said as "no such genre" now, without suggesting --min-ratings 1.
    assert "the catalog has no genre 'nosuch'" in no_genre.stdout
    negative = cli("rate", "1", "-1")
    assert negative.exit_code == 2
    assert "Scores are 0.5 to 5" in negative.stderr and "put '--' before it" in negative.stderr


# ---------------------------------------------------------------- 21. speed on a fresh machine


def test_uv_sync_compiles_bytecode() -> None:
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    assert config["tool"]["uv"]["compile-bytecode"] is True


def test_export_csv_comes_from_the_same_writer(cli: Invoke, catalog: Path) -> None:
    add(cli, "+Plus", 1999)
    rate(cli, "+plus", 4, "@ann")
    exported = list(csv.reader(io.StringIO(cli("export", "-f", "csv").stdout)))
    listed = list(csv.reader(io.StringIO(cli("ratings", "-f", "csv").stdout)))
    assert exported == listed  # same columns, same cells: "4.0", "'+Plus", "'@ann"
    assert exported[1][1:5] == ["'+Plus", "1999", "'@ann", "4.0"]


# ---------------------------------------------------------------- 10. --db and readers


def test_a_reader_on_a_mistyped_db_creates_nothing(cli: Invoke, tmp_path: Path) -> None:
    typo = tmp_path / "moveis.db"
    for args in (["list"], ["top"], ["ratings"], ["show", "1"], ["stats"], ["export"]):
        line = refused(cli(*args, db=typo))
        assert "no catalog at" in line and str(typo) in line, args
    assert not typo.exists()


def test_the_default_catalog_answers_empty_until_something_is_written(
    isolated_environment: Path,
) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["list", "-f", "json"])
    assert (result.exit_code, json.loads(result.stdout)) == (0, [])
    assert not (isolated_environment / "moviecli" / "movies.db").exists()
    assert runner.invoke(app, ["add", "Ran", "--year", "1985"]).exit_code == 0
    assert (isolated_environment / "moviecli" / "movies.db").exists()


def test_an_empty_db_option_is_a_usage_error() -> None:
    result = CliRunner().invoke(app, ["--db", "", "list"])
    assert result.exit_code == 2
    assert "'--db': must not be empty" in result.stderr


# ---------------------------------------------------------------- 12. db backup writes the same way


def test_db_backup_writes_into_devices_fifos_and_links(
    cli: Invoke, seeded: Path, tmp_path: Path
) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    reader.start()
    result = cli("db", "backup", str(fifo))
    reader.join(60)
    assert result.exit_code == 0, result.output
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)  # before the fix: "already exists"
    assert received[0].startswith(b"SQLite format 3\x00")

    real = tmp_path / "real.db"
    real.write_text("old")
    link = tmp_path / "link.db"
    link.symlink_to(real)
    assert "already exists" in refused(cli("db", "backup", str(link)))
    assert cli("db", "backup", str(link), "--force").exit_code == 0
    assert link.is_symlink() and real.read_bytes().startswith(b"SQLite format 3\x00")
    assert stat.S_IMODE(real.stat().st_mode) == 0o600

    device = tmp_path / "null"
    try:
        os.mknod(device, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    except PermissionError:
        return
    assert cli("db", "backup", str(device)).exit_code == 0
    assert stat.S_ISCHR(os.lstat(device).st_mode)


# ---------------------------------------------------------------- 5. rows are rows


def test_the_summary_counts_data_rows(cli: Invoke, catalog: Path, tmp_path: Path) -> None:
    text = (
        IMDB_HEADER
        + imdb_row("tt0113277", "8", "2024-01-02")
        + imdb_row("tt0000002", "", "2024-01-02", title="Unrated")
        + "tt0903747,10,2021-03-17,Breaking Bad,x,https://x,TV Series,9.5,49,2008,Drama,1,,\n"
    )
    result = cli("import", str(write(tmp_path / "imdb.csv", text)), "--user", "ann")
    assert "(3 rows," in result.stdout, result.stdout
    folder = tmp_path / "letterboxd"
    write(
        folder / "ratings.csv",
        "Date,Name,Year,Letterboxd URI,Rating\n"
        "2024-01-02,Heat,1995,https://boxd.it/a,4\n"
        "2024-01-03,Ran,1985,https://boxd.it/b,5\n",
    )
    write(
        folder / "diary.csv",
        "Date,Name,Year,Letterboxd URI,Rating,Rewatch,Tags,Watched Date\n"
        '2024-01-02,Heat,1995,https://boxd.it/x,4,,"crime, la",2024-01-01\n',
    )
    result = cli("import", str(folder), "--user", "ann")
    assert "(3 rows," in result.stdout, result.stdout


# ---------------------------------------------------------------- 17, 18. finding a movie


def test_every_double_match_is_ambiguous(cli: Invoke, seeded: Path) -> None:
    godfather = json_out(cli("show", "The Godfather", "-f", "json"))["id"]
    number = add(cli, str(godfather), 1999)["id"]  # a film titled like another's id
    line = refused(cli("rate", str(godfather), "5"))
    assert line.startswith(f"Error: '{godfather}' matches 2 movies: ")
    assert f"{godfather}  The Godfather (1972)" in line and f"{number}  {godfather} (1999)" in line
    literal = add(cli, "Heat (1995)", 2001)["id"]
    heat = json_out(cli("show", "heat", "-f", "json"))["id"]
    line = refused(cli("show", "Heat (1995)"))
    assert f"{heat}  Heat (1995)" in line and f"{literal}  Heat (1995) (2001)" in line


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("amelie", "Amélie (2001)"),
        ("matrix", "The Matrix (1999)"),
        ("blade runer", "Blade Runner (1982)"),
    ],
)
def test_no_match_suggests_the_closest_titles(
    cli: Invoke, seeded: Path, typed: str, meant: str
) -> None:
    line = refused(cli("show", typed))
    assert line.startswith(f"Error: no movie matches '{typed}'; did you mean: ")
    assert meant in line
    if typed == "amelie":  # the same title but for its accent: that one alone
        assert line.endswith("did you mean: 12  Amélie (2001)?"), line


@pytest.mark.slow
def test_movie_arguments_complete_from_the_catalog(seeded: Path) -> None:
    env = subprocess_env(
        _MOVIECLI_COMPLETE="complete_bash",
        COMP_WORDS=f"moviecli --db {seeded} rate the",
        COMP_CWORD="4",
    )
    # The console script: under `python -m moviecli` Click names the variable after
    # "python -m moviecli", and _MOVIECLI_COMPLETE would be ignored.
    script = Path(sys.executable).parent / "moviecli"
    result = subprocess.run(
        [sys.executable, "-X", "importtime", str(script)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    # Issue 17 (8): bash inserts a completion as given, so each title is one shell word.
    assert result.stdout.splitlines() == [
        "the\\ Godfather\\ \\(1972\\)",
        "the\\ Martian\\ \\(2015\\)",
        "the\\ Matrix\\ \\(1999\\)",
    ]
    loaded = {
        line.rsplit("|", 1)[1].strip().split(".")[0]
        for line in result.stderr.splitlines()
        if "|" in line
    }
    assert not loaded & {"sqlalchemy", "sqlmodel", "alembic"}  # as fast as command completion


def test_db_check_names_the_rows_that_point_nowhere(cli: Invoke, seeded: Path) -> None:
    connection = sqlite3.connect(seeded)
    with connection:  # foreign keys are off on a plain connection
        connection.execute(
            "INSERT INTO ratings (movie_id, user_id, score, rated_at) VALUES (1, 999, 4.0, 0)"
        )
    connection.close()
    result = cli("db", "check")
    assert result.exit_code == 1
    assert "row None" not in result.stderr
    assert (
        "foreign key: table ratings row (user_id=999, movie_id=1) points to a missing users "
        "row; restore a backup" in result.stderr
    ), result.stderr


# ---------------------------------------------------------------- 3. the export is exact


def test_export_then_import_gives_every_row_of_every_table_back(
    cli: Invoke, catalog: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "ml"
    write(
        folder / "movies.csv",
        "movieId,title,genres\n1,Toy Story (1995),Animation|Children\n2,Heat (1995),Crime\n"
        "3,Heat (1995),Crime|Thriller\n",  # MovieLens lists one film under two movieIds
    )
    write(
        folder / "ratings.csv",
        "userId,movieId,rating,timestamp\n1,1,4.0,1700000000\n1,2,4.5,1700000001\n"
        "2,3,3.0,1700000002\n",
    )
    write(folder / "links.csv", "movieId,imdbId,tmdbId\n1,0114709,862\n2,0113277,949\n")
    write(folder / "tags.csv", "userId,movieId,tag,timestamp\n1,2,heist,1700000003\n")
    assert cli("import", str(folder)).exit_code == 0
    heat = json_out(cli("show", "heat", "-f", "json"))
    assert heat["rating_count"] == 2
    out = tmp_path / "all.json"
    assert cli("export", "-o", str(out)).exit_code == 0
    copy = tmp_path / "copy" / "movies.db"
    copy.parent.mkdir()
    imported = cli("import", str(out), db=copy)
    assert imported.exit_code == 0 and "rejected" not in imported.stdout, imported.output
    assert dump_tables(copy) == dump_tables(catalog)
