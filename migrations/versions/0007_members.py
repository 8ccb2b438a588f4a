"""members: privacy per user; on PostgreSQL roles, row security and kept aggregates

Both engines get the `privacy` table (who may see a user's diary, reviews and lists;
no row = 'members'). On SQLite that is all: the catalog is one person's file.

On PostgreSQL a shared catalog gets members, enforced by the server itself:
- three group roles named after the database (roles are cluster-wide): NAME_member,
  NAME_admin (a member that may write for users with no role and delete used films)
  and NAME_guest (read-only, sees what is public). The table owner is an admin.
- row-level security, FORCEd so that it binds the owner too, on every per-person table
  (users, privacy, ratings, viewings, tags, watchlist, lists, list_items): a member
  writes only their own rows; reads follow the owner's privacy; the table owner reads
  everything (it could switch security off anyway).
- the rating aggregates kept by statement triggers (members may not UPDATE them), a
  new film starts at 0; deleting a film that holds anyone else's rows needs an admin
  (foreign-key cascades run past row security, so a trigger checks first).
- `rating_scores`: every rating's score, with the rater shown only where the caller may
  see it (else a pseudonym), for `top`-like models (recommend, taste).
- SECURITY DEFINER functions for what a member may not do directly: next ids as
  SQLite gives them (max over rows they cannot see), members add/remove/list.
Users whose name is a login role that already had rights on the catalog (the old
README's GRANTs) become members; other users stay users with no role: their rows are
kept, members see them, only the owner and admins write them.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 10:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LEVELS = ("public", "members", "private")
# Per-person tables and the privacy setting that hides their rows.
PERSONAL = {
    "ratings": "diary",
    "viewings": "diary",
    "tags": "diary",
    "watchlist": "lists",
    "lists": "lists",
}
SHARED = ("genres", "movie_genres", "people", "movie_people", "external_ids")
FUNCTIONS = (
    "moviecli_role(text)",
    "moviecli_uid()",
    "moviecli_is_member_name(text)",
    "moviecli_member_ids()",
    "moviecli_hidden_ids(text)",
    "moviecli_ratings_added()",
    "moviecli_ratings_removed()",
    "moviecli_ratings_changed()",
    "moviecli_movie_starts_unrated()",
    "moviecli_film_users(integer)",
    "moviecli_film_others(integer)",
    "moviecli_guard_movie_delete()",
    "moviecli_sync_ids(text[])",
    "moviecli_member_add(text, text)",
    "moviecli_member_remove(text, boolean)",
    "moviecli_members()",
)


def _text(length: int) -> sa.types.TypeEngine[str]:
    return sa.String(length).with_variant(sa.String(length, collation="C"), "postgresql")


def _privacy_table() -> None:
    checks = [
        sa.CheckConstraint(
            f"{column} IN ('public', 'members', 'private')", name=op.f(f"ck_privacy_{column}")
        )
        for column in ("diary", "reviews", "lists")
    ]
    op.create_table(
        "privacy",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("diary", _text(8), nullable=False, server_default="members"),
        sa.Column("reviews", _text(8), nullable=False, server_default="members"),
        sa.Column("lists", _text(8), nullable=False, server_default="members"),
        sa.Column("pseudonym", sa.Integer(), nullable=True),
        *checks,
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_privacy_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_privacy")),
    )


def _names(bind: sa.Connection) -> dict[str, str]:
    """The group roles (after the database: roles are cluster-wide), the table owner
    and the schema, each quoted for SQL, and their plain text as literals."""
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
    names = {"M": f"{base}_member", "A": f"{base}_admin", "G": f"{base}_guest", "O": owner}
    quote = bind.dialect.identifier_preparer.quote_identifier
    out = {key: quote(value) for key, value in names.items()}
    out.update({f"{key}_lit": "'" + value.replace("'", "''") + "'" for key, value in names.items()})
    out["S"] = quote(schema)
    return out


def _roles(n: dict[str, str], server_version: int) -> list[str]:
    create = [
        f"""DO $$ BEGIN
          IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = {n[k + "_lit"]}) THEN
            IF NOT (SELECT rolsuper OR rolcreaterole FROM pg_roles
                    WHERE rolname = current_user) THEN
              RAISE EXCEPTION USING ERRCODE = '42501', MESSAGE = format(
                'the catalog needs the group roles %s, %s and %s, and %s may not create '
                'roles: as a server admin run ALTER ROLE %s CREATEROLE (or create them)',
                {n["M_lit"]}, {n["A_lit"]}, {n["G_lit"]}, current_user, current_user);
            END IF;
            CREATE ROLE {n[k]} NOLOGIN;
          END IF;
        END $$"""
        for k in ("M", "A", "G")
    ]
    # PostgreSQL 16+ grants a role's creator ADMIN OPTION without inheritance; the owner
    # must inherit the admin group's rights (policies apply through inheritance).
    inherit = " WITH INHERIT TRUE" if server_version >= 160000 else ""
    return [
        *create,
        f"GRANT {n['M']} TO {n['A']}",
        # The owner manages the groups (PostgreSQL 16+ wants ADMIN OPTION on a role to
        # grant it; a role's creator has it already) and is an admin itself.
        f"""DO $$ BEGIN
          IF current_user <> {n["O_lit"]} THEN
            GRANT {n["M"]}, {n["A"]}, {n["G"]} TO {n["O"]} WITH ADMIN OPTION;
          END IF;
        END $$""",
        f"GRANT {n['A']} TO {n['O']}{inherit}",
    ]


def _helpers(n: dict[str, str]) -> list[str]:
    # Every function names its search path: policies call them with the caller's own
    # path, and a member's temporary `users` table must not answer "who am I".
    pinned = f"SET search_path = {n['S']}, pg_temp"
    definer = f"SECURITY DEFINER {pinned}"
    return [
        # The groups and the owner as this migration named them (a copy of the database
        # keeps using them).
        f"""CREATE FUNCTION moviecli_role(kind text) RETURNS text LANGUAGE sql IMMUTABLE
        {pinned} AS
        $$ SELECT CASE kind WHEN 'member' THEN {n["M_lit"]} WHEN 'admin' THEN {n["A_lit"]}
           WHEN 'guest' THEN {n["G_lit"]} WHEN 'owner' THEN {n["O_lit"]} END $$""",
        # The caller's user row (current_user is the caller in policies and views).
        f"""CREATE FUNCTION moviecli_uid() RETURNS integer LANGUAGE sql STABLE {pinned} AS
        $$ SELECT id FROM users WHERE name = current_user::text $$""",
        f"""CREATE FUNCTION moviecli_is_member_name(who text) RETURNS boolean
        LANGUAGE sql STABLE {pinned} AS
        $$ SELECT EXISTS (SELECT 1 FROM pg_roles AS r WHERE r.rolname = who
           AND r.rolcanlogin AND pg_has_role(r.oid, {n["M_lit"]}, 'MEMBER')) $$""",
        f"""CREATE FUNCTION moviecli_member_ids() RETURNS integer[] LANGUAGE sql STABLE
        {pinned} AS
        $$ SELECT coalesce(array_agg(u.id), '{{}}') FROM users AS u
           JOIN pg_roles AS r ON r.rolname = u.name
           WHERE r.rolcanlogin AND pg_has_role(r.oid, {n["M_lit"]}, 'MEMBER') $$""",
        # Users whose rows of this kind the caller may not see: for the owner none; for
        # a member those who chose 'private' (never the caller); for anyone else (a
        # guest) everyone who did not choose 'public'.
        f"""CREATE FUNCTION moviecli_hidden_ids(kind text) RETURNS integer[]
        LANGUAGE sql STABLE {pinned} AS $$
        SELECT CASE
          WHEN pg_has_role(current_user, {n["O_lit"]}, 'USAGE') THEN '{{}}'::integer[]
          WHEN pg_has_role(current_user, {n["M_lit"]}, 'USAGE') THEN
            (SELECT coalesce(array_agg(p.user_id), '{{}}') FROM privacy AS p
             WHERE CASE kind WHEN 'diary' THEN p.diary WHEN 'reviews' THEN p.reviews
                   ELSE p.lists END = 'private'
             AND p.user_id IS DISTINCT FROM moviecli_uid())
          ELSE
            (SELECT coalesce(array_agg(u.id), '{{}}') FROM users AS u
             LEFT JOIN privacy AS p ON p.user_id = u.id
             WHERE coalesce(CASE kind WHEN 'diary' THEN p.diary WHEN 'reviews'
                   THEN p.reviews ELSE p.lists END, 'members') <> 'public')
        END $$""",
        # Aggregates, per statement (an import's million rows is one GROUP BY), the
        # films locked in id order so that concurrent writers cannot deadlock.
        f"""CREATE FUNCTION moviecli_ratings_added() RETURNS trigger LANGUAGE plpgsql
        {definer} AS $$ BEGIN
          PERFORM 1 FROM movies WHERE id IN (SELECT movie_id FROM new_rows)
            ORDER BY id FOR NO KEY UPDATE;
          UPDATE movies AS m SET rating_count = m.rating_count + d.n,
            rating_sum = m.rating_sum + d.s
          FROM (SELECT movie_id, count(*) AS n, sum(score) AS s FROM new_rows
                GROUP BY movie_id) AS d WHERE m.id = d.movie_id;
          RETURN NULL; END $$""",
        f"""CREATE FUNCTION moviecli_ratings_removed() RETURNS trigger LANGUAGE plpgsql
        {definer} AS $$ BEGIN
          PERFORM 1 FROM movies WHERE id IN (SELECT movie_id FROM old_rows)
            ORDER BY id FOR NO KEY UPDATE;
          UPDATE movies AS m SET rating_count = m.rating_count - d.n,
            rating_sum = m.rating_sum - d.s
          FROM (SELECT movie_id, count(*) AS n, sum(score) AS s FROM old_rows
                GROUP BY movie_id) AS d WHERE m.id = d.movie_id;
          RETURN NULL; END $$""",
        f"""CREATE FUNCTION moviecli_ratings_changed() RETURNS trigger LANGUAGE plpgsql
        {definer} AS $$ BEGIN
          PERFORM 1 FROM movies WHERE id IN (SELECT movie_id FROM new_rows UNION
            SELECT movie_id FROM old_rows) ORDER BY id FOR NO KEY UPDATE;
          UPDATE movies AS m SET rating_count = m.rating_count + d.n,
            rating_sum = m.rating_sum + d.s
          FROM (SELECT movie_id, sum(n) AS n, sum(s) AS s FROM (
                  SELECT movie_id, 1 AS n, score AS s FROM new_rows
                  UNION ALL SELECT movie_id, -1, -score FROM old_rows) AS x
                GROUP BY movie_id) AS d
          WHERE m.id = d.movie_id AND (d.n <> 0 OR d.s <> 0);
          RETURN NULL; END $$""",
        # A new film has no ratings yet (they reference it): whatever an INSERT says.
        f"""CREATE FUNCTION moviecli_movie_starts_unrated() RETURNS trigger LANGUAGE plpgsql
        {pinned} AS $$ BEGIN NEW.rating_count := 0; NEW.rating_sum := 0; RETURN NEW; END $$""",
        f"""CREATE FUNCTION moviecli_film_users(film integer) RETURNS TABLE (name text)
        LANGUAGE sql STABLE {definer} AS $$
        SELECT u.name::text FROM users AS u WHERE u.id IN (
          SELECT user_id FROM ratings WHERE movie_id = film
          UNION SELECT user_id FROM viewings WHERE movie_id = film
          UNION SELECT user_id FROM watchlist WHERE movie_id = film
          UNION SELECT user_id FROM tags WHERE movie_id = film
          UNION SELECT l.user_id FROM list_items AS i JOIN lists AS l ON l.id = i.list_id
                WHERE i.movie_id = film)
        ORDER BY u.name $$""",
        # Whose data a delete of the film would take with it, the caller's aside: names
        # for an admin, one NULL per person for anyone else (private data stays private).
        f"""CREATE FUNCTION moviecli_film_others(film integer) RETURNS TABLE (name text)
        LANGUAGE sql STABLE {definer} AS $$
        SELECT CASE WHEN pg_has_role(session_user, {n["A_lit"]}, 'MEMBER') THEN f.name END
        FROM moviecli_film_users(film) AS f WHERE f.name <> session_user::text $$""",
        f"""CREATE FUNCTION moviecli_guard_movie_delete() RETURNS trigger LANGUAGE plpgsql
        {definer} AS $$
        DECLARE others integer;
        BEGIN
          IF pg_has_role(session_user, {n["A_lit"]}, 'MEMBER') THEN RETURN OLD; END IF;
          SELECT count(*) INTO others FROM moviecli_film_users(OLD.id) AS f
            WHERE f.name <> session_user::text;
          IF others > 0 THEN
            RAISE EXCEPTION USING ERRCODE = '42501', MESSAGE = format(
              'film %s holds the ratings, diary or lists of %s other user(s): '
              'only an admin of the catalog may delete it', OLD.id, others);
          END IF;
          RETURN OLD;
        END $$""",
        # Next ids as SQLite gives them (highest + 1) over every row, seen or not.
        f"""CREATE FUNCTION moviecli_sync_ids(tables text[]) RETURNS void LANGUAGE plpgsql
        {definer} AS $$
        DECLARE t text;
        BEGIN
          FOREACH t IN ARRAY tables LOOP
            EXECUTE format('SELECT setval(pg_get_serial_sequence(%L, ''id''), '
              'coalesce((SELECT max(id) FROM %I), 0) + 1, false)', t, t);
          END LOOP;
        END $$""",
        f"""CREATE FUNCTION moviecli_member_add(who text, kind text) RETURNS void
        LANGUAGE plpgsql {definer} AS $$
        BEGIN
          IF NOT pg_has_role(session_user, {n["A_lit"]}, 'MEMBER') THEN
            RAISE EXCEPTION USING ERRCODE = '42501', MESSAGE =
              'only the owner or an admin of the catalog may change its members';
          END IF;
          IF who = {n["O_lit"]} THEN
            RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE =
              format('%s owns the catalog already', who);
          END IF;
          IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = who AND NOT rolcanlogin) THEN
            RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE =
              format('%s is a group role of the server, not a person', who);
          END IF;
          IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = who) THEN
            EXECUTE format('CREATE ROLE %I LOGIN', who);
          END IF;
          EXECUTE format('REVOKE %I, %I, %I FROM %I', {n["M_lit"]}, {n["A_lit"]},
            {n["G_lit"]}, who);
          EXECUTE format('GRANT %I TO %I', CASE kind WHEN 'admin' THEN {n["A_lit"]}
            WHEN 'guest' THEN {n["G_lit"]} ELSE {n["M_lit"]} END, who);
          IF kind <> 'guest' THEN
            INSERT INTO users (name) VALUES (who) ON CONFLICT (name) DO NOTHING;
          END IF;
        END $$""",
        f"""CREATE FUNCTION moviecli_member_remove(who text, keep_data boolean)
        RETURNS boolean LANGUAGE plpgsql {definer} AS $$
        DECLARE dropped boolean := true;
        BEGIN
          IF NOT pg_has_role(session_user, {n["A_lit"]}, 'MEMBER') THEN
            RAISE EXCEPTION USING ERRCODE = '42501', MESSAGE =
              'only the owner or an admin of the catalog may change its members';
          END IF;
          IF who = {n["O_lit"]} THEN
            RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE =
              format('%s owns the catalog and cannot be removed', who);
          END IF;
          IF NOT EXISTS (SELECT 1 FROM pg_roles AS r WHERE r.rolname = who AND r.rolcanlogin
              AND NOT r.rolsuper AND (pg_has_role(r.oid, {n["M_lit"]}, 'MEMBER')
              OR pg_has_role(r.oid, {n["G_lit"]}, 'MEMBER'))) THEN
            RAISE EXCEPTION USING ERRCODE = '02000', MESSAGE =
              format('no member named %s', who);
          END IF;
          IF NOT keep_data THEN
            DELETE FROM users WHERE name = who;
          END IF;
          EXECUTE format('REVOKE %I, %I, %I FROM %I', {n["M_lit"]}, {n["A_lit"]},
            {n["G_lit"]}, who);
          BEGIN
            EXECUTE format('DROP ROLE %I', who);
          EXCEPTION WHEN others THEN
            dropped := false;  -- it owns things elsewhere, or is not ours to drop
          END;
          RETURN dropped;
        END $$""",
        f"""CREATE FUNCTION moviecli_members() RETURNS TABLE (member text, kind text,
          rated bigint, logged bigint, listed bigint, wanted bigint)
        LANGUAGE plpgsql STABLE {definer} AS $$
        BEGIN
          IF NOT pg_has_role(session_user, {n["A_lit"]}, 'MEMBER') THEN
            RAISE EXCEPTION USING ERRCODE = '42501', MESSAGE =
              'only the owner or an admin of the catalog may list its members';
          END IF;
          RETURN QUERY
          SELECT r.rolname::text,
            CASE WHEN r.rolname = {n["O_lit"]} THEN 'owner'
                 WHEN pg_has_role(r.oid, {n["A_lit"]}, 'MEMBER') THEN 'admin'
                 WHEN pg_has_role(r.oid, {n["M_lit"]}, 'MEMBER') THEN 'member'
                 ELSE 'guest' END,
            (SELECT count(*) FROM ratings AS x WHERE x.user_id = u.id),
            (SELECT count(*) FROM viewings AS x WHERE x.user_id = u.id),
            (SELECT count(*) FROM lists AS x WHERE x.user_id = u.id),
            (SELECT count(*) FROM watchlist AS x WHERE x.user_id = u.id)
          FROM pg_roles AS r LEFT JOIN users AS u ON u.name = r.rolname
          WHERE r.rolcanlogin AND (r.rolname = {n["O_lit"]} OR (NOT r.rolsuper AND (
            pg_has_role(r.oid, {n["M_lit"]}, 'MEMBER')
            OR pg_has_role(r.oid, {n["G_lit"]}, 'MEMBER'))))
          ORDER BY 1;
        END $$""",
    ]


def _visible(table: str) -> str:
    """The rows of `table` the caller may read (members and guests)."""
    if table == "list_items":
        return "list_id IN (SELECT id FROM lists)"  # the lists' own policies decide
    hidden = f"user_id = ANY ((SELECT moviecli_hidden_ids('{PERSONAL[table]}'))::integer[])"
    if table in ("ratings", "viewings"):
        hidden += (
            " OR (review IS NOT NULL AND "
            "user_id = ANY ((SELECT moviecli_hidden_ids('reviews'))::integer[]))"
        )
    return f"NOT ({hidden})"


def _security(n: dict[str, str]) -> list[str]:
    M, A, G, OWNER = n["M"], n["A"], n["G"], n["O"]
    own = "user_id = (SELECT moviecli_uid())"
    no_role = "NOT user_id = ANY ((SELECT moviecli_member_ids())::integer[])"
    out: list[str] = []
    for table in (*PERSONAL, "list_items"):
        if table == "list_items":
            mine = f"list_id IN (SELECT id FROM lists WHERE {own})"
            theirs = f"list_id IN (SELECT id FROM lists WHERE {no_role})"
        else:
            mine, theirs = own, no_role
        out += [
            f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY",
            f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY",
            f"CREATE POLICY {table}_read ON {table} FOR SELECT TO {M}, {G} "
            f"USING ({_visible(table)})",
            f"CREATE POLICY {table}_owner_reads ON {table} FOR SELECT TO {OWNER} USING (true)",
            f"CREATE POLICY {table}_own ON {table} FOR ALL TO {M} "
            f"USING ({mine}) WITH CHECK ({mine})",
            f"CREATE POLICY {table}_no_role ON {table} FOR ALL TO {A} "
            f"USING ({theirs}) WITH CHECK ({theirs})",
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON {table} TO {M}",
            f"GRANT SELECT ON {table} TO {G}",
        ]
    out += [
        "ALTER TABLE users ENABLE ROW LEVEL SECURITY",
        "ALTER TABLE users FORCE ROW LEVEL SECURITY",
        f"CREATE POLICY users_read ON users FOR SELECT TO {M}, {G} USING (true)",
        f"CREATE POLICY users_self ON users FOR INSERT TO {M} WITH CHECK "
        "(name = current_user::text AND moviecli_is_member_name(name))",
        f"CREATE POLICY users_no_role ON users FOR INSERT TO {A} "
        "WITH CHECK (NOT moviecli_is_member_name(name))",
        f"CREATE POLICY users_owner ON users FOR ALL TO {OWNER} USING (true) WITH CHECK (true)",
        f"GRANT SELECT, INSERT ON users TO {M}",
        f"GRANT SELECT ON users TO {G}",
        "ALTER TABLE privacy ENABLE ROW LEVEL SECURITY",
        "ALTER TABLE privacy FORCE ROW LEVEL SECURITY",
        f"CREATE POLICY privacy_read ON privacy FOR SELECT TO {M}, {G} USING (true)",
        f"CREATE POLICY privacy_own ON privacy FOR ALL TO {M} USING ({own}) WITH CHECK ({own})",
        f"CREATE POLICY privacy_owner ON privacy FOR ALL TO {OWNER} USING (true) WITH CHECK (true)",
        # The pseudonym is read only by the owner's view below.
        "ALTER TABLE privacy ALTER COLUMN pseudonym "
        "SET DEFAULT 1 + floor(random() * 2000000000)::integer",
        f"GRANT SELECT (user_id, diary, reviews, lists), INSERT (user_id, diary, reviews, lists), "
        f"UPDATE (diary, reviews, lists) ON privacy TO {M}",
        f"GRANT SELECT (user_id, diary, reviews, lists) ON privacy TO {G}",
        # Shared tables: members add, edit and delete films, people and genres.
        *(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {t} TO {M}" for t in SHARED),
        *(f"GRANT SELECT ON {t} TO {G}" for t in SHARED),
        f"GRANT SELECT, INSERT, DELETE ON movies TO {M}",
        f"GRANT SELECT ON movies, alembic_version TO {M}, {G}",
        f"""DO $$ DECLARE cols text; BEGIN
          SELECT string_agg(quote_ident(attname), ', ') INTO cols FROM pg_attribute
          WHERE attrelid = 'movies'::regclass AND attnum > 0 AND NOT attisdropped
            AND attname NOT IN ('id', 'rating_count', 'rating_sum');
          EXECUTE format('GRANT UPDATE (%s) ON movies TO %I', cols, {n["M_lit"]});
        END $$""",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {n['S']} TO {M}",
        "CREATE TRIGGER movies_start_unrated BEFORE INSERT ON movies FOR EACH ROW "
        "EXECUTE FUNCTION moviecli_movie_starts_unrated()",
        "CREATE TRIGGER movies_delete_guard BEFORE DELETE ON movies FOR EACH ROW "
        "EXECUTE FUNCTION moviecli_guard_movie_delete()",
        "CREATE TRIGGER ratings_aggregates_insert AFTER INSERT ON ratings "
        "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT "
        "EXECUTE FUNCTION moviecli_ratings_added()",
        "CREATE TRIGGER ratings_aggregates_delete AFTER DELETE ON ratings "
        "REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT "
        "EXECUTE FUNCTION moviecli_ratings_removed()",
        "CREATE TRIGGER ratings_aggregates_update AFTER UPDATE ON ratings "
        "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT "
        "EXECUTE FUNCTION moviecli_ratings_changed()",
        # Every score, the rater shown only where the caller may see them. The view runs
        # with its owner's rights (the owner reads every rating) and current_user is
        # still the caller, so moviecli_hidden_ids answers for the caller.
        """CREATE VIEW rating_scores AS SELECT * FROM (
        WITH hidden AS (SELECT moviecli_hidden_ids('diary') AS diary,
                               moviecli_hidden_ids('reviews') AS reviews)
        SELECT CASE WHEN r.user_id = ANY (h.diary)
                      OR (r.review IS NOT NULL AND r.user_id = ANY (h.reviews))
                    THEN -(SELECT p.pseudonym FROM privacy AS p WHERE p.user_id = r.user_id)
                    ELSE r.user_id END AS user_id,
               r.movie_id, r.score, r.rated_at
        FROM ratings AS r CROSS JOIN hidden AS h) AS scores WHERE user_id IS NOT NULL""",
        f"GRANT SELECT ON rating_scores TO {M}, {G}",
    ]
    for signature in FUNCTIONS:
        out.append(f"REVOKE ALL ON FUNCTION {signature} FROM PUBLIC")
    for signature in (
        "moviecli_role(text)",
        "moviecli_uid()",
        "moviecli_is_member_name(text)",
        "moviecli_member_ids()",
        "moviecli_hidden_ids(text)",
        "moviecli_film_others(integer)",
        "moviecli_sync_ids(text[])",
    ):
        out.append(f"GRANT EXECUTE ON FUNCTION {signature} TO {M}, {G}")
    for signature in (
        "moviecli_member_add(text, text)",
        "moviecli_member_remove(text, boolean)",
        "moviecli_members()",
    ):
        out.append(f"GRANT EXECUTE ON FUNCTION {signature} TO {A}")
    return out


def _owned_by_owner(n: dict[str, str]) -> list[str]:
    """A superuser may run the upgrade: the functions and the view still belong to the
    table owner (a SECURITY DEFINER function of a superuser would run as one)."""
    return [
        *(f"ALTER FUNCTION {signature} OWNER TO {n['O']}" for signature in FUNCTIONS),
        f"ALTER VIEW rating_scores OWNER TO {n['O']}",
    ]


def _existing_roles_become_members(n: dict[str, str]) -> list[str]:
    """Users named as a login role that could already read the catalog's ratings (the
    old README's GRANTs) become members; their direct grants give way to the groups'."""
    return [
        f"""DO $$ DECLARE who text; BEGIN
          FOR who IN SELECT r.rolname FROM users AS u JOIN pg_roles AS r
            ON r.rolname = u.name WHERE r.rolcanlogin AND NOT r.rolsuper
            AND r.rolname <> {n["O_lit"]}
            AND has_table_privilege(r.oid, 'ratings', 'SELECT') LOOP
            EXECUTE format('REVOKE ALL ON ALL TABLES IN SCHEMA %I FROM %I',
              current_schema(), who);
            EXECUTE format('GRANT %I TO %I', {n["M_lit"]}, who);
          END LOOP;
        END $$""",
    ]


def upgrade() -> None:
    _privacy_table()
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    n = _names(bind)
    version = int(bind.execute(sa.text("SHOW server_version_num")).scalar_one())
    for statement in (
        *_roles(n, version),
        *_existing_roles_become_members(n),
        *_helpers(n),
        *_security(n),
        *_owned_by_owner(n),
    ):
        op.execute(statement)


def downgrade() -> None:
    """The group roles stay (cluster-wide; a copy of this database may use them): drop
    them with DROP ROLE once no catalog needs them."""
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        # The groups as upgrade() named them (a copy of the database has another name).
        quote = bind.dialect.identifier_preparer.quote_identifier
        n = {
            k: quote(bind.execute(sa.text("SELECT moviecli_role(:k)"), {"k": kind}).scalar_one())
            for k, kind in (("M", "member"), ("A", "admin"), ("G", "guest"))
        }
        n["S"] = quote(bind.execute(sa.text("SELECT current_schema()")).scalar_one())
        op.execute("DROP VIEW IF EXISTS rating_scores")
        for trigger, table in (
            ("movies_start_unrated", "movies"),
            ("movies_delete_guard", "movies"),
            ("ratings_aggregates_insert", "ratings"),
            ("ratings_aggregates_delete", "ratings"),
            ("ratings_aggregates_update", "ratings"),
        ):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger} ON {table}")
        for table in (*PERSONAL, "list_items", "users"):
            policies = [
                row[0]
                for row in bind.execute(
                    sa.text(
                        "SELECT policyname FROM pg_policies WHERE schemaname = "
                        "current_schema() AND tablename = :t"
                    ),
                    {"t": table},
                )
            ]
            for policy in policies:
                op.execute(f'DROP POLICY "{policy}" ON {table}')
            op.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
            op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
        tables = ", ".join((*PERSONAL, "list_items", "users", "movies", "alembic_version", *SHARED))
        op.execute(f"REVOKE ALL ON {tables} FROM {n['M']}, {n['A']}, {n['G']}")
        op.execute(
            f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA {n['S']} FROM {n['M']}, {n['A']}, {n['G']}"
        )
    op.drop_table("privacy")
    if bind.dialect.name == "postgresql":
        for signature in FUNCTIONS:
            op.execute(f"DROP FUNCTION IF EXISTS {signature}")
