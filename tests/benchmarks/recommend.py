"""The recommender's rows of the benchmark: on the 1m planted-taste catalog every
candidate's NDCG@10 against popularity's (`recommend --evaluate`); on the 25m catalog
(the benchmark's own, without --taste) the one the first `recommend` chose, with its
validation NDCG@10 against popularity's; the first `recommend` (choosing and training)
against the 3-minute and 2 GiB targets, and a trained `recommend` against `top`."""

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
    big_catalog,
    fresh_catalog,
    load,
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


def _candidate_rows(preset: str, rows: list[dict]) -> list[Outcome]:
    """Every candidate of `recommend --evaluate` against popularity."""
    (popularity,) = [row for row in rows if row["method"] == "popularity"]
    outcomes = []
    for row in rows:
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
    return outcomes


def _chosen_row(preset: str, model_cache: Path) -> Outcome:
    """The model the first recommend chose and cached, with its validation NDCG@10."""
    import numpy as np

    (path,) = (model_cache / "moviecli" / "models").glob("*.npz")
    with np.load(path, allow_pickle=False) as model:
        settings = json.loads(str(model["settings"]))
    trials = {t["method"]: t for t in settings["trials"]}
    chosen, popularity = trials[settings["name"]], trials["popularity"]
    others = ", ".join(f"{t['method']} {t['ndcg']:.4f}" for t in settings["trials"])
    return Outcome(
        f"{preset}: {settings['name']} [chosen]"[:60],
        chosen["ndcg"],
        popularity["ndcg"],
        None,
        unit="",
        note=f"validation NDCG@10 on {settings['validation_users']} sampled users vs "
        f"popularity; all: {others}",
    )


def recommend_cases(work: Path, cache: Path, runs: int, presets: list[str]) -> list[Outcome]:
    outcomes: list[Outcome] = []
    for preset in presets:
        db = big_catalog(cache) if preset == "25m" else taste_catalog(cache, preset)
        # A model cache of this run's own, so the first recommend really trains.
        model_cache = work / f"model-cache-{preset}"
        env = {"XDG_CACHE_HOME": str(model_cache)}
        if preset != "25m":  # --evaluate fits every candidate twice: the small presets
            outcomes += _candidate_rows(preset, _evaluation(db, env)["rows"])
        recommend = [MOVIECLI, "--db", str(db), "recommend", "--user", "ml-10"]
        before = load()
        first = run(recommend, env=env)
        if preset == "25m":
            outcomes.append(_chosen_row(preset, model_cache))
        outcomes.append(
            Outcome(
                f"{preset}: first recommend",
                first.seconds,
                TRAINING_SECONDS,
                1.0,
                note=f"reads every rating, chooses and trains; vs 3 minutes; "
                f"{first.cpu_seconds:.0f} s of CPU; load {before} before, {load()} after",
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
