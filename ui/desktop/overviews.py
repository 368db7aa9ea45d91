"""Overviews: one client at a glance, expiry dates across clients, password health.

Built from the records the vault already holds decrypted in memory after
unlock (``vault.list_records``); nothing here writes. Expiry buckets: overdue,
within 30 days, within 90 days, for warranties, licences, agreement ends,
credential rotation and review dates (exceptions, procedures) and any custom
date field whose name says expiry (``*expires*``, ``*expiry*``, ``*_due``).
"""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass
from html import escape

from PySide6.QtWidgets import QComboBox, QDialog, QTextBrowser, QVBoxLayout, QWidget

from crypto import passwords
from ui.desktop.tablemodel import RowsModel, make_table
from vault.fields import FieldKind
from vault.model import Record
from vault.vault import Vault

SOON, LATER = 30, 90


@dataclass(frozen=True)
class Due:
    """One dated thing that expires or is due."""

    record_id: str
    client: str
    title: str
    what: str
    date: datetime.date
    days: int


def _is_expiry(name: str) -> bool:
    return "expire" in name or "expiry" in name or name.endswith("_due") or name == "ends_on"


def due_dates(vault: Vault, today: datetime.date | None = None, horizon: int = LATER) -> list[Due]:
    """Every expiry or due date up to ``horizon`` days ahead (overdue included), soonest first."""
    today = today or datetime.date.today()
    out: list[Due] = []
    for record in vault.list_records():
        kinds = vault.kinds(record)
        template = vault.templates().get(record.type)
        for name, value in record.fields.items():
            if kinds.get(name) != FieldKind.DATE or not _is_expiry(name) or not value:
                continue
            try:
                date = datetime.date.fromisoformat(value)
            except ValueError:
                continue
            days = (date - today).days
            if days <= horizon:
                field = template.field(name) if template else None
                out.append(
                    Due(
                        record.id,
                        vault.scope_name(record.scope_id),
                        record.title,
                        field.label if field else name,
                        date,
                        days,
                    )
                )
    return sorted(out, key=lambda d: d.date)


def password_health(
    vault: Vault, scope_id: str | None, today: datetime.date | None = None
) -> dict[str, list[Record]]:
    """Credentials that are weak (score ≤ 1), reused (same password) or due for rotation."""
    today = today or datetime.date.today()
    creds = [r for r in vault.list_records(type="credential") if r.fields.get("password")]
    counts = Counter(r.fields["password"] for r in creds)
    mine = [r for r in creds if scope_id is None or r.scope_id == scope_id]
    weak = [r for r in mine if passwords.strength(r.fields["password"])[0] <= 1]
    reused = [r for r in mine if counts[r.fields["password"]] > 1]
    due = []
    for r in mine:
        try:
            if (
                r.fields.get("rotation_due")
                and datetime.date.fromisoformat(r.fields["rotation_due"]) <= today
            ):
                due.append(r)
        except ValueError:
            pass
    return {"weak": weak, "reused": reused, "rotation": due}


class ExpiryDialog(QDialog):
    """Dates across clients: overdue, within 30 days, within 90 days."""

    def __init__(self, vault: Vault, parent: QWidget | None = None) -> None:
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
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        self.resize(860, 520)
        items = due_dates(vault)
        self.model.set_rows(
            [(self.bucket(d.days), d.date.isoformat(), d.client, d.title, d.what) for d in items],
            [d.record_id for d in items],
        )

    def bucket(self, days: int) -> str:
        """ "Overdue", "Within 30 days" or "Within 90 days"."""
        if days < 0:
            return self.tr("Overdue")
        return self.tr("Within 30 days") if days <= SOON else self.tr("Within 90 days")


class ClientOverview(QDialog):
    """One client: counts, contacts and escalation, agreement, service, exceptions, health."""

    def __init__(self, vault: Vault, scope_id: str | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("clientOverview")
        self.setWindowTitle(self.tr("Client overview"))
        self.vault = vault
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
        layout = QVBoxLayout(self)
        layout.addWidget(self.client)
        layout.addWidget(self.page, 1)
        self.resize(760, 640)
        self.reload()

    def reload(self) -> None:
        """Render the page for the chosen client."""
        scope = self.client.currentData()
        if scope is None:
            self.page.setHtml(escape(self.tr("No clients yet.")))
            return
        v = self.vault
        records = v.list_records(scope)
        templates = v.templates()
        counts = Counter(r.type for r in records)
        parts = [f"<h2>{escape(self.client.currentText())}</h2><p>"]
        parts.append(
            " · ".join(
                f"{escape(templates[t].plural if t in templates else t)}: {n}"
                for t, n in counts.most_common()
            )
        )
        parts.append("</p>")

        def order(r: Record) -> float:
            try:
                return float(r.fields.get("escalation_order", "") or 99)
            except ValueError:
                return 99.0

        contacts = sorted((r for r in records if r.type == "contact"), key=order)[:5]
        parts.append(f"<h3>{escape(self.tr('Key contacts and escalation'))}</h3><ol>")
        for c in contacts:
            parts.append(
                f"<li>{escape(c.title)} — {escape(c.fields.get('role', ''))} "
                f"{escape(c.fields.get('phone', ''))} {escape(c.fields.get('email', ''))}</li>"
            )
        parts.append("</ol>")
        for a in (r for r in records if r.type == "agreement"):
            parts.append(f"<h3>{escape(self.tr('Agreement'))}: {escape(a.title)}</h3><p>")
            for key in ("support_hours", "response_time", "ends_on"):
                if a.fields.get(key):
                    label = templates["agreement"].field(key)
                    parts.append(
                        f"{escape(label.label if label else key)}: {escape(a.fields[key])}<br>"
                    )
            if a.fields.get("escalation_path"):
                parts.append(escape(a.fields["escalation_path"]).replace("\n", "<br>"))
            parts.append("</p>")
        service = sorted(
            (r for r in records if r.type == "service-entry"),
            key=lambda r: r.fields.get("date", ""),
            reverse=True,
        )[:5]
        parts.append(f"<h3>{escape(self.tr('Recent service'))}</h3><ul>")
        for s in service:
            parts.append(f"<li>{escape(s.fields.get('date', ''))} — {escape(s.title)}</li>")
        parts.append("</ul>")
        open_ex = [
            r for r in records if r.type == "exception" and r.fields.get("status", "open") == "open"
        ]
        parts.append(f"<h3>{escape(self.tr('Open exceptions'))}</h3><ul>")
        for e in open_ex:
            parts.append(
                f"<li>{escape(e.title)} ({escape(self.tr('review'))} "
                f"{escape(e.fields.get('review_due', '—'))})</li>"
            )
        parts.append("</ul>")
        health = password_health(v, scope)
        parts.append(f"<h3>{escape(self.tr('Password health'))}</h3><p>")
        parts.append(
            escape(
                self.tr("{w} weak, {r} reused, {d} due for rotation").format(
                    w=len(health["weak"]), r=len(health["reused"]), d=len(health["rotation"])
                )
            )
        )
        parts.append("</p>")
        self.page.setHtml("".join(parts))
        self.html = "".join(parts)
