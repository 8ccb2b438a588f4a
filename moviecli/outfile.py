"""The one way moviecli writes a file it was told to write (`export -o`, `db backup`).

- `-` is standard output.
- A symbolic link is followed to the file it names; the link itself stays.
- A regular file (or a new one) is written beside itself under a temporary name and
  renamed over the target only when complete: a failed or interrupted write leaves the
  old file as it was. An existing file is replaced only with `force`.
- Anything else that can be written (a device, a FIFO) is written into directly: a
  rename would replace the device or pipe itself (run as root, `export -o /dev/null`
  once turned the machine's /dev/null into a regular file).

Standard library only."""

from __future__ import annotations

import errno
import os
import shutil
import stat
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from moviecli.errors import MoviecliError

STDOUT = "-"


class OutputError(MoviecliError):
    pass


@dataclass(frozen=True)
class Target:
    """Where the bytes go: `path` is None for stdout; `direct` when it is not a regular file."""

    path: Path | None
    direct: bool
    mode: int | None  # the replaced file's permission bits, kept


def plan(target: str | os.PathLike[str], *, force: bool, what: str = "file") -> Target:
    """Decide how to write `target`, refusing before anything is written."""
    if os.fspath(target) == STDOUT:
        return Target(path=None, direct=True, mode=None)
    given = Path(target).expanduser()
    if not os.fspath(given):
        raise OutputError(f"the {what} name is empty")
    try:
        real = Path(os.path.realpath(given, strict=False))
        info = os.stat(real)
    except FileNotFoundError:
        info = None
    except OSError as error:
        raise OutputError(_os_problem(given, error, what)) from None
    if info is None:
        folder = real.parent
        if not folder.is_dir():
            raise OutputError(
                f"cannot write {given}: the folder {folder} does not exist; create it first"
            )
        return Target(path=real, direct=False, mode=None)
    if stat.S_ISDIR(info.st_mode):
        raise OutputError(f"cannot write {given}: it is a folder; name a file inside it")
    if stat.S_ISREG(info.st_mode):
        if not force:
            raise OutputError(
                f"{given} already exists; use --force to replace it, or choose another name"
            )
        return Target(path=real, direct=False, mode=stat.S_IMODE(info.st_mode))
    return Target(path=real, direct=True, mode=None)


def _os_problem(path: Path, error: OSError, what: str) -> str:
    if error.errno == errno.ELOOP:
        return f"cannot write {path}: it is a loop of symbolic links; point it at a real {what}"
    return f"cannot write {path}: {error.strerror or error}"


@contextmanager
def open_output(
    target: str | os.PathLike[str], *, force: bool, what: str = "file"
) -> Iterator[IO[str]]:
    """A text stream to write `target` through (see the module's rules)."""
    where = plan(target, force=force, what=what)
    if where.path is None:
        yield sys.stdout
        sys.stdout.flush()
        return
    if where.direct:
        with _opened(where.path, "w") as stream:
            yield stream
        return
    with _temporary(where) as partial, _opened(partial, "w") as stream:
        yield stream


@contextmanager
def output_path(
    target: str | os.PathLike[str], *, force: bool, what: str = "file"
) -> Iterator[Path]:
    """A path to write a whole file at (SQLite's backup writes by name); its bytes end
    up at `target` by the module's rules. Standard output is refused: a binary file."""
    where = plan(target, force=force, what=what)
    if where.path is None:
        raise OutputError(f"a {what} cannot be written to standard output; name a file")
    if not where.direct:
        # A backup is owner-only (mkstemp's 0600), whatever the file it replaces allowed.
        with _temporary(Target(path=where.path, direct=False, mode=None)) as partial:
            yield partial
        return
    folder = Path(tempfile.mkdtemp(prefix=".moviecli-"))
    try:
        staged = folder / "copy"
        yield staged
        with staged.open("rb") as source, _opened(where.path, "wb") as sink:
            shutil.copyfileobj(source, sink)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def _temporary(where: Target) -> Iterator[Path]:
    """A new file beside the target, renamed over it when the block ends without error."""
    assert where.path is not None
    try:
        handle, name = tempfile.mkstemp(
            prefix=f".{where.path.name}.", suffix=".partial", dir=where.path.parent
        )
    except OSError as error:
        raise OutputError(_os_problem(where.path, error, "file")) from None
    os.close(handle)
    partial = Path(name)
    try:
        yield partial
        if where.mode is not None:
            os.chmod(partial, where.mode)
        os.replace(partial, where.path)
    finally:
        partial.unlink(missing_ok=True)


@contextmanager
def _opened(path: Path, mode: str) -> Iterator[IO[Any]]:
    try:
        stream = path.open(mode) if "b" in mode else path.open(mode, encoding="utf-8", newline="")
    except OSError as error:
        raise OutputError(_os_problem(path, error, "file")) from None
    with stream:
        yield stream
