"""One person with the IMDb world: the world model of `recommend` against "the most IMDb
votes among the films they have not rated", per person.

    uv run python -m tests.benchmarks.recommend_world [--users 500] [--seed 2027]
    uv run python -m tests.benchmarks --world-recommend      # the same, from the runner

Exits 1 when the world model's HitRate@10 is below GOAL × the votes'.

Data: make_movielens.py --preset 1m --taste (the truth in taste.json) and
make_imdb.py --preset small --movielens (the MovieLens films written into the IMDb
files under their links.csv ids, among made-up films; taste there follows genres),
made once under $MOVIECLI_BENCH_DIR/recworld and synced into a world file there.

Each sampled person (seeded) is alone with their own ratings minus their 3 newest of
4+ (held out); every world film of the loaded types that they have not rated is a
candidate. Their model is the code `recommend` runs (from_world.load_films once for the
shared world, from_world.person_model per person, reading the people from the world
with the same queries); only the catalog around it is left out. HitRate@10: a held-out
film among the top 10; NDCG@10 against the ideal order; ± one standard error (each
person one observation), and the same for the paired difference world − votes (both
measured on the same people, so its error is smaller than either's)."""

from __future__ import annotations

import argparse
import csv
import math
import os
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]
DATA = REPO.parent / "shared" / "data"
HOLDOUT = 3
TOP_K = 10
GOAL = 1.3  # the world model's HitRate@10 against the most-voted films' (issue 18)


def _folder() -> Path:
    base = Path(
        os.environ.get("MOVIECLI_BENCH_DIR", Path(tempfile.gettempdir()) / "moviecli-bench")
    )
    return base / "recworld"


def prepare(folder: Path) -> Path:
    """The MovieLens and IMDb folders and the synced world file (made once)."""
    ml, imdb, world = folder / "ml-1m-taste", folder / "imdb-small", folder / "world.sqlite"
    if not (ml / "ratings.csv").is_file():
        subprocess.run(
            [sys.executable, str(DATA / "make_movielens.py"), str(ml), "--preset", "1m", "--taste"],
            check=True,
        )
    if not (imdb / "title.basics.tsv.gz").is_file():
        subprocess.run(
            [
                sys.executable,
                str(DATA / "make_imdb.py"),
                str(imdb),
                "--preset",
                "small",
                "--movielens",
                str(ml),
            ],
            check=True,
        )
    if not world.is_file():
        env = dict(os.environ, MOVIECLI_WORLD=str(world))
        subprocess.run(
            [
                str(Path(sys.executable).parent / "moviecli"),
                "--db",
                str(folder / "empty.db"),
                "imdb",
                "sync",
                "--from",
                str(imdb),
            ],
            check=True,
            env=env,
            stdout=subprocess.DEVNULL,
        )
    return world


def _ratings(ml: Path) -> dict[int, list[tuple[int, float, int]]]:
    """user -> [(IMDb title id, score, time)] (links.csv maps the films)."""
    with (ml / "links.csv").open(newline="") as f:
        title_of = {int(r["movieId"]): int(r["imdbId"]) for r in csv.DictReader(f)}
    out: dict[int, list[tuple[int, float, int]]] = defaultdict(list)
    with (ml / "ratings.csv").open(newline="") as f:
        for r in csv.DictReader(f):
            out[int(r["userId"])].append(
                (title_of[int(r["movieId"])], float(r["rating"]), int(r["timestamp"]))
            )
    return out


def _split(rows: list[tuple[int, float, int]]) -> tuple[list[tuple[int, float]], set[int]]:
    """The ratings kept, and the 3 newest of 4+ (held out; ties by title id)."""
    liked = sorted((r for r in rows if r[1] >= 4.0), key=lambda r: (-r[2], r[0]))
    held = {t for t, _, _ in liked[:HOLDOUT]}
    return [(t, s) for t, s, _ in rows if t not in held], held


def _measure(scores: np.ndarray, excluded: np.ndarray, wanted: np.ndarray) -> tuple[float, float]:
    scores = scores.astype(np.float64, copy=True)
    scores[excluded] = -np.inf
    top = np.argsort(-scores, kind="stable")[:TOP_K]
    found = np.isin(top, wanted)
    discount = 1.0 / np.log2(np.arange(2, TOP_K + 2))
    ideal = discount[: min(len(wanted), TOP_K)].sum()
    return float(found.any()), float(discount[found].sum() / ideal)


def _summary(values: list[float]) -> tuple[float, float]:
    a = np.asarray(values)
    return float(a.mean()), float(a.std(ddof=1) / math.sqrt(len(a))) if len(a) > 1 else 0.0


