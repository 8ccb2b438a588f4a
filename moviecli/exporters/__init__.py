"""Exporters: one module per format, each writing from the store's streams.

moviecli_format.py  moviecli's own format: its name, sections, CSV columns, timestamps
moviecli_json.py    moviecli's own JSON (everything, one record per line)
ratings_csv.py      the ratings with titles and years, for a spreadsheet
letterboxd.py       a user's diary as Letterboxd's import CSV

The reader of moviecli's own format is importers/moviecli_export.py.
"""
