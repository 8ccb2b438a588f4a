"""recommend, recommend --evaluate, taste and the model cache, on a small catalog with
planted taste (make_movielens.py --taste) and on catalogs built through the CLI."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np
import pytest

from moviecli.recommend.cache import cache_file
from tests.checks import add, query, rate, refused
from tests.conftest import (
    Invoke,
    Target,
    Templates,
    copy_catalog,
    is_url,
    json_out,
    server_of,
    sql_rows,
)
from tests.taste_data import write_taste_folder

pytestmark = pytest.mark.both_engines

RECOMMEND_KEYS = [
    "rank",
    "id",
    "title",
    "year",
    "genres",
    "score",
    "because",
    "on_watchlist",
    "imdb_id",
    "in_catalog",
]


@pytest.fixture
def crowd(
    request: pytest.FixtureRequest,
    cli: Invoke,
    target: Target,
    templates: Templates,
    tmp_path_factory: pytest.TempPathFactory,
) -> Target:
    """200 MovieLens users with planted taste, 50 ratings each of 300 films (imported
    once per engine, copied for each test)."""

    def build(invoke: Invoke) -> None:
        folder = tmp_path_factory.mktemp("taste") / "ml"
        write_taste_folder(folder)
        result = invoke("import", str(folder))
        assert result.exit_code == 0, result.output

    template, _ = templates.get(request, "taste", build)
    return copy_catalog(template, target)


@pytest.fixture
def trained_crowd(
    request: pytest.FixtureRequest,
    crowd: Target,
    templates: Templates,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Target]:
    """`crowd` with its model already trained, for tests that read the crowd's model
    without changing the ratings: the model is trained once per engine (on a template
    copy of the crowd, in a cache folder of its own) and each test gets its own copy of
    it, stored under its own catalog's name in its own cache folder. A test whose
    recommend trained again (the placed model was not taken) fails in teardown: the copy
    would only have cost time."""

    taste, _ = templates.get(request, "taste", lambda invoke: None)  # built by `crowd`

    def build(invoke: Invoke) -> tuple[str, str]:
        where = templates.building
        assert where is not None
        copy_catalog(taste, where)
        folder = tmp_path_factory.mktemp("taste-model")
        before = os.environ.get("XDG_CACHE_HOME")
        os.environ["XDG_CACHE_HOME"] = str(folder)
        try:
            assert invoke("recommend", "-u", "ml-7", "-f", "json").exit_code == 0
        finally:
            if before is None:
                del os.environ["XDG_CACHE_HOME"]
            else:
                os.environ["XDG_CACHE_HOME"] = before
        (model,) = folder.glob("moviecli/models/*.npz")
        return str(model), _locator(where)

    _, (model, locator) = templates.get(request, "taste_trained", build)
    with np.load(model, allow_pickle=False) as data:
        fields = {name: data[name] for name in data.files}
    identity = str(fields["identity"])
    assert identity.count(locator) == 1, (identity, locator)
    mine = identity.replace(locator, _locator(crowd))
    fields["identity"] = np.str_(mine)
    placed = cache_file(mine)
    placed.parent.mkdir(parents=True)
    with placed.open("wb") as out:
        np.savez(out, allow_pickle=False, **fields)
    written = placed.stat()
    yield crowd
    now = placed.stat()
    assert list(placed.parent.iterdir()) == [placed] and (now.st_ino, now.st_mtime_ns) == (
        written.st_ino,
        written.st_mtime_ns,
    ), "the trained template's model was not used: trained again"


def _locator(target: Target) -> str:
    """The part of a catalog's model identity that names this catalog: an SQLite file's
    resolved path, a PostgreSQL database's name (with the slash before it)."""
    if is_url(target):
        return "/" + urlsplit(str(target)).path.lstrip("/")
    return str(Path(target).resolve())


def rated_by(path: Path, user: str) -> set[int]:
    rows = query(
        path,
        "SELECT r.movie_id FROM ratings r JOIN users u ON u.id = r.user_id WHERE u.name = ?",
        user,
    )
    return {movie_id for (movie_id,) in rows}


