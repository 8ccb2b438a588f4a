"""A MovieLens ratings.csv as bytes for a server to parse (PostgreSQL's COPY), with
no Python per row: the file is read in chunks that end at a line end, and a chunk
made only of plain rows (four fields of digits and dots, one line each, no number
with a leading zero: the server reads userId and movieId as integers, and "007" is
not the user "7") goes to the server as it is. Any other chunk is read here with the
csv module, exactly as the row-by-row reader would read it: its rows come back to the
loader with their line numbers, and the server gets one empty row per row in their
place, so that the server's row count keeps matching the file's line numbers.

A file this cannot read the row reader's way (a quote, which may join lines; a
backslash, which COPY may take for its end marker; text that is not UTF-8) raises
NotPlain: the loader then reads the whole file row by row instead."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO

CHUNK_BYTES = 1 << 20
_DIGITS = b"0123456789."
_SHAPE = bytes.maketrans(b"0123456789\n", b"zddddddddd,")


class NotPlain(Exception):
    """The file needs the row-by-row reader."""


@dataclass(slots=True)
class Piece:
    """What one chunk gives: `data` for the server (plain rows, and an empty row in
    place of each other row), the other rows with their lines, and how far the file
    has been read."""

    data: bytes
    rows: int  # rows in `data`, the empty ones included
    others: list[tuple[int, list[str]]] = field(default_factory=list)
    position: int = 0


def pieces(stream: IO[bytes], first_line: int) -> Iterator[Piece]:
    """The file's rows from `first_line` on, chunk by chunk."""
    line = first_line
    position = 0
    rest = b""
    end_of_line: bytes | None = None
    with stream:
        while True:
            block = stream.read(CHUNK_BYTES)
            position += len(block)
            data = rest + block
            if not data:
                return
            if block:
                cut = data.rfind(b"\n") + 1
                if cut == 0:
                    rest = data
                    continue
                data, rest = data[:cut], data[cut:]
            else:
                rest = b""
            if end_of_line is None:
                end_of_line = b"\r\n" if data.split(b"\n", 1)[0].endswith(b"\r") else b"\n"
            piece = _piece(data, line, end_of_line)
            piece.position = position - len(rest)
            line += piece.rows
            yield piece
            if not block:
                return


def _piece(data: bytes, first_line: int, end_of_line: bytes) -> Piece:
    closed = data if data.endswith(b"\n") else data + end_of_line
    if _plain(closed, end_of_line):
        return Piece(closed, closed.count(b"\n"))
    if b'"' in data or b"\\" in data:
        raise NotPlain
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise NotPlain from None
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error:
        raise NotPlain from None
    others = [(first_line + offset, row) for offset, row in enumerate(rows)]
    return Piece((b",,," + end_of_line) * len(rows), len(rows), others)


def _plain(data: bytes, end_of_line: bytes) -> bool:
    """Only rows of four non-empty fields of digits and dots, each on a line ending as
    the file's first does, no number with a leading zero. A miscount of commas within
    the chunk that this lets pass (three and five on two lines) fails the server's
    COPY, and the file is read row by row then. Each check is one pass in C."""
    lines = data.count(b"\n")
    if end_of_line == b"\r\n":
        if data.count(b"\r") != lines or data.count(b"\r\n") != lines:
            return False
        data = data.replace(b"\r\n", b"\n")
    if data.translate(None, _DIGITS + b",\n") or data.count(b",") != 3 * lines:
        return False
    # Field starts, each after a comma: ",," is an empty field or line, ",zd" or ",zz"
    # a leading zero (",z," is 0 and ",z." is 0.5).
    shape = b"," + data.translate(_SHAPE)
    return b",," not in shape and b",zd" not in shape and b",zz" not in shape
