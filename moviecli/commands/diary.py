"""watch, diary: the film diary (viewings). The watchlist, lists, tags and people have
their own modules."""

# No `from __future__ import annotations`: Typer reads these signatures on every run.

from datetime import date
from typing import Annotated, Any

import typer

from moviecli.commands._shared import (
    Picks,
    checked,
    choosing,
    filter_movie_id,
    movie_to_write,
    parse_score,
    subcommand_follows,
    tag_text,
    unit_of_work,
    user_and_format,
    user_name,
)
from moviecli.errors import InvalidValueError
from moviecli.options import (
    YEAR_FILTER_MAX,
    YEAR_FILTER_MIN,
    FormatOption,
    LimitOption,
    MovieRef,
    OffsetOption,
    OutputFormat,
    UserOption,
    YearOption,
    movie_filter,
    within_count_max,
)


def _review(text: str | None) -> str | None:
    from moviecli.rules import check_text

    if text is None or not text.strip():
        return None
    return checked(check_text, text.strip(), what="review", multiline=True)


def parse_date(text: str, *, option: str = "--on") -> date:
    """A calendar date as YYYY-MM-DD, not in the future and not before films: the
    rule every importer uses too (rules.parse_day)."""
    from moviecli.rules import parse_day

    return checked(parse_day, text, what=option)


def _month(text: str) -> tuple[date, date]:
    try:
        first = date.fromisoformat(text.strip() + "-01")
    except ValueError:
        raise InvalidValueError(f"--month must be YYYY-MM (got '{text}')") from None
    if not (YEAR_FILTER_MIN <= first.year <= YEAR_FILTER_MAX):
        raise InvalidValueError(
            f"--month must be in the years {YEAR_FILTER_MIN} to {YEAR_FILTER_MAX} (got '{text}')"
        )
    after = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return first, after


# ---------------------------------------------------------------- watch and the diary


def watch(
    ctx: typer.Context,
    movie: MovieRef,
    on: Annotated[
        str | None,
        typer.Option(
            "--on", metavar="DATE", help="When, as YYYY-MM-DD (default: today).", show_default=False
        ),
    ] = None,
    rewatch: Annotated[bool, typer.Option("--rewatch", help="You had seen it before.")] = False,
    rate: Annotated[
        str | None,
        typer.Option(
            "--rate",
            metavar="SCORE",
            help="Also rate it: 0.5 to 5 in half stars.",
            show_default=False,
        ),
    ] = None,
    review: Annotated[
        str | None,
        typer.Option(
            "--review", "-r", metavar="TEXT", help="A few words about it.", show_default=False
        ),
    ] = None,
    tag: Annotated[
        list[str] | None,
        typer.Option(
            "--tag",
            "-t",
            metavar="TAG",
            help="Tag the film; repeat for several.",
            show_default=False,
        ),
    ] = None,
    user: UserOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Log a viewing (a second one of a film is a rewatch); it leaves your watchlist."""
    from moviecli.render import diary as render_diary

    watched_on = parse_date(on) if on is not None else date.today()
    score = parse_score(rate) if rate is not None else None
    text = _review(review)
    tags = [tag_text(t) for t in tag or []]
    name = user_name(user)

    def run(picks: Picks) -> Any:
        with unit_of_work(ctx, write=True, world=True, picks=picks) as uow:
            target = movie_to_write(uow, movie, picks)
            account = uow.users.resolve(name)
            if score is not None:
                uow.ratings.rate_movie(movie=target, user_name=name, score=score)
            return uow.diary.log_viewing(
                movie=target,
                user=account,
                watched_on=watched_on,
                rewatch=rewatch,
                review=text,
                tags=tags,
            )

    render_diary.viewing(choosing(run), fmt, action="Logged")


diary_app = typer.Typer(help="Your viewings, newest first; `diary delete ID` removes one.")


@diary_app.callback(invoke_without_command=True)
def diary(
    ctx: typer.Context,
    year: YearOption = None,
    month: Annotated[
        str | None,
        typer.Option("--month", metavar="YYYY-MM", help="Only this month.", show_default=False),
    ] = None,
    movie: Annotated[str | None, movie_filter("Only viewings of this movie.")] = None,
    limit: LimitOption = 20,
    offset: OffsetOption = 0,
    user: UserOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Your viewings, newest first, with your rating and a rewatch mark."""
    if subcommand_follows(ctx):
        return
    from moviecli.render import diary as render_diary

    if year is not None and month is not None:
        raise InvalidValueError("give --year or --month, not both")
    start = end = None
    if year is not None:
        start, end = date(year, 1, 1), date(year + 1, 1, 1)
    if month is not None:
        start, end = _month(month)
    name = user_name(user)
    with unit_of_work(ctx, write=False) as uow:
        movie_id = filter_movie_id(uow, movie)
        rows = uow.diary.iter_viewings(
            user=name,
            start=start,
            end=end,
            movie_id=movie_id,
            limit=limit,
            offset=offset,
        )
        render_diary.viewings(rows, fmt, offset=offset)  # streamed: inside the transaction


@diary_app.command("delete")
def diary_delete(
    ctx: typer.Context,
    entry_id: Annotated[
        int,
        typer.Argument(
            metavar="ENTRY_ID",
            min=1,
            callback=within_count_max,
            help="The entry's id (see `diary`).",
            show_default=False,
        ),
    ],
    user: UserOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Remove one viewing from your diary."""
    user, fmt = user_and_format(ctx, user, fmt)
    from moviecli.render import diary as render_diary

    name = user_name(user)
    with unit_of_work(ctx, write=True) as uow:
        removed = uow.diary.delete_viewing(user=name, viewing_id=entry_id)
    render_diary.viewing(removed, fmt, action="Removed")


def register(app: typer.Typer) -> None:
    app.command()(watch)
    app.add_typer(diary_app, name="diary")