def titles(path: Path, ids: set[int]) -> set[str]:
    return {title for (i, title) in query(path, "SELECT id, title FROM movies") if i in ids}


def models(environment: Path) -> list[Path]:
    return sorted((environment.parent / "xdg-cache" / "moviecli" / "models").glob("*.npz"))


def generation(path: Path) -> int:
    with np.load(path) as data:
        return int(data["generation"])


@pytest.mark.usefixtures("trained_crowd")
def test_recommended_films_are_unseen_and_explained(cli: Invoke, crowd: Path) -> None:
    rows = json_out(cli("recommend", "--user", "ml-7", "--limit", "15", "-f", "json"))
    assert len(rows) == 15
    assert [list(row) for row in rows] == [RECOMMEND_KEYS] * 15
    assert [row["rank"] for row in rows] == list(range(1, 16))
    scores = [row["score"] for row in rows]
    assert scores == sorted(scores, reverse=True)
    seen = rated_by(crowd, "ml-7")
    assert not {row["id"] for row in rows} & seen
    mine = titles(crowd, seen)
    assert all(row["because"] for row in rows)
    for row in rows:
        assert 1 <= len(row["because"]) <= 3
        assert set(row["because"]) <= mine
        assert row["on_watchlist"] is False


@pytest.mark.usefixtures("trained_crowd")
def test_filters_and_csv(cli: Invoke, crowd: Path) -> None:
    rows = json_out(
        cli("recommend", "-u", "ml-3", "-g", "drama", "--from-year", "1990", "-f", "json")
    )
    assert rows
    assert all("Drama" in row["genres"] and row["year"] >= 1990 for row in rows)
    out = cli("recommend", "-u", "ml-3", "-n", "4", "-f", "csv")
    assert out.exit_code == 0, out.output
    lines = out.stdout.splitlines()
    assert lines[0] == ",".join(RECOMMEND_KEYS)
    assert len(lines) == 5


def test_the_model_is_reused_until_the_ratings_change(
    request: pytest.FixtureRequest,
    cli: Invoke,
    crowd: Target,
    isolated_environment: Path,
    tmp_path: Path,
) -> None:
    first = json_out(cli("recommend", "-u", "ml-7", "-f", "json"))
    (model,) = models(isolated_environment)
    assert generation(model) == 1
    assert json_out(cli("recommend", "-u", "ml-7", "-f", "json")) == first
    assert generation(model) == 1  # read, not trained again
    rate(cli, first[0]["id"], 5, "ml-7")
    again = json_out(cli("recommend", "-u", "ml-7", "-f", "json"))
    assert generation(model) == 2
    assert first[0]["id"] not in {row["id"] for row in again}
    # Another catalog, even a copy of this one, gets a model of its own.
    other: Target
    if is_url(crowd):
        pg = server_of(crowd)
        other = pg.create(template=pg.freeze(str(crowd)))
        request.addfinalizer(lambda: pg.drop(str(other)))
    else:
        other = copy_catalog(crowd, tmp_path / "other" / "movies.db")
    assert cli("recommend", "-u", "ml-7", "-f", "json", db=other).exit_code == 0
    assert len(models(isolated_environment)) == 2


def write_sql(target: Target, sql: str, *params: object) -> None:
    """One statement straight into the catalog, committed (`?` placeholders)."""
    if is_url(target):
        sql_rows(target, sql, *params)
        return
    import sqlite3

    with sqlite3.connect(target) as connection:
        connection.execute(sql, params)
    connection.close()


def test_a_change_keeping_count_sum_and_newest_time_still_retrains(
    cli: Invoke, crowd: Target, isolated_environment: Path
) -> None:
    """Issue 17.12: a future-dated rating stays the newest, so unrating one 3.5 and
    rating another film 3.5 kept count, sum and newest time, and the model was reused."""
    write_sql(crowd, "UPDATE ratings SET rated_at = ? WHERE movie_id = 1", 4_102_444_800_000)
    cli("recommend", "-u", "ml-7", "-f", "json")
    (model,) = models(isolated_environment)
    assert generation(model) == 1
    mine = query(
        crowd,
        "SELECT r.movie_id, r.score FROM ratings r JOIN users u ON u.id = r.user_id "
        "WHERE u.name = 'ml-7' AND r.movie_id != 1 ORDER BY r.movie_id",
    )
    dropped, score = mine[0]
    unseen = min(set(range(2, 301)) - {m for m, _ in mine})
    assert cli("unrate", str(dropped), "--user", "ml-7").exit_code == 0
    rate(cli, unseen, score, "ml-7")
    assert cli("recommend", "-u", "ml-7", "-f", "json").exit_code == 0
    assert generation(model) == 2


