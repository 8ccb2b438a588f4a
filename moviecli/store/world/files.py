"""IMDb's dataset files: which ones there are, where they are in a folder, and reading
them line by line (`.tsv.gz` or `.tsv`, UTF-8, one header row, no quoting, `\\N`)."""

from __future__ import annotations

import gzip
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from moviecli.errors import ImportFormatError

REQUIRED = ("title.basics", "title.principals", "name.basics")
OPTIONAL = ("title.akas", "title.ratings", "title.crew")
# title.episode is published too; a film world does not need it.
IGNORED = ("title.episode",)
ALL_FILES = REQUIRED + OPTIONAL + IGNORED
WANTED = REQUIRED + OPTIONAL

HEADERS: dict[str, tuple[str, ...]] = {
    "title.basics": (
        "tconst",
        "titleType",
        "primaryTitle",
        "originalTitle",
        "isAdult",
        "startYear",
        "endYear",
        "runtimeMinutes",
        "genres",
    ),
    "title.akas": (
        "titleId",
        "ordering",
        "title",
        "region",
        "language",
        "types",
        "attributes",
        "isOriginalTitle",
    ),
    "title.crew": ("tconst", "directors", "writers"),
    "title.principals": ("tconst", "ordering", "nconst", "category", "job", "characters"),
    "title.ratings": ("tconst", "averageRating", "numVotes"),
    "name.basics": (
        "nconst",
        "primaryName",
        "birthYear",
        "deathYear",
        "primaryProfession",
        "knownForTitles",
    ),
}
READ_BUFFER = 1 << 20


@dataclass
class WorldFile:
    """One dataset file to load: where it is, and what the server said of it."""

    name: str  # "title.basics"
    path: Path
    last_modified: str | None = None  # HTTP date or the file's modification time (ISO)
    etag: str | None = None

    @property
    def size(self) -> int:
        return self.path.stat().st_size  # 0 for a pipe


def file_date(path: Path) -> str:
    stamp = datetime.fromtimestamp(path.stat().st_mtime, tz=UTC)
    return stamp.strftime("%Y-%m-%dT%H:%M:%SZ")


def find_files(folder: Path) -> dict[str, WorldFile]:
    """The dataset files in a folder (NAME.tsv.gz, else NAME.tsv); the required ones
    must be there."""
    if not folder.is_dir():
        raise ImportFormatError(f"{folder} is not a folder")
    found: dict[str, WorldFile] = {}
    for name in WANTED:
        for suffix in (".tsv.gz", ".tsv"):
            path = folder / f"{name}{suffix}"
            if path.exists() and not path.is_dir():  # a file, or a pipe being written
                found[name] = WorldFile(name, path, last_modified=file_date(path))
                break
    missing = [f"{name}.tsv.gz" for name in REQUIRED if name not in found]
    if missing:
        raise ImportFormatError(
            f"{folder} lacks {', '.join(missing)} (IMDb's dataset files; .tsv also accepted)"
        )
    return found


class Lines:
    """A dataset file's data lines, numbered as in the file (the header is line 1),
    without their line break. Undecodable bytes arrive as lone surrogates (the reader
    refuses such rows); `done` is how many bytes of the file are read."""

    def __init__(self, file: WorldFile) -> None:
        self.file = file
        self._raw = open(file.path, "rb")  # noqa: SIM115 - closed by close()
        binary: io.BufferedIOBase
        if file.path.name.endswith(".gz"):
            binary = gzip.GzipFile(fileobj=self._raw, mode="rb")
        else:
            binary = self._raw
        self._text = io.TextIOWrapper(
            binary,  # type: ignore[arg-type]
            encoding="utf-8",
            errors="surrogateescape",
            newline="\n",
        )
        header = self._text.readline().rstrip("\n").rstrip("\r")
        expected = HEADERS[file.name]
        if tuple(header.split("\t")) != expected:
            self.close()
            raise ImportFormatError(
                f"{file.path.name}: the header is not IMDb's {file.name} header "
                f"(expected {' '.join(expected)})"
            )
        self.columns = len(expected)

    @property
    def done(self) -> int:
        return self._raw.tell()

    def __iter__(self) -> Iterator[tuple[int, str]]:
        number = 1
        try:
            for line in self._text:
                number += 1
                yield number, line[:-1] if line.endswith("\n") else line
        except (EOFError, gzip.BadGzipFile, OSError) as error:
            raise ImportFormatError(
                f"{self.file.path.name} is damaged or cut short after line {number} ({error})"
            ) from None

    def close(self) -> None:
        self._text.close()
        self._raw.close()

    def __enter__(self) -> Lines:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()
