"""Locking when the person walks away: after idle time, and when the session locks.

:class:`IdleLock` watches every keyboard and mouse event of the application and
calls ``lock`` after ``minutes`` without any (0 disables it). The platform delivers
input to a top-level ``QWindow`` before any widget, so the filter sits on each
top-level window (found when one gains focus or the main window is shown), not
on the QApplication: there it ran Python for every paint, timer and layout event
of every widget, and each of those calls waited for the interpreter lock while
a worker thread computed (40–90 ms of GUI stall while the search index opened).
It also locks when the application is suspended
(``QGuiApplication.applicationStateChanged`` to ``ApplicationSuspended``: mobile
platforms and some desktop session managers) and, on Linux, when logind or the
freedesktop screensaver announces a screen lock or suspend over D-Bus (if
QtDBus is available). What is covered: idle time everywhere; screen lock and
suspend on Linux desktops that emit ``org.freedesktop.ScreenSaver.ActiveChanged``
or ``org.freedesktop.login1.Manager.PrepareForSleep``; application suspension
where Qt reports it. Not covered: Windows' WTS session notifications and macOS'
``com.apple.screenIsLocked`` (they need native hooks); idle lock still applies.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import SLOT, QEvent, QObject, Qt, QTimer, Slot
from PySide6.QtGui import QGuiApplication, QWindow

log = logging.getLogger(__name__)

ACTIVITY = frozenset(
    {
        QEvent.Type.KeyPress,
        QEvent.Type.MouseButtonPress,
        QEvent.Type.MouseMove,
        QEvent.Type.Wheel,
        QEvent.Type.TouchBegin,
    }
)


class IdleLock(QObject):
    """Calls ``lock()`` after ``minutes`` of no input, and on session lock or suspend."""

    def __init__(
        self, lock: Callable[[], None], minutes: int, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._lock = lock
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.timeout.connect(self._idle)
        self.set_minutes(minutes)
        app = QGuiApplication.instance()
        if app is not None:
            app.focusWindowChanged.connect(self.watch_windows)  # type: ignore[attr-defined]
            app.applicationStateChanged.connect(self._state_changed)  # type: ignore[attr-defined]
            self.watch_windows()
        self.session_hooks = self._connect_session_bus()

    def watch_windows(self, _focused: QWindow | None = None) -> None:
        """Watch the input of every top-level window (installing twice is harmless)."""
        app = QGuiApplication.instance()
        for window in app.topLevelWindows() if app is not None else []:  # type: ignore[attr-defined]
            window.installEventFilter(self)

    def set_minutes(self, minutes: int) -> None:
        """Lock after ``minutes`` of no input (0: never)."""
        self.minutes = minutes
        if minutes > 0:
            self.timer.setInterval(minutes * 60_000)
            self.timer.start()
        else:
            self.timer.stop()

    def poke(self) -> None:
        """Count as activity (restart the countdown)."""
        if self.minutes > 0:
            self.timer.start()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Any input restarts the countdown; nothing is consumed."""
        if event.type() in ACTIVITY and self.minutes > 0:
            self.timer.start()
        return False

    def _idle(self) -> None:
        log.info("locking after %d idle minutes", self.minutes)
        self._lock()

    def _state_changed(self, state: Qt.ApplicationState) -> None:
        if state == Qt.ApplicationState.ApplicationSuspended:
            log.info("locking: the application was suspended")
            self._lock()

    @Slot(bool)
    def screen_locked(self, active: bool = True) -> None:
        """The session's screen locked (or the machine is about to sleep): lock."""
        if active:
            log.info("locking: screen lock or suspend")
            self._lock()

    def _connect_session_bus(self) -> list[str]:
        """Listen for screen lock and sleep on D-Bus where available; names what is hooked."""
        try:
            from PySide6.QtDBus import QDBusConnection
        except ImportError:
            return []
        hooked: list[str] = []
        slot = SLOT("screen_locked(bool)")
        hooks = (
            (
                "screensaver",
                QDBusConnection.sessionBus(),
                "",
                "/org/freedesktop/ScreenSaver",
                "org.freedesktop.ScreenSaver",
                "ActiveChanged",
            ),
            (
                "logind",
                QDBusConnection.systemBus(),
                "org.freedesktop.login1",
                "/org/freedesktop/login1",
                "org.freedesktop.login1.Manager",
                "PrepareForSleep",
            ),
        )
        for name, bus, service, path, interface, signal in hooks:
            try:
                if bus.isConnected() and bus.connect(service, path, interface, signal, self, slot):
                    hooked.append(name)
            except (TypeError, RuntimeError) as exc:  # bindings differ between versions
                log.info("no %s hook: %s", name, type(exc).__name__)
        return hooked
