"""moviecli.rules: every limit and normaliser, called directly (no CLI, no catalog)."""

from __future__ import annotations

import math

import pytest

from moviecli import rules


@pytest.mark.parametrize("text", ["Heat", "tab\tinside", "Amélie", "日本語", ""])
def test_check_text_passes_ordinary_text(text: str) -> None:
    if "\t" in text:
        with pytest.raises(ValueError, match=r"U\+0009"):
            rules.check_text(text, what="title")
        assert rules.check_text(text, what="review", multiline=True) == text
    else:
        assert rules.check_text(text, what="title") == text


@pytest.mark.parametrize(
    ("char", "code"), [("\x1b", "001B"), ("\x07", "0007"), ("\x7f", "007F"), ("\x9b", "009B")]
)
def test_check_text_refuses_control_characters_everywhere(char: str, code: str) -> None:
    for multiline in (False, True):
        with pytest.raises(ValueError, match=rf"review contains a control character \(U\+{code}\)"):
            rules.check_text(f"a{char}b", what="review", multiline=multiline)


def test_multiline_text_keeps_line_breaks_only_where_allowed() -> None:
    assert rules.check_text("one\n\ttwo\n", what="review", multiline=True) == "one\n\ttwo\n"
    with pytest.raises(ValueError, match=r"U\+000A"):
        rules.check_text("one\ntwo", what="title")


def test_title_key_folds_case_and_spaces() -> None:
    assert rules.title_key("  The   MATRIX ") == "the matrix"
    assert rules.title_key("Straße") == rules.title_key("STRASSE")
    assert rules.text_key("Film  Noir") == "film noir"


@pytest.mark.parametrize(
    ("title", "key"),
    [
        ("Amélie", "amelie"),
        ("The Matrix", "matrix"),
        ("L'Avventura", "avventura"),
        ("Les Misérables", "miserables"),
        ("The", "the"),  # an article alone stays
        ("Heat!", "heat"),
        ("", ""),
    ],
)
def test_loose_title_key(title: str, key: str) -> None:
    assert rules.loose_title_key(title) == key


def test_check_name_collapses_spaces_and_enforces_the_limit() -> None:
    assert rules.check_name("  Joel   Coen ", what="name", limit=20) == "Joel Coen"
    with pytest.raises(ValueError, match="tag must not be blank"):
        rules.check_name(" \t ", what="tag", limit=5)
    with pytest.raises(ValueError, match=r"tag must be at most 5 characters \(got 6\)"):
        rules.check_name("abcdef", what="tag", limit=5)
    with pytest.raises(ValueError, match="control character"):
        rules.check_name("a\x1bb", what="tag", limit=5)


def test_check_note() -> None:
    assert rules.check_note(None) is None
    assert rules.check_note("   ") is None
    assert rules.check_note("  two\nlines ") == "two\nlines"
    assert rules.check_note("x" * rules.NOTE_MAX) == "x" * rules.NOTE_MAX
    with pytest.raises(ValueError, match=f"description must be at most {rules.NOTE_MAX}"):
        rules.check_note("x" * (rules.NOTE_MAX + 1), what="description")


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("Joel Coen, Ethan Coen", ["Joel Coen", "Ethan Coen"]),
        ("Martin Luther King, Jr.", ["Martin Luther King, Jr."]),
        ("Smith, John", ["Smith, John"]),
        ("  Michael Mann ", ["Michael Mann"]),
        ("", []),
    ],
)
def test_split_names_only_splits_full_names(text: str, names: list[str]) -> None:
    assert rules.split_names(text) == names
    if len(names) > 1:
        assert ", ".join(names) == text


def test_check_title() -> None:
    assert rules.check_title("  Heat ") == "Heat"
    assert rules.check_title("x" * rules.TITLE_MAX) == "x" * rules.TITLE_MAX
    with pytest.raises(ValueError, match="title must not be blank"):
        rules.check_title("   ")
    with pytest.raises(ValueError, match=rf"at most {rules.TITLE_MAX} characters \(got 301\)"):
        rules.check_title("x" * (rules.TITLE_MAX + 1))
    with pytest.raises(ValueError, match="original title must not be blank"):
        rules.check_title("", what="original title")


def test_check_user_name() -> None:
    assert rules.check_user_name(" ann ") == "ann"
    assert rules.check_user_name("x" * rules.USER_NAME_MAX) == "x" * rules.USER_NAME_MAX
    with pytest.raises(ValueError, match="user name must not be blank"):
        rules.check_user_name(" ")
    with pytest.raises(ValueError, match=f"at most {rules.USER_NAME_MAX} characters"):
        rules.check_user_name("x" * (rules.USER_NAME_MAX + 1))
    with pytest.raises(ValueError, match="user name contains a control character"):
        rules.check_user_name("a\nb")


