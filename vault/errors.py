"""Errors a user can cause, each with a message a technician understands.

Everything under :class:`VaultError` is a known condition (shown inline in the
window, one line on stderr in the CLI). Anything else escaping the core is a bug.
Messages never contain a secret or a field value.
"""

from __future__ import annotations

from vault.codec import shown


class VaultError(Exception):
    """Base class for every known, user-facing vault condition."""


class VaultNotFoundError(VaultError):
    """The vault file does not exist."""

    def __init__(self, path: object) -> None:
        super().__init__(f"No vault at {path}. Check the path, or create one with 'sitebook init'.")


class NotAVaultError(VaultError):
    """The file exists but is not a Sitebook vault (or is a directory, or unreadable)."""

    def __init__(self, path: object, reason: str = "it is not a Sitebook vault") -> None:
        super().__init__(f"Cannot open {path}: {reason}.")


class DamagedHeaderError(VaultError):
    """The vault's header (format, id, members, key parameters) is missing or inconsistent."""

    def __init__(self, path: object, detail: str) -> None:
        super().__init__(f"The vault header of {path} is damaged: {detail}.")


class StateTamperedError(VaultError):
    """The vault's signed state does not verify, so nothing new may be signed on top of it."""

    def __init__(self, detail: str) -> None:
        super().__init__(
            f"The vault's signed state is damaged: {detail}. Nothing was saved; run "
            "'sitebook check' and restore the file from a backup or a sync replica."
        )


class NewerFormatError(VaultError):
    """The vault was written by a newer Sitebook; it is refused and left untouched."""

    def __init__(self, path: object, found: str, supported: str) -> None:
        super().__init__(
            f"{path} uses vault format {found}, newer than this Sitebook understands "
            f"({supported}). Update Sitebook to open it; the file was not changed."
        )


class VaultBusyError(VaultError):
    """Another process holds the vault's write lock."""

    def __init__(self, path: object) -> None:
        super().__init__(
            f"{path} is busy: another Sitebook window or command is writing to it. "
            "Close it or try again in a moment."
        )


class VaultReadOnlyError(VaultError):
    """The vault lives on read-only media or lacks write permission."""

    def __init__(self, path: object, *, upgrade: bool = False) -> None:
        if upgrade:  # an older format is upgraded when opened, which needs a write
            super().__init__(
                f"{path} was written by an older Sitebook and is on read-only media (or "
                "cannot be written); copy it to a writable folder to open it."
            )
        else:
            super().__init__(
                f"{path} is on read-only media or cannot be written; copy it to a writable "
                "folder to change it."
            )


class StorageError(VaultError):
    """The disk refused a write (full, I/O error); nothing was half-written."""

    def __init__(self, path: object, detail: str) -> None:
        super().__init__(f"Could not write {path}: {detail}. Nothing was changed.")
        self.detail = detail


class WrongPassphraseError(VaultError):
    """The passphrase does not unlock this member's keys."""

    def __init__(self) -> None:
        super().__init__("Wrong passphrase.")


class WrongRecoveryKeyError(VaultError):
    """The recovery key is well-formed but does not unlock this vault."""

    def __init__(self) -> None:
        super().__init__("This recovery key does not belong to this vault.")


class RecoveryKeyFormatError(VaultError):
    """A typed recovery key has a typo; the message says which group."""


class LockedError(VaultError):
    """An operation needs keys but the vault is locked."""

    def __init__(self) -> None:
        super().__init__("The vault is locked. Unlock it first.")


class AccessDeniedError(VaultError):
    """The unlocked member holds no key for the scope asked for."""

    def __init__(self, what: str) -> None:
        super().__init__(f"You do not have access to {what}.")


class NotFoundError(VaultError):
    """A record, client, template, member or attachment does not exist."""


class AmbiguousError(VaultError):
    """A name or id prefix matches more than one thing."""


class ChangedElsewhereError(VaultError):
    """A save was based on a version that is no longer the newest (sync or another window).

    Saving anyway would silently replace the other change, so nothing is written;
    the caller keeps the edit and lets the person look at the newer version first.
    """

    def __init__(self, record_id: str) -> None:
        super().__init__(
            f"Record {shown(record_id)} was changed elsewhere (by a sync or another window) "
            "while you edited it. Nothing was saved; reopen it to see the newer version."
        )
        self.record_id = record_id


class DamagedRecordError(VaultError):
    """A stored ciphertext or signature failed verification. Names the record, never its content."""

    def __init__(self, record_id: str, detail: str, version: int | None = None) -> None:
        where = f"record {shown(record_id)}"
        where += f" version {version}" if version is not None else ""
        super().__init__(f"{where} is damaged: {detail}.")
        self.record_id = record_id
        self.version = version


class ValidationError(VaultError):
    """One or more field values are invalid. ``problems`` maps field name to message."""

    def __init__(self, problems: dict[str, str]) -> None:
        self.problems = dict(problems)
        text = "; ".join(f"{name}: {message}" for name, message in self.problems.items())
        super().__init__(f"Invalid input - {text}")


class ImportInputError(VaultError):
    """Bad input in a file being imported: names the file, line or element, and field."""

    def __init__(
        self,
        message: str,
        *,
        file: object = None,
        line: int | None = None,
        field: str | None = None,
    ) -> None:
        where = ", ".join(
            part
            for part in (
                str(file) if file is not None else "",
                f"line {line}" if line is not None else "",
                f"field '{field}'" if field else "",
            )
            if part
        )
        super().__init__(f"{where}: {message}" if where else message)
        self.file, self.line, self.field = file, line, field


class CancelledError(VaultError):
    """Long work was cancelled by the user; nothing was written."""

    def __init__(self) -> None:
        super().__init__("Cancelled; nothing was changed.")


class SyncError(VaultError):
    """Sync with a target failed; nothing local was lost and the next sync picks up from here."""


class SyncTargetUnavailableError(SyncError):
    """The folder or server cannot be reached (offline, stopped, wrong address)."""

    def __init__(self, target: object, detail: str) -> None:
        super().__init__(
            f"Cannot reach the sync target {target}: {detail}. Your changes are kept and "
            "will be sent at the next sync."
        )


class SyncTargetFullError(SyncError):
    """The target refused a write for lack of space (ENOSPC, WebDAV 507)."""

    def __init__(self, target: object) -> None:
        super().__init__(
            f"The sync target {target} is full (no space left). Free space there or ask its "
            "administrator for more quota; your changes are kept and will be sent later."
        )


class SyncAuthError(SyncError):
    """The server refused the user name or password (HTTP 401/403)."""

    def __init__(self, target: object) -> None:
        super().__init__(
            f"The sync target {target} refused the user name or password. Check them with "
            "'sitebook sync --target URL --user NAME' and a new password."
        )


class SyncTargetError(SyncError):
    """The target answered something a sync target must not (not a folder, bad reply)."""

    def __init__(self, target: object, detail: str) -> None:
        super().__init__(f"The sync target {target} failed: {detail}.")
