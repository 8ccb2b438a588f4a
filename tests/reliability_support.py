"""Helpers shared by the tests/test_reliability_*.py files: real subprocesses, bounded
polling."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent


def default_ctrl_c() -> None:
    """preexec_fn for a process a test will send SIGINT: a test run started in the
    background (`&` in a script, nohup) ignores SIGINT, and children inherit that."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def subprocess_env(**extra: str) -> dict[str, str]:
    """The test's environment (temp data folder, user, NO_COLOR) for a child process."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    env.update(extra)
    return env


def close_pipes(process: subprocess.Popen[Any]) -> None:
    """Close a finished child's pipes (left open they are a ResourceWarning, an error in
    this suite, reported against whichever test runs when they are collected)."""
    for stream in (process.stdin, process.stdout, process.stderr):
        if stream is not None:
            stream.close()


def wait_for(condition: Callable[[], object], timeout: float, what: str) -> None:
    """Bounded polling on an observable condition (never sleep-and-hope)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.02)
