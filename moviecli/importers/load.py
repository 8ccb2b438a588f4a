"""The one place an import is matched and counted: movies matched or added one by one
(there are at most tens of thousands), ratings mapped to ids in chunks and handed to
the storage layer's bulk writer (moviecli/store/bulk), which stages and merges them
its engine's fastest way. Everything happens inside the command's single transaction,
so an error, Ctrl-C or a kill leaves the catalog as it was. No SQL here."""

from __future__ import annotations

import gc
from collections.abc import Callable, Hashable, Iterable
from datetime import datetime
from itertools import chain
from typing import TYPE_CHECKING, Any, cast

from moviecli.errors import MoviecliError
from moviecli.importers import validate
from moviecli.importers.csvfiles import is_blank
from moviecli.importers.diary import Viewing, new_viewings
from moviecli.importers.matching import MovieMatcher
from moviecli.importers.records import (
    GenreRecord,
    ImportSource,
    ListItemRecord,
    ListRecord,
    MovieRecord,
    PersonRecord,
    Progress,
    RatingRecord,
    RatingsFile,
    RawRatings,
    Reject,
    Skip,
    TagRecord,
    TitleRecord,
    UserRecord,
    ViewingRecord,
    WatchlistRecord,
    canonical_time,
)
from moviecli.models import ImportSummary, utcnow
from moviecli.rules import (
    HALF_STARS,
    PERSON_NAME_MAX,
    check_name,
    check_user_name,
    genre_key,
    latest_unix_seconds,
    parse_score,
    split_names,
    text_key,
    title_key,
)
from moviecli.store.bulk import CopyRefused, MergeCounts

if TYPE_CHECKING:
    from moviecli.store.catalog import UnitOfWork

FLUSH_ROWS = 50_000
# A score as a rating file writes it ("4", "4.5", "4.0"), read once per distinct text.
SCORES = {f"{s:g}": s for s in HALF_STARS} | {f"{s:.1f}": s for s in HALF_STARS}
DUPLICATE_REASON = "duplicate ratings of one movie by one user in this import (kept the latest)"
OLDER_REASON = "ratings older than the one already in the catalog (kept the catalog's)"
WATCHED_REASON = "watchlist entries of films the user has watched"
NO_MOVIE_REASON = "rows about movies that were not imported"

ProgressCallback = Callable[[int, int, int, str], None]


class RejectedRowError(MoviecliError):
    """--strict: the first rejected row fails the whole import."""


def is_integer(key: str) -> bool:
    """Digits as an integer column gives them back: no leading zero, below 2**31."""
    return key.isascii() and key.isdigit() and str(int(key)) == key and int(key) < 2**31


def check_user_key(key: str) -> None:
    if not key.isdigit():
        raise ValueError(f"userId must be a whole number (got {key!r})")


class _UserIds(dict[str, int]):
    """Raw user key -> user id, creating the user on first sight (dict speed on hits)."""

    def __init__(self, loader: Loader, name: Callable[[str], str]) -> None:
        super().__init__()
        self._loader = loader
        self._name = name

    def __missing__(self, key: str) -> int:
        check_user_key(key)
        user_id = self._loader.user_id(self._name(key))
        self[key] = user_id
        return user_id


