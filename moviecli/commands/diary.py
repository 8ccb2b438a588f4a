"""watch, diary, watchlist, lists, tag, untag, tags, person: the film diary."""

# No `from __future__ import annotations`: Typer reads these signatures on every run.

from collections.abc import Callable
from datetime import date
from typing import Annotated, Any, TypeVar

import typer

from moviecli.commands._shared import (
    Picks,
    choosing,
    confirm_delete,
    from_group,
    group_only,
    movie_to_write,
    parse_score,
    session,
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
    within_count_max,
)

T = TypeVar("T")

MoviesArgument = Annotated[
    list[str],
    typer.Argument(
        metavar="MOVIE",
        help='Ids (42), titles ("the matrix") or titles with their year ("Heat (1995)").',
        show_default=False,
    ),
]
NoteOption = Annotated[
    str | None,
    typer.Option(
        "--note", metavar="TEXT", help="A note (may hold line breaks).", show_default=False
    ),
]
ListName = Annotated[
    str, typer.Argument(metavar="NAME", help="The list's name.", show_default=False)
]
TagsArgument = Annotated[
    list[str], typer.Argument(metavar="TAG", help="Tags (case-insensitive).", show_default=False)
]


def _checked(rule: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """A rules.py check whose complaint becomes one `Error:` line."""
    try:
        return rule(*args, **kwargs)
    except ValueError as error:
        raise InvalidValueError(str(error)) from None


def _tag(text: str) -> str:
    from moviecli.rules import TAG_MAX, check_name

    return _checked(check_name, text, what="tag", limit=TAG_MAX)


def _note(text: str | None, what: str = "note") -> str | None:
    from moviecli.rules import check_note

    return _checked(check_note, text, what=what)


def _review(text: str | None) -> str | None:
    from moviecli.rules import check_text

    if text is None or not text.strip():
        return None
    return _checked(check_text, text.strip(), what="review", multiline=True)


def parse_date(text: str, *, option: str = "--on") -> date:
    """A calendar date as YYYY-MM-DD, not in the future and not before films: the
    rule every importer uses too (rules.parse_day)."""
    from moviecli.rules import parse_day

    try:
        return parse_day(text, what=option)
    except ValueError as error:
        raise InvalidValueError(str(error)) from None


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
    from moviecli.store.repo import diary as diary_repo
    from moviecli.store.repo import ratings as ratings_repo

    watched_on = parse_date(on) if on is not None else date.today()
    score = parse_score(rate) if rate is not None else None
    text = _review(review)
    tags = [_tag(t) for t in tag or []]
    name = user_name(user)

    def run(picks: Picks) -> Any:
        with session(ctx, write=True, world=True, picks=picks) as s:
            target = movie_to_write(s, movie, picks)
            account = ratings_repo.get_or_create_user(session=s, name=name)
            assert account.id is not None
            if score is not None:
                ratings_repo.rate_movie(session=s, movie=target, user_name=name, score=score)
            return diary_repo.log_viewing(
                session=s,
                movie=target,
                user_id=account.id,
                user=name,
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
    movie: Annotated[
        str | None,
        typer.Option(
            "--movie",
            "-m",
            metavar="MOVIE",
            help="Only viewings of this movie.",
            show_default=False,
        ),
    ] = None,
    limit: LimitOption = 20,
    offset: OffsetOption = 0,
    user: UserOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Your viewings, newest first, with your rating and a rewatch mark."""
    if ctx.invoked_subcommand is not None:
        group_only(ctx)
        return
    from moviecli.render import diary as render_diary
    from moviecli.store.repo import diary as diary_repo
    from moviecli.store.repo import movies as movies_repo

    if year is not None and month is not None:
        raise InvalidValueError("give --year or --month, not both")
    start = end = None
    if year is not None:
        start, end = date(year, 1, 1), date(year + 1, 1, 1)
    if month is not None:
        start, end = _month(month)
    name = user_name(user)
    with session(ctx, write=False) as s:
        movie_id = movies_repo.resolve_movie(session=s, ref=movie).id if movie is not None else None
        rows = diary_repo.iter_viewings(
            session=s,
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
    user = from_group(ctx, "user", user)
    fmt = from_group(ctx, "fmt", fmt)
    from moviecli.render import diary as render_diary
    from moviecli.store.repo import diary as diary_repo

    name = user_name(user)
    with session(ctx, write=True) as s:
        removed = diary_repo.delete_viewing(session=s, user=name, viewing_id=entry_id)
    render_diary.viewing(removed, fmt, action="Removed")


# ---------------------------------------------------------------- watchlist

watchlist_app = typer.Typer(
    help="Films you want to see, oldest first; `add` and `remove` change it."
)


@watchlist_app.callback(invoke_without_command=True)
def watchlist(
    ctx: typer.Context, user: UserOption = None, fmt: FormatOption = OutputFormat.table
) -> None:
    """Films you want to see, oldest first."""
    if ctx.invoked_subcommand is not None:
        group_only(ctx)
        return
    from moviecli.render import diary as render_diary
    from moviecli.store.repo import diary as diary_repo
    from moviecli.store.repo import watchlist as watchlist_repo

    name = user_name(user)
    with session(ctx, write=False) as s:
        entries = watchlist_repo.watchlist(
            session=s, user_id=diary_repo.user_id_of(session=s, name=name)
        )
    render_diary.watchlist(entries, fmt)


@watchlist_app.command("add")
def watchlist_add(
    ctx: typer.Context,
    movies: MoviesArgument,
    note: NoteOption = None,
    user: UserOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Put films on your watchlist."""
    user = from_group(ctx, "user", user)
    fmt = from_group(ctx, "fmt", fmt)
    from moviecli.render import diary as render_diary
    from moviecli.store.repo import ratings as ratings_repo
    from moviecli.store.repo import watchlist as watchlist_repo

    text = _note(note)
    name = user_name(user)

    def run(picks: Picks) -> Any:
        with session(ctx, write=True, world=True, picks=picks) as s:
            targets = [movie_to_write(s, m, picks) for m in movies]
            account = ratings_repo.get_or_create_user(session=s, name=name)
            assert account.id is not None
            return watchlist_repo.add_to_watchlist(
                session=s, user_id=account.id, movies=targets, note=text
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
    user = from_group(ctx, "user", user)
    fmt = from_group(ctx, "fmt", fmt)
    from moviecli.render import diary as render_diary
    from moviecli.store.repo import diary as diary_repo
    from moviecli.store.repo import movies as movies_repo
    from moviecli.store.repo import watchlist as watchlist_repo

    name = user_name(user)
    with session(ctx, write=True) as s:
        targets = [movies_repo.resolve_movie(session=s, ref=m) for m in movies]
        removed = watchlist_repo.remove_from_watchlist(
            session=s, user_id=diary_repo.user_id_of(session=s, name=name), movies=targets
        )
    render_diary.watchlist(removed, fmt, action="Removed from the watchlist")


# ---------------------------------------------------------------- lists

lists_app = typer.Typer(help="Your named lists; `create`, `add`, `remove`, `show`, `delete`.")


def _list_name(text: str) -> str:
    from moviecli.rules import LIST_NAME_MAX, check_name

    return _checked(check_name, text, what="list name", limit=LIST_NAME_MAX)


@lists_app.callback(invoke_without_command=True)
def lists(
    ctx: typer.Context, user: UserOption = None, fmt: FormatOption = OutputFormat.table
) -> None:
    """Your lists, with how many films each holds and how many you have seen."""
    if ctx.invoked_subcommand is not None:
        group_only(ctx)
        return
    from moviecli.render import diary as render_diary
    from moviecli.store.repo import diary as diary_repo
    from moviecli.store.repo import lists as lists_repo

    name = user_name(user)
    with session(ctx, write=False) as s:
        rows = lists_repo.summaries(session=s, user_id=diary_repo.user_id_of(session=s, name=name))
    render_diary.list_summaries(rows, fmt)


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
    user = from_group(ctx, "user", user)
    fmt = from_group(ctx, "fmt", fmt)
    from moviecli.render import diary as render_diary
    from moviecli.store.repo import lists as lists_repo
    from moviecli.store.repo import ratings as ratings_repo

    list_name = _list_name(name)
    text = _note(description, "description")
    who = user_name(user)
    with session(ctx, write=True) as s:
        account = ratings_repo.get_or_create_user(session=s, name=who)
        assert account.id is not None
        created = lists_repo.create_list(
            session=s, user_id=account.id, name=list_name, description=text, ranked=ranked
        )
    render_diary.list_summary(created, fmt, action="Created")


def _change_list(
    ctx: typer.Context, name: str, movies: list[str], user: str | None, **add: Any
) -> Any:
    from moviecli.store.repo import diary as diary_repo
    from moviecli.store.repo import lists as lists_repo
    from moviecli.store.repo import movies as movies_repo

    who = user_name(user)

    def run(picks: Picks) -> Any:
        # Adding may bring IMDb's films into the catalog; removing names catalog films.
        with session(ctx, write=True, world=bool(add), picks=picks) as s:
            found = lists_repo.find_list(
                session=s, user_id=diary_repo.user_id_of(session=s, name=who), name=name, user=who
            )
            if add:
                targets = [movie_to_write(s, m, picks) for m in movies]
                lists_repo.add_to_list(
                    session=s, movie_list=found, movies=targets, note=add["note"]
                )
            else:
                targets = [movies_repo.resolve_movie(session=s, ref=m) for m in movies]
                lists_repo.remove_from_list(session=s, movie_list=found, movies=targets)
            return lists_repo.list_detail(session=s, movie_list=found, user=who)

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
    user = from_group(ctx, "user", user)
    fmt = from_group(ctx, "fmt", fmt)
    from moviecli.render import diary as render_diary

    detail = _change_list(ctx, name, movies, user, note=_note(note))
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
    user = from_group(ctx, "user", user)
    fmt = from_group(ctx, "fmt", fmt)
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
    user = from_group(ctx, "user", user)
    fmt = from_group(ctx, "fmt", fmt)
    from moviecli.render import diary as render_diary
    from moviecli.store.repo import diary as diary_repo
    from moviecli.store.repo import lists as lists_repo

    who = user_name(user)
    with session(ctx, write=False) as s:
        found = lists_repo.find_list(
            session=s, user_id=diary_repo.user_id_of(session=s, name=who), name=name, user=who
        )
        detail = lists_repo.list_detail(session=s, movie_list=found, user=who)
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
    user = from_group(ctx, "user", user)
    fmt = from_group(ctx, "fmt", fmt)
    from moviecli.render import diary as render_diary
    from moviecli.store.repo import diary as diary_repo
    from moviecli.store.repo import lists as lists_repo

    who = user_name(user)
    if not yes:
        with session(ctx, write=False) as s:
            found = lists_repo.find_list(
                session=s, user_id=diary_repo.user_id_of(session=s, name=who), name=name, user=who
            )
        confirm_delete(f"Delete the list '{found.name}'?")
    with session(ctx, write=True) as s:
        found = lists_repo.find_list(
            session=s, user_id=diary_repo.user_id_of(session=s, name=who), name=name, user=who
        )
        deleted = lists_repo.delete_list(session=s, movie_list=found, user=who)
    render_diary.list_summary(deleted, fmt, action="Deleted")


# ---------------------------------------------------------------- tags and people


def tag(
    ctx: typer.Context,
    movie: MovieRef,
    tags: TagsArgument,
    user: UserOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Tag a film (a tag keeps the spelling you first gave it)."""
    from moviecli.render import diary as render_diary
    from moviecli.store.repo import ratings as ratings_repo
    from moviecli.store.repo import tags as tags_repo

    names = [_tag(t) for t in tags]
    who = user_name(user)

    def run(picks: Picks) -> Any:
        with session(ctx, write=True, world=True, picks=picks) as s:
            target = movie_to_write(s, movie, picks)
            assert target.id is not None
            account = ratings_repo.get_or_create_user(session=s, name=who)
            assert account.id is not None
            tags_repo.tag_movie(session=s, movie_id=target.id, user_id=account.id, tags=names)
            now = tags_repo.tags_by_movie(session=s, user_id=account.id, movie_ids=[target.id])
            return target, now[target.id]

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
    from moviecli.store.repo import diary as diary_repo
    from moviecli.store.repo import movies as movies_repo
    from moviecli.store.repo import tags as tags_repo

    names = [_tag(t) for t in tags]
    who = user_name(user)
    with session(ctx, write=True) as s:
        target = movies_repo.resolve_movie(session=s, ref=movie)
        assert target.id is not None
        user_id = diary_repo.user_id_of(session=s, name=who)
        tags_repo.untag_movie(
            session=s,
            movie_id=target.id,
            user_id=user_id,
            tags=names,
            title=f"{target.title} ({target.year or '?'})",
        )
        now = tags_repo.tags_by_movie(session=s, user_id=user_id, movie_ids=[target.id])[target.id]
    render_diary.movie_tags(target.id, target.title, target.year, now, fmt)


def tags(
    ctx: typer.Context, user: UserOption = None, fmt: FormatOption = OutputFormat.table
) -> None:
    """Your tags, with the number of films each is on."""
    from moviecli.render import diary as render_diary
    from moviecli.store.repo import diary as diary_repo
    from moviecli.store.repo import tags as tags_repo

    who = user_name(user)
    with session(ctx, write=False) as s:
        rows = tags_repo.user_tags(session=s, user_id=diary_repo.user_id_of(session=s, name=who))
    render_diary.tag_counts(rows, fmt)


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
    from moviecli.store.repo import diary as diary_repo
    from moviecli.store.repo import people as people_repo

    wanted = _checked(check_name, name, what="person's name", limit=PERSON_NAME_MAX)
    who = user_name(user)
    with session(ctx, write=False, world=True) as s:
        user_id = diary_repo.user_id_of(session=s, name=who)
        if s.info["world"]:
            from moviecli.store.world import reading

            known = reading.world_people(session=s, name=wanted, user_id=user_id)
            if known:
                from moviecli.render import world as render_world

                render_world.people(known, fmt)
                return
        found = people_repo.find_people(session=s, name=wanted, user_id=user_id)
    render_diary.people(found, fmt)


def register(app: typer.Typer) -> None:
    app.command()(watch)
    app.add_typer(diary_app, name="diary")
    app.add_typer(watchlist_app, name="watchlist")
    app.add_typer(lists_app, name="lists")
    app.command()(tag)
    app.command()(untag)
    app.command()(tags)
    app.command()(person)
