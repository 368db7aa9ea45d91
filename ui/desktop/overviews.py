"""Overviews: one client at a glance, expiry dates across clients, password health.

Drawn from the search index (:class:`search.SearchIndex`), not from decrypting
the vault: counts, list columns and dates (expiry, review, rotation, service
dates, escalation order) are in its catalog. Only what the index never holds is
decrypted, on the worker: the client's agreement (its escalation path) and the
client's credentials, whose passwords password health must look at. Nothing
here writes. Expiry buckets: overdue, within 30 days, within 90 days, for
warranties, licences, agreement ends, credential rotation and review dates
(exceptions, procedures) and any custom date field whose name says expiry
(:func:`search.document.is_due`).
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import logging
import os
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from html import escape

from PySide6.QtWidgets import QComboBox, QDialog, QTextBrowser, QVBoxLayout, QWidget

from crypto import passwords
from search import CatalogRow, SearchIndex
from ui.desktop import worker
from ui.desktop.crash import show_crash
from ui.desktop.tablemodel import RowsModel, make_table
from ui.desktop.worker import JobControl
from vault.errors import VaultError
from vault.ordering import text_order
from vault.vault import Vault

log = logging.getLogger(__name__)

SOON, LATER = 30, 90
EXPIRY_WIDTHS = (120, 100, 220, 320)  # When, Date, Client, Record; What takes the rest
KEY_CONTACTS = 5
RECENT_SERVICE = 5


@dataclass(frozen=True)
class Due:
    """One dated thing that expires or is due."""

    record_id: str
    client: str
    title: str
    what: str
    date: datetime.date
    days: int


@dataclass(frozen=True)
class Health:
    """Password health of one client's credentials (catalog rows; no secret is kept)."""

    weak: list[CatalogRow]
    reused: list[CatalogRow]
    rotation: list[CatalogRow]
    unreadable: int = 0


def due_dates(
    vault: Vault,
    index: SearchIndex,
    today: datetime.date | None = None,
    horizon: int = LATER,
    scope_id: str | None = None,
    check: Callable[[], None] | None = None,
) -> list[Due]:
    """Every expiry or due date up to ``horizon`` days ahead (overdue included), soonest first.

    ``check`` is called every few hundred dates and raises to stop (a worker's
    ``control.check``).
    """
    today = today or datetime.date.today()
    until = (today + datetime.timedelta(days=horizon)).isoformat()
    templates = vault.templates()
    names: dict[str, str] = {}
    out: list[Due] = []
    for number, (row, name, value) in enumerate(index.due(until, scope_id)):
        if check is not None and number % 500 == 0:
            check()
        try:
            date = datetime.date.fromisoformat(value)
        except ValueError:
            continue
        if row.scope_id not in names:
            try:
                names[row.scope_id] = vault.scope_name(row.scope_id)
            except VaultError:
                names[row.scope_id] = row.scope_id[:8]
        template = templates.get(row.type)
        field = template.field(name) if template else None
        out.append(
            Due(
                row.id,
                names[row.scope_id],
                row.title,
                field.label if field else name,
                date,
                (date - today).days,
            )
        )
    return sorted(out, key=lambda d: (d.date, d.client, d.title))


def password_health(
    vault: Vault,
    index: SearchIndex,
    scope_id: str,
    today: datetime.date | None = None,
    check: Callable[[], None] | None = None,
) -> Health:
    """Credentials of one client that are weak (score ≤ 1), reused or due for rotation.

    Rotation dates come from the index; weak and reused need the passwords, so
    the client's credentials (and only those) are decrypted. "Reused" means the
    same password as another credential of the same client. Passwords are
    compared through a keyed hash made for this call, never kept.

    Args:
        vault: The unlocked vault.
        index: Its search index.
        scope_id: The client.
        today: The day rotation is checked against.
        check: Called between records; raises to stop (a worker's ``control.check``).
    """
    today = today or datetime.date.today()
    rows = index.catalog(scope_id, "credential")
    facts = index.facts(r.id for r in rows)
    rotation = [r for r in rows if _on_or_before(facts.get(r.id, {}).get("rotation_due"), today)]
    key = os.urandom(32)
    digests: dict[str, bytes] = {}
    weak: list[CatalogRow] = []
    unreadable = 0
    for row in rows:
        if check is not None:
            check()
        try:
            password = vault.get_record(row.id).fields.get("password", "")
        except VaultError:
            unreadable += 1
            continue
        if not password:
            continue
        digests[row.id] = hmac.new(key, password.encode(), hashlib.sha256).digest()
        if passwords.strength(password)[0] <= 1:
            weak.append(row)
        del password
    seen = Counter(digests.values())
    reused = [r for r in rows if r.id in digests and seen[digests[r.id]] > 1]
    return Health(weak, reused, rotation, unreadable)


