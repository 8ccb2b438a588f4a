"""Everything moviecli prints about records: Rich tables, stars, histograms, JSON, CSV.

User text reaches Rich only as `Text` or through `escape()`, so a title such as
`Blade Runner [final cut]` is printed as typed."""

from __future__ import annotations

import csv
import json
import math
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TextIO

from pydantic import BaseModel
from rich.console import Console
from rich.table import Table
from rich.text import Text

from moviecli.models import (
    CatalogStats,
    MovieDetail,
    MoviePublic,
    Page,
    RatingChange,
    RatingPublic,
    TopExplainedRow,
    TopRow,
)
from moviecli.options import OutputFormat
from moviecli.render_text import csv_cell, plural, visible

if TYPE_CHECKING:  # only `import` needs it; importing it costs every other command ~4 ms
    from moviecli.importers.records import ImportSummary

MOVIE_FIELDS = [
    "id",
    "title",
    "year",
    "genres",
    "original_title",
    "runtime_minutes",
    "director",
    "average_rating",
    "rating_count",
]
RATING_FIELDS = ["movie_id", "title", "year", "user", "score", "review", "rated_at"]
TOP_FIELDS = ["rank", "id", "title", "year", "genres", "average_rating", "rating_count", "score"]
TOP_EXPLAIN_FIELDS = ["R", "v", "m", "C", "weighted"]


def stdout_console() -> Console:
    return Console(highlight=False, soft_wrap=False)


def stderr_console() -> Console:
    return Console(stderr=True, highlight=False)


def half_stars(value: float) -> float:
    """The nearest half star, halves rounded up (4.25 -> 4.5, 4.75 -> 5.0), never to even."""
    return math.floor(value * 2 + 0.5) / 2


def stars(score: float | None) -> str:
    """★★★★½ for 4.5, rounded to the nearest half star (halves up), padded to five
    cells so that the numbers printed after the stars line up."""
    if score is None:
        return ""
    score = half_stars(score)
    whole = int(score)
    return ("★" * whole + ("½" if score - whole >= 0.5 else "")).ljust(5)


def local_time(moment: datetime) -> str:
    """A stored (naive UTC) time as a table shows it: local time (TZ honoured), to the
    minute; a time of exactly midnight UTC is a date without a time (Letterboxd gives
    days) and is shown as that date."""
    if moment.tzinfo is None:
        if (moment.hour, moment.minute, moment.second, moment.microsecond) == (0, 0, 0, 0):
            return moment.strftime("%Y-%m-%d")
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone().strftime("%Y-%m-%d %H:%M")


def iso_utc(moment: datetime) -> str:
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return (
        moment.isoformat(timespec="seconds") + "Z"
        if not moment.microsecond
        else (moment.isoformat() + "Z")
    )


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return iso_utc(value)
    if isinstance(value, BaseModel):
        return {k: _jsonable(v) for k, v in value}
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def write_json(data: Any) -> None:
    sys.stdout.write(json.dumps(_jsonable(data), ensure_ascii=False, indent=2) + "\n")


class CsvOut:
    """The one CSV writer (every `-f csv` and `export -f csv`): formula cells
    neutralised, numbers written one way (render_text.number), times ISO 8601 UTC."""

    def __init__(self, stream: TextIO, fields: Sequence[str]) -> None:
        self._writer = csv.writer(stream, lineterminator="\n")
        self._writer.writerow(fields)

    def row(self, values: Iterable[Any]) -> None:
        self._writer.writerow(
            [iso_utc(v) if isinstance(v, datetime) else csv_cell(v) for v in values]
        )


def write_csv(fields: Sequence[str], rows: Iterable[BaseModel]) -> None:
    out = CsvOut(sys.stdout, fields)
    for row in rows:
        out.row(getattr(row, f) for f in fields)


def for_programs(
    data: BaseModel | Sequence[BaseModel], fmt: OutputFormat, fields: Sequence[str]
) -> bool:
    """Write `-f json` or `-f csv` output on stdout; False when a table is wanted."""
    if fmt is OutputFormat.json:
        write_json(data)
        return True
    if fmt is OutputFormat.csv:
        write_csv(fields, [data] if isinstance(data, BaseModel) else data)
        return True
    return False


def note(message: str) -> None:
    """A line for the person, not for a program: it goes to stderr."""
    stderr_console().print(Text(visible(message)))


