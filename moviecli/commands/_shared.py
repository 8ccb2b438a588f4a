"""What every command needs: the catalog it works on, validation, values parsed once."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

import typer

from moviecli import startup
from moviecli.config import USER_ENV, DatabaseLocation, current_user, resolve_location
from moviecli.errors import InvalidValueError, MoviecliError

if TYPE_CHECKING:
    from pydantic import BaseModel

    from moviecli.models import Movie
    from moviecli.store.catalog import Catalog, UnitOfWork

M = TypeVar("M", bound="BaseModel")
T = TypeVar("T")
F = TypeVar("F")


def catalog(ctx: typer.Context) -> Catalog:
    from moviecli.store.catalog import Catalog

    # The command's modules are loaded by now: collect garbage again (see startup.py).
    startup.resume()

    root = ctx.find_root()
    option = (root.obj or {}).get("db")
    return Catalog(resolve_location(option))


@dataclass
class Picks:
    """What a command learned on the way: the IMDb film picked for a reference on the
    terminal (reference -> title id), and the lines to say once it has succeeded."""

    chosen: dict[str, int] = field(default_factory=dict)
    brought: list[str] = field(default_factory=list)


@contextmanager
def unit_of_work(
    ctx: typer.Context,
    *,
    write: bool,
    foreign_keys: bool = True,
    dry_run: bool = False,
    world: bool = False,
    picks: Picks | None = None,
) -> Iterator[UnitOfWork]:
    """The command's unit of work on the catalog --db names (store/catalog.py: one
    transaction, the users repository, "the catalog must exist", the dry run); on a
    shared PostgreSQL catalog a writer may write only as users its role may."""
    from moviecli.store.catalog import unit_of_work as open_unit

    with open_unit(
        catalog(ctx), write=write, dry_run=dry_run, foreign_keys=foreign_keys, world=world
    ) as uow:
        s = uow.session
        state = _state()
        if write and s.get_bind().dialect.name == "postgresql":
            # A shared catalog: the users this command named must be ones the login
            # role may write as (named now, or later while the session is open).
            for name in state.get("users", ()):
                uow.members.check_writer(name)
            state["writer"] = uow.members
        s.info["chosen"] = picks.chosen if picks is not None else {}
        try:
            yield uow
        finally:
            state.pop("writer", None)


def validated(model: type[M], **values: Any) -> M:
    """Build an input model; turn pydantic's complaint into one readable line."""
    from pydantic import ValidationError

    try:
        return model.model_validate(values)
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "value"
        message = first["msg"].removeprefix("Value error, ")
        given = first.get("input")
        shown = ""
        if given is not None and not isinstance(given, dict) and "(got " not in message:
            shown = (
                f" (got {given!r})" if len(repr(given)) <= 80 else f" (got {repr(given)[:77]}...)"
            )
        raise InvalidValueError(f"invalid {field.replace('_', ' ')}: {message}{shown}") from None


