"""Every byte an import reads comes through here, from a file on disk or a zip member:
as a stream (never a whole member in memory), with its failures said in one line.

- A zip member is checked before a byte is read: not encrypted, not unpacking to more
  than rules.ZIP_RATIO_MAX times its packed size, not past the format's size limit
  (rules.PERSONAL_FILE_MAX for one person's export). Damage met while reading (a bad
  CRC, a cut-short archive) is an ImportFormatError, not a zlib or zipfile exception.
- At the end of a file, what was read must be what was there when the import looked at
  it: as many bytes as its size, and (on disk) the same size and modification time. A
  file that shrinks, grows or is rewritten while it is read fails the import, which
  then changes nothing, rather than importing half of it.
- A JSON list is read one entry at a time (`json_entries`), so a Trakt history of any
  size never sits in memory as one document."""

from __future__ import annotations

import io
import json
import os
import zipfile
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

from moviecli.errors import ImportFormatError
from moviecli.rules import JSON_ENTRY_MAX, ZIP_RATIO_FROM, ZIP_RATIO_MAX, size_text

# What reading a damaged zip member, or a file that vanished, may raise.
_READ_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, OSError, RuntimeError, ValueError)
CHUNK = 1 << 16


def _damaged(name: str, error: BaseException) -> ImportFormatError:
    detail = str(error) or type(error).__name__
    return ImportFormatError(
        f"{name} cannot be read ({detail}): the file is damaged or cut short; "
        "download or copy it again"
    )


class _Guarded(io.RawIOBase):
    """A raw stream that counts what it reads and checks, at the end, that the file is
    still what it was (`unchanged` returns a reason when it is not)."""

    def __init__(
        self,
        raw: IO[bytes],
        *,
        name: str,
        size: int,
        unchanged: Callable[[], str | None] | None = None,
    ) -> None:
        super().__init__()
        self._raw = raw
        self._name = name
        self._size = size
        self._unchanged = unchanged
        self._count = 0
        self._ended = False

    def readable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._count

    def readinto(self, buffer: Any) -> int:
        try:
            data = self._raw.read(len(buffer))
        except _READ_ERRORS as error:
            raise _damaged(self._name, error) from None
        if not data:
            self._at_end()
            return 0
        self._count += len(data)
        if self._count > self._size:
            raise self._changed(f"it grew past its {self._size:,} bytes")
        buffer[: len(data)] = data
        return len(data)

    def _at_end(self) -> None:
        if self._ended:
            return
        self._ended = True
        if self._count != self._size:
            raise self._changed(f"{self._count:,} of its {self._size:,} bytes were there to read")
        reason = self._unchanged() if self._unchanged is not None else None
        if reason is not None:
            raise self._changed(reason)

    def _changed(self, why: str) -> ImportFormatError:
        return ImportFormatError(
            f"{self._name} changed while it was being imported ({why}); nothing was "
            "imported: import it again once nothing writes to it"
        )

    def close(self) -> None:
        if not self.closed:
            self._raw.close()
        super().close()


def _buffered(raw: _Guarded) -> IO[bytes]:
    return io.BufferedReader(raw, buffer_size=CHUNK)


def open_file(path: Path, info: os.stat_result, name: str | None = None) -> IO[bytes]:
    """A file on disk, as it was when `info` was taken (its size and mtime)."""
    try:
        raw = path.open("rb")
    except OSError as error:
        raise ImportFormatError(f"cannot read {path}: {error.strerror or error}") from None

    def unchanged() -> str | None:
        now = os.fstat(raw.fileno())
        if now.st_size != info.st_size:
            return f"its size went from {info.st_size:,} to {now.st_size:,} bytes"
        if now.st_mtime_ns != info.st_mtime_ns:
            return "it was written to"
        return None

    return _buffered(_Guarded(raw, name=name or str(path), size=info.st_size, unchanged=unchanged))


