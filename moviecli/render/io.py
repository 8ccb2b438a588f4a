"""What `import` prints: the progress bar on stderr and the summary."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.text import Text

from moviecli.models.views import ImportSummary
from moviecli.render.emit import stderr_console, stdout_console
from moviecli.render.text import plural
from moviecli.render.widgets import user_text


@contextmanager
def import_progress() -> Iterator[Callable[[int, int, int, str], None] | None]:
    """A progress bar on stderr while an import runs (bytes read, rows, rows/s), only when
    stderr is a terminal; piped or redirected, nothing is drawn."""
    console = stderr_console()
    if not console.is_terminal:
        yield None
        return
    from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn

    columns = (
        TextColumn("{task.description:<8}"),
        BarColumn(),
        TaskProgressColumn(),
        TextColumn("{task.fields[rows]:>12,} rows  {task.fields[rate]:>9,.0f} rows/s"),
        TimeElapsedColumn(),
    )
    started = time.monotonic()
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task("reading", total=None, rows=0, rate=0.0)

        def update(done: int, total: int, rows: int, phase: str) -> None:
            elapsed = max(time.monotonic() - started, 1e-6)
            bar.update(
                task,
                description=phase,
                completed=done,
                total=total or None,
                rows=rows,
                rate=rows / elapsed,
            )

        yield update


def import_summary(summary: ImportSummary) -> None:
    """What an import did (or, with --dry-run, would do)."""
    console = stdout_console()
    verb = "Would import" if summary.dry_run else "Imported"
    console.print(
        user_text(
            f"{verb} {summary.source} ({plural(summary.rows, 'row')}, {summary.seconds:.1f} s)"
        )
    )
    lines = [
        (
            "movies",
            f"{summary.movies_added:,} added, {summary.movies_matched:,} matched"
            + (f" ({summary.movies_updated:,} completed)" if summary.movies_updated else ""),
        ),
        (
            "ratings",
            f"{summary.ratings_added:,} added, {summary.ratings_replaced:,} replaced, "
            f"{summary.ratings_unchanged:,} unchanged",
        ),
    ]
    if summary.tags_added or summary.tags_unchanged:
        lines.append(
            ("tags", f"{summary.tags_added:,} added, {summary.tags_unchanged:,} unchanged")
        )
    if summary.viewings_added or summary.viewings_unchanged:
        lines.append(
            (
                "viewings",
                f"{summary.viewings_added:,} added, {summary.viewings_unchanged:,} unchanged",
            )
        )
    if summary.watchlist_added or summary.watchlist_unchanged:
        lines.append(
            (
                "to watch",
                f"{summary.watchlist_added:,} added, {summary.watchlist_unchanged:,} unchanged",
            )
        )
    if summary.lists_added or summary.lists_matched:
        lines.append(("lists", f"{summary.lists_added:,} added, {summary.lists_matched:,} matched"))
    if summary.list_items_added or summary.list_items_unchanged:
        lines.append(
            (
                "on lists",
                f"{summary.list_items_added:,} added, {summary.list_items_unchanged:,} unchanged",
            )
        )
    if summary.users_added:
        lines.append(("users", f"{summary.users_added:,} added"))
    for label, text in lines:
        console.print(Text(f"  {label:<9}{text}"))
    skipped = sum(summary.skipped.values())
    if skipped:
        console.print(Text(f"  {'skipped':<9}{plural(skipped, 'row')}"))
        for reason, count in sorted(summary.skipped.items(), key=lambda kv: (-kv[1], kv[0])):
            console.print(user_text(f"    {count:>9,}  {reason}"), soft_wrap=True)
    if summary.rejected_count:
        console.print(
            Text(f"  {'rejected':<9}{plural(summary.rejected_count, 'row')}", style="red")
        )
        for reject in summary.rejected:
            console.print(user_text(f"    {reject.where()}: {reject.reason}"))
        rest = summary.rejected_count - len(summary.rejected)
        if rest > 0:
            console.print(Text(f"    ... and {rest:,} more"))
    if summary.dry_run:
        console.print(Text("Dry run: nothing was written."))
