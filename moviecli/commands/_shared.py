"""What every command needs: the catalog it works on, validation, values parsed once."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import typer

from moviecli import startup
from moviecli.config import USER_ENV, DatabaseLocation, current_user, resolve_location
from moviecli.errors import InvalidValueError

if TYPE_CHECKING:
    from pydantic import BaseModel
    from sqlmodel import Session

    from moviecli.store.catalog import Catalog

M = TypeVar("M", bound="BaseModel")
T = TypeVar("T")


def catalog(ctx: typer.Context) -> Catalog:
    from moviecli.store.catalog import Catalog

    # The command's modules are loaded by now: collect garbage again (see startup.py).
    startup.resume()

    root = ctx.find_root()
    option = (root.obj or {}).get("db")
    return Catalog(resolve_location(option))


@contextmanager
def session(
    ctx: typer.Context, *, write: bool, foreign_keys: bool = True, dry_run: bool = False
) -> Iterator[Session]:
    """One transaction for the command; writers take the write lock first.

    A writer creates a missing catalog. A reader or a dry run never creates or migrates
    anything: a catalog named by --db or $MOVIECLI_DB that does not exist is refused to a
    reader (a typo must not answer "no movies"); a missing default catalog, a database
    with nothing in it yet (an empty file, a new PostgreSQL database) and, for a dry run,
    any missing catalog answer as an empty catalog (a scratch one, removed at the end),
    so that the first `moviecli list` creates nothing."""
    from moviecli.errors import BlankCatalogError

    target = catalog(ctx)
    path = target.location.path
    creates = write and not dry_run
    with ExitStack() as stack:
        stack.callback(lambda: target.dispose())
        blank = not creates and path is not None and not path.exists()
        if blank and not write and not target.location.is_default:
            from moviecli.errors import NotFoundError

            raise NotFoundError(f"no catalog at {path}")
        if not blank:
            try:
                s = stack.enter_context(
                    target.session(write=write, foreign_keys=foreign_keys, create=creates)
                )
            except BlankCatalogError:
                target.dispose()
                blank = True
        if blank:
            target = _scratch(stack)
            s = stack.enter_context(
                target.session(write=write, foreign_keys=foreign_keys, create=True)
            )
        state = _state()
        if write and s.get_bind().dialect.name == "postgresql":
            # A shared catalog: the users this command named must be ones the login
            # role may write as (named now, or later while the session is open).
            from moviecli.store import members

            for name in state.get("users", ()):
                members.check_writer(s, name)
            state["writer"] = s
        try:
            yield s
        finally:
            state.pop("writer", None)


def _scratch(stack: ExitStack) -> Catalog:
    """An empty catalog in a temporary folder, removed when `stack` closes."""
    from moviecli.store.catalog import Catalog

    folder = Path(tempfile.mkdtemp(prefix="moviecli-empty-"))
    stack.callback(shutil.rmtree, folder, True)
    scratch = Catalog(resolve_location(str(folder / "movies.db")))
    stack.callback(scratch.dispose)
    return scratch


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


def parse_score(text: str) -> float:
    """SCORE as typed: 4, 4.5, 3.0. Half stars from 0.5 to 5."""
    try:
        value = float(text.strip())
    except ValueError:
        raise InvalidValueError(f"score must be a number from 0.5 to 5 (got '{text}')") from None
    from moviecli.rules import check_score

    try:
        return check_score(value)
    except ValueError as error:
        raise InvalidValueError(str(error)) from None


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

    try:  # the one rule for user names (blank, length, control characters)
        name = check_user_name(name)
    except ValueError as error:
        raise InvalidValueError(str(error)) from None
    if shared:
        state.setdefault("users", []).append(name)
        if (writer := state.get("writer")) is not None:
            from moviecli.store import members

            members.check_writer(writer, name)
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


def _flag(ctx: typer.Context, name: str) -> str:
    for param in ctx.command.params:
        if param.name == name and param.opts:
            return max(param.opts, key=len)
    return name


def group_only(ctx: typer.Context, shared: tuple[str, ...] = ("user", "fmt")) -> None:
    """In a group's callback when a subcommand follows: the group's own options (`diary
    --year 2024 delete 9`) do not apply to it, so giving them is a usage error rather
    than silently ignored. The `shared` ones are passed down (see from_group)."""
    for name in ctx.params:
        if name not in shared and _given(ctx, name):
            ctx.fail(
                f"{_flag(ctx, name)} goes with '{ctx.command_path}' alone, not with "
                f"'{ctx.invoked_subcommand}'"
            )


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