def user_text(value: str, style: str = "", *, multiline: bool = False) -> Text:
    """User text for Rich: never markup, never a raw control character."""
    return Text(visible(value, multiline=multiline), style=style)


def _year(year: int | None) -> str:
    return str(year) if year is not None else "?"


def _title_text(title: str, year: int | None) -> Text:
    text = user_text(title, "bold")
    text.append(f" ({_year(year)})", style="dim")
    return text


def _score_text(score: float | None) -> Text:
    if score is None:
        return Text("–", style="dim")
    return Text.assemble((stars(score), "yellow"), f" {score:.1f}")


def _average_text(average: float | None, count: int) -> Text:
    if average is None:
        return Text("unrated", style="dim")
    return Text.assemble((stars(average), "yellow"), f" {average:.2f} ({count})")


# ---------------------------------------------------------------- movies


def movies(page: Page, fmt: OutputFormat) -> None:
    if for_programs(page.items, fmt, MOVIE_FIELDS):
        return
    table = Table(show_edge=False, pad_edge=False)
    table.add_column("id", justify="right", style="cyan")
    table.add_column("title", overflow="fold")
    table.add_column("year", justify="right")
    table.add_column("genres", overflow="fold")
    table.add_column("rating", no_wrap=True)
    for movie in page.items:
        table.add_row(
            str(movie.id),
            user_text(movie.title),
            _year(movie.year),
            user_text(", ".join(movie.genres)),
            _average_text(movie.average_rating, movie.rating_count),
        )
    console = stdout_console()
    if page.items:
        console.print(table)
        first = page.offset + 1
        last = page.offset + len(page.items)
        console.print(Text(f"showing {first}–{last} of {page.total}", style="dim"))
    elif page.total:
        console.print(Text(f"showing 0 of {page.total} (offset {page.offset} is past the end)"))
    else:
        console.print(Text("no movies match", style="dim"))


def movie(movie: MoviePublic, fmt: OutputFormat, *, action: str | None = None) -> None:
    """One movie after add/edit/delete."""
    if for_programs(movie, fmt, MOVIE_FIELDS):
        return
    console = stdout_console()
    line = Text()
    if action:
        line.append(f"{action} ", style="green")
    line.append(f"#{movie.id} ", style="cyan")
    line.append_text(_title_text(movie.title, movie.year))
    if movie.genres:
        line.append_text(user_text(f"  {', '.join(movie.genres)}", "italic"))
    console.print(line)


def movie_detail(detail: MovieDetail, fmt: OutputFormat) -> None:
    if for_programs(detail, fmt, MOVIE_FIELDS):
        return
    console = stdout_console()
    header = Text.assemble((f"#{detail.id} ", "cyan"), _title_text(detail.title, detail.year))
    console.print(header)
    fields = Table.grid(padding=(0, 2))
    fields.add_column(style="dim")
    fields.add_column(overflow="fold")
    rows: list[tuple[str, str | Text | None]] = [
        ("original title", detail.original_title),
        ("genres", ", ".join(detail.genres) or None),
        ("runtime", f"{detail.runtime_minutes} min" if detail.runtime_minutes else None),
        ("director", detail.director),
        ("rating", _average_text(detail.average_rating, detail.rating_count)),
        *[(source, value) for source, value in detail.external_ids.items()],
        ("added", local_time(detail.created_at)),
    ]
    for label, value in rows:
        if value is not None:
            fields.add_row(user_text(label), value if isinstance(value, Text) else user_text(value))
    console.print(fields)
    if detail.rating_count:
        console.print()
        console.print(histogram(detail.histogram))
    if detail.latest_ratings:
        console.print()
        console.print(Text("latest ratings", style="bold"))
        console.print(_ratings_table(detail.latest_ratings, with_movie=False))


def histogram(counts: dict[str, int], width: int = 30) -> Table:
    """Bars of the number of ratings at each half star, the biggest `width` long."""
    biggest = max(counts.values(), default=0) or 1
    table = Table.grid(padding=(0, 1))
    table.add_column(justify="right", style="yellow", no_wrap=True)
    table.add_column(no_wrap=True)
    table.add_column(justify="right", style="dim")
    for key in sorted(counts, key=float, reverse=True):
        count = counts[key]
        bar = "█" * round(count / biggest * width) if count else ""
        table.add_row(f"{stars(float(key))} {key}", Text(bar, style="magenta"), str(count))
    return table


