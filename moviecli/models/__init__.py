"""The models, by job: `types` (column and value types, the naming convention),
`tables` (the tables every catalog command may read) with `tables_lists` (lists),
`tables_shared` (the ratings stamp's row, privacy) and `tables_world` (the IMDb world's
marks), `inputs` (what is validated before a write), `views` (what is printed), `world`
(what the IMDb world's lookups give back and find/show/person/top --imdb print).

Every name is re-exported here, so `from moviecli.models import Movie` keeps working,
and each module loads on the first use of one of its names (PEP 562): a command imports
only the models it names (python -X importtime: `list` no longer builds the lists',
members' and world's tables, nor the inputs). `metadata` loads every table first (the
migrations and `db check` compare them all). `types` sets the metadata's naming
convention, and every table module imports it before it defines a table."""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

from moviecli.rules import utcnow as utcnow

if TYPE_CHECKING:
    from sqlalchemy import MetaData

    from moviecli.models.inputs import (
        MovieCreate as MovieCreate,
        MovieUpdate as MovieUpdate,
        RatingCreate as RatingCreate,
        UserNameInput as UserNameInput,
    )
    from moviecli.models.tables import (
        ExternalId as ExternalId,
        Genre as Genre,
        Movie as Movie,
        MovieBase as MovieBase,
        MovieGenre as MovieGenre,
        MoviePerson as MoviePerson,
        Person as Person,
        Rating as Rating,
        Tag as Tag,
        User as User,
        Viewing as Viewing,
        WatchlistItem as WatchlistItem,
    )
    from moviecli.models.tables_lists import ListItem as ListItem, MovieList as MovieList
    from moviecli.models.tables_shared import CatalogState as CatalogState, Privacy as Privacy
    from moviecli.models.tables_world import (
        MovieImdbField as MovieImdbField,
        PersonImdbId as PersonImdbId,
    )
    from moviecli.models.types import (
        GENRE_SEPARATORS as GENRE_SEPARATORS,
        EpochMillis as EpochMillis,
        GenreList as GenreList,
        OptionalTitle as OptionalTitle,
        PeopleList as PeopleList,
        Review as Review,
        Score as Score,
        Title as Title,
        UserName as UserName,
        fk_column as fk_column,
        long_text_type as long_text_type,
        metadata as metadata,
        text_type as text_type,
        utcnow_millis as utcnow_millis,
    )
    from moviecli.models.views import (
        MAX_REJECTS_SHOWN as MAX_REJECTS_SHOWN,
        CatalogStats as CatalogStats,
        Credit as Credit,
        ImportSummary as ImportSummary,
        ListDetail as ListDetail,
        ListEntry as ListEntry,
        ListSummary as ListSummary,
        MonthCount as MonthCount,
        MovieDetail as MovieDetail,
        MoviePublic as MoviePublic,
        Page as Page,
        PersonFilm as PersonFilm,
        PersonPublic as PersonPublic,
        RatingChange as RatingChange,
        RatingPublic as RatingPublic,
        Reject as Reject,
        TagCount as TagCount,
        TopExplainedRow as TopExplainedRow,
        TopRow as TopRow,
        ViewingPublic as ViewingPublic,
        WatchlistEntry as WatchlistEntry,
        YearReview as YearReview,
    )
    from moviecli.models.world import (
        FindRow as FindRow,
        MovieDetailWithImdb as MovieDetailWithImdb,
        WorldAka as WorldAka,
        WorldCredit as WorldCredit,
        WorldFilm as WorldFilm,
        WorldFilmDetail as WorldFilmDetail,
        WorldPerson as WorldPerson,
        WorldPersonFilm as WorldPersonFilm,
        WorldShow as WorldShow,
        WorldTopRow as WorldTopRow,
    )

# Where each name lives (the imports above say the same to the type checker, and mark
# the names as re-exported).
_HOMES: dict[str, tuple[str, ...]] = {
    "inputs": (
        "MovieCreate",
        "MovieUpdate",
        "RatingCreate",
        "UserNameInput",
    ),
    "tables": (
        "ExternalId",
        "Genre",
        "Movie",
        "MovieBase",
        "MovieGenre",
        "MoviePerson",
        "Person",
        "Rating",
        "Tag",
        "User",
        "Viewing",
        "WatchlistItem",
    ),
    "tables_lists": (
        "ListItem",
        "MovieList",
    ),
    "tables_shared": (
        "CatalogState",
        "Privacy",
    ),
    "tables_world": (
        "MovieImdbField",
        "PersonImdbId",
    ),
    "types": (
        "GENRE_SEPARATORS",
        "EpochMillis",
        "GenreList",
        "OptionalTitle",
        "PeopleList",
        "Review",
        "Score",
        "Title",
        "UserName",
        "fk_column",
        "long_text_type",
        "text_type",
        "utcnow_millis",
    ),
    "views": (
        "MAX_REJECTS_SHOWN",
        "CatalogStats",
        "Credit",
        "ImportSummary",
        "ListDetail",
        "ListEntry",
        "ListSummary",
        "MonthCount",
        "MovieDetail",
        "MoviePublic",
        "Page",
        "PersonFilm",
        "PersonPublic",
        "RatingChange",
        "RatingPublic",
        "Reject",
        "TagCount",
        "TopExplainedRow",
        "TopRow",
        "ViewingPublic",
        "WatchlistEntry",
        "YearReview",
    ),
    "world": (
        "FindRow",
        "MovieDetailWithImdb",
        "WorldAka",
        "WorldCredit",
        "WorldFilm",
        "WorldFilmDetail",
        "WorldPerson",
        "WorldPersonFilm",
        "WorldShow",
        "WorldTopRow",
    ),
}
_HOME = {name: module for module, names in _HOMES.items() for name in names}
TABLE_MODULES = ("tables", "tables_lists", "tables_shared", "tables_world")


def __getattr__(name: str) -> object:
    if name == "metadata":
        return all_tables()
    module = _HOME.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f"moviecli.models.{module}"), name)
    globals()[name] = value  # the next use does not come here
    return value


def all_tables() -> MetaData:
    """The catalog's metadata with every table defined in it."""
    for module in TABLE_MODULES:
        import_module(f"moviecli.models.{module}")
    from moviecli.models.types import metadata

    return metadata