def _on_or_before(value: str | None, day: datetime.date) -> bool:
    try:
        return value is not None and datetime.date.fromisoformat(value) <= day
    except ValueError:
        return False


class ExpiryDialog(QDialog):
    """Dates across clients: overdue, within 30 days, within 90 days."""

    def __init__(self, vault: Vault, index: SearchIndex, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("expiryDialog")
        self.setWindowTitle(self.tr("Expiry and due dates"))
        self.model = RowsModel(
            [
                self.tr("When"),
                self.tr("Date"),
                self.tr("Client"),
                self.tr("Record"),
                self.tr("What"),
            ],
            self,
        )
        self.table = make_table(self.model, "expiryTable")
        self.table.setWordWrap(False)
        rows = self.table.verticalHeader()
        rows.setDefaultSectionSize(self.table.fontMetrics().height() + 8)
        for column, width in enumerate(EXPIRY_WIDTHS):
            self.table.setColumnWidth(column, width)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        self.resize(980, 560)
        self.setWindowTitle(self.tr("Expiry and due dates — reading…"))
        # 100,000 records hold some 40,000 dates: read them on the worker.
        self.load_job: worker.Job | None = worker.run(
            lambda control: due_dates(vault, index, check=control.check),
            on_success=self._fill,
            on_error=self._failed,
            parent=self,
        )
        self.finished.connect(self._stop)

    def _stop(self, *_result: object) -> None:
        """Closed (or locked) while reading: stop the job before the dialog goes."""
        if self.load_job is not None:
            self.load_job.stop()

    def _fill(self, items: list[Due]) -> None:
        self.load_job = None
        self.setWindowTitle(self.tr("Expiry and due dates"))
        self.model.set_rows(
            [(self.bucket(d.days), d.date.isoformat(), d.client, d.title, d.what) for d in items],
            [d.record_id for d in items],
        )

    def _failed(self, exc: VaultError) -> None:
        self.load_job = None
        self.setWindowTitle(self.tr("Expiry and due dates"))
        log.info("expiry dates unavailable: %s", type(exc).__name__)

    def bucket(self, days: int) -> str:
        """ "Overdue", "Within 30 days" or "Within 90 days"."""
        if days < 0:
            return self.tr("Overdue")
        return self.tr("Within 30 days") if days <= SOON else self.tr("Within 90 days")


class ClientOverview(QDialog):
    """One client: counts, contacts and escalation, agreement, service, exceptions, health.

    The page is drawn from the index at once; the agreement's escalation path
    and password health (which need decrypting) follow from the worker.
    ``details_job`` is that job while it runs.
    """

    def __init__(
        self,
        vault: Vault,
        index: SearchIndex,
        scope_id: str | None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("clientOverview")
        self.setWindowTitle(self.tr("Client overview"))
        self.vault = vault
        self.index = index
        self.details_job: worker.Job | None = None
        self._generation = 0
        self.html = ""
        self.client = QComboBox()
        self.client.setObjectName("overviewClient")
        for c in vault.clients():
            self.client.addItem(c.name, c.id)
        if scope_id and (at := self.client.findData(scope_id)) >= 0:
            self.client.setCurrentIndex(at)
        self.page = QTextBrowser()
        self.page.setObjectName("overviewPage")
        self.page.setOpenLinks(False)
        self.client.currentIndexChanged.connect(self.reload)
        self.finished.connect(self._stop_details)
        layout = QVBoxLayout(self)
        layout.addWidget(self.client)
        layout.addWidget(self.page, 1)
        self.resize(760, 640)
        self.reload()

    def reload(self) -> None:
        """Render the page for the chosen client, then fetch what needs decrypting."""
        scope = self.client.currentData()
        self._stop_details()
        if scope is None:
            self._show(escape(self.tr("No clients yet.")))
            return
        rows = self.index.catalog(scope)
        agreements = [r for r in rows if r.type == "agreement"]
        self._show(self._page(scope, rows, None, None))
        generation = self._generation
        vault, index = self.vault, self.index

        def work(control: JobControl) -> tuple[list[str], Health]:
            paths = []
            for row in agreements:
                control.check()
                try:
                    paths.append(vault.get_record(row.id).fields.get("escalation_path", ""))
                except VaultError:
                    paths.append("")
            return paths, password_health(vault, index, scope, check=control.check)

        def current() -> bool:
            return generation == self._generation and vault.is_unlocked

        def done(result: tuple[list[str], Health]) -> None:
            if current():
                self.details_job = None
                self._show(self._page(scope, rows, *result))

        def failed(exc: VaultError) -> None:
            if current():
                self.details_job = None
            log.info("client overview details unavailable: %s", type(exc).__name__)

        def crashed(exc: BaseException) -> None:
            if current():
                show_crash(exc, self)
            else:  # the vault was locked under the worker: nothing to show
                log.info("client overview details dropped: %s", type(exc).__name__)

        self.details_job = worker.run(
            work, on_success=done, on_error=failed, on_crash=crashed, parent=self
        )

    def _stop_details(self, *_result: object) -> None:
        """Stop the running details job (on reload, close and lock) and forget it."""
        self._generation += 1
        job, self.details_job = self.details_job, None
        if job is not None:
            job.stop()  # it checks between records: this waits a moment at most

    def _show(self, html: str) -> None:
        self.html = html
        self.page.setHtml(html)

    def _page(
        self,
        scope: str,
        rows: list[CatalogRow],
        paths: list[str] | None,
        health: Health | None,
    ) -> str:
        templates = self.vault.templates()
        counts = Counter(r.type for r in rows)
        parts = [f"<h2>{escape(self.client.currentText())}</h2><p>"]
        parts.append(
            " · ".join(
                f"{escape(templates[t].plural if t in templates else t)}: {n}"
                for t, n in counts.most_common()
            )
        )
        parts.append("</p>")
        contacts = [r for r in rows if r.type == "contact"]
        facts = self.index.facts(r.id for r in contacts)

        def order(r: CatalogRow) -> tuple[float, str]:
            try:
                value = float(facts.get(r.id, {}).get("escalation_order", "") or 99)
            except ValueError:
                value = 99.0
            return value, text_order(r.title)

        parts.append(f"<h3>{escape(self.tr('Key contacts and escalation'))}</h3><ol>")
        for c in sorted(contacts, key=order)[:KEY_CONTACTS]:
            parts.append(
                f"<li>{escape(c.title)} — {escape(c.columns.get('role', ''))} "
                f"{escape(c.columns.get('phone', ''))} {escape(c.columns.get('email', ''))}</li>"
            )
        parts.append("</ol>")
        agreement = templates.get("agreement")
        for number, a in enumerate(r for r in rows if r.type == "agreement"):
            parts.append(f"<h3>{escape(self.tr('Agreement'))}: {escape(a.title)}</h3><p>")
            for key in ("support_hours", "response_time", "ends_on"):
                if a.columns.get(key):
                    field = agreement.field(key) if agreement else None
                    parts.append(
                        f"{escape(field.label if field else key)}: {escape(a.columns[key])}<br>"
                    )
            if paths is None:
                parts.append(f"<i>{escape(self.tr('Reading the escalation path…'))}</i>")
            elif number < len(paths) and paths[number]:
                parts.append(escape(paths[number]).replace("\n", "<br>"))
            parts.append("</p>")
        service = sorted(
            (r for r in rows if r.type == "service-entry"),
            key=lambda r: (r.columns.get("date", ""), r.updated),
            reverse=True,
        )[:RECENT_SERVICE]
        parts.append(f"<h3>{escape(self.tr('Recent service'))}</h3><ul>")
        for s in service:
            parts.append(f"<li>{escape(s.columns.get('date', ''))} — {escape(s.title)}</li>")
        parts.append("</ul>")
        open_ex = [
            r for r in rows if r.type == "exception" and r.columns.get("status", "open") == "open"
        ]
        parts.append(f"<h3>{escape(self.tr('Open exceptions'))}</h3><ul>")
        for e in open_ex:
            parts.append(
                f"<li>{escape(e.title)} ({escape(self.tr('review'))} "
                f"{escape(e.columns.get('review_due', '—'))})</li>"
            )
        parts.append("</ul>")
        parts.append(f"<h3>{escape(self.tr('Password health'))}</h3><p>")
        if health is None:
            parts.append(f"<i>{escape(self.tr('Checking the passwords…'))}</i>")
        else:
            parts.append(
                escape(
                    self.tr("{w} weak, {r} reused, {d} due for rotation").format(
                        w=len(health.weak), r=len(health.reused), d=len(health.rotation)
                    )
                )
            )
        parts.append("</p>")
        return "".join(parts)
