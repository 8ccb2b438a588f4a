"""How `recommend`, `recommend --evaluate` and `taste` are printed (JSON and CSV through
render's one writer of each). User text reaches Rich only as `Text`."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

from rich.text import Text

from moviecli.options import OutputFormat
from moviecli.recommend.views import Evaluation, Recommendations, TasteProfile
from moviecli.render.emit import (
    CsvOut,
    for_programs,
    stderr_console,
    stdout_console,
    write_csv,
    write_json,
)
from moviecli.render.widgets import list_table, user_text, year_text

RECOMMEND_FIELDS = [
    "rank",
    "id",
    "title",
    "year",
    "genres",
    "score",
    "because",
    "on_watchlist",
    "imdb_id",
    "in_catalog",
]
EVALUATION_FIELDS = [
    "method",
    "hit_rate",
    "hit_rate_se",
    "ndcg",
    "ndcg_se",
    "fit_seconds",
    "chosen",
    "within_noise",
]


@contextmanager
def training_progress(phase: str) -> Iterator[Callable[[int, int], None] | None]:
    """A progress bar on stderr while the ratings are read and the model trains
    (`phase` says which), only when stderr is a terminal."""
    console = stderr_console()
    if not console.is_terminal:
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task(phase, total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update


def recommendations(
    result: Recommendations,
    fmt: OutputFormat,
    *,
    filters: Sequence[str] = (),
    empty: str | None = None,
) -> None:
    """`filters` names the --genre/--from-year/--to-year given and `empty` (when given)
    says why nothing can match, so that an empty answer says what was asked."""
    if for_programs(result.rows, fmt, RECOMMEND_FIELDS):
        return
    console = stdout_console()
    who = ", ".join(result.users)
    if not result.rows:
        if empty is None and filters:
            empty = f"nothing to recommend to {who} among films of {', '.join(filters)}"
        console.print(user_text(empty or f"nothing left to recommend to {who}", "dim"))
        return
    table = list_table()
    table.add_column("#", justify="right")
    table.add_column("id", justify="right", style="cyan")
    table.add_column("title", overflow="fold")
    table.add_column("year", justify="right")
    table.add_column("genres", overflow="fold")
    table.add_column("score", justify="right")
    because = "because of" if result.method == "world" else "because you rated"
    table.add_column(because, overflow="fold", style="dim")
    marked = any(row.on_watchlist for row in result.rows)
    for row in result.rows:
        title = user_text(row.title)
        if marked and row.on_watchlist:
            title.append(" (watchlist)", style="green")
        if not row.in_catalog:
            title.append(" (IMDb)", style="yellow")
        table.add_row(
            str(row.rank),
            str(row.id) if row.id is not None else (row.imdb_id or ""),
            title,
            year_text(row.year),
            user_text(", ".join(row.genres)),
            f"{row.score:.3f}",
            user_text("; ".join(row.because)),
        )
    console.print(table)
    how = {
        "model": "learned from every user's ratings",
        "crowd": "the crowd's best in the genres and people rated highly "
        "(too few ratings to learn from)",
        "model+crowd": "learned from ratings, the crowd's best for members with few ratings",
        "content": "learned from your own ratings of the films' genres, people, decade "
        "and runtime (no one else rates in this catalog)",
        "world": "learned from your own ratings against IMDb's films: their genres, people, "
        "decade, runtime, rating and votes (no crowd to learn from in this catalog)",
    }[result.method]
    group = " (ranked by the least happy member)" if len(result.users) > 1 else ""
    console.print(user_text(f"for {who}{group}: {how}", "dim"))
    if any(not row.in_catalog for row in result.rows):
        console.print(
            user_text(
                "(IMDb): not in the catalog yet; `rate tt…`, `watch tt…` or "
                "`add --imdb tt…` brings one in",
                "dim",
            )
        )


def evaluation(result: Evaluation, fmt: OutputFormat) -> None:
    if fmt is OutputFormat.json:
        write_json(result)
        return
    if fmt is OutputFormat.csv:
        fields = [*EVALUATION_FIELDS, "users", "holdout"]
        out = CsvOut(sys.stdout, fields)
        for row in result.rows:
            values = [row.method, row.hit_rate, row.hit_rate_se, row.ndcg, row.ndcg_se]
            values += [row.fit_seconds, row.chosen, row.within_noise]
            out.row([*values, result.users, result.holdout])
        return
    console = stdout_console()
    table = list_table()
    table.add_column("model")
    table.add_column("HitRate@10", justify="right")
    table.add_column("NDCG@10", justify="right")
    table.add_column("fit", justify="right")
    table.add_column("")
    for row in result.rows:
        note = "chosen" if row.chosen else "within noise" if row.within_noise else ""
        table.add_row(
            Text(row.method, style="bold" if row.chosen else ""),
            f"{row.hit_rate:.4f} ± {row.hit_rate_se:.4f}",
            f"{row.ndcg:.4f} ± {row.ndcg_se:.4f}",
            f"{row.fit_seconds:.1f} s",
            note,
        )
    console.print(table)
    sample = " (a sample of the catalog's users)" if result.sampled_users else ""
    console.print(
        Text(
            f"{result.users:,} users{sample}, each one's {result.holdout} newest rating(s) of 4+ "
            f"held out ({result.held_out:,} held out, {result.train_ratings:,} trained on); "
            f"± one standard error; 'within noise': NDCG@10's 95% interval overlaps the "
            f"chosen one's. The chooser picked {result.chosen} on its own split of the "
            f"training part ({result.validation_users:,} users).",
            style="dim",
        )
    )


def taste(profile: TasteProfile, fmt: OutputFormat) -> None:
    if fmt is OutputFormat.json:
        write_json(profile)
        return
    if fmt is OutputFormat.csv:
        write_csv(
            ["score", "count", "your_percentile", "crowd_percentile", "crowd_equivalent"],
            profile.scale,
        )
        return
    console = stdout_console()
    head = user_text(profile.user, "bold")
    head.append(f"  {profile.ratings:,} ratings, mean {profile.mean:.2f} ± {profile.spread:.2f}")
    head.append(
        f"   crowd: {profile.crowd_ratings:,} ratings, mean {profile.crowd_mean:.2f} "
        f"± {profile.crowd_spread:.2f}",
        style="dim",
    )
    console.print(head)
    console.print()
    scale = list_table()
    scale.add_column("your score", justify="right")
    scale.add_column("times", justify="right")
    scale.add_column("your percentile", justify="right")
    scale.add_column("crowd percentile", justify="right")
    scale.add_column("crowd's equivalent", justify="right")
    for row in profile.scale:
        scale.add_row(
            f"{row.score:.1f}",
            str(row.count),
            f"{row.your_percentile:.0f}",
            f"{row.crowd_percentile:.0f}",
            f"{row.crowd_equivalent:.1f}",
        )
    console.print(Text("your scale", style="bold"))
    console.print(scale)
    if profile.differences:
        console.print()
        console.print(Text("rated most differently from the crowd", style="bold"))
        table = list_table()
        table.add_column("id", justify="right", style="cyan")
        table.add_column("title", overflow="fold")
        table.add_column("year", justify="right")
        table.add_column("you", justify="right")
        table.add_column("crowd", justify="right")
        table.add_column("raters", justify="right")
        for d in profile.differences:
            table.add_row(
                str(d.id),
                user_text(d.title),
                year_text(d.year),
                f"{d.score:.1f}",
                f"{d.crowd_mean:.2f}",
                str(d.crowd_count),
            )
        console.print(table)
    console.print()
    if profile.twins:
        console.print(Text("taste twins", style="bold"))
        table = list_table()
        table.add_column("user", overflow="fold")
        table.add_column("shared films", justify="right")
        table.add_column("agreement", justify="right")
        table.add_column("mean gap", justify="right")
        for t in profile.twins:
            table.add_row(
                user_text(t.user), str(t.shared), f"{t.agreement:+.2f}", f"{t.mean_difference:.2f}"
            )
        console.print(table)
    else:
        console.print(Text("no taste twins yet: no one shares enough rated films", style="dim"))
