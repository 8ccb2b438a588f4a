"""The diary's rows of the benchmark (issue 11, point 9): `diary`, `watchlist`,
`lists show`, `person` and `list --tag` on the 25m catalog with one user's diary of
100,000 viewings, each against the same command on a freshly seeded catalog with a diary
of its own size. Both diaries are planted straight into the SQLite files (the CLI would
take minutes to log 100,000 viewings one by one); the 25m one is a copy of the cached
25m catalog, kept in the cache beside it."""

from __future__ import annotations

import random
import shutil
import sqlite3
from contextlib import closing
from datetime import date, timedelta
from pathlib import Path

from tests.benchmarks.__main__ import (
    MOVIECLI,
    Outcome,
    alternate,
    fresh_catalog,
    medians,
    moviecli,
    revision,
    run,
)

VIEWINGS = 100_000
LIST_NAME = "Bench favourites"
TAG = "bench"
PERSON = "Bench Director"
# The same number of rows on screen on both catalogs where the seeded one has the films.
WATCHLIST = 20
LIST_SIZE = 50
PERSON_FILMS = 10
OTHER_TAGS = [f"mood-{n}" for n in range(20)]
OTHER_PEOPLE = 20_000  # 3 credits each: the 25m catalog gets ~60,000 credits
STAMP = "2024-01-01 12:00:00.000000"