# ---------------------------------------------------------------- ratings


def _ratings_table(ratings: Sequence[RatingPublic], *, with_movie: bool = True) -> Table:
    table = Table(show_edge=False, pad_edge=False)
    if with_movie:
        table.add_column("id", justify="right", style="cyan")
        table.add_column("movie", overflow="fold")
    table.add_column("user", overflow="fold")
    table.add_column("score", no_wrap=True)
    table.add_column("rated", no_wrap=True, style="dim")
    table.add_column("review", overflow="fold")
    for rating in ratings:
        cells: list[str | Text] = []
        if with_movie:
            cells += [str(rating.movie_id), _title_text(rating.title, rating.year)]
        cells += [
            user_text(rating.user),
            _score_text(rating.score),
            local_time(rating.rated_at),
            user_text(rating.review or "", multiline=True),
        ]
        table.add_row(*cells)
    return table


def ratings(rows: Sequence[RatingPublic], fmt: OutputFormat, *, offset: int = 0) -> None:
    if for_programs(rows, fmt, RATING_FIELDS):
        return
    console = stdout_console()
    if not rows:
        console.print(Text("no ratings", style="dim"))
        return
    console.print(_ratings_table(rows))
    console.print(Text(f"showing {offset + 1}–{offset + len(rows)}", style="dim"))


def rating_change(change: RatingChange, fmt: OutputFormat, *, removed: bool = False) -> None:
    if fmt is OutputFormat.json:
        write_json(
            {
                **_jsonable(change.rating),
                "replaced_score": change.replaced,
                "average_rating": change.average_rating,
                "rating_count": change.rating_count,
            }
        )
        return
    if fmt is OutputFormat.csv:
        write_csv(RATING_FIELDS, [change.rating])
        return
    rating = change.rating
    line = Text()
    if removed:
        line.append("Removed ", style="red")
        line.append_text(user_text(f"{rating.user}'s rating "))
        line.append_text(_score_text(rating.score))
        line.append(" of ")
    else:
        line.append_text(user_text(f"{rating.user} rated ", "green"))
    line.append_text(_title_text(rating.title, rating.year))
    if not removed:
        line.append(" ")
        line.append_text(_score_text(rating.score))
        if change.replaced is not None:
            line.append(f" (was {change.replaced:.1f})", style="dim")
    console = stdout_console()
    console.print(line)
    summary = Text("now ", style="dim")
    summary.append_text(_average_text(change.average_rating, change.rating_count))
    console.print(summary)


# ---------------------------------------------------------------- top and stats


def _explained(row: TopRow, by: str, m: int, c: float) -> TopExplainedRow:
    from moviecli import ranking

    weighted = (
        row.score
        if by == "weighted"
        else round(
            ranking.weighted_rating(row.average_rating * row.rating_count, row.rating_count, m, c),
            4,
        )
    )
    return TopExplainedRow(
        **row.model_dump(),
        R=row.average_rating,
        v=row.rating_count,
        m=m,
        C=round(c, 4),
        weighted=weighted,
    )


