"""The Typer app: global options and the one place errors become `Error: ...` lines.

Only typer and the standard library are imported at module level, so that
`moviecli --help` and `--version` never load the database layer."""

# No `from __future__ import annotations`: Typer reads these signatures on every run, and
# real annotations spare it evaluating hundreds of strings (README, Performance).

import contextlib
import os
import re
import signal
import sys
import traceback
from typing import Annotated, Any

import typer
from typer.core import TyperArgument, TyperGroup

from moviecli import __version__, startup
from moviecli.errors import MoviecliError

DEBUG_ENV = "MOVIECLI_DEBUG"
INTERRUPTED = "interrupted; nothing was changed"
_NUMBER = re.compile(r"^-\d*\.?\d+$")
# Set by the handler: after cleaning up, main() ends the process by this signal, as a
# Unix tool does, so that a shell loop stops on Ctrl-C and `| head` stays quiet.
_ending_signal: list[int] = []


def _debug() -> bool:
    return os.environ.get(DEBUG_ENV, "") not in ("", "0")


def _fail(message: str, code: int) -> typer.Exit:
    from moviecli.render.text import visible

    # Messages quote what the user gave (titles, paths): never raw control characters.
    print(f"Error: {visible(message)}", file=sys.stderr)
    return typer.Exit(code)


def _is_click_error(error: BaseException) -> bool:
    """Typer's own usage errors (vendored Click: matched by name, no import)."""
    return any(cls.__name__ == "ClickException" for cls in type(error).__mro__)


def _explain_negative_number(error: Any, given: list[str]) -> None:
    """`rate 1 -1`, `add "-1 Minute"`: the parser took the value for an option; say so,
    and how to pass it, in the words of the command at hand."""
    name = getattr(error, "option_name", "") or ""
    if not _NUMBER.match(name):
        return
    ctx = getattr(error, "ctx", None)
    path = ctx.command_path if ctx is not None else "moviecli COMMAND"
    typed = next((a for a in given if a.startswith(name)), name)
    import shlex

    is_rate = ctx is not None and ctx.info_name == "rate"
    scores = "Scores are 0.5 to 5; t" if is_rate else "T"
    path += " MOVIE" if is_rate else ""
    error.message = (
        f"{name} was read as an option. {scores}o give a value that starts with '-', put "
        f"'--' before it (for example: {path} -- {shlex.quote(typed)})"
    )


def _database_message(ctx: Any, error: BaseException) -> str:
    from moviecli.config import resolve_location
    from moviecli.store.engine import translate_error

    location = resolve_location((ctx.obj or {}).get("db"))
    return str(translate_error(error, location))


class MoviecliGroup(TyperGroup):
    """Runs every command (the `db` group's too) inside one error handler."""

    def invoke(self, ctx: Any) -> Any:
        given = [*getattr(ctx, "_protected_args", []), *ctx.args]  # what follows the options
        try:
            return super().invoke(ctx)
        except MoviecliError as error:
            if _debug():
                traceback.print_exc()
            raise _fail(str(error), error.exit_code) from None
        except KeyboardInterrupt:
            _ending_signal.append(signal.SIGINT)
            raise _fail(INTERRUPTED, 130) from None
        except BrokenPipeError:
            # The reader of our output is gone (`| head`): nothing to say, no one to say it to.
            _ending_signal.append(getattr(signal, "SIGPIPE", signal.SIGTERM))
            raise typer.Exit(141) from None
        except (typer.Exit, typer.Abort, SystemExit):
            raise
        except Exception as error:
            if _is_click_error(error):  # usage errors, and a group's help when it has no command
                if type(error).__name__ == "NoSuchOption":
                    _explain_negative_number(error, given)
                raise
            if _debug():
                raise
            if type(error).__module__.startswith(("sqlalchemy", "sqlite3")):
                raise _fail(_database_message(ctx, error), 1) from None
            if isinstance(error, OSError):
                where = f"{error.filename}: " if error.filename else ""
                raise _fail(f"{where}{error.strerror or error}", 1) from None
            raise _fail(
                f"unexpected {type(error).__name__}: {error} (run with {DEBUG_ENV}=1 for details)",
                1,
            ) from None


def _argument_help_type(self: Any, ctx: Any) -> None:
    """An argument's help shows its metavar (MOVIE, TAG...) and no Python type beside it
    (Typer would print `TAG... <list[str]>`)."""
    return None


TyperArgument.display_type_rich = _argument_help_type  # type: ignore[method-assign]


app = typer.Typer(
    cls=MoviecliGroup,
    name="moviecli",
    help="Keep your movies and half-star ratings in a local catalog, and ask it what is best.",
    no_args_is_help=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        print(f"moviecli {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    ctx: typer.Context,
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            metavar="PATH|URL",
            help="Catalog file or SQLAlchemy URL (default: $MOVIECLI_DB, else the data folder).",
            show_default=False,
        ),
    ] = None,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
) -> None:
    if db is not None and not db.strip():
        raise typer.BadParameter(
            "must not be empty (leave --db out to use $MOVIECLI_DB or the default catalog)",
            param_hint="'--db'",
        )
    ctx.obj = {"db": db}
    from moviecli.commands._shared import begin_command

    begin_command(ctx.obj)


def _register() -> None:
    from moviecli.commands import (
        catalog,
        db,
        diary,
        find,
        imdb,
        io,
        lists,
        people,
        privacy,
        ratings,
        recommend,
        tags,
        watchlist,
    )

    catalog.register(app)
    find.register(app)
    ratings.register(app)
    diary.register(app)
    watchlist.register(app)
    lists.register(app)
    tags.register(app)
    people.register(app)
    io.register(app)
    recommend.register(app)
    privacy.register(app)
    imdb.register(app)
    app.add_typer(db.app, name="db")


_register()


def _end_by(signum: int) -> None:
    """End the process by `signum` with its default action, as a shell expects."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    signal.signal(signum, signal.SIG_DFL)
    os.kill(os.getpid(), signum)


def main() -> None:
    """The console script (and `python -m moviecli`). See moviecli/startup.py."""
    startup.pause()
    try:
        try:
            app()
        finally:
            sys.stdout.flush()  # a closed pipe shows here when the output was buffered
    except BrokenPipeError:
        _ending_signal.append(getattr(signal, "SIGPIPE", signal.SIGTERM))
    except KeyboardInterrupt:  # outside a command (while Python loads it): the same line
        print(f"Error: {INTERRUPTED}", file=sys.stderr)
        _ending_signal.append(signal.SIGINT)
    finally:
        startup.at_exit()
        if _ending_signal:
            _end_by(_ending_signal[0])


if __name__ == "__main__":
    main()
