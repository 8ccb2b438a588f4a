"""Diary imports from Trakt (zip or folder of JSON), Netflix's viewing history and
IMDb watchlist and list exports: viewings, ratings, watchlists and lists, each
importing again as a no-op."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import pytest

from tests.checks import add, query, refused
from tests.conftest import Invoke, dump_tables
from tests.import_files import counts, skipped, write

pytestmark = pytest.mark.both_engines


def film(title: str, year: int, trakt: int, imdb: str, tmdb: int) -> dict[str, Any]:
    return {
        "title": title,
        "year": year,
        "ids": {
            "trakt": trakt,
            "slug": title.lower().replace(" ", "-"),
            "imdb": imdb,
            "tmdb": tmdb,
        },
    }


HEAT = film("Heat", 1995, 1, "tt0113277", 949)
ALIEN = film("Alien", 1979, 2, "tt0078748", 348)
STALKER = film("Stalker", 1979, 3, "tt0079944", 1398)
EPISODE = {
    "type": "episode",
    "watched_at": "2023-01-05T12:00:00.000Z",
    "episode": {"season": 1, "number": 1, "title": "Pilot", "ids": {"trakt": 77}},
    "show": {"title": "Twin Peaks", "year": 1990, "ids": {"trakt": 5}},
}
HISTORY_1 = [
    {
        "id": 11,
        "watched_at": "2023-01-01T12:00:00.000Z",
        "action": "watch",
        "type": "movie",
        "movie": HEAT,
    },
    EPISODE,
    {
        "id": 12,
        "watched_at": "2023-03-01T12:00:00.000Z",
        "action": "scrobble",
        "type": "movie",
        "movie": HEAT,
    },
]
HISTORY_2 = [
    {
        "id": 13,
        "watched_at": "2023-02-01T12:00:00.000Z",
        "action": "checkin",
        "type": "movie",
        "movie": ALIEN,
    },
    {"id": 14, "watched_at": "not a time", "action": "watch", "type": "movie", "movie": ALIEN},
]
RATINGS = [
    {"rated_at": "2023-03-02T10:00:00.000Z", "rating": 9, "type": "movie", "movie": HEAT},
    {"rated_at": "2023-02-02T10:00:00.000Z", "rating": 3, "type": "movie", "movie": ALIEN},
    {
        "rated_at": "2023-02-02T10:00:00.000Z",
        "rating": 8,
        "type": "show",
        "show": {"title": "Twin Peaks"},
    },
]
WATCHLIST = [
    {
        "rank": 1,
        "id": 21,
        "listed_at": "2023-01-10T08:00:00.000Z",
        "notes": "Tarkovsky",
        "type": "movie",
        "movie": STALKER,
    },
    {
        "rank": 2,
        "id": 22,
        "listed_at": "2023-01-11T08:00:00.000Z",
        "notes": None,
        "type": "show",
        "show": {"title": "Twin Peaks"},
    },
]
LIST_NAMES = [
    {
        "name": "Eighties & Seventies",
        "description": "Old favourites",
        "privacy": "private",
        "ids": {"trakt": 900, "slug": "old-ones"},
    },
]
OLD_ONES = [
    {
        "rank": 2,
        "id": 31,
        "listed_at": "2023-04-01T08:00:00.000Z",
        "notes": None,
        "type": "movie",
        "movie": ALIEN,
    },
    {
        "rank": 1,
        "id": 32,
        "listed_at": "2023-04-01T08:00:00.000Z",
        "notes": "the best",
        "type": "movie",
        "movie": HEAT,
    },
]


def trakt_files() -> dict[str, Any]:
    return {
        "watched-history-1.json": HISTORY_1,
        "watched-history-2.json": HISTORY_2,
        "ratings-movies.json": RATINGS,
        "ratings-shows.json": [],
        "lists-watchlist.json": WATCHLIST,
        "lists-lists.json": LIST_NAMES,
        "lists-old-ones.json": OLD_ONES,
        "watched-shows.json": [],
    }


def trakt_zip(path: Path, prefix: str = "") -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in trakt_files().items():
            archive.writestr(prefix + name, json.dumps(data))
    return path


def check_trakt(result: Any, catalog: Path) -> None:
    assert counts(result, "movies") == {"added": 3, "matched": 0}
    assert counts(result, "viewings") == {"added": 3, "unchanged": 0}
    assert counts(result, "ratings") == {"added": 2, "replaced": 0, "unchanged": 0}
    assert counts(result, "to watch") == {"added": 1, "unchanged": 0}
    assert counts(result, "on lists") == {"added": 2, "unchanged": 0}
    assert skipped(result) == {"shows, seasons and episodes": 3}
    assert "watched-history-2.json, line 2: not a time: 'not a time'" in result.stdout
    assert query(
        catalog,
        "SELECT m.title, v.watched_on, v.rewatch FROM viewings AS v "
        "JOIN movies AS m ON m.id = v.movie_id ORDER BY v.watched_on",
    ) == [("Heat", "2023-01-01", 0), ("Alien", "2023-02-01", 0), ("Heat", "2023-03-01", 1)]
    assert query(
        catalog,
        "SELECT m.title, r.score FROM ratings AS r JOIN movies AS m ON m.id = r.movie_id "
        "ORDER BY m.title",
    ) == [("Alien", 1.5), ("Heat", 4.5)]
    assert query(catalog, "SELECT note FROM watchlist") == [("Tarkovsky",)]
    assert query(catalog, "SELECT name, description FROM lists") == [
        ("Eighties & Seventies", "Old favourites")
    ]
    assert query(
        catalog,
        "SELECT i.position, m.title, i.note FROM list_items AS i "
        "JOIN movies AS m ON m.id = i.movie_id ORDER BY i.position",
    ) == [(1, "Heat", "the best"), (2, "Alien", None)]
    assert query(catalog, "SELECT source, value FROM external_ids ORDER BY 1, 2") == [
        ("imdb", "tt0078748"),
        ("imdb", "tt0079944"),
        ("imdb", "tt0113277"),
        ("tmdb", "1398"),
        ("tmdb", "348"),
        ("tmdb", "949"),
    ]


@pytest.fixture(autouse=True)
def utc(monkeypatch: pytest.MonkeyPatch) -> None:
    """Trakt's times become days in the local time zone: fix it for the tests."""
    monkeypatch.setenv("TZ", "UTC")


