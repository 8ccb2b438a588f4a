"""Domain errors. Any MoviecliError becomes one `Error: ...` line and exit 1 in cli.py."""

from __future__ import annotations


class MoviecliError(Exception):
    """A refused operation: the message is shown to the user as is."""

    exit_code = 1


class NotFoundError(MoviecliError):
    pass


class NoCatalogError(NotFoundError):
    """The catalog a command names is not there (the one wording of it)."""

    def __init__(self, where: object) -> None:
        super().__init__(f"no catalog at {where}")


class AmbiguousError(MoviecliError):
    pass


class DuplicateError(MoviecliError):
    pass


class InvalidValueError(MoviecliError):
    pass


class SchemaError(MoviecliError):
    """The database file is at another schema revision than this code."""


class BlankCatalogError(SchemaError):
    """A database with nothing in it yet, opened by a command that must not create the
    schema (a reader, a dry run): it answers as an empty catalog instead."""


class DatabaseError(MoviecliError):
    """The database file cannot be used: not SQLite, unwritable, locked, damaged."""


class ImportFormatError(MoviecliError):
    pass


class ChoiceNeeded(AmbiguousError):
    """A reference names several of IMDb's films: on a terminal the person picks one
    (commands/_shared.choosing), elsewhere the message lists them with their tt ids.
    `candidates` are models.world.WorldFilm, the most voted first."""

    def __init__(self, message: str, *, ref: str, candidates: list[object]) -> None:
        super().__init__(message)
        self.ref = ref
        self.candidates = candidates
