"""`recommend` with the IMDb world, where the catalog has no crowd to learn from: each
person's own ratings against the world's films (world.py), which may propose films
that are not in the catalog yet (marked, with their tt id; `rate tt…`, `watch tt…` or
`add --imdb tt…` bring one in). Nothing is written: the world is only read.

The films ranked: the world's CANDIDATES most-voted films (of the types the sync
loaded, adult titles left out), the world films the people rated, and the catalog's
films that the world does not have (genres, decade and runtime only)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp

from moviecli.recommend import group, world
from moviecli.recommend.views import RecommendRow
from moviecli.rules import genre_key, genre_name
from moviecli.store.repo import taste as repo
from moviecli.store.repo.taste import Taste
from moviecli.store.world import features

if TYPE_CHECKING:
    from sqlmodel import Session

CANDIDATES = 100_000  # a cost limit (reading and scoring), not a taste setting


def load_films(
    *,
    session: Session,
    extra_title_ids: Sequence[int] = (),
    catalog_only: Sequence[repo.CrowdMovie] = (),
) -> world.Films:
    """The world's most-voted films, the `extra` world films, and catalog films the
    world does not have."""
    rows = features.most_voted(session=session, limit=CANDIDATES)
    have = {row[0] for row in rows}
    rows += features.title_rows(
        session=session, title_ids=[t for t in extra_title_ids if t not in have]
    )
    title_ids, movie_ids, tokens, votes, rating, years = [], [], [], [], [], []
    for title_id, year, runtime, genres, imdb_rating, imdb_votes in rows:
        title_ids.append(title_id)
        movie_ids.append(0)
        tokens.append(world.title_tokens(genres, year, runtime, imdb_rating, imdb_votes or 0))
        votes.append(float(imdb_votes or 0))
        rating.append(float(imdb_rating) if imdb_rating is not None else np.nan)
        years.append(year if year is not None else -1)
    for film in catalog_only:
        genres = "|".join(f[2:] for f in film.features if f.startswith("g:"))
        title_ids.append(0)
        movie_ids.append(film.id)
        tokens.append(world.title_tokens(genres, film.year, film.runtime, None, 0))
        votes.append(0.0)
        rating.append(np.nan)
        years.append(film.year if film.year is not None else -1)
    return world.Films(
        title_ids=np.asarray(title_ids, np.int64),
        movie_ids=np.asarray(movie_ids, np.int64),
        tokens=tokens,
        votes=np.asarray(votes, np.float64),
        rating=np.asarray(rating, np.float64),
        years=np.asarray(years, np.int64),
    )


def people_matrix(
    *, session: Session, films: world.Films, rated_title_ids: Sequence[int]
) -> tuple[sp.csr_matrix, np.ndarray]:
    """Films × people (1: credited) for the people credited on the rated world films,
    and the people's nm ids (the columns)."""
    credited = features.credits_of(session=session, title_ids=rated_title_ids)
    keys = np.unique(np.asarray([n for _, n in credited], np.int64))
    if not len(keys):
        return sp.csr_matrix((len(films), 0)), keys
    pairs = features.films_of(session=session, name_ids=keys.tolist())
    position = {int(t): i for i, t in enumerate(films.title_ids) if t}
    rows, cols = [], []
    for title_id, name_id in pairs:
        i = position.get(title_id)
        if i is not None:
            rows.append(i)
            cols.append(int(np.searchsorted(keys, name_id)))
    matrix = sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(films), len(keys)))
    matrix.data[:] = 1.0  # a person credited twice on a film (director and writer) once
    return matrix, keys


def person_model(
    *, session: Session, films: world.Films, rated: Sequence[tuple[int, float]]
) -> tuple[world.PersonModel, np.ndarray]:
    """One person's model from their ratings (film index, score), and the nm ids of the
    people columns it may name."""
    rated_titles = [int(films.title_ids[i]) for i, _ in rated if films.title_ids[i]]
    people, keys = people_matrix(session=session, films=films, rated_title_ids=rated_titles)
    return world.fit(films, people, rated), keys


# ---------------------------------------------------------------- recommend


@dataclass
class Member:
    name: str
    ratings: list[tuple[int, float]]  # catalog movie id, score


