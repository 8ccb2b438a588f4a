"""ratings.rated_at as integer milliseconds since 1970 instead of DateTime text

rated_at sits in the ratings table and in both of its indexes; as text it took 26
bytes a copy ('2024-01-02 03:04:05.000000'), about 40% of what a 25M-rating import
writes. Microseconds are cut to milliseconds. SQLite rebuilds the table (INTEGER holds
8 bytes there); PostgreSQL changes the column in place to BIGINT (its INTEGER has 4
bytes, and milliseconds since 1970 passed 2**31 in January 1970).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 14:45:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = {
    "ix_ratings_movie_id_rated_at_score": ["movie_id", "rated_at", "score"],
    "ix_ratings_rated_at": ["rated_at"],
}


def _rebuild(rated_at_type: sa.types.TypeEngine, rated_at_expression: str) -> None:
    """Copy the ratings into a table whose rated_at has the new type, in key order.
    moviecli runs this with foreign keys off, so dropping the old table cascades nothing."""
    for name in INDEXES:
        op.drop_index(name, table_name="ratings")
    op.create_table(
        "ratings_new",
        sa.Column("movie_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("review", sa.String(), nullable=True),
        sa.Column("rated_at", rated_at_type, nullable=False),
        sa.CheckConstraint(
            "score BETWEEN 0.5 AND 5.0 AND score * 2 = CAST(score * 2 AS INTEGER)",
            name=op.f("ck_ratings_score_half_stars"),
        ),
        sa.ForeignKeyConstraint(
            ["movie_id"], ["movies.id"], name=op.f("fk_ratings_movie_id_movies"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_ratings_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", "movie_id", name=op.f("pk_ratings")),
        sqlite_with_rowid=False,
    )
    op.execute(
        "INSERT INTO ratings_new (movie_id, user_id, score, review, rated_at) "
        f"SELECT movie_id, user_id, score, review, {rated_at_expression} FROM ratings "
        "ORDER BY user_id, movie_id"
    )
    op.drop_table("ratings")
    op.rename_table("ratings_new", "ratings")
    for name, columns in INDEXES.items():
        op.create_index(name, "ratings", columns)


def _is_sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def upgrade() -> None:
    if not _is_sqlite():
        # floor, like SQLite's strftime('%s') + the milliseconds of '%f': microseconds are cut.
        op.alter_column(
            "ratings",
            "rated_at",
            type_=sa.BigInteger(),
            postgresql_using="floor(extract(epoch FROM rated_at) * 1000)::bigint",
        )
        return
    _rebuild(
        sa.Integer(),
        "CAST(strftime('%s', rated_at) AS INTEGER) * 1000 "
        "+ CAST(substr(strftime('%f', rated_at), 4, 3) AS INTEGER)",
    )


def downgrade() -> None:
    if not _is_sqlite():
        op.alter_column(
            "ratings",
            "rated_at",
            type_=sa.DateTime(),
            postgresql_using="TIMESTAMP '1970-01-01' + rated_at * INTERVAL '1 millisecond'",
        )
        return
    _rebuild(
        sa.DateTime(),
        "strftime('%Y-%m-%d %H:%M:%f', rated_at / 1000.0, 'unixepoch') || '000'",
    )
