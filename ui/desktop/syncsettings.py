"""The sync settings dialog: set, test and clear where this replica syncs.

The target is a folder (with a folder picker) or a WebDAV URL with a user name
and password. It is kept exactly as ``sitebook sync --target`` keeps it: sealed
in the vault for this member through :func:`vault.sync.save_target`; switching
to another target queues this member's changes again (:func:`vault.sync.retarget`),
like the CLI does. A saved password is never put back into the form: leaving the
field empty keeps it. The dialog also shows the current state (target, last
sync, last error, waiting changes, conflicts) and the automatic sync interval.
Test runs in the background; results and errors are shown inline.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ui.desktop import dialogs, worker
from ui.desktop.crash import show_crash
from ui.desktop.settings import Settings
from ui.desktop.signals import emit
from ui.desktop.syncstatus import local_time
from ui.desktop.unlock import ERROR_STYLE
from ui.desktop.worker import JobControl
from vault import errors, sync
from vault.sync import TargetSpec
from vault.sync.targets import shared_folder
from vault.vault import Vault

TEST_TIMEOUT = 15.0


def merged_spec(saved: TargetSpec | None, given: TargetSpec) -> TargetSpec:
    """What to store: a blank user name or password keeps the saved one for the same place."""
    if saved is None or saved.location != given.location or not given.is_webdav:
        return given
    return TargetSpec(given.location, given.user or saved.user, given.password or saved.password)


def _message(exc: errors.VaultError) -> str:
    if isinstance(exc, errors.ValidationError):
        text = "; ".join(exc.problems.values())
        return text[:1].upper() + text[1:] + "."  # "URL", "IPv6" keep their capitals
    return str(exc)


class SyncSettingsDialog(QDialog):
    """Set, test and clear the sync target; see where sync stands."""

    saved = Signal()  # the target was saved or cleared

    def __init__(self, vault: Vault, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("syncSettingsDialog")
        self.setWindowTitle(self.tr("Sync settings"))
        self.setMinimumWidth(560)
        self.vault = vault
        self.settings = settings
        self.test_job: worker.Job | None = None

        self.state = {
            key: QLabel()
            for key in ("target", "last_sync", "last_attempt", "last_error", "pending", "conflicts")
        }
        state_form = QFormLayout()
        for key, caption in (
            ("target", self.tr("Target:")),
            ("last_sync", self.tr("Last sync:")),
            ("last_attempt", self.tr("Last attempt:")),
            ("last_error", self.tr("Last error:")),
            ("pending", self.tr("Waiting to send:")),
            ("conflicts", self.tr("Conflicts:")),
        ):
            label = self.state[key]
            label.setObjectName(f"syncState_{key}")
            label.setWordWrap(True)
            state_form.addRow(caption, label)
        state_box = QGroupBox(self.tr("Now"))
        state_box.setLayout(state_form)

        self.use_folder = QRadioButton(self.tr("A shared &folder"))
        self.use_folder.setObjectName("syncUseFolder")
        self.use_webdav = QRadioButton(self.tr("A &WebDAV server (Nextcloud, ownCloud, …)"))
        self.use_webdav.setObjectName("syncUseWebdav")
        kinds = QButtonGroup(self)
        kinds.addButton(self.use_folder)
        kinds.addButton(self.use_webdav)
        self.folder = QLineEdit()
        self.folder.setObjectName("syncFolder")
        self.folder.setPlaceholderText(self.tr("/mnt/share/Sitebook"))
        self.browse = QPushButton(self.tr("&Browse…"))
        self.browse.setObjectName("syncBrowse")
        self.browse.clicked.connect(self.pick_folder)
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.folder, 1)
        folder_row.addWidget(self.browse)
        self.url = QLineEdit()
        self.url.setObjectName("syncUrl")
        self.url.setPlaceholderText("https://cloud.example/remote.php/dav/files/me/Sitebook/")
        self.user = QLineEdit()
        self.user.setObjectName("syncUser")
        self.password = QLineEdit()
        self.password.setObjectName("syncPassword")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.interval = QSpinBox()
        self.interval.setObjectName("syncInterval")
        self.interval.setRange(0, 24 * 60)
        self.interval.setSuffix(self.tr(" min"))
        self.interval.setSpecialValueText(self.tr("Only when I ask"))
        self.interval.setValue(int(settings.get("sync_interval_minutes")))

        target_form = QFormLayout()
        target_form.addRow(self.use_folder)
        target_form.addRow(self.tr("Folder:"), folder_row)
        target_form.addRow(self.use_webdav)
        target_form.addRow(self.tr("URL:"), self.url)
        target_form.addRow(self.tr("User name:"), self.user)
        target_form.addRow(self.tr("Password:"), self.password)
        target_form.addRow(self.tr("Sync automatically every:"), self.interval)
        target_box = QGroupBox(self.tr("Where this replica syncs"))
        target_box.setLayout(target_form)

        self.message = QLabel()
        self.message.setObjectName("syncMessage")
        self.message.setWordWrap(True)

        buttons = QDialogButtonBox()
        self.test_button = buttons.addButton(
            self.tr("&Test"), QDialogButtonBox.ButtonRole.ActionRole
        )
        self.test_button.setObjectName("syncTest")
        self.clear_button = buttons.addButton(
            self.tr("C&lear target"), QDialogButtonBox.ButtonRole.ResetRole
        )
        self.clear_button.setObjectName("syncClear")
        self.save_button = buttons.addButton(
            self.tr("&Save and sync"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.save_button.setObjectName("syncSave")
        self.save_button.setDefault(True)
        close = buttons.addButton(QDialogButtonBox.StandardButton.Close)
        close.clicked.connect(self.reject)
        self.test_button.clicked.connect(self.test)
        self.clear_button.clicked.connect(self.clear_target)
        self.save_button.clicked.connect(self.save)

        for widget in (self.use_folder, self.use_webdav):
            widget.toggled.connect(self._kind_changed)
        layout = QVBoxLayout(self)
        layout.addWidget(state_box)
        layout.addWidget(target_box)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        self._fill_form()
        self.show_state()

    # ------------------------------------------------------------------ showing

    def _fill_form(self) -> None:
        try:
            saved = sync.load_target(self.vault)
        except errors.SyncError as exc:
            saved = None
            self._say(str(exc), error=True)
        webdav = saved is not None and saved.is_webdav
        (self.use_webdav if webdav else self.use_folder).setChecked(True)
        self.folder.setText("" if saved is None or webdav else saved.location)
        self.url.setText(saved.display if saved is not None and webdav else "")
        self.user.setText((saved.user or "") if saved is not None else "")
        self.password.clear()
        self.password.setPlaceholderText(
            self.tr("saved; leave empty to keep it") if saved is not None and saved.password else ""
        )
        self.clear_button.setEnabled(saved is not None)
        self._kind_changed()

    def _kind_changed(self) -> None:
        webdav = self.use_webdav.isChecked()
        for widget in (self.folder, self.browse):
            widget.setEnabled(not webdav)
        for widget in (self.url, self.user, self.password):
            widget.setEnabled(webdav)

    def show_state(self) -> None:
        """Read the sync status again and show it."""
        found = sync.read_status(self.vault)
        s = self.state
        s["target"].setText(found.target or self.tr("not set"))
        s["last_sync"].setText(local_time(found.last_success) or self.tr("never"))
        s["last_attempt"].setText(local_time(found.last_attempt) or self.tr("never"))
        s["last_error"].setText(found.last_error or self.tr("none"))
        s["last_error"].setStyleSheet(ERROR_STYLE if found.last_error else "")
        s["pending"].setText(self.tr("{n} change(s)").format(n=found.pending_changes))
        s["conflicts"].setText(self.tr("{n} record(s)").format(n=found.conflicts))

    def sync_ended(self, error: BaseException | None) -> None:
        """A sync ended: show the state and say how it went."""
        self.show_state()
        if error is None:
            self._say(self.tr("Synced."))
        elif not isinstance(error, errors.CancelledError):
            self._say(str(error), error=True)

    def _say(self, text: str, *, error: bool = False) -> None:
        self.message.setText(text)
        self.message.setStyleSheet(ERROR_STYLE if error else "")

    # ------------------------------------------------------------------ actions

    def pick_folder(self) -> str:
        """Choose the folder with a folder picker; returns it ('' if cancelled)."""
        path = dialogs.folder_path(self, self.tr("Sync folder"), self.folder.text())
        if path:
            self.use_folder.setChecked(True)
            self.folder.setText(path)
        return path

    def spec(self) -> TargetSpec:
        """The target the form describes (ValidationError when it describes none)."""
        if self.use_webdav.isChecked():
            given = sync.parse_spec(
                self.url.text(), self.user.text().strip() or None, self.password.text() or None
            )
            if not given.is_webdav:
                raise errors.ValidationError({"URL": "give an http:// or https:// address"})
        else:
            given = sync.parse_spec(self.folder.text())
            if given.is_webdav:
                raise errors.ValidationError({"folder": "give a folder path, not a URL"})
        return merged_spec(self._saved(), given)

    def _saved(self) -> TargetSpec | None:
        """The saved target (None when there is none or it is damaged)."""
        try:
            return sync.load_target(self.vault)
        except errors.SyncError:
            return None

    def test(self) -> worker.Job | None:
        """Try to reach the target in the background; say what was found."""
        try:
            spec = self.spec()
        except errors.VaultError as exc:
            self._say(_message(exc), error=True)
            return None
        vault_id = self.vault.vault_id

        def work(_control: JobControl) -> bool:
            target = sync.open_target(spec, timeout=TEST_TIMEOUT)
            try:
                target.list("")
                return bool(target.list(shared_folder(vault_id)))
            finally:
                target.close()

        def done(known: bool) -> None:
            self.test_button.setEnabled(True)
            if known:
                self._say(self.tr("Reachable: this vault already syncs there."))
            else:
                self._say(self.tr("Reachable: this vault has not synced there yet."))

        def failed(exc: errors.VaultError) -> None:
            self.test_button.setEnabled(True)
            self._say(_message(exc), error=True)

        self.test_button.setEnabled(False)
        self._say(self.tr("Testing {target}…").format(target=spec.display))
        self.test_job = worker.run(work, on_success=done, on_error=failed, parent=self)
        return self.test_job

    def save(self) -> bool:
        """Store the target (sealed) and the interval, then ask for a sync."""
        try:
            spec = self.spec()
            saved = self._saved()
            sync.save_target(self.vault, spec)
        except errors.VaultError as exc:
            self._say(_message(exc), error=True)
            return False
        self.password.clear()
        self.settings.set("sync_interval_minutes", self.interval.value())
        self.settings.save()
        text = self.tr("Saved. Syncing with {target}…").format(target=spec.display)
        if saved is not None and saved.location != spec.location:
            queued = sync.retarget(self.vault)
            text = self.tr(
                "Saved. The target changed: {n} change(s) of yours will be sent to the new one."
            ).format(n=queued)
        self._fill_form()
        self._say(text)
        self.show_state()
        emit(self.saved)
        return True

    def clear_target(self) -> bool:
        """Forget the target after asking; sync stops until a new one is set."""
        if not dialogs.confirm(
            self,
            self.tr("Clear sync target"),
            self.tr(
                "Stop syncing this replica? Nothing is deleted here or on the target; "
                "you can set the target again later."
            ),
        ):
            return False
        try:
            sync.forget_target(self.vault)
        except errors.VaultError as exc:
            self._say(_message(exc), error=True)
            return False
        self._fill_form()
        self.show_state()
        self._say(self.tr("The sync target is cleared; this replica no longer syncs."))
        emit(self.saved)
        return True

    def done(self, result: int) -> None:
        """Drop what was typed (a password) on every way out."""
        self.password.clear()
        job, self.test_job = self.test_job, None
        if job is not None and job.running:
            # The test cannot be interrupted mid-request; let it end unseen. Nothing of
            # this dialog stays connected (it is deleted on close), and the job drops its
            # function, with the password in it, as soon as the request has ended.
            owner = self.parent()
            job.succeeded.disconnect()
            job.failed.disconnect()
            job.crashed.disconnect()
            job.crashed.connect(lambda exc: show_crash(exc, owner))
            job.cancel()
            job.setParent(owner)
        super().done(result)
