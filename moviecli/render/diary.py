"""What the diary commands print: viewings, the watchlist, lists, tags, people, the
year in review. Built on `emit` (JSON, CSV, consoles) and `widgets` (stars, titles,
bars); user text reaches Rich only as `Text`."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from rich.table import Table
from rich.text import Text

from moviecli.models.views import (
    ListDetail,
    ListSummary,
    MovieDetail,
    PersonPublic,
    TagCount,
    ViewingPublic,
    WatchlistEntry,
    YearReview,
)
from moviecli.options import OutputFormat
from moviecli.render.emit import (
    dim,
    for_programs,
    for_programs_or_empty,
    stdout_console,
    write_csv,
    write_json,
)
from moviecli.render.text import visible
from moviecli.render.widgets import (
    bar_chart,
    counts_grid,
    list_table,
    local_time,
    mean_text,
    person_header,
    score_text,
    seen_text,
    title_text,
    user_text,
)

VIEWING_FIELDS = [
    "id",
    "movie_id",
    "title",
    "year",
    "user",
    "watched_on",
    "rewatch",
    "score",
    "review",
    "tags",
]
WATCHLIST_FIELDS = ["movie_id", "title", "year", "added_at", "note"]
LIST_FIELDS = ["name", "description", "ranked", "count", "seen"]
LIST_ITEM_FIELDS = ["position", "movie_id", "title", "year", "note", "seen"]
TAG_FIELDS = ["tag", "movies"]


# ---------------------------------------------------------------- viewings


def _viewings_table(rows: Sequence[ViewingPublic], *, with_movie: bool = True) -> Table:
    table = list_table()
    table.add_column("entry", justify="right", style="cyan")
    table.add_column("watched", no_wrap=True)
    if with_movie:
        table.add_column("movie", overflow="fold")
    table.add_column("", no_wrap=True)  # the rewatch mark
    table.add_column("rating", no_wrap=True)
    table.add_column("tags", overflow="fold")
    table.add_column("review", overflow="fold")
    for row in rows:
        cells: list[str | Text] = [str(row.id), row.watched_on or "no date"]
        if with_movie:
            cells.append(title_text(row.title, row.year))
        cells += [
            user_text("↻" if row.rewatch else ""),
            score_text(row.score),
            user_text(", ".join(row.tags)),
            user_text(row.review or "", multiline=True),
        ]
        table.add_row(*cells)
    return table


def viewings(rows: Iterable[ViewingPublic], fmt: OutputFormat, *, offset: int = 0) -> None:
    """`diary`: written as they come (see render/stream.py)."""
    from moviecli.render.stream import listing_with_footer

    listing_with_footer(
        rows,
        fmt,
        VIEWING_FIELDS,
        _viewings_table,
        offset=offset,
        empty="no diary entries",
        key="  (↻ = rewatch)",
    )


def viewing(row: ViewingPublic, fmt: OutputFormat, *, action: str) -> None:
    if for_programs(row, fmt, VIEWING_FIELDS):
        return
    line = user_text(f"{action} ", style="green")
    line.append(visible(f"entry {row.id}: "), style="cyan")
    line.append(visible(f"{row.user} watched "))
    line.append_text(title_text(row.title, row.year))
    line.append(visible(f" on {row.watched_on}") if row.watched_on else " (no date)")
    if row.rewatch:
        line.append(visible(" (rewatch)"), style="dim")
    if row.score is not None:
        line.append(visible("  "))
        line.append_text(score_text(row.score))
    if row.tags:
        line.append(visible(f"  tags: {', '.join(row.tags)}"), style="italic")
    stdout_console().print(line)


# ---------------------------------------------------------------- watchlist


def watchlist(
    rows: Sequence[WatchlistEntry], fmt: OutputFormat, *, action: str | None = None
) -> None:
    if for_programs(rows, fmt, WATCHLIST_FIELDS):
        return
    console = stdout_console()
    if action:
        for row in rows:
            line = user_text(f"{action}: ", style="green")
            line.append(visible(f"#{row.movie_id} "), style="cyan")
            line.append_text(title_text(row.title, row.year))
            console.print(line)
        return
    if not rows:
        dim("the watchlist is empty")
        return
    table = list_table()
    table.add_column("id", justify="right", style="cyan")
    table.add_column("movie", overflow="fold")
    table.add_column("added", no_wrap=True, style="dim")
    table.add_column("note", overflow="fold")
    for row in rows:
        table.add_row(
            str(row.movie_id),
            title_text(row.title, row.year),
            local_time(row.added_at),
            user_text(row.note or "", multiline=True),
        )
    console.print(table)
    console.print(user_text(f"{len(rows)} film(s) to see", style="dim"))


# ---------------------------------------------------------------- lists


def list_summaries(rows: Sequence[ListSummary], fmt: OutputFormat) -> None:
    if for_programs_or_empty(
        rows, fmt, LIST_FIELDS, empty="no lists yet (make one with `moviecli lists create NAME`)"
    ):
        return
    table = list_table()
    table.add_column("list", overflow="fold")
    table.add_column("films", justify="right")
    table.add_column("seen", justify="right")
    table.add_column("description", overflow="fold")
    for row in rows:
        name = user_text(row.name, style="bold")
        if row.ranked:
            name.append(visible(" (ranked)"), style="dim")
        table.add_row(
            name, str(row.count), str(row.seen), user_text(row.description or "", multiline=True)
        )
    stdout_console().print(table)


def list_summary(row: ListSummary, fmt: OutputFormat, *, action: str) -> None:
    if for_programs(row, fmt, LIST_FIELDS):
        return
    line = user_text(f"{action} the list ", style="green")
    line.append(row.name, style="bold")
    if row.count:
        line.append(visible(f" ({row.count} film(s))"), style="dim")
    stdout_console().print(line)


def list_detail(detail: ListDetail, fmt: OutputFormat) -> None:
    if fmt is OutputFormat.json:
        write_json(detail)
        return
    if fmt is OutputFormat.csv:
        write_csv(LIST_ITEM_FIELDS, detail.items)
        return
    console = stdout_console()
    header = user_text(detail.name, style="bold")
    if detail.ranked:
        header.append(visible(" (ranked)"), style="dim")
    console.print(header)
    if detail.description:
        console.print(user_text(detail.description, "italic", multiline=True))
    if detail.items:
        table = list_table()
        table.add_column("#", justify="right")
        table.add_column("id", justify="right", style="cyan")
        table.add_column("movie", overflow="fold")
        table.add_column("seen", no_wrap=True)
        table.add_column("note", overflow="fold")
        for item in detail.items:
            table.add_row(
                str(item.position),
                str(item.movie_id),
                title_text(item.title, item.year),
                "✓" if item.seen else "",
                user_text(item.note or "", multiline=True),
            )
        console.print(table)
    console.print(user_text(f"seen {detail.seen} of {detail.count}", style="dim"))


# ---------------------------------------------------------------- tags and people


def movie_tags(
    movie_id: int, title: str, year: int | None, tags: Sequence[str], fmt: OutputFormat
) -> None:
    payload = {"movie_id": movie_id, "title": title, "year": year, "tags": list(tags)}
    if fmt is OutputFormat.json:
        write_json(payload)
        return
    if fmt is OutputFormat.csv:
        write_csv(list(payload), [payload])
        return
    line = user_text(f"#{movie_id} ", style="cyan")
    line.append_text(title_text(title, year))
    line.append(visible(f"  tags: {', '.join(tags)}") if tags else "  no tags", style="italic")
    stdout_console().print(line)


def tag_counts(rows: Sequence[TagCount], fmt: OutputFormat) -> None:
    if for_programs_or_empty(
        rows, fmt, TAG_FIELDS, empty="no tags yet (tag a film with `moviecli tag MOVIE TAG`)"
    ):
        return
    table = list_table()
    table.add_column("tag", overflow="fold")
    table.add_column("films", justify="right")
    for row in rows:
        table.add_row(user_text(row.tag), str(row.movies))
    stdout_console().print(table)


def people(rows: Sequence[PersonPublic], fmt: OutputFormat) -> None:
    if fmt is OutputFormat.json:
        write_json(rows)
        return
    if fmt is OutputFormat.csv:
        flat = [
            {"person_id": p.id, "name": p.name, **f.model_dump()} for p in rows for f in p.films
        ]
        fields = ["person_id", "name", "movie_id", "title", "year", "role", "score", "seen"]
        write_csv(fields, flat)
        return
    console = stdout_console()
    for n, person in enumerate(rows):
        if n:
            console.print()
        console.print(person_header(person.name, f"(person {person.id})", label_style="dim"))
        table = list_table()
        table.add_column("id", justify="right", style="cyan")
        table.add_column("movie", overflow="fold")
        table.add_column("role")
        table.add_column("seen", no_wrap=True)
        table.add_column("your rating", no_wrap=True)
        for film in person.films:
            table.add_row(
                str(film.movie_id),
                title_text(film.title, film.year),
                film.role,
                "✓" if film.seen else "",
                score_text(film.score),
            )
        console.print(table)
        console.print(seen_text(person.seen, person.count))


# ---------------------------------------------------------------- show and stats --year


def movie_extras(detail: MovieDetail) -> None:
    """What `show` adds below the movie for the user: people, tags, viewings, watchlist."""
    console = stdout_console()
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="dim")
    grid.add_column(overflow="fold")
    for role, label in (("director", "directed by"), ("writer", "written by"), ("cast", "cast")):
        names = [c.name for c in detail.people if c.role == role]
        if names:
            grid.add_row(label, user_text(", ".join(names)))
    if detail.tags:
        grid.add_row(f"{detail.user}'s tags", user_text(", ".join(detail.tags)))
    if detail.on_watchlist:
        grid.add_row("watchlist", user_text(f"on {detail.user}'s watchlist"))
    if grid.row_count:
        console.print()
        console.print(grid)
    if detail.viewings:
        console.print()
        console.print(user_text(f"{detail.user}'s viewings", style="bold"))
        console.print(_viewings_table(detail.viewings, with_movie=False))


def year_review(review: YearReview, fmt: OutputFormat) -> None:
    if fmt is OutputFormat.csv:
        write_csv(["month", "films"], review.months)
        return
    if fmt is OutputFormat.json:
        payload = review.model_dump(mode="json")
        payload["top_genres"] = [{"genre": g, "viewings": n} for g, n in review.top_genres]
        payload["top_people"] = [
            {"name": name, "role": role, "viewings": n} for name, role, n in review.top_people
        ]
        write_json(payload)
        return
    console = stdout_console()
    console.print(user_text(f"{review.user}'s {review.year} in film", style="bold"))
    if not review.viewings:
        dim(f"no diary entries dated {review.year}")
        return
    counts = [
        ("viewings", str(review.viewings)),
        ("films", str(review.films)),
        ("first time", str(review.new)),
        ("rewatched", str(review.rewatched)),
        ("hours", f"{review.hours:.1f}"),
        ("average rating", mean_text(review.average_rating)),
    ]
    console.print(counts_grid(counts))
    console.print()
    console.print(bar_chart([(m.month, m.films) for m in review.months], label_style="dim"))
    if review.best_new is not None:
        best = review.best_new
        console.print()
        line = user_text("best first viewing: ", style="dim")
        line.append_text(title_text(best.title, best.year))
        line.append(visible("  "))
        line.append_text(score_text(best.score))
        console.print(line)
    for label, rows in (
        ("top genres", [(g, n) for g, n in review.top_genres]),
        ("top people", [(f"{name} ({role})", n) for name, role, n in review.top_people]),
    ):
        if rows:
            console.print()
            console.print(user_text(label, style="bold"))
            table = Table.grid(padding=(0, 2))
            table.add_column(overflow="fold")
            table.add_column(justify="right")
            for name, n in rows:
                table.add_row(user_text(name), str(n))
            console.print(table)
