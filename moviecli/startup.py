"""Python's cyclic garbage collector, paused while a command's modules load.

Loading typer, SQLAlchemy, SQLModel, pydantic and Rich allocates hundreds of thousands
of objects and none of them is garbage, yet the collector walks them over and over as
they arrive (~30 ms of a ~400 ms command on the benchmark machine) and once more while
the interpreter shuts down (~80 ms). So the console script pauses collection first
thing; `resume()`, called when a command is about to open its catalog (its modules are
loaded by then), moves every object alive into the permanent generation and switches
collection back on, so a long command (an import of millions of rows) collects as
usual; and `main()` freezes again at exit, so shutdown does not walk them either.

Only the console script pauses: `app` called directly (CliRunner tests, embedding)
keeps Python's defaults and `resume()` does nothing.
"""

from __future__ import annotations

import gc

_paused = False


def pause() -> None:
    global _paused
    if gc.isenabled():
        gc.disable()
        _paused = True


def resume() -> None:
    global _paused
    if _paused:
        _paused = False
        gc.freeze()
        gc.enable()


def at_exit() -> None:
    """The process is about to end: nothing it could collect matters any more."""
    gc.freeze()