def recommend(
    *,
    session: Session,
    members: Sequence[Member],
    seen: set[int],
    watchlist: set[int],
    genre: str | None,
    from_year: int | None,
    to_year: int | None,
    allowed: set[int] | None,
    limit: int,
    because_most: int,
) -> list[RecommendRow]:
    from moviecli.store.world.fill import linked_titles

    linked = linked_titles(session)  # catalog id -> title id
    catalog_of = {t: m for m, t in linked.items()}
    crowd = Taste(session).crowd_movies()
    catalog_only = [c for c in crowd if c.id not in linked]
    rated_titles = [linked[m] for member in members for m, _ in member.ratings if m in linked]
    films = load_films(session=session, extra_title_ids=rated_titles, catalog_only=catalog_only)
    index: dict[int, int] = {}  # catalog id -> film index
    by_title = {int(t): i for i, t in enumerate(films.title_ids) if t}
    for movie_id, title_id in linked.items():
        if title_id in by_title:
            index[movie_id] = by_title[title_id]
    for i in np.flatnonzero(films.movie_ids):
        index[int(films.movie_ids[i])] = int(i)

    models, liked_of, keys_of = [], [], []
    for member in members:
        rated = [(index[m], s) for m, s in member.ratings if m in index]
        model, keys = person_model(session=session, films=films, rated=rated)
        models.append(model)
        keys_of.append(keys)
        mean = sum(s for _, s in rated) / len(rated) if rated else 0.0
        liked_of.append([i for i, s in rated if s >= max(mean, 3.0)] or [i for i, _ in rated])

    candidate = np.ones(len(films), bool)
    candidate[[index[m] for m in seen if m in index]] = False
    candidate &= _passes(films, genre, from_year, to_year, allowed, index)
    ids = np.flatnonzero(candidate)
    if len(members) == 1:
        combined = models[0].scores[ids]
    else:
        combined = group.least_happy([m.scores[ids] for m in models])
    order = np.lexsort((ids, -combined))[:limit]
    chosen = [int(ids[i]) for i in order]

    reasons = {
        film: _merge(
            [
                world.reasons(model, films, film, liked, keys, because_most)
                for model, liked, keys in zip(models, liked_of, keys_of, strict=True)
            ],
            because_most,
        )
        for film in chosen
    }
    return _rows(
        session,
        films,
        chosen,
        [float(combined[i]) for i in order],
        reasons,
        catalog_of,
        watchlist,
    )


def _passes(
    films: world.Films,
    genre: str | None,
    from_year: int | None,
    to_year: int | None,
    allowed: set[int] | None,
    index: dict[int, int],
) -> np.ndarray:
    """The filters: on a world film's own values; on `allowed` for catalog-only films."""
    ok = np.ones(len(films), bool)
    if genre is not None:
        wanted = genre_key(f"g:{genre_name(genre)}")
        ok &= np.asarray([any(genre_key(t) == wanted for t in ts) for ts in films.tokens])
    if from_year is not None:
        ok &= films.years >= from_year
    if to_year is not None:
        ok &= (films.years <= to_year) & (films.years >= 0)
    if allowed is not None:
        mine = films.movie_ids > 0
        ok[mine] = np.isin(films.movie_ids[mine], np.fromiter(allowed, np.int64, len(allowed)))
    return ok


def _merge(lists: list[list[tuple[str, int]]], most: int) -> list[tuple[str, int]]:
    """The strongest reason of each member first."""
    merged: list[tuple[str, int]] = []
    for depth in range(most):
        for reasons in lists:
            if depth < len(reasons) and reasons[depth] not in merged:
                merged.append(reasons[depth])
    return merged[:most]


def _rows(
    session: Session,
    films: world.Films,
    chosen: list[int],
    scores: list[float],
    reasons: dict[int, list[tuple[str, int]]],
    catalog_of: dict[int, int],
    watchlist: set[int],
) -> list[RecommendRow]:
    from moviecli.store.world import lookup

    def movie_of(i: int) -> int | None:
        if films.movie_ids[i]:
            return int(films.movie_ids[i])
        return catalog_of.get(int(films.title_ids[i]))

    reason_films = {i for r in reasons.values() for kind, i in r if kind == "film"}
    in_catalog = {i: m for i in set(chosen) | reason_films if (m := movie_of(i)) is not None}
    cards = Taste(session).movie_cards(movie_ids=set(in_catalog.values()))
    outside = [int(films.title_ids[i]) for i in chosen if i not in in_catalog]
    world_films = lookup.films_by_id(session=session, title_ids=outside)
    people = features.person_names(
        session=session,
        name_ids=sorted({k for r in reasons.values() for kind, k in r if kind == "person"}),
    )
    rows = []
    for rank, (i, score) in enumerate(zip(chosen, scores, strict=True), start=1):
        title_id = int(films.title_ids[i])
        because = [
            people.get(key, lookup.nm(key)) if kind == "person" else cards[in_catalog[key]].title
            for kind, key in reasons[i]
            if kind == "person" or (key in in_catalog and in_catalog[key] in cards)
        ]
        movie_id = in_catalog.get(i)
        if movie_id is not None:
            card = cards[movie_id]
            title, year, genres = card.title, card.year, card.genres
        else:
            found = world_films[title_id]
            title, year, genres = found.title, found.year, found.genres
        rows.append(
            RecommendRow(
                rank=rank,
                id=movie_id,
                title=title,
                year=year,
                genres=genres,
                score=round(score, 4),
                because=because,
                on_watchlist=movie_id in watchlist if movie_id is not None else False,
                imdb_id=lookup.tt(title_id) if title_id else None,
                in_catalog=movie_id is not None,
            )
        )
    return rows
