"""The About dialog shows the name, the one version number and the licence, without links."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from ui.cli import version as cli_version
from ui.desktop.about import AboutDialog, app_version, show_about

ROOT = Path(__file__).resolve().parents[2]


def test_version_is_the_cli_version_from_pyproject() -> None:
    assert app_version() == cli_version()
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    assert app_version() in (pyproject["project"]["version"], "0+unknown")


def test_dialog_text(qtbot) -> None:
    dialog = AboutDialog(None)
    qtbot.addWidget(dialog)
    text = dialog.text()
    assert text.splitlines()[0] == "Sitebook"
    assert f"Version {app_version()}" in text
    assert "Licence: Proprietary" in text
    assert "http" not in text and "<a" not in text
    assert dialog.version_label.textFormat() == Qt.TextFormat.PlainText


# The offscreen platform cannot propagate size hints (see tests/ui/conftest.py).
@pytest.mark.qt_log_ignore(r"^This plugin does not support propagateSizeHints\(\)$")
def test_show_about_opens_without_blocking(qtbot) -> None:
    dialog = show_about(None)
    qtbot.addWidget(dialog)
    assert dialog.isVisible()
    dialog.close()