class Loader:
    def __init__(
        self,
        uow: UnitOfWork,
        source: ImportSource,
        *,
        strict: bool = False,
        progress: ProgressCallback | None = None,
    ) -> None:
        from moviecli.store.bulk import bulk_writer

        self.uow = uow
        self.session = uow.session
        self.bulk = bulk_writer(self.session)
        self._users = uow.users
        self.source = source
        self.strict = strict
        self.progress = progress
        self.summary = ImportSummary(format=source.format, source=source.description)
        # The line of the row being read: a row yields several items (its movie, its
        # rating, its tags), and counts once in the summary's "rows".
        self._row_line: int | None = None
        self.now = canonical_time(utcnow())
        self._movie_ids: dict[Hashable, int] = {}
        self._raw_users: dict[Callable[[str], str], _UserIds] = {}
        self._pending: list[tuple[int, float, str, int, str | None]] = []
        self._tags: list[tuple[int, int, str, str]] = []
        self._viewings: list[Viewing] = []
        self._watchlist: list[tuple[int, int, str, str | None]] = []
        self._lists: dict[Hashable, int] = {}
        self._list_ends: dict[int, int] = {}
        self._unmatched: set[Hashable] = set()
        self._person_ids: dict[int, int] = {}
        self._people: dict[str, int] = {}  # name_key -> id, as store/repo/people found them
        self._directors: list[tuple[int, list[str]]] = []  # (movie id, names), for the end
        self.moments = validate.Moments()
        # Unix seconds accepted for a MovieLens rating: 1970 up to now (rules.check_moment).
        self.latest_seconds = latest_unix_seconds()
        self._tag_texts: dict[str, str] = {}

    # ------------------------------------------------------------ setup

    def run(self) -> ImportSummary:
        # Millions of short-lived rows and tuples, none in a reference cycle: the cyclic
        # garbage collector would only walk them again and again (it doubled the time).
        collecting = gc.isenabled()
        gc.disable()
        try:
            return self._run()
        finally:
            if collecting:
                gc.enable()

    def _run(self) -> ImportSummary:
        started = datetime.now()
        bulk = self.bulk
        maps = bulk.begin()
        self.matcher = MovieMatcher(
            external=maps.external,
            by_title=maps.by_title,
            key_of=bulk.movie_key,
            merge_same_title=self.source.merge_same_title,
        )
        self.users = self._users.ids_by_name()
        self.genres = maps.genres
        for item in self.source.items():
            self._handle(item)
        self._flush_ratings()
        self._phase("writing")
        with bulk.interruptible():
            counts = bulk.merge_ratings()
            self._recount(counts)
            self._record_merge(counts)
        self._flush_directors()
        self._flush_tags()
        self._flush_diary()
        bulk.check_references(
            movies=self._movie_ids.values(), users=self.users.values(), genres=self.genres.values()
        )
        bulk.finish()
        self.summary.seconds = (datetime.now() - started).total_seconds()
        return self.summary

    def _handle(self, item: object) -> None:
        line = getattr(item, "line", None)
        if line is not None:
            if line != self._row_line:
                self.summary.rows += 1
                self._row_line = line
        elif isinstance(item, Progress):  # between files too: the next file's lines restart
            self._row_line = None
        handler = HANDLERS.get(type(item))
        if handler is not None:
            handler(self, item)

    def _ratings_file_or_rows(self, item: RatingsFile) -> None:
        if not self._ratings_file(item):
            for part in item.rows():
                self._handle(part)

    def _movie_or_reject(self, record: MovieRecord) -> None:
        try:
            self._movie(record)
        except ValueError as error:
            self._reject(Reject(record.line, str(error)))

    def _genre(self, record: GenreRecord) -> None:
        try:
            self.genre_id(validate.genre_name(record.name), record.id)
        except ValueError as error:
            self._reject(Reject(record.line, str(error)))

    def _user(self, record: UserRecord) -> None:
        try:
            self.user_id(record.name, record.id)
        except ValueError as error:
            self._reject(Reject(record.line, str(error)))

    def _skip(self, item: Skip) -> None:
        if item.line is None:  # whole rows left out; else part of a row counted above
            self.summary.rows += item.count
        self.summary.skip(item.reason, item.count)

    def _progress(self, item: Progress) -> None:
        if self.progress is not None:
            self.progress(item.done, item.total, self.summary.rows, "reading")

    def _check(self, record: object) -> None:
        """The record checked with the rules (importers/validate.py), once: a format that
        checked its records itself says so (ImportSource.validated)."""
        if not self.source.validated:
            validate.record(record, self.moments, self._tag_texts)

    def _store(self) -> UnitOfWork:
        """The unit of work, for the repositories' rules, with every row written so far."""
        self.bulk.flush()
        return self.uow

    def _phase(self, name: str) -> None:
        if self.progress is not None:
            total = self.source.total_bytes
            self.progress(total, total, self.summary.rows, name)

    def _reject(self, reject: Reject) -> None:
        self.summary.reject(reject)
        if self.strict:
            raise RejectedRowError(
                f"{reject.where()}: {reject.reason} (--strict: nothing was imported)"
            )

    # ------------------------------------------------------------ users

    def user_id(self, name: str, preferred_id: int | None = None) -> int:
        user_id = self.users.get(name)
        if user_id is not None:
            return user_id
        clean = check_user_name(name)  # the rule `--user` follows
        user_id = self.users.get(clean)
        if user_id is None:
            user_id = self.bulk.insert("users", {"name": clean}, preferred_id)
            self.users[clean] = user_id
            self.summary.users_added += 1
        self.users[name] = user_id
        return user_id

    # ------------------------------------------------------------ movies

    def _movie(self, record: MovieRecord) -> None:
        self._check(record)
        movie_id = self.matcher.match(record)
        if movie_id is None:
            movie_id = self._add_movie(record)
            self.summary.movies_added += 1
        else:
            self.summary.movies_matched += 1
            if self._complete(movie_id, record):
                self.summary.movies_updated += 1
        self._movie_ids[record.key] = movie_id

    def _add_movie(self, record: MovieRecord) -> int:
        movie_id = self.bulk.insert(
            "movies",
            {
                "title": record.title,
                "title_key": title_key(record.title),
                "year": record.year,
                "original_title": record.original_title,
                "runtime_minutes": record.runtime_minutes,
                "director": record.director,
                "created_at": record.created_at or self.now,
                "updated_at": record.updated_at or record.created_at or self.now,
                "rating_count": 0,
                "rating_sum": 0.0,
            },
            record.id,
        )
        if record.credits is not None:
            self.bulk.add_credits(
                [
                    (movie_id, role, self._person_ids[person], position)
                    for role, person, position in record.credits
                    if person in self._person_ids
                ]
            )
        elif record.director is not None:
            self._add_directors(movie_id, record.director)
        self.matcher.added(movie_id, record)
        self._add_genres(movie_id, record.genres)
        self._add_external_ids(movie_id, [*record.external_ids.items(), *record.more_external_ids])
        return movie_id

    def genre_id(self, name: str, preferred_id: int | None = None) -> int:
        """The genre's id, creating it (with `preferred_id` when that is free)."""
        key = genre_key(name)
        genre_id = self.genres.get(key)
        if genre_id is not None:
            return genre_id
        genre_id = self.bulk.insert("genres", {"name": name}, preferred_id)
        self.genres[key] = genre_id
        return genre_id

    def _add_genres(self, movie_id: int, names: Iterable[str]) -> None:
        self.bulk.link_genres([(movie_id, self.genre_id(name)) for name in names])

    def _add_external_ids(self, movie_id: int, ids: Iterable[tuple[str, str]]) -> bool:
        """Record the (source, value) ids no other movie holds yet; True when one was added."""
        return self.matcher.new_external_ids(movie_id, list(ids), self.bulk.add_external_id)

    def _add_directors(self, movie_id: int, text: str) -> None:
        """People for a director text as the formats give it ("Joel Coen, Ethan Coen"),
        credited after any the film has, all at once at the end (movies.director is the
        caller's to write)."""
        self._directors.append((movie_id, split_names(text)))

    def _flush_directors(self) -> None:
        if self._directors:
            self._store().people.add_credits(
                role="director", credits=self._directors, known=self._people
            )
            self._directors.clear()

    def _complete(self, movie_id: int, record: MovieRecord) -> bool:
        """Fill what a matched movie lacks (never overwrite); True when something changed."""
        if self.matcher.listed_twice(movie_id):
            # The same film listed twice in one file (MovieLens has a few): keep its
            # other ids so that both listings find it next time; it was not "completed".
            self._add_external_ids(
                movie_id, [*record.external_ids.items(), *record.more_external_ids]
            )
            return False
        gaps = self.bulk.movie_gaps(movie_id)
        changes: dict[str, object] = {}
        if gaps.original_title is None and record.original_title is not None:
            changes["original_title"] = record.original_title
        if gaps.runtime_minutes is None and record.runtime_minutes is not None:
            changes["runtime_minutes"] = record.runtime_minutes
        if gaps.director is None and record.director is not None:
            changes["director"] = record.director
            self._add_directors(movie_id, record.director)
        changed = bool(changes)
        if not gaps.has_genres and record.genres:
            self._add_genres(movie_id, record.genres)
            changed = True
        if self._add_external_ids(
            movie_id,
            [
                (s, v)
                for s, v in [*record.external_ids.items(), *record.more_external_ids]
                if s not in gaps.sources
            ],
        ):
            changed = True
        if changed:
            self.bulk.update_movie(movie_id, changes, self.now)
        return changed

    # ------------------------------------------------------------ ratings

    def _raw_ratings(self, chunk: RawRatings) -> None:
        """The fast path: check and map the whole chunk column by column; on any
        surprise, go through it again row by row to say which line and why."""
        users = self._raw_users.get(chunk.user_name)
        if users is None:
            users = self._raw_users[chunk.user_name] = _UserIds(self, chunk.user_name)
        try:
            flat = self._mapped_columns(chunk.rows, users)
            self.summary.rows += len(chunk.rows)
        except (KeyError, ValueError, TypeError):
            flat = list(chain.from_iterable(self._raw_rows_one_by_one(chunk, users)))
        if flat:
            self.bulk.stage_raw(flat)

    def _mapped_columns(self, rows: list[list[str]], users: _UserIds) -> list[object]:
        """The chunk as one flat list [user_id, movie_id, score, seconds, user_id, ...].
        Each column is mapped by one `map` over its slice, so no Python code runs per
        row (at 25M rows a tuple built per row cost more than SQLite's insert).
        Users last: one is only created once every other column of the chunk passed."""
        if set(map(len, rows)) != {4}:
            raise ValueError("a row without exactly 4 fields")
        flat: list[object] = list(chain.from_iterable(rows))
        flat[1::4] = map(self._movie_ids.__getitem__, cast("list[str]", flat[1::4]))
        flat[2::4] = map(SCORES.__getitem__, cast("list[str]", flat[2::4]))
        stamps = cast("list[str]", flat[3::4])
        if not "".join(stamps).isdigit():
            raise ValueError("a timestamp that is not digits")
        seconds = list(map(int, stamps))
        if max(seconds) > self.latest_seconds:
            raise ValueError("timestamp out of range")
        flat[3::4] = seconds
        flat[0::4] = map(users.__getitem__, cast("list[str]", flat[0::4]))
        return flat

    def _raw_rows_one_by_one(
        self, chunk: RawRatings, users: _UserIds
    ) -> Iterable[tuple[int, int, float, int]]:
        for offset, row in enumerate(chunk.rows):
            if is_blank(row):
                continue  # left out, as in every other file
            self.summary.rows += 1
            line = chunk.first_line + offset
            try:
                user, movie_id, value, seconds = self._raw_row(row)
                yield users[user], movie_id, value, seconds
            except ValueError as error:
                self._reject(Reject(line, str(error), "ratings.csv"))

    def _raw_row(self, row: list[str]) -> tuple[str, int, float, int]:
        """(userId, movie id, score, Unix seconds) of a raw rating row, its user not yet
        looked at; ValueError says what is wrong, the first thing found."""
        if len(row) != 4:
            raise ValueError(f"expected 4 fields, found {len(row)}")
        user, movie, score, stamp = (cell.strip() for cell in row)
        movie_id = self._movie_ids.get(movie)
        if movie_id is None:
            raise ValueError(f"movieId {movie!r} is not in movies.csv")
        value = parse_score(score, what="rating")
        if not stamp.isdigit():
            raise ValueError(f"timestamp must be Unix seconds (got {stamp!r})")
        if int(stamp) > self.latest_seconds:
            raise ValueError(f"timestamp {stamp} is in the future")
        return user, movie_id, value, int(stamp)

    def _ratings_file(self, item: RatingsFile) -> bool:
        """ratings.csv parsed and checked by the server, where the bulk writer can
        (moviecli/importers/rating_bytes.py, moviecli/store/bulk/postgres_csv.py);
        False when the file is to be read row by row (nothing of it was kept)."""
        from moviecli.importers.rating_bytes import NotPlain, pieces

        stage = self.bulk.csv_ratings() if item.open_data is not None else None
        if stage is None or item.open_data is None:
            return False
        others: list[tuple[int, list[str]]] = []
        read = 0
        try:
            with stage.copy(item.first_line) as write:
                for piece in pieces(item.open_data(), item.first_line):
                    write(piece.data)
                    others += piece.others
                    read += piece.rows
                    if self.progress is not None:
                        done = item.done + piece.position
                        self.progress(done, item.total, self.summary.rows + read, "reading")
        except (NotPlain, CopyRefused):
            return False
        self._row_line = None
        keys = stage.user_keys(
            {
                int(key): movie_id
                for key, movie_id in self._movie_ids.items()
                if isinstance(key, str) and is_integer(key)
            },
            list(SCORES),
            self.latest_seconds,
        )
        self.summary.rows += sum(rows for _key, _first, _ok, rows in keys)
        # The server's userIds are integers (plain rows have no leading zeros), so
        # always valid userIds; first line of each one's rows that passed.
        first = {str(key): line for key, line, ok, _rows in keys if ok and line is not None}
        staged_keys = [int(key) for key in first]
        checked = [(line, row, False) for line, row in others]
        if any(ok < rows for _key, _first, ok, rows in keys):
            checked += [(line, row, True) for line, row in stage.rejects()]
        fixed: list[tuple[int, str, int, float, int]] = []
        for line, row, counted in sorted(checked, key=lambda c: c[0]):
            if is_blank(row):
                continue
            if not counted:
                self.summary.rows += 1
            try:
                user, movie_id, value, seconds = self._raw_row(row)
                self._check_raw_user(user, item.user_name(user))
            except ValueError as error:
                self._reject(Reject(line, str(error), "ratings.csv"))
                continue
            fixed.append((line, user, movie_id, value, seconds))
            first[user] = min(line, first.get(user, line))
        new = [
            name
            for _line, name in sorted((line, item.user_name(key)) for key, line in first.items())
            if name not in self.users
        ]
        if new:
            self.users.update(self.bulk.insert_users(new))
            self.summary.users_added += len(new)
        stage.user_ids([(key, self.users[item.user_name(str(key))]) for key in staged_keys])
        self.bulk.stage_lines(
            [
                (line, self.users[item.user_name(user)], movie_id, value, seconds)
                for line, user, movie_id, value, seconds in fixed
            ]
        )
        return True

    def _check_raw_user(self, key: str, name: str) -> None:
        """What creating the user of a raw row would refuse (see _UserIds)."""
        check_user_key(key)
        if name not in self.users:
            check_user_name(name)

    def _rating(self, record: RatingRecord) -> None:
        movie_id = self._movie_ids.get(record.movie_key)
        if movie_id is None:
            # Its movie was rejected (reported already) or skipped.
            self.summary.skip("ratings of movies that were not imported")
            return
        try:
            self._check(record)
            user_id = self.user_id(record.user, record.user_id)
        except ValueError as error:
            self._reject(Reject(record.line, str(error)))
            return
        self._pending.append((movie_id, record.score, record.rated_at, user_id, record.review))
        if len(self._pending) >= FLUSH_ROWS:
            self._flush_ratings()

    def _flush_ratings(self) -> None:
        if self._pending:
            self.bulk.stage_rows(self._pending)
            self._pending.clear()

    def _recount(self, counts: MergeCounts) -> None:
        """What the merge leaves to the repositories' rules: the aggregates of the movies
        it touched, and a new ratings stamp when ratings were added or replaced."""
        if counts.recount != "none":
            only = self.bulk.staged_movies() if counts.recount == "staged" else None
            self._store().ratings.recount_aggregates(only=only)
        if counts.added or counts.replaced:
            self._store().ratings.touch_stamp()

    def _record_merge(self, counts: MergeCounts) -> None:
        summary = self.summary
        summary.ratings_added = counts.added
        summary.ratings_replaced = counts.replaced
        summary.ratings_unchanged = counts.unchanged
        if counts.duplicates:
            summary.skip(DUPLICATE_REASON, counts.duplicates)
        if counts.older:
            summary.skip(OLDER_REASON, counts.older)

    # ------------------------------------------------------------ tags

    def _tag(self, record: TagRecord) -> None:
        movie_id = self._movie_ids.get(record.movie_key)
        if movie_id is None:
            self._reject(
                Reject(record.line, f"tag of an unknown movie {record.movie_key!r}", "tags")
            )
            return
        try:
            self._check(record)
            user_id = self.user_id(record.user)
        except ValueError as error:
            self._reject(Reject(record.line, str(error), "tags"))
            return
        self._tags.append((movie_id, user_id, record.tag, record.tagged_at))

    def _flush_tags(self) -> None:
        if not self._tags:
            return
        added = self.bulk.add_tags(self._tags)
        self.summary.tags_added = added
        self.summary.tags_unchanged = len(self._tags) - added
        self._tags.clear()

    # ------------------------------------------------------------ diary, watchlist, lists

    def _known(
        self, movie_key: Hashable, user: str, line: int, file: str
    ) -> tuple[int, int] | None:
        """(movie id, user id) for a diary, watchlist or list row, or None when the row
        was counted as skipped or rejected."""
        movie_id = self._movie_ids.get(movie_key)
        if movie_id is None:
            if movie_key not in self._unmatched:
                # Its movie was rejected (reported already) or skipped.
                self.summary.skip(NO_MOVIE_REASON)
            return None
        try:
            return movie_id, self.user_id(user)
        except ValueError as error:
            self._reject(Reject(line, str(error), file))
            return None

    def _checked_and_known(self, record: ViewingRecord | WatchlistRecord) -> tuple[int, int] | None:
        """A diary or watchlist row checked, then its (movie id, user id) as `_known`."""
        try:
            self._check(record)
        except ValueError as error:
            self._reject(Reject(record.line, str(error), record.file))
            return None
        return self._known(record.movie_key, record.user, record.line, record.file)

    def _viewing(self, record: ViewingRecord) -> None:
        known = self._checked_and_known(record)
        if known is None:
            return
        self._viewings.append(
            Viewing(
                movie_id=known[0],
                user_id=known[1],
                watched_on=record.watched_on,
                rewatch=record.rewatch,
                review=record.review or None,
                created_at=record.created_at or self.now,
                id=record.id,
                timed=record.timed,
            )
        )

    def _watchlist_entry(self, record: WatchlistRecord) -> None:
        known = self._checked_and_known(record)
        if known is not None:
            self._watchlist.append((known[1], known[0], record.added_at, record.note or None))

    def _list(self, record: ListRecord) -> None:
        self.summary.rows += 1
        try:
            self._check(record)
            user_id = self.user_id(record.user)
        except ValueError as error:
            self._reject(Reject(record.line, str(error), record.file))
            return
        key = text_key(record.name)
        found = self._store().lists.list_named(user_id=user_id, name=record.name)
        list_id = None if found is None else found.id
        if list_id is None:
            list_id = self.bulk.insert(
                "lists",
                {
                    "user_id": user_id,
                    "name": record.name,
                    "name_key": key,
                    "description": record.description,
                    "ranked": record.ranked,
                    "created_at": record.created_at or self.now,
                },
                record.id,
            )
            self.summary.lists_added += 1
        else:
            self.summary.lists_matched += 1
        self._lists[record.key] = list_id

    def _list_item(self, record: ListItemRecord) -> None:
        list_id = self._lists.get(record.list_key)
        if list_id is None:
            self.summary.rows += 1
            self.summary.skip("list entries of lists that were not imported")
            return
        self.summary.rows += 1
        try:
            self._check(record)
        except ValueError as error:
            self._reject(Reject(record.line, str(error), record.file))
            return
        movie_id = self._movie_ids.get(record.movie_key)
        if movie_id is None:
            if record.movie_key not in self._unmatched:
                self.summary.skip(NO_MOVIE_REASON)
            return
        end = self._list_ends.get(list_id)
        if end is None:
            end = self._list_ends[list_id] = self._store().lists.last_position(list_id=list_id)
        position = record.position if record.position is not None else end + 1
        if self.bulk.add_list_item(
            list_id, movie_id, position, record.note or None, record.added_at or self.now
        ):
            self._list_ends[list_id] = max(end, position)
            self.summary.list_items_added += 1
        else:
            self.summary.list_items_unchanged += 1

    def _person(self, record: PersonRecord) -> None:
        """moviecli's own export: the person of that id when the name agrees, else the
        first of that name, else a new row (with the export's id when free)."""
        self.summary.rows += 1
        try:
            name = check_name(record.name, what="person's name", limit=PERSON_NAME_MAX)
        except ValueError as error:
            self._reject(Reject(record.line, str(error)))
            return
        self.bulk.ids_given()
        self._person_ids[record.id] = self._store().people.person_id(
            name=name, preferred_id=record.id, known=self._people
        )

    def _title(self, record: TitleRecord) -> None:
        """A movie found by its title alone: one catalog movie, or none at all."""
        ids = self.matcher.by_title_alone(record.title)
        if len(ids) == 1:
            self._movie_ids[record.key] = ids[0]
            return
        self._unmatched.add(record.key)  # its viewing counts the row
        if record.episode and not ids:
            self.summary.skip("series episodes")
        elif not ids:
            self.summary.skip("titles that match no catalog movie")
        else:
            self.summary.skip("titles that match more than one catalog movie")

    def _flush_diary(self) -> None:
        """Viewings first (which of them are new needs the catalog's), then the
        watchlist, which leaves out the films the user has watched."""
        summary = self.summary
        bulk = self.bulk
        users = sorted({v.user_id for v in self._viewings} | {w[0] for w in self._watchlist})
        existing = bulk.viewings_of(users) if users else []
        found = new_viewings(
            existing,
            self._viewings,
            undated_only_when_unseen=self.source.undated_only_when_unseen,
        )
        new = found.new
        summary.viewings_unchanged += found.unchanged
        for viewing in new:
            if viewing.id is not None:
                bulk.insert("viewings", viewing.values(), viewing.id)
        bulk.add_viewings([v.row() for v in new if v.id is None])
        if new:
            uow = self._store()
            uow.diary.mark_rewatches(user_ids=[v.user_id for v in new])
            uow.watchlist.leave_watchlist(pairs=sorted({(v.user_id, v.movie_id) for v in new}))
        summary.viewings_added += len(new)
        self._viewings.clear()
        entries = self._watchlist
        if self.source.watchlist_skips_watched:
            entries = [w for w in entries if (w[0], w[1]) not in found.seen]
        if len(entries) < len(self._watchlist):
            summary.skip(WATCHED_REASON, len(self._watchlist) - len(entries))
        added = bulk.add_watchlist(entries)
        summary.watchlist_added += added
        summary.watchlist_unchanged += len(entries) - added
        self._watchlist.clear()


HANDLERS: dict[type, Callable[[Loader, Any], None]] = {
    RawRatings: Loader._raw_ratings,
    RatingsFile: Loader._ratings_file_or_rows,
    RatingRecord: Loader._rating,
    MovieRecord: Loader._movie_or_reject,
    TagRecord: Loader._tag,
    ViewingRecord: Loader._viewing,
    WatchlistRecord: Loader._watchlist_entry,
    ListRecord: Loader._list,
    ListItemRecord: Loader._list_item,
    TitleRecord: Loader._title,
    PersonRecord: Loader._person,
    GenreRecord: Loader._genre,
    UserRecord: Loader._user,
    Reject: Loader._reject,
    Skip: Loader._skip,
    Progress: Loader._progress,
}
