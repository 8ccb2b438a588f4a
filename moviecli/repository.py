"""Every query moviecli makes. Keyword-only functions that take a session and return
models; they never print and never commit (the command's session scope does)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Literal

from sqlalchemy import ColumnElement, and_, case, delete, exists, func, literal, or_, update
from sqlmodel import Session, col, select

from moviecli import ranking
from moviecli.errors import AmbiguousError, DuplicateError, NotFoundError
from moviecli.models import (
    CatalogStats,
    ExternalId,
    Genre,
    Movie,
    MovieCreate,
    MovieDetail,
    MovieGenre,
    MoviePublic,
    MovieUpdate,
    Page,
    Rating,
    RatingChange,
    RatingPublic,
    TopRow,
    User,
    utcnow,
    utcnow_millis,
)
from moviecli.rules import genre_name, title_key

MovieSort = Literal["title", "year", "rating", "ratings", "added"]
RatingSort = Literal["date", "score", "title"]
RankBy = Literal["weighted", "mean"]

_TITLE_WITH_YEAR = re.compile(r"^(?P<title>.*\S)\s*\((?P<year>\d{4})\)\s*$")
HISTOGRAM_KEYS = [f"{n / 2:.1f}" for n in range(1, 11)]
_MAX_ID = 2**63 - 1


# ---------------------------------------------------------------- naming a movie


def resolve_movie(*, session: Session, ref: str) -> Movie:
    """A movie named by id (`42`), exact title (`the matrix`) or title and year (`Heat (1995)`)."""
    text = ref.strip()
    # ASCII digits only ("²".isdigit() is true, int("²") fails) and within SQLite's INTEGER.
    if text.isascii() and text.isdigit() and int(text) <= _MAX_ID:
        movie = session.get(Movie, int(text))
        if movie is not None:
            return movie
        # A title may be a number ("1776", "300"): fall through to title matching.
    candidates = list(
        session.exec(
            select(Movie).where(Movie.title_key == title_key(text)).order_by(Movie.year, Movie.id)
        )
    )
    if not candidates:
        match = _TITLE_WITH_YEAR.match(text)
        if match:
            candidates = list(
                session.exec(
                    select(Movie)
                    .where(
                        Movie.title_key == title_key(match["title"]),
                        Movie.year == int(match["year"]),
                    )
                    .order_by(Movie.id)
                )
            )
    if len(candidates) == 1:
        return candidates[0]
    if not candidates:
        raise NotFoundError(f"no movie matches '{ref}'")
    listing = "; ".join(f"{m.id}  {m.title} ({m.year or '?'})" for m in candidates[:10])
    more = f" and {len(candidates) - 10} more" if len(candidates) > 10 else ""
    raise AmbiguousError(f"'{ref}' matches {len(candidates)} movies: {listing}{more}; use an id")


def find_duplicate(*, session: Session, title: str, year: int | None) -> Movie | None:
    return session.exec(
        select(Movie)
        .where(Movie.title_key == title_key(title), Movie.year == year)
        .order_by(Movie.id)
        .limit(1)
    ).first()


# ---------------------------------------------------------------- movies


def add_movie(*, session: Session, data: MovieCreate, force: bool = False) -> MoviePublic:
    if not force:
        existing = find_duplicate(session=session, title=data.title, year=data.year)
        if existing is not None:
            raise DuplicateError(
                f"'{existing.title} ({existing.year})' is already in the catalog as id "
                f"{existing.id}; use --force to add another"
            )
    fields = data.model_dump(exclude={"genres"})
    movie = Movie(**fields, title_key=title_key(data.title))
    session.add(movie)
    session.flush()
    assert movie.id is not None
    set_genres(session=session, movie_id=movie.id, names=data.genres)
    return movie_public(session=session, movie=movie)


def update_movie(*, session: Session, movie: Movie, changes: MovieUpdate) -> MoviePublic:
    values = changes.model_dump(exclude_unset=True)
    genres = values.pop("genres", None)
    if "title" in values or "year" in values:
        new_title = values.get("title", movie.title)
        new_year = values.get("year", movie.year)
        clash = session.exec(
            select(Movie).where(
                Movie.title_key == title_key(new_title),
                Movie.year == new_year,
                Movie.id != movie.id,
            )
        ).first()
        if clash is not None:
            raise DuplicateError(
                f"'{clash.title} ({clash.year})' is already in the catalog as id {clash.id}"
            )
        movie.title_key = title_key(new_title)
    for key, value in values.items():
        setattr(movie, key, value)
    movie.updated_at = utcnow()
    session.add(movie)
    session.flush()
    assert movie.id is not None
    if genres is not None:
        set_genres(session=session, movie_id=movie.id, names=genres)
    return movie_public(session=session, movie=movie)


def delete_movie(*, session: Session, movie: Movie) -> MoviePublic:
    """Delete a movie; its ratings, genre links and external ids go with it (ON DELETE CASCADE)."""
    public = movie_public(session=session, movie=movie)
    session.exec(delete(Movie).where(col(Movie.id) == movie.id))  # type: ignore[call-overload]
    session.expunge(movie)
    return public


def genre_ids(*, session: Session, names: Iterable[str]) -> list[int]:
    """Ids of these genres (already Title Cased), creating the missing ones."""
    ids: list[int] = []
    for name in names:
        genre = session.exec(select(Genre).where(func.lower(Genre.name) == name.lower())).first()
        if genre is None:
            genre = Genre(name=name)
            session.add(genre)
            session.flush()
        assert genre.id is not None
        ids.append(genre.id)
    return ids


def set_genres(*, session: Session, movie_id: int, names: Sequence[str]) -> None:
    session.exec(delete(MovieGenre).where(col(MovieGenre.movie_id) == movie_id))  # type: ignore[call-overload]
    for genre_id in genre_ids(session=session, names=names):
        session.add(MovieGenre(movie_id=movie_id, genre_id=genre_id))
    session.flush()


def genres_by_movie(*, session: Session, movie_ids: Sequence[int]) -> dict[int, list[str]]:
    result: dict[int, list[str]] = {movie_id: [] for movie_id in movie_ids}
    if not movie_ids:
        return result
    rows = session.exec(
        select(MovieGenre.movie_id, Genre.name)
        .join(Genre, col(Genre.id) == MovieGenre.genre_id)
        .where(col(MovieGenre.movie_id).in_(movie_ids))
        .order_by(Genre.name)
    )
    for movie_id, name in rows:
        result[movie_id].append(name)
    return result


def average(score_sum: float, count: int) -> float | None:
    return round(score_sum / count, 2) if count else None


def _public(movie: Movie, genres: list[str]) -> MoviePublic:
    assert movie.id is not None
    return MoviePublic(
        id=movie.id,
        title=movie.title,
        year=movie.year,
        genres=genres,
        original_title=movie.original_title,
        runtime_minutes=movie.runtime_minutes,
        director=movie.director,
        average_rating=average(movie.rating_sum, movie.rating_count),
        rating_count=movie.rating_count,
    )


def movie_public(*, session: Session, movie: Movie) -> MoviePublic:
    assert movie.id is not None
    session.refresh(movie)
    genres = genres_by_movie(session=session, movie_ids=[movie.id])[movie.id]
    return _public(movie, genres)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _genre_filter(genre: str) -> ColumnElement[bool]:
    return exists().where(
        MovieGenre.movie_id == Movie.id,
        MovieGenre.genre_id == Genre.id,
        func.lower(Genre.name) == genre_name(genre).lower(),
    )


def list_movies(
    *,
    session: Session,
    search: str | None = None,
    genre: str | None = None,
    year: int | None = None,
    from_year: int | None = None,
    to_year: int | None = None,
    sort: MovieSort = "title",
    descending: bool = False,
    limit: int = 20,
    offset: int = 0,
) -> Page:
    conditions: list[ColumnElement[bool]] = []
    if search:
        pattern = f"%{_escape_like(title_key(search))}%"
        conditions.append(col(Movie.title_key).like(pattern, escape="\\"))
    if genre:
        conditions.append(_genre_filter(genre))
    if year is not None:
        conditions.append(col(Movie.year) == year)
    if from_year is not None:
        conditions.append(col(Movie.year) >= from_year)
    if to_year is not None:
        conditions.append(col(Movie.year) <= to_year)
    where = and_(literal(True), *conditions)

    total = session.exec(select(func.count()).select_from(Movie).where(where)).one()

    mean = case((col(Movie.rating_count) > 0, Movie.rating_sum / Movie.rating_count), else_=None)
    keys: dict[str, list[ColumnElement]] = {
        "title": [col(Movie.title_key), col(Movie.year)],
        "year": [col(Movie.year), col(Movie.title_key)],
        "rating": [mean, col(Movie.rating_count)],
        "ratings": [col(Movie.rating_count), mean],
        "added": [col(Movie.created_at)],
    }
    order: list[ColumnElement] = []
    for key in [*keys[sort], col(Movie.id)]:
        order.append(key.desc().nulls_last() if descending else key.asc().nulls_last())
    query = select(Movie).where(where).order_by(*order).offset(offset)
    if limit:
        query = query.limit(limit)
    movies = list(session.exec(query))
    genres = genres_by_movie(session=session, movie_ids=[m.id for m in movies if m.id is not None])
    return Page(
        items=[_public(m, genres[m.id]) for m in movies if m.id is not None],
        offset=offset,
        total=total,
    )


def movie_detail(*, session: Session, movie: Movie, latest: int = 10) -> MovieDetail:
    public = movie_public(session=session, movie=movie)
    histogram = dict.fromkeys(HISTOGRAM_KEYS, 0)
    for score, count in session.exec(
        select(Rating.score, func.count()).where(Rating.movie_id == movie.id).group_by(Rating.score)
    ):
        histogram[f"{score:.1f}"] = count
    latest_ratings = list_ratings(
        session=session, movie_id=movie.id, sort="date", descending=True, limit=latest
    )
    external = {
        source: value
        for source, value in session.exec(
            select(ExternalId.source, ExternalId.value)
            .where(ExternalId.movie_id == movie.id)
            .order_by(ExternalId.source)
        )
    }
    return MovieDetail(
        **public.model_dump(),
        created_at=movie.created_at,
        updated_at=movie.updated_at,
        histogram=histogram,
        latest_ratings=latest_ratings,
        external_ids=external,
    )


def is_empty(*, session: Session) -> bool:
    return session.exec(select(Movie.id).limit(1)).first() is None


# ---------------------------------------------------------------- users and ratings


def get_or_create_user(*, session: Session, name: str) -> User:
    user = session.exec(select(User).where(User.name == name)).first()
    if user is None:
        user = User(name=name)
        session.add(user)
        session.flush()
    return user


def find_user(*, session: Session, name: str) -> User:
    user = session.exec(select(User).where(User.name == name)).first()
    if user is None:
        raise NotFoundError(f"no user named '{name}' has rated anything")
    return user


def _change_aggregates(
    *, session: Session, movie_id: int, delta_sum: float, delta_count: int
) -> None:
    session.exec(
        update(Movie)  # type: ignore[call-overload]
        .where(col(Movie.id) == movie_id)
        .values(
            rating_sum=col(Movie.rating_sum) + delta_sum,
            rating_count=col(Movie.rating_count) + delta_count,
        )
    )


def rate_movie(
    *, session: Session, movie: Movie, user_name: str, score: float, review: str | None = None
) -> RatingChange:
    """Record or replace a user's score; the movie's aggregates change in the same transaction.
    A new review replaces the old one; without one the old review is kept."""
    assert movie.id is not None
    user = get_or_create_user(session=session, name=user_name)
    rating = session.get(Rating, {"movie_id": movie.id, "user_id": user.id})
    previous = None
    if rating is None:
        assert user.id is not None
        rating = Rating(movie_id=movie.id, user_id=user.id, score=score, review=review)
        _change_aggregates(session=session, movie_id=movie.id, delta_sum=score, delta_count=1)
    else:
        previous = rating.score
        _change_aggregates(
            session=session, movie_id=movie.id, delta_sum=score - rating.score, delta_count=0
        )
        rating.score = score
        rating.rated_at = utcnow_millis()
        if review is not None:
            rating.review = review
    session.add(rating)
    session.flush()
    session.refresh(movie)
    return RatingChange(
        rating=_rating_public(rating, movie, user.name),
        replaced=previous,
        average_rating=average(movie.rating_sum, movie.rating_count),
        rating_count=movie.rating_count,
    )


def unrate_movie(*, session: Session, movie: Movie, user_name: str) -> RatingChange:
    assert movie.id is not None
    user = session.exec(select(User).where(User.name == user_name)).first()
    rating = (
        session.get(Rating, {"movie_id": movie.id, "user_id": user.id})
        if user is not None
        else None
    )
    if rating is None or user is None:
        raise NotFoundError(f"{user_name} has not rated '{movie.title} ({movie.year or '?'})'")
    public = _rating_public(rating, movie, user.name)
    session.delete(rating)
    _change_aggregates(session=session, movie_id=movie.id, delta_sum=-rating.score, delta_count=-1)
    session.flush()
    session.refresh(movie)
    return RatingChange(
        rating=public,
        replaced=None,
        average_rating=average(movie.rating_sum, movie.rating_count),
        rating_count=movie.rating_count,
    )


def _rating_public(rating: Rating, movie: Movie, user_name: str) -> RatingPublic:
    return RatingPublic(
        movie_id=rating.movie_id,
        title=movie.title,
        year=movie.year,
        user=user_name,
        score=rating.score,
        review=rating.review,
        rated_at=rating.rated_at,
    )


def list_ratings(
    *,
    session: Session,
    user_name: str | None = None,
    movie_id: int | None = None,
    sort: RatingSort = "date",
    descending: bool = True,
    limit: int = 20,
    offset: int = 0,
) -> list[RatingPublic]:
    query = (
        select(
            Rating.movie_id,
            Movie.title,
            Movie.year,
            User.name,
            Rating.score,
            Rating.review,
            Rating.rated_at,
        )
        .join(Movie, col(Movie.id) == Rating.movie_id)
        .join(User, col(User.id) == Rating.user_id)
    )
    if user_name is not None:
        user = find_user(session=session, name=user_name)
        query = query.where(Rating.user_id == user.id)
    if movie_id is not None:
        query = query.where(Rating.movie_id == movie_id)
    keys = {
        "date": [col(Rating.rated_at)],
        "score": [col(Rating.score), col(Rating.rated_at)],
        "title": [col(Movie.title_key), col(Movie.year)],
    }[sort]
    keys = [*keys, col(Rating.movie_id), col(Rating.user_id)]
    query = query.order_by(*(k.desc() if descending else k.asc() for k in keys)).offset(offset)
    if limit:
        query = query.limit(limit)
    return [
        RatingPublic(
            movie_id=row[0],
            title=row[1],
            year=row[2],
            user=row[3],
            score=row[4],
            review=row[5],
            rated_at=row[6],
        )
        for row in session.exec(query)
    ]


# ---------------------------------------------------------------- rankings and stats


def catalog_mean(*, session: Session) -> float | None:
    total, count = session.exec(
        select(
            func.coalesce(func.sum(Movie.rating_sum), 0),
            func.coalesce(func.sum(Movie.rating_count), 0),
        )
    ).one()
    return total / count if count else None


def top_rated(
    *,
    session: Session,
    limit: int = 10,
    genre: str | None = None,
    from_year: int | None = None,
    to_year: int | None = None,
    min_ratings: int = 1,
    by: RankBy = "weighted",
) -> list[TopRow]:
    """The best movies by the weighted (Bayesian) or plain mean, from the stored aggregates."""
    c = catalog_mean(session=session)
    if c is None:
        return []
    score_sum = col(Movie.rating_sum)
    count = col(Movie.rating_count)
    if by == "weighted":
        score = ranking.weighted_rating(score_sum, count, min_ratings, c)
    else:
        score = ranking.mean_rating(score_sum, count)
    conditions: list[ColumnElement[bool]] = [count >= max(min_ratings, 1)]
    if genre:
        conditions.append(_genre_filter(genre))
    if from_year is not None:
        conditions.append(col(Movie.year) >= from_year)
    if to_year is not None:
        conditions.append(col(Movie.year) <= to_year)
    query = (
        select(Movie, score.label("score"))
        .where(*conditions)
        .order_by(score.desc(), count.desc(), col(Movie.title_key), col(Movie.id))
    )
    if limit:
        query = query.limit(limit)
    rows = list(session.exec(query))
    genres = genres_by_movie(session=session, movie_ids=[m.id for m, _ in rows if m.id is not None])
    top: list[TopRow] = []
    for rank, (movie, value) in enumerate(rows, start=1):
        assert movie.id is not None
        top.append(
            TopRow(
                rank=rank,
                id=movie.id,
                title=movie.title,
                year=movie.year,
                genres=genres[movie.id],
                average_rating=round(movie.rating_sum / movie.rating_count, 2),
                rating_count=movie.rating_count,
                score=round(value, 4),
            )
        )
    return top


def catalog_stats(*, session: Session, top_genres: int = 10) -> CatalogStats:
    movies = session.exec(select(func.count()).select_from(Movie)).one()
    rated = session.exec(
        select(func.count()).select_from(Movie).where(Movie.rating_count > 0)
    ).one()
    users = session.exec(select(func.count()).select_from(User)).one()
    genres = session.exec(select(func.count()).select_from(Genre)).one()
    ratings = session.exec(select(func.coalesce(func.sum(Movie.rating_count), 0))).one()
    histogram = dict.fromkeys(HISTOGRAM_KEYS, 0)
    for score, count in session.exec(select(Rating.score, func.count()).group_by(Rating.score)):
        histogram[f"{score:.1f}"] = count
    genre_counts = [
        (name, count)
        for name, count in session.exec(
            select(Genre.name, func.count(col(MovieGenre.movie_id)))
            .join(MovieGenre, col(MovieGenre.genre_id) == Genre.id)
            .group_by(Genre.name)
            .order_by(func.count(col(MovieGenre.movie_id)).desc(), Genre.name)
            .limit(top_genres)
        )
    ]
    return CatalogStats(
        movies=movies,
        ratings=ratings,
        users=users,
        genres=genres,
        rated_movies=rated,
        average_rating=(lambda m: round(m, 2) if m is not None else None)(
            catalog_mean(session=session)
        ),
        histogram=histogram,
        top_genres=genre_counts,
    )


# ---------------------------------------------------------------- care of the file


def integrity_problems(*, session: Session) -> list[str]:
    """What `db check` reports: SQLite's own checks, then our aggregates against the ratings."""
    problems: list[str] = []
    bind = session.connection()
    if bind.dialect.name == "sqlite":
        result = [row[0] for row in bind.exec_driver_sql("PRAGMA integrity_check").fetchall()]
        if result != ["ok"]:
            problems.extend(f"integrity: {line}" for line in result[:20])
        for row in bind.exec_driver_sql("PRAGMA foreign_key_check").fetchall()[:20]:
            problems.append(f"foreign key: table {row[0]} row {row[1]} points to missing {row[2]}")
    recomputed = (
        select(
            Rating.movie_id,
            func.count().label("n"),
            func.sum(Rating.score).label("s"),
        )
        .group_by(Rating.movie_id)
        .subquery()
    )
    mismatched = session.exec(
        select(
            Movie.id,
            Movie.title,
            Movie.rating_count,
            Movie.rating_sum,
            recomputed.c.n,
            recomputed.c.s,
        )
        .outerjoin(recomputed, recomputed.c.movie_id == Movie.id)
        .where(
            or_(
                Movie.rating_count != func.coalesce(recomputed.c.n, 0),
                Movie.rating_sum != func.coalesce(recomputed.c.s, 0),
            )
        )
        .limit(20)
    )
    for movie_id, title, count, total, n, s in mismatched:
        problems.append(
            f"aggregates: movie {movie_id} '{title}' stores {count} ratings summing {total}, "
            f"its ratings are {n or 0} summing {s or 0}"
        )
    return problems


def recompute_aggregates(*, session: Session) -> None:
    """Set every movie's rating count and sum from its ratings (used after bulk imports)."""
    session.exec(
        update(Movie).values(  # type: ignore[call-overload]
            rating_count=select(func.count()).where(Rating.movie_id == Movie.id).scalar_subquery(),
            rating_sum=select(func.coalesce(func.sum(Rating.score), 0))
            .where(Rating.movie_id == Movie.id)
            .scalar_subquery(),
        )
    )
