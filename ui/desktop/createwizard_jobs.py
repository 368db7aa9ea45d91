"""The create-vault wizard's background work: create a pending vault, then keep or discard it.

The vault API makes the recovery key inside :meth:`vault.vault.Vault.create`,
so the vault must exist before its kit can be shown. It is therefore created
under a hidden *pending* name next to the chosen file
(``.northwind.sitebook.pending``) and closed at once; only after the person has
confirmed the recovery key does :func:`finalize` move it to the chosen name
(``os.link`` then unlink, so an existing file is never replaced) and unlock it.
Cancelling calls :func:`discard`, which deletes the pending file: no half vault
and no usable vault whose recovery key nobody confirmed is left behind. A
pending file left by a crash is hidden, is never listed as a vault, and is
removed the next time a vault is created at the same name.

These functions run on a worker thread (they take the job's ``control``) and
import no Qt.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from crypto.kdf import KdfParams, calibrate
from vault import storage
from vault.errors import StorageError, VaultError
from vault.recoverykit import RecoveryKit
from vault.vault import Vault

log = logging.getLogger(__name__)

SUFFIX = ".sitebook"
_SIDE_FILES = ("", "-wal", "-shm", "-journal")


class Control(Protocol):
    """What the jobs need of :class:`ui.desktop.worker.JobControl`."""

    def stage(self, text: str) -> None: ...

    def progress(self, done: int, total: int) -> None: ...


@dataclass(frozen=True)
class PendingVault:
    """A created, closed vault waiting under its pending name for confirmation."""

    path: Path  # the pending file
    target: Path  # where it goes once confirmed
    kit: RecoveryKit


def with_suffix(path: Path) -> Path:
    """``path`` ending in ``.sitebook`` (added when missing)."""
    return path if path.name.lower().endswith(SUFFIX) else path.with_name(path.name + SUFFIX)


def pending_path(target: Path) -> Path:
    """The hidden name a vault has until its recovery key is confirmed."""
    return target.with_name(f".{target.name}.pending")


def discard(path: Path) -> None:
    """Delete a pending vault and its side files (missing ones are fine)."""
    for suffix in _SIDE_FILES:
        with contextlib.suppress(FileNotFoundError):
            Path(f"{path}{suffix}").unlink()


def create_pending(
    control: Control,
    target: Path,
    *,
    name: str,
    owner: str,
    passphrase: str,
    kdf_params: KdfParams | None,
    texts: Callable[[str], str] = str,
) -> PendingVault:
    """Create the vault under its pending name, read what the kit needs, close it.

    Args:
        control: The job's control (stages are shown under the busy bar).
        target: The file the person chose (must not exist yet).
        name: The vault's name.
        owner: The owner's name.
        passphrase: The new passphrase (never logged).
        kdf_params: Key-derivation cost; None calibrates to about a second here.
        texts: Translates the stage texts (``tr`` of the caller).

    Raises:
        VaultError: the target exists, the folder is missing or not writable, bad input.
    """
    if target.exists():
        raise VaultError(f"{target} already exists; choose another file name.")
    if not target.parent.is_dir():
        raise StorageError(target, "its folder does not exist")
    pending = pending_path(target)
    discard(pending)
    if kdf_params is None:
        control.stage(texts("Measuring how fast this computer derives keys…"))
        kdf_params = calibrate()
    control.stage(texts("Creating the vault and its keys…"))
    vault, recovery_key = Vault.create(
        pending, name=name, owner=owner, passphrase=passphrase, kdf_params=kdf_params
    )
    try:
        kit = RecoveryKit(
            vault_name=vault.name,
            file_name=target.name,
            vault_id=vault.vault_id,
            fingerprint=vault.fingerprint(),
            created=dt.date.today(),
            recovery_key=recovery_key,
        )
    except BaseException:
        vault.close()
        discard(pending)
        raise
    vault.close()
    log.info("new vault created, waiting for the recovery key to be confirmed")
    return PendingVault(pending, target, kit)


def finalize(
    control: Control, pending: PendingVault, passphrase: str, texts: Callable[[str], str] = str
) -> Vault:
    """Move the confirmed vault to its chosen name; return it opened and unlocked.

    Raises:
        VaultError: a file appeared at the target meanwhile, or the move failed;
            the pending vault is left as it was, so the person can cancel.
    """
    control.stage(texts("Saving the vault…"))
    _move_without_replacing(pending.path, pending.target)
    discard(pending.path)  # side files of the closed pending vault, if any
    control.stage(texts("Opening the new vault…"))
    vault = Vault.open(pending.target)
    try:
        vault.unlock(passphrase)  # the window reads through the search index; no refresh
    except BaseException:
        vault.close()
        raise
    log.info("new vault confirmed and opened")
    return vault


def _appeared(target: Path) -> VaultError:
    return VaultError(f"{target} appeared meanwhile; nothing was replaced. Cancel and start again.")


def _move_without_replacing(source: Path, target: Path) -> None:
    if target.exists():
        raise _appeared(target)
    try:
        try:
            os.link(source, target)
        except FileExistsError:
            raise _appeared(target) from None
        except OSError as exc:
            if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EMLINK):
                raise
            os.replace(source, target)  # no hard links here (FAT, exFAT): checked above
        else:
            source.unlink()
    except OSError as exc:
        raise StorageError(target, exc.strerror or "the file could not be saved") from None
    storage.fsync_dir(target.parent)
