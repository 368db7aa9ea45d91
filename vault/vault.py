"""The vault: one encrypted SQLite file, opened, unlocked and edited through this API.

The CLI and the desktop window are two faces on this class. It owns the file's
life cycle (create, open, unlock, lock, close), members' passphrases, scopes
(clients), and records with their history, relations and attachments. Record
contents, client names, tags and attachment names only ever reach the file sealed.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

from crypto import aead, kdf, keys, recovery
from crypto.errors import CryptoError
from vault import attachments as att
from vault import audit, errors, schema, sealed, state, storage, team
from vault.codec import as_bytes, ctx, is_id, is_stamp, new_id, now, shown
from vault.fields import FieldKind
from vault.keyring import (
    Keyring,
    open_with_passphrase,
    open_with_recovery,
    seal_recovery,
    seal_secrets,
)
from vault.members import MemberOps
from vault.model import Attachment, CheckReport, Client, Member, Record
from vault.ordering import text_order
from vault.recordstore import RecordStore
from vault.sync.conflicts import ConflictOps

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]

# Meta values that hold ids; a damaged one refuses the vault at open, naming the key.
_ID_META = (
    "vault_id",
    "shared_scope",
    "internal_scope",
    "local_member",
    "root_member",
    "root_nonce",
)


class Vault(RecordStore, MemberOps, ConflictOps):
    """An open vault file; unlock it to read or write anything encrypted."""

    def __init__(self, path: Path, conn: sqlite3.Connection) -> None:
        self.path = Path(path)
        self._conn = conn
        self._conn.row_factory = sqlite3.Row
        meta = self._read_meta()
        self.vault_id: str = meta["vault_id"]
        self.shared_scope_id: str = meta["shared_scope"]
        self.internal_scope_id: str = meta["internal_scope"]
        self._default_member: str | None = meta.get("local_member")
        self._keyring: Keyring | None = None
        self._meta = meta
        self._tx_depth = 0
        self._bulk_depth = 0
        self._state_delta: int | None = None
        self._state_signed: state.Stored | None = None  # the last state this object signed
        self._state_upgrade = 0  # scope rows a format 1.1 state left out (state.before_change)
        self._file_id = _file_identity(self.path)  # which file the connection opened (sibling)
        super().__init__()

    # ------------------------------------------------------------------ life cycle

    @classmethod
    def create(
        cls,
        path: str | os.PathLike[str],
        *,
        name: str,
        owner: str,
        passphrase: str,
        kdf_params: kdf.KdfParams | None = None,
    ) -> tuple[Vault, str]:
        """Create a new vault with an owner; return it unlocked and the recovery key.

        The recovery key is shown to the person once and never stored in clear.
        The file appears at ``path`` only when it is complete.
        """
        path = Path(path)
        if path.exists():
            raise errors.VaultError(f"{path} already exists; choose another file name.")
        _check_passphrase(passphrase)
        name = _clean_label(name, "name")
        owner = _clean_label(owner, "owner")
        params = (kdf_params or kdf.calibrate()).check()
        if params.memory_kib < kdf.FLOOR_MEMORY_KIB:
            raise errors.ValidationError({"kdf": "memory must be at least 64 MiB"})
        tmp = path.with_name(f".{path.name}.creating")
        storage.discard(tmp)
        try:
            conn = sqlite3.connect(str(tmp), isolation_level=None)
            conn.execute("PRAGMA user_version").fetchone()
        except sqlite3.Error as exc:
            storage.discard(tmp)
            raise errors.StorageError(path, "its folder is missing or not writable") from exc
        # Any failure from here removes the half-built file and raises StorageError.
        with storage.creating(tmp, path):
            try:
                conn.execute("PRAGMA journal_mode = DELETE")
                conn.execute("PRAGMA secure_delete = ON")
                schema.migrate(conn)
                member_id, shared, internal, nonce = new_id(), new_id(), new_id(), new_id()
                member_keys = keys.MemberKeys.generate()
                vault_id = team.derive_vault_id(member_keys.signing_public, nonce)
                recovery_text = recovery.generate()
                salt, sealed = seal_secrets(passphrase, member_keys, vault_id, member_id, params)
                ring = Keyring(vault_id, member_id, member_keys)
                created = now()
                conn.execute("BEGIN IMMEDIATE")
                conn.executemany(
                    "INSERT INTO meta (key, value) VALUES (?, ?)",
                    [
                        ("vault_id", vault_id),
                        ("root_member", member_id),
                        ("root_nonce", nonce),
                        ("shared_scope", shared),
                        ("internal_scope", internal),
                        ("local_member", member_id),
                        ("created", created),
                    ],
                )
                conn.execute(
                    "INSERT INTO members (id, created, status, exchange_public, signing_public, "
                    "kdf, salt, secrets, recovery_secrets) "
                    "VALUES (?, ?, 'active', ?, ?, ?, ?, ?, ?)",
                    (
                        member_id,
                        created,
                        member_keys.exchange_public,
                        member_keys.signing_public,
                        params.to_json(),
                        salt,
                        sealed,
                        seal_recovery(
                            recovery.parse(recovery_text), member_keys, vault_id, member_id
                        ),
                    ),
                )
                conn.execute(
                    "INSERT INTO scopes (id, kind, parent, key_version, created) "
                    "VALUES (?, 'shared', NULL, 1, ?)",
                    (shared, created),
                )
                conn.execute("COMMIT")
            finally:
                conn.close()
            conn = storage.connect(tmp, create=True)
            try:
                vault = cls.__new__(cls)
                vault.path = tmp
                vault._conn = conn
                conn.row_factory = sqlite3.Row
                vault.vault_id, vault.shared_scope_id = vault_id, shared
                vault.internal_scope_id = internal
                vault._default_member = member_id
                vault._keyring = ring
                vault._tx_depth = 0
                vault._bulk_depth = 0
                vault._state_delta = None
                vault._state_signed = None
                vault._state_upgrade = 0
                vault._meta = {"root_member": member_id, "root_nonce": nonce}
                RecordStore.__init__(vault)
                shared_key = aead.new_key()
                ring.remember(shared, 1, shared_key)
                root = team.MemberState(
                    member_id=member_id,
                    name=owner,
                    role=team.OWNER,
                    clients=None,
                    internal=True,
                    status="active",
                    signing_public=member_keys.signing_public,
                    exchange_public=member_keys.exchange_public,
                    since=created,
                    version=1,
                )
                with vault.transaction():
                    vault._state_change(add=state.scope_element(shared, "shared", None, created))
                    vault._write_member(root)
                    ring.grant(conn, shared, 1, shared_key, member_id, member_keys.exchange_public)
                    vault._write_label(shared, name)
                    vault._new_scope(internal, "internal", "Provider internal")
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            finally:
                conn.close()
            os.replace(tmp, path)
        storage.fsync_dir(path.parent)
        storage.discard(tmp)  # its -wal and -shm
        try:
            opened = cls.open(path)
        except errors.VaultError:
            storage.discard(path)  # nobody has seen its recovery key: it cannot be kept
            raise
        opened._keyring = Keyring(vault_id, member_id, member_keys)
        return opened, recovery_text

    @classmethod
    def open(cls, path: str | os.PathLike[str]) -> Vault:
        """Open a vault file (locked). Refuses non-vaults and newer formats untouched."""
        path = Path(path)
        user_version, _ = storage.read_header(path)
        conn = storage.connect(path)
        try:
            if schema.unpack_version(user_version)[1] < schema.FORMAT_MINOR:
                if storage.is_read_only(conn):  # the upgrade would have to write
                    raise errors.VaultReadOnlyError(path, upgrade=True)
                try:
                    schema.migrate(conn)
                except sqlite3.OperationalError as exc:
                    if storage.translate(exc, path) is not exc:
                        raise
                    # Each migration is one transaction: the file is as it was.
                    raise errors.DamagedHeaderError(
                        path, "its tables are missing or damaged, so it cannot be upgraded"
                    ) from None
            return cls(path, conn)
        except sqlite3.Error as exc:
            conn.close()
            raise storage.translate(exc, path) from None
        except BaseException:
            conn.close()
            raise

    def _read_meta(self) -> dict[str, str]:
        try:
            tables = {
                r[0]
                for r in self._conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            }
            if not tables >= schema.TABLES:
                missing = ", ".join(sorted(schema.TABLES - tables))
                raise errors.DamagedHeaderError(self.path, f"tables are missing ({missing})")
            rows = self._conn.execute("SELECT key, value FROM meta").fetchall()
            members = self._conn.execute("SELECT count(*) FROM members").fetchone()[0]
        except sqlite3.DatabaseError as exc:
            translated = storage.translate(exc, self.path)
            if isinstance(translated, errors.VaultError) and not isinstance(
                translated, errors.NotAVaultError
            ):
                raise translated from None
            raise errors.DamagedHeaderError(
                self.path, "its tables are missing or damaged"
            ) from None
        meta = {row[0]: row[1] for row in rows}
        for key in ("vault_id", "shared_scope", "internal_scope"):
            if not meta.get(key):
                raise errors.DamagedHeaderError(self.path, f"'{key}' is missing")
        for key in _ID_META:
            if key in meta and not is_id(meta[key]):
                raise errors.DamagedHeaderError(self.path, f"'{key}' is not a valid id")
        if members == 0:
            raise errors.DamagedHeaderError(self.path, "it has no members")
        return meta

    def close(self) -> None:
        """Lock and close the file."""
        self.lock()
        with contextlib.suppress(sqlite3.Error):
            self._conn.close()

    def __enter__(self) -> Vault:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ unlocking

    @property
    def read_only(self) -> bool:
        """True when the vault was opened read-only (read-only media or no write permission).

        It can be unlocked and read; every write raises VaultReadOnlyError, and
        unlocking is not recorded in the audit log.
        """
        return storage.is_read_only(self._conn)

    @property
    def is_unlocked(self) -> bool:
        """True while keys are held."""
        return self._keyring is not None

    @property
    def member_id(self) -> str:
        """The unlocked member's id."""
        return self._ring().member_id

    def _member_row(self, member_id: str | None) -> sqlite3.Row:
        """The members row to unlock: an exact id, a unique prefix a person typed, or the local
        member (exact). Its status is only a hint: the signed membership decides after unlock."""
        typed = member_id is not None
        member_id = member_id or self._default_member
        if member_id is None:
            rows = self._conn.execute("SELECT * FROM members WHERE status = 'active'").fetchall()
            if len(rows) != 1:
                raise errors.VaultError("Several members use this vault; say which one (--member).")
            return rows[0]
        row = self._conn.execute("SELECT * FROM members WHERE id = ?", (member_id,)).fetchone()
        if row is None and typed and len(member_id) >= 4:
            rows = self._conn.execute(
                "SELECT * FROM members WHERE substr(id, 1, ?) = ? LIMIT 2",
                (len(member_id), member_id.strip().lower()),
            ).fetchall()
            row = rows[0] if len(rows) == 1 else None
        if row is None:
            raise errors.NotFoundError(f"No member {member_id} in this vault.")
        return row

    def unlock(self, passphrase: str, member_id: str | None = None) -> None:
        """Unlock with a member's passphrase (the vault's local member by default)."""
        row = self._member_row(member_id)
        member_keys = open_with_passphrase(row, passphrase, self.vault_id)
        self._keyring = Keyring(self.vault_id, row["id"], member_keys)
        self._after_unlock("passphrase")

    def unlock_with_recovery(self, text: str, member_id: str | None = None) -> None:
        """Unlock with a typed recovery key from the emergency kit."""
        try:
            secret = recovery.parse(text)
        except CryptoError as exc:
            raise errors.RecoveryKeyFormatError(str(exc)) from None
        row = self._member_row(member_id)
        member_keys = open_with_recovery(row, secret, self.vault_id)
        self._keyring = Keyring(self.vault_id, row["id"], member_keys)
        self._after_unlock("recovery key")

    def _after_unlock(self, how: str) -> None:
        """Refuse members who are not (or no longer) active; record the unlock."""
        try:
            me = self.member_state()
        except errors.VaultError:
            row = self._conn.execute(
                "SELECT status FROM members WHERE id = ?", (self._ring().member_id,)
            ).fetchone()
            self.lock()
            if row is not None and row[0] == "revoked":  # their grants went with them
                raise errors.AccessDeniedError("this vault (the member was removed)") from None
            raise errors.AccessDeniedError(
                "this vault yet: an admin must confirm your membership first"
            ) from None
        if me.status == "revoked":
            self.lock()
            raise errors.AccessDeniedError("this vault (the member was removed)")
        if not me.active:
            self.lock()
            raise errors.AccessDeniedError(f"this vault (your membership is {me.status})")
        if self.read_only:  # nothing can be written: say so instead of trying
            log.info("vault is read-only: this unlock is not recorded in its audit log")
            return
        try:
            with self.transaction():
                self._audit("unlock", None, {"with": how})
        except (errors.VaultReadOnlyError, errors.StorageError, errors.VaultBusyError):
            log.warning("unlock could not be written to the audit log (read-only or busy)")
        except errors.DamagedHeaderError:  # reads still work; check() names the damage
            log.warning("unlock could not be written to the audit log (damaged vault state)")
        except errors.StateTamperedError:  # never re-sign it; check() names the damage
            log.warning("unlock could not be written to the audit log (signed state damaged)")
        log.info("vault unlocked")

    # ------------------------------------------------------------------ audit

    def _audit(
        self, event: str, scope_id: str | None, details: dict, record_id: str | None = None
    ) -> None:
        """Append an audit entry inside the current transaction (skipped in bulk work)."""
        if self._bulk_depth and event in ("create", "edit"):
            return
        audit.append(self, event, scope_id or self.shared_scope_id, record_id, details)

    def log_event(
        self,
        event: str,
        record_id: str | None = None,
        *,
        scope_id: str | None = None,
        **details: object,
    ) -> None:
        """Record something a person did outside the vault's own writes (reveal, copy, export)."""
        if event not in audit.EVENTS:
            raise ValueError(f"unknown audit event {event}")
        if record_id and scope_id is None:
            scope_id = self.get_record(record_id).scope_id
        with self.transaction():
            self._audit(event, scope_id, dict(details), record_id)

    @contextlib.contextmanager
    def bulk(self, event: str, scope_id: str | None, **details: object) -> Iterator[None]:
        """One transaction for bulk work (import, demo) with one audit entry instead of many."""
        with self.transaction():
            self._bulk_depth += 1
            try:
                yield
            finally:
                self._bulk_depth -= 1
            self._audit(event, scope_id, dict(details))

    def audit_log(self, *, client: str | None = None, member: str | None = None) -> list:
        """Readable audit entries, optionally for one client and/or one member."""
        scopes = {self.find_client(client).id} if client else None
        member_id = self._resolve_member(member) if member else None
        return audit.read(self, scope_ids=scopes, member_id=member_id)

    def verify_audit(self) -> list[str]:
        """Problems in the audit chain (empty when intact)."""
        return audit.verify(self)

    def lock(self) -> None:
        """Drop every key and every decrypted value held by this object."""
        if self._keyring is not None:
            self._keyring.forget()
        self._keyring = None
        self._forget_cache()
        log.info("vault locked")

    def sibling(self) -> Vault:
        """A second connection to this file, unlocked as the same member, for background work.

        It has its own transactions and caches, so work on another thread (a sync)
        never joins or rolls back a transaction of this object. The keys are shared
        by value (no key derivation, no audit entry); lock or close it on its own.

        Raises:
            VaultError: the path now names another file (a different vault id, or
                another device and inode than this object's file): the keys are
                never handed to it.
        """
        ring = self._ring()
        other = Vault.open(self.path)
        mine, theirs = getattr(self, "_file_id", None), other._file_id
        same_file = mine is not None and theirs is not None and (mine == theirs or mine[1] == 0)
        if other.vault_id != self.vault_id or not same_file:
            other.close()  # the keys never meet another file
            raise errors.VaultError(
                f"{self.path} is no longer the file this vault was opened from (it was "
                "replaced or moved meanwhile). Close the vault and open it again."
            )
        other._keyring = Keyring(self.vault_id, ring.member_id, ring.keys)
        return other

    def forget_cached(self) -> None:
        """Drop cached memberships, names and decrypted records (another connection wrote)."""
        self._forget_cache()

    def _ring(self) -> Keyring:
        if self._keyring is None:
            raise errors.LockedError()
        return self._keyring

    def change_passphrase(
        self, new_passphrase: str, kdf_params: kdf.KdfParams | None = None
    ) -> None:
        """Re-seal the unlocked member's keys under a new passphrase (one transaction).

        Nothing else is re-encrypted; a crash leaves exactly one of old and new valid.
        """
        _check_passphrase(new_passphrase)
        ring = self._ring()
        row = self._member_row(ring.member_id)
        params = kdf_params or kdf.KdfParams.from_json(row["kdf"])
        salt, sealed = seal_secrets(
            new_passphrase, ring.keys, self.vault_id, ring.member_id, params
        )
        with self.transaction() as conn:
            conn.execute(
                "UPDATE members SET kdf = ?, salt = ?, secrets = ? WHERE id = ?",
                (params.to_json(), salt, sealed, ring.member_id),
            )

    def sign(self, label: str, data: bytes) -> bytes:
        """Sign ``data`` as the unlocked member, bound to a purpose label and this vault.

        Used for things that leave the vault (a handover manifest); verify with
        :func:`verify_signature` and the member's public signing key.
        """
        return self._ring().sign(ctx("external-sig", label, self.vault_id, data))

    def signing_public(self, member_id: str | None = None) -> bytes:
        """A member's Ed25519 public key (the unlocked member's by default)."""
        member_id = member_id or self._ring().member_id
        public = self._signer_key(member_id, None)
        if public is None:
            raise errors.NotFoundError(f"No member {member_id} in this vault.")
        return public

    def fingerprint(self, member_id: str | None = None) -> str:
        """The short fingerprint people compare to trust a member's key."""
        return keys.fingerprint(self.signing_public(member_id))

    def kdf_params(self, member_id: str | None = None) -> kdf.KdfParams:
        """The stored key-derivation parameters of a member."""
        return kdf.KdfParams.from_json(self._member_row(member_id)["kdf"])

    # ------------------------------------------------------------------ transactions

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """Group writes into one atomic commit; nested calls join the outer one."""
        if self._tx_depth:
            self._tx_depth += 1
            try:
                yield self._conn
            finally:
                self._tx_depth -= 1
            return
        self._tx_depth = 1
        self._state_delta = None
        try:
            with storage.transaction(self._conn, self.path) as conn:
                yield conn
                if self._state_delta is not None:
                    state.write(self, add=self._state_delta)
        except BaseException:
            self._forget_cache()
            raise
        finally:
            self._tx_depth = 0
            self._state_delta = None
            self._key_versions = {}

    def _state_change(self, add: int = 0, remove: int = 0) -> None:
        """Note a change to the signed state; it is signed once, when the transaction commits."""
        if not self._tx_depth:
            raise RuntimeError("state changes belong inside a transaction")
        if self._state_delta is None:
            state.before_change(self)  # never build on a state that does not verify
        self._state_delta = ((self._state_delta or 0) + add - remove) % state.MODULUS

    # ------------------------------------------------------------------ members

    def _meta_value(self, key: str) -> str | None:
        return self._meta.get(key)

    def directory(self) -> team.Directory:
        """Verified memberships for this unlock (cached until lock)."""
        if self._directory is None:
            self._ring()
            self._directory = team.Directory(self)
        return self._directory

    def _signer_key(self, member_id: str, at: str | None) -> bytes | None:
        """A member's verified signing key as of ``at`` (their latest when None).

        A member id or time read from a damaged row (not an id, not text) has none.
        """
        if not is_id(member_id) or (at is not None and not is_stamp(at)):
            return None
        return self.directory().signing_key(member_id, at)

    def public_keys(self) -> dict[str, bytes]:
        """Every member's current verified Ed25519 public key, by member id."""
        directory = self.directory()
        found = {m: directory.signing_key(m, None) for m in directory.member_ids()}
        return {m: k for m, k in found.items() if k}

    def _write_member(self, member: team.MemberState, *, bump: bool = True) -> None:
        """Save a new version of a membership (signed by the unlocked manager)."""
        record = Record(
            id=member.member_id,
            scope_id=self.shared_scope_id,
            type=team.MEMBER_TYPE,
            title=member.name,
            fields=team.fields_of(member),
        )
        exists = self._conn.execute(
            "SELECT 1 FROM records WHERE id = ?", (member.member_id,)
        ).fetchone()
        saved = self._write(
            record, self._version_row(member.member_id) if exists else None, trusted=True
        )
        if not exists:  # the row's date is its signed record's (check compares them)
            self._conn.execute(
                "UPDATE members SET created = ? WHERE id = ?", (saved.created, member.member_id)
            )
        if self._directory is not None:
            self._directory = None
        self._names.pop(member.member_id, None)

    def member_state(self, member_id: str | None = None) -> team.MemberState:
        """The verified current membership of a member (the unlocked one by default)."""
        member_id = member_id or self._ring().member_id
        found = self.directory().state(member_id)
        if found is None:
            raise errors.NotFoundError(f"No verified member {member_id} in this vault.")
        return found

    def members(self) -> list[Member]:
        """Every member whose membership verifies, oldest first."""
        out = []
        for member_id in self.directory().member_ids():
            found = self.directory().state(member_id)
            if found is None:
                continue
            out.append(
                Member(
                    member_id,
                    found.name,
                    found.role,
                    found.status,
                    keys.fingerprint(found.signing_public) if found.signing_public else "",
                )
            )
        return sorted(out, key=lambda m: (self.directory().state(m.id).since, m.id))  # type: ignore[union-attr]

    def member_name(self, member_id: str) -> str:
        """A member's display name, or their short id when it cannot be read."""
        if member_id not in self._names:
            try:
                found = self.directory().state(member_id)
            except errors.VaultError:
                found = None
            self._names[member_id] = found.name if found else member_id[:8]
        return self._names[member_id]

    # ------------------------------------------------------------------ scopes and clients

    def _scope_kind(self, scope_id: str) -> tuple[str, str | None]:
        """(kind, parent) of a scope."""
        if scope_id not in self._kinds:
            row = self._conn.execute(
                "SELECT kind, parent FROM scopes WHERE id = ?", (scope_id,)
            ).fetchone()
            if row is None:
                raise errors.NotFoundError(f"No client or scope {scope_id}.")
            self._kinds[scope_id] = (row[0], row[1])
        return self._kinds[scope_id]

    def _new_scope(
        self,
        scope_id: str,
        kind: str,
        label: str,
        parent: str | None = None,
        members: tuple[str, ...] = (),
    ) -> None:
        """Create a scope and wrap its key for every member entitled to it."""
        ring = self._ring()
        key = aead.new_key()
        created = now()
        self._state_change(add=state.scope_element(scope_id, kind, parent, created))
        self._conn.execute(
            "INSERT INTO scopes (id, kind, parent, key_version, created) VALUES (?, ?, ?, 1, ?)",
            (scope_id, kind, parent, created),
        )
        ring.remember(scope_id, 1, key)
        for member in self._entitled(scope_id, kind, members):
            ring.grant(self._conn, scope_id, 1, key, member.member_id, member.exchange_public)
        self._write_label(scope_id, label, members)

    def _entitled(
        self, scope_id: str, kind: str, named: tuple[str, ...] = ()
    ) -> list[team.MemberState]:
        """Active members who should hold the key of a scope (always including oneself)."""
        me = self._ring().member_id
        out = []
        for member_id in self.directory().member_ids():
            found = self.directory().state(member_id)
            if found is None or not found.active or found.exchange_public is None:
                continue
            if member_id == me or member_id in named or found.may_read(kind, scope_id):
                out.append(found)
        return out

    def _label_aad(self, scope_id: str, key_version: int) -> bytes:
        return ctx("scope-label", self.vault_id, scope_id, key_version)

    def _write_label(self, scope_id: str, label: str, members: tuple[str, ...] = ()) -> None:
        ring = self._ring()
        key_version, key = self._current_key(scope_id)
        created = now()
        payload = {"name": label, "members": list(members)} if members else {"name": label}
        sealed_label, signature = sealed.seal_signed(
            key,
            self._label_aad(scope_id, key_version),
            ctx("scope-label-sig", self.vault_id, scope_id, created),
            payload,
            ring.keys,
        )
        self._conn.execute(
            "UPDATE scopes SET label = ?, label_key_version = ?, label_author = ?, "
            "label_created = ?, label_signature = ? WHERE id = ?",
            (sealed_label, key_version, ring.member_id, created, signature, scope_id),
        )
        self._labels.pop(scope_id, None)

    _LABEL_COLUMNS = "label, label_key_version, label_author, label_created, label_signature"

    def _label(self, scope_id: str, row: sqlite3.Row | None = None) -> dict:
        """A scope's label, opened and verified (``row``: its label columns, if already read)."""
        if row is None:
            row = self._conn.execute(
                f"SELECT {self._LABEL_COLUMNS} FROM scopes WHERE id = ?",  # noqa: S608
                (scope_id,),
            ).fetchone()
        if row is None:
            raise errors.NotFoundError(f"No client or scope {scope_id}.")
        try:
            return sealed.open_signed(
                self._scope_key(scope_id, row["label_key_version"]),
                self._label_aad(scope_id, row["label_key_version"]),
                ctx("scope-label-sig", self.vault_id, scope_id, row["label_created"]),
                as_bytes(row["label"]),
                as_bytes(row["label_signature"]),
                self._signer_key(row["label_author"], row["label_created"]),
            )
        except (CryptoError, TypeError):
            raise errors.DamagedHeaderError(
                self.path, f"the name of scope {scope_id} is damaged"
            ) from None

    def scope_name(self, scope_id: str, row: sqlite3.Row | None = None) -> str:
        """The decrypted name of a scope (client name, provider internal, vault name).

        Args:
            scope_id: The scope.
            row: Its label columns when the caller read them already (one query for many).
        """
        if scope_id not in self._labels:
            name = self._label(scope_id, row).get("name")
            if not isinstance(name, str):
                raise errors.DamagedHeaderError(
                    self.path, f"the name of scope {scope_id} is damaged"
                )
            self._labels[scope_id] = name
        return self._labels[scope_id]

    @property
    def name(self) -> str:
        """The vault's (provider's) name."""
        return self.scope_name(self.shared_scope_id)

    def _current_key(self, scope_id: str) -> tuple[int, bytes]:
        """The scope's current key version and key.

        Inside a transaction the version is remembered: the write lock keeps
        every other process from rotating it meanwhile (our own rotation clears it).
        """
        version = self._key_versions.get(scope_id) if self._tx_depth else None
        if version is None:
            row = self._conn.execute(
                "SELECT key_version FROM scopes WHERE id = ?", (scope_id,)
            ).fetchone()
            if row is None:
                raise errors.NotFoundError(f"No client or scope {scope_id}.")
            version = row[0]
            if self._tx_depth:
                self._key_versions[scope_id] = version
        return version, self._scope_key(scope_id, version)

    def _scope_key(self, scope_id: str, key_version: int) -> bytes:
        return self._ring().scope_key(self._conn, scope_id, key_version, self._signer_key)

    def derived_key(self, scope_id: str, purpose: str) -> tuple[int, bytes]:
        """A key for derived data of a scope (e.g. its search index): (key version, key).

        HKDF of the scope's current key, bound to the vault, scope, version and
        purpose, so the scope key itself never leaves the vault and a key
        rotation makes old derived data unreadable (and so rebuilt).
        """
        key_version, key = self._current_key(scope_id)
        info = ctx("derived-key", self.vault_id, scope_id, key_version, purpose)
        return key_version, keys.derive_subkey(key, info)

    def derived_keys(
        self,
        scope_ids: Iterable[str],
        purpose: str,
        unchecked: Callable[[dict[str, tuple[int, bytes]]], None] | None = None,
    ) -> dict[str, tuple[int, bytes]]:
        """:meth:`derived_key` of each of ``scope_ids`` this member can open, grants read at once.

        Scopes whose key cannot be opened are left out (:meth:`derived_key` says
        why). ``unchecked`` is given the derived keys before the grants'
        signatures are checked; see ``Keyring.current_scope_keys``: work done with
        them counts only if this method returns the same keys.
        """

        def derive(opened: dict[str, tuple[int, bytes]]) -> dict[str, tuple[int, bytes]]:
            found: dict[str, tuple[int, bytes]] = {}
            for scope_id, (version, key) in opened.items():
                info = ctx("derived-key", self.vault_id, scope_id, version, purpose)
                found[scope_id] = (version, keys.derive_subkey(key, info))
            return found

        early = None if unchecked is None else (lambda opened: unchecked(derive(opened)))
        ring = self._ring()
        return derive(ring.current_scope_keys(self._conn, scope_ids, self._signer_key, early))

    def readable_scopes(self) -> set[str]:
        """Scopes the unlocked member holds a current key for."""
        return self._ring().readable_scopes(self._conn)

    def clients(self) -> list[Client]:
        """Clients the unlocked member can read, sorted by name (numbers by value)."""
        readable = self.readable_scopes()
        rows = self._conn.execute(  # every label in one query: 1,000 queries cost ~40 ms
            f"SELECT id, {self._LABEL_COLUMNS} FROM scopes WHERE kind = 'client'"  # noqa: S608
        ).fetchall()
        found = [Client(r["id"], self.scope_name(r["id"], r)) for r in rows if r["id"] in readable]
        return sorted(found, key=lambda c: text_order(c.name))

    def add_client(self, name: str) -> Client:
        """Create a client: a new scope with its own key."""
        name = _clean_label(name, "client name")
        if any(c.name.casefold() == name.casefold() for c in self.clients()):
            raise errors.VaultError(f"A client named '{name}' already exists.")
        scope_id = new_id()
        with self.transaction():
            self._new_scope(scope_id, "client", name)
        return Client(scope_id, name)

    def rename_client(self, client: str, name: str) -> Client:
        """Rename a client (its id and records stay the same)."""
        found = self.find_client(client)
        name = _clean_label(name, "client name")
        with self.transaction():
            self._write_label(found.id, name)
        return Client(found.id, name)

    def find_client(self, text: str) -> Client:
        """Find a client by exact name (any case), id, or unique id prefix or name prefix."""
        clients = self.clients()
        wanted = text.strip().casefold()
        for test in (
            lambda c: c.id == text or c.name.casefold() == wanted,
            lambda c: len(wanted) >= 4 and c.id.startswith(wanted),
            lambda c: c.name.casefold().startswith(wanted),
        ):
            hits = [c for c in clients if test(c)]
            if len(hits) == 1:
                return hits[0]
            if len(hits) > 1:
                names = ", ".join(sorted(c.name for c in hits)[:5])
                raise errors.AmbiguousError(f"'{text}' matches several clients: {names}.")
        raise errors.NotFoundError(f"No client '{text}'. See 'sitebook client list'.")

    def scope_for(self, client: str | None) -> str:
        """The scope id for a client name/id, or the provider-internal scope for None."""
        return self.internal_scope_id if client is None else self.find_client(client).id

    # ------------------------------------------------------------------ attachments

    def add_attachment(
        self,
        record_id: str,
        source: str | os.PathLike[str] | BinaryIO,
        name: str | None = None,
        *,
        mime: str | None = None,
        progress: Progress | None = None,
    ) -> Attachment:
        """Encrypt a file (or open binary stream) into the vault as an attachment of a record."""
        record = self.get_record(record_id)
        key_version, key = self._current_key(record.scope_id)
        ring = self._ring()
        with contextlib.ExitStack() as stack:
            if isinstance(source, (str, os.PathLike)):
                source_path = Path(source)
                try:
                    stream: BinaryIO = stack.enter_context(source_path.open("rb"))
                except OSError as exc:
                    raise errors.VaultError(f"Cannot read {source_path}: {exc.strerror}.") from None
                name = name or source_path.name
            else:
                stream = source
                if not name:
                    raise errors.ValidationError({"name": "an attachment needs a file name"})
            with self.transaction() as conn:
                attachment = att.add(
                    conn,
                    self.vault_id,
                    ring.keys,
                    ring.member_id,
                    record_id=record.id,
                    scope_id=record.scope_id,
                    scope_key=key,
                    key_version=key_version,
                    source=stream,
                    name=name,
                    mime=mime,
                    progress=progress,
                )
                self._touch(record.id)
                digest = conn.execute(
                    "SELECT digest FROM attachments WHERE id = ?", (attachment.id,)
                ).fetchone()[0]
                self._state_change(add=state.attachment_element(attachment.id, record.id, digest))
        return attachment

    def attachments(self, record_id: str, *, strict: bool = False) -> list[Attachment]:
        """Attachments of a record, oldest first.

        A damaged or forged attachment row is left out and named in
        ``damaged_attachments`` (attachment id -> what is wrong); it never hides
        the record's genuine attachments. ``check`` reports it too. ``strict``
        raises instead, for callers that must not silently leave one out (a
        handover package that claims to hold everything).
        """
        record_id = self.resolve_id(record_id)
        out = []
        for row in self._conn.execute(
            "SELECT * FROM attachments WHERE record_id = ? AND deleted = 0 ORDER BY created",
            (record_id,),
        ).fetchall():
            try:
                key = self._scope_key(row["scope_id"], row["key_version"])
                out.append(
                    att.describe(
                        self.vault_id, row, key, self._signer_key(row["author"], row["created"])
                    )
                )
            except (
                errors.DamagedRecordError,
                errors.DamagedHeaderError,
                errors.AccessDeniedError,
            ) as exc:
                if strict:
                    raise
                self.damaged_attachments[shown(row["id"])] = str(exc)
                log.warning("damaged attachment of record %s skipped", record_id)
        return out

    def _attachment_row(self, attachment_id: str) -> sqlite3.Row:
        rows = self._conn.execute(
            "SELECT * FROM attachments WHERE id LIKE ? || '%' AND deleted = 0 LIMIT 2",
            (attachment_id.lower(),),
        ).fetchall()
        if len(rows) != 1 or len(attachment_id) < 4:
            raise errors.NotFoundError(f"No attachment {attachment_id}.")
        if rows[0]["scope_id"] not in self.readable_scopes():
            raise errors.AccessDeniedError(f"attachment {attachment_id}")
        return rows[0]

    def attachment(self, attachment_id: str) -> Attachment:
        """One attachment's metadata by id or unique prefix."""
        row = self._attachment_row(attachment_id)
        key = self._scope_key(row["scope_id"], row["key_version"])
        return att.describe(
            self.vault_id, row, key, self._signer_key(row["author"], row["created"])
        )

    def read_attachment(self, attachment_id: str) -> Iterator[bytes]:
        """Stream an attachment's bytes; the whole-file check runs after the last chunk."""
        row = self._attachment_row(attachment_id)
        key = self._scope_key(row["scope_id"], row["key_version"])
        return att.stream(
            self._conn, self.vault_id, row, key, self._signer_key(row["author"], row["created"])
        )

    def extract_attachment(self, attachment_id: str, dest: str | os.PathLike[str]) -> Path:
        """Decrypt an attachment to ``dest`` (a file, or a folder to keep its name), atomically."""
        dest = Path(dest)
        if dest.is_dir():
            dest = dest / self.attachment(attachment_id).name
        try:
            return att.write_atomically(self.read_attachment(attachment_id), dest)
        except OSError as exc:
            raise errors.StorageError(dest, exc.strerror or "write failed") from None

    # ------------------------------------------------------------------ check

    def check(self, progress: Progress | None = None) -> CheckReport:
        """Verify every ciphertext and signature the member can read; never stop at the first."""
        from vault.check import run_check  # check imports this module

        return run_check(self, progress)


