"""The `db` group: schema and file care. The only commands that load Alembic."""

# No `from __future__ import annotations`: Typer reads these signatures on every run, and
# real annotations spare it evaluating hundreds of strings (README, Performance).

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from moviecli.commands._shared import catalog
from moviecli.errors import DatabaseError, MoviecliError

if TYPE_CHECKING:
    from collections.abc import Callable

    from sqlalchemy import Engine

    from moviecli.store.catalog import Catalog
    from moviecli.store.migrate import MigrationResult

app = typer.Typer(help="Schema and file care: upgrade, check, back up.", no_args_is_help=True)


def _existing_catalog(ctx: typer.Context) -> "Catalog":
    target = catalog(ctx)
    target.require_existing()
    return target


@app.command()
def path(ctx: typer.Context) -> None:
    """Print where the catalog lives."""
    from moviecli import render

    location = catalog(ctx).location
    render.plain(location.display)
    if location.path is not None and not location.path.exists():
        render.note("(it does not exist yet: the first command that needs it will create it)")


@app.command()
def upgrade(
    ctx: typer.Context,
    revision: Annotated[
        str, typer.Argument(metavar="REVISION", help="Target revision (default: the newest).")
    ] = "head",
) -> None:
    """Upgrade the catalog's schema (after a backup copy beside the file)."""
    from moviecli.store import migrate

    target = catalog(ctx)
    _migrated(
        target,
        migrate.upgrade,
        revision,
        lambda r: f"Upgraded {target.location.display} from {r.before or 'empty'} to {r.after}.",
    )


def _migrated(
    target: "Catalog",
    step: "Callable[[Engine, str], MigrationResult]",
    revision: str,
    done: "Callable[[MigrationResult], str]",
) -> None:
    """Run an upgrade or downgrade to `revision`; say what changed and where the copy is."""
    from moviecli import render
    from moviecli.store.backup import PG_DUMP_ADVICE

    try:
        result = step(target.engine, revision)
    finally:
        target.dispose()
    if not result.steps:
        render.note(f"Already at revision {result.after or 'base'}; nothing to do.")
        return
    render.note(done(result))
    if result.backup is not None:
        render.note(f"A copy of the catalog as it was is at {result.backup}")
    elif result.server:
        render.note(f"No copy was made: {PG_DUMP_ADVICE}")


@app.command()
def downgrade(
    ctx: typer.Context,
    revision: Annotated[
        str,
        typer.Argument(
            metavar="REVISION",
            help="Target revision ('base' removes every table).",
            show_default=False,
        ),
    ],
) -> None:
    """Downgrade the catalog's schema (after a backup copy beside the file)."""
    from moviecli.store import migrate

    _migrated(
        _existing_catalog(ctx),
        migrate.downgrade,
        revision,
        lambda r: f"Downgraded from {r.before} to {r.after or 'base'}.",
    )


@app.command()
def current(ctx: typer.Context) -> None:
    """Print the catalog's schema revision."""
    from moviecli import render
    from moviecli.store.schema import head, read_revision

    target = _existing_catalog(ctx)
    try:
        revision, _ = read_revision(target.engine)
    finally:
        target.dispose()
    if revision is None:
        render.plain("none")
        return
    mark = " (head)" if revision == head() else ""
    render.plain(f"{revision}{mark}")


@app.command()
def history(ctx: typer.Context) -> None:
    """List the catalog's format versions (schema revisions), newest first: which one
    this moviecli writes (head) and which one the catalog is at (current)."""
    from moviecli import render
    from moviecli.store import migrate
    from moviecli.store.schema import read_revision

    current_rev = None
    target = catalog(ctx)
    if target.location.path is None or target.location.path.exists():
        try:
            current_rev, _ = read_revision(target.engine)
        finally:
            target.dispose()
    scripts = migrate.script_directory()
    heads = set(scripts.get_heads())
    render.revisions(
        [
            (s.revision, s.doc or "", s.revision in heads, s.revision == current_rev)
            for s in scripts.walk_revisions()
        ]
    )


@app.command()
def check(ctx: typer.Context) -> None:
    """Check integrity, foreign keys, rating aggregates and the schema revision."""
    from moviecli import render
    from moviecli.store.repo.stats import Stats
    from moviecli.store.schema import head, read_revision, revisions

    target = _existing_catalog(ctx)
    try:
        revision, _ = read_revision(target.engine)
        problems: list[str] = []
        if revision != head():
            problems.append(
                f"schema: at revision {revision or 'none'}, this moviecli expects {head()}"
            )
        if revision in revisions():
            with target.session(write=False, check_schema=False) as s:
                problems += Stats(s).integrity_problems()
    finally:
        target.dispose()
    if problems:
        for line in problems:
            render.note(line)
        raise DatabaseError(f"{len(problems)} problem(s) found in {target.location.display}")
    render.plain(
        f"ok: {target.location.display} passed integrity, foreign key and aggregate checks "
        f"at revision {revision}"
    )


