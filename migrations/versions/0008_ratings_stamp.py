"""catalog_state: a stamp that changes with every change to the ratings

The recommender's cached model is valid while the ratings it learned are unchanged.
Count, sum and the newest time (all cheap reads) miss changes that keep them: unrate a
3.5, rate another film 3.5 with an older time. The stamp changes in the same
transaction as every write of ratings: on SQLite moviecli sets it (rate, unrate, a
movie's delete, an import that adds or replaces ratings; store/repo/stamp.py); on
PostgreSQL statement triggers on ratings set it for every writer, psql included, when
the statement changed a row (the import's one big first INSERT runs with the insert
trigger off and sets the stamp itself, as it does the aggregates). A
random value rather than a counter, so that a catalog restored from a backup and
changed again never meets an old stamp; the upgrade starts from a random stamp too
(while downgraded, an older moviecli may have changed the ratings unstamped).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 23:10:00

"""

import secrets
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TRIGGERS = ("ratings_stamp_insert", "ratings_stamp_update", "ratings_stamp_delete")
FUNCTIONS = (
    ("moviecli_stamp_added", "SELECT 1 FROM new_rows"),
    (
        "moviecli_stamp_changed",
        "SELECT movie_id, user_id, score, rated_at FROM new_rows EXCEPT "
        "SELECT movie_id, user_id, score, rated_at FROM old_rows",
    ),
    ("moviecli_stamp_removed", "SELECT 1 FROM old_rows"),
)
EVENTS = (
    ("INSERT", "NEW TABLE AS new_rows"),
    ("UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows"),
    ("DELETE", "OLD TABLE AS old_rows"),
)


def _names(bind: sa.Connection) -> dict[str, str]:
    """As 0007: the catalog's group roles (quoted), its owner and schema."""
    database, schema, owner = bind.execute(
        sa.text(
            "SELECT current_database(), current_schema(), "
            "(SELECT tableowner FROM pg_tables WHERE schemaname = current_schema() "
            "AND tablename = 'movies')"
        )
    ).one()
    base = (
        database if len(database.encode()) <= 55 else database.encode()[:55].decode(errors="ignore")
    )
    quote = bind.dialect.identifier_preparer.quote_identifier
    return {
        "M": quote(f"{base}_member"),
        "A": quote(f"{base}_admin"),
        "G": quote(f"{base}_guest"),
        "O": quote(owner),
        "S": quote(schema),
    }


def upgrade() -> None:
    table = op.create_table(
        "catalog_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ratings_stamp", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_catalog_state_one_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalog_state")),
    )
    op.bulk_insert(table, [{"id": 1, "ratings_stamp": secrets.randbits(62) + 1}])
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    n = _names(bind)
    for function, rows in FUNCTIONS:
        op.execute(
            f"""CREATE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql
            SECURITY DEFINER SET search_path = {n["S"]}, pg_temp AS $$ BEGIN
              IF EXISTS ({rows}) THEN
                UPDATE catalog_state SET ratings_stamp = 1 + floor(random() * 4e18)::bigint
                  WHERE id = 1;
              END IF;
              RETURN NULL; END $$"""
        )
        op.execute(f"ALTER FUNCTION {function}() OWNER TO {n['O']}")
    for name, (function, _), (event, tables) in zip(TRIGGERS, FUNCTIONS, EVENTS, strict=True):
        op.execute(
            f"CREATE TRIGGER {name} AFTER {event} ON ratings REFERENCING {tables} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {function}()"
        )
    op.execute(f"GRANT SELECT ON catalog_state TO {n['M']}, {n['A']}, {n['G']}")


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        for name in TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON ratings")
        for function, _ in FUNCTIONS:
            op.execute(f"DROP FUNCTION IF EXISTS {function}()")
    op.drop_table("catalog_state")
