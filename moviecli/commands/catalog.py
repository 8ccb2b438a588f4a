"""add, list, show, edit, delete, seed, stats."""

# No `from __future__ import annotations`: Typer reads these signatures on every run, and
# real annotations spare it evaluating hundreds of strings (README, Performance).

from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any

import typer

from moviecli.commands._shared import confirm_delete, unit_of_work, user_name, validated
from moviecli.errors import MoviecliError
from moviecli.options import (
    DescOption,
    FormatOption,
    FromYearOption,
    GenreFilter,
    LimitOption,
    MovieRef,
    MovieSortKey,
    OffsetOption,
    OutputFormat,
    ToYearOption,
    UserOption,
    YearOption,
    movie_year_option,
    person_filter,
    year_option,
)

if TYPE_CHECKING:
    from moviecli.store.catalog import UnitOfWork

GENRE_HELP = "A genre; repeat for several, or separate them with | (crime|drama)."
GenreOption = Annotated[
    list[str] | None,
    typer.Option("--genre", "-g", metavar="GENRE", help=GENRE_HELP, show_default=False),
]


class ClearField(StrEnum):
    genres = "genres"
    runtime = "runtime"
    original_title = "original-title"
    director = "director"
    writer = "writer"
    cast = "cast"


# --clear FIELD: the MovieUpdate field it empties, and its empty value.
CLEARED: dict[ClearField, tuple[str, list[str] | None]] = {
    ClearField.genres: ("genres", []),
    ClearField.runtime: ("runtime_minutes", None),
    ClearField.original_title: ("original_title", None),
    ClearField.director: ("directors", []),
    ClearField.writer: ("writers", []),
    ClearField.cast: ("cast", []),
}


RuntimeOption = Annotated[
    int | None,
    typer.Option("--runtime", metavar="MINUTES", help="Runtime in minutes.", show_default=False),
]
DirectorOption = Annotated[
    list[str] | None,
    typer.Option(
        "--director", metavar="NAME", help="A director; repeat for several.", show_default=False
    ),
]
WriterOption = Annotated[
    list[str] | None,
    typer.Option(
        "--writer", metavar="NAME", help="A writer; repeat for several.", show_default=False
    ),
]
CastOption = Annotated[
    list[str] | None,
    typer.Option(
        "--cast", metavar="NAME", help="A cast member; repeat for several.", show_default=False
    ),
]
OriginalTitleOption = Annotated[
    str | None,
    typer.Option(
        "--original-title",
        help="Title in the original language.",
        metavar="TITLE",
        show_default=False,
    ),
]


