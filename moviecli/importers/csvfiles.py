"""Reading CSV input the same careful way for every format: encodings, NUL bytes,
headers read by name, ragged rows, line numbers, and how far through the file we are."""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import sys
import zipfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from moviecli.errors import ImportFormatError
from moviecli.importers.guard import (
    check_file_size,
    check_member,
    open_file,
    open_member,
    zip_members,
)
from moviecli.importers.records import Progress, Reject

# Titles, reviews and tag lists can be long; the default limit (128 KiB) is the only cap.
csv.field_size_limit(min(sys.maxsize, 2**31 - 1))

SNIFF_BYTES = 64 * 1024


@dataclass
class CsvInput:
    """One CSV file (on disk or inside a zip): `name` is what messages call it."""

    name: str
    open_binary: Callable[[], IO[bytes]]
    size: int
    encoding: str = "utf-8-sig"

    @classmethod
    def from_path(cls, path: Path, *, limit: int | None = None, what: str = "") -> CsvInput:
        """A file on disk, read as it is now (guard.open_file: a change while it is
        read fails the import); `limit`: the most bytes such a file may have."""
        info = path.stat()
        check_file_size(path, info.st_size, limit=limit, what=what)
        return cls(name=str(path), open_binary=lambda: open_file(path, info), size=info.st_size)

    @classmethod
    def from_member(
        cls, path: Path, info: zipfile.ZipInfo, *, limit: int | None = None, what: str = ""
    ) -> CsvInput:
        """A member of a zip file, streamed (guard.open_member), refused first when it is
        encrypted, a zip bomb or past `limit`."""
        check_member(path, info, limit=limit, what=what)
        return cls(
            name=f"{path}:{info.filename}",
            open_binary=lambda: open_member(path, info),
            size=info.file_size,
        )

    def head(self) -> bytes:
        with self.open_binary() as f:
            return f.read(SNIFF_BYTES)

    def check_not_empty_or_binary(self) -> None:
        head = self.head()
        if not head.strip():
            raise ImportFormatError(f"{self.name} is empty: nothing to import")
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            raise ImportFormatError(
                f"{self.name} is UTF-16 text; save it as UTF-8 (CSV UTF-8 in a spreadsheet) "
                "and try again"
            )
        if head.startswith(b"PK\x03\x04"):
            raise ImportFormatError(
                f"{self.name} looks like a .zip file that cannot be read (cut short or "
                "damaged?); download or copy it again"
            )
        first_line = head.split(b"\n", 1)[0]
        if b"\x00" in first_line:
            raise ImportFormatError(
                f"{self.name} contains NUL bytes: it looks like a binary file, not CSV"
            )

    def choose_encoding(self, fallbacks: Sequence[str] = ()) -> None:
        """UTF-8 (with or without a BOM) when the whole file decodes as such, else the
        first fallback that does (IMDb exports made on Windows are cp1252)."""
        for encoding in ("utf-8-sig", *fallbacks):
            if self._decodes_as(encoding):
                self.encoding = encoding
                return
        raise ImportFormatError(
            f"{self.name} is not text in {' or '.join(['UTF-8', *fallbacks])}; "
            "save it as UTF-8 and try again"
        )

    def _decodes_as(self, encoding: str) -> bool:
        decoder = codecs.getincrementaldecoder(encoding)()
        with self.open_binary() as f:
            try:
                while chunk := f.read(1 << 20):
                    decoder.decode(chunk)
                decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                return False
        return True

    def reader(self) -> CsvReader:
        return CsvReader(self)


def zip_inputs(
    path: Path, names: Sequence[str], *, leave_out: Sequence[str] = ()
) -> dict[str, CsvInput]:
    """The CSV files called `names` in a .zip, at its top or in a folder inside it (the
    MovieLens zips hold one folder), read as streams (ratings.csv can be 700 MB).
    Members in the folders `leave_out` are not read."""
    found: dict[str, CsvInput] = {}
    for info in zip_members(path):
        parts = info.filename.strip("/").split("/")
        if info.is_dir() or len(parts) > 2 or parts[-1] not in names:
            continue
        if len(parts) == 2 and parts[0] in leave_out:
            continue
        if parts[-1] in found:
            raise ImportFormatError(
                f"{path} holds {parts[-1]} twice ({found[parts[-1]].name} and "
                f"{info.filename}); unzip it and import one folder"
            )
        found[parts[-1]] = CsvInput.from_member(path, info)
    return found


