"""The IMDb world: the films IMDb's datasets know, kept apart from the user's catalog.

location.py says where it lives (a separate SQLite file attached as `imdb`, or the schema
`imdb` on PostgreSQL); schema.py its tables; load.py builds a new world from the files
and switches to it at the end; download.py fetches the files; fill.py links and fills
the catalog's films from it; lookup.py reads it."""
