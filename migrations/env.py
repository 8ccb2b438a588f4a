"""Alembic environment. moviecli hands in an open connection (see moviecli/migrate.py);
`uv run alembic ...` from a checkout opens the catalog that MOVIECLI_DB or the
default location names, through the same foreign-keys-off, one-transaction path."""

from alembic import context

from moviecli import models

config = context.config
target_metadata = models.metadata

# `uv run alembic ...` logs its steps as alembic.ini says; moviecli itself (which sets
# called_from_moviecli) keeps the user's terminal quiet and its logging untouched.
if not config.attributes.get("called_from_moviecli") and config.config_file_name:
    from logging.config import fileConfig

    fileConfig(config.config_file_name, disable_existing_loggers=False)


def run_migrations_offline() -> None:
    from moviecli.config import resolve_location

    context.configure(
        url=resolve_location(None).url,
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def _run(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,
        transactional_ddl=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    from moviecli.config import resolve_location
    from moviecli.store.engine import make_engine
    from moviecli.store.migrate import migration_connection

    engine = make_engine(resolve_location(None))
    with migration_connection(engine) as conn:
        _run(conn)


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