def top(
    rows: Sequence[TopRow],
    fmt: OutputFormat,
    *,
    by: str,
    min_ratings: int,
    catalog_mean: float | None = None,
    filters: Sequence[str] = (),
) -> None:
    """`catalog_mean` given (`--explain`): each row also shows R, v, m, C and its weighted
    score. `filters` names the --genre/--from-year/--to-year given, so that an empty
    answer can say what was asked."""
    explained = (
        [_explained(row, by, min_ratings, catalog_mean) for row in rows]
        if catalog_mean is not None
        else None
    )
    if fmt is OutputFormat.json:
        write_json(explained if explained is not None else rows)
        return
    if fmt is OutputFormat.csv:
        if explained is not None:
            write_csv(TOP_FIELDS + TOP_EXPLAIN_FIELDS, explained)
        else:
            write_csv(TOP_FIELDS, rows)
        return
    console = stdout_console()
    if not rows:
        asked = f" ({', '.join(filters)})" if filters else ""
        console.print(
            user_text(
                f"no movie{asked} has {plural(min_ratings, 'rating')} or more; "
                + (
                    "try other filters, or --min-ratings 1"
                    if filters or min_ratings > 1
                    else "rate one with 'moviecli rate MOVIE SCORE'"
                ),
                "dim",
            )
        )
        return
    table = Table(show_edge=False, pad_edge=False)
    table.add_column("#", justify="right")
    table.add_column("id", justify="right", style="cyan")
    table.add_column("title", overflow="fold")
    table.add_column("year", justify="right")
    if explained is not None:
        # R is the average, v the count and (ranked by weight) the score the weighted one.
        for name in TOP_EXPLAIN_FIELDS:
            table.add_column(name, justify="right")
        for row in explained:
            table.add_row(
                str(row.rank),
                str(row.id),
                user_text(row.title),
                _year(row.year),
                f"{row.R:.2f}",
                str(row.v),
                str(row.m),
                f"{row.C:.3f}",
                f"{row.weighted:.3f}",
            )
    else:
        table.add_column("average", no_wrap=True)
        table.add_column("ratings", justify="right")
        table.add_column("score" if by == "weighted" else "mean", justify="right")
        for row in rows:
            table.add_row(
                str(row.rank),
                str(row.id),
                user_text(row.title),
                _year(row.year),
                Text.assemble((stars(row.average_rating), "yellow"), f" {row.average_rating:.2f}"),
                str(row.rating_count),
                f"{row.score:.3f}",
            )
    console.print(table)
    how = "weighted rating" if by == "weighted" else "mean rating"
    console.print(Text(f"ranked by {how}, at least {plural(min_ratings, 'rating')}", style="dim"))
    if explained is not None:
        console.print(
            Text(
                "weighted = v/(v+m)·R + m/(v+m)·C: R the film's mean, v its ratings, "
                "m the minimum ratings (--min-ratings), C the mean of every rating",
                style="dim",
            )
        )


def stats(data: CatalogStats, fmt: OutputFormat) -> None:
    if fmt is OutputFormat.json:
        payload = _jsonable(data)
        payload["top_genres"] = [{"genre": g, "movies": n} for g, n in data.top_genres]
        write_json(payload)
        return
    if fmt is OutputFormat.csv:
        fields = ["movies", "ratings", "users", "genres", "rated_movies", "average_rating"]
        CsvOut(sys.stdout, fields).row(getattr(data, f) for f in fields)
        return
    console = stdout_console()
    counts = Table.grid(padding=(0, 2))
    counts.add_column(style="dim")
    counts.add_column(justify="right")
    counts.add_row("movies", str(data.movies))
    counts.add_row("rated movies", str(data.rated_movies))
    counts.add_row("ratings", str(data.ratings))
    counts.add_row("users", str(data.users))
    counts.add_row("genres", str(data.genres))
    counts.add_row(
        "average rating", f"{data.average_rating:.2f}" if data.average_rating is not None else "–"
    )
    console.print(counts)
    if data.ratings:
        console.print()
        console.print(Text("scores", style="bold"))
        console.print(histogram(data.histogram))
    if data.top_genres:
        console.print()
        genres = Table(title=None, show_edge=False, pad_edge=False)
        genres.add_column("genre")
        genres.add_column("movies", justify="right")
        for name, count in data.top_genres:
            genres.add_row(user_text(name), str(count))
        console.print(Text("top genres", style="bold"))
        console.print(genres)


def revisions(rows: Sequence[tuple[str, str, bool, bool]]) -> None:
    """`db history`: revision, message, is head, is current."""
    console = stdout_console()
    for revision, message, is_head, is_current in rows:
        marks = [m for m, on in (("head", is_head), ("current", is_current)) if on]
        line = Text(revision, style="cyan")
        line.append(f"  {visible(message)}")
        if marks:
            line.append(f"  ({', '.join(marks)})", style="green")
        console.print(line)


def plain(text: str) -> None:
    """A bare value on stdout (a path, a revision), for scripts."""
    sys.stdout.write(visible(text) + "\n")


# ---------------------------------------------------------------- import and export


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
            where = f"{reject.file}, line {reject.line}" if reject.file else f"line {reject.line}"
            console.print(user_text(f"    {where}: {reject.reason}"))
        rest = summary.rejected_count - len(summary.rejected)
        if rest > 0:
            console.print(Text(f"    ... and {rest:,} more"))
    if summary.dry_run:
        console.print(Text("Dry run: nothing was written."))
