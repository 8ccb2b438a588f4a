"""diary: viewings, watchlist, lists, people; case-insensitive tag keys

People get rows: each movie's `director` text becomes people and movie_people rows
(role director). The text column stays, as the exact joined names of the film's
directors kept by the repository (like the rating aggregates), so nothing is lost
either way: the split below joins back to the same text. Tags get `tag_key`, the
casefolded tag, so a user's tags match case-insensitively on both engines.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24 10:30:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Limits as moviecli/rules.py has them at this revision (revisions never import it).
LIST_NAME_MAX = 100
NOTE_MAX = 2000
PERSON_NAME_MAX = 300
TAG_MAX = 255
CHUNK = 5000


def _text(length: int | None = None) -> sa.types.TypeEngine[str]:
    """VARCHAR (TEXT without a length); on PostgreSQL with COLLATE "C", so that text sorts
    by code point there as it does in SQLite, whatever the database's own collation."""
    plain = sa.String(length) if length else sa.Text()
    sorted_ = sa.String(length, collation="C") if length else sa.Text(collation="C")
    return plain.with_variant(sorted_, "postgresql")


def _key(text: str) -> str:
    """rules.text_key: whitespace collapsed, full Unicode case folding."""
    return " ".join(text.split()).casefold()


def _split_names(text: str) -> list[str]:
    """rules.split_names: split "A B, C D" only when every part has two or more words."""
    text = text.strip()
    parts = text.split(", ")
    if len(parts) > 1 and all(p == p.strip() and len(p.split()) >= 2 for p in parts):
        return parts
    return [text] if text else []


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"), ondelete="CASCADE"
    )


