"""What moviecli prints about IMDb's films: the numbered choice, `find`, the IMDb part of
`show`, `person` with a world, `top --imdb`. User and IMDb text reaches Rich only as
`Text` (render.user_text)."""

from __future__ import annotations

from collections.abc import Sequence

from rich.table import Table
from rich.text import Text

from moviecli.models.world import (
    CAST_CATEGORIES,
    FindRow,
    WorldCredit,
    WorldFilm,
    WorldFilmDetail,
    WorldPerson,
    WorldPersonFilm,
    WorldShow,
    WorldTopRow,
)
from moviecli.options import OutputFormat
from moviecli.render.emit import (
    for_programs,
    for_programs_or_empty,
    stderr_console,
    stdout_console,
    write_csv,
    write_json,
)
from moviecli.render.text import plural
from moviecli.render.widgets import (
    list_table,
    person_header,
    score_text,
    seen_text,
    stars,
    title_text,
    user_text,
    year_text,
)

FIND_FIELDS = [
    "id",
    "imdb_id",
    "title",
    "year",
    "type",
    "directors",
    "imdb_rating",
    "imdb_votes",
    "in_catalog",
    "your_score",
]
WORLD_SHOW_FIELDS = [
    "id",
    "imdb_id",
    "title",
    "year",
    "type",
    "original_title",
    "runtime_minutes",
    "genres",
    "directors",
    "imdb_rating",
    "imdb_votes",
    "in_catalog",
]
WORLD_TOP_FIELDS = [
    "rank",
    "imdb_id",
    "id",
    "title",
    "year",
    "genres",
    "imdb_rating",
    "imdb_votes",
    "score",
    "rated",
    "seen",
]


def _votes(votes: int | None) -> str:
    return f"{votes:,}" if votes else "–"


def _imdb_rating(rating: float | None, votes: int | None) -> Text:
    if rating is None:
        return Text("no IMDb rating", style="dim")
    return Text.assemble(f"{rating:.1f}/10", (f" ({_votes(votes)} votes)", "dim"))


def imdb_rating_row(detail: WorldFilmDetail) -> Text:
    """'8.3/10 (700,000 votes)': IMDb's line beside the catalog's rating."""
    return _imdb_rating(detail.imdb_rating, detail.imdb_votes)


# ---------------------------------------------------------------- the choice


def choice(ref: str, films: Sequence[WorldFilm]) -> None:
    """The numbered list a person picks from (on stderr), most voted first."""
    console = stderr_console()
    console.print(user_text(f"'{ref}' names {len(films)} of IMDb's films:", "bold"))
    table = list_table()
    table.add_column("#", justify="right", style="cyan")
    table.add_column("title", overflow="fold")
    table.add_column("year", justify="right")
    table.add_column("type")
    table.add_column("director", overflow="fold")
    table.add_column("votes", justify="right")
    table.add_column("imdb", no_wrap=True, style="dim")
    for n, film in enumerate(films, start=1):
        table.add_row(
            str(n),
            user_text(film.title),
            year_text(film.year),
            film.type,
            user_text(", ".join(film.directors[:2])),
            _votes(film.imdb_votes),
            film.imdb_id,
        )
    console.print(table)


# ---------------------------------------------------------------- find


def find(rows: Sequence[FindRow], fmt: OutputFormat) -> None:
    if for_programs_or_empty(rows, fmt, FIND_FIELDS, empty="no film matches"):
        return
    console = stdout_console()
    table = list_table()
    table.add_column("id", justify="right", style="cyan")
    table.add_column("imdb", no_wrap=True, style="dim")
    table.add_column("title", overflow="fold")
    table.add_column("year", justify="right")
    table.add_column("type")
    table.add_column("director", overflow="fold")
    table.add_column("IMDb", justify="right", no_wrap=True)
    table.add_column("votes", justify="right")
    table.add_column("yours", no_wrap=True)
    for row in rows:
        table.add_row(
            str(row.id) if row.id is not None else "",
            row.imdb_id or "",
            user_text(row.title),
            year_text(row.year),
            row.type or "",
            user_text(", ".join(row.directors[:2])),
            f"{row.imdb_rating:.1f}" if row.imdb_rating is not None else "",
            _votes(row.imdb_votes) if row.imdb_votes else "",
            score_text(row.your_score) if row.in_catalog else Text(""),
        )
    console.print(table)
    in_catalog = sum(1 for row in rows if row.in_catalog)
    console.print(Text(f"{plural(len(rows), 'film')}, {in_catalog} in the catalog", style="dim"))


