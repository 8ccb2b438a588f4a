"""The catalog a command works on, and its unit of work: one transaction per command.

`unit_of_work(catalog, write=...)` is the way in for a command. It owns "this catalog must
exist" (NoCatalogError, the one wording), answers a reader or a dry run from an empty
scratch catalog where nothing is there yet, hands out the repositories bound to its
session (`uow.users`, the one place a name becomes a user; `uow.movies`, `uow.ratings`,
`uow.diary`, ...), commits at the end, and rolls back on any error, on Ctrl-C (see
`Catalog.session`) and for a dry run."""

from __future__ import annotations

import shutil
import signal
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine
from sqlmodel import Session

from moviecli.config import DatabaseLocation, resolve_location
from moviecli.errors import BlankCatalogError, NoCatalogError
from moviecli.store.engine import make_engine
from moviecli.store.migrate import ensure_schema

if TYPE_CHECKING:
    from moviecli.store.members import Members
    from moviecli.store.repo.diary import Diary
    from moviecli.store.repo.dump import Dump
    from moviecli.store.repo.lists import Lists
    from moviecli.store.repo.movies import Movies
    from moviecli.store.repo.people import People
    from moviecli.store.repo.ratings import Ratings
    from moviecli.store.repo.stats import Stats
    from moviecli.store.repo.tags import Tags
    from moviecli.store.repo.taste import Taste
    from moviecli.store.repo.users import Users
    from moviecli.store.repo.watchlist import Watchlist

# SQLite gives a new row the highest id + 1; PostgreSQL's sequences move on past ids
# freed by a delete or taken by a rolled-back command (a Ctrl-C'd import), so the same
# `add` would print another id. A writer (holding the write lock, so no one else is
# inserting) first sets every sequence (one per table here) to where SQLite would be,
# through a function of the catalog's owner: a member's max(id) would miss the rows
# that row security hides from them (migration 0007).
SEQUENCED_TABLES = ("movies", "users", "genres", "tags", "viewings", "lists", "people")
NEXT_IDS_AS_SQLITE = (
    "SELECT moviecli_sync_ids(ARRAY[" + ", ".join(f"'{t}'" for t in SEQUENCED_TABLES) + "])"
)