def test_every_write_of_ratings_changes_the_stamp(
    cli: Invoke, crowd: Target, tmp_path: Path
) -> None:
    def stamp() -> int:
        ((value,),) = query(crowd, "SELECT ratings_stamp FROM catalog_state")
        return int(value)

    folder = tmp_path / "ml"
    write_taste_folder(folder)
    before = stamp()
    assert cli("import", str(folder)).exit_code == 0  # unchanged: the same stamp
    assert stamp() == before
    ratings = (folder / "ratings.csv").read_text().splitlines()
    user, movie, score, at = ratings[1].split(",")
    changed = "1.0" if score != "1.0" else "2.0"
    ratings[1] = ",".join([user, movie, changed, str(int(at) + 1)])
    (folder / "ratings.csv").write_text("\n".join(ratings) + "\n")
    assert cli("import", str(folder)).exit_code == 0
    assert stamp() != before
    before = stamp()
    assert cli("add", "Unrated", "--year", "1999").exit_code == 0
    assert stamp() == before
    assert cli("delete", movie, "--yes").exit_code == 0
    assert stamp() != before
    before = stamp()
    rate(cli, 2, 4, "someone")
    assert stamp() != before
    before = stamp()
    assert cli("unrate", "2", "--user", "someone").exit_code == 0
    assert stamp() != before


def test_a_damaged_model_file_is_trained_again(
    cli: Invoke, crowd: Path, isolated_environment: Path
) -> None:
    expected = json_out(cli("recommend", "-u", "ml-9", "-f", "json"))
    (model,) = models(isolated_environment)
    model.write_bytes(b"not a model")
    assert json_out(cli("recommend", "-u", "ml-9", "-f", "json")) == expected
    assert generation(model) == 1


@pytest.mark.usefixtures("trained_crowd")
def test_a_group_gets_films_none_of_them_has_seen(cli: Invoke, crowd: Path) -> None:
    rows = json_out(cli("recommend", "--for", "ml-1, ml-2", "-n", "20", "-f", "json"))
    assert len(rows) == 20
    seen = rated_by(crowd, "ml-1") | rated_by(crowd, "ml-2")
    assert not {row["id"] for row in rows} & seen
    assert all(set(row["because"]) <= titles(crowd, seen) for row in rows)
    table = cli("recommend", "--for", "ml-1,ml-2")
    assert table.exit_code == 0
    assert "least happy" in table.stdout


def test_evaluate_shows_the_model_above_popularity(cli: Invoke, crowd: Path) -> None:
    result = json_out(cli("recommend", "--evaluate", "-f", "json"))
    # Issue 18: every candidate is listed (the contract was: the model, then popularity).
    rows = {row["method"]: row for row in result["rows"]}
    assert {"popularity", "item-kNN (cosine on 4+)"} <= set(rows)
    assert any(m.startswith("EASE") for m in rows) and any(m.startswith("ALS") for m in rows)
    (model,) = [row for row in result["rows"] if row["chosen"]]
    assert model["method"] == result["chosen"]
    popularity = rows["popularity"]
    assert model["hit_rate"] > popularity["hit_rate"]
    assert model["ndcg"] > popularity["ndcg"]
    assert not popularity["within_noise"]
    best = max(row["ndcg"] for row in result["rows"])
    assert model["ndcg"] + 1.96 * model["ndcg_se"] >= best - 1.96 * model["ndcg_se"]
    assert all(row["ndcg_se"] > 0 and row["hit_rate_se"] > 0 for row in result["rows"])
    assert result["holdout"] == 3 and result["users"] == 200
    assert result["held_out"] == 600
    assert result["fit_seconds"] >= 0
    table = cli("recommend", "--evaluate", "--holdout", "1")
    assert table.exit_code == 0
    assert "HitRate@10" in table.stdout and "NDCG@10" in table.stdout
    assert "chosen" in table.stdout and "±" in table.stdout


