"""IMDb's dataset files: which ones there are, where they are in a folder, and reading
them line by line (`.tsv.gz` or `.tsv`, UTF-8, one header row, no quoting, `\\N`)."""

from __future__ import annotations

import contextlib
import os
import queue
import signal
import sys
import threading
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO, cast

from moviecli.errors import ImportFormatError
from moviecli.rules import iso_utc

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


def quiet_thread() -> None:
    """In a worker thread: leave Ctrl-C and kill signals to the main thread. Linux hands a
    process's signal to any thread that does not block it; one taken by a worker would
    not interrupt the main thread blocked in a read."""
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})


# How much less CPU a thread that calls yielding_thread() gets than one that does not
# when both want it (Linux's nice: 10 is about a tenth).
YIELDING_NICENESS = 10


def yielding_thread() -> None:
    """In a worker thread: run at a lower priority than the process's other threads, and
    so do the threads it starts (Linux: a thread's nice value is its own and inherited;
    elsewhere nothing changes). The world's sync reads at a lower priority than it
    writes: the writing is the longer chain and then never waits for a core."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError):
            current = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
            os.setpriority(
                os.PRIO_PROCESS, threading.get_native_id(), max(current, YIELDING_NICENESS)
            )


def inflate(raw: BinaryIO) -> Iterator[bytes]:
    """The inflated bytes of a gzip stream read from `raw`, every member of it (IMDb's
    files are one member; `cat a.gz b.gz` is two). Raises zlib.error for a damaged
    stream and EOFError for one cut short. ISA-L's inflate (isal) does zlib's work in
    two fifths of its time: every byte of IMDb's files passes through here."""
    from isal import isal_zlib

    damaged = cast("type[Exception]", isal_zlib.error)  # typed as a value in its stubs
    inflater = isal_zlib.decompressobj(wbits=31)
    fed = False  # whether the current member has begun
    try:
        while data := raw.read(READ_BUFFER):
            while data:
                fed = True
                yield inflater.decompress(data)
                if inflater.eof:  # a member ended; another may follow
                    data = inflater.unused_data
                    inflater = isal_zlib.decompressobj(wbits=31)
                    fed = False
                else:
                    data = b""
    except damaged as error:
        raise zlib.error(str(error)) from None
    if fed:
        raise EOFError("the compressed stream ends before its end marker")


def file_date(path: Path) -> str:
    return iso_utc(datetime.fromtimestamp(path.stat().st_mtime, tz=UTC), timespec="seconds")


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
    """A dataset file's data lines as bytes, in blocks: `for first, lines in blocks()`
    gives the number of the block's first line (the header is line 1) and its lines
    without their line break. A `.gz` file is inflated by a thread of its own (zlib lets
    go of the GIL), so decompression and parsing share two cores; memory holds at most
    QUEUED blocks. Only the rows a reader keeps are decoded (as UTF-8, by the reader);
    `done` is how many bytes of the file are read."""

    QUEUED = 8

    def __init__(self, file: WorldFile) -> None:
        self.file = file
        self._raw = open(file.path, "rb")  # noqa: SIM115 - closed by close()
        self._stop = threading.Event()
        self._queue: queue.Queue[bytes | BaseException | None] = queue.Queue(self.QUEUED)
        self._thread: threading.Thread | None = None
        if file.path.name.endswith(".gz"):
            self._thread = threading.Thread(target=self._inflate, daemon=True)
            self._thread.start()
        self._pending = b""
        try:
            header = self._header()
        except BaseException:  # a stream damaged within its first block
            self.close()
            raise
        expected = HEADERS[file.name]
        if tuple(header.decode("utf-8", "replace").rstrip("\r").split("\t")) != expected:
            self.close()
            raise ImportFormatError(
                f"{file.path.name}: the header is not IMDb's {file.name} header "
                f"(expected {' '.join(expected)})"
            )
        self.columns = len(expected)

    @property
    def done(self) -> int:
        try:
            return self._raw.tell()
        except (OSError, ValueError):
            return 0

    def _inflate(self) -> None:
        """The thread: inflate every gzip member into the queue; then None (the end), or
        the error."""
        quiet_thread()
        put = self._put
        try:
            for out in inflate(self._raw):
                if out and not put(out):
                    return
            put(None)
        except (zlib.error, OSError, EOFError, ValueError) as error:
            put(error)

    def _put(self, item: bytes | BaseException | None) -> bool:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def _chunks(self) -> Iterator[bytes]:
        if self._thread is None:
            while data := self._raw.read(READ_BUFFER):
                yield data
            return
        while True:
            item = self._queue.get()
            if item is None:
                return
            if isinstance(item, BaseException):
                raise ImportFormatError(
                    f"{self.file.path.name} is damaged or cut short ({item})"
                ) from None
            yield item

    def _header(self) -> bytes:
        self._source = self._chunks()
        buffer = b""
        for chunk in self._source:
            buffer += chunk
            end = buffer.find(b"\n")
            if end >= 0:
                self._pending = buffer[end + 1 :]
                return buffer[:end]
        self._pending = b""
        return buffer

    def blocks(self) -> Iterator[tuple[int, list[bytes]]]:
        number = 2
        pending = self._pending
        for chunk in self._source:
            data = pending + chunk if pending else chunk
            cut = data.rfind(b"\n")
            if cut < 0:
                pending = data
                continue
            lines = data[:cut].split(b"\n")
            pending = data[cut + 1 :]
            yield number, lines
            number += len(lines)
        if pending:
            lines = pending.split(b"\n")
            if not lines[-1]:
                lines.pop()
            yield number, lines

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self._raw.close()

    def __enter__(self) -> Lines:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()