class CsvReader:
    """Rows with their line numbers; `position` is how many bytes have been read."""

    def __init__(self, source: CsvInput) -> None:
        self.source = source
        self._binary = source.open_binary()
        self._text = io.TextIOWrapper(self._binary, encoding=source.encoding, newline="")
        self._csv = csv.reader(self._text)
        self.header: list[str] = []

    def __enter__(self) -> CsvReader:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        self._text.close()

    @property
    def position(self) -> int:
        try:
            return self._binary.tell()
        except (OSError, ValueError):
            return 0

    @property
    def line_num(self) -> int:
        return self._csv.line_num

    def read_header(self) -> list[str]:
        try:
            row = next(self._csv, None)
        except csv.Error as error:
            raise ImportFormatError(f"{self.source.name}: unreadable header ({error})") from None
        except UnicodeDecodeError:
            raise self._not_utf8() from None
        if row is None:
            raise ImportFormatError(f"{self.source.name} is empty: nothing to import")
        self.header = [cell.strip().lstrip("\ufeff") for cell in row]
        return self.header

    @contextmanager
    def _readable(self) -> Iterator[None]:
        """Decoding and CSV problems met while reading rows, as one clear error."""
        try:
            yield
        except UnicodeDecodeError:
            raise self._not_utf8() from None
        except csv.Error as error:
            raise ImportFormatError(
                f"{self.source.name}, line {self.line_num}: unreadable CSV ({error})"
            ) from None

    def chunk(self, size: int) -> list[list[str]]:
        """The next `size` rows as the csv module reads them, blank ones included
        ([] at the end): the fast path, which keeps one line per row."""
        with self._readable():
            return list(itertools.islice(self._csv, size))

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        """(line number where the row starts, cells); blank lines are left out."""
        start = self.line_num + 1
        with self._readable():
            for row in self._csv:
                line = start
                start = self.line_num + 1
                if not is_blank(row):
                    yield line, row

    def _not_utf8(self) -> ImportFormatError:
        return ImportFormatError(
            f"{self.source.name}, near line {self.line_num + 1}: not UTF-8 text; "
            "save it as UTF-8 and try again"
        )


def is_blank(row: Sequence[str]) -> bool:
    """A blank line as the csv module reads it: no cells, or one of spaces."""
    return not row or (len(row) == 1 and not row[0].strip())


def column_index(
    header: Sequence[str],
    *,
    required: Mapping[str, Sequence[str]],
    optional: Mapping[str, Sequence[str]] | None = None,
    name: str,
    what: str,
) -> dict[str, int]:
    """Map field names to column positions, each field known by one or more header
    names (matched case-insensitively). Refuses a header that lacks a required field."""
    lowered = {cell.strip().casefold(): i for i, cell in reversed(list(enumerate(header)))}
    found: dict[str, int] = {}
    missing: list[str] = []
    for field, aliases in {**required, **(optional or {})}.items():
        for alias in aliases:
            if alias.casefold() in lowered:
                found[field] = lowered[alias.casefold()]
                break
        else:
            if field in required:
                missing.append(aliases[0])
    if missing:
        raise ImportFormatError(
            f"{name} does not look like {what}: no column {', '.join(repr(m) for m in missing)}"
            f"{delimiter_hint(header)}"
        )
    return found


def delimiter_hint(header: Sequence[str]) -> str:
    if len(header) == 1:
        for delimiter, label in ((";", "semicolons"), ("\t", "tabs"), ("|", "bars")):
            if delimiter in header[0]:
                return (
                    f" (its columns are separated by {label}; moviecli reads comma-separated files)"
                )
    shown = ", ".join(header[:8]) + (", ..." if len(header) > 8 else "")
    return f" (its header is: {shown})"


def check_width(row: Sequence[str], width: int) -> str | None:
    """Why a row cannot be read, or None."""
    if len(row) != width:
        return f"expected {width} fields, found {len(row)}"
    for cell in row:
        if "\x00" in cell:
            return "contains a NUL byte"
    return None


@dataclass(frozen=True, slots=True)
class CsvRow:
    """One readable row: its line number, its cells, and where each named column is."""

    line: int
    cells: list[str]
    index: dict[str, int]


def checked_rows(
    source: CsvInput,
    *,
    required: Mapping[str, Sequence[str]],
    optional: Mapping[str, Sequence[str]] | None = None,
    what: str,
    file: str = "",
    progress_every: int = 1000,
) -> Iterator[CsvRow | Reject | Progress]:
    """A headed CSV file read by column name: each row of the right width without NUL
    bytes as a CsvRow, any other as a Reject; a Progress every `progress_every` rows
    and one at the end."""
    with source.reader() as reader:
        header = reader.read_header()
        index = column_index(
            header, required=required, optional=optional, name=source.name, what=what
        )
        for count, (line, row) in enumerate(reader.rows(), start=1):
            problem = check_width(row, len(header))
            yield CsvRow(line, row, index) if problem is None else Reject(line, problem, file)
            if count % progress_every == 0:
                yield Progress(reader.position, source.size)
    yield Progress(source.size, source.size)
