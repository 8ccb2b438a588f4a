"""moviecli: a command-line movie catalog and rating tool."""

__version__ = "0.1.0"
