"""The Alembic revisions this code knows, oldest first, without importing Alembic.

Ordinary commands compare the catalog's `alembic_version` row with `HEAD`; only
the `db` commands load Alembic. tests/test_migrations.py keeps this list equal
to the scripts in migrations/versions.
"""

REVISIONS: tuple[str, ...] = ("0001", "0002", "0003", "0004", "0005")
HEAD: str = REVISIONS[-1]
