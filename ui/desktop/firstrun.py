"""First run: create the demo vault in the background, then show its passphrase once.

The demo vault lives at ``data_dir()/demo.sitebook``. It is built under a
temporary name and renamed into place only when complete, with its passphrase
already saved in ``demo-passphrase.txt`` (mode 0600) next to it, so whenever
the demo vault exists a person can get back in; an interrupted or cancelled
build leaves nothing behind. The key-derivation cost is calibrated to about a
second on this machine unless ``SITEBOOK_DEMO_KDF_MIB`` (read for the demo vault
only; tests use 64) or the caller fixes the memory.
"""

from __future__ import annotations

import contextlib
import getpass
import logging
import os
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QObject, Qt, Signal
from PySide6.QtWidgets import QWidget

from crypto.errors import CryptoError
from crypto.kdf import KdfParams, calibrate
from crypto.passwords import generate_passphrase
from ui.desktop import worker
from ui.desktop.firstrundialog import FirstRunDialog
from ui.desktop.progress import JobProgressDialog
from ui.desktop.signals import emit
from ui.desktop.worker import JobControl
from vault import paths
from vault.errors import VaultError
from vault.vault import Vault

log = logging.getLogger(__name__)

DEMO_FILE = "demo.sitebook"
PASSPHRASE_FILE = "demo-passphrase.txt"  # noqa: S105 - a file name
DEMO_RECORDS = 400
DEMO_SEED = 1
PASSPHRASE_WORDS = 5
KDF_ENV = "SITEBOOK_DEMO_KDF_MIB"


def _tr(text: str) -> str:
    return QCoreApplication.translate("FirstRun", text)


def demo_vault_path() -> Path:
    """Where the demo vault lives: ``demo.sitebook`` in the data folder."""
    return paths.data_dir() / DEMO_FILE


def passphrase_file_for(vault_path: Path) -> Path:
    """The file that keeps a demo vault's passphrase (next to the vault)."""
    return vault_path.with_name(PASSPHRASE_FILE)


def demo_kdf_params() -> KdfParams | None:
    """KDF parameters fixed by ``SITEBOOK_DEMO_KDF_MIB``, or None to calibrate."""
    text = os.environ.get(KDF_ENV, "").strip()
    if not text:
        return None
    try:
        return KdfParams(memory_kib=int(text) * 1024).check()
    except (ValueError, CryptoError) as exc:
        log.warning("ignoring %s (%s); calibrating instead", KDF_ENV, type(exc).__name__)
        return None


