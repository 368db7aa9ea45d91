"""Emitting Qt signals from Python: every ``emit`` in ui/desktop goes through :func:`emit`.

PySide6 6.12.0's ``SignalInstance.emit()`` returns ``True`` without taking a
reference to it, so each call from Python drops one of ``True``'s references.
On Python 3.11, where ``True`` is an ordinary reference-counted object, a few
thousand emits later the interpreter frees ``True`` and aborts with "Fatal Python
error: bool_dealloc" (measured: one reference per emit with 6.12.0, none with
6.11.3; Python 3.12 and later make ``True`` immortal, so nothing breaks there).

:func:`emit` emits and, only when a probe at import time has seen this bug,
gives the reference back. A test checks that nothing in ui/desktop calls
``.emit(`` directly. This module can go once PySide6 6.12.0 is excluded.
"""

from __future__ import annotations

import ctypes
import sys
from typing import Any

from PySide6.QtCore import QObject, Signal, SignalInstance


class _Probe(QObject):
    ping = Signal()


def _emit_steals_true(rounds: int = 16) -> bool:
    """True if ``emit()`` drops a reference to ``True`` (PySide6 6.12.0 on Python 3.11)."""
    probe = _Probe()
    before = sys.getrefcount(True)
    for _ in range(rounds):
        probe.ping.emit()
    return before - sys.getrefcount(True) >= rounds


STEALS_TRUE = _emit_steals_true()
_incref = ctypes.pythonapi.Py_IncRef
_incref.argtypes = [ctypes.py_object]
_incref.restype = None


def emit(signal: SignalInstance, *args: Any) -> None:
    """``signal.emit(*args)``, without PySide6 6.12.0's reference-count damage."""
    signal.emit(*args)
    if STEALS_TRUE:
        _incref(True)
