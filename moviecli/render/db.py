"""What the `db` commands print beyond a bare value."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text

from moviecli.render.emit import stdout_console
from moviecli.render.text import visible


def revisions(rows: Sequence[tuple[str, str, bool, bool]]) -> None:
    """`db history`: revision, message, is head, is current."""
    console = stdout_console()
    for revision, message, is_head, is_current in rows:
        marks = [m for m, on in (("head", is_head), ("current", is_current)) if on]
        line = Text(revision, style="cyan")
        line.append(f"  {visible(message)}")
        if marks:
            line.append(f"  ({', '.join(marks)})", style="green")
        console.print(line)
