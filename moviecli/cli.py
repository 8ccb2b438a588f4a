"""The Typer app: global options and the one place errors become `Error: ...` lines.

Only typer and the standard library are imported at module level, so that
`moviecli --help` and `--version` never load the database layer."""

# No `from __future__ import annotations`: Typer reads these signatures on every run, and
# real annotations spare it evaluating hundreds of strings (~8 ms of each command).

import os
import sys
import traceback
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from moviecli import __version__, startup
from moviecli.errors import MoviecliError

DEBUG_ENV = "MOVIECLI_DEBUG"


def _debug() -> bool:
    return os.environ.get(DEBUG_ENV, "") not in ("", "0")


def _fail(message: str, code: int) -> typer.Exit:
    print(f"Error: {message}", file=sys.stderr)
    return typer.Exit(code)


def _database_message(ctx: Any, error: BaseException) -> str:
    from moviecli.config import resolve_location
    from moviecli.store.engine import translate_error

    location = resolve_location((ctx.obj or {}).get("db"))
    return str(translate_error(error, location))


class MoviecliGroup(TyperGroup):
    """Runs every command (the `db` group's too) inside one error handler."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except MoviecliError as error:
            if _debug():
                traceback.print_exc()
            raise _fail(str(error), error.exit_code) from None
        except KeyboardInterrupt:
            raise _fail("interrupted; nothing was changed", 130) from None
        except (typer.Exit, typer.Abort, SystemExit):
            raise
        except Exception as error:
            if _debug():
                raise
            if getattr(error, "exit_code", None) is not None and type(error).__name__.endswith(
                ("UsageError", "BadParameter", "NoSuchOption", "MissingParameter")
            ):
                raise
            if type(error).__module__.startswith(("sqlalchemy", "sqlite3")):
                raise _fail(_database_message(ctx, error), 1) from None
            if isinstance(error, OSError):
                raise _fail(f"{error.strerror or error}", 1) from None
            raise _fail(
                f"unexpected {type(error).__name__}: {error} (run with {DEBUG_ENV}=1 for details)",
                1,
            ) from None


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
    ctx.obj = {"db": db}


def _register() -> None:
    from moviecli.commands import catalog, db, diary, io, ratings, recommend

    catalog.register(app)
    ratings.register(app)
    diary.register(app)
    io.register(app)
    recommend.register(app)
    app.add_typer(db.app, name="db")


_register()


def main() -> None:
    """The console script (and `python -m moviecli`). See moviecli/startup.py."""
    startup.pause()
    try:
        app()
    finally:
        startup.at_exit()


if __name__ == "__main__":
    main()
