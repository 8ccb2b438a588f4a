"""world links: which film fields came from the IMDb world, and people's nm ids

`movie_imdb_fields` lists the fields of a film whose value an `imdb sync` filled (a
later sync may update them; `edit` of a field drops its row, so what the user typed is
never overwritten). `person_imdb_ids` ties a catalog person to an IMDb person, so two
people of one name stay two.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 22:30:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _text(length: int) -> sa.types.TypeEngine[str]:
    return sa.String(length).with_variant(sa.String(length, collation="C"), "postgresql")


def upgrade() -> None:
    op.create_table(
        "movie_imdb_fields",
        sa.Column("movie_id", sa.Integer(), nullable=False),
        sa.Column("field", _text(32), nullable=False),
        sa.ForeignKeyConstraint(
            ["movie_id"],
            ["movies.id"],
            name=op.f("fk_movie_imdb_fields_movie_id_movies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("movie_id", "field", name=op.f("pk_movie_imdb_fields")),
    )
    op.create_table(
        "person_imdb_ids",
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("imdb_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_person_imdb_ids_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("person_id", name=op.f("pk_person_imdb_ids")),
        sa.UniqueConstraint("imdb_id", name=op.f("uq_person_imdb_ids_imdb_id")),
    )


def downgrade() -> None:
    op.drop_table("person_imdb_ids")
    op.drop_table("movie_imdb_fields")
