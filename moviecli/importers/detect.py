"""Which format a path holds: a folder by its files, a .zip by its members, a file by
its header (or, for JSON, its first character)."""

from __future__ import annotations

import zipfile
from pathlib import Path

from moviecli.errors import ImportFormatError
from moviecli.importers import (
    FORMATS,
    imdb,
    letterboxd,
    moviecli_export,
    movielens,
    netflix,
    trakt,
)
from moviecli.importers.csvfiles import CsvInput, delimiter_hint
from moviecli.importers.records import ImportSource

MOVIELENS_FILES = {
    "userId,movieId,rating,timestamp": "ratings.csv",
    "movieId,title,genres": "movies.csv",
    "movieId,imdbId,tmdbId": "links.csv",
    "userId,movieId,tag,timestamp": "tags.csv",
}


def detect(path: Path) -> str:
    if not path.exists():
        raise ImportFormatError(f"{path} does not exist")
    if path.is_dir():
        if (path / "movies.csv").is_file():
            return "movielens"
        if any((path / name).is_file() for name in (*letterboxd.FILES, letterboxd.LIKES)):
            return "letterboxd"
        if any(trakt.is_trakt_name(name) for name in trakt.find_files(path)):
            return "trakt"
        raise ImportFormatError(
            f"{path} is a folder with neither a MovieLens movies.csv, Letterboxd files "
            f"({', '.join(letterboxd.FILES)}, {letterboxd.LIKES}) nor a Trakt export's "
            "watched-history.json"
        )
    if zipfile.is_zipfile(path):
        if any(trakt.is_trakt_name(name) for name in trakt.find_files(path)):
            return "trakt"
        return "letterboxd"
    source = CsvInput.from_path(path)
    source.check_not_empty_or_binary()
    head = source.head().lstrip(b"\xef\xbb\xbf").lstrip()
    if head.startswith(b"{"):
        return "moviecli"
    if head.startswith(b"["):
        raise ImportFormatError(
            f"{path} is a JSON list; a Trakt export is imported whole: its folder or .zip"
        )
    source.choose_encoding(("cp1252",))
    with source.reader() as reader:
        header = reader.read_header()
    if imdb.looks_like(header) or imdb.looks_like_list(header):
        return "imdb"
    if netflix.looks_like(header):
        return "netflix"
    if letterboxd.kind_of(header) is not None:
        return "letterboxd"
    if moviecli_export.looks_like_csv(header):
        return "moviecli"
    joined = ",".join(header)
    if joined in MOVIELENS_FILES:
        raise ImportFormatError(
            f"{path} is a MovieLens {MOVIELENS_FILES[joined]}: import the folder that holds "
            "it (movies.csv and ratings.csv together)"
        )
    raise ImportFormatError(
        f"cannot tell what {path} is from its header{delimiter_hint(header)}; "
        f"name the format with --from ({'|'.join(FORMATS)})"
    )


def open_source(
    path: Path, *, fmt: str | None, user: str, date_format: str | None = None
) -> ImportSource:
    """Detect (unless told) and open an import. `date_format`: Netflix's dates."""
    fmt = fmt or detect(path)
    if not path.exists():
        raise ImportFormatError(f"{path} does not exist")
    if fmt == "movielens":
        if not path.is_dir():
            raise ImportFormatError(f"{path}: a MovieLens import takes the folder, not a file")
        return movielens.open_folder(path)
    if fmt == "letterboxd":
        return letterboxd.open_path(path, user)
    if fmt == "trakt":
        return trakt.open_path(path, user)
    if path.is_dir():
        raise ImportFormatError(f"{path} is a folder; an {fmt} import takes a file")
    if fmt == "imdb":
        return imdb.open_path(path, user)
    if fmt == "netflix":
        return netflix.open_file(path, user, date_format)
    if fmt == "moviecli":
        return moviecli_export.open_path(path)
    raise ImportFormatError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
