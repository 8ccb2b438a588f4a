"""`db members` and `privacy`: what they print."""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel
from rich.table import Table

from moviecli.options import OutputFormat
from moviecli.render.emit import for_programs, stdout_console
from moviecli.render.widgets import user_text


class MemberPublic(BaseModel):
    name: str
    role: str
    ratings: int
    viewings: int
    lists: int
    watchlist: int


class PrivacyPublic(BaseModel):
    user: str
    diary: str
    reviews: str
    lists: str


def members(rows: Sequence[MemberPublic], fmt: OutputFormat) -> None:
    if for_programs(list(rows), fmt, list(MemberPublic.model_fields)):
        return
    table = Table("name", "role", "ratings", "viewings", "lists", "watchlist")
    for row in rows:
        table.add_row(
            user_text(row.name),
            row.role,
            str(row.ratings),
            str(row.viewings),
            str(row.lists),
            str(row.watchlist),
        )
    stdout_console().print(table)


def privacy(settings: PrivacyPublic, fmt: OutputFormat) -> None:
    if for_programs(settings, fmt, list(PrivacyPublic.model_fields)):
        return
    console = stdout_console()
    console.print(user_text(f"Privacy of {settings.user}:"))
    for kind in ("diary", "reviews", "lists"):
        console.print(f"  {kind:<8} {getattr(settings, kind)}")
