"""`privacy`: what other members (and guests) see of your diary, reviews and lists."""

# No `from __future__ import annotations`: Typer reads these signatures on every run.

from enum import StrEnum
from typing import Annotated

import typer

from moviecli.commands._shared import unit_of_work, user_name
from moviecli.options import FormatOption, OutputFormat, UserOption


class Level(StrEnum):
    public = "public"
    members = "members"
    private = "private"


def privacy(
    ctx: typer.Context,
    diary: Annotated[
        Level | None,
        typer.Option(
            "--diary",
            help="Your viewings, ratings and tags: public (guests too), members, private.",
            case_sensitive=False,
            show_default=False,
        ),
    ] = None,
    reviews: Annotated[
        Level | None,
        typer.Option(
            "--reviews",
            help="Ratings and diary entries that carry a review (scores still count in top).",
            case_sensitive=False,
            show_default=False,
        ),
    ] = None,
    lists: Annotated[
        Level | None,
        typer.Option(
            "--lists",
            help="Your lists and watchlist.",
            case_sensitive=False,
            show_default=False,
        ),
    ] = None,
    user: UserOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Show or set who sees your diary, reviews and lists on a shared catalog (default:
    members). On PostgreSQL the server enforces it, through moviecli and psql alike;
    on SQLite (one person's file) it is stored and changes nothing."""
    from moviecli.render.members import PrivacyPublic, privacy as show

    changes = {
        kind: level.value
        for kind, level in (("diary", diary), ("reviews", reviews), ("lists", lists))
        if level is not None
    }
    name = user_name(user)
    with unit_of_work(ctx, write=bool(changes)) as uow:
        if changes:
            settings = uow.members.set_privacy(user_id=uow.users.resolve(name).id, changes=changes)
        else:
            settings = uow.members.privacy_of(user_id=uow.users.id_of(name))
    show(PrivacyPublic(user=name, **settings), fmt)


def register(app: typer.Typer) -> None:
    app.command("privacy")(privacy)
