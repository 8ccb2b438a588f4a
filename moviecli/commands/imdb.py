"""`imdb sync` and `imdb status`: the world's films from IMDb's datasets, offline.
Thin: parse the options, find or fetch the files, hand them to store.world.sync,
render what changed. Only typer and the standard library at module level."""

# No `from __future__ import annotations`: Typer reads these signatures on every run.

from pathlib import Path
from typing import Annotated

import typer

from moviecli.commands._shared import catalog
from moviecli.errors import InvalidValueError
from moviecli.options import FormatOption, OutputFormat

app = typer.Typer(
    help="The world's films: load IMDb's datasets, see what is loaded.", no_args_is_help=True
)

TITLE_TYPES = (
    "movie",
    "tvMovie",
    "video",
    "short",
    "tvSeries",
    "tvMiniSeries",
    "tvSpecial",
    "tvShort",
    "tvEpisode",
    "tvPilot",
    "videoGame",
)


def _types(text: str) -> frozenset[str]:
    wanted = [part.strip() for part in text.split(",") if part.strip()]
    if not wanted:
        raise InvalidValueError("--types must name at least one title type, e.g. movie")
    by_key = {t.casefold(): t for t in TITLE_TYPES}
    unknown = [t for t in wanted if t.casefold() not in by_key]
    if unknown:
        raise InvalidValueError(
            f"unknown title type {unknown[0]!r}; IMDb's types are {', '.join(TITLE_TYPES)}"
        )
    return frozenset(by_key[t.casefold()] for t in wanted)


@app.command()
def sync(
    ctx: typer.Context,
    from_: Annotated[
        Path | None,
        typer.Option(
            "--from",
            metavar="DIR",
            help="Read IMDb's files (.tsv.gz or .tsv) from this folder instead of downloading "
            "them.",
            show_default=False,
        ),
    ] = None,
    types: Annotated[
        str,
        typer.Option(
            "--types",
            metavar="TYPES",
            help="Title types to load, comma-separated (e.g. movie,tvMovie,video).",
        ),
    ] = "movie",
    adult: Annotated[bool, typer.Option("--adult", help="Load adult titles too.")] = False,
    strict: Annotated[
        bool,
        typer.Option(
            "--strict",
            help="Fail on the first malformed row; the world stays as it was.",
        ),
    ] = False,
) -> None:
    """Download IMDb's datasets (or read them from DIR), load the world's films, and link
    and fill in the catalog's films."""
    from moviecli.render import imdb as render_imdb
    from moviecli.store.world.files import find_files
    from moviecli.store.world.load import LoadOptions
    from moviecli.store.world.sync import sync_world

    options = LoadOptions(types=_types(types), adult=adult, strict=strict)
    target = catalog(ctx)
    try:
        with render_imdb.progress() as progress:
            if from_ is None:
                from moviecli.store.world.download import download_files, source_url

                files = download_files(progress=progress)
                source = source_url()
            else:
                files = find_files(from_)
                source = str(from_.absolute())
            result = sync_world(target, files, options, source=source, progress=progress)
    finally:
        target.dispose()
    render_imdb.sync_summary(result)


@app.command()
def status(ctx: typer.Context, fmt: FormatOption = OutputFormat.table) -> None:
    """Where the world lives, its files' dates, its counts, and the catalog's films linked
    to it and not."""
    from moviecli.render import imdb as render_imdb
    from moviecli.store.world.sync import world_status

    target = catalog(ctx)
    try:
        result = world_status(target)
    finally:
        target.dispose()
    render_imdb.status(result, fmt)


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="imdb")
