"""Team screens: members and access, the audit log viewer, and the leaver report.

Members: who is in the vault with role, status and fingerprint; Invite writes
the invitation file (to a path the person chooses); Confirm compares the
fingerprint the new member reads out with the one the vault holds before
granting anything; Change role; Revoke re-encrypts every scope the member
could read, through the worker with progress and cancel. Audit log: filter by
client and member, and Verify runs ``vault.verify_audit()``. Leaver report:
what a member touched (revealed or copied) first, then all they could read.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ui.desktop import dialogs, worker
from ui.desktop.progress import JobProgressDialog
from ui.desktop.recordmodel import local_time
from ui.desktop.tablemodel import RowsModel, make_table
from ui.desktop.worker import JobControl
from vault import team
from vault.errors import VaultError
from vault.model import Member
from vault.vault import Vault


class MembersDialog(QDialog):
    """Members with role, status and fingerprint; invite, confirm, change role, revoke."""

    def __init__(self, vault: Vault, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("membersDialog")
        self.setWindowTitle(self.tr("Members and access"))
        self.vault = vault
        self.model = RowsModel(
            [self.tr("Name"), self.tr("Role"), self.tr("Status"), self.tr("Fingerprint")], self
        )
        self.table = make_table(self.model, "memberTable")
        self.message = QLabel()
        self.message.setObjectName("membersMessage")
        self.message.setWordWrap(True)
        self.job: worker.Job | None = None
        buttons = QHBoxLayout()
        for text, slot in (
            (self.tr("&Invite…"), self.invite),
            (self.tr("&Confirm…"), self.confirm),
            (self.tr("Change &role…"), self.change_role),
            (self.tr("Re&voke…"), self.revoke),
        ):
            button = QPushButton(text)
            button.clicked.connect(lambda _c=False, s=slot: s())
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        self.resize(760, 420)
        self.reload()

    def reload(self) -> None:
        """Read the members again."""
        members = self.vault.members()
        self.model.set_rows([(m.name, m.role, m.status, m.fingerprint) for m in members], members)

    def selected(self) -> Member | None:
        """The member selected, or None."""
        index = self.table.currentIndex()  # type: ignore[attr-defined]
        return self.model.payload(index.row()) if index.isValid() else None  # type: ignore[return-value]

    def _say(self, text: str) -> None:
        self.message.setText(text)

    def invite(self) -> Path | None:
        """Ask for a name and role, write the invitation file where the person chooses."""
        name = dialogs.ask_text(self, self.tr("Invite"), self.tr("Name of the new member:"))
        if not name:
            return None
        role = dialogs.ask_item(self, self.tr("Invite"), self.tr("Role:"), list(team.ROLES[1:]))
        if not role:
            return None
        path = dialogs.save_path(
            self, self.tr("Save the invitation file"), f"{name}.sitebook-invite"
        )
        if not path:
            return None
        try:
            invitation = self.vault.invite(name, role)
            Path(path).write_text(invitation.to_json(), encoding="utf-8")
        except (VaultError, OSError) as exc:
            self._say(str(exc))
            return None
        self._say(self.tr("Invitation written. Hand the file to {name}.").format(name=name))
        self.reload()
        return Path(path)

    def confirm(self) -> bool:
        """Compare fingerprints with the selected (pending) member, then confirm them."""
        member = self.selected()
        if member is None:
            self._say(self.tr("Select the member to confirm."))
            return False
        try:
            expected = self.vault.pending_fingerprint(member.id)
        except VaultError as exc:
            self._say(str(exc))
            return False
        heard = dialogs.ask_text(
            self,
            self.tr("Confirm member"),
            self.tr(
                "Ask {name} to read out the fingerprint their app shows and type it here.\n"
                "The vault expects: {fp}"
            ).format(name=member.name, fp=expected),
        )
        if heard is None:
            return False
        try:
            self.vault.confirm_member(member.id, heard)
        except VaultError as exc:
            self._say(str(exc))
            return False
        self._say(self.tr("{name} is confirmed.").format(name=member.name))
        self.reload()
        return True

    def change_role(self) -> bool:
        """Give the selected member another role."""
        member = self.selected()
        if member is None:
            return False
        role = dialogs.ask_item(self, self.tr("Change role"), self.tr("Role:"), list(team.ROLES))
        if not role or role == member.role:
            return False
        try:
            self.vault.set_role(member.id, role)
        except VaultError as exc:
            self._say(str(exc))
            return False
        self.reload()
        return True

    def revoke(self) -> worker.Job | None:
        """Revoke the selected member; re-encryption runs on the worker with progress."""
        member = self.selected()
        if member is None:
            return None
        if not dialogs.confirm(
            self,
            self.tr("Revoke member"),
            self.tr(
                "Revoke {name}? Every client they could read is re-encrypted with a new key."
            ).format(name=member.name),
        ):
            return None
        vault = self.vault

        def work(control: JobControl) -> int:
            return vault.revoke_member(member.id, progress=control.progress)

        def done(count: int) -> None:
            self._say(
                self.tr("{name} revoked; {n} items re-encrypted.").format(name=member.name, n=count)
            )
            self.reload()

        def failed(exc: VaultError) -> None:
            self._say(str(exc))
            self.reload()

        self.job = worker.run(work, on_success=done, on_error=failed, parent=self)
        JobProgressDialog(self.job, self.tr("Revoking"), self.tr("Re-encrypting…"), self).show()
        return self.job


class AuditDialog(QDialog):
    """The audit log, filtered by client and member, with Verify."""

    def __init__(self, vault: Vault, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("auditDialog")
        self.setWindowTitle(self.tr("Audit log"))
        self.vault = vault
        self.client = QComboBox()
        self.client.setObjectName("auditClient")
        self.client.addItem(self.tr("All clients"), None)
        for c in vault.clients():
            self.client.addItem(c.name, c.id)
        self.member = QComboBox()
        self.member.setObjectName("auditMember")
        self.member.addItem(self.tr("All members"), None)
        for m in vault.members():
            self.member.addItem(m.name, m.id)
        self.client.currentIndexChanged.connect(self.reload)
        self.member.currentIndexChanged.connect(self.reload)
        self.verify_button = QPushButton(self.tr("&Verify"))
        self.verify_button.setObjectName("verifyAudit")
        self.verify_button.clicked.connect(self.verify)
        self.result = QLabel()
        self.result.setObjectName("auditVerifyResult")
        self.result.setWordWrap(True)
        self.model = RowsModel(
            [
                self.tr("When"),
                self.tr("Who"),
                self.tr("What"),
                self.tr("Record"),
                self.tr("Details"),
            ],
            self,
        )
        self.table = make_table(self.model, "auditTable")
        top = QHBoxLayout()
        top.addWidget(self.client)
        top.addWidget(self.member)
        top.addStretch(1)
        top.addWidget(self.verify_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.result)
        self.resize(900, 520)
        self.reload()

    def reload(self) -> None:
        """Read the entries for the chosen client and member, newest first."""
        try:
            entries = self.vault.audit_log(
                client=self.client.currentData(), member=self.member.currentData()
            )
        except VaultError as exc:
            self.result.setText(str(exc))
            entries = []
        entries = sorted(entries, key=lambda e: e.seq, reverse=True)
        titles: dict[str, str] = {}
        rows = []
        for e in entries:
            title = ""
            if e.record_id:
                if e.record_id not in titles:
                    try:
                        titles[e.record_id] = self.vault.get_record(e.record_id).title
                    except VaultError:
                        titles[e.record_id] = e.record_id[:8]
                title = titles[e.record_id]
            details = ", ".join(f"{k}={v}" for k, v in sorted(e.details.items()) if k != "member")
            rows.append((local_time(e.created), e.member_name, e.event, title, details))
        self.model.set_rows(rows, entries)

    def verify(self) -> list[str]:
        """Check the chain and say what was found."""
        problems = self.vault.verify_audit()
        if problems:
            self.result.setText(self.tr("Problems found:") + "\n" + "\n".join(problems))
        else:
            self.result.setText(self.tr("The audit log is intact."))
        return problems


class LeaverDialog(QDialog):
    """For a member who leaves: credentials they touched first, then all they could read."""

    def __init__(self, vault: Vault, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("leaverDialog")
        self.setWindowTitle(self.tr("Leaver report"))
        self.vault = vault
        self.member = QComboBox()
        self.member.setObjectName("leaverMember")
        for m in vault.members():
            self.member.addItem(f"{m.name} ({m.role}, {m.status})", m.id)
        self.member.currentIndexChanged.connect(self.reload)
        self.model = RowsModel(
            [self.tr("Priority"), self.tr("Credential"), self.tr("Client")], self
        )
        self.table = make_table(self.model, "leaverTable")
        self.summary = QLabel()
        self.summary.setObjectName("leaverSummary")
        layout = QVBoxLayout(self)
        layout.addWidget(self.member)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        self.resize(760, 480)
        self.reload()

    def reload(self) -> None:
        """Build the report for the chosen member."""
        member_id = self.member.currentData()
        if member_id is None:
            self.model.set_rows([])
            return
        try:
            report = self.vault.leaver_report(member_id)
        except VaultError as exc:
            self.summary.setText(str(exc))
            self.model.set_rows([])
            return
        touched = self.tr("Rotate first (revealed or copied)")
        readable = self.tr("Could read")
        rows, payloads = [], []
        for label, records in ((touched, report.touched), (readable, report.readable)):
            for r in records:
                rows.append((label, r.title, self.vault.scope_name(r.scope_id)))
                payloads.append(r.id)
        self.model.set_rows(rows, payloads)
        self.summary.setText(
            self.tr("{t} touched, {r} more readable.").format(
                t=len(report.touched), r=len(report.readable)
            )
        )
