"""Issue 17, the command-line points (2, 5, 8, 9, 10, 16, 17, 18, 19 in part, 24 and the
friction list): one test (or more) per point, each of which failed before its fix
unless its docstring says otherwise."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from moviecli.cli import app
from tests.checks import add, rate, refused
from tests.conftest import Invoke, Target, dump_tables, is_url, json_out, server_of, sql_rows
from tests.import_files import write
from tests.reliability_support import subprocess_env

pytestmark = pytest.mark.both_engines

HOSTILE_USER = "x\x1b]0;pwned\x07y"


def execute(target: Target, sql: str) -> None:
    """One statement straight into the catalog, committed (either engine)."""
    if is_url(target):
        import psycopg

        with psycopg.connect(str(target), autocommit=True) as connection:
            connection.execute(sql)  # type: ignore[arg-type]
        return
    import sqlite3

    connection = sqlite3.connect(target)
    with connection:
        connection.execute(sql)
    connection.close()


# ---------------------------------------------------------------- 2: user names


@pytest.mark.parametrize(
    "args",
    [
        ["watch", "Heat"],
        ["watchlist", "add", "Heat"],
        ["lists", "create", "Mine"],
        ["tag", "Heat", "heist"],
        ["untag", "Heat", "heist"],
        ["diary"],
        ["show", "Heat"],
        ["ratings"],
        ["export", "-f", "letterboxd"],
    ],
)
def test_a_user_name_with_control_characters_is_refused_by_every_command(
    cli: Invoke, seeded: Target, args: list[str]
) -> None:
    before = dump_tables(seeded)
    line = refused(cli(*args, "--user", HOSTILE_USER))
    assert "user name contains a control character (U+001B)" in line
    assert dump_tables(seeded) == before


def test_a_user_name_from_the_environment_is_checked_too(
    cli: Invoke, seeded: Target, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MOVIECLI_USER", HOSTILE_USER)
    before = dump_tables(seeded)
    refused(cli("watch", "Heat"))
    assert dump_tables(seeded) == before


def test_imports_check_user_names_by_the_same_rule(
    tmp_path: Path, cli: Invoke, seeded: Target
) -> None:
    """--user of an import, and a user named inside a moviecli export."""
    diary = write(
        tmp_path / "diary.csv",
        "Date,Name,Year,Letterboxd URI,Rating,Rewatch,Tags,Watched Date\n"
        "2023-01-02,Heat,1995,https://boxd.it/d1,4,,,2023-01-01\n",
    )
    before = dump_tables(seeded)
    refused(cli("import", str(diary), "--user", HOSTILE_USER))
    assert dump_tables(seeded) == before
    export = json.loads(cli("export").stdout)
    export["users"].append({"id": 99, "name": HOSTILE_USER})
    export["ratings"].append(
        {
            "movie_id": export["movies"][0]["id"],
            "user_id": 99,
            "score": 4.0,
            "review": None,
            "rated_at": "2024-01-01T00:00:00Z",
        }
    )
    path = write(tmp_path / "export.json", json.dumps(export))
    result = cli("import", str(path))
    assert "user name contains a control character" in result.output, result.output
    names = [row[0] for row in sql_rows(seeded, "SELECT name FROM users")]
    assert HOSTILE_USER not in names


@pytest.mark.sqlite_only
def test_csv_output_makes_control_characters_visible(cli: Invoke, seeded: Path) -> None:
    """A name written before the check (straight into the file) still never reaches the
    terminal raw through -f csv."""
    rate(cli, "Heat", 4, "ann")
    execute(
        seeded,
        "UPDATE users SET name = 'x' || char(27) || ']0;pwned' || char(7) || 'y' "
        "WHERE name = 'ann'",
    )
    for args in (["ratings", "-f", "csv"], ["export", "-f", "csv"]):
        out = cli(*args).stdout
        assert "\x1b" not in out and "\x07" not in out, args
        assert "x\\x1b]0;pwned\\x07y" in out, args


# ---------------------------------------------------------------- 5: group options


def test_user_and_format_before_a_subcommand_are_honoured(cli: Invoke, seeded: Target) -> None:
    added = json_out(cli("watchlist", "-u", "ann", "-f", "json", "add", "Heat"))
    assert [row["title"] for row in added] == ["Heat"]
    assert json_out(cli("watchlist", "-f", "json")) == []  # not the default user's
    assert [r["title"] for r in json_out(cli("watchlist", "-u", "ann", "-f", "json"))] == ["Heat"]
    json_out(cli("watchlist", "-u", "ann", "-f", "json", "remove", "Heat"))
    assert json_out(cli("watchlist", "-u", "ann", "-f", "json")) == []

    created = json_out(cli("lists", "-u", "ann", "-f", "json", "create", "Mine"))
    assert created["name"] == "Mine"
    refused(cli("lists", "show", "Mine"))  # the default user has no such list
    json_out(cli("lists", "-u", "ann", "add", "Mine", "Heat", "-f", "json"))
    shown = json_out(cli("lists", "-u", "ann", "-f", "json", "show", "Mine"))
    assert [item["title"] for item in shown["items"]] == ["Heat"]
    json_out(cli("lists", "-u", "ann", "-f", "json", "remove", "Mine", "Heat"))
    json_out(cli("lists", "-u", "ann", "-f", "json", "delete", "Mine", "--yes"))
    assert json_out(cli("lists", "-u", "ann", "-f", "json")) == []

    entry = json_out(cli("watch", "Heat", "--user", "ann", "-f", "json"))
    refused(cli("diary", "delete", str(entry["id"])))  # the default user's diary: no such entry
    removed = json_out(cli("diary", "-u", "ann", "-f", "json", "delete", str(entry["id"])))
    assert removed["id"] == entry["id"]


@pytest.mark.parametrize(
    "args",
    [
        ["watchlist", "-u", "ann", "add", "Heat", "-u", "bob"],
        ["lists", "-f", "json", "show", "x", "-f", "csv"],
        ["diary", "--year", "2024", "delete", "1"],
        ["diary", "-n", "5", "delete", "1"],
    ],
)
def test_group_options_that_cannot_apply_are_usage_errors(
    cli: Invoke, seeded: Target, args: list[str]
) -> None:
    before = dump_tables(seeded)
    result = cli(*args)
    assert result.exit_code == 2, result.output
    assert dump_tables(seeded) == before


# ---------------------------------------------------------------- 8: completion


@pytest.mark.sqlite_only
def test_bash_completion_gives_every_title_as_one_shell_word(
    tmp_path: Path, cli: Invoke, catalog: Path
) -> None:
    """Through the real bash script Typer installs, run by bash."""
    add(cli, "Alien", 1979)
    add(cli, "Rosemary's Baby", 1968)
    script = tmp_path / "complete.sh"
    script.write_text(
        "source <(_MOVIECLI_COMPLETE=source_bash moviecli)\n"
        f'COMP_WORDS=(moviecli --db "{catalog}" show "$1"); COMP_CWORD=4\n'
        "_moviecli_completion moviecli\n"
        'echo "${#COMPREPLY[@]}"\n'
        'eval "set -- ${COMPREPLY[0]}"\n'
        'echo "$#"; echo "$1"\n'
    )
    env = subprocess_env(PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    for typed, title in (("Ali", "Alien (1979)"), ("Ros", "Rosemary's Baby (1968)")):
        result = subprocess.run(
            ["bash", str(script), typed], env=env, capture_output=True, text=True, timeout=60
        )
        assert result.stdout.splitlines() == ["1", "1", title], (result.stdout, result.stderr)


# ---------------------------------------------------------------- 9: streaming


def _ratings_catalog(tmp_path: Path, cli: Invoke, movies: int, users: int) -> None:
    folder = tmp_path / "ml"
    folder.mkdir()
    (folder / "movies.csv").write_text(
        "movieId,title,genres\n"
        + "".join(f"{m},Film {m} ({1950 + m % 70}),Drama|Comedy\n" for m in range(1, movies + 1))
    )
    with (folder / "ratings.csv").open("w") as out:
        out.write("userId,movieId,rating,timestamp\n")
        for u in range(1, users + 1):
            for m in range(1, movies + 1):
                out.write(f"{u},{m},{(u + m) % 10 / 2 + 0.5},{1_500_000_000 + u * 1000 + m}\n")
    assert cli("import", str(folder)).exit_code == 0


# moviecli run as `python -m moviecli`, reporting its peak resident set on stderr at exit:
# VmHWM, of this program's own memory since exec. (A child's ru_maxrss from wait4 is no
# measure: Linux carries the parent's resident set at fork into it, and a pytest worker's
# is larger than any of these commands', so every command measured the same.)
_REPORTING_PEAK = """
import atexit, runpy, sys

