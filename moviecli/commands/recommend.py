"""recommend (and recommend --evaluate), taste."""

# No `from __future__ import annotations`: Typer reads these signatures on every run.

from typing import Annotated

import typer

from moviecli.commands._shared import checked, unit_of_work, user_name
from moviecli.errors import InvalidValueError
from moviecli.options import (
    FormatOption,
    FromYearOption,
    GenreFilter,
    OutputFormat,
    ToYearOption,
    UserOption,
)


def recommend(
    ctx: typer.Context,
    user: UserOption = None,
    limit: Annotated[
        int, typer.Option("--limit", "-n", metavar="N", help="How many films (1 to 1000).")
    ] = 10,
    genre: GenreFilter = None,
    from_year: FromYearOption = None,
    to_year: ToYearOption = None,
    group: Annotated[
        str | None,
        typer.Option(
            "--for",
            metavar="U1,U2,...",
            help="Films for a group: none of them has seen them; ranked by the least happy.",
            show_default=False,
        ),
    ] = None,
    evaluate: Annotated[
        bool,
        typer.Option(
            "--evaluate",
            help="Hide each user's newest ratings of 4+, choose and train on the rest, and "
            "print every candidate model's HitRate@10 and NDCG@10 (± standard error), "
            "marking the chosen one.",
        ),
    ] = False,
    holdout: Annotated[
        int | None,
        typer.Option(
            "--holdout",
            metavar="N",
            help="With --evaluate: ratings held out per user (default 3).",
            show_default=False,
        ),
    ] = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """What to watch next: films you have not seen, learned from everyone's ratings."""
    from moviecli.render import recommend as render_recommend
    from moviecli.rules import check_holdout, check_recommend_limit, user_name_list

    if evaluate:
        given = [
            flag
            for flag, value in (
                ("--user", user),
                ("--for", group),
                ("--genre", genre),
                ("--from-year", from_year),
                ("--to-year", to_year),
            )
            if value is not None
        ]
        if given:
            raise InvalidValueError(f"--evaluate measures every user; it takes no {given[0]}")
        k = checked(check_holdout, 3 if holdout is None else holdout)
        from moviecli.recommend.evaluate import evaluate as run_evaluation

        with unit_of_work(ctx, write=False) as uow:
            evaluation = run_evaluation(
                session=uow.session, holdout=k, progress=render_recommend.training_progress
            )
        render_recommend.evaluation(evaluation, fmt)
        return
    if holdout is not None:
        raise InvalidValueError("--holdout goes with --evaluate")
    if group is not None and user is not None:
        raise InvalidValueError("give either --user or --for, not both")
    count = checked(check_recommend_limit, limit)
    names = checked(user_name_list, group) if group is not None else [user_name(user)]
    from moviecli.recommend.recommend import recommend as run_recommend
    from moviecli.store.repo.movies import no_such_genre

    with unit_of_work(ctx, write=False, world=True) as uow:
        empty = (
            no_such_genre(genre)
            if genre is not None and not uow.movies.genre_known(genre=genre)
            else None
        )
        result = run_recommend(
            session=uow.session,
            names=names,
            limit=count,
            genre=genre,
            from_year=from_year,
            to_year=to_year,
            progress=render_recommend.training_progress,
        )
    asked = [
        text
        for given, text in (
            (genre, f"genre {genre!r}"),
            (from_year, f"from {from_year}"),
            (to_year, f"up to {to_year}"),
        )
        if given is not None
    ]
    render_recommend.recommendations(result, fmt, filters=asked, empty=empty)


def taste(
    ctx: typer.Context, user: UserOption = None, fmt: FormatOption = OutputFormat.table
) -> None:
    """Your scale against the crowd, the films you see differently, your taste twins."""
    from moviecli.recommend.taste import taste as run_taste
    from moviecli.render import recommend as render_recommend

    name = user_name(user)
    with unit_of_work(ctx, write=False) as uow:
        profile = run_taste(
            session=uow.session, name=name, progress=render_recommend.training_progress
        )
    render_recommend.taste(profile, fmt)


def register(app: typer.Typer) -> None:
    app.command()(recommend)
    app.command()(taste)
