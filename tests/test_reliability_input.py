"""Hostile and odd input: refused with one `Error:` line and a catalog unchanged to the byte,
or accepted exactly as typed. Ends with a property test over random argument lists."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings, strategies as st

from tests.conftest import Invoke, dump_tables, files_beside, json_out

pytestmark = pytest.mark.both_engines

LONG = "x" * 301

# (arguments, exit code, the stderr line for exit 1; None: Typer's usage message)
REFUSED: list[tuple[list[str], int, str | None]] = [
    (["add", "", "--year", "2000"], 1, "Error: invalid title: title must not be blank (got '')"),
    (["add", "   ", "--year", "2000"], 1, "Error: invalid title: title must not be blank"),
    (
        ["add", LONG, "--year", "2000"],
        1,
        "Error: invalid title: title must be at most 300 characters (got 301)\n",
    ),
    (["add", "Too Early", "--year", "1887"], 1, "Error: invalid year: "),
    (["add", "Too Late", "--year", "2101"], 1, "Error: invalid year: "),
    (["add", "Negative", "--year", "-5"], 1, "Error: invalid year: "),
    (["add", "Huge", "--year", "9" * 30], 1, "Error: invalid year: "),
    (["add", "Words", "--year", "abc"], 2, None),
    (["add", "Float", "--year", "1999.5"], 2, None),
    (["add", "No Year"], 2, None),
    (["edit", "Inception", "--title", ""], 1, "Error: invalid title: title must not be blank"),
    (["edit", "Inception", "--title", LONG], 1, "Error: invalid title: title must be at most 300"),
    (["edit", "Inception", "--year", "1700"], 1, "Error: invalid year: "),
    (["edit", "Inception", "--year", "soon"], 2, None),
    (["edit", "Inception", "--runtime", "0"], 1, "Error: invalid runtime minutes: "),
    (["edit", "Inception", "--genre", " "], 1, "Error: invalid genres: genre must not be blank"),
    (["edit", "Inception"], 1, "Error: nothing to change: "),
    (["rate", "Inception", "0"], 1, "Error: score must be from 0.5 to 5 in steps of 0.5 (got 0)"),
    (["rate", "Inception", "7"], 1, "Error: score must be from 0.5 to 5 in steps of 0.5 (got 7)"),
    (["rate", "Inception", "4.3"], 1, "Error: score must be from 0.5 to 5 in steps of 0.5"),
    (["rate", "Inception", "--", "-1"], 1, "Error: score must be from 0.5 to 5 in steps of 0.5"),
    (["rate", "Inception", "-1"], 2, None),
    (["rate", "Inception", "NaN"], 1, "Error: score must be a number from 0.5 to 5 in half stars"),
    (["rate", "Inception", "inf"], 1, "Error: score must be a number from 0.5 to 5 in half stars"),
    (["rate", "Inception", "1e400"], 1, "Error: score must be a number from 0.5 to 5"),
    (["rate", "Inception", "4,5"], 1, "Error: score must be a number from 0.5 to 5 (got '4,5')"),
    (["rate", "Inception", ""], 1, "Error: score must be a number from 0.5 to 5 (got '')"),
    (["rate", "Inception", "4", "--user", ""], 1, "Error: user name must not be blank"),
    (["rate", "Inception", "4", "--user", "  "], 1, "Error: user name must not be blank"),
    (["rate", "Inception", "4", "--user", "u" * 65], 1, "Error: user name must be at most 64"),
    (["unrate", "Inception", "--user", ""], 1, "Error: user name must not be blank"),
    (["ratings", "--user", " "], 1, "Error: user name must not be blank"),
    (["show", "999"], 1, "Error: no movie matches '999'"),
    (["show", "0"], 1, "Error: no movie matches '0'"),
    (["show", "--", "-1"], 1, "Error: no movie matches '-1'"),
    (["show", "-1"], 2, None),
    (["rate", "999", "4"], 1, "Error: no movie matches '999'"),
    (["edit", "0", "--year", "2000"], 1, "Error: no movie matches '0'"),
    (["delete", "999", "--yes"], 1, "Error: no movie matches '999'"),
    (["delete", "--yes", "--", "-3"], 1, "Error: no movie matches '-3'"),
    (["unrate", "999"], 1, "Error: no movie matches '999'"),
    (["unrate", "Inception", "--user", "nobody"], 1, "Error: nobody has not rated 'Inception"),
    (["ratings", "--movie", "0"], 1, "Error: no movie matches '0'"),
    (["show", "[bold]x[/bold]"], 1, "Error: no movie matches '[bold]x[/bold]'"),
    (["delete", "Inception"], 1, "Error: not confirmed; nothing was deleted"),
    (["list", "--sort", "bogus"], 2, None),
    (["ratings", "--sort", "bogus"], 2, None),
    (["top", "--by", "bogus"], 2, None),
    (["list", "--format", "xml"], 2, None),
    (["list", "--limit", "-1"], 2, None),
    (["list", "--offset", "-1"], 2, None),
    (["ratings", "--limit", "-5"], 2, None),
    (["top", "--limit", "-1"], 2, None),
    (["top", "--min-ratings", "0"], 2, None),
    (["list", "--year", "abc"], 2, None),
    (["db", "upgrade", "nosuch"], 1, "Error: "),
    (["db", "upgrade", "ffff"], 1, "Error: "),
    (["db", "downgrade", "nosuch"], 1, "Error: "),
    (["no-such-command"], 2, None),
]


@pytest.mark.reads_only
@pytest.mark.parametrize(
    ("args", "code", "line"), REFUSED, ids=[" ".join(a)[:40] for a, _, _ in REFUSED]
)
def test_refused_input_changes_nothing(
    cli: Invoke, seeded: Path, args: list[str], code: int, line: str | None
) -> None:
    before = dump_tables(seeded)
    files_before = files_beside(seeded)
    result = cli(*args)
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    errors = [x for x in result.stderr.splitlines() if x.startswith("Error: ")]
    assert len(errors) == 1, result.stderr
    if code == 1:
        assert line is not None, result.stderr
        if line.endswith("\n"):  # the whole line
            assert result.stderr == line
        assert errors[0].startswith(line.rstrip("\n")), result.stderr
        assert result.stderr.endswith(errors[0] + "\n")
        assert result.stdout.strip() == ""
    else:
        assert result.stderr.startswith("Usage: ")
    assert dump_tables(seeded) == before
    # Not even a stray backup beside the catalog.
    assert files_beside(seeded) == files_before


ODD_BUT_FINE = [
    'It\'s "quoted"',
    "'; DROP TABLE movies; --",
    "Robert'); DROP TABLE ratings;--",
    "100% Wolf",
    "a%b_c",
    "_underscore_",
    "back\\slash %",
    "東京物語",
    "Андрей Рублёв",
    "الرسالة",
    "🎬🍿 Movie 👨‍👩‍👧",
    "Amélie",
    "Ame\u0301lie",  # the same word, written with a combining accent
    "Blade Runner [final cut]",
    "[/x]",
    "[bold red]not bold[/bold red]",
    ":smile: ${HOME} $(rm -rf /) `ls`",
]


def test_odd_text_is_kept_exactly_as_typed(cli: Invoke, catalog: Path) -> None:
    # Exactly, in Unicode NFC (issue 17, point 20): "Ame\u0301lie" is kept as "Amélie".
    for n, typed in enumerate(ODD_BUT_FINE):
        text = unicodedata.normalize("NFC", typed)
        added = json_out(
            cli(
                "add", typed, "--year", str(1990 + n), "--director", typed,
                "--original-title", typed, "-f", "json",
            )
        )  # fmt: skip
        rated = cli("rate", str(added["id"]), "4.5", "--user", typed[:64], "--review", typed)
        assert rated.exit_code == 0, rated.output
        shown = json_out(cli("show", str(added["id"]), "--format", "json"))
        assert (shown["title"], shown["director"], shown["original_title"]) == (text,) * 3
        assert shown["latest_ratings"][0]["user"] == text[:64]
        assert shown["latest_ratings"][0]["review"] == text
        # Found by its own title too, and the tables print it verbatim (Rich markup inert).
        # (With its year: "Amélie" typed both ways is one title, two films.)
        by_title = json_out(cli("show", f"{typed} ({1990 + n})", "--format", "json"))
        assert by_title["id"] == added["id"], text
        table = cli("show", str(added["id"]))
        assert table.exit_code == 0 and text in table.stdout, (text, table.stdout)
        assert text in cli("ratings", "--movie", str(added["id"])).stdout, text
    listing = cli("list", "--limit", "0")
    top = cli("top", "--limit", "0")
    for typed in ODD_BUT_FINE:
        text = unicodedata.normalize("NFC", typed)
        assert text in listing.stdout, text
        assert text in top.stdout, text
    assert cli("db", "check").exit_code == 0


SEARCHES: list[tuple[str, set[str]]] = [
    ("%", {"100% Wolf", "a%b_c", "back\\slash %"}),
    ("_", {"a%b_c", "_underscore_"}),
    ("a%b", {"a%b_c"}),
    ("b_c", {"a%b_c"}),  # as a LIKE pattern "_" would also match "aXbYc"
    ("\\", {"back\\slash %"}),
    ("'; drop", {"'; DROP TABLE movies; --"}),
    ("[final", {"Blade Runner [final cut]"}),
    ("рублёв", {"Андрей Рублёв"}),
]


def test_search_treats_wildcards_literally(cli: Invoke, catalog: Path) -> None:
    for n, title in enumerate([*ODD_BUT_FINE, "aXbYc", "abc", "plain"]):
        assert cli("add", title, "--year", str(1950 + n)).exit_code == 0
    for search, expected in SEARCHES:
        found = json_out(cli("list", "--search", search, "--limit", "0", "--format", "json"))
        assert {movie["title"] for movie in found} == expected, search


# ---------------------------------------------------------------- random argument lists

ODD_VALUES = [
    "", " ", "0", "1", "3", "-1", "999", "4", "4.5", "4.3", "7", "NaN", "inf", "-inf", "1e400",
    "2000", "1887", "2101", "abc", "%", "_", "[/x]", "[bold]", "'; DROP TABLE movies; --",
    "The Godfather", "inception", "Heat (1995)", "東京物語", "🎬", "x" * 301, "--", "-",
]  # fmt: skip
odd = st.one_of(
    st.sampled_from(ODD_VALUES),
    st.text(max_size=12),
    st.integers(-(10**12), 10**12).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
)


def mostly(plausible: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """A value of the kind the option expects seven times in eight, else anything odd,
    so that examples often get past the parser and into the commands."""
    return st.integers(0, 7).flatmap(lambda n: odd if n == 0 else plausible)


year = mostly(st.integers(1880, 2110).map(str))
count = mostly(st.integers(0, 40).map(str))
score = mostly(st.sampled_from(["0", "0.5", "1", "2.5", "3.0", "4", "4.5", "5", "5.5", "4.25"]))
title = mostly(st.sampled_from(["Heat", "The Godfather", "New Film", "Blade Runner [final cut]"]))
name = mostly(st.sampled_from(["alice", "bob", "tester", "zoë", "[/x]"]))
genre = mostly(st.sampled_from(["drama", "sci-fi", "Crime", "film-noir"]))
movie_ref = mostly(
    st.sampled_from(["1", "2", "3", "17", "The Godfather", "the matrix", "Heat (1995)", "Heat"])
)
fmt = mostly(st.sampled_from(["table", "json", "csv", "JSON"]))


def choice(*values: str) -> st.SearchStrategy[str]:
    return mostly(st.sampled_from(values))


def opt(name: str, value: st.SearchStrategy[str]) -> st.SearchStrategy[list[str]]:
    return st.one_of(st.just([]), value.map(lambda v: [name, v]))


def flag(name: str) -> st.SearchStrategy[list[str]]:
    return st.sampled_from([[], [name]])


def command(words: list[str], *parts: st.SearchStrategy[list[str]]) -> st.SearchStrategy:
    return st.tuples(*parts).map(lambda chosen: words + [a for part in chosen for a in part])


def positional(value: st.SearchStrategy[str]) -> st.SearchStrategy[list[str]]:
    return value.map(lambda v: [v])


# Odd revisions only: a real one ("0001", "base", "head-1") would legitimately migrate.
odd_revision = st.one_of(
    st.sampled_from(["nosuch", "ffff", "9999", "", " ", "[/x]", "'; DROP", "héad"]),
    st.text(max_size=8).filter(
        lambda s: not any(c in s for c in "0123456789+-@") and s.strip() not in {"head", "heads"}
    ),
)
MOVIE_OPTIONS = [
    opt("--genre", genre),
    opt("--runtime", count),
    opt("--director", title),
    opt("--original-title", title),
]
arguments = st.one_of(
    command(
        ["add"], positional(title), opt("--year", year), *MOVIE_OPTIONS, flag("--force"),
        opt("-f", fmt),
    ),
    command(["edit"], positional(movie_ref), opt("--title", title), opt("--year", year),
            *MOVIE_OPTIONS),
    command(["show"], positional(movie_ref), opt("--format", fmt)),
    command(["delete"], positional(movie_ref), flag("--yes")),
    command(["rate"], positional(movie_ref), positional(score), opt("--user", name),
            opt("--review", title)),
    command(["unrate"], positional(movie_ref), opt("--user", name)),
    command(
        ["list"], opt("--search", title), opt("--genre", genre), opt("--year", year),
        opt("--from-year", year), opt("--to-year", year),
        opt("--sort", choice("title", "year", "rating", "ratings", "added")), flag("--desc"),
        opt("--limit", count), opt("--offset", count), opt("--format", fmt),
    ),
    command(
        ["ratings"], opt("--user", name), opt("--movie", movie_ref), opt("--limit", count),
        opt("--offset", count), opt("--sort", choice("date", "score", "title")), flag("--desc"),
        opt("-f", fmt),
    ),
    command(
        ["top"], opt("--limit", count), opt("--genre", genre), opt("--from-year", year),
        opt("--to-year", year), opt("--min-ratings", count),
        opt("--by", choice("weighted", "mean")), opt("--format", fmt),
    ),
    command(["stats"], opt("--format", fmt)),
    command(["seed"]),
    command(["db"], positional(st.sampled_from(["current", "check", "path", "history"]))),
    command(["db", "upgrade"], positional(odd_revision)),
    command(["db", "downgrade"], positional(odd_revision)),
    st.lists(odd, max_size=4),  # not even a command
)  # fmt: skip


def app_commands() -> set[str]:
    return {"add", "edit", "show", "delete", "rate", "unrate", "list", "ratings", "top"} | {
        "stats",
        "seed",
        "db",
    }


@pytest.mark.slow
@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(args=arguments)
def test_random_arguments_never_crash_or_half_write(
    cli: Invoke, seeded: Path, args: list[str]
) -> None:
    # One catalog for all examples: a command that succeeds may change it, and the
    # next example starts from there.
    before = dump_tables(seeded)
    result = cli(*args)
    word = args[0] if args and args[0] in app_commands() else "(junk)"
    event(f"{word}: exit {result.exit_code}")
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    assert result.exit_code in (0, 1, 2), result.output
    if result.exit_code != 0:
        assert dump_tables(seeded) == before, args
        assert "Error: " in result.stderr, result.output
    if result.exit_code == 1:
        assert result.stderr.endswith("\n") and "\nError: " in "\n" + result.stderr