def test_trakt_zip(cli: Invoke, catalog: Path, tmp_path: Path) -> None:
    result = cli("import", str(trakt_zip(tmp_path / "trakt.zip")), "--user", "ana")
    check_trakt(result, catalog)
    before = dump_tables(catalog)
    again = cli("import", str(tmp_path / "trakt.zip"), "--user", "ana")
    assert counts(again, "viewings") == {"added": 0, "unchanged": 3}
    assert dump_tables(catalog) == before


def test_trakt_older_export_nests_a_username_folder(
    cli: Invoke, catalog: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "trakt-export"
    for name, data in trakt_files().items():
        write(folder / "ana" / name, json.dumps(data))
    check_trakt(cli("import", str(folder), "--user", "ana"), catalog)
    zipped = trakt_zip(tmp_path / "old.zip", prefix="ana/")
    again = cli("import", str(zipped), "--user", "ana", "--from", "trakt")
    assert counts(again, "viewings") == {"added": 0, "unchanged": 3}


def test_trakt_matches_catalog_movies_by_imdb_id(
    cli: Invoke, catalog: Path, tmp_path: Path
) -> None:
    # Heat and Stalker come in with their IMDb ids, under other titles
    rows = IMDB_ROWS.replace(",Heat,Heat,", ",Heat (1995),Heat,").replace(",Stalker,", ",Сталкер,")
    imdb = write(tmp_path / "WATCHLIST.csv", IMDB_LIST_HEADER + rows)
    assert cli("import", str(imdb), "--user", "bo").exit_code == 0
    result = cli("import", str(trakt_zip(tmp_path / "trakt.zip")), "--user", "ana")
    # matched by IMDb id, and completed with the TMDB id
    assert counts(result, "movies") == {"added": 1, "matched": 2, "completed": 2}
    assert query(catalog, "SELECT count(*) FROM movies WHERE title = 'Сталкер'") == [(1,)]


NETFLIX = """Title,Date
"Stranger Things: Season 1: Chapter One: The Vanishing of Will Byers",7/15/16
Heat,12/24/22
Amélie,1/2/23
"The Crown: Season 2: Misadventure",1/3/23
Not In The Catalog,1/4/23
Heat,1/5/23
"""


def test_netflix_history_us_dates(cli: Invoke, catalog: Path, tmp_path: Path) -> None:
    add(cli, "Heat", 1995)
    add(cli, "Amélie", 2001)
    path = write(tmp_path / "NetflixViewingHistory.csv", NETFLIX)
    result = cli("import", str(path), "--user", "ana")
    assert counts(result, "viewings") == {"added": 3, "unchanged": 0}
    assert skipped(result) == {"series episodes": 2, "titles that match no catalog movie": 1}
    assert query(
        catalog,
        "SELECT m.title, v.watched_on, v.rewatch FROM viewings AS v "
        "JOIN movies AS m ON m.id = v.movie_id ORDER BY v.watched_on",
    ) == [("Heat", "2022-12-24", 0), ("Amélie", "2023-01-02", 0), ("Heat", "2023-01-05", 1)]
    before = dump_tables(catalog)
    again = cli("import", str(path), "--user", "ana")
    assert counts(again, "viewings") == {"added": 0, "unchanged": 3}
    assert dump_tables(catalog) == before


def test_netflix_ambiguous_dates_need_date_format(
    cli: Invoke, catalog: Path, tmp_path: Path
) -> None:
    add(cli, "Heat", 1995)
    path = write(tmp_path / "NetflixViewingHistory.csv", "Title,Date\nHeat,03/04/2023\n")
    before = dump_tables(catalog)
    message = refused(cli("import", str(path), "--user", "ana"))
    assert "--date-format" in message
    assert dump_tables(catalog) == before
    result = cli("import", str(path), "--user", "ana", "--date-format", "%d/%m/%Y")
    assert counts(result, "viewings")["added"] == 1
    assert query(catalog, "SELECT watched_on FROM viewings") == [("2023-04-03",)]


def test_netflix_locale_dates_are_read_when_they_tell(
    cli: Invoke, catalog: Path, tmp_path: Path
) -> None:
    add(cli, "Heat", 1995)
    german = "Title,Date\nHeat,24.12.22\nHeat,05.01.23\nHeat,kaputt\n"
    result = cli("import", str(write(tmp_path / "h.csv", german)), "--user", "ana")
    assert counts(result, "viewings")["added"] == 2
    assert "line 4: Date does not read as %d.%m.%y (got 'kaputt')" in result.stdout


IMDB_LIST_HEADER = (
    "Position,Const,Created,Modified,Description,Title,Original Title,URL,Title Type,"
    "IMDb Rating,Runtime (mins),Year,Genres,Num Votes,Release Date,Directors,Your Rating,"
    "Date Rated\n"
)
IMDB_ROWS = (
    "1,tt0113277,2023-01-05,2023-01-05,see it big,Heat,Heat,https://www.imdb.com/title/"
    'tt0113277/,Movie,8.3,170,1995,"Action, Crime, Drama",700000,1995-12-15,Michael Mann,,\n'
    "2,tt0098936,2023-01-06,2023-01-06,,Twin Peaks,Twin Peaks,https://www.imdb.com/title/"
    'tt0098936/,TV Series,8.8,47,1990,"Crime, Drama",200000,1990-04-08,,,\n'
    "3,tt0079944,2023-01-07,2023-01-07,,Stalker,Stalker,https://www.imdb.com/title/"
    'tt0079944/,Movie,8.1,162,1979,"Drama, Sci-Fi",150000,1979-05-25,Andrei Tarkovsky,9,'
    "2023-02-01\n"
)


def test_imdb_watchlist(cli: Invoke, catalog: Path, tmp_path: Path) -> None:
    path = write(tmp_path / "WATCHLIST.csv", IMDB_LIST_HEADER + IMDB_ROWS)
    result = cli("import", str(path), "--user", "ana")
    assert counts(result, "to watch") == {"added": 2, "unchanged": 0}
    assert skipped(result) == {"not movies (title type TV Series)": 1}
    assert query(
        catalog,
        "SELECT m.title, w.added_at, w.note FROM watchlist AS w "
        "JOIN movies AS m ON m.id = w.movie_id ORDER BY m.title",
    ) == [
        ("Heat", "2023-01-05 00:00:00.000000", "see it big"),
        ("Stalker", "2023-01-07 00:00:00.000000", None),
    ]
    before = dump_tables(catalog)
    assert counts(cli("import", str(path), "--user", "ana"), "to watch")["added"] == 0
    assert dump_tables(catalog) == before


def test_imdb_list_is_named_after_its_file(cli: Invoke, catalog: Path, tmp_path: Path) -> None:
    path = write(tmp_path / "Heists and Zones.csv", IMDB_LIST_HEADER + IMDB_ROWS)
    result = cli("import", str(path), "--user", "ana")
    assert counts(result, "lists") == {"added": 1, "matched": 0}
    assert counts(result, "on lists") == {"added": 2, "unchanged": 0}
    assert query(
        catalog,
        "SELECT l.name, i.position, m.title, i.note FROM list_items AS i "
        "JOIN lists AS l ON l.id = i.list_id JOIN movies AS m ON m.id = i.movie_id "
        "ORDER BY i.position",
    ) == [("Heists and Zones", 1, "Heat", "see it big"), ("Heists and Zones", 2, "Stalker", None)]
    assert query(catalog, "SELECT count(*) FROM ratings") == [(0,)]
