"""Which catalog movie an imported film is: by its id (an export's own, when the title
and year agree), by an external id, by title and year, or by its title alone (formats
that give no year). No SQL here: the catalog's ids come from the bulk writer's maps."""

from __future__ import annotations

from collections.abc import Callable

from moviecli.importers.records import MovieRecord
from moviecli.rules import title_key

MovieKeyOf = Callable[[int], "tuple[str, int | None] | None"]


class MovieMatcher:
    def __init__(
        self,
        *,
        external: dict[str, dict[str, int]],
        by_title: dict[tuple[str, int | None], list[int]],
        key_of: MovieKeyOf,
        merge_same_title: bool,
    ) -> None:
        self.external = external
        self.by_title = by_title
        self._key_of = key_of
        self._merge_same_title = merge_same_title
        self.created: set[int] = set()  # movies this import added
        self._titles: dict[str, list[int]] | None = None

    def match(self, record: MovieRecord) -> int | None:
        """The catalog movie the record is, or None for a new one."""
        key = (title_key(record.title), record.year)
        if record.id is not None and self._key_of(record.id) == key:
            return record.id
        for source, value in record.external_ids.items():
            movie_id = self.external.get(source, {}).get(value)
            if movie_id is not None:
                return movie_id
        for movie_id in self.by_title.get(key, ()):
            if self._merge_same_title or movie_id not in self.created:
                return movie_id
        return None

    def added(self, movie_id: int, record: MovieRecord) -> None:
        """The import added this movie: later records may match it."""
        self.created.add(movie_id)
        self.by_title.setdefault((title_key(record.title), record.year), []).append(movie_id)

    def listed_twice(self, movie_id: int) -> bool:
        """The same film listed twice in one file (MovieLens has a few)."""
        return movie_id in self.created and self._merge_same_title

    def by_title_alone(self, title: str) -> list[int]:
        """Every catalog movie of that title, whatever its year."""
        if self._titles is None:
            self._titles = {}
            for (key, _year), ids in self.by_title.items():
                self._titles.setdefault(key, []).extend(ids)
        return self._titles.get(title_key(title), [])

    def new_external_ids(
        self, movie_id: int, ids: list[tuple[str, str]], add: Callable[[str, str, int], None]
    ) -> bool:
        """Record the (source, value) ids no other movie holds yet (through `add`); True
        when one was added."""
        added = False
        for source, value in ids:
            known = self.external.setdefault(source, {})
            if value in known:
                continue
            add(source, value, movie_id)
            known[value] = movie_id
            added = True
        return added
