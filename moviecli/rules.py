"""Limits and normalisers with no dependencies: the one place each rule is written
(the numbers themselves in moviecli.limits, re-exported here, so that `--help` can read
the year range without compiling this module's patterns).

Input models, importers and the schema's CHECK constraints all read these, so a
limit changed here changes everywhere at once (a migration still has to carry the
CHECK change: revisions never import this module)."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta

from moviecli.limits import (
    GENRE_MAX as GENRE_MAX,
    LIST_NAME_MAX as LIST_NAME_MAX,
    NOTE_MAX as NOTE_MAX,
    PERSON_NAME_MAX as PERSON_NAME_MAX,
    RUNTIME_MAX as RUNTIME_MAX,
    RUNTIME_MIN as RUNTIME_MIN,
    SCORE_MAX as SCORE_MAX,
    SCORE_MIN as SCORE_MIN,
    TAG_MAX as TAG_MAX,
    TITLE_MAX as TITLE_MAX,
    USER_NAME_MAX as USER_NAME_MAX,
    YEAR_MAX as YEAR_MAX,
    YEAR_MIN as YEAR_MIN,
)

HALF_STARS = tuple(n / 2 for n in range(1, 11))  # every score a rating may have: 0.5 to 5.0
HISTOGRAM_KEYS = [f"{score:.1f}" for score in HALF_STARS]  # every half star, as text
ROLES = ("director", "writer", "cast")
GENRE_ACRONYMS = {"imax": "IMAX", "tv": "TV"}

# C0 controls, DEL and C1 controls: what a terminal may read as a command.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
# Reviews may hold tabs and line breaks; nothing else from the control ranges.
_CONTROL_IN_LONG_TEXT = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# Characters that show nothing or reorder what follows them: zero-width spaces and
# joiners, direction marks, embeddings, overrides and isolates, the word joiner and
# invisible operators, a byte order mark, the soft hyphen, the Mongolian vowel
# separator and the other format characters (Unicode category Cf, checked below).
# "Heat\u200b" would otherwise be a second "Heat (1995)" that looks like the first.
_INVISIBLE = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u200b-\u200f"
    "\u202a-\u202e\u2060-\u206f\u3164\ufeff\uffa0\ufff9-\ufffb]"
)
# In multi-line text (reviews, notes) only what reorders the text around it is refused:
# direction marks have their use in right-to-left writing.
_REORDERING = re.compile("[\u202a-\u202e\u2066-\u2069]")


def normalise_text(value: str, *, multiline: bool = False) -> str:
    """Text as moviecli keeps it: Unicode NFC (a composed "é" and "e" + U+0301 are one
    text), and in multi-line text CRLF and CR as LF. Every input goes through this
    (via check_text), typed or imported, and so does every key built for matching."""
    if multiline and "\r" in value:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    if not value.isascii():
        import unicodedata

        value = unicodedata.normalize("NFC", value)
    return value


_JOINERS = ("\u200c", "\u200d")


def _joiner_allowed(value: str, index: int) -> bool:
    """A zero-width joiner or non-joiner doing its job: inside an emoji sequence
    (👨‍👩‍👧) or between two letters of a script that joins them (Persian, the Indic
    scripts). Next to Latin letters or ASCII it only hides itself: refused."""
    import unicodedata

    if index == 0 or index == len(value) - 1:
        return False
    before, after = value[index - 1], value[index + 1]
    if before.isascii() or after.isascii():
        return False
    kind_before, kind_after = unicodedata.category(before), unicodedata.category(after)
    if kind_after == "So" and kind_before in ("So", "Sk", "Mn"):
        return True
    return (
        kind_before[0] in "LM"
        and kind_after[0] == "L"
        and not unicodedata.name(before, "").startswith("LATIN")
        and not unicodedata.name(after, "").startswith("LATIN")
    )


def _invisible(value: str, *, multiline: bool) -> str | None:
    """The first invisible or reordering character of `value`, or None."""
    if value.isascii():
        return None
    if multiline:
        found = _REORDERING.search(value)
        return None if found is None else found.group()
    import unicodedata

    for index, char in enumerate(value):
        if char.isascii():
            continue
        if _INVISIBLE.match(char) or unicodedata.category(char) == "Cf":
            if char in _JOINERS and _joiner_allowed(value, index):
                continue
            return char
    return None


def check_text(value: str, *, what: str, multiline: bool = False) -> str:
    """User text as kept: normalised (normalise_text), with no control character (ESC,
    BEL, CSI, ...; tab and newline are allowed where `multiline`: reviews, notes) and
    no invisible character (zero-width, direction controls, ...: none in one-line text,
    no embedding, override or isolate in multi-line text). Returns the normalised text:
    callers keep what it returns."""
    value = normalise_text(value, multiline=multiline)
    pattern = _CONTROL_IN_LONG_TEXT if multiline else _CONTROL
    found = pattern.search(value)
    if found is not None:
        code = ord(found.group())
        raise ValueError(f"{what} contains a control character (U+{code:04X}); remove it")
    hidden = _invisible(value, multiline=multiline)
    if hidden is not None:
        raise ValueError(f"{what} contains an invisible character (U+{ord(hidden):04X}); remove it")
    return value


def title_key(title: str) -> str:
    """The case-insensitive form of a title used for matching (full Unicode case folding,
    NFC: a decomposed "Amélie" finds the composed one)."""
    key = " ".join(title.split()).casefold()
    if key.isascii():
        return key
    import unicodedata

    return unicodedata.normalize("NFC", unicodedata.normalize("NFC", key).casefold())


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


def check_line(value: str, *, what: str, limit: int, say_length: bool = True) -> str:
    """One line of text as kept (a title, a name): stripped, not blank, checked by
    check_text, at most `limit` characters (the refusal says how many were given,
    unless not `say_length`)."""
    value = value.strip()
    if not value:
        raise ValueError(f"{what} must not be blank")
    value = check_text(value, what=what)
    if len(value) > limit:
        given = f" (got {len(value)})" if say_length else ""
        raise ValueError(f"{what} must be at most {limit} characters{given}")
    return value


def check_name(value: str, *, what: str, limit: int) -> str:
    """A one-line name (a person, a tag, a list): its runs of blanks made one space."""
    return check_line(" ".join(value.split()), what=what, limit=limit)


def check_note(value: str | None, *, what: str = "note") -> str | None:
    """A note, description or review: may hold newlines and tabs; blank means none."""
    if value is None or not value.strip():
        return None
    value = check_text(value.strip(), what=what, multiline=True)
    if len(value) > NOTE_MAX:
        raise ValueError(f"{what} must be at most {NOTE_MAX} characters (got {len(value)})")
    return value


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
    return check_line(value, what=what, limit=TITLE_MAX)


def check_user_name(name: str) -> str:
    return check_line(name, what="user name", limit=USER_NAME_MAX, say_length=False)


def is_half_star(value: float) -> bool:
    """The half-star rule, the one place it is written (the schema's CHECK_HALF_STARS says
    it again in SQL): 0.5 to 5 in steps of 0.5. NaN and infinities are not."""
    return SCORE_MIN <= value <= SCORE_MAX and value * 2 == int(value * 2)


def score_from_ten(points: int) -> float:
    """A whole-number rating out of ten (IMDb's, Trakt's: 1 to 10) as half stars."""
    return points / 2


def ten_from_score(score: float) -> int:
    """Half stars as a whole-number rating out of ten (Letterboxd's Rating10)."""
    return round(score * 2)


def score_histogram(counts: Iterable[tuple[float, int]]) -> dict[str, int]:
    """(score, how many) pairs as a histogram: every half star a key ("0.5" to "5.0"),
    in that order, a score not given counting 0."""
    histogram = dict.fromkeys(HISTOGRAM_KEYS, 0)
    for score, count in counts:
        histogram[f"{score:.1f}"] = count
    return histogram


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
    words = normalise_text(" ".join(raw.split())).split(" ")

    def word_case(word: str) -> str:
        parts = word.split("-")
        return "-".join(GENRE_ACRONYMS.get(p.lower(), p[:1].upper() + p[1:].lower()) for p in parts)

    return " ".join(word_case(w) for w in words)


def genre_key(name: str) -> str:
    """What the spellings of one genre share: its name casefolded. The one rule that
    matches genres, in `add`/`edit`, the --genre filters and imports alike (a typed
    --genre goes through genre_name first). casefold, not lower: it is Unicode's
    caseless match ('Straße' meets 'STRASSE'), where lower() misses some, and SQL's
    lower() on SQLite folds ASCII letters only (so 'Épopée' missed 'épopée')."""
    return name.casefold()


def genre_names(raws: Iterable[str]) -> list[str]:
    """Genre names as stored: Title Cased, each once (case-insensitively), blank and
    over-long ones left out (imports skip those; `add` and `edit` refuse them first)."""
    names: list[str] = []
    seen: set[str] = set()
    for raw in raws:
        name = genre_name(raw)
        if name and len(name) <= GENRE_MAX and genre_key(name) not in seen:
            seen.add(genre_key(name))
            names.append(name)
    return names


# ---------------------------------------------------------------- dates and times
# One rule for a day typed (`watch --on`) and a day imported (Letterboxd, Trakt,
# Netflix, IMDb, moviecli's own export): from YEAR_MIN, never after today.

# A moment (a rating's or a tag's time) may run this far ahead of this computer's
# clock: the file may come from a time zone ahead of ours.
MOMENT_SLACK_SECONDS = 86_400

# A moment as moviecli keeps it is a naive UTC datetime (SQLite has no time zones);
# ratings store it as whole milliseconds since EPOCH (models.types.EpochMillis). Every
# conversion between those forms is written here, once.
EPOCH = datetime(1970, 1, 1)
_MILLISECOND = timedelta(milliseconds=1)


def naive_utc(moment: datetime) -> datetime:
    """A timezone-aware moment converted to naive UTC; a naive one is UTC already."""
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(UTC).replace(tzinfo=None)


def utcnow() -> datetime:
    """Now, naive UTC, the way SQLite stores it."""
    return naive_utc(datetime.now(UTC))


def to_millis(moment: datetime) -> int:
    """A moment as whole milliseconds since 1970 (what is finer is dropped)."""
    return (naive_utc(moment) - EPOCH) // _MILLISECOND


def from_millis(millis: int) -> datetime:
    """Milliseconds since 1970 as a naive UTC moment."""
    return EPOCH + timedelta(milliseconds=millis)


def from_iso(text: str) -> datetime:
    """ISO 8601 as exports write it, with a Z, an offset or neither (then naive)."""
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def iso_utc(moment: datetime, *, timespec: str = "auto") -> str:
    """A moment as ISO 8601 UTC with a Z: '2024-03-31T20:15:00Z', with the microseconds
    when it has some (or always, with timespec="microseconds")."""
    return naive_utc(moment).isoformat(timespec=timespec) + "Z"


def check_day(day: date, *, what: str) -> date:
    """A calendar day of a viewing or an entry: not before films, not in the future."""
    if day.year < YEAR_MIN:
        raise ValueError(f"{what} must be in {YEAR_MIN} or later (got {day.isoformat()})")
    if day > date.today():
        raise ValueError(f"{what} {day.isoformat()} is in the future")
    return day


def parse_day(text: str, *, what: str) -> date:
    """A day written YYYY-MM-DD, checked by check_day."""
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"{what} must be a date as YYYY-MM-DD (got {text.strip()!r})") from None
    return check_day(day, what=what)


