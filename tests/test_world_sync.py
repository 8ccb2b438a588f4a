"""`imdb sync --from` and `imdb status`: loading IMDb's files into the world, on both
engines; linking and filling the catalog's films."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.checks import add, query, refused
from tests.conftest import Invoke, Target, dump_tables, json_out
from tests.world_support import (
    HEAT,
    HEAT_NAMES,
    HEAT_PRINCIPALS,
    heat_world,
    sync_world,
    world_rows,
    write_world,
)

pytestmark = pytest.mark.both_engines


def status(cli: Invoke) -> dict:
    return json_out(cli("imdb", "status", "-f", "json"))


def film_rows(folder: Path) -> list[list[str]]:
    lines = (folder / "title.basics.tsv").read_text(encoding="utf-8").splitlines()[1:]
    return [line.split("\t") for line in lines]


def test_tiny_preset_loads_the_films_their_credits_and_people(
    cli: Invoke, catalog: Target, world_tiny: Path
) -> None:
    result = sync_world(cli, world_tiny)
    films = {int(r[0][2:]) for r in film_rows(world_tiny) if r[1] == "movie" and r[4] == "0"}
    assert "(a new world)" in result.stdout
    loaded = {tid for (tid,) in world_rows(catalog, "SELECT id FROM imdb.titles")}
    assert loaded == films
    # Every credit of a loaded film is there (the crew file adds directors and writers).
    principals = [
        line.split("\t")
        for line in (world_tiny / "title.principals.tsv").read_text().splitlines()[1:]
    ]
    credited = [r for r in principals if int(r[0][2:]) in films]
    stored = world_rows(catalog, "SELECT count(*) FROM imdb.principals")[0][0]
    assert stored >= len(credited) > 0
    # The people are the credited ones that name.basics has; namesakes stay apart.
    names = {
        int(line.split("\t")[0][2:])
        for line in (world_tiny / "name.basics.tsv").read_text().splitlines()[1:]
    }
    people = {nid for (nid,) in world_rows(catalog, "SELECT id FROM imdb.names")}
    credited_ids = {
        nid for (nid,) in world_rows(catalog, "SELECT DISTINCT name_id FROM imdb.principals")
    }
    assert people == credited_ids & names
    shared = world_rows(
        catalog, "SELECT name_key, count(*) FROM imdb.names GROUP BY name_key HAVING count(*) > 1"
    )
    assert shared, "the tiny preset has namesakes"
    info = status(cli)
    assert info["present"] is True
    assert info["counts"]["films"] == len(films)
    assert info["counts"]["people"] == len(people)
    assert info["counts"]["credits"] == stored
    assert info["counts"]["akas"] == world_rows(catalog, "SELECT count(*) FROM imdb.akas")[0][0]
    assert set(info["files"]) == {
        "title.basics",
        "title.akas",
        "title.crew",
        "title.principals",
        "title.ratings",
        "name.basics",
    }


def test_hand_written_rows_load_as_imdb_has_them(
    cli: Invoke, catalog: Target, tmp_path: Path
) -> None:
    sync_world(cli, heat_world(tmp_path / "w"))
    rows = world_rows(
        catalog,
        "SELECT id, type, primary_title, original_title, adult, start_year, runtime, genres, "
        "imdb_rating, imdb_votes, title_key FROM imdb.titles ORDER BY id",
    )
    assert rows == [
        (93164, "movie", "Heat", "Heat", 0, 1986, 101, "Action|Crime|Drama", 5.9, 9000, "heat"),
        (113277, "movie", "Heat", "Heat", 0, 1995, 170, "Action|Crime|Drama", 8.3, 700000, "heat"),
        (
            211915,
            "movie",
            "Amélie",
            "Le fabuleux destin d'Amélie Poulain",
            0,
            2001,
            122,
            "Comedy|Romance",
            8.3,
            800000,
            "amelie",  # rules.search_key: accents left out
        ),
        (999999, "movie", "Announced", "Announced", 0, None, None, None, None, None, "announced"),
    ]
    credits = world_rows(
        catalog,
        "SELECT title_id, ordering, name_id, category, job, characters FROM imdb.principals "
        "ORDER BY title_id, ordering",
    )
    assert credits == [
        (93164, 1, 139, "actor", None, '["Mex"]'),
        (93164, 2, 1111, "director", None, None),
        (93164, 3, 2222, "director", None, None),  # from title.crew
        (113277, 1, 199, "actor", None, '["Lt. Vincent Hanna"]'),
        (113277, 2, 134, "actor", None, '["Neil McCauley"]'),
        (113277, 3, 520, "director", None, None),
        (113277, 4, 9999998, "actor", None, '["Someone \\"Quoted\\""]'),  # nobody in names
        (113277, 5, 520, "writer", None, None),  # from title.crew
        (211915, 1, 851582, "actress", None, '["Amélie Poulain"]'),
        (211915, 2, 466, "director", None, None),
    ]
    people = world_rows(catalog, "SELECT id, name, name_key, birth_year FROM imdb.names")
    assert (520, "Michael Mann", "michael mann", 1943) in people
    assert len(people) == 8
    akas = world_rows(
        catalog, "SELECT title_id, ordering, title, region, language, title_key FROM imdb.akas"
    )
    assert (113277, 2, "Fuego contra fuego", "MX", "es", "fuego contra fuego") in akas
    assert (
        211915,
        1,
        "Le fabuleux destin d'Amélie Poulain",
        "FR",
        "fr",
        "le fabuleux destin d'amelie poulain",
    ) in akas
    assert len(akas) == 4


def test_types_and_adult_choose_what_is_loaded(
    cli: Invoke, catalog: Target, tmp_path: Path
) -> None:
    sync_world(cli, heat_world(tmp_path / "w"), "--types", "movie,tvMovie", "--adult")
    ids = {tid for (tid,) in world_rows(catalog, "SELECT id FROM imdb.titles")}
    assert ids == {93164, 113277, 211915, 999999, 9, 1000001}
    info = status(cli)
    assert info["types"] == ["movie", "tvMovie"] and info["adult"] is True
    assert "unknown title type" in refused(
        cli("imdb", "sync", "--from", str(tmp_path / "w"), "--types", "film")
    )


def test_malformed_rows_are_reported_by_file_and_line(
    cli: Invoke, catalog: Target, tmp_path: Path
) -> None:
    basics = [
        *HEAT_BASICS_OK,
        "tt0000100\tmovie\tBad Year\tBad Year\t0\t19x5\t\\N\t90\tDrama",  # line 3
        "tt0000101\tmovie\tToo few fields",  # line 4
        "xx0000102\tmovie\tBad Id\tBad Id\t0\t1990\t\\N\t90\tDrama",  # line 5
        "tt0000103\tmovie\tBell\x07 Title\tBell Title\t0\t1990\t\\N\t90\tDrama",  # line 6
        "tt0000104\tmovie\t\\N\t\\N\t0\t1990\t\\N\t90\tDrama",  # line 7
    ]
    folder = heat_world(tmp_path / "w", title_basics=basics)
    result = sync_world(cli, folder)
    out = result.stdout
    assert "rejected 5 rows" in " ".join(out.split())
    assert "title.basics.tsv, line 3: startYear must be a whole number (got '19x5')" in out
    assert "title.basics.tsv, line 4: expected 9 tab-separated fields, got 3" in out
    assert "title.basics.tsv, line 5: tconst must be an IMDb id like tt0000001" in out
    assert "title.basics.tsv, line 6: the row contains a control character (U+0007)" in out
    assert "title.basics.tsv, line 7: primaryTitle is missing" in out
    ids = {tid for (tid,) in world_rows(catalog, "SELECT id FROM imdb.titles")}
    assert ids == {113277}
    assert status(cli)["files"]["title.basics"]["skipped"] == "5"


def test_strict_fails_and_changes_nothing(cli: Invoke, catalog: Target, tmp_path: Path) -> None:
    sync_world(cli, heat_world(tmp_path / "good"))
    add(cli, "Heat", 1995)
    before_world = world_rows(catalog, "SELECT * FROM imdb.titles ORDER BY id")
    before = dump_tables(catalog)
    bad = heat_world(
        tmp_path / "bad",
        title_principals=[*HEAT_PRINCIPALS, "tt0211915\tx\tnm0000466\twriter\t\\N\t\\N"],
    )
    line = refused(cli("imdb", "sync", "--from", str(bad), "--strict"))
    assert "title.principals.tsv, line 10: ordering must be a whole number (got 'x')" in line
    assert "--strict" in line
    assert world_rows(catalog, "SELECT * FROM imdb.titles ORDER BY id") == before_world
    assert dump_tables(catalog) == before


def test_missing_or_foreign_files_are_refused(cli: Invoke, catalog: Target, tmp_path: Path) -> None:
    folder = heat_world(tmp_path / "w")
    (folder / "name.basics.tsv").unlink()
    assert "lacks name.basics.tsv.gz" in refused(cli("imdb", "sync", "--from", str(folder)))
    (folder / "name.basics.tsv").write_text("a\tb\n1\t2\n")
    assert "the header is not IMDb's name.basics header" in refused(
        cli("imdb", "sync", "--from", str(folder))
    )
    assert status(cli)["present"] is False


def test_gzipped_files_load_as_plain_ones(cli: Invoke, catalog: Target, tmp_path: Path) -> None:
    sync_world(cli, heat_world(tmp_path / "gz", gz=True))
    gz = world_rows(catalog, "SELECT * FROM imdb.principals ORDER BY title_id, ordering")
    sync_world(cli, heat_world(tmp_path / "plain"))
    assert world_rows(catalog, "SELECT * FROM imdb.principals ORDER BY title_id, ordering") == gz
    cut = tmp_path / "gz" / "title.principals.tsv.gz"
    cut.write_bytes(cut.read_bytes()[:-20])
    assert "damaged or cut short" in refused(cli("imdb", "sync", "--from", str(tmp_path / "gz")))
    assert world_rows(catalog, "SELECT * FROM imdb.principals ORDER BY title_id, ordering") == gz


# ---------------------------------------------------------------- the catalog


def test_sync_links_by_id_title_or_aka_and_fills_what_films_lack(
    cli: Invoke, catalog: Target, tmp_path: Path
) -> None:
    heat = add(cli, "Heat", 1996)  # a year off: still Heat (1995), the one within a year
    amelie = add(cli, "Le Fabuleux Destin d'Amélie Poulain", 2001, runtime=100)
    unknown = add(cli, "Not In The World", 1990)
    result = sync_world(cli, heat_world(tmp_path / "w"))
    assert "3 films linked" not in result.stdout
    detail = json_out(cli("show", str(heat["id"]), "-f", "json"))
    assert detail["runtime_minutes"] == 170
    assert detail["genres"] == ["Action", "Crime", "Drama"]
    assert detail["director"] == "Michael Mann"
    assert detail["external_ids"] == {"imdb": "tt0113277"}
    people = {(c["name"], c["role"], c["position"]) for c in detail["people"]}
    assert people == {
        ("Michael Mann", "director", 1),
        ("Michael Mann", "writer", 1),
        ("Al Pacino", "cast", 1),
        ("Robert De Niro", "cast", 2),
    }
    assert detail["year"] == 1996  # the catalog's own value stays
    other = json_out(cli("show", str(amelie["id"]), "-f", "json"))
    assert other["runtime_minutes"] == 100  # typed: never overwritten
    assert other["external_ids"] == {"imdb": "tt0211915"}
    assert other["original_title"] == "Le fabuleux destin d'Amélie Poulain"
    info = status(cli)
    assert info["catalog"]["linked"] == 2
    assert info["catalog"]["not_linked_films"] == [
        {"id": unknown["id"], "title": "Not In The World", "year": 1990}
    ]
    text = cli("imdb", "status").stdout
    assert "Not In The World (1990)" in text


def test_ambiguous_titles_are_never_guessed(cli: Invoke, catalog: Target, tmp_path: Path) -> None:
    basics = [*HEAT[:2], "tt0113278\tmovie\tHeat\tHeat\t0\t1994\t\\N\t95\tDrama"]
    add(cli, "Heat", 1995)  # 1994 and 1995 both fit within a year
    add(cli, "Heat", 1986)
    sync_world(cli, heat_world(tmp_path / "w", title_basics=basics))
    linked = query(catalog, "SELECT value FROM external_ids ORDER BY value")
    assert linked == [("tt0093164",)]
    assert [f["year"] for f in status(cli)["catalog"]["not_linked_films"]] == [1995]


def test_resync_changes_nothing_and_updates_only_what_came_from_imdb(
    cli: Invoke, catalog: Target, tmp_path: Path
) -> None:
    heat = add(cli, "Heat", 1995)
    add(cli, "Amélie", 2001)
    folder = heat_world(tmp_path / "w")
    sync_world(cli, folder)
    once = dump_tables(catalog)
    sync_world(cli, folder)
    assert dump_tables(catalog) == once
    # The user edits the runtime: it is theirs now.
    assert cli("edit", str(heat["id"]), "--runtime", "171").exit_code == 0
    newer = [
        row.replace("\t170\t", "\t175\t").replace("Action,Crime,Drama", "Crime,Drama")
        for row in HEAT
    ]
    sync_world(cli, heat_world(tmp_path / "newer", title_basics=newer))
    detail = json_out(cli("show", str(heat["id"]), "-f", "json"))
    assert detail["runtime_minutes"] == 171
    assert detail["genres"] == ["Crime", "Drama"]  # came from IMDb: follows it
    # A film gone from IMDb stays, with what it had.
    sync_world(cli, heat_world(tmp_path / "gone", title_basics=HEAT[1:]))
    detail = json_out(cli("show", str(heat["id"]), "-f", "json"))
    assert detail["genres"] == ["Crime", "Drama"] and detail["director"] == "Michael Mann"


def test_namesakes_stay_two_people_in_the_catalog(
    cli: Invoke, catalog: Target, tmp_path: Path
) -> None:
    names = [*HEAT_NAMES[:-1], "nm0000466\tMichael Mann\t1960\t\\N\tdirector\ttt0211915"]
    add(cli, "Heat", 1995)
    add(cli, "Amélie", 2001)
    sync_world(cli, heat_world(tmp_path / "w", name_basics=names))
    people = query(
        catalog,
        "SELECT p.name, i.imdb_id FROM people p JOIN person_imdb_ids i ON i.person_id = p.id "
        "WHERE p.name = 'Michael Mann' ORDER BY i.imdb_id",
    )
    assert people == [("Michael Mann", 466), ("Michael Mann", 520)]


def test_a_typed_person_is_tied_to_the_imdb_person(
    cli: Invoke, catalog: Target, tmp_path: Path
) -> None:
    add(cli, "Collateral", 2004, director="michael mann")
    heat = add(cli, "Heat", 1995)
    sync_world(cli, heat_world(tmp_path / "w"))
    rows = query(catalog, "SELECT id, name FROM people WHERE name_key = 'michael mann'")
    assert len(rows) == 1
    detail = json_out(cli("show", str(heat["id"]), "-f", "json"))
    assert detail["director"] == "michael mann"


HEAT_BASICS_OK = [HEAT[0]]


def test_status_without_a_world(cli: Invoke, catalog: Target) -> None:
    info = status(cli)
    assert info["present"] is False
    assert "not loaded yet" in cli("imdb", "status").stdout
    assert json.loads(cli("imdb", "status", "-f", "json").stdout)["counts"] == {}


def test_a_letterboxd_import_then_a_sync_fills_what_it_can_link(
    cli: Invoke, catalog: Target, tmp_path: Path
) -> None:
    from tests.import_files import write
    from tests.test_import_letterboxd import RATINGS

    assert (
        cli("import", str(write(tmp_path / "ratings.csv", RATINGS)), "--user", "ana").exit_code == 0
    )
    sync_world(cli, heat_world(tmp_path / "w"))
    films = {
        (r["title"], r["year"]): r
        for r in json_out(cli("list", "--limit", "0", "--format", "json"))
    }
    assert films[("Heat", 1995)]["runtime_minutes"] == 170
    assert films[("Heat", 1986)]["runtime_minutes"] == 101
    assert films[("Amélie", 2001)]["genres"] == ["Comedy", "Romance"]
    assert films[("Heat", 1986)]["director"] == "Dick Richards, Jerry Jameson"
    crime = json_out(cli("list", "--genre", "crime", "--limit", "0", "--format", "json"))
    assert sorted(r["year"] for r in crime) == [1986, 1995]
    person = json_out(cli("person", "Audrey Tautou", "--format", "json"))
    assert [f["title"] for p in person for f in p["films"]] == ["Amélie"]
    info = status(cli)
    assert info["catalog"]["linked"] == 3
    assert sorted(f["title"] for f in info["catalog"]["not_linked_films"]) == [
        "300",
        "Crouching Tiger, Hidden Dragon",
        "Film Without Year",
    ]


def test_rows_that_are_not_utf8_or_out_of_order_are_rejected(
    cli: Invoke, catalog: Target, tmp_path: Path
) -> None:
    principals = [
        *HEAT_PRINCIPALS[:2],
        HEAT_PRINCIPALS[4],  # line 4: Heat (1986) between rows of Heat (1995)
        *HEAT_PRINCIPALS[2:4],  # lines 5, 6: Heat (1995) again
        *HEAT_PRINCIPALS[5:],  # line 7: Heat (1986) again; then Amélie
    ]
    folder = heat_world(tmp_path / "w", title_principals=principals)
    names = (folder / "name.basics.tsv").read_bytes().replace(b"Al Pacino", b"Al \xff Pacino")
    (folder / "name.basics.tsv").write_bytes(names)
    out = " ".join(sync_world(cli, folder).stdout.split())
    for line in (5, 6):
        assert f"title.principals.tsv, line {line}: the rows of 'tt0113277' are not together" in out
    assert "title.principals.tsv, line 7: the rows of 'tt0093164' are not together" in out
    assert "name.basics.tsv, line 2: the row is not valid UTF-8" in out
    assert "rejected 4 rows" in out
    credits = world_rows(
        catalog,
        "SELECT ordering, name_id, category FROM imdb.principals WHERE title_id = 113277 "
        "ORDER BY ordering",
    )
    # The two actors read before the break, then title.crew's director and writer.
    assert credits == [
        (1, 199, "actor"),
        (2, 134, "actor"),
        (3, 520, "director"),
        (4, 520, "writer"),
    ]
    assert world_rows(catalog, "SELECT count(*) FROM imdb.names WHERE id = 199") == [(0,)]


def test_bring_into_catalog_adds_a_world_film_with_its_credits(
    cli: Invoke, catalog: Target, tmp_path: Path
) -> None:
    from moviecli.config import resolve_location
    from moviecli.store.catalog import Catalog
    from moviecli.store.world.fill import bring_into_catalog
    from moviecli.store.world.location import attach_world

    folder = heat_world(tmp_path / "w")
    sync_world(cli, folder)
    store = Catalog(resolve_location(str(catalog)))
    try:
        assert attach_world(store.engine)
        with store.session(write=True) as session:
            movie_id = bring_into_catalog(session, 211915)
            assert bring_into_catalog(session, 211915) == movie_id  # once
    finally:
        store.dispose()
    detail = json_out(cli("show", str(movie_id), "-f", "json"))
    assert (detail["title"], detail["year"], detail["runtime_minutes"]) == ("Amélie", 2001, 122)
    assert detail["original_title"] == "Le fabuleux destin d'Amélie Poulain"
    assert detail["genres"] == ["Comedy", "Romance"]
    assert detail["director"] == "Jean-Pierre Jeunet"
    assert detail["external_ids"] == {"imdb": "tt0211915"}
    marks = query(
        catalog, "SELECT field FROM movie_imdb_fields WHERE movie_id = ? ORDER BY field", movie_id
    )
    assert [m for (m,) in marks] == [
        "cast",
        "directors",
        "genres",
        "original_title",
        "runtime_minutes",
        "title",
        "year",
    ]
    before = dump_tables(catalog)
    sync_world(cli, folder)
    assert dump_tables(catalog) == before
    # IMDb renames it: the title came from IMDb, so it follows.
    renamed = [row.replace("\tAmélie\t", "\tAmélie (2001 film)\t") for row in HEAT]
    sync_world(cli, heat_world(tmp_path / "renamed", title_basics=renamed))
    assert json_out(cli("show", str(movie_id), "-f", "json"))["title"] == "Amélie (2001 film)"


def test_did_you_mean_reaches_a_film_past_a_crowd_of_titles(
    cli: Invoke, catalog: Target, tmp_path: Path
) -> None:
    """An alternative title with its film's own key keeps no key (schema.py), so "ZULU"
    no longer stands in the alternative titles' index beside "zu": the titles' side of
    "did you mean" reads twice as many neighbours, and "Zulu", past thirty titles "Zu 00"
    to "Zu 29", is still suggested."""
    basics = ["tt0000001\tmovie\tZulu\t\\N\t0\t1964\t\\N\t138\tDrama"] + [
        f"tt00001{i:02d}\tmovie\tZu {i:02d}\t\\N\t0\t2000\t\\N\t90\tDrama" for i in range(30)
    ]
    akas = ["tt0000001\t1\tZULU\tUS\t\\N\t\\N\t\\N\t0"]
    sync_world(cli, write_world(tmp_path / "w", {"title.basics": basics, "title.akas": akas}))
    assert world_rows(catalog, "SELECT title_key FROM imdb.akas") == [(None,)]
    line = refused(cli("rate", "zu", "4"))
    assert "tt0000001  Zulu (1964)" in line, line


def test_a_second_sync_counts_the_films_added_updated_and_removed(
    cli: Invoke, catalog: Target, tmp_path: Path
) -> None:
    sync_world(cli, heat_world(tmp_path / "first"))
    basics = [row for row in HEAT if not row.startswith("tt0093164\t")]  # Heat (1986) gone
    for new in ("tt0000010\tmovie\tA New Film", "tt0000011\tmovie\tAnother One"):
        basics.append(f"{new}\tOriginal\t0\t2024\t\\N\t90\tDrama")
    ratings = [
        "tt0113277\t8.3\t700000",
        "tt0211915\t8.4\t800001",  # Amélie: a new rating
    ]
    second = heat_world(tmp_path / "second", title_basics=basics, title_ratings=ratings)
    result = sync_world(cli, second)
    assert "(2 added, 1 updated, 1 removed)" in result.stdout
