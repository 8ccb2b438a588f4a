"""Text as moviecli writes it out: control characters made visible, spreadsheet
formulas neutralised, numbers and plurals spelled one way.

Standard library only: the error handler in cli.py uses `visible()` without loading Rich."""

from __future__ import annotations

import re
from typing import Any

# C0 controls, DEL and C1 controls: ESC, BEL, CSI (U+009B) and the rest, which a
# terminal may read as commands (clear the screen, rename the window, ...).
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
# Reviews keep their tabs and line breaks.
_CONTROL_BUT_LINES = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _escaped(found: re.Match[str]) -> str:
    return f"\\x{ord(found.group()):02x}"


def visible(text: str, *, multiline: bool = False) -> str:
    """`text` with every control character shown as `\\x1b`-style text, never raw.
    Input refuses them (rules.check_text); this covers what a catalog already holds."""
    pattern = _CONTROL_BUT_LINES if multiline else _CONTROL
    return pattern.sub(_escaped, text)


# ---------------------------------------------------------------- CSV cells

# A spreadsheet runs a cell that starts with one of these as a formula (OWASP's list).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(cell: str) -> str:
    """'=1+2' -> "'=1+2"; a cell that already starts with ' before such a character
    gets one more, so `unneutralise` gives back exactly what was there."""
    if cell.startswith(FORMULA_STARTS) or (
        cell.startswith("'") and cell.lstrip("'").startswith(FORMULA_STARTS)
    ):
        return "'" + cell
    return cell


def unneutralise(cell: str) -> str:
    if cell.startswith("'") and cell.lstrip("'").startswith(FORMULA_STARTS):
        return cell[1:]
    return cell


def number(value: float | int) -> str:
    """A number as every CSV (and JSON) shows it: whole numbers as `4`, other numbers
    with a decimal point, scores and averages always with one (`4.0`, `4.5`, `3.67`)."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int):
        return str(value)
    return repr(float(value))


def csv_cell(value: Any, *, guard: bool = True) -> str:
    """One CSV cell: None as empty, lists joined with |, numbers by `number`, text made
    visible (no raw control character reaches a terminal: tabs and line breaks stay,
    CSV quotes them) and neutralised, unless `guard` is off (a file for another
    program's importer, not for a spreadsheet). Datetimes must be turned into text by
    the caller."""
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        text = visible("|".join(str(v) for v in value), multiline=True)
    elif isinstance(value, int | float):
        return number(value)
    else:
        text = visible(str(value), multiline=True)
    return neutralise(text) if guard else text


def plural(count: int, word: str, words: str | None = None) -> str:
    """'1 row', '2 rows', '1,234 movies' (thousands separated)."""
    return f"{count:,} {word if count == 1 else (words or word + 's')}"
