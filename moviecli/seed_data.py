"""The starter catalog `moviecli seed` writes: well-known films and a few demo ratings."""

from __future__ import annotations

from typing import TYPE_CHECKING

from moviecli.models import MovieCreate
from moviecli.rules import split_names

if TYPE_CHECKING:
    from moviecli.store.catalog import UnitOfWork

# title, year, genres, runtime, director, original title
FILMS: list[tuple[str, int, list[str], int, str, str | None]] = [
    ("Inception", 2010, ["Action", "Sci-Fi", "Thriller"], 148, "Christopher Nolan", None),
    ("The Matrix", 1999, ["Action", "Sci-Fi"], 136, "Lana Wachowski, Lilly Wachowski", None),
    ("The Godfather", 1972, ["Crime", "Drama"], 175, "Francis Ford Coppola", None),
    (
        "Spirited Away",
        2001,
        ["Animation", "Fantasy", "Adventure"],
        125,
        "Hayao Miyazaki",
        "千と千尋の神隠し",
    ),
    ("Black Panther", 2018, ["Action", "Adventure", "Sci-Fi"], 134, "Ryan Coogler", None),
    ("Arrival", 2016, ["Drama", "Mystery", "Sci-Fi"], 116, "Denis Villeneuve", None),
    ("The Martian", 2015, ["Adventure", "Drama", "Sci-Fi"], 144, "Ridley Scott", None),
    ("Parasite", 2019, ["Comedy", "Drama", "Thriller"], 132, "Bong Joon-ho", "기생충"),
    ("Casablanca", 1942, ["Drama", "Romance", "War"], 102, "Michael Curtiz", None),
    ("Seven Samurai", 1954, ["Action", "Drama"], 207, "Akira Kurosawa", "七人の侍"),
    ("Pulp Fiction", 1994, ["Crime", "Drama"], 154, "Quentin Tarantino", None),
    (
        "Amélie",
        2001,
        ["Comedy", "Romance"],
        122,
        "Jean-Pierre Jeunet",
        "Le Fabuleux Destin d'Amélie Poulain",
    ),
    ("Heat", 1995, ["Action", "Crime", "Drama"], 170, "Michael Mann", None),
    ("Alien", 1979, ["Horror", "Sci-Fi"], 117, "Ridley Scott", None),
    (
        "Toy Story",
        1995,
        ["Animation", "Adventure", "Children", "Comedy"],
        81,
        "John Lasseter",
        None,
    ),
    ("Mad Max: Fury Road", 2015, ["Action", "Adventure", "Sci-Fi"], 120, "George Miller", None),
    ("Blade Runner", 1982, ["Sci-Fi", "Thriller"], 117, "Ridley Scott", None),
    ("Get Out", 2017, ["Horror", "Mystery", "Thriller"], 104, "Jordan Peele", None),
    ("Moonlight", 2016, ["Drama"], 111, "Barry Jenkins", None),
    (
        "Everything Everywhere All at Once",
        2022,
        ["Action", "Adventure", "Comedy"],
        139,
        "Daniel Kwan, Daniel Scheinert",
        None,
    ),
]

# Demo raters carry a "demo-" prefix: named alice or bob, they would be the ratings of
# whoever logs in as alice or bob. (rules.check_user_name accepts these names.)
# user, title, score, review
DEMO_RATINGS: list[tuple[str, str, float, str | None]] = [
    ("demo-ana", "The Godfather", 5.0, "An offer I could not refuse."),
    ("demo-ben", "The Godfather", 4.5, None),
    ("demo-cleo", "The Godfather", 5.0, None),
    ("demo-ana", "Spirited Away", 5.0, "Pure wonder."),
    ("demo-ben", "Spirited Away", 4.5, None),
    ("demo-ana", "Inception", 4.5, None),
    ("demo-ben", "Inception", 4.0, None),
    ("demo-cleo", "Inception", 3.5, "Clever, a little cold."),
    ("demo-ana", "The Matrix", 4.0, None),
    ("demo-ben", "The Matrix", 5.0, "Still the best lobby scene."),
    ("demo-cleo", "The Matrix", 4.0, None),
    ("demo-ana", "Arrival", 4.5, None),
    ("demo-cleo", "Arrival", 5.0, None),
    ("demo-ben", "The Martian", 4.0, None),
    ("demo-cleo", "The Martian", 3.5, None),
    ("demo-ana", "Black Panther", 3.5, None),
    ("demo-ben", "Black Panther", 4.0, None),
    ("demo-cleo", "Parasite", 5.0, None),
    ("demo-ana", "Casablanca", 4.5, None),
    ("demo-ben", "Alien", 4.5, None),
    ("demo-cleo", "Heat", 4.0, None),
    ("demo-ana", "Toy Story", 4.0, None),
]


def seed_catalog(uow: UnitOfWork) -> int:
    """Add the starter films and demo ratings to an empty catalog; return how many films
    were added (0 when the catalog already held movies)."""
    if not uow.movies.is_empty():
        return 0
    movies = {}
    for title, year, genres, runtime, director, original in FILMS:
        data = MovieCreate.model_validate(
            {
                "title": title,
                "year": year,
                "genres": genres,
                "runtime_minutes": runtime,
                "directors": split_names(director),
                "original_title": original,
            }
        )
        movies[title] = uow.movies.add_movie(data=data).id
    for user, title, score, review in DEMO_RATINGS:
        movie = uow.movies.resolve_movie(ref=str(movies[title]))
        uow.ratings.rate_movie(movie=movie, user_name=user, score=score, review=review)
    return len(FILMS)
