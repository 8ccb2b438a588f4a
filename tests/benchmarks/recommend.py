"""The recommender's rows of the benchmark: quality on the planted-taste presets (every
candidate's NDCG@10 against popularity's, from `recommend --evaluate`; on 25m the chosen
one only), the first `recommend` (choosing and training) against
the 3-minute and 2 GiB targets, and a trained `recommend` against `top`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.benchmarks.__main__ import (
    GENERATOR,
    MOVIECLI,
    Outcome,
    alternate,
    fresh_catalog,
    medians,
    moviecli,
    revision,
    run,
)

TRAINING_SECONDS = 180.0
TRAINING_MIB = 2048.0


def taste_catalog(cache: Path, preset: str) -> Path:
    """The preset with planted taste (--taste), imported once and kept in the cache."""
    from moviecli.store.schema import head

    folder = cache / f"ml-{preset}-taste"
    if not (folder / "ratings.csv").exists():
        print(f"generating the {preset} taste data set in {folder} ...", flush=True)
        subprocess.run(
            [sys.executable, str(GENERATOR), str(folder), "--preset", preset, "--taste"],
            check=True,
        )
    db = cache / f"taste-{preset}.db"
    if db.exists() and revision(db) != head():
        fresh_catalog(db)
    if not db.exists():
        print(f"importing it into {db} ...", flush=True)
        run([MOVIECLI, "--db", str(db), "import", str(folder)])
    return db


def _evaluation(db: Path, env: dict[str, str]) -> dict:
    out = subprocess.run(
        [MOVIECLI, "--db", str(db), "recommend", "--evaluate", "-f", "json"],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, **env},
    )
    return json.loads(out.stdout)


def recommend_cases(work: Path, cache: Path, runs: int, presets: list[str]) -> list[Outcome]:
    outcomes: list[Outcome] = []
    for preset in presets:
        db = taste_catalog(cache, preset)
        # A model cache of this run's own, so the first recommend really trains.
        env = {"XDG_CACHE_HOME": str(work / f"model-cache-{preset}")}
        result = _evaluation(db, env)
        rows = result["rows"]
        (popularity,) = [row for row in rows if row["method"] == "popularity"]
        # Every candidate on the small presets; the chosen one only on 25m.
        shown = [row for row in rows if row["chosen"]] if preset == "25m" else rows
        for row in shown:
            mark = " [chosen]" if row["chosen"] else ""
            noise = " (within noise)" if row["within_noise"] and not row["chosen"] else ""
            outcomes.append(
                Outcome(
                    f"{preset} taste: {row['method']}{mark}"[:60],
                    row["ndcg"],
                    popularity["ndcg"],
                    None,
                    unit="",
                    note=f"NDCG@10 ± {row['ndcg_se']:.4f} vs popularity; HitRate@10 "
                    f"{row['hit_rate']:.3f} ± {row['hit_rate_se']:.3f}; fit "
                    f"{row['fit_seconds']:.1f} s{noise}",
                )
            )
        recommend = [MOVIECLI, "--db", str(db), "recommend", "--user", "ml-10"]
        first = run(recommend, env=env)
        outcomes.append(
            Outcome(
                f"{preset}: first recommend",
                first.seconds,
                TRAINING_SECONDS,
                1.0,
                note="reads every rating, chooses and trains; vs 3 minutes",
            )
        )
        outcomes.append(
            Outcome(
                f"{preset}: its peak RSS",
                first.max_rss_kib / 1024,
                TRAINING_MIB,
                1.0,
                unit="MiB",
                note="vs 2 GiB",
            )
        )
        trained, top = medians(
            *alternate(
                lambda cmd=recommend, e=env: run(cmd, env=e),
                moviecli(db, "top"),
                runs,
            )
        )
        outcomes.append(Outcome(f"{preset}: recommend (trained)", trained, top, 1.5, note="vs top"))
    return outcomes
