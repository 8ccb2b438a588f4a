"""Fetching IMDb's dataset files into the user cache folder.

Conditional requests (If-None-Match / If-Modified-Since): a file unchanged since the
last sync is not downloaded again. An interrupted transfer stays as `NAME.part` and is
resumed with a Range request (If-Range, so a file changed meanwhile starts over). A
finished transfer's gzip stream is read whole before it replaces the cached file, so
nothing damaged is ever loaded. Standard library only (urllib)."""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.error import HTTPError, URLError
from urllib.parse import urlsplit
from urllib.request import Request, urlopen

from moviecli.errors import MoviecliError
from moviecli.store.space import out_of_space
from moviecli.store.world.files import REQUIRED, WANTED, WorldFile, inflate

URL_ENV = "MOVIECLI_IMDB_URL"
IMDB_URL = "https://datasets.imdbws.com/"
CHUNK = 1 << 16
TIMEOUT = 60

Progress = Callable[[str, int, int], None]


class DownloadError(MoviecliError):
    pass


def source_url() -> str:
    base = os.environ.get(URL_ENV, "").strip() or IMDB_URL
    scheme = urlsplit(base).scheme
    if scheme not in ("http", "https"):
        raise DownloadError(f"{URL_ENV} must be an http:// or https:// URL (got {base!r})")
    return base if base.endswith("/") else base + "/"


def cache_folder() -> Path:
    from platformdirs import user_cache_path

    return user_cache_path("moviecli", appauthor=False) / "imdb"


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _write_json(path: Path, data: dict[str, Any]) -> None:
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(json.dumps(data), encoding="utf-8")
    os.replace(temporary, path)


def check_gzip(path: Path) -> None:
    """Read the whole gzip stream (every member) or raise DownloadError."""
    try:
        with open(path, "rb") as handle:
            for _ in inflate(handle):
                pass
    except zlib.error as error:
        raise DownloadError(f"the download of {path.name} is damaged ({error})") from None
    except EOFError:
        raise DownloadError(
            f"the download of {path.name} is cut short; run the sync again"
        ) from None
    if path.stat().st_size == 0:
        raise DownloadError(f"the download of {path.name} is cut short; run the sync again")


def download_files(*, progress: Progress | None = None) -> dict[str, WorldFile]:
    """Bring the cache up to date with the server; the dataset files to load."""
    base = source_url()
    folder = cache_folder()
    folder.mkdir(parents=True, exist_ok=True)
    found: dict[str, WorldFile] = {}
    for name in WANTED:
        try:
            file = _fetch(base, folder, name, progress)
        except OSError as error:
            if out_of_space(error):
                raise _disk_full(folder) from None
            raise
        if file is not None:
            found[name] = file
        elif name in REQUIRED:
            raise DownloadError(f"{base}{name}.tsv.gz is not on the server")
    return found


def _disk_full(folder: Path) -> DownloadError:
    return DownloadError(
        f"the disk holding {folder} is full; the sync stopped and the previous world is "
        "unchanged (the next sync resumes the download)"
    )


def _fetch(base: str, folder: Path, name: str, progress: Progress | None) -> WorldFile | None:
    filename = f"{name}.tsv.gz"
    url = base + filename
    target = folder / filename
    meta_path = folder / (filename + ".json")
    part = folder / (filename + ".part")
    part_meta_path = folder / (filename + ".part.json")
    meta = _read_json(meta_path) if target.is_file() else {}
    part_meta = _read_json(part_meta_path) if part.is_file() else {}

    headers = {"User-Agent": "moviecli (personal, non-commercial use)"}
    have = part.stat().st_size if part.is_file() and part_meta else 0
    validator = part_meta.get("etag") or part_meta.get("last_modified")
    if have and validator:
        headers["Range"] = f"bytes={have}-"
        headers["If-Range"] = validator
    else:
        have = 0
    if meta.get("etag"):
        headers["If-None-Match"] = meta["etag"]
    if meta.get("last_modified"):
        headers["If-Modified-Since"] = meta["last_modified"]
    try:
        response = urlopen(Request(url, headers=headers), timeout=TIMEOUT)
    except HTTPError as error:
        if error.code == 304 and target.is_file():
            return WorldFile(name, target, meta.get("last_modified"), meta.get("etag"))
        if error.code == 404:
            return None
        if error.code == 416:  # the part is bigger than the file: start over
            part.unlink(missing_ok=True)
            part_meta_path.unlink(missing_ok=True)
            return _fetch(base, folder, name, progress)
        raise DownloadError(f"cannot download {url}: HTTP {error.code} {error.reason}") from None
    except (URLError, OSError, http.client.HTTPException) as error:
        reason = getattr(error, "reason", error)
        raise DownloadError(f"cannot download {url}: {reason}") from None
    with contextlib.closing(response):
        etag = response.headers.get("ETag")
        modified = response.headers.get("Last-Modified")
        if response.status == 206:
            mode = "ab"
        else:
            mode, have = "wb", 0
        _write_json(part_meta_path, {"etag": etag, "last_modified": modified})
        length = response.headers.get("Content-Length")
        total = have + int(length) if length and length.isdigit() else 0
        done = have
        try:
            with open(part, mode) as out:
                while True:
                    chunk = response.read(CHUNK)
                    if not chunk:
                        break
                    out.write(chunk)
                    done += len(chunk)
                    if progress is not None:
                        progress(f"downloading {filename}", done, total)
                out.flush()
                os.fsync(out.fileno())
        except (OSError, http.client.HTTPException) as error:
            if out_of_space(error):
                raise _disk_full(folder) from None
            raise DownloadError(
                f"the download of {filename} was interrupted ({error}); run the sync again "
                "to resume it"
            ) from None
    if total and done < total:
        raise DownloadError(
            f"the download of {filename} was interrupted ({done:,} of {total:,} bytes); run "
            "the sync again to resume it"
        )
    try:
        check_gzip(part)
    except DownloadError:
        part.unlink(missing_ok=True)
        part_meta_path.unlink(missing_ok=True)
        raise
    os.replace(part, target)
    _write_json(meta_path, {"etag": etag, "last_modified": modified})
    part_meta_path.unlink(missing_ok=True)
    return WorldFile(name, target, modified, etag)
