"""`top --explain`: R, v, m, C and the weighted score of each row, recomputed here from
the ratings themselves."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.checks import ratings_by_movie
from tests.conftest import Invoke, json_out

pytestmark = pytest.mark.both_engines

EXPLAIN_KEYS = ["R", "v", "m", "C", "weighted"]


@pytest.mark.parametrize("m", [1, 3])
def test_explained_numbers_are_the_formula(cli: Invoke, seeded: Path, m: int) -> None:
    rows = json_out(cli("top", "--explain", "--min-ratings", str(m), "-n", "0", "-f", "json"))
    scores = ratings_by_movie(seeded)
    every = [s for values in scores.values() for s in values]
    c = sum(every) / len(every)
    assert rows
    for row in rows:
        values = scores[row["id"]]
        v, r = len(values), sum(values) / len(values)
        assert row["v"] == v and row["m"] == m
        assert row["R"] == pytest.approx(r, abs=0.005)
        assert row["C"] == pytest.approx(c, abs=1e-4)
        assert row["weighted"] == pytest.approx(v / (v + m) * r + m / (v + m) * c, abs=1e-4)
        assert row["weighted"] == row["score"]


def test_explain_only_adds_keys(cli: Invoke, seeded: Path) -> None:
    plain = json_out(cli("top", "-f", "json"))
    explained = json_out(cli("top", "--explain", "-f", "json"))
    assert [{k: row[k] for k in plain[0]} for row in explained] == plain
    assert list(explained[0])[len(plain[0]) :] == EXPLAIN_KEYS
    header = cli("top", "--explain", "-f", "csv").stdout.splitlines()[0]
    assert header.endswith(",R,v,m,C,weighted")
    assert "weighted" not in cli("top", "-f", "csv").stdout.splitlines()[0]
    table = cli("top", "--explain").stdout
    assert "v/(v+m)" in table


def test_explain_with_the_plain_mean(cli: Invoke, seeded: Path) -> None:
    rows = json_out(cli("top", "--explain", "--by", "mean", "-f", "json"))
    for row in rows:
        v, m, r, c = row["v"], row["m"], row["R"], row["C"]
        assert row["score"] == pytest.approx(r, abs=0.005)
        assert row["weighted"] == pytest.approx((v * r + m * c) / (v + m), abs=1e-4)
