"""Write-behind for the small per-row inserts of an import on PostgreSQL: a MovieLens
movies.csv is 62,000 movies, each an INSERT, its genres and up to three external ids,
and one round trip per statement to a server cost minutes on a busy machine (most of
the 25m import). Here a new row gets its id at once (the next value of its table's
sequence, counted here: an importer holds the write lock, so no one else takes one)
and is kept (only in tables without row security: COPY refuses those); the rows kept
go to the server with one COPY per table (one INSERT ... ON CONFLICT DO NOTHING for
genre links) before any other statement runs, so every read, and every write that is
not kept, sees them. A constraint a kept row breaks fails that flush, inside the
import's transaction, as the INSERT would have."""

from __future__ import annotations

from typing import Any

from moviecli.store.catalog import NEXT_IDS_AS_SQLITE

FLUSH_ROWS = 20_000


class WriteBehind:
    def __init__(self, cursor: Any) -> None:
        self.cursor = cursor
        self._next_id: dict[str, int] = {}
        self._rows: dict[tuple[str, tuple[str, ...]], list[tuple[Any, ...]]] = {}
        self._genre_links: list[tuple[int, int]] = []
        self._external_ids: list[tuple[str, str, int]] = []
        self.kept = 0

    def insert(self, table: str, values: dict[str, Any]) -> int:
        """Keep a row for `table`; its id."""
        next_id = self._next_id.get(table)
        if next_id is None:
            self.cursor.execute(f"SELECT nextval(pg_get_serial_sequence('{table}', 'id'))")
            next_id = int(self.cursor.fetchone()[0])
        self._next_id[table] = next_id + 1
        self._rows.setdefault((table, ("id", *values)), []).append((next_id, *values.values()))
        self.kept += 1
        return next_id

    def link_genres(self, rows: list[tuple[int, int]]) -> None:
        self._genre_links += rows
        self.kept += len(rows)

    def add_external_id(self, source: str, value: str, movie_id: int) -> None:
        self._external_ids.append((source, value, movie_id))
        self.kept += 1

    def flush(self) -> None:
        """Everything kept to the server; each sequence where its inserts left it."""
        if not self.kept:
            return
        cursor = self.cursor
        for (table, columns), rows in self._rows.items():
            with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        if self._next_id:
            # Each sequence after the highest id (a member may not setval; the owner's
            # function may): where the kept inserts would have left it.
            cursor.execute(NEXT_IDS_AS_SQLITE)
        if self._genre_links:
            movies, genres = zip(*self._genre_links, strict=True)
            cursor.execute(
                "INSERT INTO movie_genres (movie_id, genre_id) SELECT * FROM "
                "unnest(%s::integer[], %s::integer[]) ON CONFLICT DO NOTHING",
                (list(movies), list(genres)),
            )
        if self._external_ids:
            with cursor.copy("COPY external_ids (source, value, movie_id) FROM STDIN") as copy:
                for row in self._external_ids:
                    copy.write_row(row)
        self._rows.clear()
        self._next_id.clear()
        self._genre_links.clear()
        self._external_ids.clear()
        self.kept = 0