def run(users: int, seed: int) -> dict[str, object]:
    folder = _folder()
    folder.mkdir(parents=True, exist_ok=True)
    world_file = prepare(folder)
    os.environ["MOVIECLI_WORLD"] = str(world_file)
    from moviecli.config import resolve_location
    from moviecli.recommend import from_world
    from moviecli.store.catalog import Catalog
    from moviecli.store.world.location import attach_world

    catalog = Catalog(resolve_location(str(folder / "empty.db")))
    assert attach_world(catalog.engine), "no world"
    with catalog.session(write=True, create=True):
        pass  # an empty catalog around the world (made once)
    everyone = _ratings(folder / "ml-1m-taste")
    rng = np.random.default_rng(seed)
    sample = sorted(rng.choice(sorted(everyone), size=min(users, len(everyone)), replace=False))
    figures: dict[str, dict[str, list[float]]] = {
        name: {"hit": [], "ndcg": []} for name in ("votes", "world")
    }
    settings: dict[tuple[float, bool, float, float], int] = defaultdict(int)
    started = time.perf_counter()
    with catalog.session(write=False) as session:
        films = from_world.load_films(session=session)
        position = {int(t): i for i, t in enumerate(films.title_ids)}
        for n, user in enumerate(sample, start=1):
            kept, held = _split(everyone[int(user)])
            rated = [(position[t], s) for t, s in kept if t in position]
            wanted = np.asarray([position[t] for t in held if t in position], np.int64)
            if not len(wanted):
                continue
            excluded = np.asarray([i for i, _ in rated], np.int64)
            model, _ = from_world.person_model(session=session, films=films, rated=rated)
            settings[model.setting] += 1
            for name, scores in (("votes", films.votes), ("world", model.scores)):
                hit, gain = _measure(scores, excluded, wanted)
                figures[name]["hit"].append(hit)
                figures[name]["ndcg"].append(gain)
            if n % 25 == 0:
                print(
                    f"  {n}/{len(sample)} people, {time.perf_counter() - started:.0f} s",
                    file=sys.stderr,
                )
    catalog.dispose()
    seconds = time.perf_counter() - started
    result: dict[str, object] = {
        "people": len(figures["world"]["hit"]),
        "films": len(films),
        "seconds": round(seconds, 1),
    }
    for name, values in figures.items():
        hit, hit_se = _summary(values["hit"])
        ndcg, ndcg_se = _summary(values["ndcg"])
        result[name] = {"hit_rate": hit, "hit_rate_se": hit_se, "ndcg": ndcg, "ndcg_se": ndcg_se}
    for figure in ("hit", "ndcg"):  # the same people under both: their paired difference
        gap = np.asarray(figures["world"][figure]) - np.asarray(figures["votes"][figure])
        mean, se = _summary(gap.tolist())
        result[f"{figure}_gap"] = {"mean": mean, "se": se}
    names = ("penalty", "people", "others", "lean")
    result["settings"] = {  # how many people chose each value of each setting
        name: {
            f"{value:g}": sum(c for key, c in settings.items() if key[i] == value)
            for value in sorted({key[i] for key in settings})
        }
        for i, name in enumerate(names)
    }
    return result


def report(result: dict[str, object]) -> str:
    lines = [
        f"one person with the world: {result['people']} people, {result['films']} world "
        f"films, {result['seconds']} s"
    ]
    base = result["votes"]
    assert isinstance(base, dict)
    for name, label in (("votes", "most IMDb votes"), ("world", "world model (recommend)")):
        f = result[name]
        assert isinstance(f, dict)
        lines.append(
            f"  {label:<26} HitRate@10 {f['hit_rate']:.3f} ± {f['hit_rate_se']:.3f}   "
            f"NDCG@10 {f['ndcg']:.4f} ± {f['ndcg_se']:.4f}   "
            f"({f['hit_rate'] / max(base['hit_rate'], 1e-9):.2f}× the votes' HitRate)"
        )
    hit_gap, ndcg_gap = result["hit_gap"], result["ndcg_gap"]
    assert isinstance(hit_gap, dict) and isinstance(ndcg_gap, dict)
    lines.append(
        f"  world − votes, paired        HitRate@10 {hit_gap['mean']:+.3f} ± {hit_gap['se']:.3f}   "
        f"NDCG@10 {ndcg_gap['mean']:+.4f} ± {ndcg_gap['se']:.4f}"
    )
    lines.append(f"  settings chosen by each person's cross-validation: {result['settings']}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--users", type=int, default=500)
    parser.add_argument("--seed", type=int, default=2027)
    args = parser.parse_args(argv)
    result = run(args.users, args.seed)
    print(report(result))
    base, mine = result["votes"], result["world"]
    assert isinstance(base, dict) and isinstance(mine, dict)
    return 0 if mine["hit_rate"] >= GOAL * base["hit_rate"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
