"""world links: which film fields came from the IMDb world, and people's nm ids

`movie_imdb_fields` lists the fields of a film whose value an `imdb sync` filled (a
later sync may update them; `edit` of a field drops its row, so what the user typed is
never overwritten). `person_imdb_ids` ties a catalog person to an IMDb person, so two
people of one name stay two.

On PostgreSQL they are shared catalog data like `people` and `movie_people` (no row
security): members write them when they bring a world film in, edit a film or create
people; guests read them. The admin group may create schemas in the database: an
`imdb sync` by the owner or an admin builds the world in `imdb_new` as that group
(store/world/access.py), so any admin can replace it later. Where the upgrading role
may not grant that (it neither owns the database nor holds the right with GRANT
OPTION), the grant is left out with a notice: then only a role that may create schemas
itself syncs.

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


TABLES = ("movie_imdb_fields", "person_imdb_ids")


def _groups(bind: sa.Connection) -> dict[str, str]:
    """The groups as 0007 named them (a copy of the database keeps using them), quoted,
    and the admin group as a literal."""
    quote = bind.dialect.identifier_preparer.quote_identifier
    names = {
        key: bind.execute(sa.text("SELECT moviecli_role(:k)"), {"k": kind}).scalar_one()
        for key, kind in (("M", "member"), ("A", "admin"), ("G", "guest"))
    }
    out = {key: quote(value) for key, value in names.items()}
    out["A_lit"] = "'" + names["A"].replace("'", "''") + "'"
    return out


def _grants(bind: sa.Connection) -> None:
    n = _groups(bind)
    for table in TABLES:
        op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {table} TO {n['M']}")
        op.execute(f"GRANT SELECT ON {table} TO {n['G']}")
    op.execute(
        f"""DO $$ BEGIN
          EXECUTE format('GRANT CREATE ON DATABASE %I TO %I', current_database(), {n["A_lit"]});
        EXCEPTION WHEN insufficient_privilege THEN
          RAISE NOTICE 'admins of this catalog cannot sync its IMDb world: %', SQLERRM;
        END $$"""
    )


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
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        _grants(bind)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        n = _groups(bind)
        op.execute(
            f"""DO $$ BEGIN
              EXECUTE format('REVOKE CREATE ON DATABASE %I FROM %I', current_database(),
                {n["A_lit"]});
            EXCEPTION WHEN insufficient_privilege THEN NULL;
            END $$"""
        )
    op.drop_table("person_imdb_ids")
    op.drop_table("movie_imdb_fields")
