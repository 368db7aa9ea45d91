"""The record view: one record's fields, relations and secret actions, read-only.

A :class:`SafeBrowser` (a QTextBrowser that loads nothing from the network or the
disk and follows no link by itself) shows the HTML of :mod:`ui.desktop.recordhtml`.
The view holds the decrypted record only while it is shown; :meth:`RecordView.clear`
drops it, the revealed set and the document (on lock). Only that one record is
decrypted: the titles of related records and the records linking to it
("Linked from") come from the search index when the view has one.
"""

from __future__ import annotations

import base64
import logging
from html import escape
from typing import TYPE_CHECKING
from urllib.parse import unquote_to_bytes

from PySide6.QtCore import QUrl, Signal
from PySide6.QtGui import QDesktopServices, QImage, QPalette, QTextDocument
from PySide6.QtWidgets import QTabWidget, QTextBrowser, QVBoxLayout, QWidget

from ui.desktop import clipboard
from ui.desktop.attachmentspane import AttachmentsPane
from ui.desktop.historypane import HistoryPane
from ui.desktop.recordhtml import SCHEME, Colours, Related, render, stylesheet
from ui.desktop.recordmodel import local_time
from ui.desktop.signals import emit
from ui.desktop.totpstrip import TotpStrip
from vault.errors import VaultError
from vault.fields import FieldKind
from vault.model import Record
from vault.vault import Vault

