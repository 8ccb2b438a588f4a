"""How pytest-xdist shares the suite between its workers (`--dist loadscope`, in
pyproject's addopts): a work unit is a module's tests on one engine, and the units known to
take longest go out first.

xdist's own loadscope keeps a whole module on one worker, so a module of both_engines
tests (tests/test_recommend.py: a quarter of the suite's time) ran both its halves on one
worker while the other worker ran out of work. Its templates, shared catalogs and servers
are per engine anyway (conftest's Templates and SharedCatalogs key on the backend), so
splitting a module by engine builds nothing twice. xdist hands out the units with the most
tests first; a unit with one long test (the random arguments, minutes on PostgreSQL)
handed out last made the run wait for it alone, hence LONGEST below."""

from __future__ import annotations

import re

from xdist.scheduler import LoadScopeScheduling

# Modules whose units take longest (the sum of their tests' durations, most first; measured
# with --durations=0, see the README's Developing section). Only the order they start in
# depends on this list: a module missing from it, or a stale order, costs time, not tests.
LONGEST = (
    "tests/test_recommend.py",
    "tests/test_members.py",  # PostgreSQL only: one unit
    "tests/test_hardening2_cli.py",
    "tests/test_reliability_input.py",
    "tests/test_migrations.py",
    "tests/test_import_movielens.py",
    "tests/test_reliability_concurrency.py",
    "tests/test_catalog.py",
    "tests/test_ratings.py",
    "tests/test_hardening2_imports.py",
    "tests/test_import_atomicity.py",
    "tests/test_wheel.py",
)

# A both_engines test's id: tests/test_x.py::test_name[postgresql-more-params]
_ENGINE = re.compile(r"\[(sqlite|postgresql)(?:-|\])")


class EngineScopes(LoadScopeScheduling):
    """loadscope with (module, engine) units, the longest first."""

    _ordered = False

    def _split_scope(self, nodeid: str) -> str:
        module = nodeid.split("::", 1)[0]
        engine = _ENGINE.search(nodeid)
        return f"{module}::{engine[1]}" if engine else module

    def _assign_work_unit(self, node: object) -> None:
        if not self._ordered:
            self._ordered = True
            units = sorted(self.workqueue.items(), key=_priority)
            self.workqueue.clear()
            self.workqueue.update(units)
        super()._assign_work_unit(node)  # type: ignore[arg-type]


def _priority(unit: tuple[str, dict[str, bool]]) -> tuple[int, int, int]:
    scope, tests = unit
    module, _, engine = scope.partition("::")
    rank = LONGEST.index(module) if module in LONGEST else len(LONGEST)
    # PostgreSQL's half of a module is the slower one.
    return rank, 0 if engine == "postgresql" else 1, -len(tests)