@pytest.mark.parametrize("value", [0.5, 1, 1.5, 4.5, 5.0])
def test_half_stars_are_scores(value: float) -> None:
    assert rules.is_half_star(value)
    assert rules.check_score(value) == float(value)
    assert isinstance(rules.check_score(value), float)


@pytest.mark.parametrize("value", [0, 0.0, 0.25, 4.4, 5.5, 6, -1])
def test_other_numbers_are_not(value: float) -> None:
    assert not rules.is_half_star(value)
    with pytest.raises(ValueError, match=r"in steps of 0\.5"):
        rules.check_score(value)


@pytest.mark.parametrize("value", [True, math.nan, math.inf, "4"])
def test_check_score_refuses_what_is_not_a_number(value: object) -> None:
    with pytest.raises(ValueError, match=r"score must be a number from 0\.5 to 5 in half stars"):
        rules.check_score(value)  # type: ignore[arg-type]


@pytest.mark.parametrize(("text", "value"), [("4", 4.0), (" 4.5 ", 4.5), ("3.0", 3.0)])
def test_parse_score(text: str, value: float) -> None:
    assert rules.parse_score(text) == value


@pytest.mark.parametrize("text", ["", "four", "nan", "inf", "4.25", "0", "5.5"])
def test_parse_score_refuses(text: str) -> None:
    with pytest.raises(ValueError, match=rf"rating must be .*\(got {text!r}\)"):
        rules.parse_score(text, what="rating")


@pytest.mark.parametrize(
    ("raw", "name"),
    [
        ("sci-fi", "Sci-Fi"),
        ("film-noir", "Film-Noir"),
        ("imax", "IMAX"),
        ("tv movie", "TV Movie"),
        ("  DRAMA  ", "Drama"),
        ("science  fiction", "Science Fiction"),
    ],
)
def test_genre_name_title_cases(raw: str, name: str) -> None:
    assert rules.genre_name(raw) == name


def test_genre_names_keeps_each_once_and_drops_blank_and_long() -> None:
    long = "x" * (rules.GENRE_MAX + 1)
    assert rules.genre_names(["drama", "Drama", " ", long, "sci-fi", "SCI-FI"]) == [
        "Drama",
        "Sci-Fi",
    ]


def test_recommend_limits() -> None:
    assert rules.check_recommend_limit(1) == 1
    assert rules.check_recommend_limit(rules.RECOMMEND_LIMIT_MAX) == rules.RECOMMEND_LIMIT_MAX
    for bad in (0, rules.RECOMMEND_LIMIT_MAX + 1):
        with pytest.raises(ValueError, match="--limit must be from 1 to 1000"):
            rules.check_recommend_limit(bad)
    assert rules.check_holdout(rules.HOLDOUT_MAX) == rules.HOLDOUT_MAX
    for bad in (0, rules.HOLDOUT_MAX + 1):
        with pytest.raises(ValueError, match="--holdout must be from 1 to 100"):
            rules.check_holdout(bad)


def test_user_name_list() -> None:
    assert rules.user_name_list(" alice, bob ,alice") == ["alice", "bob"]
    with pytest.raises(ValueError, match="user name must not be blank"):
        rules.user_name_list("alice,,bob")


def test_histogram_keys_are_every_half_star() -> None:
    assert rules.HISTOGRAM_KEYS == ["0.5", "1.0", "1.5", "2.0", "2.5", "3.0", "3.5", "4.0",
                                    "4.5", "5.0"]  # fmt: skip
    assert all(rules.is_half_star(float(key)) for key in rules.HISTOGRAM_KEYS)


def test_check_constraints_carry_the_limits() -> None:
    assert rules.CHECK_TITLE_LENGTH == "length(title) BETWEEN 1 AND 300"
    assert rules.CHECK_YEAR == "year IS NULL OR year BETWEEN 1888 AND 2100"
    assert rules.CHECK_ROLE == "role IN ('director', 'writer', 'cast')"
    assert rules.CHECK_HALF_STARS == (
        "score BETWEEN 0.5 AND 5.0 AND score * 2 = CAST(score * 2 AS INTEGER)"
    )


def test_genre_key_is_the_caseless_match_beyond_ascii() -> None:
    assert rules.genre_key("Straße") == rules.genre_key("STRASSE")
    assert rules.genre_key("Épopée") == rules.genre_key("ÉPOPÉE") == "épopée"
    assert rules.genre_key("Sci-Fi") == rules.genre_key("sci-fi")
    assert rules.genre_names(["Straße", "STRASSE"]) == ["Straße"]
