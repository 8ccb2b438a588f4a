"""import and export (see issue 3)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Import and export commands are added here."""
