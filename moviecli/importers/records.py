"""What importers yield (the loader's report, ImportSummary, is in models.views).

Plain dataclasses, not pydantic models: a MovieLens import yields millions of rows,
and each format validates its own fields as it reads them."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import IO, TYPE_CHECKING

from moviecli.models.views import Reject as Reject  # re-exported: the importers yield it
from moviecli.rules import naive_utc

if TYPE_CHECKING:
    from moviecli.models.types import Score


def canonical_time(moment: datetime) -> str:
    """A timestamp as SQLAlchemy stores a DateTime in SQLite (naive UTC, microseconds)."""
    return naive_utc(moment).strftime("%Y-%m-%d %H:%M:%S.%f")


@dataclass(slots=True)
class MovieRecord:
    """One movie as a file describes it. `key` is how this file's ratings refer to it."""

    key: Hashable
    line: int
    title: str
    year: int | None
    genres: list[str] = field(default_factory=list)
    original_title: str | None = None
    runtime_minutes: int | None = None
    director: str | None = None
    external_ids: dict[str, str] = field(default_factory=dict)
    # Ids beyond the first of a source (a film MovieLens lists under two movieIds):
    # moviecli's own export carries them, so that nothing is lost on the way back.
    more_external_ids: list[tuple[str, str]] = field(default_factory=list)
    # moviecli's own export: (role, person key, position) in place of the director text.
    credits: list[tuple[str, int, int]] | None = None
    # moviecli's own export: the id and timestamps to keep when the catalog allows it.
    id: int | None = None
    created_at: str | None = None
    updated_at: str | None = None


@dataclass(slots=True)
class RatingRecord:
    movie_key: Hashable
    user: str
    score: Score  # checked by validate.py, as rules.is_half_star
    rated_at: str  # canonical_time()
    line: int
    review: str | None = None
    user_id: int | None = None  # moviecli's own export: the id to keep when free


@dataclass(slots=True)
class _NamedRecord:
    """A row of a name as moviecli's own export lists them (with the id to keep when free)."""

    name: str
    id: int | None
    line: int


@dataclass(slots=True)
class GenreRecord(_NamedRecord):
    """A genre."""


@dataclass(slots=True)
class PersonRecord:
    """A person as moviecli's own export lists them (with the id to keep when free)."""

    name: str
    id: int
    line: int


@dataclass(slots=True)
class UserRecord(_NamedRecord):
    """A user."""


@dataclass(slots=True)
class TagRecord:
    movie_key: Hashable
    user: str
    tag: str
    tagged_at: str
    line: int


@dataclass(slots=True)
class ViewingRecord:
    """One viewing (a diary entry). `watched_on` is YYYY-MM-DD, or None for "watched,
    date unknown" (kept only when the user has no viewing of the film at all).
    `rewatch` None: a rewatch when the user has an earlier viewing of the film."""

    movie_key: Hashable
    user: str
    watched_on: str | None
    line: int
    rewatch: bool | None = None
    review: str | None = None
    created_at: str | None = None
    file: str = ""
    id: int | None = None  # moviecli's own export: the id to keep when free
    # `created_at` is the moment the film was watched (a Trakt play): the viewing is
    # that moment, whatever day it falls on in this computer's time zone.
    timed: bool = False


@dataclass(slots=True)
class WatchlistRecord:
    movie_key: Hashable
    user: str
    added_at: str  # canonical_time()
    line: int
    note: str | None = None
    file: str = ""


@dataclass(slots=True)
class ListRecord:
    """A list a file declares; its items (ListItemRecord) refer to it by `key`."""

    key: Hashable
    user: str
    name: str
    line: int
    description: str | None = None
    ranked: bool = False
    created_at: str | None = None
    file: str = ""
    id: int | None = None  # moviecli's own export: the id to keep when free


@dataclass(slots=True)
class ListItemRecord:
    """A film on a list. Items are added after the list's last one, in file order."""

    list_key: Hashable
    movie_key: Hashable
    line: int
    note: str | None = None
    added_at: str | None = None
    position: int | None = None  # moviecli's own export: kept as is
    file: str = ""


@dataclass(slots=True)
class TitleRecord:
    """A title to find in the catalog by its title alone (Netflix gives no year): never
    added, skipped and counted when no movie, or more than one, has that title."""

    key: Hashable
    title: str
    line: int
    episode: bool = False  # looks like a series episode: skipped as such when not found


@dataclass(slots=True)
class RawRatings:
    """A chunk of MovieLens-shaped rating rows, straight from the CSV reader:
    [userId, movieId, rating, unix timestamp] as strings. The loader validates and
    maps them in bulk (the fast path: no object per row)."""

    rows: list[list[str]]
    first_line: int
    user_name: Callable[[str], str]


@dataclass(slots=True)
class RatingsFile:
    """A whole MovieLens ratings.csv, its header checked. `rows()` reads it as
    RawRatings chunks (and Progress), which every engine takes; a bulk writer that can
    let its server parse the bytes (PostgreSQL's COPY) reads `open_data()` instead: the
    file's bytes from its first row on, that row being line `first_line`. `done` and
    `total` place its bytes in the whole import's progress."""

    name: str
    size: int
    open_data: Callable[[], IO[bytes]] | None  # None: its header line is not plain
    first_line: int
    user_name: Callable[[str], str]
    rows: Callable[[], Iterator[Item]]
    done: int = 0
    total: int = 0


@dataclass(slots=True)
class Skip:
    """Rows left out on purpose (not an error): counted by reason."""

    reason: str
    count: int = 1
    line: int | None = None  # set when the rest of its row was read (counted with it)


@dataclass(slots=True)
class Progress:
    """How far through its input the importer is (bytes), for the progress bar."""

    done: int
    total: int


Item = (
    MovieRecord
    | RatingRecord
    | GenreRecord
    | UserRecord
    | PersonRecord
    | TagRecord
    | ViewingRecord
    | WatchlistRecord
    | ListRecord
    | ListItemRecord
    | TitleRecord
    | RawRatings
    | RatingsFile
    | Skip
    | Reject
    | Progress
)


@dataclass
class ImportSource:
    """An opened import: what it is, and the records it yields."""

    format: str
    description: str
    items: Callable[[], Iterator[Item]]
    total_bytes: int = 0
    # moviecli's own export: movies of different ids in one file never merge by title.
    merge_same_title: bool = True
    # Letterboxd and Trakt watchlists hold films not yet seen; moviecli's own may hold
    # a film to see again.
    watchlist_skips_watched: bool = True
    # Letterboxd's watched.csv marks a film seen, with no date: kept only for a film with
    # no viewing. moviecli's own export lists every viewing, undated ones too: each is kept.
    undated_only_when_unseen: bool = True
    # The format checked every record with importers/validate.py itself (where it could
    # still say which record of its document was wrong): the loader does not again.
    validated: bool = False
