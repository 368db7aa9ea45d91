"""Fixtures of the reliability battery: run size, reproducible randomness, and figures.

* ``full``: True with ``SITEBOOK_RELIABILITY=full`` (``make reliability``): the
  long counts. CI runs the short ones.
* ``rng``: a :class:`random.Random` seeded from ``SITEBOOK_RELIABILITY_SEED`` (or a
  fresh random seed) mixed with the test's id. The seed is printed (shown with a
  failure) and stored with the figures; set the variable to replay a run.
* ``figures``: records a test's runs and failures for ``report.py``; the table
  is also printed at the end of a pytest run that recorded any.
"""

from __future__ import annotations

import os
import random
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.reliability import report

_BASE_SEED = int(
    os.environ.get("SITEBOOK_RELIABILITY_SEED") or random.SystemRandom().randrange(2**32)
)
_RESULTS: list[Path] = []


@pytest.fixture(scope="session")
def results_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The results file of this session, emptied once at the start."""
    path = report.results_path(tmp_path_factory.getbasetemp())
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("", encoding="utf-8")
    _RESULTS.append(path)
    return path


@pytest.fixture
def full() -> bool:
    """True for the long run (``SITEBOOK_RELIABILITY=full``)."""
    return report.full_mode()


@pytest.fixture
def seed(request: pytest.FixtureRequest) -> int:
    """This test's seed: the run's base seed mixed with the test id."""
    value = _BASE_SEED ^ zlib.crc32(request.node.nodeid.encode())
    print(f"reliability seed: SITEBOOK_RELIABILITY_SEED={_BASE_SEED} (test seed {value})")
    return value


@pytest.fixture
def rng(seed: int) -> random.Random:
    """A seeded random generator; see ``seed``."""
    return random.Random(seed)


@dataclass
class Figures:
    """Records figures for one test into the results file."""

    path: Path
    seed: int
    known_defect: bool
    started: float

    def record(
        self,
        test: str,
        runs: int,
        failures: int,
        detail: str = "",
        *,
        seconds: float | None = None,
    ) -> None:
        """Append one row: ``runs`` tries of ``test`` of which ``failures`` failed."""
        report.append(
            self.path,
            {
                "test": test,
                "runs": runs,
                "failures": failures,
                "detail": detail,
                "seed": _BASE_SEED,
                "test_seed": self.seed,
                "mode": "full" if report.full_mode() else "ci",
                "seconds": round(
                    time.perf_counter() - self.started if seconds is None else seconds, 2
                ),
                "known_defect": self.known_defect,
            },
        )


@pytest.fixture
def figures(request: pytest.FixtureRequest, results_file: Path, seed: int) -> Iterator[Figures]:
    """A recorder for this test's figures (marks rows of strict-xfail tests as known defects)."""
    yield Figures(
        results_file,
        seed,
        request.node.get_closest_marker("xfail") is not None,
        time.perf_counter(),
    )


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Print the figures table after a run that recorded any."""
    for path in _RESULTS:
        entries = report.load(path)
        if entries:
            terminalreporter.section("reliability figures")
            terminalreporter.write_line(f"({path})")
            for line in report.format_table(entries).splitlines():
                terminalreporter.write_line(line)
