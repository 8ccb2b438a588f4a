"""Limits and normalisers with no dependencies: the one place each rule is written.

Input models, importers and the schema's CHECK constraints all read these, so a
limit changed here changes everywhere at once (a migration still has to carry the
CHECK change: revisions never import this module)."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable

TITLE_MAX = 300
YEAR_MIN, YEAR_MAX = 1888, 2100
RUNTIME_MIN, RUNTIME_MAX = 1, 1000
USER_NAME_MAX = 64
SCORE_MIN, SCORE_MAX = 0.5, 5.0
GENRE_MAX = 64
HISTOGRAM_KEYS = [f"{n / 2:.1f}" for n in range(1, 11)]  # every half star, as text
TAG_MAX = 255
LIST_NAME_MAX = 100
NOTE_MAX = 2000  # list descriptions, list-item and watchlist notes
PERSON_NAME_MAX = 300  # a director text of schema 0005 (<= TITLE_MAX) becomes one name whole
ROLES = ("director", "writer", "cast")
GENRE_ACRONYMS = {"imax": "IMAX", "tv": "TV"}

# C0 controls, DEL and C1 controls: what a terminal may read as a command.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
# Reviews may hold tabs and line breaks; nothing else from the control ranges.
_CONTROL_IN_LONG_TEXT = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def check_text(value: str, *, what: str, multiline: bool = False) -> str:
    """Refuse control characters (ESC, BEL, CSI, ...) in user text; tab and newline
    (and CR) are allowed where `multiline` (reviews, notes)."""
    pattern = _CONTROL_IN_LONG_TEXT if multiline else _CONTROL
    found = pattern.search(value)
    if found is not None:
        code = ord(found.group())
        raise ValueError(f"{what} contains a control character (U+{code:04X}); remove it")
    return value


def title_key(title: str) -> str:
    """The case-insensitive form of a title used for matching (full Unicode case folding)."""
    return " ".join(title.split()).casefold()


# Leading articles left out when suggesting titles: "matrix" finds "The Matrix".
LEADING_ARTICLES = (
    "the",
    "a",
    "an",
    "le",
    "la",
    "les",
    "l'",
    "el",
    "los",
    "las",
    "il",
    "lo",
    "der",
    "die",
    "das",
    "de",
    "het",
    "un",
    "une",
)


_NOT_WORD = re.compile(r"[^\w']+")


def loose_title_key(title: str) -> str:
    """A title as a person might type it from memory: case, accents, punctuation and a
    leading article ignored ("Amélie" -> "amelie", "The Matrix" -> "matrix")."""
    plain = title.casefold()
    if not plain.isascii():
        import unicodedata

        folded = unicodedata.normalize("NFKD", plain)
        plain = "".join(c for c in folded if not unicodedata.combining(c))
    plain = _NOT_WORD.sub(" ", plain)
    words = plain.split()
    if len(words) > 1 and words[0] in LEADING_ARTICLES:
        words = words[1:]
    elif words and words[0].startswith("l'") and len(words[0]) > 2:
        words[0] = words[0][2:]
    return " ".join(words)


def text_key(text: str) -> str:
    """The case-insensitive key of a name, tag or list name: the same folding as titles."""
    return title_key(text)


def search_key(text: str) -> str:
    """The key of the IMDb world's titles, alternative titles and names: text_key with
    accents left out ("Amélie" and "AMELIE" -> "amelie"), so a lookup ignores both case
    and accents through one indexed equality. The loader and the lookups both use it."""
    key = text_key(text)
    if key.isascii():
        return key
    import unicodedata

    folded = unicodedata.normalize("NFKD", key)
    return unicodedata.normalize("NFC", "".join(c for c in folded if not unicodedata.combining(c)))


def check_name(value: str, *, what: str, limit: int) -> str:
    """A one-line name (a person, a tag, a list): stripped, not blank, no control characters."""
    value = " ".join(value.split()) if value.strip() else ""
    if not value:
        raise ValueError(f"{what} must not be blank")
    if len(value) > limit:
        raise ValueError(f"{what} must be at most {limit} characters (got {len(value)})")
    return check_text(value, what=what)


def check_note(value: str | None, *, what: str = "note") -> str | None:
    """A note, description or review: may hold newlines and tabs; blank means none."""
    if value is None or not value.strip():
        return None
    value = value.strip()
    if len(value) > NOTE_MAX:
        raise ValueError(f"{what} must be at most {NOTE_MAX} characters (got {len(value)})")
    return check_text(value, what=what, multiline=True)


def split_names(text: str) -> list[str]:
    """The people in a director text written before people had rows ("Joel Coen, Ethan
    Coen" from an IMDb export). Split on ", " only when every part is a full name of two
    or more words ("Martin Luther King, Jr." and "Smith, John" stay whole),
    so that joining the parts with ", " gives the text back exactly."""
    text = text.strip()
    parts = text.split(", ")
    if len(parts) > 1 and all(p == p.strip() and len(p.split()) >= 2 for p in parts):
        return parts
    return [text] if text else []


def check_title(value: str, *, what: str = "title") -> str:
    value = value.strip()
    if not value:
        raise ValueError(f"{what} must not be blank")
    if len(value) > TITLE_MAX:
        raise ValueError(f"{what} must be at most {TITLE_MAX} characters (got {len(value)})")
    return check_text(value, what=what)


def check_user_name(name: str) -> str:
    name = name.strip()
    if not name:
        raise ValueError("user name must not be blank")
    if len(name) > USER_NAME_MAX:
        raise ValueError(f"user name must be at most {USER_NAME_MAX} characters")
    return check_text(name, what="user name")


def is_half_star(value: float) -> bool:
    return SCORE_MIN <= value <= SCORE_MAX and value * 2 == int(value * 2)


def check_score(value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError("score must be a number from 0.5 to 5 in half stars")
    if not is_half_star(value):
        raise ValueError(f"score must be from 0.5 to 5 in steps of 0.5 (got {value:g})")
    return float(value)


def parse_score(text: str, *, what: str = "score") -> float:
    """A score as typed or read from a file: '4', '4.5', '3.0'."""
    try:
        value = float(text.strip())
    except ValueError:
        raise ValueError(f"{what} must be a number from 0.5 to 5 (got {text!r})") from None
    if not math.isfinite(value) or not is_half_star(value):
        raise ValueError(f"{what} must be 0.5 to 5 in half stars (got {text!r})")
    return value


def genre_name(raw: str) -> str:
    """Title Case a genre: 'sci-fi' -> 'Sci-Fi', 'film-noir' -> 'Film-Noir', 'imax' -> 'IMAX'."""
    words = " ".join(raw.split()).split(" ")

    def word_case(word: str) -> str:
        parts = word.split("-")
        return "-".join(GENRE_ACRONYMS.get(p.lower(), p[:1].upper() + p[1:].lower()) for p in parts)

    return " ".join(word_case(w) for w in words)


def genre_names(raws: Iterable[str]) -> list[str]:
    """Genre names as stored: Title Cased, each once (case-insensitively), blank and
    over-long ones left out (imports skip those; `add` and `edit` refuse them first)."""
    names: list[str] = []
    seen: set[str] = set()
    for raw in raws:
        name = genre_name(raw)
        if name and len(name) <= GENRE_MAX and name.casefold() not in seen:
            seen.add(name.casefold())
            names.append(name)
    return names


# CHECK constraints, built from the limits above (migrations spell theirs out).
CHECK_TITLE_LENGTH = f"length(title) BETWEEN 1 AND {TITLE_MAX}"
CHECK_YEAR = f"year IS NULL OR year BETWEEN {YEAR_MIN} AND {YEAR_MAX}"
CHECK_RUNTIME = (
    f"runtime_minutes IS NULL OR runtime_minutes BETWEEN {RUNTIME_MIN} AND {RUNTIME_MAX}"
)
CHECK_USER_NAME = f"length(name) BETWEEN 1 AND {USER_NAME_MAX}"
CHECK_TAG_LENGTH = f"length(tag) BETWEEN 1 AND {TAG_MAX}"
CHECK_LIST_NAME = f"length(name) BETWEEN 1 AND {LIST_NAME_MAX}"
CHECK_PERSON_NAME = f"length(name) BETWEEN 1 AND {PERSON_NAME_MAX}"
CHECK_NOTE = f"note IS NULL OR length(note) BETWEEN 1 AND {NOTE_MAX}"
CHECK_DESCRIPTION = f"description IS NULL OR length(description) BETWEEN 1 AND {NOTE_MAX}"
CHECK_ROLE = "role IN (" + ", ".join(f"'{r}'" for r in ROLES) + ")"
CHECK_POSITION = "position >= 1"
CHECK_HALF_STARS = (
    f"score BETWEEN {SCORE_MIN} AND {SCORE_MAX} AND score * 2 = CAST(score * 2 AS INTEGER)"
)


# ---------------------------------------------------------------- recommend

RECOMMEND_LIMIT_MAX = 1000
HOLDOUT_MAX = 100


def check_recommend_limit(limit: int) -> int:
    if not (1 <= limit <= RECOMMEND_LIMIT_MAX):
        raise ValueError(f"--limit must be from 1 to {RECOMMEND_LIMIT_MAX} (got {limit})")
    return limit


def check_holdout(holdout: int) -> int:
    if not (1 <= holdout <= HOLDOUT_MAX):
        raise ValueError(f"--holdout must be from 1 to {HOLDOUT_MAX} (got {holdout})")
    return holdout


def user_name_list(text: str) -> list[str]:
    """'alice, bob' -> ['alice', 'bob']: each name checked, each once."""
    names: list[str] = []
    for part in text.split(","):
        name = check_user_name(part)
        if name not in names:
            names.append(name)
    return names


# ---------------------------------------------------------------- IMDb ids

_IMDB_ID = re.compile(r"^(tt|nm)(\d{7,})$")


def id_text(prefix: str, number: int) -> str:
    """An IMDb id as IMDb writes it: ('tt', 113277) -> 'tt0113277' (seven digits at least)."""
    return f"{prefix}{number:07d}"


def parse_imdb_id(text: str) -> tuple[str, int] | None:
    """'tt0113277' -> ('tt', 113277), 'nm0000520' -> ('nm', 520); anything else None.
    Case and surrounding blanks are ignored; IMDb ids have seven digits or more."""
    match = _IMDB_ID.match(text.strip().lower())
    if match is None:
        return None
    return match.group(1), int(match.group(2))