def verify_signature(
    public: bytes, label: str, vault_id: str, data: bytes, signature: bytes
) -> bool:
    """Check a signature made by :meth:`Vault.sign` (constant-time inside Ed25519)."""
    try:
        keys.verify(public, ctx("external-sig", label, vault_id, data), signature)
    except CryptoError:
        return False
    return True


def _check_passphrase(passphrase: str) -> None:
    if not isinstance(passphrase, str) or len(passphrase) < 8:
        raise errors.ValidationError({"passphrase": "use at least 8 characters"})


def _clean_label(value: str, what: str) -> str:
    value = " ".join((value or "").split())
    if not value:
        raise errors.ValidationError({what: "must not be empty"})
    if len(value) > 200:
        raise errors.ValidationError({what: "is longer than 200 characters"})
    return value


def ids(records: Iterable[Record]) -> list[str]:
    """Record ids, in order (a small convenience for callers and tests)."""
    return [r.id for r in records]


__all__ = ["Client", "FieldKind", "Record", "Vault"]


def _file_identity(path: Path) -> tuple[int, int] | None:
    """(st_dev, st_ino) of the file at ``path``, or None if it cannot be read."""
    try:
        found = os.stat(path)
    except (OSError, ValueError):
        return None
    return found.st_dev, found.st_ino