class Catalog:
    """The catalog a command works on: its location and, once opened, its engine."""

    def __init__(self, location: DatabaseLocation) -> None:
        self.location = location
        self._engine: Engine | None = None

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            self._engine = make_engine(self.location)
        return self._engine

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @property
    def missing(self) -> bool:
        """An SQLite catalog whose file is not there (a PostgreSQL one is always there)."""
        path = self.location.path
        return path is not None and not path.exists()

    def require_existing(self) -> None:
        """Refuse a catalog that is not there: the one check and the one wording."""
        if self.missing:
            raise NoCatalogError(self.location.path)

    @contextmanager
    def session(
        self,
        *,
        write: bool,
        check_schema: bool = True,
        foreign_keys: bool = True,
        create: bool | None = None,
        commit: bool = True,
    ) -> Iterator[Session]:
        """One transaction for one command: commit at the end (roll back instead when not
        `commit`: a dry run), roll back on any error.
        Writers take the catalog's write lock first (SQLite: BEGIN IMMEDIATE; PostgreSQL:
        an advisory lock). `foreign_keys=False` turns SQLite's per-row reference checks
        off for a writer that checks its references itself (import). Only a writer creates
        the schema of a blank catalog (`create`, default: `write`); others get
        BlankCatalogError."""
        if check_schema:
            ensure_schema(self.engine, self.location, create=write if create is None else create)
        bind = self.engine.execution_options(immediate=write, foreign_keys=foreign_keys)
        with Session(bind, expire_on_commit=False, autoflush=True) as session, _sigint() as caught:
            try:
                if write and check_schema and self.dialect == "postgresql":
                    session.connection().exec_driver_sql(NEXT_IDS_AS_SQLITE)
                yield session
                if caught:
                    # The KeyboardInterrupt was raised where Python ignores exceptions
                    # (an import-lock or weakref callback, a __del__) and the command
                    # went on: Ctrl-C still means nothing is committed.
                    raise KeyboardInterrupt
                if commit:
                    session.commit()
                else:
                    session.rollback()
            except BaseException as error:
                if not caught and not isinstance(error, KeyboardInterrupt):
                    session.rollback()
                    raise
                # Ctrl-C may land inside a driver call (psycopg cancels the query and
                # raises its own error; mid-statement the connection stays busy, so a
                # ROLLBACK fails, and the pool's own reset would print that failure with
                # its traceback). On PostgreSQL the connection is closed unasked: the
                # server aborts the transaction all the same, and Ctrl-C stays the answer.
                try:
                    if self.dialect == "postgresql":
                        session.invalidate()
                    else:
                        session.rollback()
                except Exception:
                    with suppress(Exception):
                        session.invalidate()
                if isinstance(error, KeyboardInterrupt):
                    raise
                raise KeyboardInterrupt from error

    def dispose(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None


class UnitOfWork:
    """One command's transaction: the repositories over its session (each built on first
    use, so that a command loads only the ones it uses), and whether it writes and
    whether it is a dry run (rolled back at the end, whatever happened)."""

    def __init__(self, session: Session, *, writes: bool, dry_run: bool) -> None:
        self.session = session
        self.writes = writes
        self.dry_run = dry_run

    @property
    def world(self) -> bool:
        """IMDb's films are readable in this transaction (as imdb.*)."""
        return bool(self.session.info.get("world"))

    @cached_property
    def users(self) -> Users:
        from moviecli.store.repo.users import Users

        return Users(self.session, writes=self.writes)

    @cached_property
    def movies(self) -> Movies:
        from moviecli.store.repo.movies import Movies

        return Movies(self.session)

    @cached_property
    def ratings(self) -> Ratings:
        from moviecli.store.repo.ratings import Ratings

        return Ratings(self.session)

    @cached_property
    def diary(self) -> Diary:
        from moviecli.store.repo.diary import Diary

        return Diary(self.session)

    @cached_property
    def watchlist(self) -> Watchlist:
        from moviecli.store.repo.watchlist import Watchlist

        return Watchlist(self.session)

    @cached_property
    def lists(self) -> Lists:
        from moviecli.store.repo.lists import Lists

        return Lists(self.session)

    @cached_property
    def tags(self) -> Tags:
        from moviecli.store.repo.tags import Tags

        return Tags(self.session)

    @cached_property
    def people(self) -> People:
        from moviecli.store.repo.people import People

        return People(self.session)

    @cached_property
    def stats(self) -> Stats:
        from moviecli.store.repo.stats import Stats

        return Stats(self.session)

    @cached_property
    def taste(self) -> Taste:
        from moviecli.store.repo.taste import Taste

        return Taste(self.session)

    @cached_property
    def members(self) -> Members:
        from moviecli.store.members import Members

        return Members(self.session)

    @cached_property
    def dump(self) -> Dump:
        from moviecli.store.repo.dump import Dump

        return Dump(self.session)


@contextmanager
def unit_of_work(
    target: Catalog,
    *,
    write: bool,
    dry_run: bool = False,
    foreign_keys: bool = True,
    world: bool = False,
) -> Iterator[UnitOfWork]:
    """The unit of work of one command on `target`; writers take the write lock first.

    A writer creates a missing catalog. A reader or a dry run never creates or migrates
    anything: a catalog named by --db or $MOVIECLI_DB that does not exist is refused to a
    reader (a typo must not answer "no movies"); a missing default catalog, a database
    with nothing in it yet (an empty file, a new PostgreSQL database) and, for a dry run,
    any missing catalog answer as an empty catalog (a scratch one, removed at the end),
    so that the first `moviecli list` creates nothing."""
    creates = write and not dry_run
    with ExitStack() as stack:
        stack.callback(lambda: target.dispose())
        blank = not creates and target.missing
        if blank and not write and not target.location.is_default:
            target.require_existing()
        attached = False
        if not blank:
            attached = world and _attach_world(target)
            try:
                session = stack.enter_context(
                    target.session(
                        write=write, foreign_keys=foreign_keys, create=creates, commit=not dry_run
                    )
                )
            except BlankCatalogError:
                target.dispose()
                blank = True
        if blank:
            target = _scratch(stack)
            attached = world and _attach_world(target)
            session = stack.enter_context(
                target.session(
                    write=write, foreign_keys=foreign_keys, create=True, commit=not dry_run
                )
            )
        session.info["world"] = attached
        yield UnitOfWork(session, writes=write, dry_run=dry_run)


def _attach_world(target: Catalog) -> bool:
    """Make IMDb's films readable as imdb.* (SQLite attaches on connect: before any
    session opens); False when there is no world."""
    from moviecli.store.world.location import attach_world

    return attach_world(target.engine)


def _scratch(stack: ExitStack) -> Catalog:
    """An empty catalog in a temporary folder, removed when `stack` closes."""
    folder = Path(tempfile.mkdtemp(prefix="moviecli-empty-"))
    stack.callback(shutil.rmtree, folder, True)
    scratch = Catalog(resolve_location(str(folder / "movies.db")))
    stack.callback(scratch.dispose)
    return scratch


@contextmanager
def _sigint() -> Iterator[list[int]]:
    """Within: Ctrl-C raises KeyboardInterrupt as usual and is also remembered (the
    list is not empty afterwards). Left alone where Ctrl-C is not Python's default
    (ignored in a background job, or the embedding program's own handler)."""
    caught: list[int] = []
    if (
        threading.current_thread() is not threading.main_thread()
        or signal.getsignal(signal.SIGINT) is not signal.default_int_handler
    ):
        yield caught
        return

    def remember(signum: int, _frame: object) -> None:
        caught.append(signum)
        raise KeyboardInterrupt

    unraisable = sys.unraisablehook

    def quiet(info: Any) -> None:
        # Python would print that ignored KeyboardInterrupt with its traceback; the
        # command ends with its one line instead.
        if not (caught and isinstance(info.exc_value, KeyboardInterrupt)):
            unraisable(info)

    signal.signal(signal.SIGINT, remember)
    sys.unraisablehook = quiet
    try:
        yield caught
    finally:
        sys.unraisablehook = unraisable
        signal.signal(signal.SIGINT, signal.default_int_handler)
