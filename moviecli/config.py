"""Where the catalog lives: --db beats MOVIECLI_DB, which beats the per-user data folder."""

from __future__ import annotations

import getpass
import os
from dataclasses import dataclass
from pathlib import Path

APP_NAME = "moviecli"
DB_FILENAME = "movies.db"
DB_ENV = "MOVIECLI_DB"
USER_ENV = "MOVIECLI_USER"


@dataclass(frozen=True)
class DatabaseLocation:
    """A resolved catalog location: an SQLAlchemy URL, plus the file path when it is SQLite."""

    url: str
    path: Path | None
    is_default: bool

    @property
    def password(self) -> str | None:
        """The password a server URL carries (never shown: see `display`)."""
        if self.path is not None or "://" not in self.url:
            return None
        from urllib.parse import unquote, urlsplit

        try:
            password = urlsplit(self.url).password
        except ValueError:
            return None
        return unquote(password) if password else None

    @property
    def display(self) -> str:
        """The file path, or the URL with its password masked."""
        if self.path is not None:
            return str(self.path)
        return mask_password(self.url)


def mask_password(url: str) -> str:
    """postgresql://ann:secret@host/db -> postgresql://ann:***@host/db"""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    authority, slash, tail = rest.partition("/")
    if "@" not in authority:
        return url
    credentials, _, host = authority.rpartition("@")
    user, colon, _password = credentials.partition(":")
    masked = f"{user}:***" if colon else user
    return f"{scheme}://{masked}@{host}{slash}{tail}"


def default_data_dir() -> Path:
    from platformdirs import user_data_path

    return user_data_path(APP_NAME, appauthor=False)


def resolve_location(option: str | None) -> DatabaseLocation:
    value = option if option else os.environ.get(DB_ENV) or None
    if value is None:
        path = default_data_dir() / DB_FILENAME
        return DatabaseLocation(url=_sqlite_url(path), path=path, is_default=True)
    if "://" in value:
        return DatabaseLocation(url=value, path=_sqlite_path_from_url(value), is_default=False)
    path = Path(value).expanduser()
    return DatabaseLocation(url=_sqlite_url(path), path=path, is_default=False)


def _sqlite_url(path: Path) -> str:
    return f"sqlite:///{path.absolute()}"


def _sqlite_path_from_url(url: str) -> Path | None:
    prefix, _, rest = url.partition(":///")
    if not prefix.startswith("sqlite") or not rest or rest.startswith(":memory:"):
        return None
    return Path(rest.split("?", 1)[0])


def current_user(option: str | None) -> str:
    """--user beats MOVIECLI_USER, which beats the login name."""
    if option is not None:
        return option
    env = os.environ.get(USER_ENV, "").strip()
    if env:  # set but empty counts as unset, as with MOVIECLI_DB
        return env
    try:
        return getpass.getuser()
    except Exception:  # no login name (containers without a passwd entry)
        return "me"
