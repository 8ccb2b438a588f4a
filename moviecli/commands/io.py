"""import and export. Thin: parse the arguments, open the source, hand it to the loader
inside one transaction, render the summary. Only typer and the standard library at
module level, so `moviecli --help` stays fast."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from moviecli.commands._shared import catalog, unit_of_work, user_name
from moviecli.options import UserOption


class ImportFrom(StrEnum):
    movielens = "movielens"
    letterboxd = "letterboxd"
    imdb = "imdb"
    trakt = "trakt"
    netflix = "netflix"
    moviecli = "moviecli"


class ImportAs(StrEnum):
    watched = "watched"
    watchlist = "watchlist"
    likes = "likes"


class ExportFormat(StrEnum):
    json = "json"
    csv = "csv"
    letterboxd = "letterboxd"


def import_(
    ctx: typer.Context,
    path: Annotated[
        Path,
        typer.Argument(
            metavar="PATH",
            help="A MovieLens folder or .zip, a Letterboxd or Trakt export (folder or .zip; a "
            "Letterboxd CSV), an IMDb ratings, watchlist or list CSV, a Netflix viewing "
            "history, or a moviecli export (JSON or CSV); - reads standard input.",
            show_default=False,
        ),
    ],
    from_: Annotated[
        ImportFrom | None,
        typer.Option(
            "--from",
            help="The format, when the header or the folder's files do not tell it.",
            case_sensitive=False,
            show_default=False,
        ),
    ] = None,
    user: UserOption = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Report what would change; write nothing.")
    ] = False,
    strict: Annotated[
        bool, typer.Option("--strict", help="Fail, changing nothing, on the first bad row.")
    ] = False,
    date_format: Annotated[
        str | None,
        typer.Option(
            "--date-format",
            metavar="FORMAT",
            help="How a Netflix history writes dates, e.g. %m/%d/%y (US) or %d/%m/%y.",
            show_default=False,
        ),
    ] = None,
    as_: Annotated[
        ImportAs | None,
        typer.Option(
            "--as",
            help="What a Letterboxd CSV not named watched.csv or watchlist.csv is (they "
            "share one header): films seen, films to see, or liked films.",
            case_sensitive=False,
            show_default=False,
        ),
    ] = None,
) -> None:
    """Import movies, ratings and diaries from MovieLens, Letterboxd, IMDb, Trakt, Netflix
    or a moviecli export."""
    from moviecli import render
    from moviecli.importers.detect import open_source, stdin_copy
    from moviecli.importers.load import Loader

    with stdin_copy(path) as readable:
        source = open_source(
            readable,
            fmt=from_.value if from_ else None,
            user=user_name(user),
            date_format=date_format,
            as_=as_.value if as_ else None,
        )
        with (
            render.import_progress() as progress,
            unit_of_work(ctx, write=True, foreign_keys=False, dry_run=dry_run) as uow,
        ):
            # The loader checks the references it writes (Loader.check_references); a
            # dry run's unit of work rolls everything back at the end.
            summary = Loader(uow, source, strict=strict, progress=progress).run()
    summary.dry_run = dry_run
    render.import_summary(summary)


def export(
    ctx: typer.Context,
    output: Annotated[
        str,
        typer.Option(
            "--output",
            "-o",
            metavar="FILE",
            help="Write to this file; - is standard output (the default).",
            show_default=False,
        ),
    ] = "-",
    fmt: Annotated[
        ExportFormat,
        typer.Option(
            "--format",
            "-f",
            help="json: everything, for moviecli to import; csv: ratings for a spreadsheet; "
            "letterboxd: one user's diary and ratings as Letterboxd's import CSV.",
            case_sensitive=False,
        ),
    ] = ExportFormat.json,
    user: Annotated[
        str | None,
        typer.Option(
            "--user",
            "-u",
            metavar="USER",
            help="--format letterboxd: whose diary (default: $MOVIECLI_USER, else your login).",
            show_default=False,
        ),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Replace FILE if it exists.", show_default=False)
    ] = False,
) -> None:
    """Export the catalog: JSON (everything), CSV (ratings with titles and years) or a
    user's diary for Letterboxd."""
    from moviecli import render
    from moviecli.exporters import letterboxd, moviecli_json, ratings_csv
    from moviecli.outfile import STDOUT, open_output, plan
    from moviecli.render.text import plural
    from moviecli.store.schema import head

    if user is not None and fmt is not ExportFormat.letterboxd:
        from moviecli.errors import InvalidValueError

        raise InvalidValueError(
            f"--user goes with --format letterboxd (one user's diary); --format {fmt.value} "
            "exports every user's data"
        )
    catalog(ctx).require_existing()
    plan(output, force=force)  # refuse before the catalog is read
    with unit_of_work(ctx, write=False) as uow, open_output(output, force=force) as stream:
        if fmt is ExportFormat.json:
            counts = moviecli_json.write_json(uow, stream, revision=head())
            what = f"{plural(counts['movies'], 'movie')}, {plural(counts['ratings'], 'rating')}"
        elif fmt is ExportFormat.letterboxd:
            rows = letterboxd.write_letterboxd(uow, stream, user=user_name(user))
            what = plural(rows, "diary row")
        else:
            what = plural(ratings_csv.write_csv(uow, stream), "rating")
    if output != STDOUT:
        render.note(f"Exported {what} to {output}")


def register(app: typer.Typer) -> None:
    app.command("import")(import_)
    app.command("export")(export)
