"""The trained model on disk: one file per catalog in the user's cache folder, named by
the catalog's identity and holding the fingerprint of the ratings it was trained on.

A file whose identity or fingerprint differs from the catalog's is stale and is
retrained over; a damaged file is too. Written atomically, and only ever over a
regular file. It holds the chosen model's kind, settings and arrays (candidates.py),
and the trials that chose it."""

from __future__ import annotations

import hashlib
import os
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

FORMAT = 3


@dataclass
class Model:
    identity: str
    fingerprint: str
    kind: str  # candidates.Spec.kind; "none" when there was too little to learn
    settings: str  # JSON: the chosen settings; with the trials that chose it
    user_ids: np.ndarray
    movie_ids: np.ndarray
    arrays: dict[str, np.ndarray]  # the fitted candidate's arrays
    fit_seconds: float
    score_counts: np.ndarray  # how many ratings of each half star, 0.5 to 5 (for `taste`)
    generation: int = 1  # how many times this catalog's model has been trained here


def cache_folder() -> Path:
    from platformdirs import user_cache_path

    return user_cache_path("moviecli", appauthor=False) / "models"


def cache_file(identity: str) -> Path:
    return cache_folder() / (hashlib.sha256(identity.encode()).hexdigest()[:32] + ".npz")


def load(path: Path, *, identity: str, fingerprint: str) -> Model | None:
    """The cached model if it is for this catalog in this state, else None."""
    try:
        if not path.is_file():
            return None
        with np.load(path, allow_pickle=False) as data:
            if (
                int(data["format"]) != FORMAT
                or str(data["identity"]) != identity
                or str(data["fingerprint"]) != fingerprint
            ):
                return None
            return Model(
                identity=identity,
                fingerprint=fingerprint,
                kind=str(data["kind"]),
                settings=str(data["settings"]),
                user_ids=data["user_ids"],
                movie_ids=data["movie_ids"],
                arrays={k[2:]: data[k] for k in data.files if k.startswith("a_")},
                fit_seconds=float(data["fit_seconds"]),
                score_counts=data["score_counts"],
                generation=int(data["generation"]),
            )
    except (OSError, ValueError, KeyError, zipfile.BadZipFile):
        return None


def generation(path: Path) -> int:
    """The generation of the model stored at `path`, stale or not (0 if none)."""
    try:
        if not path.is_file():
            return 0
        with np.load(path, allow_pickle=False) as data:
            return int(data["generation"])
    except (OSError, ValueError, KeyError, zipfile.BadZipFile):
        return 0


def save(model: Model, path: Path) -> bool:
    """Write the model; False (and nothing written) when the place is not usable: the
    model still serves this run, and the next one trains again."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        if path.exists() and (path.is_symlink() or not path.is_file()):
            return False
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".model-", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as out:
                fields: dict[str, np.ndarray | np.generic] = {
                    "format": np.int64(FORMAT),
                    "identity": np.str_(model.identity),
                    "fingerprint": np.str_(model.fingerprint),
                    "kind": np.str_(model.kind),
                    "settings": np.str_(model.settings),
                    "user_ids": model.user_ids,
                    "movie_ids": model.movie_ids,
                    "fit_seconds": np.float64(model.fit_seconds),
                    "score_counts": model.score_counts,
                    "generation": np.int64(model.generation),
                }
                fields.update({f"a_{k}": v for k, v in model.arrays.items()})
                np.savez(out, allow_pickle=False, **fields)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    except OSError:
        return False
    return True
