"""The benchmark's reference for `imdb sync --from DIR`: DuckDB loads the same film
subset from the same files into a database file (films with their ratings, their
alternative titles, their principal credits, and the people credited).

    python -m tests.benchmarks.world_duckdb DIR OUT.duckdb"""

from __future__ import annotations

import sys
from pathlib import Path


def load(folder: Path, out: Path) -> None:
    import duckdb

    def source(name: str) -> str:
        path = folder / f"{name}.tsv.gz"
        if not path.exists():
            path = folder / f"{name}.tsv"
        # IMDb's files have no quoting: quote='' and escape='' (NOTES.md).
        return (
            f"read_csv('{path}', delim='\\t', quote='', escape='', header=true, "
            "nullstr='\\N', all_varchar=true)"
        )

    out.unlink(missing_ok=True)
    con = duckdb.connect(str(out))
    con.execute(
        f"""
        CREATE TABLE titles AS
        SELECT CAST(substr(b.tconst, 3) AS INTEGER) AS id, b.titleType AS type,
               b.primaryTitle AS primary_title, b.originalTitle AS original_title,
               CAST(b.isAdult AS INTEGER) AS adult, CAST(b.startYear AS INTEGER) AS start_year,
               CAST(b.runtimeMinutes AS INTEGER) AS runtime, b.genres,
               CAST(r.averageRating AS DOUBLE) AS imdb_rating,
               CAST(r.numVotes AS INTEGER) AS imdb_votes, lower(b.primaryTitle) AS title_key
        FROM {source("title.basics")} b
        LEFT JOIN {source("title.ratings")} r ON r.tconst = b.tconst
        WHERE b.titleType = 'movie' AND b.isAdult = '0'
        """
    )
    con.execute(
        f"""
        CREATE TABLE akas AS
        SELECT CAST(substr(a.titleId, 3) AS INTEGER) AS title_id,
               CAST(a.ordering AS INTEGER) AS ordering, a.title, a.region, a.language,
               lower(a.title) AS title_key
        FROM {source("title.akas")} a
        WHERE CAST(substr(a.titleId, 3) AS INTEGER) IN (SELECT id FROM titles)
        """
    )
    con.execute(
        f"""
        CREATE TABLE principals AS
        SELECT CAST(substr(p.tconst, 3) AS INTEGER) AS title_id,
               CAST(p.ordering AS INTEGER) AS ordering,
               CAST(substr(p.nconst, 3) AS INTEGER) AS name_id, p.category, p.job, p.characters
        FROM {source("title.principals")} p
        WHERE CAST(substr(p.tconst, 3) AS INTEGER) IN (SELECT id FROM titles)
        """
    )
    con.execute(
        f"""
        CREATE TABLE names AS
        SELECT CAST(substr(n.nconst, 3) AS INTEGER) AS id, n.primaryName AS name,
               lower(n.primaryName) AS name_key, CAST(n.birthYear AS INTEGER) AS birth_year,
               CAST(n.deathYear AS INTEGER) AS death_year,
               n.primaryProfession AS professions, n.knownForTitles AS known_for
        FROM {source("name.basics")} n
        WHERE CAST(substr(n.nconst, 3) AS INTEGER) IN (SELECT name_id FROM principals)
        """
    )
    con.close()


if __name__ == "__main__":
    load(Path(sys.argv[1]), Path(sys.argv[2]))
