"""What the catalog commands print: movies, a movie's page, ratings, `top`, `stats`."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Sequence

from rich.table import Table
from rich.text import Text

from moviecli.models.views import (
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
from moviecli.render.emit import (
    CsvOut,
    for_programs,
    jsonable,
    stdout_console,
    write_csv,
    write_json,
)
from moviecli.render.text import plural
from moviecli.render.widgets import (
    average_text,
    counts_grid,
    histogram,
    list_table,
    local_time,
    mean_text,
    score_text,
    stars,
    title_text,
    user_text,
    year_text,
)

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


# ---------------------------------------------------------------- movies


def movies(page: Page, fmt: OutputFormat) -> None:
    movie_listing(page.items, fmt, total=page.total, offset=page.offset)


def _movies_table(rows: Sequence[MoviePublic]) -> Table:
    table = list_table()
    table.add_column("id", justify="right", style="cyan")
    table.add_column("title", overflow="fold")
    table.add_column("year", justify="right")
    table.add_column("genres", overflow="fold")
    table.add_column("rating", no_wrap=True)
    for movie in rows:
        table.add_row(
            str(movie.id),
            user_text(movie.title),
            year_text(movie.year),
            user_text(", ".join(movie.genres)),
            average_text(movie.average_rating, movie.rating_count),
        )
    return table


def movie_listing(
    rows: Iterable[MoviePublic], fmt: OutputFormat, *, total: int, offset: int
) -> None:
    """`list`: the movies as they come (see render/stream.py), then how many of how many."""
    from moviecli.render.stream import listing

    shown = listing(rows, fmt, MOVIE_FIELDS, _movies_table)
    if fmt is not OutputFormat.table:
        return
    console = stdout_console()
    if shown:
        console.print(Text(f"showing {offset + 1}–{offset + shown} of {total}", style="dim"))
    elif total:
        console.print(Text(f"showing 0 of {total} (offset {offset} is past the end)"))
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
    line.append_text(title_text(movie.title, movie.year))
    if movie.genres:
        line.append_text(user_text(f"  {', '.join(movie.genres)}", "italic"))
    console.print(line)


def movie_detail(detail: MovieDetail, fmt: OutputFormat, *, imdb: Text | None = None) -> None:
    """`imdb`: IMDb's rating line, shown beside the catalog's own."""
    if for_programs(detail, fmt, MOVIE_FIELDS):
        return
    console = stdout_console()
    header = Text.assemble((f"#{detail.id} ", "cyan"), title_text(detail.title, detail.year))
    console.print(header)
    fields = Table.grid(padding=(0, 2))
    fields.add_column(style="dim")
    fields.add_column(overflow="fold")
    rows: list[tuple[str, str | Text | None]] = [
        ("original title", detail.original_title),
        ("genres", ", ".join(detail.genres) or None),
        ("runtime", f"{detail.runtime_minutes} min" if detail.runtime_minutes else None),
        ("director", detail.director),
        ("rating", average_text(detail.average_rating, detail.rating_count)),
        ("IMDb", imdb),
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


# ---------------------------------------------------------------- ratings


def _ratings_table(ratings: Sequence[RatingPublic], *, with_movie: bool = True) -> Table:
    table = list_table()
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
            cells += [str(rating.movie_id), title_text(rating.title, rating.year)]
        cells += [
            user_text(rating.user),
            score_text(rating.score),
            local_time(rating.rated_at),
            user_text(rating.review or "", multiline=True),
        ]
        table.add_row(*cells)
    return table


def ratings(rows: Iterable[RatingPublic], fmt: OutputFormat, *, offset: int = 0) -> None:
    """`ratings`: written as they come (see render/stream.py)."""
    from moviecli.render.stream import listing_with_footer

    listing_with_footer(rows, fmt, RATING_FIELDS, _ratings_table, offset=offset, empty="no ratings")


def rating_change(change: RatingChange, fmt: OutputFormat, *, removed: bool = False) -> None:
    if fmt is OutputFormat.json:
        write_json(
            {
                **jsonable(change.rating),
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
        line.append_text(score_text(rating.score))
        line.append(" of ")
    else:
        line.append_text(user_text(f"{rating.user} rated ", "green"))
    line.append_text(title_text(rating.title, rating.year))
    if not removed:
        line.append(" ")
        line.append_text(score_text(rating.score))
        if change.replaced is not None:
            line.append(f" (was {change.replaced:.1f})", style="dim")
    console = stdout_console()
    console.print(line)
    summary = Text("now ", style="dim")
    summary.append_text(average_text(change.average_rating, change.rating_count))
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
    rows: Iterable[TopRow],
    fmt: OutputFormat,
    *,
    by: str,
    min_ratings: int,
    catalog_mean: float | None = None,
    filters: Sequence[str] = (),
    empty: str | None = None,
) -> None:
    """`catalog_mean` given (`--explain`): each row also shows R, v, m, C and its weighted
    score. `filters` names the --genre/--from-year/--to-year given, and `empty` (when
    given) says why nothing can match, so that an empty answer says what was asked.
    Rows are written as they come (see render/stream.py)."""
    from moviecli.render.stream import listing

    explained = catalog_mean is not None
    shown_rows: Iterable[TopRow] = (
        (_explained(row, by, min_ratings, catalog_mean) for row in rows)
        if catalog_mean is not None
        else rows
    )
    fields = TOP_FIELDS + TOP_EXPLAIN_FIELDS if explained else TOP_FIELDS
    shown = listing(shown_rows, fmt, fields, lambda chunk: _top_table(chunk, by, explained))
    if fmt is not OutputFormat.table:
        return
    console = stdout_console()
    if not shown:
        if empty is not None:
            console.print(user_text(empty, "dim"))
            return
        asked = f" ({', '.join(filters)})" if filters else ""
        hint = (
            "rate one with 'moviecli rate MOVIE SCORE'"
            if not filters and min_ratings <= 1
            else "try other filters"
            if min_ratings <= 1
            else "try other filters, or --min-ratings 1"
            if filters
            else "try --min-ratings 1"
        )
        console.print(
            user_text(f"no movie{asked} has {plural(min_ratings, 'rating')} or more; {hint}", "dim")
        )
        return
    how = "weighted rating" if by == "weighted" else "mean rating"
    console.print(Text(f"ranked by {how}, at least {plural(min_ratings, 'rating')}", style="dim"))
    if explained:
        console.print(
            Text(
                "weighted = v/(v+m)·R + m/(v+m)·C: R the film's mean, v its ratings, "
                "m the minimum ratings (--min-ratings), C the mean of every rating",
                style="dim",
            )
        )


def _top_table(rows: Sequence[TopRow], by: str, explained: bool) -> Table:
    table = list_table()
    table.add_column("#", justify="right")
    table.add_column("id", justify="right", style="cyan")
    table.add_column("title", overflow="fold")
    table.add_column("year", justify="right")
    if explained:
        # R is the average, v the count and (ranked by weight) the score the weighted one.
        for name in TOP_EXPLAIN_FIELDS:
            table.add_column(name, justify="right")
        for row in rows:
            assert isinstance(row, TopExplainedRow)
            table.add_row(
                str(row.rank),
                str(row.id),
                user_text(row.title),
                year_text(row.year),
                f"{row.R:.2f}",
                str(row.v),
                str(row.m),
                f"{row.C:.3f}",
                f"{row.weighted:.3f}",
            )
        return table
    table.add_column("average", no_wrap=True)
    table.add_column("ratings", justify="right")
    table.add_column("score" if by == "weighted" else "mean", justify="right")
    for row in rows:
        table.add_row(
            str(row.rank),
            str(row.id),
            user_text(row.title),
            year_text(row.year),
            Text.assemble((stars(row.average_rating), "yellow"), f" {row.average_rating:.2f}"),
            str(row.rating_count),
            f"{row.score:.3f}",
        )
    return table


def stats(data: CatalogStats, fmt: OutputFormat) -> None:
    if fmt is OutputFormat.json:
        payload = jsonable(data)
        payload["top_genres"] = [{"genre": g, "movies": n} for g, n in data.top_genres]
        write_json(payload)
        return
    if fmt is OutputFormat.csv:
        fields = ["movies", "ratings", "users", "genres", "rated_movies", "average_rating"]
        CsvOut(sys.stdout, fields).row(getattr(data, f) for f in fields)
        return
    console = stdout_console()
    counts = [
        ("movies", str(data.movies)),
        ("rated movies", str(data.rated_movies)),
        ("ratings", str(data.ratings)),
        ("users", str(data.users)),
        ("genres", str(data.genres)),
        ("average rating", mean_text(data.average_rating)),
    ]
    console.print(counts_grid(counts))
    if data.ratings:
        console.print()
        console.print(Text("scores", style="bold"))
        console.print(histogram(data.histogram))
    if data.top_genres:
        console.print()
        genres = list_table()
        genres.add_column("genre")
        genres.add_column("movies", justify="right")
        for name, count in data.top_genres:
            genres.add_row(user_text(name), str(count))
        console.print(Text("top genres", style="bold"))
        console.print(genres)
