"""The GUI thread never stalls more than 50 ms (issue #4 §8), measured by a timer watchdog.

A QTimer ticks every 10 ms on the GUI thread and records the largest gap
between ticks while the work runs. Covered: unlocking the small vault (key
derivation and opening the search index on the worker), typing a query into
the search field (debounced search on the worker), and scrolling a 100,000-row
list built from generated catalog rows (not a 100k vault: building one takes
minutes; bench/bench_ui.py opens the real 100k demo vault). Not covered here:
sorting a 100k list by a column, which runs on the GUI thread (one Python sort,
measured by bench_ui).

Each measurement is tried up to three times and the best run must stay under
50 ms: a stall our code causes repeats on every try, while another process
taking the CPU of this shared two-core machine for a moment does not.
"""

from __future__ import annotations

import time

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QTableView

from tests.ui.conftest import OFFSCREEN_NOISE, SIGNAL_TIMEOUT_MS
from tests.ui.test_catalogmodel import make_rows
from ui.desktop.catalogmodel import CatalogProxy, CatalogTableModel
from vault.templates import BUILTIN_TEMPLATES

pytestmark = [pytest.mark.timeout(120), OFFSCREEN_NOISE]
LIMIT_MS = 50
ATTEMPTS = 3


class Watchdog:
    """Largest gap between 10 ms ticks of a GUI-thread timer."""

    def __init__(self) -> None:
        self.timer = QTimer()
        self.timer.setInterval(10)
        self.timer.timeout.connect(self._tick)
        self.last = 0.0
        self.worst = 0.0

    def _tick(self) -> None:
        now = time.perf_counter()
        if self.last:
            self.worst = max(self.worst, (now - self.last) * 1000)
        self.last = now

    def __enter__(self) -> Watchdog:
        self.last = 0.0
        self.timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.timer.stop()


def test_unlock_and_search_as_you_type_never_block(qtbot, window, small_vault) -> None:
    unlock = typing = float("inf")
    for _attempt in range(ATTEMPTS):
        if window.browser is not None and window.unlock_screen.isHidden():
            window.lock()
        with Watchdog() as dog:
            window.unlock_screen.passphrase.setText(small_vault.passphrase)
            with qtbot.waitSignal(window.unlocked, timeout=SIGNAL_TIMEOUT_MS):
                window.unlock_screen.button.click()
        unlock = min(unlock, dog.worst)
        browser = window.browser
        browser.search.clear()
        qtbot.wait(300)
        with Watchdog() as dog, qtbot.waitSignal(browser.list_loaded, timeout=10_000):
            for char in "srv-dc*":
                qtbot.keyClicks(browser.search, char)
                qtbot.wait(30)
        typing = min(typing, dog.worst)
        if unlock < LIMIT_MS and typing < LIMIT_MS:
            break
    assert unlock < LIMIT_MS, f"unlock stalled the GUI for {unlock:.0f} ms (best of tries)"
    assert typing < LIMIT_MS, f"typing stalled the GUI for {typing:.0f} ms (best of tries)"


def test_scrolling_100k_rows_never_blocks(qtbot) -> None:
    model = CatalogTableModel()
    proxy = CatalogProxy()
    proxy.setSourceModel(model)
    view = QTableView()
    qtbot.addWidget(view)
    view.setModel(proxy)
    view.resize(900, 700)
    view.show()
    model.set_rows(make_rows(100_000), BUILTIN_TEMPLATES, {"scope0": "A"})
    bar = view.verticalScrollBar()
    qtbot.wait(50)
    best = float("inf")
    for _attempt in range(ATTEMPTS):
        with Watchdog() as dog:
            for step in range(0, 101):
                bar.setValue(bar.maximum() * step // 100)
                qtbot.wait(5)
            for _ in range(50):
                bar.setValue(bar.value() - bar.pageStep())
                qtbot.wait(5)
        best = min(best, dog.worst)
        if best < LIMIT_MS:
            break
    assert best < LIMIT_MS, f"scrolling stalled the GUI for {best:.0f} ms (best of tries)"
