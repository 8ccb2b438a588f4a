"""rules.py on its own: the text normaliser, the date rules and the date formats."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from moviecli import rules


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("Ame\u0301lie", "Amélie"),  # decomposed -> composed (NFC)
        ("Amélie", "Amélie"),
        ("🎬 👨\u200d👩\u200d👧", "🎬 👨\u200d👩\u200d👧"),  # a joiner inside an emoji sequence
        ("می\u200cخواهم", "می\u200cخواهم"),  # a non-joiner between Persian letters
    ],
)
def test_text_is_kept_in_nfc(typed: str, kept: str) -> None:
    assert rules.check_text(typed, what="title") == kept
    assert rules.check_title(typed) == kept


@pytest.mark.parametrize(
    "text", ["Heat\u200b", "He\u200dat", "\u202eTaeh", "Heat\u2066", "\ufeffHeat", "Heat\u00ad"]
)
def test_invisible_characters_are_refused_in_one_line_text(text: str) -> None:
    with pytest.raises(ValueError, match="invisible character"):
        rules.check_title(text)
    with pytest.raises(ValueError, match="invisible character"):
        rules.check_name(text, what="tag", limit=rules.TAG_MAX)


def test_multi_line_text_keeps_direction_marks_but_not_overrides() -> None:
    assert rules.check_note("a \u200f b") == "a \u200f b"
    with pytest.raises(ValueError, match="invisible character"):
        rules.check_note("a \u202e b")


def test_line_breaks_become_lf_in_multi_line_text_only() -> None:
    assert rules.check_note("one\r\ntwo\rthree") == "one\ntwo\nthree"
    assert rules.check_text("a\r\nb", what="review", multiline=True) == "a\nb"
    with pytest.raises(ValueError, match="control character"):
        rules.check_text("a\r\nb", what="title")


def test_keys_are_the_same_for_composed_and_decomposed_text() -> None:
    assert rules.title_key("Ame\u0301lie") == rules.title_key("AMÉLIE") == "amélie"
    assert rules.text_key("cafe\u0301") == rules.text_key("Café")


def test_one_rule_for_days() -> None:
    today = date.today()
    assert rules.check_day(today, what="d") == today
    assert rules.parse_day(" 1888-01-01 ", what="d") == date(1888, 1, 1)
    for text, message in (
        ("0001-01-01", "must be in 1888 or later"),
        ((today + timedelta(days=1)).isoformat(), "is in the future"),
        ("9999-12-31", "is in the future"),
        ("31/01/2023", "must be a date as YYYY-MM-DD"),
    ):
        with pytest.raises(ValueError, match=message):
            rules.parse_day(text, what="d")


def test_moments_may_run_a_day_ahead_not_more() -> None:
    now = datetime.now(UTC).replace(tzinfo=None)
    assert rules.check_moment(now + timedelta(hours=20), what="t")
    with pytest.raises(ValueError, match="in the future"):
        rules.check_moment(now + timedelta(days=2), what="t")
    with pytest.raises(ValueError, match="1888 or later"):
        rules.check_moment(datetime(1700, 1, 1), what="t")


def test_yes_no_and_flags() -> None:
    assert rules.parse_yes_no("Yes", what="Rewatch") is True
    assert rules.parse_yes_no("", what="Rewatch") is False
    assert rules.parse_yes_no("false", what="Rewatch") is False
    with pytest.raises(ValueError, match="Yes or No"):
        rules.parse_yes_no("Maybe", what="Rewatch")
    with pytest.raises(ValueError, match="true or false"):
        rules.check_flag("yes", what="rewatch")
    with pytest.raises(ValueError, match="true or false"):
        rules.check_flag(1, what="rewatch")


@pytest.mark.parametrize("good", ["%m/%d/%y", "%d.%m.%Y", "%d %B %Y", "%Y-%j", "%d%%%m%%%y"])
def test_date_formats_that_read_a_day(good: str) -> None:
    assert rules.check_date_format(good) == good


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ("%m/%q/%y", "%q is not a date directive"),
        ("%H:%M", "%H is not a date directive"),
        ("%d/%m/", "names no year"),
        ("%d/%m/%y%", "a lone % is not"),
        ("plain", "names no day and no month and no year"),
    ],
)
def test_date_formats_refused(bad: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        rules.check_date_format(bad)