@app.command()
def backup(
    ctx: typer.Context,
    file: Annotated[
        Path, typer.Argument(metavar="FILE", help="Where to write the copy.", show_default=False)
    ],
    force: Annotated[
        bool, typer.Option("--force", help="Replace FILE if it exists.", show_default=False)
    ] = False,
) -> None:
    """Copy the catalog to FILE with SQLite's online backup (safe while in use)."""
    from moviecli import render
    from moviecli.outfile import output_path, plan
    from moviecli.store.backup import PG_DUMP_ADVICE, copy_into, database_file

    plan(file, force=force, what="backup")  # refuse before the catalog is opened
    target = _existing_catalog(ctx)
    try:
        if database_file(target.engine) is None:
            raise MoviecliError(PG_DUMP_ADVICE)
        with output_path(file, force=force, what="backup") as staged:
            copy_into(target.engine, staged)
    finally:
        target.dispose()
    render.note(f"Backed up {target.location.display} to {file}")


members_app = typer.Typer(
    help="Members of a shared (PostgreSQL) catalog: list, add, remove (owner or admins).",
    invoke_without_command=True,
)
app.add_typer(members_app, name="members")


@members_app.callback()
def members_list(
    ctx: typer.Context,
    fmt: Annotated[
        str,
        typer.Option(
            "--format", "-f", help="Output as a table, JSON or CSV.", metavar="table|json|csv"
        ),
    ] = "table",
) -> None:
    """List the catalog's members with their counts (owner or admins only)."""
    if ctx.invoked_subcommand is not None:
        return
    from moviecli.commands._shared import unit_of_work
    from moviecli.options import OutputFormat
    from moviecli.render.members import MemberPublic, members

    try:
        chosen = OutputFormat(fmt.lower())
    except ValueError:
        raise typer.BadParameter("must be table, json or csv", param_hint="'--format'") from None
    with unit_of_work(ctx, write=False) as uow:
        uow.members.require_shared()
        rows = uow.members.members()
    members(
        [
            MemberPublic(
                name=m.name,
                role=m.kind,
                ratings=m.ratings,
                viewings=m.viewings,
                lists=m.lists,
                watchlist=m.watchlist,
            )
            for m in rows
        ],
        chosen,
    )


def _member_name(name: str) -> str:
    from moviecli.rules import check_user_name

    try:
        name = check_user_name(name)
    except ValueError as error:
        raise MoviecliError(f"invalid member name: {error}") from None
    if len(name.encode()) > 63 or name.lower().startswith("pg_"):
        raise MoviecliError(
            f"'{name}' cannot be a PostgreSQL role name (at most 63 bytes, not starting pg_)"
        )
    return name


@members_app.command("add")
def members_add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(metavar="NAME", help="The member's login role.")],
    admin: Annotated[
        bool, typer.Option("--admin", help="May manage members and delete used films.")
    ] = False,
    guest: Annotated[
        bool, typer.Option("--guest", help="Read-only: sees what members made public.")
    ] = False,
) -> None:
    """Create NAME's login role (or take an existing one) with a member's rights. No
    password is set: the member sets it with psql's \\password, or the server's admin."""
    from moviecli import render
    from moviecli.commands._shared import unit_of_work

    if admin and guest:
        raise MoviecliError("--admin and --guest: give one of them")
    name = _member_name(name)
    kind = "admin" if admin else "guest" if guest else "member"
    with unit_of_work(ctx, write=True) as uow:
        uow.members.require_shared()
        uow.members.add_member(name=name, kind=kind)
    render.note(
        f"{name} is now a{'n' if kind == 'admin' else ''} {kind} of this catalog. "
        f"Give the role a password (psql: \\password {name}), then they connect as {name}."
    )


@members_app.command("remove")
def members_remove(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(metavar="NAME", help="The member's login role.")],
    keep_data: Annotated[
        bool,
        typer.Option(
            "--keep-data",
            help="Keep their ratings, diary and lists (as a user with no role).",
        ),
    ] = False,
) -> None:
    """Take NAME's membership and drop the login role; their data goes too unless --keep-data."""
    from moviecli import render
    from moviecli.commands._shared import unit_of_work

    with unit_of_work(ctx, write=True) as uow:
        uow.members.require_shared()
        dropped = uow.members.remove_member(name=name, keep_data=keep_data)
    kept = "their data is kept" if keep_data else "their ratings, diary and lists went too"
    role = "the role was dropped" if dropped else "the role stays (it owns things elsewhere)"
    render.note(f"{name} is no longer a member: {kept}; {role}.")
