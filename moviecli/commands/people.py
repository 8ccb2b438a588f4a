"""person: everyone of a name, their films and roles."""

# No `from __future__ import annotations`: Typer reads these signatures on every run.

from typing import Annotated

import typer

from moviecli.commands._shared import checked, unit_of_work, user_name
from moviecli.options import FormatOption, OutputFormat, UserOption


def person(
    ctx: typer.Context,
    name: Annotated[
        str,
        typer.Argument(
            metavar="NAME",
            help="A person's name (any case), or an IMDb id (nm...).",
            show_default=False,
        ),
    ],
    user: UserOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Everyone of that name: their films and roles, your ratings, how many you have seen.
    With IMDb's films (after 'imdb sync'): each person's whole filmography by role,
    namesakes apart with what tells them apart; an nm id names one."""
    from moviecli.render import diary as render_diary
    from moviecli.rules import PERSON_NAME_MAX, check_name

    wanted = checked(check_name, name, what="person's name", limit=PERSON_NAME_MAX)
    who = user_name(user)
    with unit_of_work(ctx, write=False, world=True) as uow:
        user_id = uow.users.id_of(who)
        if uow.world:
            from moviecli.store.world import reading

            known = reading.world_people(session=uow.session, name=wanted, user_id=user_id)
            if known:
                from moviecli.render import world as render_world

                render_world.people(known, fmt)
                return
        found = uow.people.find_people(name=wanted, user_id=user_id)
    render_diary.people(found, fmt)


def register(app: typer.Typer) -> None:
    app.command()(person)
