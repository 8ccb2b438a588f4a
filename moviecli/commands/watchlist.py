"""watchlist (with add, remove): films you want to see."""

# No `from __future__ import annotations`: Typer reads these signatures on every run.

from typing import Any

import typer

from moviecli.commands._shared import (
    Picks,
    choosing,
    movie_to_write,
    note_text,
    subcommand_follows,
    unit_of_work,
    user_and_format,
    user_name,
    users_rows,
)
from moviecli.options import (
    FormatOption,
    MoviesArgument,
    NoteOption,
    OutputFormat,
    UserOption,
)

watchlist_app = typer.Typer(
    help="Films you want to see, oldest first; `add` and `remove` change it."
)


@watchlist_app.callback(invoke_without_command=True)
def watchlist(
    ctx: typer.Context, user: UserOption = None, fmt: FormatOption = OutputFormat.table
) -> None:
    """Films you want to see, oldest first."""
    if subcommand_follows(ctx):
        return
    from moviecli.render import diary as render_diary

    render_diary.watchlist(
        users_rows(ctx, user, lambda uow, user_id: uow.watchlist.watchlist(user_id=user_id)), fmt
    )


@watchlist_app.command("add")
def watchlist_add(
    ctx: typer.Context,
    movies: MoviesArgument,
    note: NoteOption = None,
    user: UserOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Put films on your watchlist."""
    user, fmt = user_and_format(ctx, user, fmt)
    from moviecli.render import diary as render_diary

    text = note_text(note)
    name = user_name(user)

    def run(picks: Picks) -> Any:
        with unit_of_work(ctx, write=True, world=True, picks=picks) as uow:
            targets = [movie_to_write(uow, m, picks) for m in movies]
            return uow.watchlist.add_to_watchlist(
                user_id=uow.users.resolve(name).id, movies=targets, note=text
            )

    render_diary.watchlist(choosing(run), fmt, action="Added to the watchlist")


@watchlist_app.command("remove")
def watchlist_remove(
    ctx: typer.Context,
    movies: MoviesArgument,
    user: UserOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Take films off your watchlist."""
    user, fmt = user_and_format(ctx, user, fmt)
    from moviecli.render import diary as render_diary

    name = user_name(user)
    with unit_of_work(ctx, write=True) as uow:
        targets = [uow.movies.resolve_movie(ref=m) for m in movies]
        removed = uow.watchlist.remove_from_watchlist(user_id=uow.users.id_of(name), movies=targets)
    render_diary.watchlist(removed, fmt, action="Removed from the watchlist")


def register(app: typer.Typer) -> None:
    app.add_typer(watchlist_app, name="watchlist")
