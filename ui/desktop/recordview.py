"""The record view: one record's fields, relations and secret actions, read-only.

A :class:`SafeBrowser` (a QTextBrowser that loads nothing from the network or the
disk and follows no link by itself) shows the HTML of :mod:`ui.desktop.recordhtml`.
The view holds the decrypted record only while it is shown; :meth:`RecordView.clear`
drops it, the revealed set and the document (on lock).
"""

from __future__ import annotations

import base64
import logging
from html import escape
from urllib.parse import unquote_to_bytes

from PySide6.QtCore import QUrl, Signal
from PySide6.QtGui import QDesktopServices, QImage, QPalette, QTextDocument
from PySide6.QtWidgets import QTextBrowser, QVBoxLayout, QWidget

from ui.desktop import clipboard
from ui.desktop.recordhtml import SCHEME, Colours, Related, render, stylesheet
from ui.desktop.recordmodel import local_time
from ui.desktop.signals import emit
from vault.errors import VaultError
from vault.fields import FieldKind
from vault.model import Record
from vault.vault import Vault

log = logging.getLogger(__name__)

EXTERNAL_SCHEMES = frozenset({"http", "https", "mailto"})


def decode_data_url(url: QUrl) -> bytes | None:
    """The bytes of a ``data:`` URL, or None if it is malformed."""
    text = url.toString(QUrl.ComponentFormattingOption.FullyEncoded)
    header, sep, payload = text.partition(",")
    if not sep or not header.startswith("data:"):
        return None
    try:
        if header.endswith(";base64"):
            return base64.b64decode(payload, validate=False)
        return unquote_to_bytes(payload)
    except ValueError:
        return None


