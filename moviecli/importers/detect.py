"""Which format a path holds: a folder by its files, a .zip by its members, a file by
its header (or, for JSON, its first character)."""

from __future__ import annotations

import errno
import os
import shutil
import stat
import sys
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
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
from moviecli.importers.csvfiles import CsvInput, delimiter_hint, zip_inputs
from moviecli.importers.records import ImportSource

MOVIELENS_FILES = {
    "userId,movieId,rating,timestamp": "ratings.csv",
    "movieId,title,genres": "movies.csv",
    "movieId,imdbId,tmdbId": "links.csv",
    "userId,movieId,tag,timestamp": "tags.csv",
}


STDIN = "-"


@contextmanager
def stdin_copy(path: Path) -> Iterator[Path]:
    """`import -`: standard input, copied to a temporary file first (detecting the format
    and checking the encoding read the input more than once). Any other path as is."""
    if str(path) != STDIN:
        yield path
        return
    if sys.stdin is None or sys.stdin.isatty():
        raise ImportFormatError(
            "import - reads standard input, but it is a terminal; pipe a file in "
            "(moviecli import - < ratings.csv)"
        )
    folder = Path(tempfile.mkdtemp(prefix="moviecli-stdin-"))
    try:
        copy = folder / "standard-input"
        with copy.open("wb") as sink:
            shutil.copyfileobj(sys.stdin.buffer, sink, 1 << 20)
        yield copy
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def check_readable(path: Path) -> os.stat_result:
    """Refuse, before reading a byte, what is neither a regular file nor a folder: a FIFO
    or a device would hang the import or never end (/dev/zero)."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        if path.is_symlink():
            raise ImportFormatError(
                f"{path} is a symbolic link to {os.readlink(path)}, which does not exist"
            ) from None
        raise ImportFormatError(f"{path} does not exist; check the name") from None
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise ImportFormatError(
                f"{path} is a loop of symbolic links; point it at a real file"
            ) from None
        raise ImportFormatError(f"cannot read {path}: {error.strerror or error}") from None
    if not (stat.S_ISREG(info.st_mode) or stat.S_ISDIR(info.st_mode)):
        kind = (
            "a FIFO (named pipe)"
            if stat.S_ISFIFO(info.st_mode)
            else "a device"
            if stat.S_ISCHR(info.st_mode) or stat.S_ISBLK(info.st_mode)
            else "not a regular file"
        )
        raise ImportFormatError(
            f"{path} is {kind}, not a file, folder or .zip; to import from a pipe, "
            f"use: moviecli import - < {path}"
        )
    return info


def _movielens_folder(path: Path) -> Path | None:
    """The MovieLens folder at `path`, or the one folder inside it that is one."""
    if (path / "movies.csv").is_file():
        return path
    inside = [child for child in path.iterdir() if (child / "movies.csv").is_file()]
    return inside[0] if len(inside) == 1 else None


def detect(path: Path) -> str:
    check_readable(path)
    if path.is_dir():
        if _movielens_folder(path) is not None:
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
        if "movies.csv" in zip_inputs(path, movielens.FILES):
            return "movielens"
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
    path: Path,
    *,
    fmt: str | None,
    user: str,
    date_format: str | None = None,
    as_: str | None = None,
) -> ImportSource:
    """Detect (unless told) and open an import. `date_format`: Netflix's dates; `as_`:
    which of Letterboxd's files sharing one header a lone CSV is. Each option is
    refused for a format it does not apply to."""
    check_readable(path)
    fmt = fmt or detect(path)
    if date_format is not None and fmt != "netflix":
        raise ImportFormatError(
            f"--date-format is for Netflix viewing histories; {path} is a {fmt} import "
            "(its dates are read as the format writes them): leave out --date-format"
        )
    if as_ is not None and fmt != "letterboxd":
        raise ImportFormatError(
            f"--as is for Letterboxd's watched.csv and watchlist.csv; {path} is a {fmt} "
            "import: leave out --as"
        )
    if fmt == "movielens":
        if path.is_dir():
            folder = _movielens_folder(path)
            if folder is None:
                raise ImportFormatError(f"{path} has no movies.csv: not a MovieLens folder")
            return movielens.open_folder(folder)
        if zipfile.is_zipfile(path):
            return movielens.open_inputs(
                zip_inputs(path, movielens.FILES), f"MovieLens export {path}"
            )
        raise ImportFormatError(
            f"{path}: a MovieLens import takes the folder (or the .zip), not one file"
        )
    if fmt == "letterboxd":
        return letterboxd.open_path(path, user, as_)
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
