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

    from moviecli.models.inputs import MovieCreate as MovieCreate
    from moviecli.models.inputs import MovieUpdate as MovieUpdate
    from moviecli.models.inputs import RatingCreate as RatingCreate
    from moviecli.models.inputs import UserNameInput as UserNameInput
    from moviecli.models.tables import ExternalId as ExternalId
    from moviecli.models.tables import Genre as Genre
    from moviecli.models.tables import Movie as Movie
    from moviecli.models.tables import MovieBase as MovieBase
    from moviecli.models.tables import MovieGenre as MovieGenre
    from moviecli.models.tables import MoviePerson as MoviePerson
    from moviecli.models.tables import Person as Person
    from moviecli.models.tables import Rating as Rating
    from moviecli.models.tables import Tag as Tag
    from moviecli.models.tables import User as User
    from moviecli.models.tables import Viewing as Viewing
    from moviecli.models.tables import WatchlistItem as WatchlistItem
    from moviecli.models.tables_lists import ListItem as ListItem
    from moviecli.models.tables_lists import MovieList as MovieList
    from moviecli.models.tables_shared import CatalogState as CatalogState
    from moviecli.models.tables_shared import Privacy as Privacy
    from moviecli.models.tables_world import MovieImdbField as MovieImdbField
    from moviecli.models.tables_world import PersonImdbId as PersonImdbId
    from moviecli.models.types import GENRE_SEPARATORS as GENRE_SEPARATORS
    from moviecli.models.types import EpochMillis as EpochMillis
    from moviecli.models.types import GenreList as GenreList
    from moviecli.models.types import OptionalTitle as OptionalTitle
    from moviecli.models.types import PeopleList as PeopleList
    from moviecli.models.types import Review as Review
    from moviecli.models.types import Score as Score
    from moviecli.models.types import Title as Title
    from moviecli.models.types import UserName as UserName
    from moviecli.models.types import fk_column as fk_column
    from moviecli.models.types import long_text_type as long_text_type
    from moviecli.models.types import metadata as metadata
    from moviecli.models.types import text_type as text_type
    from moviecli.models.types import utcnow_millis as utcnow_millis
    from moviecli.models.views import MAX_REJECTS_SHOWN as MAX_REJECTS_SHOWN
    from moviecli.models.views import CatalogStats as CatalogStats
    from moviecli.models.views import Credit as Credit
    from moviecli.models.views import ImportSummary as ImportSummary
    from moviecli.models.views import ListDetail as ListDetail
    from moviecli.models.views import ListEntry as ListEntry
    from moviecli.models.views import ListSummary as ListSummary
    from moviecli.models.views import MonthCount as MonthCount
    from moviecli.models.views import MovieDetail as MovieDetail
    from moviecli.models.views import MoviePublic as MoviePublic
    from moviecli.models.views import Page as Page
    from moviecli.models.views import PersonFilm as PersonFilm
    from moviecli.models.views import PersonPublic as PersonPublic
    from moviecli.models.views import RatingChange as RatingChange
    from moviecli.models.views import RatingPublic as RatingPublic
    from moviecli.models.views import Reject as Reject
    from moviecli.models.views import TagCount as TagCount
    from moviecli.models.views import TopExplainedRow as TopExplainedRow
    from moviecli.models.views import TopRow as TopRow
    from moviecli.models.views import ViewingPublic as ViewingPublic
    from moviecli.models.views import WatchlistEntry as WatchlistEntry
    from moviecli.models.views import YearReview as YearReview
    from moviecli.models.world import FindRow as FindRow
    from moviecli.models.world import MovieDetailWithImdb as MovieDetailWithImdb
    from moviecli.models.world import WorldAka as WorldAka
    from moviecli.models.world import WorldCredit as WorldCredit
    from moviecli.models.world import WorldFilm as WorldFilm
    from moviecli.models.world import WorldFilmDetail as WorldFilmDetail
    from moviecli.models.world import WorldPerson as WorldPerson
    from moviecli.models.world import WorldPersonFilm as WorldPersonFilm
    from moviecli.models.world import WorldShow as WorldShow
    from moviecli.models.world import WorldTopRow as WorldTopRow

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
