"""A small MovieLens folder with planted taste, made here (deterministic, standard library):
users pick and score higher the films that suit their hidden taste, so a recommender that
learns from the ratings must beat popularity on it."""

from __future__ import annotations

import csv
import math
import random
from pathlib import Path

GENRES = ["Action", "Comedy", "Drama", "Horror", "Romance", "Sci-Fi", "Thriller", "Western"]
DIMS = 6


def write_taste_folder(
    folder: Path, *, movies: int = 300, users: int = 200, per_user: int = 50, seed: int = 7
) -> None:
    rng = random.Random(seed)
    axis = {g: [rng.gauss(0, 1) for _ in range(DIMS)] for g in GENRES}
    films = []
    for movie_id in range(1, movies + 1):
        genres = rng.sample(GENRES, rng.choice([1, 1, 2]))
        vector = [rng.gauss(0, 0.6) for _ in range(DIMS)]
        for g in genres:
            vector = [a + b / len(genres) for a, b in zip(vector, axis[g], strict=True)]
        popularity = 1 / (rng.random() * movies + 10) ** 0.8
        quality = min(4.5, max(1.5, rng.gauss(3.4, 0.5)))
        films.append((movie_id, genres, vector, popularity, quality))
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "movies.csv").open("w", newline="", encoding="utf-8") as f:
        out = csv.writer(f, lineterminator="\n")
        out.writerow(["movieId", "title", "genres"])
        for movie_id, genres, *_ in films:
            out.writerow([movie_id, f"Film {movie_id} ({1960 + movie_id % 60})", "|".join(genres)])
    with (folder / "ratings.csv").open("w", newline="", encoding="utf-8") as f:
        out = csv.writer(f, lineterminator="\n")
        out.writerow(["userId", "movieId", "rating", "timestamp"])
        for user in range(1, users + 1):
            taste = [rng.gauss(0, 1) / math.sqrt(DIMS) for _ in range(DIMS)]
            bias = rng.gauss(0, 0.3)
            weights = []
            for _, _, vector, popularity, _ in films:
                affinity = sum(a * b for a, b in zip(taste, vector, strict=True))
                weights.append(popularity / (1 + math.exp(-4 * affinity)))
            keys = sorted(
                ((rng.random() ** (1 / w), i) for i, w in enumerate(weights)), reverse=True
            )
            rows = []
            for _, i in keys[:per_user]:
                movie_id, _, vector, _, quality = films[i]
                affinity = sum(a * b for a, b in zip(taste, vector, strict=True))
                score = quality + bias + 0.8 * affinity + rng.gauss(0, 0.5)
                score = min(5.0, max(0.5, round(score * 2) / 2))
                rows.append((movie_id, score, 1_000_000_000 + rng.randrange(10_000_000)))
            for movie_id, score, at in sorted(rows):
                out.writerow([user, movie_id, f"{score:.1f}", at])