def plant_diary(db: Path, *, user: str, viewings: int, other_people: int) -> None:
    """One user's diary, watchlist, a list, tags, and a director with PERSON_FILMS films,
    written with sqlite3 in one transaction (deterministic: a seeded random generator)."""
    from moviecli.rules import text_key

    rng = random.Random(11)
    with closing(sqlite3.connect(db)) as connection, connection:
        connection.execute("PRAGMA foreign_keys = ON")
        found = connection.execute("SELECT id FROM users WHERE name = ?", (user,)).fetchone()
        if found is None:
            user_id = connection.execute("INSERT INTO users (name) VALUES (?)", (user,)).lastrowid
        else:
            user_id = found[0]
        movies = [m for (m,) in connection.execute("SELECT id FROM movies ORDER BY id")]
        rated = [
            m
            for (m,) in connection.execute(
                "SELECT movie_id FROM ratings WHERE user_id = ?", (user_id,)
            )
        ]
        # Viewings: about a third of the films the user rated, the rest anywhere; dated
        # over 25 years, in date order so that the second viewing of a film is a rewatch.
        first = date(2000, 1, 1)
        days = (date(2025, 12, 31) - first).days
        picks = sorted(
            (
                first + timedelta(days=rng.randrange(days)),
                rng.choice(rated) if rated and rng.random() < 0.3 else rng.choice(movies),
            )
            for _ in range(viewings)
        )
        seen: set[int] = set()
        rows = []
        for watched_on, movie in picks:
            rows.append((movie, user_id, watched_on.isoformat(), movie in seen, STAMP))
            seen.add(movie)
        connection.executemany(
            "INSERT INTO viewings (movie_id, user_id, watched_on, rewatch, created_at) "
            "VALUES (?, ?, ?, ?, ?)",
            rows,
        )
        sample = rng.sample(movies, min(len(movies), max(WATCHLIST, LIST_SIZE) * 2))
        connection.executemany(
            "INSERT INTO watchlist (user_id, movie_id, added_at, note) VALUES (?, ?, ?, ?)",
            [
                (user_id, m, f"2024-01-01 12:{i // 60:02d}:{i % 60:02d}.000000", "for later")
                for i, m in enumerate(sample[:WATCHLIST])
            ],
        )
        list_id = connection.execute(
            "INSERT INTO lists (user_id, name, name_key, ranked, created_at) "
            "VALUES (?, ?, ?, 1, ?)",
            (user_id, LIST_NAME, text_key(LIST_NAME), STAMP),
        ).lastrowid
        connection.executemany(
            "INSERT INTO list_items (list_id, movie_id, position, added_at) VALUES (?, ?, ?, ?)",
            [(list_id, m, i, STAMP) for i, m in enumerate(sample[-LIST_SIZE:], start=1)],
        )
        # Tags: TAG on LIST_SIZE films, and the films of the diary tagged with others.
        tags = [(m, TAG) for m in sample[:LIST_SIZE]]
        tags += [(m, rng.choice(OTHER_TAGS)) for m in list(seen)[: viewings // 20]]
        connection.executemany(
            "INSERT OR IGNORE INTO tags (movie_id, user_id, tag, tag_key, tagged_at) "
            "VALUES (?, ?, ?, ?, ?)",
            [(m, user_id, t, text_key(t), STAMP) for m, t in tags],
        )
        # People: a crowd of others with three credits each, and PERSON on films the
        # user has seen (so "seen N of M" has something to count).
        people = [(PERSON, text_key(PERSON))] + [
            (f"Person {n}", text_key(f"Person {n}")) for n in range(other_people)
        ]
        start = connection.execute("SELECT coalesce(max(id), 0) FROM people").fetchone()[0] + 1
        connection.executemany(
            "INSERT INTO people (id, name, name_key) VALUES (?, ?, ?)",
            [(start + i, name, key) for i, (name, key) in enumerate(people)],
        )
        credits = {(m, "director", start) for m in sorted(seen)[:PERSON_FILMS]}
        for n in range(1, other_people + 1):
            for m in rng.sample(movies, min(3, len(movies))):
                credits.add((m, rng.choice(("director", "writer", "cast")), start + n))
        connection.executemany(
            "INSERT OR IGNORE INTO movie_people (movie_id, role, person_id, position) "
            "VALUES (?, ?, ?, 1)",
            sorted(credits),
        )


def diary_catalog(cache: Path, big: Path) -> tuple[Path, str]:
    """The cached 25m catalog's copy with the diary (rebuilt when the 25m catalog's
    revision differs), and the diary's user: the first with over 1,000 ratings."""
    db = cache / "big-diary.db"
    if db.exists() and revision(db) != revision(big):
        fresh_catalog(db)
    with closing(sqlite3.connect(big)) as connection:
        row = connection.execute(
            "SELECT u.name FROM users u WHERE u.id = (SELECT user_id FROM ratings "
            "GROUP BY user_id HAVING count(*) > 1000 LIMIT 1)"
        ).fetchone()
    user = row[0] if row else "bench"
    if not db.exists():
        print(f"planting a diary of {VIEWINGS:,} viewings into {db} ...", flush=True)
        scratch = cache / "big-diary.tmp"
        fresh_catalog(scratch)
        with closing(sqlite3.connect(big)) as source, closing(sqlite3.connect(scratch)) as copy:
            source.backup(copy)
        plant_diary(scratch, user=user, viewings=VIEWINGS, other_people=OTHER_PEOPLE)
        shutil.move(scratch, db)
    return db, user


def command_cases(user: str) -> list[tuple[str, list[str]]]:
    who = ["--user", user]
    return [
        ("diary", ["diary", *who]),
        ("watchlist", ["watchlist", *who]),
        ("lists show", ["lists", "show", LIST_NAME, *who]),
        ("person", ["person", PERSON, *who]),
        ("list --tag", ["list", "--tag", TAG, "--limit", "20", *who]),
    ]


def diary_cases(work: Path, big: Path, cache: Path, runs: int) -> list[Outcome]:
    db, user = diary_catalog(cache, big)
    seeded = fresh_catalog(work / "seeded-diary.db")
    run([MOVIECLI, "--db", str(seeded), "seed"])
    seeded_user = "demo-ana"
    plant_diary(seeded, user=seeded_user, viewings=200, other_people=0)
    outcomes = []
    for (label, big_args), (_, seeded_args) in zip(
        command_cases(user), command_cases(seeded_user), strict=True
    ):
        measured, reference = medians(
            *alternate(moviecli(db, *big_args), moviecli(seeded, *seeded_args), runs)
        )
        outcomes.append(
            Outcome(
                f"25m diary: {label}",
                measured,
                reference,
                1.2,
                note="100k viewings vs seeded catalog, 200 viewings",
            )
        )
    return outcomes
