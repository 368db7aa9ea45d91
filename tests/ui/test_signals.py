"""The emit helper keeps ``True`` alive, and nothing in ui/desktop emits around it."""

from __future__ import annotations

import ast
import gc
import sys
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from ui.desktop.signals import emit

DESKTOP = Path(__file__).resolve().parents[2] / "ui" / "desktop"


class _Sender(QObject):
    plain = Signal()
    valued = Signal(int, object)


def test_emit_keeps_the_reference_count_of_true(qtbot) -> None:
    sender = _Sender()
    seen: list[object] = []
    sender.valued.connect(lambda number, value: seen.append(value))
    gc.collect()
    before = sys.getrefcount(True)
    for number in range(2000):
        emit(sender.plain)
        emit(sender.valued, number, None)
    gc.collect()
    assert len(seen) == 2000
    assert abs(sys.getrefcount(True) - before) < 50  # 6.12.0 unpatched: -4000


def test_ui_desktop_emits_only_through_the_helper() -> None:
    offenders = []
    for path in sorted(DESKTOP.rglob("*.py")):
        if path.name == "signals.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "emit"
            ):
                offenders.append(f"{path.name}:{node.lineno}")
    assert offenders == [], "use ui.desktop.signals.emit(signal, ...) instead of .emit()"
