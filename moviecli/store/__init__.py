"""Storage: the only package that speaks SQL or imports sqlite3/psycopg.

Which SQL style serves which job (one rule, so that a reader knows where to look):

- **ORM / SQLModel `select`** (`session.exec(select(Model)...)`, `session.get`,
  `session.add`) for per-row reads and writes in the repositories (store/repo): a
  movie, a rating, a viewing, a list. The row comes back as its model, validated
  inputs go in as models.
- **SQLAlchemy Core** (`insert`/`update`/`delete`/`select` on a table, through
  `store/repo/_select.core_table(Model)`, never `Model.__table__`) for set-based and
  bulk statements: a statement over many rows (recounting aggregates, marking
  rewatches, films leaving the watchlist, the recommender's bulk reads), an
  executemany, an `UPDATE ... FROM`. Core is typed and the same on both engines.
- **Raw SQL text** only where the dialect needs it or SQLAlchemy cannot say it:
  PRAGMAs, `BEGIN IMMEDIATE`, PostgreSQL's COPY, advisory locks, the catalog's own
  SQL functions (members.py), reading `sqlite_master`/`pg_catalog`, migrations' DDL.
  Two exceptions, for speed: store/bulk runs its per-row import statements as text
  on the driver's cursor (`?` placeholders), since SQLAlchemy's per-statement cost
  was seconds on a 62,000-movie import; those statements know tables and rows only.
  And repo/taste.py reads every rating for the recommender on the driver's cursor
  (SQLAlchemy's rows cost ten times the driver's tuples on the way into numpy).
  Every rule about what rows mean (people, the watchlist after watching, rewatches,
  aggregates, the ratings stamp) is written once, in store/repo, and the import
  calls it there.

Layout: engine.py (engines, per-connection set-up) · schema.py (read the revision) ·
migrate.py (Alembic) · catalog.py (one transaction per command, which hands out the
repositories) · repo/ (the repositories: classes bound to a session) · bulk/ (insert
many rows, the staged merge; one file per engine) · world/ (the IMDb world)."""