def report():
    with open("/proc/self/status") as status:
        (line,) = [x for x in status if x.startswith("VmHWM:")]
    sys.stderr.write("peak-kB: " + line.split()[1] + "\\n")

atexit.register(report)
sys.argv[0] = "moviecli"
runpy.run_module("moviecli", run_name="__main__", alter_sys=True)
"""


def _peak_rss_mb(target: Target, *args: str) -> float:
    """The child's own peak resident set (VmHWM, reported by the child at exit)."""
    child = subprocess.run(
        [sys.executable, "-c", _REPORTING_PEAK, "--db", str(target), *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=subprocess_env(),
        text=True,
        check=False,
    )
    assert child.returncode == 0, child.stderr
    (peak,) = [x for x in child.stderr.splitlines() if x.startswith("peak-kB: ")]
    return int(peak.split()[1]) / 1024


@pytest.mark.slow  # peak memory of real processes
def test_every_listing_streams_in_bounded_memory(
    tmp_path: Path, cli: Invoke, target: Target, backend: str
) -> None:
    """60,000 ratings: before, -f csv held every row (~100 MB more than one row), -f json
    twice that, and a table of 6,000 rows ~40 MB; now each stays within a few MB of
    printing one row."""
    _ratings_catalog(tmp_path, cli, movies=300, users=200)
    baseline = max(_peak_rss_mb(target, "ratings", "-n", "1", "-f", f) for f in ("csv", "json"))
    for args in (
        ("ratings", "-n", "0", "-f", "csv"),
        ("ratings", "-n", "0", "-f", "json"),
        ("ratings", "-n", "6000"),
        ("list", "-n", "0", "-f", "json"),
        ("diary", "-n", "0", "-f", "json"),
        ("top", "-n", "0", "--min-ratings", "1", "-f", "json"),
    ):
        grown = _peak_rss_mb(target, *args) - baseline
        assert grown < 25, (args, round(grown, 1), backend)


def test_streamed_json_is_the_same_document(cli: Invoke, seeded: Target) -> None:
    """Element by element, the JSON is still one array as before (and [] when empty)."""
    rows = json.loads(cli("ratings", "-n", "0", "-f", "json").stdout)
    assert len(rows) == len(sql_rows(seeded, "SELECT 1 FROM ratings"))
    out = cli("list", "-n", "2", "-f", "json").stdout
    assert out == json.dumps(json.loads(out), ensure_ascii=False, indent=2) + "\n"
    assert cli("ratings", "-u", "nobody-rated", "-f", "json").exit_code == 1
    assert cli("diary", "-u", "nobody", "-f", "json").stdout == "[]\n"


@pytest.mark.sqlite_only
def test_a_table_of_every_row_is_printed_in_pages(
    tmp_path: Path, cli: Invoke, catalog: Path
) -> None:
    _ratings_catalog(tmp_path, cli, movies=25, users=100)  # 2,500 ratings
    out = cli("ratings", "-n", "0").stdout
    assert out.count("rated") == 3  # a header per page of 1,000
    assert out.rstrip().endswith("showing 1–2500")


@pytest.mark.slow  # whole processes piped into head, six times
@pytest.mark.parametrize("fmt", ["table", "csv", "json"])
def test_a_reader_that_goes_away_ends_every_format_alike(
    tmp_path: Path, cli: Invoke, target: Target, fmt: str
) -> None:
    """`| head -1`: the same end for every format, by SIGPIPE as `cat` ends (141 in the
    shell), with nothing on stderr. Before: tables ended with 1 (Rich), JSON with 0. (The
    output must outgrow the pipe's buffer: what fits in it is written before `head` ends. A
    thousand films' table was 72 KB, a hair over the 64 KiB buffer plus what `head` reads, and
    once in a while it all fitted: 5,000 films make each output at least 300 KB.)"""
    _ratings_catalog(tmp_path, cli, movies=5000, users=2)
    for what in ("ratings", "list"):
        result = subprocess.run(
            [
                "bash",
                "-c",
                f'"{sys.executable}" -m moviecli --db "{target}" {what} -n 0 -f {fmt} | head -1;'
                ' echo "status=${PIPESTATUS[0]}" >&2',
            ],
            env=subprocess_env(),
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert len(result.stdout.splitlines()) == 1, (what, fmt)
        assert result.stderr == f"status={128 + signal.SIGPIPE}\n", (what, fmt, result.stderr)


# ---------------------------------------------------------------- 10: delete says what goes


def test_delete_says_everything_that_goes_with_counts(cli: Invoke, seeded: Target) -> None:
    cli("watch", "Heat", "--on", "2024-01-01", "--tag", "heist", "--user", "ann")
    cli("watch", "Heat", "--on", "2024-02-01", "--user", "bob")
    cli("lists", "create", "Mine", "--user", "ann")
    cli("lists", "add", "Mine", "Heat", "--user", "ann")
    cli("watchlist", "add", "Heat", "--user", "cleo")
    ratings = len(
        sql_rows(
            seeded,
            "SELECT 1 FROM ratings r JOIN movies m ON m.id = r.movie_id WHERE m.title = 'Heat'",
        )
    )
    asked = cli("delete", "Heat", input="n\n")
    assert asked.exit_code == 1
    expected = (
        f"and its {ratings} rating{'s' if ratings != 1 else ''}, 2 viewings, 1 tag, "
        "1 list entry and 1 watchlist entry"
    )
    assert expected in asked.stderr, asked.stderr
    # Whose: every user's (a shared PostgreSQL catalog names them: " of ann, bob, ...").
    assert "(every user's)?" in asked.stderr or " of ann, bob, cleo" in asked.stderr
    done = cli("delete", "Heat", "--yes")
    assert done.exit_code == 0
    assert "Deleted with it: " in done.stderr and "2 viewings" in done.stderr


# ---------------------------------------------------------------- 16: watchlist times


def test_watchlist_times_are_local_and_json_stays_utc(
    cli: Invoke, seeded: Target, monkeypatch: pytest.MonkeyPatch
) -> None:
    import time

    cli("watchlist", "add", "Heat")
    stamp = "2024-01-01 20:30:00"
    execute(seeded, f"UPDATE watchlist SET added_at = '{stamp}'")
    monkeypatch.setenv("TZ", "Pacific/Auckland")  # UTC+13 in January
    time.tzset()
    try:
        table = cli("watchlist").stdout
        data = json_out(cli("watchlist", "-f", "json"))
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()
    assert "2024-01-02 09:30" in table, table
    assert data[0]["added_at"] == "2024-01-01T20:30:00Z"


# ---------------------------------------------------------------- 17: readers create nothing


def test_a_dry_run_on_a_missing_catalog_creates_nothing(tmp_path: Path) -> None:
    write(tmp_path / "ml" / "movies.csv", "movieId,title,genres\n1,Heat (1995),Drama\n")
    db = tmp_path / "new" / "movies.db"
    db.parent.mkdir()
    result = CliRunner().invoke(app, ["--db", str(db), "import", str(tmp_path / "ml"), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "1 added" in result.stdout
    assert list(db.parent.iterdir()) == []


@pytest.mark.sqlite_only
def test_readers_and_dry_runs_leave_an_empty_file_as_it_is(tmp_path: Path) -> None:
    db = tmp_path / "empty.db"
    db.touch()
    write(tmp_path / "ml" / "movies.csv", "movieId,title,genres\n1,Heat (1995),Drama\n")
    runner = CliRunner()
    for args in (["list"], ["diary"], ["top"], ["import", str(tmp_path / "ml"), "--dry-run"]):
        result = runner.invoke(app, ["--db", str(db), *args])
        assert result.exit_code == 0, (args, result.output)
        assert db.stat().st_size == 0, args
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty.db", "ml"]


@pytest.mark.sqlite_only
def test_a_catalog_that_is_not_a_regular_file_is_refused(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    for args in (["diary"], ["add", "Heat", "--year", "1995"]):
        line = refused(CliRunner().invoke(app, ["--db", str(fifo), *args]))
        assert "is not a regular file" in line, line


@pytest.mark.postgresql_only
def test_a_reader_on_an_empty_postgresql_database_creates_no_schema(
    target: Target, cli: Invoke, tmp_path: Path
) -> None:
    server_of(target).ensure(str(target))
    write(tmp_path / "ml" / "movies.csv", "movieId,title,genres\n1,Heat (1995),Drama\n")
    for args in (["list"], ["diary"], ["import", str(tmp_path / "ml"), "--dry-run"]):
        result = cli(*args)
        assert result.exit_code == 0, (args, result.output)
        tables = sql_rows(
            target, "SELECT table_name FROM information_schema.tables WHERE table_schema='public'"
        )
        assert tables == [], args


# ---------------------------------------------------------------- 18: prompts


def test_a_prompt_goes_to_stderr_and_stdout_is_only_the_output(cli: Invoke, seeded: Target) -> None:
    result = cli("delete", "Heat", "-f", "json", input="y\n")
    assert result.exit_code == 0
    assert result.stdout.startswith("{"), repr(result.stdout[:20])
    assert json.loads(result.stdout)["title"] == "Heat"
    assert "[y/N]" in result.stderr


# ---------------------------------------------------------------- 19: internals


@pytest.mark.parametrize(
    "args",
    [
        ["diary", "--month", "9999-12"],
        ["diary", "--month", "0001-01"],
        ["show", str(2**70)],
        ["rate", str(2**70), "4"],
        ["ratings", "--movie", str(2**70)],
        ["diary", "--movie", str(2**70)],
        ["watchlist", "add", str(2**70)],
    ],
)
def test_no_internal_error_reaches_the_user(cli: Invoke, seeded: Target, args: list[str]) -> None:
    before = dump_tables(seeded)
    line = refused(cli(*args))
    assert "unexpected" not in line and "Error" not in line[len("Error:") :], line
    assert dump_tables(seeded) == before


def test_the_dash_hint_speaks_of_the_command_at_hand(cli: Invoke, seeded: Target) -> None:
    for args, example in (
        (["diary", "delete", "-1"], "moviecli diary delete -- -1"),
        (["add", "-1 Minute", "--year", "2000"], "moviecli add -- '-1 Minute'"),
    ):
        result = cli(*args)
        assert result.exit_code == 2
        assert "Scores" not in result.stderr, result.stderr
        assert example in " ".join(result.stderr.split()), result.stderr
    assert "Scores are 0.5 to 5" in cli("rate", "Heat", "-1").stderr


# ---------------------------------------------------------------- 24: empty answers


def test_an_unknown_genre_is_said_so(cli: Invoke, seeded: Target) -> None:
    top = cli("top", "--genre", "nosuch").stdout
    assert "no genre 'nosuch'" in top and "--min-ratings 1" not in top, top
    wanted = cli("recommend", "--genre", "nosuch").stdout
    assert "no genre 'nosuch'" in wanted and "nothing left" not in wanted, wanted
    one = cli("top", "--genre", "drama", "--from-year", "2100", "--min-ratings", "1").stdout
    assert "--min-ratings 1" not in one, one


# ---------------------------------------------------------------- friction


def test_a_rated_film_counts_as_seen(cli: Invoke, seeded: Target) -> None:
    rate(cli, "Alien", 4.5, "tester")
    watched = [m["title"] for m in json_out(cli("list", "--watched", "-n", "0", "-f", "json"))]
    unwatched = [m["title"] for m in json_out(cli("list", "--unwatched", "-n", "0", "-f", "json"))]
    assert "Alien" in watched and "Alien" not in unwatched
    cli("lists", "create", "Sci")
    shown = json_out(cli("lists", "add", "Sci", "Alien", "Arrival", "-f", "json"))
    assert [i["seen"] for i in shown["items"]] == [True, False]
    assert json_out(cli("lists", "-f", "json"))[0]["seen"] == 1
    person = json_out(cli("person", "Ridley Scott", "-f", "json"))
    assert person[0]["seen"] == 1


def test_a_rewatch_follows_dates_typed_and_imported(
    tmp_path: Path, cli: Invoke, seeded: Target
) -> None:
    cli("watch", "Heat", "--on", "2024-01-01")
    cli("watch", "Heat", "--on", "2020-01-01")  # back-filled: the 2024 one is the rewatch
    diary = {e["watched_on"]: e["rewatch"] for e in json_out(cli("diary", "-f", "json"))}
    assert diary == {"2024-01-01": True, "2020-01-01": False}
    cli("watch", "Alien", "--on", "2024-05-01")
    path = write(
        tmp_path / "diary.csv",
        "Date,Name,Year,Letterboxd URI,Rating,Rewatch,Tags,Watched Date\n"
        "2019-01-02,Alien,1979,https://boxd.it/d1,4,,,2019-01-01\n",
    )
    assert cli("import", str(path)).exit_code == 0
    alien = {
        e["watched_on"]: e["rewatch"]
        for e in json_out(cli("diary", "--movie", "Alien", "-f", "json"))
    }
    assert alien == {"2024-05-01": True, "2019-01-01": False}


def test_export_user_goes_with_letterboxd_only(cli: Invoke, seeded: Target) -> None:
    line = refused(cli("export", "-f", "json", "-u", "ann"))
    assert "--user goes with --format letterboxd" in line
    refused(cli("export", "-f", "csv", "-u", "ann"))


def test_top_ranks_by_the_mean_count_of_a_rated_film_unless_told(
    cli: Invoke, seeded: Target
) -> None:
    counts = [
        r[0] for r in sql_rows(seeded, "SELECT rating_count FROM movies WHERE rating_count > 0")
    ]
    m = max(1, round(sum(counts) / len(counts)))
    assert m > 1  # the seeded catalog tells the defaults apart
    rows = json_out(cli("top", "-n", "0", "--explain", "-f", "json"))
    assert rows and {r["m"] for r in rows} == {m}
    assert min(r["rating_count"] for r in rows) >= m
    everyone = json_out(cli("top", "-n", "0", "--min-ratings", "1", "-f", "json"))
    assert len(everyone) == len(counts) > len(rows)


def test_watched_and_unwatched_together_is_a_usage_error(cli: Invoke, seeded: Target) -> None:
    assert cli("list", "--watched", "--unwatched").exit_code == 2


def test_help_texts_say_what_the_commands_take(cli: Invoke, catalog: Target) -> None:
    runner = CliRunner()
    for command in (["watch"], ["watchlist", "add"], ["tag"], ["diary"], ["lists", "show"]):
        text = runner.invoke(app, [*command, "--help"]).stdout
        assert "Whose rating" not in text, command
        assert "<list[str]>" not in text and "<str>" not in text, command
    assert "Whose rating" in runner.invoke(app, ["rate", "--help"]).stdout
    # Every --year takes what its help shows, and the check takes the same range.
    for command in (["diary"], ["list"], ["stats"]):
        text = " ".join(runner.invoke(app, [*command, "--help"]).stdout.split())
        assert "1888<=x<=2100" in text, command
        assert cli(*command, "--year", "1887").exit_code == 2, command
        assert cli(*command, "--year", "2100").exit_code == 0, command
    assert cli("diary", "--month", "2100-12").exit_code == 0
    assert cli("diary", "--month", "2101-01").exit_code == 1


def test_readers_answer_today_as_before(cli: Invoke, seeded: Target) -> None:
    """Not a regression test: the streamed listings still end with their summary lines."""
    assert cli("list", "-n", "3").stdout.rstrip().endswith("showing 1–3 of 20")
    assert "no diary entries" in cli("diary").stdout
    today = date.today().isoformat()
    cli("watch", "Heat")
    assert today in cli("diary").stdout
