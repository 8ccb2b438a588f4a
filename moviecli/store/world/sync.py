"""`imdb sync` and `imdb status` below the command: build the new world, switch to it,
then link and fill the catalog in one ordinary catalog write transaction.

The load never holds the catalog's write lock (it writes another file, or another
schema through its own connection); only the short link-and-fill transaction does."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field

from moviecli.rules import iso_utc, utcnow
from moviecli.store.catalog import Catalog
from moviecli.store.engine import is_postgres
from moviecli.store.world.files import WorldFile
from moviecli.store.world.fill import LinkReport, link_catalog, linked_titles, not_linked_films
from moviecli.store.world.load import LoadOptions, LoadReport, Progress, WorldLoader, Writer
from moviecli.store.world.location import (
    WORLD_SCHEMA,
    attach_world,
    open_world_file,
    world_file_present,
    world_path,
    world_present,
)
from moviecli.store.world.writers import (
    COUNT_KEYS,
    SqliteWorldWriter,
    WorldChanges,
    disk_full,
    open_writer,
)


@dataclass
class SyncResult:
    where: str
    load: LoadReport
    changes: WorldChanges
    link: LinkReport | None  # None: no catalog to link (a SQLite world with no catalog yet)


@dataclass
class WorldStatus:
    where: str
    present: bool
    synced_at: str | None = None
    types: str | None = None
    adult: bool = False
    counts: dict[str, int] = field(default_factory=dict)
    files: dict[str, dict[str, str]] = field(default_factory=dict)
    linked: int = 0
    not_linked: list[tuple[int, str, int | None]] = field(default_factory=list)


def world_where(catalog: Catalog) -> str:
    if is_postgres(catalog.location):
        return f"schema {WORLD_SCHEMA} of {catalog.location.display}"
    return str(world_path())


def _meta(report: LoadReport, options: LoadOptions, source: str) -> dict[str, str]:
    meta = {
        "synced_at": iso_utc(utcnow(), timespec="seconds"),
        "types": ",".join(sorted(options.types)),
        "adult": "1" if options.adult else "0",
        "source": source,
        "reader": report.reader,
    }
    for key in COUNT_KEYS:
        meta[f"count:{key}"] = str(report.counts.get(key, 0))
    for name, file in report.files.items():
        meta[f"file:{name}:rows"] = str(file.rows)
        meta[f"file:{name}:kept"] = str(file.kept)
        meta[f"file:{name}:skipped"] = str(file.rejected)
        if file.last_modified:
            meta[f"file:{name}:last_modified"] = file.last_modified
        if file.etag:
            meta[f"file:{name}:etag"] = file.etag
    return meta


def sync_world(
    catalog: Catalog,
    files: dict[str, WorldFile],
    options: LoadOptions,
    *,
    source: str,
    progress: Progress | None = None,
) -> SyncResult:
    """Load the files into a new world, switch to it, then link and fill the catalog.
    Any failure (or Ctrl-C) before the switch leaves the previous world as it was."""
    writer = open_writer(catalog)
    try:
        writer.open()
        report = _load(writer, files, options, progress)
        changes = writer.changes()
        writer.finish(_meta(report, options, source))
        writer.switch()
    except BaseException as error:
        full = disk_full(error, writer)  # before abort() removes the new world's file
        writer.abort()
        if full is not None:
            raise full from None
        raise
    finally:
        writer.close()
    return SyncResult(world_where(catalog), report, changes, link_after_sync(catalog))


def _load(
    writer: Writer, files: dict[str, WorldFile], options: LoadOptions, progress: Progress | None
) -> LoadReport:
    """The compiled reader when it is installed and vouches for the files (a SQLite
    world), else the standard-library reader (compiled.py says why both)."""
    from moviecli.store.world import compiled

    if isinstance(writer, SqliteWorldWriter) and compiled.available(files):
        with writer.released() as path:
            try:
                report: LoadReport | None = compiled.CompiledLoader(
                    path, files, options, progress
                ).run()
            except compiled.Doubt:
                report = None  # it wrote nothing
        if report is not None:
            return report
    return WorldLoader(writer, files, options, progress).run()


def link_after_sync(catalog: Catalog) -> LinkReport | None:
    path = catalog.location.path
    if path is not None and not path.exists():
        return None  # no catalog yet: `imdb sync` does not create one
    attach_world(catalog.engine)
    with catalog.session(write=True) as session:
        return link_catalog(session)


def world_status(catalog: Catalog) -> WorldStatus:
    """Where the world is, when and from what it was loaded, its counts, and the
    catalog's films linked to it and not."""
    where = world_where(catalog)
    if is_postgres(catalog.location):
        present = world_present(catalog.engine)
    else:
        present = world_file_present()
    status = WorldStatus(where=where, present=present)
    if not present:
        return status
    meta = dict(_read_meta(catalog))
    status.synced_at = meta.get("synced_at")
    status.types = meta.get("types")
    status.adult = meta.get("adult") == "1"
    status.counts = {key: int(meta.get(f"count:{key}") or 0) for key in COUNT_KEYS}
    for key, value in meta.items():
        if key.startswith("file:"):
            _, name, what = key.split(":", 2)
            status.files.setdefault(name, {})[what] = value
    path = catalog.location.path
    if path is not None and not path.exists():
        return status
    attach_world(catalog.engine)
    with catalog.session(write=False) as session:
        status.linked = len(linked_titles(session))
        status.not_linked = not_linked_films(session)
    return status


def _read_meta(catalog: Catalog) -> list[tuple[str, str]]:
    if is_postgres(catalog.location):
        from sqlalchemy import text

        with catalog.engine.connect() as conn:
            rows = conn.execute(text(f"SELECT key, value FROM {WORLD_SCHEMA}.meta")).all()
            conn.rollback()
        return [(k, v) for k, v in rows]
    world = open_world_file()
    with contextlib.closing(world):
        return list(world.execute("SELECT key, value FROM meta"))
