"""lists (with create, add, remove, show, delete): a user's named lists of films."""

# No `from __future__ import annotations`: Typer reads these signatures on every run.

from typing import Annotated, Any

import typer

from moviecli.commands._shared import (
    Picks,
    checked,
    choosing,
    confirm_delete,
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
    ListName,
    MoviesArgument,
    NoteOption,
    OutputFormat,
    UserOption,
)

lists_app = typer.Typer(help="Your named lists; `create`, `add`, `remove`, `show`, `delete`.")


def _list_name(text: str) -> str:
    from moviecli.rules import LIST_NAME_MAX, check_name

    return checked(check_name, text, what="list name", limit=LIST_NAME_MAX)


@lists_app.callback(invoke_without_command=True)
def lists(
    ctx: typer.Context, user: UserOption = None, fmt: FormatOption = OutputFormat.table
) -> None:
    """Your lists, with how many films each holds and how many you have seen."""
    if subcommand_follows(ctx):
        return
    from moviecli.render import diary as render_diary

    render_diary.list_summaries(
        users_rows(ctx, user, lambda uow, user_id: uow.lists.summaries(user_id=user_id)), fmt
    )


@lists_app.command("create")
def lists_create(
    ctx: typer.Context,
    name: ListName,
    description: Annotated[
        str | None,
        typer.Option(
            "--description", "-d", metavar="TEXT", help="What the list is.", show_default=False
        ),
    ] = None,
    ranked: Annotated[bool, typer.Option("--ranked", help="The order is a ranking.")] = False,
    user: UserOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Make a new, empty list (names are unique per user, case-insensitively)."""
    user, fmt = user_and_format(ctx, user, fmt)
    from moviecli.render import diary as render_diary

    list_name = _list_name(name)
    text = note_text(description, "description")
    who = user_name(user)
    with unit_of_work(ctx, write=True) as uow:
        created = uow.lists.create_list(
            user_id=uow.users.resolve(who).id,
            name=list_name,
            description=text,
            ranked=ranked,
        )
    render_diary.list_summary(created, fmt, action="Created")


def _change_list(
    ctx: typer.Context, name: str, movies: list[str], user: str | None, **add: Any
) -> Any:

    who = user_name(user)

    def run(picks: Picks) -> Any:
        # Adding may bring IMDb's films into the catalog; removing names catalog films.
        with unit_of_work(ctx, write=True, world=bool(add), picks=picks) as uow:
            found = uow.lists.find_list(user=who, name=name)
            if add:
                targets = [movie_to_write(uow, m, picks) for m in movies]
                uow.lists.add_to_list(movie_list=found, movies=targets, note=add["note"])
            else:
                targets = [uow.movies.resolve_movie(ref=m) for m in movies]
                uow.lists.remove_from_list(movie_list=found, movies=targets)
            return uow.lists.list_detail(movie_list=found, user=who)

    return choosing(run)


@lists_app.command("add")
def lists_add(
    ctx: typer.Context,
    name: ListName,
    movies: MoviesArgument,
    note: NoteOption = None,
    user: UserOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Add films to the end of a list."""
    user, fmt = user_and_format(ctx, user, fmt)
    from moviecli.render import diary as render_diary

    detail = _change_list(ctx, name, movies, user, note=note_text(note))
    render_diary.list_detail(detail, fmt)


@lists_app.command("remove")
def lists_remove(
    ctx: typer.Context,
    name: ListName,
    movies: MoviesArgument,
    user: UserOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Take films off a list (the ones after them move up)."""
    user, fmt = user_and_format(ctx, user, fmt)
    from moviecli.render import diary as render_diary

    detail = _change_list(ctx, name, movies, user)
    render_diary.list_detail(detail, fmt)


@lists_app.command("show")
def lists_show(
    ctx: typer.Context,
    name: ListName,
    user: UserOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """A list's films in order, and how many of them you have seen."""
    user, fmt = user_and_format(ctx, user, fmt)
    from moviecli.render import diary as render_diary

    who = user_name(user)
    with unit_of_work(ctx, write=False) as uow:
        found = uow.lists.find_list(user=who, name=name)
        detail = uow.lists.list_detail(movie_list=found, user=who)
    render_diary.list_detail(detail, fmt)


@lists_app.command("delete")
def lists_delete(
    ctx: typer.Context,
    name: ListName,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
    user: UserOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Delete a list (not its films); asks first unless --yes."""
    user, fmt = user_and_format(ctx, user, fmt)
    from moviecli.render import diary as render_diary

    who = user_name(user)
    if not yes:
        with unit_of_work(ctx, write=False) as uow:
            found = uow.lists.find_list(user=who, name=name)
        confirm_delete(f"Delete the list '{found.name}'?")
    with unit_of_work(ctx, write=True) as uow:
        found = uow.lists.find_list(user=who, name=name)
        deleted = uow.lists.delete_list(movie_list=found, user=who)
    render_diary.list_summary(deleted, fmt, action="Deleted")


def register(app: typer.Typer) -> None:
    app.add_typer(lists_app, name="lists")
