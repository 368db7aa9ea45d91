"""What the desktop platform hands the app: the window icon and macOS file-open events."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QEvent, QUrl
from PySide6.QtGui import QFileOpenEvent
from PySide6.QtWidgets import QApplication

from ui.desktop.appicon import SIZES, app_icon
from ui.desktop.fileopen import FileOpenFilter


def test_app_icon_holds_every_bundled_size(qapp: QApplication) -> None:
    icon = app_icon()
    assert not icon.isNull()
    sizes = sorted(size.width() for size in icon.availableSizes())
    assert sizes == list(SIZES)
    # Qt picks the exact small size rather than scaling the big one down.
    assert icon.pixmap(16, 16).width() == 16


def _send_open(app: QApplication, event: QFileOpenEvent) -> bool:
    assert event.type() == QEvent.Type.FileOpen
    return app.sendEvent(app, event)


def test_vault_opened_before_the_window_exists_waits_for_it(qapp: QApplication) -> None:
    opened: list[Path] = []
    watcher = FileOpenFilter()
    qapp.installEventFilter(watcher)
    try:
        _send_open(qapp, QFileOpenEvent("/srv/share/Contoso.SITEBOOK"))
        assert opened == [] and watcher.pending == [Path("/srv/share/Contoso.SITEBOOK")]
        watcher.set_opener(opened.append)
        assert opened == [Path("/srv/share/Contoso.SITEBOOK")] and watcher.pending == []
        url = QUrl.fromLocalFile("/home/tech/fabrikam.sitebook")
        _send_open(qapp, QFileOpenEvent(url))
        assert opened[-1] == Path("/home/tech/fabrikam.sitebook")
    finally:
        qapp.removeEventFilter(watcher)


def test_other_files_are_left_alone(qapp: QApplication) -> None:
    opened: list[Path] = []
    watcher = FileOpenFilter()
    watcher.set_opener(opened.append)
    qapp.installEventFilter(watcher)
    try:
        _send_open(qapp, QFileOpenEvent("/home/tech/notes.txt"))
        _send_open(qapp, QFileOpenEvent(""))
    finally:
        qapp.removeEventFilter(watcher)
    assert opened == [] and watcher.pending == []