def checked(rule: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """A rules.py check whose complaint (ValueError) becomes one `Error:` line."""
    try:
        return rule(*args, **kwargs)
    except ValueError as error:
        raise InvalidValueError(str(error)) from None


def tag_text(text: str) -> str:
    from moviecli.rules import TAG_MAX, check_name

    return checked(check_name, text, what="tag", limit=TAG_MAX)


def note_text(text: str | None, what: str = "note") -> str | None:
    from moviecli.rules import check_note

    return checked(check_note, text, what=what)


def parse_score(text: str) -> float:
    """SCORE as typed: 4, 4.5, 3.0. Half stars from 0.5 to 5."""
    try:
        value = float(text.strip())
    except ValueError:
        raise InvalidValueError(f"score must be a number from 0.5 to 5 (got '{text}')") from None
    from moviecli.rules import check_score

    return checked(check_score, value)


def user_name(option: str | None) -> str:
    """The user a command reads or writes as: --user, else $MOVIECLI_USER, else the login
    name; on a shared (PostgreSQL) catalog the default is the role logged in, and a
    writer may name only users its role may write as (store/members.py)."""
    state = _state()
    location = _location_of_command()
    shared = location is not None and _is_postgres(location)
    if shared and option is None and not os.environ.get(USER_ENV, "").strip():
        from moviecli.store.members import role_of

        assert location is not None
        name = role_of(location)
    else:
        name = current_user(option)
    from moviecli.rules import check_user_name

    name = checked(check_user_name, name)  # the one rule for user names
    if shared:
        state.setdefault("users", []).append(name)
        if (writer := state.get("writer")) is not None:
            writer.check_writer(name)
    return name


# The running command's root options ({"db": ...}), set by cli.py's callback for every
# invocation, so that nothing from one command reaches the next in the same process.
_command: ContextVar[dict[str, Any] | None] = ContextVar("moviecli_command", default=None)


def begin_command(options: dict[str, Any]) -> None:
    _command.set(options)


def _state() -> dict[str, Any]:
    """Per-invocation state of the members checks."""
    options = _command.get()
    if options is None:
        return {}
    state: dict[str, Any] = options.setdefault("members", {})
    return state


def _location_of_command() -> DatabaseLocation | None:
    options = _command.get()
    if options is None:
        return None
    return resolve_location(options.get("db"))


def _is_postgres(location: DatabaseLocation) -> bool:
    """As store.engine.is_postgres, without loading SQLAlchemy for an SQLite command."""
    return location.url.split(":", 1)[0].split("+", 1)[0] in ("postgresql", "postgres")


def _given(ctx: Any, name: str) -> bool:
    source = ctx.get_parameter_source(name)
    return source is not None and source.name != "DEFAULT"


def from_group(ctx: typer.Context, name: str, value: T) -> T:
    """An option a subcommand shares with its group (`--user`, `--format`): given before
    the subcommand (`watchlist -u ann add Heat`) it counts as given after it; given in
    both places with different values, it is a usage error."""
    parent = ctx.parent
    if parent is None or name not in parent.params or not _given(parent, name):
        return value
    theirs = parent.params[name]
    if _given(ctx, name) and theirs != value:
        raise typer.BadParameter(
            f"given twice, before and after '{ctx.info_name}' ({theirs} and {value})",
            ctx=ctx,
            param_hint=f"'{_flag(ctx, name)}'",
        )
    return theirs  # type: ignore[no-any-return]


def user_and_format(ctx: typer.Context, user: str | None, fmt: F) -> tuple[str | None, F]:
    """A group's subcommand's --user and --format, either given before it (from_group)."""
    return from_group(ctx, "user", user), from_group(ctx, "fmt", fmt)


def _flag(ctx: typer.Context, name: str) -> str:
    for param in ctx.command.params:
        if param.name == name and param.opts:
            return max(param.opts, key=len)
    return name


def subcommand_follows(ctx: typer.Context, shared: tuple[str, ...] = ("user", "fmt")) -> bool:
    """In a group's callback: True when a subcommand follows (the callback then does
    nothing). The group's own options (`diary --year 2024 delete 9`) do not apply to it,
    so giving them is a usage error rather than silently ignored. The `shared` ones are
    passed down (see from_group)."""
    if ctx.invoked_subcommand is None:
        return False
    for name in ctx.params:
        if name not in shared and _given(ctx, name):
            ctx.fail(
                f"{_flag(ctx, name)} goes with '{ctx.command_path}' alone, not with "
                f"'{ctx.invoked_subcommand}'"
            )
    return True


def users_rows(
    ctx: typer.Context, user: str | None, read: Callable[[UnitOfWork, int | None], T]
) -> T:
    """What a reader lists of one user's own: `read(uow, user_id)`, with user_id None
    for a name the catalog does not know yet (nothing of theirs)."""
    name = user_name(user)
    with unit_of_work(ctx, write=False) as uow:
        return read(uow, uow.users.id_of(name))


def confirm(question: str) -> bool:
    """Ask on stderr, read the answer from stdin: stdout stays the program's output
    (Click's confirm writes a space there). No answer (end of input) is no."""
    import sys

    while True:
        sys.stderr.write(f"{question} [y/N]: ")
        sys.stderr.flush()
        try:
            line = sys.stdin.readline()
        except KeyboardInterrupt:
            sys.stderr.write("\n")  # end the question's line before the error
            raise
        if not line:
            sys.stderr.write("\n")
            return False
        answer = line.strip().lower()
        if answer in ("y", "yes"):
            return True
        if answer in ("", "n", "no"):
            return False
        sys.stderr.write("Error: answer y or n\n")


def confirm_delete(question: str) -> None:
    """Ask before deleting; anything but yes refuses the command, nothing deleted."""
    if not confirm(question):
        raise MoviecliError("not confirmed; nothing was deleted (use --yes to skip the question)")


def interactive() -> bool:
    """A person at a terminal can be asked (stdin and stderr are terminals)."""
    import sys

    try:
        return sys.stdin.isatty() and sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


def choosing(run: Callable[[Picks], T]) -> T:
    """Run a command's work; when a reference names several of IMDb's films and a person
    is at the terminal, ask which one and run it again with the answer (the first run's
    transaction was rolled back: nothing changed). Elsewhere the refusal lists them.
    Lines about films brought into the catalog are said once the work has succeeded."""
    from moviecli.errors import ChoiceNeeded

    picks = Picks()
    while True:
        try:
            result = run(picks)
        except ChoiceNeeded as needed:
            if not interactive() or needed.ref.strip() in picks.chosen:
                raise
            picks.chosen[needed.ref.strip()] = _ask(needed)
            picks.brought.clear()
            continue
        if picks.brought:
            from moviecli import render

            for line in picks.brought:
                render.note(line)
        return result


def _ask(needed: Any) -> int:
    """The numbered choice: Enter takes the first (most voted), a number that one, q aborts."""
    import sys

    from moviecli.render import world as render_world

    films = needed.candidates
    render_world.choice(needed.ref, films)
    while True:
        sys.stderr.write(f"Which one? [1-{len(films)}, Enter = 1, q = quit] ")
        sys.stderr.flush()
        line = sys.stdin.readline()
        answer = line.strip().lower()
        if not line or answer in ("q", "quit"):
            if not line:
                sys.stderr.write("\n")
            raise MoviecliError("nothing chosen; nothing was changed")
        if not answer:
            return int(films[0].imdb_id[2:])
        if answer.isdigit() and 1 <= int(answer) <= len(films):
            return int(films[int(answer) - 1].imdb_id[2:])


def movie_to_write(uow: UnitOfWork, ref: str, picks: Picks) -> Movie:
    """The catalog movie a writing command names; an IMDb film is brought in first."""
    from moviecli.store.world import bring

    movie, brought = bring.resolve_or_bring(session=uow.session, ref=ref)
    if brought is not None:
        picks.brought.append(brought_line(movie.id, brought))
    return movie


def filter_movie_id(uow: UnitOfWork, ref: str | None) -> int | None:
    """The id of the movie a --movie filter names (None: no filter)."""
    if ref is None:
        return None
    return uow.movies.resolve_movie(ref=ref).saved_id


def brought_line(movie_id: int | None, film: Any) -> str:
    return (
        f"Brought {film.title} ({film.year or '?'}, {film.imdb_id}) into the catalog "
        f"as #{movie_id} with IMDb's details"
    )