def add(
    ctx: typer.Context,
    title: Annotated[
        str, typer.Argument(metavar="TITLE", help="The movie's title.", show_default=False)
    ],
    year: Annotated[
        int | None,
        movie_year_option("Release year (needed unless the title is one of IMDb's films)."),
    ] = None,
    genre: GenreOption = None,
    runtime: RuntimeOption = None,
    director: DirectorOption = None,
    writer: WriterOption = None,
    cast: CastOption = None,
    original_title: OriginalTitleOption = None,
    force: Annotated[
        bool, typer.Option("--force", help="Add it even if the same title and year exist.")
    ] = False,
    imdb: Annotated[
        bool,
        typer.Option(
            "--imdb",
            help="TITLE is an IMDb id (tt...): add that film with IMDb's details.",
        ),
    ] = False,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Add a movie to the catalog and print it with its id. Without --year, a title of
    IMDb's films (after 'imdb sync') is added with its details; several ask which."""
    from moviecli import render
    from moviecli.models import MovieCreate

    if imdb or year is None:
        _add_from_world(ctx, title, imdb=imdb, fmt=fmt)
        return
    data = validated(
        MovieCreate,
        title=title,
        year=year,
        genres=genre or [],
        runtime_minutes=runtime,
        directors=director or [],
        writers=writer or [],
        cast=cast or [],
        original_title=original_title,
    )
    with unit_of_work(ctx, write=True) as uow:
        movie = uow.movies.add_movie(data=data, force=force)
    render.movie(movie, fmt, action="Added")


def _add_from_world(ctx: typer.Context, title: str, *, imdb: bool, fmt: OutputFormat) -> None:
    """`add TITLE` with no --year, or `add --imdb tt...`: one of IMDb's films, chosen
    on a terminal when the title names several; a title IMDb's films lack needs --year."""
    from moviecli import render
    from moviecli.commands._shared import Picks, brought_line, choosing
    from moviecli.models import MoviePublic
    from moviecli.rules import parse_imdb_id
    from moviecli.store.world import bring

    if imdb:
        parsed = parse_imdb_id(title)
        if parsed is None or parsed[0] != "tt":
            raise MoviecliError(f"--imdb takes a film's IMDb id such as tt0113277 (got '{title}')")

    def run(picks: Picks) -> tuple[MoviePublic, str]:
        with unit_of_work(ctx, write=True, world=True, picks=picks) as uow:
            if not uow.world:
                if imdb:
                    raise MoviecliError(
                        "no IMDb films here yet: run 'moviecli imdb sync' first, "
                        "or add the film by title with --year"
                    )
                _missing_year(ctx)
            film = uow.movies.world_film(ref=title)
            if film is None:
                if imdb:
                    raise MoviecliError(f"{title.strip()} is not among IMDb's films here")
                raise MoviecliError(
                    f"'{title}' is not among IMDb's films: give --year to add it by hand"
                )
            movie = bring.add_world_film(session=uow.session, film=film)
            public = uow.movies.movie_public(movie=movie)
            return public, brought_line(movie.id, film)

    added, line = choosing(run)
    render.note(line)
    render.movie(added, fmt, action="Added")


def _missing_year(ctx: typer.Context) -> None:
    """`add TITLE` without --year and no world: the usage error it always was."""
    from typer._click.exceptions import MissingParameter
    from typer.core import TyperOption

    param = next(p for p in ctx.command.params if p.name == "year")
    raise MissingParameter(ctx=ctx, param=param if isinstance(param, TyperOption) else None)


def list_movies(
    ctx: typer.Context,
    search: Annotated[
        str | None,
        typer.Option(
            "--search",
            "-s",
            metavar="TEXT",
            help="Titles containing this text.",
            show_default=False,
        ),
    ] = None,
    genre: GenreFilter = None,
    year: YearOption = None,
    from_year: FromYearOption = None,
    to_year: ToYearOption = None,
    sort: Annotated[
        MovieSortKey, typer.Option("--sort", help="Order by.", case_sensitive=False)
    ] = MovieSortKey.title,
    desc: DescOption = None,
    limit: LimitOption = 20,
    offset: OffsetOption = 0,
    tag: Annotated[
        str | None,
        typer.Option(
            "--tag", "-t", metavar="TAG", help="Only films you tagged so.", show_default=False
        ),
    ] = None,
    person: Annotated[str | None, person_filter("Only films crediting this person.")] = None,
    watched: Annotated[
        bool,
        typer.Option("--watched", help="Only films you have seen (logged or rated)."),
    ] = False,
    unwatched: Annotated[
        bool,
        typer.Option("--unwatched", help="Only films you have not seen (logged or rated)."),
    ] = False,
    on_watchlist: Annotated[
        bool, typer.Option("--on-watchlist", help="Only films on your watchlist.")
    ] = False,
    user: UserOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """List movies with their average rating and number of ratings."""
    from moviecli import render

    if watched and unwatched:
        raise typer.BadParameter(
            "give --watched or --unwatched, not both", param_hint="'--watched'"
        )
    seen = True if watched else False if unwatched else None
    personal = tag is not None or seen is not None or on_watchlist
    name = user_name(user) if personal else None
    with unit_of_work(ctx, write=False) as uow:
        total, rows = uow.movies.movie_listing(
            user_id=uow.users.id_of(name) if name is not None else None,
            tag=tag,
            person=person,
            watched=seen,
            on_watchlist=on_watchlist,
            search=search,
            genre=genre,
            year=year,
            from_year=from_year,
            to_year=to_year,
            sort=sort.value,
            descending=bool(desc),
            limit=limit,
            offset=offset,
        )
        # Streamed: written inside the transaction, as the rows come.
        render.movie_listing(rows, fmt, total=total, offset=offset)


def show(
    ctx: typer.Context,
    movie: MovieRef,
    akas: Annotated[
        bool, typer.Option("--akas", help="Also IMDb's alternative titles of the film.")
    ] = False,
    user: UserOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Show one movie: its fields, people, ratings histogram and latest ratings, and your
    tags, viewings and whether it is on your watchlist; with IMDb's films (after 'imdb
    sync'), IMDb's rating, directors, writers, cast and crew, or one of IMDb's films."""
    from moviecli import render
    from moviecli.commands._shared import Picks, choosing
    from moviecli.models import Movie
    from moviecli.render import diary as render_diary

    name = user_name(user)

    def run(picks: Picks) -> tuple[Any, Any]:
        with unit_of_work(ctx, write=False, world=True, picks=picks) as uow:
            found = uow.movies.resolve_reference(ref=movie)
            if not isinstance(found, Movie):  # one of IMDb's films (a world is attached)
                from moviecli.store.world import reading

                title_id = int(found.imdb_id[2:])
                return None, reading.world_show(
                    session=uow.session, title_id=title_id, with_akas=akas
                )
            detail = uow.movies.movie_detail(movie=found, user=name)
            if not uow.world:  # the world's modules are not even imported
                return detail, None
            from moviecli.store.world import reading

            return detail, reading.catalog_film_detail(
                session=uow.session, movie_id=detail.id, with_akas=akas
            )

    detail, imdb = choosing(run)
    if detail is None:
        from moviecli.render import world as render_world

        render_world.world_show(imdb, fmt)
        return
    if imdb is not None:
        from moviecli.models.world import MovieDetailWithImdb
        from moviecli.render import world as render_world

        detail = MovieDetailWithImdb(**detail.model_dump(), imdb=imdb)
        render.movie_detail(detail, fmt, imdb=render_world.imdb_rating_row(imdb))
        if fmt is OutputFormat.table:
            render_world.imdb_part(imdb, header=False)
            # IMDb's credits stand for the catalog's people lines.
            render_diary.movie_extras(detail.model_copy(update={"people": []}))
        return
    render.movie_detail(detail, fmt)
    if fmt is OutputFormat.table:
        render_diary.movie_extras(detail)


def edit(
    ctx: typer.Context,
    movie: MovieRef,
    title: Annotated[
        str | None, typer.Option("--title", help="New title.", metavar="TITLE", show_default=False)
    ] = None,
    year: Annotated[int | None, movie_year_option("New year.")] = None,
    genre: Annotated[
        list[str] | None,
        typer.Option(
            "--genre",
            "-g",
            metavar="GENRE",
            help=GENRE_HELP + " Replaces the movie's genres.",
            show_default=False,
        ),
    ] = None,
    runtime: RuntimeOption = None,
    director: DirectorOption = None,
    writer: WriterOption = None,
    cast: CastOption = None,
    original_title: OriginalTitleOption = None,
    clear: Annotated[
        list[ClearField] | None,
        typer.Option(
            "--clear",
            metavar="FIELD",
            help="Empty an optional field: genres, runtime, original-title, director, writer "
            'or cast; repeat for several. (--original-title "" also clears.)',
            case_sensitive=False,
            show_default=False,
        ),
    ] = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Change only the fields given (--director, --writer, --cast replace that role's list);
    --clear empties one."""
    from moviecli import render
    from moviecli.models import MovieUpdate

    given = {
        "title": title,
        "year": year,
        "genres": genre,
        "runtime_minutes": runtime,
        "directors": director,
        "writers": writer,
        "cast": cast,
        "original_title": original_title,
    }
    values: dict[str, object] = {k: v for k, v in given.items() if v is not None}
    for field in clear or []:
        name, empty = CLEARED[field]
        if name in values:
            raise MoviecliError(f"--clear {field.value} and a new value for it: give one of them")
        values[name] = empty
    changes = validated(MovieUpdate, **values)
    if not changes.model_fields_set:
        raise MoviecliError(
            "nothing to change: give at least one of --title, --year, --genre, "
            "--runtime, --director, --writer, --cast, --original-title, --clear FIELD"
        )
    with unit_of_work(ctx, write=True) as uow:
        target = uow.movies.resolve_movie(ref=movie)
        updated = uow.movies.update_movie(movie=target, changes=changes)
    render.movie(updated, fmt, action="Updated")


def delete(
    ctx: typer.Context,
    movie: MovieRef,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Delete a movie with everything attached to it, every user's: ratings, viewings
    (and their reviews), tags, list and watchlist entries (asks first, with the counts,
    unless --yes)."""
    from moviecli import render

    confirmed_id = None
    if not yes:
        # Ask outside any transaction: a write lock held while a person reads the
        # question would make every other terminal wait, then fail as "busy".
        with unit_of_work(ctx, write=False) as uow:
            target = uow.movies.resolve_movie(ref=movie)
            counts = uow.movies.attached(movie_id=target.saved_id)
            others = _others_with_data(uow, target.saved_id, target.title, target.year)
        confirm_delete(
            f"Delete #{target.id} {target.title} ({target.year or '?'})"
            f"{_goes(counts, others=others)}?"
        )
        confirmed_id = target.id
    with unit_of_work(ctx, write=True) as uow:
        target = uow.movies.resolve_movie(ref=movie)
        if confirmed_id is not None and target.id != confirmed_id:
            raise MoviecliError(
                f"'{movie}' changed while you answered (now #{target.id}); nothing was deleted"
            )
        counts = uow.movies.attached(movie_id=target.saved_id)
        others = _others_with_data(uow, target.saved_id, target.title, target.year)
        deleted = uow.movies.delete_movie(movie=target)
    render.movie(deleted, fmt, action="Deleted")
    if yes and any(counts.values()):
        render.note(f"Deleted with it{_goes(counts, lead=':', others=others)}")


def _goes(counts: dict[str, int], lead: str = " and its", others: str = "") -> str:
    """' and its 2 ratings, 1 viewing and 3 tags (every user's)', or '' when nothing;
    on a shared catalog `others` (' of ann, bob', see _others_with_data) names whose."""
    from moviecli.render.text import plural

    parts = [
        plural(n, what, what.removesuffix("entry") + "entries" if what.endswith("entry") else None)
        for what, n in counts.items()
        if n
    ]
    if not parts:
        return ""
    listed = ", ".join(parts[:-1]) + (" and " if len(parts) > 1 else "") + parts[-1]
    whose = others or " (every user's)"
    return f"{lead} {listed}{whose}"


def _others_with_data(uow: "UnitOfWork", movie_id: int, title: str, year: int | None) -> str:
    """On a shared catalog: ' of NAME, NAME' when the film holds other people's data (the
    caller must be an admin to delete it, else refused), '' otherwise."""
    from moviecli.store.members import NotAllowedError

    count, names, allowed = uow.members.film_others(movie_id=movie_id)
    if not count:
        return ""
    if not allowed:
        raise NotAllowedError(
            f"'{title} ({year or '?'})' holds the ratings, diary or lists of {count} other "
            "user(s): only an admin of the catalog may delete it"
        )
    shown = ", ".join(names[:10]) + (f" and {len(names) - 10} more" if len(names) > 10 else "")
    return f" of {shown}"


def seed(ctx: typer.Context, fmt: FormatOption = OutputFormat.table) -> None:
    """Fill an empty catalog with a starter set of films and a few ratings, then list it."""
    from moviecli import render
    from moviecli.seed_data import seed_catalog

    with unit_of_work(ctx, write=True) as uow:
        added = seed_catalog(uow)
        page = uow.movies.list_movies(limit=0)
    if added:
        render.note(f"Seeded the catalog with {added} movies.")
    else:
        render.note("The catalog is not empty; seed added nothing.")
    render.movies(page, fmt)


def stats(
    ctx: typer.Context,
    year: Annotated[int | None, year_option("Your year in review, from your diary.")] = None,
    user: UserOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Counts, the score histogram and the top genres; with --year, your year in review."""
    from moviecli import render

    if year is not None:
        from moviecli.render import diary as render_diary

        name = user_name(user)
        with unit_of_work(ctx, write=False) as uow:
            review = uow.diary.year_review(user=name, year=year)
        render_diary.year_review(review, fmt)
        return
    with unit_of_work(ctx, write=False) as uow:
        data = uow.stats.catalog_stats()
    render.stats(data, fmt)


def register(app: typer.Typer) -> None:
    app.command()(add)
    app.command("list")(list_movies)
    app.command()(show)
    app.command()(edit)
    app.command()(delete)
    app.command()(seed)
    app.command()(stats)