def _create_tables() -> None:
    op.create_table(
        "people",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", _text(PERSON_NAME_MAX), nullable=False),
        sa.Column("name_key", _text(PERSON_NAME_MAX), nullable=False),
        sa.CheckConstraint(
            f"length(name) BETWEEN 1 AND {PERSON_NAME_MAX}", name=op.f("ck_people_name_length")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_people")),
    )
    op.create_index("ix_people_name_key", "people", ["name_key"])
    op.create_table(
        "movie_people",
        sa.Column("movie_id", sa.Integer(), nullable=False),
        sa.Column("role", _text(16), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "role IN ('director', 'writer', 'cast')", name=op.f("ck_movie_people_role")
        ),
        sa.CheckConstraint("position >= 1", name=op.f("ck_movie_people_position")),
        _fk("movie_people", "movie_id", "movies"),
        _fk("movie_people", "person_id", "people"),
        sa.PrimaryKeyConstraint("movie_id", "role", "person_id", name=op.f("pk_movie_people")),
    )
    op.create_index("ix_movie_people_person_id", "movie_people", ["person_id"])
    op.create_table(
        "viewings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("movie_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("watched_on", sa.Date(), nullable=True),
        sa.Column("rewatch", sa.Boolean(), nullable=False),
        sa.Column("review", _text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        _fk("viewings", "movie_id", "movies"),
        _fk("viewings", "user_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_viewings")),
    )
    op.create_index(
        "ix_viewings_user_id_watched_on_id", "viewings", ["user_id", "watched_on", "id"]
    )
    op.create_index("ix_viewings_movie_id_user_id", "viewings", ["movie_id", "user_id"])
    op.create_table(
        "watchlist",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("movie_id", sa.Integer(), nullable=False),
        sa.Column("added_at", sa.DateTime(), nullable=False),
        sa.Column("note", _text(), nullable=True),
        sa.CheckConstraint(
            f"note IS NULL OR length(note) BETWEEN 1 AND {NOTE_MAX}",
            name=op.f("ck_watchlist_note_length"),
        ),
        _fk("watchlist", "user_id", "users"),
        _fk("watchlist", "movie_id", "movies"),
        sa.PrimaryKeyConstraint("user_id", "movie_id", name=op.f("pk_watchlist")),
    )
    op.create_index("ix_watchlist_user_id_added_at", "watchlist", ["user_id", "added_at"])
    op.create_index("ix_watchlist_movie_id", "watchlist", ["movie_id"])
    op.create_table(
        "lists",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", _text(LIST_NAME_MAX), nullable=False),
        sa.Column("name_key", _text(LIST_NAME_MAX), nullable=False),
        sa.Column("description", _text(), nullable=True),
        sa.Column("ranked", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            f"length(name) BETWEEN 1 AND {LIST_NAME_MAX}", name=op.f("ck_lists_name_length")
        ),
        sa.CheckConstraint(
            f"description IS NULL OR length(description) BETWEEN 1 AND {NOTE_MAX}",
            name=op.f("ck_lists_description_length"),
        ),
        _fk("lists", "user_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lists")),
        sa.UniqueConstraint("user_id", "name_key", name="uq_lists_user_id_name_key"),
    )
    op.create_table(
        "list_items",
        sa.Column("list_id", sa.Integer(), nullable=False),
        sa.Column("movie_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("note", _text(), nullable=True),
        sa.Column("added_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            f"note IS NULL OR length(note) BETWEEN 1 AND {NOTE_MAX}",
            name=op.f("ck_list_items_note_length"),
        ),
        sa.CheckConstraint("position >= 1", name=op.f("ck_list_items_position")),
        _fk("list_items", "list_id", "lists"),
        _fk("list_items", "movie_id", "movies"),
        sa.PrimaryKeyConstraint("list_id", "movie_id", name=op.f("pk_list_items")),
    )
    op.create_index("ix_list_items_list_id_position", "list_items", ["list_id", "position"])
    op.create_index("ix_list_items_movie_id", "list_items", ["movie_id"])


def _directors_into_people() -> None:
    """Each distinct director text (matched case-insensitively) becomes the same people."""
    bind = op.get_bind()
    people = sa.table(
        "people", sa.column("id", sa.Integer), sa.column("name"), sa.column("name_key")
    )
    links = sa.table(
        "movie_people",
        sa.column("movie_id", sa.Integer),
        sa.column("role"),
        sa.column("person_id", sa.Integer),
        sa.column("position", sa.Integer),
    )
    ids: dict[str, int] = {}
    new_people: list[dict[str, object]] = []
    new_links: list[dict[str, object]] = []
    rows = bind.execute(
        sa.text("SELECT id, director FROM movies WHERE director IS NOT NULL ORDER BY id")
    )
    for movie_id, director in rows:
        for position, name in enumerate(dict.fromkeys(_split_names(director)), start=1):
            key = _key(name)
            if key not in ids:
                ids[key] = len(ids) + 1
                new_people.append({"id": ids[key], "name": name, "name_key": key})
            new_links.append(
                {
                    "movie_id": movie_id,
                    "role": "director",
                    "person_id": ids[key],
                    "position": position,
                }
            )
    for start in range(0, len(new_people), CHUNK):
        bind.execute(people.insert(), new_people[start : start + CHUNK])
    for start in range(0, len(new_links), CHUNK):
        bind.execute(links.insert(), new_links[start : start + CHUNK])
    if new_people and bind.dialect.name == "postgresql":
        bind.execute(
            sa.text("SELECT setval(pg_get_serial_sequence('people', 'id'), :n)"),
            {"n": len(new_people)},
        )


def _tag_keys() -> None:
    """tags.tag_key from the distinct tags (a few thousand even with a million tags)."""
    with op.batch_alter_table("tags") as batch_op:
        batch_op.add_column(sa.Column("tag_key", _text(TAG_MAX), nullable=True))
    bind = op.get_bind()
    op.create_table(
        "tag_keys_0006",
        sa.Column("tag", _text(TAG_MAX), primary_key=True),
        sa.Column("tag_key", _text(TAG_MAX), nullable=False),
    )
    keys = sa.table("tag_keys_0006", sa.column("tag"), sa.column("tag_key"))
    distinct = [
        {"tag": t, "tag_key": _key(t)}
        for (t,) in bind.execute(sa.text("SELECT DISTINCT tag FROM tags"))
    ]
    for start in range(0, len(distinct), CHUNK):
        bind.execute(keys.insert(), distinct[start : start + CHUNK])
    op.execute(
        "UPDATE tags SET tag_key = "
        "(SELECT k.tag_key FROM tag_keys_0006 AS k WHERE k.tag = tags.tag)"
    )
    op.drop_table("tag_keys_0006")
    with op.batch_alter_table("tags") as batch_op:
        batch_op.alter_column("tag_key", existing_type=_text(TAG_MAX), nullable=False)
        batch_op.drop_index("ix_tags_user_id")
        batch_op.create_index("ix_tags_user_id_tag_key", ["user_id", "tag_key"])


def upgrade() -> None:
    _create_tables()
    _directors_into_people()
    _tag_keys()


def downgrade() -> None:
    """Directors stay in movies.director; writers, cast, viewings, watchlists and lists go."""
    with op.batch_alter_table("tags") as batch_op:
        batch_op.drop_index("ix_tags_user_id_tag_key")
        batch_op.create_index("ix_tags_user_id", ["user_id"])
        batch_op.drop_column("tag_key")
    for table in ("list_items", "lists", "watchlist", "viewings", "movie_people", "people"):
        op.drop_table(table)