def check_member(path: Path, info: zipfile.ZipInfo, *, limit: int | None, what: str) -> None:
    """Refuse, before reading it, a member that is encrypted, a bomb, or too big."""
    name = f"{path}:{info.filename}"
    if info.flag_bits & 0x1:
        raise ImportFormatError(
            f"{name} is encrypted; unzip it (with its password) and import the folder"
        )
    if info.file_size > ZIP_RATIO_FROM and info.file_size > ZIP_RATIO_MAX * max(
        info.compress_size, 1
    ):
        raise ImportFormatError(
            f"{name} unpacks to {size_text(info.file_size)} from "
            f"{size_text(info.compress_size)} (more than {ZIP_RATIO_MAX} times): "
            "not an export moviecli reads"
        )
    if limit is not None and info.file_size > limit:
        raise ImportFormatError(
            f"{name} unpacks to {size_text(info.file_size)}; {what} files are at most "
            f"{size_text(limit)}: is it the right file?"
        )


def check_file_size(path: Path, size: int, *, limit: int | None, what: str) -> None:
    if limit is not None and size > limit:
        raise ImportFormatError(
            f"{path} is {size_text(size)}; {what} files are at most {size_text(limit)}: "
            "is it the right file?"
        )


def open_member(path: Path, info: zipfile.ZipInfo) -> IO[bytes]:
    """A zip member as a stream: the archive closes with it."""
    name = f"{path}:{info.filename}"
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as error:
        raise _damaged(str(path), error) from None
    try:
        member = archive.open(info.filename)
    except (*_READ_ERRORS, KeyError, NotImplementedError) as error:
        archive.close()
        raise _damaged(name, error) from None

    class _Member(io.RawIOBase):
        # Closes the archive with the member (ZipExtFile leaves it open).
        def read(self, size: int = -1) -> bytes:
            return member.read(size)

        def close(self) -> None:
            member.close()
            archive.close()
            super().close()

    return _buffered(_Guarded(_Member(), name=name, size=info.file_size))  # type: ignore[arg-type]


def zip_members(path: Path) -> list[zipfile.ZipInfo]:
    """The members of a zip file, listed without reading any of them."""
    try:
        with zipfile.ZipFile(path) as archive:
            return archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as error:
        raise ImportFormatError(
            f"{path} is not a readable .zip file ({error}); download or copy it again"
        ) from None


# ---------------------------------------------------------------- JSON lists, streamed


def json_entries(stream: IO[bytes], name: str) -> Iterator[Any]:
    """The entries of a JSON document that is one list, one at a time (an entry may be
    at most rules.JSON_ENTRY_MAX characters). Refuses anything else with one line."""
    text = io.TextIOWrapper(stream, encoding="utf-8-sig")
    decoder = json.JSONDecoder()
    buffer = ""
    position = 0
    at_end = False

    def more() -> bool:
        nonlocal buffer, position, at_end
        if at_end:
            return False
        try:
            chunk = text.read(CHUNK)
        except UnicodeDecodeError:
            raise ImportFormatError(f"{name} is not UTF-8 text") from None
        if not chunk:
            at_end = True
            return False
        buffer = buffer[position:] + chunk
        position = 0
        return True

    def skip_space() -> str:
        """The next character after white space ('' at the end)."""
        nonlocal position
        while True:
            while position < len(buffer) and buffer[position] in " \t\r\n":
                position += 1
            if position < len(buffer):
                return buffer[position]
            if not more():
                return ""

    def invalid(why: str) -> ImportFormatError:
        return ImportFormatError(f"{name} is not valid JSON ({why})")

    try:
        if skip_space() != "[":
            raise ImportFormatError(f"{name} is not a Trakt export file (not a JSON list)")
        position += 1
        first = True
        while True:
            found = skip_space()
            if found == "]":
                position += 1
                break
            if not first:
                if found != ",":
                    raise invalid(f"expected , or ] near {found!r}")
                position += 1
                skip_space()
            first = False
            while True:
                try:
                    value, end = decoder.raw_decode(buffer, position)
                except json.JSONDecodeError as error:
                    if len(buffer) - position > JSON_ENTRY_MAX:
                        raise ImportFormatError(
                            f"{name}: an entry longer than {size_text(JSON_ENTRY_MAX)}"
                        ) from None
                    if more():
                        continue
                    raise invalid(error.msg) from None
                # A number or word cut at the end of the buffer reads as a shorter one.
                if end == len(buffer) and more():
                    continue
                break
            position = end
            yield value
        if skip_space() != "":
            raise invalid("text after the list")
    except RecursionError:
        raise ImportFormatError(f"{name}: JSON nested too deeply to be an export") from None