# ---------------------------------------------------------------- show


def _grouped(credits: Sequence[WorldCredit]) -> list[tuple[str, Text]]:
    directors = [c.name for c in credits if c.category == "director"]
    writers = [c.name + (f" ({c.job})" if c.job else "") for c in credits if c.category == "writer"]
    rows: list[tuple[str, Text]] = []
    if directors:
        rows.append(("directed by", user_text(", ".join(dict.fromkeys(directors)))))
    if writers:
        rows.append(("written by", user_text(", ".join(dict.fromkeys(writers)))))
    return rows


def _cast_table(credits: Sequence[WorldCredit]) -> Table | None:
    cast = [c for c in credits if c.category in CAST_CATEGORIES]
    if not cast:
        return None
    table = list_table(show_header=False, box=None)
    table.add_column("name", overflow="fold")
    table.add_column("as", overflow="fold", style="dim")
    for credit in cast:
        table.add_row(user_text(credit.name), user_text(" / ".join(credit.characters)))
    return table


def _crew_table(credits: Sequence[WorldCredit]) -> Table | None:
    crew = [
        c
        for c in credits
        if c.category not in CAST_CATEGORIES and c.category not in ("director", "writer")
    ]
    if not crew:
        return None
    table = list_table(show_header=False, box=None)
    table.add_column("role", style="dim")
    table.add_column("name", overflow="fold")
    for credit in crew:
        role = credit.category.replace("_", " ")
        if credit.job and credit.job != credit.category:
            role = f"{role} ({credit.job})"
        table.add_row(user_text(role), user_text(credit.name))
    return table


def imdb_part(detail: WorldFilmDetail, *, header: bool = True) -> None:
    """Below a film: IMDb's rating, its people (directors, writers, cast with their
    characters, other crew) and, when asked, its alternative titles."""
    console = stdout_console()
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="dim")
    grid.add_column(overflow="fold")
    if header:
        grid.add_row(
            "IMDb",
            Text.assemble(
                (detail.imdb_id, "cyan"), "  ", _imdb_rating(detail.imdb_rating, detail.imdb_votes)
            ),
        )
    for label, value in _grouped(detail.credits):
        grid.add_row(label, value)
    if grid.row_count:
        console.print()
        console.print(grid)
    cast = _cast_table(detail.credits)
    if cast is not None:
        console.print()
        console.print(Text("cast", style="bold"))
        console.print(cast)
    crew = _crew_table(detail.credits)
    if crew is not None:
        console.print()
        console.print(Text("crew", style="bold"))
        console.print(crew)
    if detail.akas is not None:
        console.print()
        console.print(Text("also known as", style="bold"))
        if not detail.akas:
            console.print(Text("no alternative titles", style="dim"))
        table = list_table(show_header=False, box=None)
        table.add_column("title", overflow="fold")
        table.add_column("where", style="dim")
        for aka in detail.akas:
            where = " ".join(x for x in (aka.region, aka.language) if x)
            table.add_row(user_text(aka.title), user_text(where))
        if detail.akas:
            console.print(table)


def world_show(detail: WorldShow, fmt: OutputFormat) -> None:
    """`show` of one of IMDb's films that is not in the catalog."""
    if for_programs(detail, fmt, WORLD_SHOW_FIELDS):
        return
    console = stdout_console()
    header = Text.assemble((f"{detail.imdb_id} ", "cyan"), title_text(detail.title, detail.year))
    header.append("  not in the catalog", style="dim")
    console.print(header)
    fields = Table.grid(padding=(0, 2))
    fields.add_column(style="dim")
    fields.add_column(overflow="fold")
    original = detail.original_title if detail.original_title != detail.title else None
    rows: list[tuple[str, str | Text | None]] = [
        ("type", detail.type),
        ("original title", original),
        ("genres", ", ".join(detail.genres) or None),
        ("runtime", f"{detail.runtime_minutes} min" if detail.runtime_minutes else None),
        ("IMDb", _imdb_rating(detail.imdb_rating, detail.imdb_votes)),
    ]
    for label, value in rows:
        if value is not None:
            fields.add_row(user_text(label), value if isinstance(value, Text) else user_text(value))
    console.print(fields)
    imdb_part(detail, header=False)