def latest_unix_seconds() -> int:
    """The latest moment an imported time may have (Unix seconds): now, plus a day."""
    import time

    return int(time.time()) + MOMENT_SLACK_SECONDS


def check_moment(moment: datetime, *, what: str) -> datetime:
    """A moment (timezone-aware, or naive UTC): from YEAR_MIN, at most a day ahead of now."""
    utc = naive_utc(moment)
    if utc.year < YEAR_MIN:
        raise ValueError(f"{what} must be in {YEAR_MIN} or later (got {utc.date().isoformat()})")
    if (utc - EPOCH).total_seconds() > latest_unix_seconds():
        raise ValueError(f"{what} {utc.date().isoformat()} is in the future")
    return moment


def parse_yes_no(text: str, *, what: str) -> bool:
    """A yes/no cell (Letterboxd's Rewatch: Yes or blank; true/false as moviecli and
    Letterboxd's importer write it)."""
    value = text.strip().casefold()
    if value in ("yes", "true"):
        return True
    if value in ("", "no", "false"):
        return False
    raise ValueError(f"{what} must be Yes or No (got {text.strip()!r})")


def check_flag(value: object, *, what: str) -> bool:
    """A JSON true/false: nothing else ("yes", 1) is taken for one."""
    if not isinstance(value, bool):
        raise ValueError(f"{what} must be true or false (got {value!r})")
    return value


