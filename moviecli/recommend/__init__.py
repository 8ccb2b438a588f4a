"""Recommendations and taste: the only code that imports numpy and scipy.

`views` holds the view models and imports neither, so the renderer can use it; every
other module here is imported only by `recommend`, `taste` and `recommend --evaluate`."""
