"""find: search the catalog and IMDb's films by title, alternative title or words."""

# No `from __future__ import annotations`: Typer reads these signatures on every run.

from typing import Annotated

import typer

from moviecli.commands._shared import unit_of_work, user_name
from moviecli.options import (
    FormatOption,
    FromYearOption,
    LimitOption,
    OutputFormat,
    ToYearOption,
    UserOption,
    YearOption,
    person_filter,
)


def find(
    ctx: typer.Context,
    text: Annotated[
        str,
        typer.Argument(
            metavar="TEXT",
            help="A title, an alternative title, some words of one, or a tt id.",
            show_default=False,
        ),
    ],
    year: YearOption = None,
    from_year: FromYearOption = None,
    to_year: ToYearOption = None,
    person: Annotated[
        str | None, person_filter("Only films crediting this person (a name or an nm id).")
    ] = None,
    kind: Annotated[
        str | None,
        typer.Option(
            "--type",
            metavar="TYPE",
            help="Only IMDb titles of this type (movie, tvMovie, video, short, ...).",
            show_default=False,
        ),
    ] = None,
    limit: LimitOption = 20,
    user: UserOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Search the catalog and IMDb's films (after 'imdb sync') by title or alternative
    title, case and accents ignored, then by words; best match first, ties by votes."""
    from moviecli.render import world as render_world
    from moviecli.store.world import lookup, reading

    who = user_name(user)
    with unit_of_work(ctx, write=False, world=True) as uow:
        rows = reading.find_films(
            session=uow.session,
            text=text,
            user_id=uow.users.id_of(who),
            world=uow.world,
            filters=lookup.FindFilters(
                year=year,
                from_year=from_year,
                to_year=to_year,
                kind=kind,
                person=person,
                limit=limit,
            ),
        )
    render_world.find(rows, fmt)


def register(app: typer.Typer) -> None:
    app.command()(find)
