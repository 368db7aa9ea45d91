"""The record view's HTML and browser: escaping, Markdown without HTML, no remote loads."""

from __future__ import annotations

import base64

import pytest
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QUrl
from PySide6.QtGui import QDesktopServices, QImage, QTextDocument

from tests.ui.conftest import OFFSCREEN_NOISE
from ui.desktop.recordhtml import MASK, Related, render, render_markdown
from ui.desktop.recordview import RecordView, SafeBrowser
from ui.desktop.signals import emit
from vault.model import Record
from vault.templates import BUILTIN_TEMPLATES

pytestmark = [pytest.mark.timeout(30), OFFSCREEN_NOISE]

EVIL = '<script>alert(1)</script><img src="http://example.invalid/track.png">'


def _credential(**fields: str) -> Record:
    return Record(
        id="a" * 32,
        scope_id="s" * 32,
        type="credential",
        title="Admin <b>bold</b>",
        fields={"username": "admin", "password": "hunter2-secret", **fields},
        tags=("fw",),
    )


def test_markdown_renders_without_raw_html() -> None:
    html = render_markdown(f"# Title\n\n{EVIL}\n\n* item")
    assert "<h1>Title</h1>" in html and "<li>item</li>" in html
    assert "<script>" not in html and "<img" not in html
    assert "&lt;script&gt;" in html


def test_render_escapes_and_masks() -> None:
    template = BUILTIN_TEMPLATES["credential"]
    html = render(_credential(notes=EVIL), template, scope_name="Client <i>")
    assert "Admin &lt;b&gt;bold&lt;/b&gt;" in html
    assert "Client &lt;i&gt;" in html
    assert "<script>" not in html and "<img" not in html
    assert "hunter2-secret" not in html and MASK in html
    assert 'href="sitebook:reveal/password"' in html
    assert 'href="sitebook:copy/password"' in html
    assert ">Username<" in html  # the label from the template's FieldDef


def test_render_reveals_only_named_secrets() -> None:
    template = BUILTIN_TEMPLATES["credential"]
    record = _credential(totp="JBSWY3DPEHPK3PXP")
    html = render(record, template, scope_name="c", revealed={"password"})
    assert "hunter2-secret" in html
    assert "JBSWY3DPEHPK3PXP" not in html


def test_render_lists_relations_and_unreadable_ones() -> None:
    template = BUILTIN_TEMPLATES["credential"]
    html = render(
        _credential(),
        template,
        scope_name="c",
        links=[Related("b" * 32, "srv-dc01", "Configuration"), Related("c" * 32, None)],
        backlinks=[Related("d" * 32, "Rotate <it>", "Procedure")],
    )
    assert f'href="sitebook:record/{"b" * 32}"' in html
    assert "a record you cannot open" in html
    assert "Rotate &lt;it&gt;" in html


def _png_data_url() -> QUrl:
    image = QImage(2, 2, QImage.Format.Format_RGB32)
    image.fill(0xFF0000)
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    return QUrl("data:image/png;base64," + base64.b64encode(bytes(data)).decode())


def test_browser_loads_no_remote_or_local_resource(qtbot, tmp_path) -> None:
    browser = SafeBrowser()
    qtbot.addWidget(browser)
    local = tmp_path / "image.png"
    QImage(2, 2, QImage.Format.Format_RGB32).save(str(local))
    image = QTextDocument.ResourceType.ImageResource
    for url in (
        QUrl("http://example.invalid/x.png"),
        QUrl("https://example.invalid/x.png"),
        QUrl.fromLocalFile(str(local)),
        QUrl("qrc:/qt-project.org/styles/commonstyle/images/file-16.png"),
        QUrl("x.png"),
    ):
        assert browser.loadResource(image, url) is None, url.toString()
    loaded = browser.loadResource(image, _png_data_url())
    assert isinstance(loaded, QImage) and loaded.width() == 2
    assert not browser.openExternalLinks() and not browser.openLinks()


def test_view_opens_only_web_and_mail_links(qtbot, monkeypatch) -> None:
    opened: list[str] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url.toString()))
    view = RecordView()
    qtbot.addWidget(view)
    for url in (
        "https://example.com/a",
        "mailto:a@example.com",
        "file:///etc/passwd",
        "javascript:alert(1)",
        "smb://server/share",
    ):
        emit(view.browser.anchorClicked, QUrl(url))
    assert opened == ["https://example.com/a", "mailto:a@example.com"]


def test_view_without_vault_shows_the_placeholder(qtbot) -> None:
    view = RecordView()
    qtbot.addWidget(view)
    view.show_record("a" * 32)
    assert view.record_id is None
    assert "Select a record" in view.browser.toPlainText()
