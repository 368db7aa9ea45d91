"""The sync state in the status bar: one clickable label and the words it shows.

:func:`describe` turns :class:`vault.sync.SyncStatus` (what ``sitebook sync
status`` shows) plus what the window knows right now (a sync running, the error
of the last run) into a short text and a tooltip: not configured, syncing…,
synced at HH:MM, offline or error (the reason in the tooltip), N conflicts.
:class:`SyncStatusLabel` shows it and says when it was clicked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QLabel, QWidget

from ui.desktop.signals import emit
from vault import errors
from vault.sync import SyncStatus

LOCKED, OFF, SYNCING, SYNCED, NEVER, OFFLINE, ERROR, CONFLICTS = (
    "locked",
    "off",
    "syncing",
    "synced",
    "never",
    "offline",
    "error",
    "conflicts",
)


def _tr(text: str) -> str:
    return QCoreApplication.translate("SyncStatus", text)


def local_time(iso: str | None, today: datetime | None = None) -> str:
    """An ISO UTC timestamp as local ``HH:MM`` today, else ``YYYY-MM-DD HH:MM`` ('' if none)."""
    if not iso:
        return ""
    try:
        moment = datetime.fromisoformat(iso).astimezone()
    except ValueError:
        return ""
    today = today or datetime.now().astimezone()
    if moment.date() == today.date():
        return moment.strftime("%H:%M")
    return moment.strftime("%Y-%m-%d %H:%M")


@dataclass(frozen=True)
class SyncView:
    """What the status bar shows: a state name, a short text and a tooltip."""

    state: str
    text: str
    tooltip: str


def describe(
    status: SyncStatus | None,
    *,
    running: bool = False,
    error: BaseException | None = None,
    progress: tuple[int, int] = (0, 0),
) -> SyncView:
    """The status-bar words for a sync status.

    Args:
        status: The unlocked member's status; None while the vault is locked.
        running: A sync runs now.
        error: The error of this session's last run (None after a success).
        progress: (packs done, total) of the run, (0, 0) when unknown.
    """
    if status is None:
        return SyncView(LOCKED, _tr("Sync: locked"), _tr("Unlock the vault to sync."))
    if status.target is None:
        return SyncView(
            OFF,
            _tr("Sync: not configured"),
            _tr("No sync target is set. Click to set a shared folder or a WebDAV server."),
        )
    lines = [_tr("Target: {target}").format(target=status.target)]
    when = local_time(status.last_success)
    lines.append(_tr("Last sync: {when}").format(when=when or _tr("never")))
    if status.pending_changes:
        lines.append(_tr("Changes waiting to be sent: {n}").format(n=status.pending_changes))
    if status.waiting:
        lines.append(_tr("Packs waiting for a key: {n}").format(n=status.waiting))
    if status.rejected:
        lines.append(_tr("Refused packs: {n}").format(n=len(status.rejected)))
    if status.refused:
        lines.append(_tr("Set-aside changes: {n}").format(n=len(status.refused)))
    if status.conflicts:
        lines.append(_tr("Records in conflict: {n} (click to resolve)").format(n=status.conflicts))
    failure = str(error) if error is not None else status.last_error
    if running:
        done, total = progress
        text = _tr("Sync: syncing…")
        if total > 0:
            text = _tr("Sync: syncing… {done}/{total}").format(done=done, total=total)
        return SyncView(SYNCING, text, "\n".join(lines))
    if failure:
        lines.insert(0, failure)
        offline = isinstance(error, errors.SyncTargetUnavailableError)
        if offline:
            return SyncView(OFFLINE, _tr("Sync: offline"), "\n".join(lines))
        return SyncView(ERROR, _tr("Sync: error"), "\n".join(lines))
    if status.conflicts:
        text = (
            _tr("Sync: 1 conflict")
            if status.conflicts == 1
            else _tr("Sync: {n} conflicts").format(n=status.conflicts)
        )
        return SyncView(CONFLICTS, text, "\n".join(lines))
    if not when:
        return SyncView(NEVER, _tr("Sync: not synced yet"), "\n".join(lines))
    return SyncView(SYNCED, _tr("Sync: synced at {time}").format(time=when), "\n".join(lines))


class SyncStatusLabel(QLabel):
    """The status-bar label; a click opens the conflicts view or the sync settings."""

    clicked = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("syncState")
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.state = ""
        self.show_view(describe(None))

    def show_view(self, view: SyncView) -> None:
        """Show a :class:`SyncView`."""
        self.state = view.state
        self.setText(view.text)
        self.setToolTip(view.tooltip)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        """A left click is a request to see more."""
        if event.button() == Qt.MouseButton.LeftButton:
            emit(self.clicked)
        super().mouseReleaseEvent(event)
