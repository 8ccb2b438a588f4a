"""Whether an error is a write refused for want of room: the one place that knows how
a full disk shows itself, so that every writer (the catalog, a world load, a download)
turns it into the same kind of one-line error.

A full disk (ENOSPC), a quota (EDQUOT) and a file-size limit (EFBIG, e.g. `ulimit -f`)
reach Python as OSError; SQLite reports them as SQLITE_FULL ("database or disk is
full") when a write comes up short, but as a plain write error (SQLITE_IOERR_WRITE,
"disk I/O error") when the write is refused outright, so that one counts as a full disk
when the file's folder has no room left or the file has reached the process's size
limit; PostgreSQL reports SQLSTATE 53100 ("could not extend file ...: No space left on
device")."""

from __future__ import annotations

import errno
import os
from pathlib import Path

NO_ROOM_ERRNOS = frozenset({errno.ENOSPC, errno.EFBIG, errno.EDQUOT})
NO_ROOM_TEXTS = ("disk is full", "no space left", "file too large", "quota exceeded")
# Less than this free in the folder: a failed write there is taken for a full disk.
ALMOST_FULL = 1 << 20


def out_of_space(error: BaseException, path: Path | None = None) -> bool:
    """True when `error` (or the driver error it wraps) says there was no room to write;
    `path`: the file being written, to judge a bare SQLite write error by."""
    cause: BaseException = getattr(error, "orig", None) or error
    if isinstance(cause, OSError) and cause.errno in NO_ROOM_ERRNOS:
        return True
    if getattr(cause, "sqlstate", None) == "53100":
        return True
    text = " ".join(str(cause).split()).lower()
    if any(words in text for words in NO_ROOM_TEXTS):
        return True
    if path is None:
        return False
    if getattr(cause, "sqlite_errorname", None) == "SQLITE_IOERR_WRITE":
        return no_room_left(path)
    # ADBC's SQLite driver (the world's compiled reader) gives SQLite's message only.
    if type(cause).__module__.startswith("adbc_driver") and "disk i/o error" in text:
        return no_room_left(path)
    return False


def no_room_left(path: Path) -> bool:
    """The folder of `path` is (nearly) full, or `path` has reached RLIMIT_FSIZE."""
    try:
        stats = os.statvfs(path.parent)
        if stats.f_bavail * stats.f_frsize < ALMOST_FULL:
            return True
    except (OSError, AttributeError):  # AttributeError: no statvfs (Windows)
        pass
    try:
        import resource

        limit, _ = resource.getrlimit(resource.RLIMIT_FSIZE)
    except (ImportError, OSError, ValueError):
        return False
    if limit == resource.RLIM_INFINITY:
        return False
    try:
        return path.stat().st_size + ALMOST_FULL > limit
    except OSError:
        return False