def write_passphrase_file(path: Path, passphrase: str, vault_path: Path) -> None:
    """Write the demo passphrase, readable by its owner only, atomically."""
    text = (
        "Sitebook demo vault passphrase\n"
        "==============================\n\n"
        f"This unlocks the DEMO vault {vault_path}.\n"
        "The demo vault holds invented sample data only, which is the one reason its\n"
        "passphrase may be kept in a file. Never store the passphrase of a real vault\n"
        "like this.\n\n"
        f"{passphrase}\n"
    )
    tmp = path.with_name(f".{path.name}.tmp")
    with contextlib.suppress(FileNotFoundError):
        tmp.unlink()
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            os.fchmod(handle.fileno(), 0o600)
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise
    _fsync_dir(path.parent)


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _remove(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        with contextlib.suppress(FileNotFoundError):
            Path(f"{path}{suffix}").unlink()


def _owner() -> str:
    try:
        return getpass.getuser() or "Demo owner"
    except (OSError, KeyError):
        return "Demo owner"


@dataclass(frozen=True)
class DemoVault:
    """A freshly created demo vault, unlocked, and what the person must see once."""

    vault: Vault
    passphrase: str
    recovery_key: str
    records: int
    passphrase_file: Path


def create_demo(
    path: Path,
    control: JobControl,
    *,
    kdf_params: KdfParams | None = None,
    records: int = DEMO_RECORDS,
    seed: int = DEMO_SEED,
) -> DemoVault:
    """Build the demo vault at ``path`` (runs on a worker thread); return it unlocked."""
    from vault.demo import build_demo  # here, not at start-up: only a first run needs it
    from vault.demo_data import PROVIDER

    if kdf_params is None:
        control.stage(_tr("Measuring how fast this computer derives keys…"))
        kdf_params = calibrate()
    passphrase = generate_passphrase(words=PASSPHRASE_WORDS)
    building = path.with_name(f".{path.name}.building")
    _remove(building)
    control.stage(_tr("Creating the demo vault…"))
    vault, recovery_key = Vault.create(
        building, name=PROVIDER, owner=_owner(), passphrase=passphrase, kdf_params=kdf_params
    )
    try:
        control.stage(_tr("Writing demo records…"))
        counts = build_demo(vault, records=records, seed=seed, progress=control.progress)
        vault.close()
        control.check()
        write_passphrase_file(passphrase_file_for(path), passphrase, path)
        os.replace(building, path)
        _fsync_dir(path.parent)
    except BaseException:
        vault.close()
        _remove(building)
        raise
    _remove(building)  # leftovers of a WAL the close already folded in
    log.info("demo vault created with %d records", sum(counts.values()))
    control.stage(_tr("Opening the demo vault…"))
    opened = Vault.open(path)
    opened.unlock(passphrase)
    opened.refresh()
    return DemoVault(
        opened, passphrase, recovery_key, sum(counts.values()), passphrase_file_for(path)
    )


class FirstRun(QObject):
    """Runs :func:`create_demo` with a progress dialog, then the first-run dialog.

    Signals: ``dialog_shown(FirstRunDialog)`` once the passphrase is on screen,
    ``done(Vault)`` when the person closes that dialog, ``failed(str)`` when the
    build failed or was cancelled (nothing is left on disk then).
    """

    dialog_shown = Signal(object)
    done = Signal(object)
    failed = Signal(str)

    def __init__(
        self,
        path: Path,
        parent: QWidget,
        *,
        kdf_params: KdfParams | None = None,
        records: int = DEMO_RECORDS,
    ) -> None:
        super().__init__(parent)
        self.path = path
        self._window = parent
        self._kdf_params = kdf_params if kdf_params is not None else demo_kdf_params()
        self._records = records
        self.job: worker.Job | None = None
        self.dialog: FirstRunDialog | None = None
        self.pending: Vault | None = None  # built and unlocked, dialog still open

    @property
    def busy(self) -> bool:
        """True while the demo vault is being built."""
        return self.job is not None and self.job.running

    def start(self) -> None:
        """Start building; a progress dialog shows over the window."""
        log.info("first run: creating the demo vault")
        work = partial(create_demo, self.path, kdf_params=self._kdf_params, records=self._records)
        self.job = worker.run(
            work,
            on_success=self._built,
            on_error=self._error,
            on_crash=self._crash,
            parent=self,
        )
        progress = JobProgressDialog(
            self.job,
            self.tr("Sitebook: first run"),
            self.tr("Preparing the demo vault…"),
            self._window,
        )
        progress.show()

    def _built(self, demo: DemoVault) -> None:
        dialog = FirstRunDialog(
            passphrase=demo.passphrase,
            recovery_key=demo.recovery_key,
            passphrase_file=demo.passphrase_file,
            records=demo.records,
            parent=self._window,
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.pending = demo.vault
        dialog.finished.connect(self._dialog_closed)
        self.dialog = dialog
        dialog.destroyed.connect(lambda *_: setattr(self, "dialog", None))
        dialog.open()
        emit(self.dialog_shown, dialog)

    def _dialog_closed(self, _result: int) -> None:
        vault, self.pending = self.pending, None
        if vault is not None:
            emit(self.done, vault)

    def discard(self) -> None:
        """Close the new vault if the person never got past the dialog (on quit)."""
        vault, self.pending = self.pending, None
        if vault is not None:
            vault.close()

    def _error(self, exc: VaultError) -> None:
        emit(self.failed, str(exc))

    def _crash(self, exc: BaseException) -> None:
        from ui.desktop.crash import show_crash

        show_crash(exc, self._window)
        emit(self.failed, self.tr("The demo vault could not be created."))