def test_a_one_person_catalog_gets_the_genres_they_like(cli: Invoke, catalog: Path) -> None:
    liked = [add(cli, f"Scream {n}", 1990 + n, "Horror")["id"] for n in range(4)]
    disliked = [add(cli, f"Laugh {n}", 1990 + n, "Comedy")["id"] for n in range(4)]
    fresh_horror = {add(cli, f"Fright {n}", 2000 + n, "Horror")["id"] for n in range(3)}
    for n in range(3):
        add(cli, f"Joke {n}", 2000 + n, "Comedy")
    for movie_id in liked[:3]:
        rate(cli, movie_id, 5, "solo")
    for movie_id in disliked[:3]:
        rate(cli, movie_id, 1, "solo")
    rows = json_out(cli("recommend", "-u", "solo", "-n", "4", "-f", "json"))
    assert {row["id"] for row in rows} == fresh_horror | {liked[3]}
    for row in rows:
        assert row["because"]
        assert set(row["because"]) <= {"Scream 0", "Scream 1", "Scream 2"}
    table = cli("recommend", "-u", "solo")
    assert "your own ratings" in table.stdout  # issue 18: a content model, not the crowd


@pytest.mark.usefixtures("trained_crowd")
def test_someone_who_has_rated_nothing_gets_the_crowds_best(cli: Invoke, crowd: Path) -> None:
    rows = json_out(cli("recommend", "-u", "newcomer", "-n", "3", "-f", "json"))
    assert len(rows) == 3
    assert all(row["because"] == [] for row in rows)


@pytest.mark.parametrize(
    "args",
    [
        ["--for", "ml-1,nobody"],
        ["--limit", "0"],
        ["--limit", "1001"],
        ["--holdout", "2"],
        ["--evaluate", "--holdout", "0"],
        ["--for", "ml-1,"],
        ["--for", "ml-1", "--user", "ml-2"],
        ["--evaluate", "--user", "ml-2"],
        ["--evaluate", "--genre", "drama"],
    ],
)
def test_refusals(cli: Invoke, crowd: Path, args: list[str]) -> None:
    refused(cli("recommend", *args))


def test_evaluate_needs_ratings_to_hold_out(cli: Invoke, catalog: Path) -> None:
    refused(cli("recommend", "--evaluate"))


@pytest.mark.usefixtures("trained_crowd")
def test_taste_profile(cli: Invoke, crowd: Path) -> None:
    profile = json_out(cli("taste", "-u", "ml-4", "-f", "json"))
    mine = query(
        crowd,
        "SELECT r.score FROM ratings r JOIN users u ON u.id = r.user_id WHERE u.name = 'ml-4'",
    )
    scores = [s for (s,) in mine]
    assert profile["ratings"] == len(scores)
    assert profile["mean"] == pytest.approx(sum(scores) / len(scores), abs=1e-3)
    assert sum(row["count"] for row in profile["scale"]) == len(scores)
    for row in profile["scale"]:
        assert 0 <= row["your_percentile"] <= 100 and 0 <= row["crowd_percentile"] <= 100
    assert profile["differences"]
    seen = rated_by(crowd, "ml-4")
    assert {d["id"] for d in profile["differences"]} <= seen
    for d in profile["differences"]:
        others = query(
            crowd,
            "SELECT r.score FROM ratings r JOIN users u ON u.id = r.user_id "
            "WHERE r.movie_id = ? AND u.name != 'ml-4'",
            d["id"],
        )
        assert d["crowd_count"] == len(others)
        assert d["crowd_mean"] == pytest.approx(sum(s for (s,) in others) / len(others), abs=1e-3)
        assert d["difference"] == pytest.approx(d["score"] - d["crowd_mean"], abs=1e-3)
    everyone = [s for (s,) in query(crowd, "SELECT score FROM ratings")]
    assert profile["crowd_ratings"] == len(everyone)
    assert profile["crowd_mean"] == pytest.approx(sum(everyone) / len(everyone), abs=1e-3)
    assert profile["twins"]
    for twin in profile["twins"]:
        assert twin["shared"] >= 5 and twin["user"] != "ml-4"
    agreements = [t["agreement"] * t["shared"] / (t["shared"] + 10) for t in profile["twins"]]
    assert agreements == sorted(agreements, reverse=True)
    assert cli("taste", "-u", "ml-4").exit_code == 0