if TYPE_CHECKING:
    from search import CatalogRow, SearchIndex

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
    changed = Signal(str)  # a record id whose content changed here (restore, attachment)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.browser = SafeBrowser(self)
        self.browser.setObjectName("recordBrowser")
        self.browser.anchorClicked.connect(self._on_anchor)
        self.totp = TotpStrip(self)
        self.totp.copy_requested.connect(self.copy_totp)
        self.attachments = AttachmentsPane(self)
        self.attachments.message.connect(self.message)
        self.attachments.changed.connect(self._attachments_changed)
        self.history = HistoryPane(self)
        self.history.message.connect(self.message)
        self.history.restored.connect(self._restored)
        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("recordTabs")
        self.tabs.addTab(self.browser, self.tr("Record"))
        self.tabs.addTab(self.attachments, self.tr("Attachments"))
        self.tabs.addTab(self.history, self.tr("History"))
        self.tabs.currentChanged.connect(self._tab_changed)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.totp)
        layout.addWidget(self.tabs)
        self._vault: Vault | None = None
        self._index: SearchIndex | None = None
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

    def set_vault(self, vault: Vault | None, index: SearchIndex | None = None) -> None:
        """Use ``vault`` to read records (None on lock) and ``index`` for relations.

        Without an index, relations are read from the vault, which decrypts
        every record once: fine for a small vault, not for 100,000 records.
        """
        self._vault = vault
        self._index = index if vault is not None else None
        if vault is None:
            self.clear()

    @property
    def record(self) -> Record | None:
        """The decrypted record shown, or None."""
        return self._record

    def show_record(self, record_id: str | None) -> None:
        """Show a record (secrets masked), or the placeholder for None."""
        self._revealed.clear()
        self._record = None
        self.totp.clear()
        self._side_tabs_for(None)
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
        kinds = self._vault.kinds(self._record)
        seed = next(
            (v for n, v in self._record.fields.items() if kinds.get(n) == FieldKind.TOTP and v),
            None,
        )
        self.totp.set_seed(seed)
        self._side_tabs_for(self._record.id)

    def _side_tabs_for(self, record_id: str | None) -> None:
        """Fill the attachments tab now (its count is in the tab title); history lazily."""
        count = self.attachments.show_record(self._vault, record_id)
        label = self.tr("Attachments")
        self.tabs.setTabText(1, f"{label} ({count})" if count else label)
        self._history_for: str | None = None
        if self.tabs.currentWidget() is self.history:
            self._tab_changed(self.tabs.currentIndex())
        else:
            self.history.clear()

    def _tab_changed(self, _index: int) -> None:
        if self.tabs.currentWidget() is self.history:
            record_id = self._record.id if self._record else None
            if getattr(self, "_history_for", None) != record_id or record_id is None:
                self.history.show_record(self._vault, record_id)
                self._history_for = record_id

    def _restored(self, record_id: str) -> None:
        self.show_record(record_id)
        self.tabs.setCurrentWidget(self.history)
        emit(self.changed, record_id)

    def _attachments_changed(self) -> None:
        if self._record is not None:
            count = self.attachments.model.rowCount()
            self.tabs.setTabText(1, self.tr("Attachments") + (f" ({count})" if count else ""))
            emit(self.changed, self._record.id)

    def reveal(self, name: str, on: bool | None = None) -> None:
        """Show (or hide; toggle by default) the secret field ``name`` of the record."""
        if self._record is None or name not in self._secret_names():
            return
        on = name not in self._revealed if on is None else on
        if on and name not in self._revealed:
            self._audit("reveal", name)
        if on:
            self._revealed.add(name)
        else:
            self._revealed.discard(name)
        self._render(keep_scroll=True)

    def copy(self, name: str) -> bool:
        """Copy a field's value (cleared from the clipboard later); True if there was one."""
        if self._record is None or not self._record.fields.get(name):
            return False
        if name in self._secret_names():
            self._audit("copy", name)
        clipboard.copy_secret(self._record.fields[name])
        self._copied(self._label(name))
        return True

    def copy_totp(self) -> bool:
        """Copy the current TOTP code; True if the record has one."""
        code = self.totp.current_code()
        if not code or self._record is None:
            return False
        name = next(
            (
                n
                for n in self._record.fields
                if self._vault and self._vault.kinds(self._record).get(n) == FieldKind.TOTP
            ),
            "totp",
        )
        self._audit("copy", name)
        clipboard.copy_secret(code)
        self._copied(self.tr("the one-time code"))
        return True

    def copy_kind(self, what: str) -> bool:
        """Copy the record's username, password or URL ("username", "password", "url")."""
        record, vault = self._record, self._vault
        if record is None or vault is None:
            return False
        kinds = vault.kinds(record)
        if what == "password":
            names = [n for n in record.fields if kinds.get(n) == FieldKind.SECRET]
            names.sort(key=lambda n: n != "password")
        elif what == "url":
            names = [n for n in record.fields if kinds.get(n) == FieldKind.URL]
        else:
            names = [n for n in record.fields if n in ("username", "user", "login", "email")]
        for name in names:
            if self.copy(name):
                return True
        emit(self.message, self.tr("This record has no {what} to copy.").format(what=what))
        return False

    def _copied(self, label: str) -> None:
        text = self.tr("Copied {field}; the clipboard clears in {seconds} s.")
        emit(self.message, text.format(field=label, seconds=clipboard.clear_seconds()))

    def _audit(self, event: str, name: str) -> None:
        """Note a reveal or copy in the audit log (the leaver report reads it)."""
        if self._vault is None or self._record is None:
            return
        try:
            self._vault.log_event(event, self._record.id, field=name)
        except VaultError as exc:
            log.warning("audit entry not written: %s", type(exc).__name__)

    def clear(self) -> None:
        """Forget the record, the revealed set, the document and every tab."""
        self._record = None
        self._revealed.clear()
        self.totp.clear()
        self.attachments.clear()
        self.history.clear()
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
        if self._index is not None:
            row = self._index.rows([record_id]).get(record_id)
            if row is None:
                return Related(record_id, None)
            template = self._vault.templates().get(row.type)
            return Related(row.id, row.title, template.name if template else row.type)
        try:
            other = self._vault.get_record(record_id)
        except VaultError:
            return Related(record_id, None)
        return self._summary(other)

    def _summary(self, other: Record | CatalogRow) -> Related:
        assert self._vault is not None
        template = self._vault.templates().get(other.type)
        return Related(other.id, other.title, template.name if template else other.type)

    def _backlinks(self, record_id: str) -> list[Related]:
        assert self._vault is not None
        found: list[Record] | list[CatalogRow]
        if self._index is not None:
            found = self._index.backlinks(record_id)
        else:
            found = self._vault.backlinks(record_id)
        return [self._summary(r) for r in found]

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
            backlinks = self._backlinks(record.id)
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

    def show_note(self, text: str) -> None:
        """Show ``text`` where a record would be ('' leaves the pane empty)."""
        self.clear()
        self._placeholder(text)

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
