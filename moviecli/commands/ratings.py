"""rate, unrate, ratings, top."""

# No `from __future__ import annotations`: Typer reads these signatures on every run, and
# real annotations spare it evaluating hundreds of strings (README, Performance).

from typing import Annotated

import typer

from moviecli.commands._shared import (
    Picks,
    choosing,
    filter_movie_id,
    movie_to_write,
    parse_score,
    unit_of_work,
    user_name,
)
from moviecli.options import (
    DescOption,
    FormatOption,
    FromYearOption,
    GenreFilter,
    LimitOption,
    MovieRef,
    OffsetOption,
    OutputFormat,
    RankMethod,
    RatingSortKey,
    RatingUserOption,
    ToYearOption,
    UserOption,
    limit_option,
    movie_filter,
    within_count_max,
)


def rate(
    ctx: typer.Context,
    movie: MovieRef,
    score: Annotated[
        str,
        typer.Argument(
            metavar="SCORE", help="0.5 to 5 in half stars: 4, 4.5, 3.0.", show_default=False
        ),
    ],
    user: RatingUserOption = None,
    review: Annotated[
        str | None,
        typer.Option(
            "--review", "-r", metavar="TEXT", help="A few words about it.", show_default=False
        ),
    ] = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Record or replace your score for a movie."""
    from moviecli import render
    from moviecli.commands._shared import validated
    from moviecli.models import RatingChange, RatingCreate

    data = validated(RatingCreate, score=parse_score(score), user=user_name(user), review=review)

    def run(picks: Picks) -> RatingChange:
        with unit_of_work(ctx, write=True, world=True, picks=picks) as uow:
            target = movie_to_write(uow, movie, picks)
            return uow.ratings.rate_movie(
                movie=target,
                user_name=data.user,
                score=data.score,
                review=data.review,
            )

    render.rating_change(choosing(run), fmt)


def unrate(
    ctx: typer.Context,
    movie: MovieRef,
    user: RatingUserOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Remove your rating of a movie."""
    from moviecli import render
    from moviecli.commands._shared import validated
    from moviecli.models import UserNameInput

    name = validated(UserNameInput, user=user_name(user)).user
    with unit_of_work(ctx, write=True) as uow:
        target = uow.movies.resolve_movie(ref=movie)
        change = uow.ratings.unrate_movie(movie=target, user_name=name)
    render.rating_change(change, fmt, removed=True)


def ratings(
    ctx: typer.Context,
    user: Annotated[
        str | None,
        typer.Option(
            "--user", "-u", metavar="USER", help="Only this user's ratings.", show_default=False
        ),
    ] = None,
    movie: Annotated[str | None, movie_filter("Only ratings of this movie.")] = None,
    limit: LimitOption = 20,
    offset: OffsetOption = 0,
    sort: Annotated[
        RatingSortKey | None,
        typer.Option(
            "--sort",
            help="Order by (default: newest first).",
            case_sensitive=False,
            show_default=False,
        ),
    ] = None,
    desc: DescOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """List ratings, newest first unless --sort or --asc says otherwise."""
    from moviecli import render

    wanted = user_name(user) if user is not None else None
    with unit_of_work(ctx, write=False) as uow:
        movie_id = filter_movie_id(uow, movie)
        rows = uow.ratings.iter_ratings(
            user_name=wanted,
            movie_id=movie_id,
            sort=sort.value if sort is not None else "date",
            # Without --sort: newest first; --asc turns it round. With --sort: ascending.
            descending=desc if desc is not None else sort is None,
            limit=limit,
            offset=offset,
        )
        render.ratings(rows, fmt, offset=offset)  # streamed: inside the transaction


def top(
    ctx: typer.Context,
    limit: Annotated[int, limit_option("How many; 0 = all.")] = 10,
    genre: GenreFilter = None,
    from_year: FromYearOption = None,
    to_year: ToYearOption = None,
    min_ratings: Annotated[
        int | None,
        typer.Option(
            "--min-ratings",
            metavar="N",
            min=1,
            callback=within_count_max,
            help="Rank only movies with this many ratings; also the weight m of the catalog's "
            "mean (default: the mean number of ratings of a rated film; with --imdb, IMDb "
            "votes, default 25000).",
            show_default=False,
        ),
    ] = None,
    by: Annotated[
        RankMethod,
        typer.Option(
            "--by", help="Weighted (Bayesian) average or plain mean.", case_sensitive=False
        ),
    ] = RankMethod.weighted,
    explain: Annotated[
        bool,
        typer.Option("--explain", help="Show R, v, m, C and the weighted score of each row."),
    ] = False,
    imdb: Annotated[
        bool,
        typer.Option(
            "--imdb",
            help="Rank IMDb's films (after 'imdb sync') by IMDb's ratings, yours marked.",
        ),
    ] = False,
    user: UserOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """The best rated movies."""
    from moviecli import render
    from moviecli.store.repo.movies import no_such_genre

    if imdb:
        _top_imdb(
            ctx,
            limit=limit,
            genre=genre,
            from_year=from_year,
            to_year=to_year,
            min_votes=min_ratings if min_ratings is not None else IMDB_MIN_VOTES,
            weighted=by is RankMethod.weighted,
            user=user,
            fmt=fmt,
        )
        return
    asked = [
        text
        for given, text in (
            (genre, f"genre {genre!r}"),
            (from_year, f"from {from_year}"),
            (to_year, f"to {to_year}"),
        )
        if given is not None
    ]
    with unit_of_work(ctx, write=False) as uow:
        if min_ratings is None:
            min_ratings = uow.stats.default_min_ratings()
        mean = uow.stats.catalog_mean() if explain else None
        empty = (
            no_such_genre(genre)
            if genre is not None and not uow.movies.genre_known(genre=genre)
            else None
        )
        rows = uow.stats.top_rated(
            limit=limit,
            genre=genre,
            from_year=from_year,
            to_year=to_year,
            min_ratings=min_ratings,
            by=by.value,
        )
        render.top(  # streamed: inside the transaction
            rows,
            fmt,
            by=by.value,
            min_ratings=min_ratings,
            catalog_mean=mean,
            filters=asked,
            empty=empty,
        )


IMDB_MIN_VOTES = 25_000


def _top_imdb(
    ctx: typer.Context,
    *,
    limit: int,
    genre: str | None,
    from_year: int | None,
    to_year: int | None,
    min_votes: int,
    weighted: bool,
    user: str | None,
    fmt: OutputFormat,
) -> None:
    """`top --imdb`: IMDb's films by IMDb's weighted rating, the user's marked."""
    from moviecli.errors import MoviecliError
    from moviecli.render import world as render_world
    from moviecli.store.world import reading

    who = user_name(user)
    with unit_of_work(ctx, write=False, world=True) as uow:
        if not uow.world:
            raise MoviecliError("no IMDb films here yet: run 'moviecli imdb sync' first")
        rows, mean = reading.world_top(
            session=uow.session,
            user_id=uow.users.id_of(who),
            min_votes=min_votes,
            limit=limit,
            genre=genre,
            from_year=from_year,
            to_year=to_year,
            weighted=weighted,
        )
    render_world.top(rows, fmt, weighted=weighted, min_votes=min_votes, mean=mean)


def register(app: typer.Typer) -> None:
    app.command()(rate)
    app.command()(unrate)
    app.command()(ratings)
    app.command()(top)