def test_taste_of_someone_who_rated_nothing_is_refused(cli: Invoke, crowd: Path) -> None:
    refused(cli("taste", "-u", "nobody"))


def test_a_group_with_a_newcomer_mixes_model_and_crowd(cli: Invoke, crowd: Path) -> None:
    rate(cli, 1, 5, "newbie")
    rate(cli, 2, 4.5, "newbie")
    rows = json_out(cli("recommend", "--for", "ml-3,newbie", "-n", "10", "-f", "json"))
    assert len(rows) == 10
    seen = rated_by(crowd, "ml-3") | {1, 2}
    assert not {row["id"] for row in rows} & seen
    assert all(0 <= row["score"] <= 1 for row in rows)  # the least happy member's percentile
    assert (
        "crowd's best for members with few ratings"
        in cli("recommend", "--for", "ml-3,newbie").stdout
    )


@pytest.mark.sqlite_only
def test_the_model_is_never_written_over_something_that_is_not_a_file(
    cli: Invoke, crowd: Path, isolated_environment: Path
) -> None:
    import os
    import stat

    from moviecli.recommend.cache import cache_file

    target = cache_file("sqlite:" + str(crowd.resolve()))
    assert str(target).startswith(str(isolated_environment.parent / "xdg-cache"))
    target.parent.mkdir(parents=True)
    os.mkfifo(target)
    rows = json_out(cli("recommend", "-u", "ml-7", "-f", "json"))
    assert rows
    assert stat.S_ISFIFO(target.lstat().st_mode)
    assert not [p for p in target.parent.iterdir() if p != target]  # no temporary left


@pytest.mark.usefixtures("trained_crowd")
def test_films_in_the_diary_are_seen_and_the_watchlist_is_marked(cli: Invoke, crowd: Path) -> None:
    first = json_out(cli("recommend", "-u", "ml-7", "-n", "5", "-f", "json"))
    viewed, wanted = first[0]["id"], first[1]["id"]
    assert cli("watch", str(viewed), "--user", "ml-7").exit_code == 0
    assert cli("watchlist", "add", str(wanted), "--user", "ml-7").exit_code == 0
    rows = json_out(cli("recommend", "-u", "ml-7", "-n", "5", "-f", "json"))
    assert viewed not in {row["id"] for row in rows}
    marked = {row["id"]: row["on_watchlist"] for row in rows}
    assert marked[wanted] is True
    assert sum(marked.values()) == 1
    assert "(watchlist)" in cli("recommend", "-u", "ml-7", "-n", "5").stdout
    # A group: a film one member watched is out for all of them.
    group = json_out(cli("recommend", "--for", "ml-8,ml-7", "-n", "50", "-f", "json"))
    assert viewed not in {row["id"] for row in group}


def test_the_cold_start_follows_the_people_one_rates_highly(cli: Invoke, catalog: Path) -> None:
    for n in range(3):
        liked = add(cli, f"Kuro {n}", 1950 + n, "Drama", cast="Toshiro Mifune")
        rate(cli, liked["id"], 5, "solo")
        rate(cli, add(cli, f"Other {n}", 1950 + n, "Drama", cast="Someone Else")["id"], 2, "solo")
    add(cli, "Elsewhere", 1985, "Drama", cast="Someone Else")  # the lower id: wins a tie
    fresh = add(cli, "Red Beard", 1965, "Drama", cast="Toshiro Mifune")["id"]
    rows = json_out(cli("recommend", "-u", "solo", "-f", "json"))
    assert rows[0]["id"] == fresh
    assert set(rows[0]["because"]) == {"Kuro 0", "Kuro 1", "Kuro 2"}
