"""Importers: one module per format, each yielding validated records; `load` writes them.

detect.py           which format a path holds (the header, the folder's files, a .zip)
movielens.py        a GroupLens MovieLens folder (movies, ratings, links, tags)
letterboxd.py       a Letterboxd export: one CSV, the unzipped folder or the .zip
imdb.py             an IMDb "Your ratings", watchlist or list CSV (columns read by name)
trakt.py            a Trakt export (.zip or folder of JSON): history, ratings, watchlist, lists
netflix.py          Netflix's viewing history (Title,Date; locale dates)
moviecli_export.py  moviecli's own JSON and CSV export (reading; writers: exporters/)
records.py          the records they yield (the loader's summary: models.views)
validate.py         every record checked with `rules`, once (a table by record type)
load.py             dispatches records by type, counts; writes through store/bulk and the
                    repositories' rules, one transaction
matching.py         which catalog movie an imported film is (id, external id, title, year)
diary.py            which imported viewings are new (de-duplication against the catalog)
"""

FORMATS = ("movielens", "letterboxd", "imdb", "trakt", "netflix", "moviecli")
