"""The numbers every rule checks against (moviecli.rules writes the rules and
re-exports these). A leaf with nothing to import: options.py reads the year range at
start-up, for `--help`, without loading the rules."""

TITLE_MAX = 300
YEAR_MIN, YEAR_MAX = 1888, 2100
RUNTIME_MIN, RUNTIME_MAX = 1, 1000
USER_NAME_MAX = 64
SCORE_MIN, SCORE_MAX = 0.5, 5.0
GENRE_MAX = 64
TAG_MAX = 255
LIST_NAME_MAX = 100
NOTE_MAX = 2000  # list descriptions, list-item and watchlist notes
PERSON_NAME_MAX = 300  # a director text of schema 0005 (<= TITLE_MAX) becomes one name whole
