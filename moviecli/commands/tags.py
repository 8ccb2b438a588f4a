"""tag, untag, tags: a user's tags on films."""

# No `from __future__ import annotations`: Typer reads these signatures on every run.

from typing import Any

import typer

from moviecli.commands._shared import (
    Picks,
    choosing,
    movie_to_write,
    tag_text,
    unit_of_work,
    user_name,
    users_rows,
)
from moviecli.options import FormatOption, MovieRef, OutputFormat, TagsArgument, UserOption


def tag(
    ctx: typer.Context,
    movie: MovieRef,
    tags: TagsArgument,
    user: UserOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Tag a film (a tag keeps the spelling you first gave it)."""
    from moviecli.render import diary as render_diary

    names = [tag_text(t) for t in tags]
    who = user_name(user)

    def run(picks: Picks) -> Any:
        with unit_of_work(ctx, write=True, world=True, picks=picks) as uow:
            target = movie_to_write(uow, movie, picks)
            movie_id, user_id = target.saved_id, uow.users.resolve(who).id
            uow.tags.tag_movie(movie_id=movie_id, user_id=user_id, tags=names)
            now = uow.tags.tags_by_movie(user_id=user_id, movie_ids=[movie_id])
            return target, now[movie_id]

    target, now = choosing(run)
    render_diary.movie_tags(target.id, target.title, target.year, now, fmt)


def untag(
    ctx: typer.Context,
    movie: MovieRef,
    tags: TagsArgument,
    user: UserOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Remove tags from a film."""
    from moviecli.render import diary as render_diary

    names = [tag_text(t) for t in tags]
    who = user_name(user)
    with unit_of_work(ctx, write=True) as uow:
        target = uow.movies.resolve_movie(ref=movie)
        movie_id, user_id = target.saved_id, uow.users.id_of(who)
        uow.tags.untag_movie(
            movie_id=movie_id,
            user_id=user_id,
            tags=names,
            title=f"{target.title} ({target.year or '?'})",
        )
        now = uow.tags.tags_by_movie(user_id=user_id, movie_ids=[movie_id])
    render_diary.movie_tags(movie_id, target.title, target.year, now[movie_id], fmt)


def tags(
    ctx: typer.Context, user: UserOption = None, fmt: FormatOption = OutputFormat.table
) -> None:
    """Your tags, with the number of films each is on."""
    from moviecli.render import diary as render_diary

    render_diary.tag_counts(
        users_rows(ctx, user, lambda uow, user_id: uow.tags.user_tags(user_id=user_id)), fmt
    )


def register(app: typer.Typer) -> None:
    app.command()(tag)
    app.command()(untag)
    app.command()(tags)