# The strptime directives a date format may use (a day, a month, a year; no time).
DATE_DIRECTIVES = {
    "d": "day",
    "j": "day",
    "m": "month",
    "b": "month",
    "B": "month",
    "y": "year",
    "Y": "year",
    "a": "weekday",
    "A": "weekday",
    "%": "literal",
}


def check_date_format(text: str, *, what: str = "--date-format") -> str:
    """A date format such as %m/%d/%y: known directives only, naming a day, a month
    (or %j, a day of the year) and a year."""
    parts: set[str] = set()
    index = 0
    while index < len(text):
        if text[index] == "%":
            directive = text[index + 1 : index + 2]
            if directive not in DATE_DIRECTIVES:
                shown = f"%{directive}" if directive else "a lone %"
                raise ValueError(
                    f"{what} {text!r}: {shown} is not a date directive; use "
                    "%d (day), %m, %b or %B (month), %y or %Y (year)"
                )
            parts.add(DATE_DIRECTIVES[directive])
            if directive == "j":
                parts.add("month")
            index += 2
        else:
            index += 1
    missing = [p for p in ("day", "month", "year") if p not in parts]
    if missing:
        raise ValueError(
            f"{what} {text!r} names no {' and no '.join(missing)}; for example %m/%d/%y"
        )
    return text


# ---------------------------------------------------------------- files read by imports

# A zip member that unpacks to more than ZIP_RATIO_MAX times its packed size is refused
# (CSV and JSON text pack 3 to 20 times; a "zip bomb" of repeated rows 1,000 times),
# when it unpacks to more than ZIP_RATIO_FROM bytes (small files may pack well).
ZIP_RATIO_MAX = 100
ZIP_RATIO_FROM = 1 << 20
# A personal export's file (Letterboxd, Trakt, Netflix: one person's diary, ratings and
# lists; the largest real ones are a few MB) is refused past this size: its records are
# held until the end of the import.
PERSONAL_FILE_MAX = 64 << 20
# One entry of a JSON list read as a stream (a Trakt play, rating, list entry).
JSON_ENTRY_MAX = 1 << 20


def size_text(size: int) -> str:
    """1536 -> '1.5 KB', 67108864 -> '64 MB' (binary multiples, as file managers show)."""
    value = float(size)
    for unit in ("bytes", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "bytes" else f"{value:.3g} {unit}"
        value /= 1024
    return f"{size} bytes"


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
