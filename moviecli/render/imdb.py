"""What `imdb sync` and `imdb status` print: the progress bar, what changed, the status."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from rich.text import Text

from moviecli.options import OutputFormat
from moviecli.render.emit import CsvOut, stderr_console, stdout_console, write_json
from moviecli.render.text import plural
from moviecli.render.widgets import user_text

if TYPE_CHECKING:
    from moviecli.store.world.sync import SyncResult, WorldStatus

LABELS = {"films": "films", "people": "people", "credits": "credits", "akas": "akas"}


@contextmanager
def progress() -> Iterator[Callable[[str, int, int], None] | None]:
    """A progress bar on stderr (file, bytes done of its size) when stderr is a terminal."""
    console = stderr_console()
    if not console.is_terminal:
        yield None
        return
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        TaskProgressColumn,
        TextColumn,
        TimeElapsedColumn,
    )

    columns = (
        TextColumn("{task.description:<24}"),
        BarColumn(),
        TaskProgressColumn(),
        DownloadColumn(),
        TimeElapsedColumn(),
    )
    started = time.monotonic()
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task("", total=None)

        def update(name: str, done: int, total: int) -> None:
            bar.update(task, description=name, completed=done, total=total or None)

        yield update
    del started


def _delta(now: int, before: int | None) -> str:
    if before is None or before == now:
        return ""
    return f" (was {before:,})"


def sync_summary(result: SyncResult) -> None:
    console = stdout_console()
    load, changes, link = result.load, result.changes, result.link
    console.print(user_text(f"Synced the world at {result.where} ({load.seconds:.1f} s)"))
    films = load.counts.get("films", 0)
    if changes.previous is None:
        console.print(Text(f"  {'films':<9}{films:,} (a new world)"))
    else:
        console.print(
            Text(
                f"  {'films':<9}{films:,} ({changes.films_added:,} added, "
                f"{changes.films_updated:,} updated, {changes.films_removed:,} removed)"
            )
        )
    for key in ("people", "credits", "akas"):
        before = changes.previous.get(key) if changes.previous else None
        now = load.counts.get(key, 0)
        console.print(Text(f"  {LABELS[key]:<9}{now:,}{_delta(now, before)}"))
    if link is None:
        console.print(Text(f"  {'catalog':<9}none yet (its films are linked on the next sync)"))
    else:
        console.print(
            Text(
                f"  {'catalog':<9}{plural(link.linked, 'film')} linked ({link.newly_linked:,} "
                f"new), {link.filled:,} filled, {link.not_linked:,} not "
                "linked" + (" (see imdb status)" if link.not_linked else "")
            )
        )
        if link.fields_filled:
            done = ", ".join(f"{k} {v:,}" for k, v in sorted(link.fields_filled.items()))
            console.print(Text(f"  {'filled':<9}{done}"))
    if load.rejected_count:
        console.print(Text(f"  {'rejected':<9}{plural(load.rejected_count, 'row')}", style="red"))
        for reject in load.rejected:
            console.print(user_text(f"    {reject.file}, line {reject.line}: {reject.reason}"))
        rest = load.rejected_count - len(load.rejected)
        if rest > 0:
            console.print(Text(f"    ... and {rest:,} more"))


def _status_data(result: WorldStatus) -> dict[str, object]:
    return {
        "where": result.where,
        "present": result.present,
        "synced_at": result.synced_at,
        "types": result.types.split(",") if result.types else [],
        "adult": result.adult,
        "counts": result.counts,
        "files": result.files,
        "catalog": {
            "linked": result.linked,
            "not_linked": len(result.not_linked),
            "not_linked_films": [
                {"id": movie_id, "title": title, "year": year}
                for movie_id, title, year in result.not_linked
            ],
        },
    }


def status(result: WorldStatus, fmt: OutputFormat) -> None:
    if fmt is OutputFormat.json:
        write_json(_status_data(result))
        return
    if fmt is OutputFormat.csv:
        # The films a program would act on: the catalog's films the world does not know.
        out = CsvOut(sys.stdout, ["id", "title", "year"])
        for row in result.not_linked:
            out.row(row)
        return
    console = stdout_console()
    console.print(user_text(f"World: {result.where}"))
    if not result.present:
        console.print(Text("  not loaded yet: run 'moviecli imdb sync'"))
        return
    console.print(
        user_text(
            f"  synced   {result.synced_at}  (types {result.types}"
            + (", adult titles" if result.adult else "")
            + ")"
        )
    )
    for key, label in LABELS.items():
        console.print(Text(f"  {label:<9}{result.counts.get(key, 0):,}"))
    for name, info in sorted(result.files.items()):
        dated = info.get("last_modified", "?")
        skipped = int(info.get("skipped", "0") or 0)
        extra = f", {plural(skipped, 'row')} rejected" if skipped else ""
        console.print(
            user_text(f"  {name:<17}{dated}  {int(info.get('rows', '0') or 0):,} rows{extra}")
        )
    console.print(
        Text(
            f"Catalog: {plural(result.linked, 'film')} linked, "
            f"{len(result.not_linked):,} not linked"
        )
    )
    for movie_id, title, year in result.not_linked:
        console.print(user_text(f"  {movie_id:>6}  {title} ({year if year is not None else '?'})"))
