"""The models, by job: `types` (column and value types, the naming convention),
`tables`, `inputs` (what is validated before a write), `views` (what is printed),
`world` (what the IMDb world's lookups give back and find/show/person/top --imdb print).

Every name is re-exported here, so `from moviecli.models import Movie` keeps working.
`types` sets the metadata's naming convention, and `tables` imports it before it
defines any table."""

from __future__ import annotations

from typing import TYPE_CHECKING

from moviecli.models.inputs import (
    MovieCreate,
    MovieUpdate,
    RatingCreate,
    UserNameInput,
)
from moviecli.models.tables import (
    CatalogState,
    ExternalId,
    Genre,
    ListItem,
    Movie,
    MovieBase,
    MovieGenre,
    MovieImdbField,
    MovieList,
    MoviePerson,
    Person,
    PersonImdbId,
    Privacy,
    Rating,
    Tag,
    User,
    Viewing,
    WatchlistItem,
)
from moviecli.models.types import (
    GENRE_SEPARATORS,
    EpochMillis,
    GenreList,
    OptionalTitle,
    PeopleList,
    Review,
    Score,
    Title,
    UserName,
    fk_column,
    long_text_type,
    metadata,
    text_type,
    utcnow_millis,
)
from moviecli.models.views import (
    MAX_REJECTS_SHOWN,
    CatalogStats,
    Credit,
    ImportSummary,
    ListDetail,
    ListEntry,
    ListSummary,
    MonthCount,
    MovieDetail,
    MoviePublic,
    Page,
    PersonFilm,
    PersonPublic,
    RatingChange,
    RatingPublic,
    Reject,
    TagCount,
    TopExplainedRow,
    TopRow,
    ViewingPublic,
    WatchlistEntry,
    YearReview,
)
from moviecli.rules import utcnow

__all__ = [
    "GENRE_SEPARATORS",
    "MAX_REJECTS_SHOWN",
    "CatalogState",
    "CatalogStats",
    "Credit",
    "EpochMillis",
    "ExternalId",
    "FindRow",
    "Genre",
    "GenreList",
    "ImportSummary",
    "ListDetail",
    "ListEntry",
    "ListItem",
    "ListSummary",
    "MonthCount",
    "Movie",
    "MovieBase",
    "MovieCreate",
    "MovieDetail",
    "MovieDetailWithImdb",
    "MovieGenre",
    "MovieImdbField",
    "MovieList",
    "MoviePerson",
    "MoviePublic",
    "MovieUpdate",
    "OptionalTitle",
    "Page",
    "PeopleList",
    "Person",
    "PersonFilm",
    "PersonImdbId",
    "PersonPublic",
    "Privacy",
    "Rating",
    "RatingChange",
    "RatingCreate",
    "RatingPublic",
    "Reject",
    "Review",
    "Score",
    "Tag",
    "TagCount",
    "Title",
    "TopExplainedRow",
    "TopRow",
    "User",
    "UserName",
    "UserNameInput",
    "Viewing",
    "ViewingPublic",
    "WatchlistEntry",
    "WatchlistItem",
    "WorldAka",
    "WorldCredit",
    "WorldFilm",
    "WorldFilmDetail",
    "WorldPerson",
    "WorldPersonFilm",
    "WorldShow",
    "WorldTopRow",
    "YearReview",
    "fk_column",
    "long_text_type",
    "metadata",
    "text_type",
    "utcnow",
    "utcnow_millis",
]

if TYPE_CHECKING:
    from moviecli.models.world import (
        FindRow,
        MovieDetailWithImdb,
        WorldAka,
        WorldCredit,
        WorldFilm,
        WorldFilmDetail,
        WorldPerson,
        WorldPersonFilm,
        WorldShow,
        WorldTopRow,
    )

# The IMDb world's view models load on first use, from moviecli.models.world: only the
# commands that read the world need them (python -X importtime: every other command
# imported them through this package).
_WORLD = frozenset(
    {
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
    }
)


def __getattr__(name: str) -> object:
    if name in _WORLD:
        from moviecli.models import world

        return getattr(world, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
