"""ratings: a WITHOUT ROWID table keyed (user_id, movie_id), two secondary indexes

Rating files arrive sorted by user, so a bulk import now appends in key order
instead of writing a rowid table plus five indexes; (movie_id, rated_at, score)
covers `show` (histogram and latest ratings) and the per-movie recounts.
SQLite rebuilds the table (its key order is the table's order); PostgreSQL keeps the
table and swaps the primary key and the indexes in place.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 14:15:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = "movie_id, user_id, score, review, rated_at"


def _ratings_table(name: str, *, clustered: bool) -> None:
    primary_key = ["user_id", "movie_id"] if clustered else ["movie_id", "user_id"]
    op.create_table(
        name,
        sa.Column("movie_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("review", sa.String(), nullable=True),
        sa.Column("rated_at", sa.DateTime(), nullable=False),
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
        sa.PrimaryKeyConstraint(*primary_key, name=op.f("pk_ratings")),
        sqlite_with_rowid=not clustered,
    )


def _rebuild(*, clustered: bool) -> None:
    """Copy the ratings into a new table of the wanted shape, in its key order.
    moviecli runs this with foreign keys off, so dropping the old table cascades nothing."""
    order = "user_id, movie_id" if clustered else "movie_id, user_id"
    _ratings_table("ratings_new", clustered=clustered)
    op.execute(
        f"INSERT INTO ratings_new ({COLUMNS}) SELECT {COLUMNS} FROM ratings ORDER BY {order}"
    )
    op.drop_table("ratings")
    op.rename_table("ratings_new", "ratings")


OLD_INDEXES = {
    "ix_ratings_user_id_rated_at": ["user_id", "rated_at"],
    "ix_ratings_movie_id_score": ["movie_id", "score"],
    "ix_ratings_movie_id_rated_at": ["movie_id", "rated_at"],
}
NEW_INDEXES = {"ix_ratings_movie_id_rated_at_score": ["movie_id", "rated_at", "score"]}


def _in_place(*, clustered: bool) -> None:
    """PostgreSQL: a new primary key and indexes on the same table (ix_ratings_rated_at stays)."""
    drop, create = (OLD_INDEXES, NEW_INDEXES) if clustered else (NEW_INDEXES, OLD_INDEXES)
    primary_key = ["user_id", "movie_id"] if clustered else ["movie_id", "user_id"]
    for name in drop:
        op.drop_index(name, table_name="ratings")
    op.drop_constraint("pk_ratings", "ratings", type_="primary")
    op.create_primary_key("pk_ratings", "ratings", primary_key)
    for name, columns in create.items():
        op.create_index(name, "ratings", columns)


def _is_sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def upgrade() -> None:
    if not _is_sqlite():
        _in_place(clustered=True)
        return
    _rebuild(clustered=True)
    op.create_index(
        "ix_ratings_movie_id_rated_at_score", "ratings", ["movie_id", "rated_at", "score"]
    )
    op.create_index("ix_ratings_rated_at", "ratings", ["rated_at"])


def downgrade() -> None:
    if not _is_sqlite():
        _in_place(clustered=False)
        return
    _rebuild(clustered=False)
    op.create_index("ix_ratings_user_id_rated_at", "ratings", ["user_id", "rated_at"])
    op.create_index("ix_ratings_rated_at", "ratings", ["rated_at"])
    op.create_index("ix_ratings_movie_id_score", "ratings", ["movie_id", "score"])
    op.create_index("ix_ratings_movie_id_rated_at", "ratings", ["movie_id", "rated_at"])