# ---------------------------------------------------------------- person


def people(rows: Sequence[WorldPerson], fmt: OutputFormat) -> None:
    if fmt is OutputFormat.json:
        write_json(rows)
        return
    if fmt is OutputFormat.csv:
        fields = [
            "person_imdb_id",
            "name",
            "imdb_id",
            "id",
            "title",
            "year",
            "role",
            "job",
            "characters",
            "score",
            "seen",
        ]
        flat = [
            {
                "person_imdb_id": p.imdb_id,
                "name": p.name,
                **f.model_dump(),
                "characters": " / ".join(f.characters),
            }
            for p in rows
            for f in p.films
        ]
        write_csv(fields, flat)
        return
    console = stdout_console()
    for n, person in enumerate(rows):
        if n:
            console.print()
        console.print(person_header(person.name, person.imdb_id, label_style="cyan"))
        about = []
        if person.birth_year is not None:
            life = f"born {person.birth_year}"
            if person.death_year is not None:
                life += f", died {person.death_year}"
            about.append(life)
        if person.professions:
            about.append(", ".join(p.replace("_", " ") for p in person.professions))
        if person.known_for:
            about.append("known for " + ", ".join(person.known_for))
        if about:
            console.print(user_text("; ".join(about), style="dim"))
        roles: dict[str, list[WorldPersonFilm]] = {}
        for film in person.films:
            roles.setdefault(film.role, []).append(film)
        for role, films in roles.items():
            table = list_table(title_justify="left")
            table.add_column("id", justify="right", style="cyan")
            table.add_column("imdb", no_wrap=True, style="dim")
            table.add_column(role.replace("_", " "), overflow="fold")
            table.add_column("as", overflow="fold", style="dim")
            table.add_column("seen", no_wrap=True)
            table.add_column("your rating", no_wrap=True)
            for film in films:
                table.add_row(
                    str(film.id) if film.id is not None else "",
                    film.imdb_id,
                    title_text(film.title, film.year),
                    user_text(" / ".join(film.characters) or (film.job or "")),
                    "✓" if film.seen else "",
                    score_text(film.score) if film.score is not None else Text(""),
                )
            console.print()
            console.print(table)
        console.print(seen_text(person.seen, person.count))


# ---------------------------------------------------------------- top --imdb


def top(
    rows: Sequence[WorldTopRow],
    fmt: OutputFormat,
    *,
    weighted: bool,
    min_votes: int,
    mean: float | None,
) -> None:
    empty = (
        f"no film of IMDb's has {plural(min_votes, 'vote')} or more with these "
        "filters; try others, or a lower --min-ratings"
    )
    if for_programs_or_empty(rows, fmt, WORLD_TOP_FIELDS, empty=empty):
        return
    console = stdout_console()
    table = list_table()
    table.add_column("#", justify="right")
    table.add_column("imdb", no_wrap=True, style="dim")
    table.add_column("title", overflow="fold")
    table.add_column("year", justify="right")
    table.add_column("IMDb", justify="right")
    table.add_column("votes", justify="right")
    table.add_column("score" if weighted else "mean", justify="right")
    table.add_column("yours", no_wrap=True)
    for row in rows:
        yours = Text()
        if row.rated is not None:
            yours.append(stars(row.rated), style="yellow")
        elif row.seen:
            yours.append("seen")
        elif row.id is not None:
            yours.append(f"#{row.id}", style="cyan")
        table.add_row(
            str(row.rank),
            row.imdb_id,
            user_text(row.title),
            year_text(row.year),
            f"{row.imdb_rating:.1f}",
            _votes(row.imdb_votes),
            f"{row.score:.3f}",
            yours,
        )
    console.print(table)
    how = "IMDb's weighted rating" if weighted else "IMDb's rating"
    line = f"ranked by {how}, at least {plural(min_votes, 'vote')}"
    if weighted and mean is not None:
        line += f"; v/(v+m)·R + m/(v+m)·C with m = {min_votes:,}, C = {mean:.3f}"
    console.print(Text(line, style="dim"))
