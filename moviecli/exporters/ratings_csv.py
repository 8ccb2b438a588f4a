"""The ratings joined with their movie's title and year, one per row, for a spreadsheet;
cells that start with = + - @ get a leading ' (CsvOut) so no spreadsheet runs them as
formulas (the importer takes it off again)."""

from __future__ import annotations

from typing import IO, TYPE_CHECKING

from moviecli.exporters.moviecli_format import CSV_FIELDS, iso

if TYPE_CHECKING:
    from moviecli.store.catalog import UnitOfWork


def write_csv(uow: UnitOfWork, out: IO[str]) -> int:
    from moviecli.render import CsvOut

    writer = CsvOut(out, CSV_FIELDS)
    count = 0
    for movie_id, title, year, user, score, review, rated_at in uow.dump.stream(
        name="ratings_with_titles"
    ):
        writer.row([movie_id, title, year, user, float(score), review, iso(rated_at)])
        count += 1
    return count
