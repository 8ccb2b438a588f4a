from pathlib import Path

from tests.conftest import Invoke, dump_tables, json_out


def test_seed_then_top_ranks_the_godfather_first(cli: Invoke, catalog: Path) -> None:
    assert cli("seed").exit_code == 0
    rows = json_out(cli("top", "--format", "json"))
    assert rows[0]["title"] == "The Godfather"
    assert [r["rank"] for r in rows] == list(range(1, len(rows) + 1))


def test_refused_rating_changes_nothing(cli: Invoke, seeded: Path) -> None:
    before = dump_tables(seeded)
    result = cli("rate", "Inception", "4.3")
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: ")
    assert len(result.stderr.strip().splitlines()) == 1
    assert dump_tables(seeded) == before
