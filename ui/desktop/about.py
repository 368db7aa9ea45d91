"""The About dialog: name, version, licence and the versions support asks for.

The version is the installed distribution's (pyproject.toml is its one source;
inside the PyInstaller bundle the spec copies the dist-info so
``importlib.metadata`` still finds it). The text holds no links and can be
selected and copied, so a technician can paste it into a support ticket.
"""

from __future__ import annotations

import platform

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import QCoreApplication, Qt, qVersion
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

DISTRIBUTION = "sitebook"
UNKNOWN_VERSION = "0+unknown"  # same fallback as ``ui.cli.version()``
ICON_SIZE = 64


def _tr(text: str) -> str:
    return QCoreApplication.translate("About", text)


def app_version() -> str:
    """Sitebook's version from the installed metadata, or ``0+unknown`` from a bare checkout."""
    from importlib import metadata  # here: importing it costs the window's start ~30 ms

    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        return UNKNOWN_VERSION


def licence() -> str:
    """The licence named in the distribution's metadata (pyproject.toml)."""
    from importlib import metadata

    try:
        text = metadata.metadata(DISTRIBUTION).get("License") or ""
    except metadata.PackageNotFoundError:
        text = ""
    return text.strip() or "Proprietary"


def environment() -> str:
    """One line of component versions for support: Python, Qt, PySide6, OS."""
    return (
        f"Python {platform.python_version()}, Qt {qVersion()}, PySide6 {pyside_version}, "
        f"{platform.system()} {platform.release()}"
    )


class AboutDialog(QDialog):
    """Sitebook's name, version, licence line and component versions; one Close button."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("aboutDialog")
        self.setWindowTitle(_tr("About Sitebook"))

        icon = QApplication.windowIcon()
        self.icon_label = QLabel()
        if not icon.isNull():
            self.icon_label.setPixmap(icon.pixmap(ICON_SIZE, ICON_SIZE))
        self.icon_label.setAlignment(Qt.AlignmentFlag.AlignTop)

        self.name_label = QLabel("Sitebook")
        font = self.name_label.font()
        font.setPointSizeF(font.pointSizeF() * 1.6)
        font.setBold(True)
        self.name_label.setFont(font)
        self.version_label = QLabel(_tr("Version {version}").format(version=app_version()))
        self.summary_label = QLabel(
            _tr("An encrypted, offline documentation vault for IT service providers.")
        )
        self.licence_label = QLabel(
            _tr("Licence: {licence}. All rights reserved.").format(licence=licence())
        )
        self.environment_label = QLabel(environment())
        self.environment_label.setEnabled(False)  # secondary, greyed
        texts = QVBoxLayout()
        for label in (
            self.name_label,
            self.version_label,
            self.summary_label,
            self.licence_label,
            self.environment_label,
        ):
            label.setTextFormat(Qt.TextFormat.PlainText)  # no links, no markup
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            label.setWordWrap(True)
            texts.addWidget(label)

        row = QHBoxLayout()
        row.addWidget(self.icon_label)
        row.addLayout(texts, 1)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(380)

    def text(self) -> str:
        """Everything the dialog says, one line per label (for tests and support)."""
        labels = (
            self.name_label,
            self.version_label,
            self.summary_label,
            self.licence_label,
            self.environment_label,
        )
        return "\n".join(label.text() for label in labels)


def show_about(parent: QWidget | None) -> AboutDialog:
    """Open the About dialog window-modal without blocking (so no test waits on it)."""
    dialog = AboutDialog(parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
    return dialog
