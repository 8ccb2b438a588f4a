"""One module per area. Each is thin: parse and validate, call the repository, render."""
