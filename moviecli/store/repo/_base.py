"""What every repository is: a set of reads and writes bound to one session (the unit
of work's, store/catalog.py; a helper inside store/ may bind one to its own session)."""

from __future__ import annotations

from sqlmodel import Session


class Repository:
    """A repository over one session; it never commits (the unit of work does)."""

    def __init__(self, session: Session) -> None:
        self.session = session