class SafeBrowser(QTextBrowser):
    """A QTextBrowser that loads only inline ``data:`` images and opens no link itself."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setOpenLinks(False)
        self.setOpenExternalLinks(False)

    def loadResource(self, kind: int, name: QUrl) -> object:
        """Return a ``data:`` image; refuse everything else (remote, file, qrc)."""
        if name.scheme() == "data" and kind == QTextDocument.ResourceType.ImageResource:
            data = decode_data_url(name)
            if data:
                image = QImage.fromData(data)
                if not image.isNull():
                    return image
        return None


class RecordView(QWidget):
    """Shows one record; emits :attr:`record_activated` when a related record is clicked."""

    record_activated = Signal(str)
    message = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.browser = SafeBrowser(self)
        self.browser.setObjectName("recordBrowser")
        self.browser.anchorClicked.connect(self._on_anchor)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.browser)
        self._vault: Vault | None = None
        self._record: Record | None = None
        self._revealed: set[str] = set()
        self._html = ""
        self.clear()

    # ------------------------------------------------------------------ public API

    @property
    def record_id(self) -> str | None:
        """The id of the record shown, or None."""
        return self._record.id if self._record else None

    @property
    def revealed(self) -> frozenset[str]:
        """Names of the secret fields shown in clear."""
        return frozenset(self._revealed)

    def set_vault(self, vault: Vault | None) -> None:
        """Use ``vault`` to read records (None on lock)."""
        self._vault = vault
        if vault is None:
            self.clear()

    def show_record(self, record_id: str | None) -> None:
        """Show a record (secrets masked), or the placeholder for None."""
        self._revealed.clear()
        self._record = None
        if record_id is None or self._vault is None:
            self._placeholder(self.tr("Select a record to see it here."))
            return
        try:
            self._record = self._vault.get_record(record_id)
        except VaultError as exc:
            self._placeholder(str(exc))
            return
        self._render()
        self.browser.verticalScrollBar().setValue(0)

    def reveal(self, name: str, on: bool | None = None) -> None:
        """Show (or hide; toggle by default) the secret field ``name`` of the record."""
        if self._record is None or name not in self._secret_names():
            return
        on = name not in self._revealed if on is None else on
        if on:
            self._revealed.add(name)
        else:
            self._revealed.discard(name)
        self._render(keep_scroll=True)

    def copy(self, name: str) -> None:
        """Copy a field's value (secrets are cleared from the clipboard later)."""
        if self._record is None or not self._record.fields.get(name):
            return
        clipboard.copy_secret(self._record.fields[name])
        label = self._label(name)
        text = self.tr("Copied {field}; the clipboard clears in {seconds} s.")
        emit(self.message, text.format(field=label, seconds=clipboard.CLEAR_AFTER_SECONDS))

    def clear(self) -> None:
        """Forget the record, the revealed set and the document."""
        self._record = None
        self._revealed.clear()
        self._placeholder(self.tr("Select a record to see it here."))
        self.browser.clearHistory()

    def html(self) -> str:
        """The HTML last rendered (what the browser shows; for tests and screenshots)."""
        return self._html

    # ------------------------------------------------------------------ rendering

    def _secret_names(self) -> set[str]:
        assert self._vault is not None and self._record is not None
        return self._record.secret_names(self._vault.kinds(self._record))

    def _label(self, name: str) -> str:
        assert self._vault is not None and self._record is not None
        template = self._vault.templates().get(self._record.type)
        found = template.field(name) if template else None
        return found.label if found else name

    def _colours(self) -> Colours:
        palette = self.palette()
        return Colours(
            muted=palette.color(QPalette.ColorRole.PlaceholderText).name(),
            link=palette.color(QPalette.ColorRole.Link).name(),
            code_background=palette.color(QPalette.ColorRole.AlternateBase).name(),
        )

    def _related(self, record_id: str) -> Related:
        assert self._vault is not None
        try:
            other = self._vault.get_record(record_id)
        except VaultError:
            return Related(record_id, None)
        return self._summary(other)

    def _summary(self, other: Record) -> Related:
        assert self._vault is not None
        template = self._vault.templates().get(other.type)
        return Related(other.id, other.title, template.name if template else other.type)

    def _render(self, keep_scroll: bool = False) -> None:
        vault, record = self._vault, self._record
        assert vault is not None and record is not None
        template = vault.templates().get(record.type)
        kinds = vault.kinds(record)
        refs = {
            value: self._related(value)
            for name, value in record.fields.items()
            if kinds.get(name) == FieldKind.REFERENCE and value
        }
        try:
            backlinks = [self._summary(r) for r in vault.backlinks(record.id)]
            scope_name = vault.scope_name(record.scope_id)
        except VaultError as exc:
            log.warning("relations of record %s unavailable: %s", record.id, type(exc).__name__)
            backlinks, scope_name = [], ""
        markup = render(
            record,
            template,
            scope_name=scope_name,
            revealed=self._revealed,
            refs=refs,
            links=[self._related(i) for i in record.links],
            backlinks=backlinks,
            updated=local_time(record.updated),
        )
        self._set_html(markup, keep_scroll)

    def _placeholder(self, text: str) -> None:
        self._set_html(f'<p align="center" class="meta"><br><br>{escape(text)}</p>')

    def _set_html(self, markup: str, keep_scroll: bool = False) -> None:
        bar = self.browser.verticalScrollBar()
        position = bar.value()
        self.browser.document().setDefaultStyleSheet(stylesheet(self._colours()))
        self._html = markup
        self.browser.setHtml(markup)
        if keep_scroll:
            bar.setValue(position)

    # ------------------------------------------------------------------ links

    def _on_anchor(self, url: QUrl) -> None:
        if url.scheme() == SCHEME:
            action, _, arg = url.path().partition("/")
            if action == "reveal":
                self.reveal(arg)
            elif action == "copy":
                self.copy(arg)
            elif action == "record":
                emit(self.record_activated, arg)
        elif url.scheme() in EXTERNAL_SCHEMES:
            QDesktopServices.openUrl(url)
        else:
            log.info("refused to open a link of an unsupported kind")
