"""The unlocked member's keys, and every scope key they can open.

Member secrets (X25519 + Ed25519 private keys) are sealed under a key derived from
the passphrase (Argon2id) and, for members with an emergency kit, under a key
derived from the recovery key. Scope keys are wrapped per member and key version
and signed by whoever granted them, so a key planted by someone with write access
to the file is refused. Locking drops every reference this object holds.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable, Iterable, Sequence

from crypto import aead, kdf, keys, recovery
from crypto.errors import CryptoError, DecryptionError, KdfParamsError
from vault import errors
from vault.codec import as_bytes, ctx, now


def secrets_context(vault_id: str, member_id: str) -> bytes:
    """AAD for a member's passphrase-sealed secrets."""
    return ctx("member-secrets", vault_id, member_id)


def recovery_context(vault_id: str, member_id: str) -> bytes:
    """AAD and HKDF context for a member's recovery-sealed secrets."""
    return ctx("member-recovery", vault_id, member_id)


def grant_context(vault_id: str, scope_id: str, key_version: int, member_id: str) -> bytes:
    """Context bound into a wrapped scope key."""
    return ctx("scope-key", vault_id, scope_id, key_version, member_id)


def grant_message(
    vault_id: str,
    scope_id: str,
    key_version: int,
    member_id: str,
    granted_by: str,
    created: str,
    wrapped: bytes,
) -> bytes:
    """What the granting member signs when wrapping a scope key for someone."""
    return ctx(
        "grant-sig",
        vault_id,
        scope_id,
        key_version,
        member_id,
        granted_by,
        created,
        hashlib.sha256(wrapped).digest(),
    )


def grant_is_genuine(
    vault_id: str,
    scope_id: str,
    key_version: int,
    member_id: str,
    granted_by: str,
    created: str,
    wrapped: bytes,
    signature: bytes,
    signer_key: Callable[[str, str], bytes | None],
) -> bool:
    """Whether a wrapped scope key was signed by its granter's verified key at that time.

    Columns of another storage class than a signed grant's (a retyped column)
    make it not genuine, never an exception.
    """
    if not isinstance(granted_by, str) or not isinstance(created, str):
        return False
    message = grant_message(
        vault_id, scope_id, key_version, member_id, granted_by, created, wrapped
    )
    try:
        granter = signer_key(granted_by, created)
        if granter is None:
            return False
        keys.verify(granter, message, signature)
    except (CryptoError, errors.VaultError):
        return False
    return True


def seal_secrets(
    passphrase: str,
    member_keys: keys.MemberKeys,
    vault_id: str,
    member_id: str,
    params: kdf.KdfParams,
) -> tuple[bytes, bytes]:
    """Derive a member key from ``passphrase`` and seal the private keys; return (salt, sealed)."""
    salt = aead.new_key()[: kdf.SALT_LENGTH]
    member_key = kdf.derive_key(passphrase, salt, params)
    return salt, aead.seal(member_key, member_keys.to_bytes(), secrets_context(vault_id, member_id))


def seal_recovery(
    secret: bytes, member_keys: keys.MemberKeys, vault_id: str, member_id: str
) -> bytes:
    """Seal the private keys under a key derived from a recovery secret."""
    context = recovery_context(vault_id, member_id)
    key = recovery.derive_wrapping_key(secret, context)
    return aead.seal(key, member_keys.to_bytes(), context)


def open_with_passphrase(row: sqlite3.Row, passphrase: str, vault_id: str) -> keys.MemberKeys:
    """Open a member's secrets with their passphrase, or raise WrongPassphraseError."""
    try:
        params = kdf.KdfParams.from_json(row["kdf"])
    except KdfParamsError as exc:
        raise errors.DamagedHeaderError("the vault", str(exc)) from None
    if row["salt"] is None or row["secrets"] is None:
        raise errors.DamagedHeaderError("the vault", "a member has no sealed keys")
    try:  # a salt of the wrong type or length is refused before any key derivation
        member_key = kdf.derive_key(passphrase, as_bytes(row["salt"]), params)
    except KdfParamsError as exc:
        raise errors.DamagedHeaderError("the vault", f"a member's {exc}") from None
    try:
        raw = aead.open_sealed(
            member_key, as_bytes(row["secrets"]), secrets_context(vault_id, row["id"])
        )
    except DecryptionError:
        raise errors.WrongPassphraseError() from None
    except CryptoError as exc:
        raise errors.DamagedHeaderError("the vault", str(exc)) from None
    return _checked(keys.MemberKeys.from_bytes(raw), row)


def open_with_recovery(row: sqlite3.Row, secret: bytes, vault_id: str) -> keys.MemberKeys:
    """Open a member's secrets with a parsed recovery secret, or raise WrongRecoveryKeyError."""
    if row["recovery_secrets"] is None:
        raise errors.WrongRecoveryKeyError()
    context = recovery_context(vault_id, row["id"])
    try:
        wrapping = recovery.derive_wrapping_key(secret, context)
        raw = aead.open_sealed(wrapping, as_bytes(row["recovery_secrets"]), context)
    except CryptoError:
        raise errors.WrongRecoveryKeyError() from None
    return _checked(keys.MemberKeys.from_bytes(raw), row)


def _checked(member_keys: keys.MemberKeys, row: sqlite3.Row) -> keys.MemberKeys:
    """Refuse secrets that do not match the member's published public keys."""
    if not (
        keys.equal(member_keys.exchange_public, as_bytes(row["exchange_public"]))
        and keys.equal(member_keys.signing_public, as_bytes(row["signing_public"]))
    ):
        raise errors.DamagedHeaderError("the vault", "a member's keys do not match their record")
    return member_keys


class Keyring:
    """The unlocked member's private keys and a cache of opened scope keys."""

    def __init__(self, vault_id: str, member_id: str, member_keys: keys.MemberKeys) -> None:
        self.vault_id = vault_id
        self.member_id = member_id
        self.keys = member_keys
        self._scope_keys: dict[tuple[str, int], bytes] = {}
        # (connection, its state as _file_state gives it, the answer); the connection itself,
        # not its id, so a new connection at a reused address never matches.
        self._readable: tuple[sqlite3.Connection, tuple[int, int], frozenset[str]] | None = None

    def sign(self, message: bytes) -> bytes:
        """Sign as the unlocked member."""
        return self.keys.sign(message)

    def remember(self, scope_id: str, key_version: int, key: bytes) -> None:
        """Cache a scope key this member just created or received."""
        self._scope_keys[(scope_id, key_version)] = key

    def scope_key(
        self,
        conn: sqlite3.Connection,
        scope_id: str,
        key_version: int,
        signer_key: Callable[[str, str], bytes | None],
    ) -> bytes:
        """The key of ``scope_id`` at ``key_version``, unwrapped and checked on first use.

        ``signer_key(member_id, at)`` gives a member's verified signing key at a
        time. The key is cached before its grant is checked, because checking a
        grant of the shared scope needs the shared scope's own member records;
        it is dropped again if the check fails. Raises AccessDeniedError when no
        grant exists, DamagedHeaderError when a grant is forged or damaged.
        """
        cached = self._scope_keys.get((scope_id, key_version))
        if cached is not None:
            return cached
        row = conn.execute(
            "SELECT wrapped, granted_by, created, signature FROM scope_keys "
            "WHERE scope_id = ? AND key_version = ? AND member_id = ?",
            (scope_id, key_version, self.member_id),
        ).fetchone()
        if row is None:
            raise errors.AccessDeniedError(f"scope {scope_id}")
        key = self._unwrap(scope_id, key_version, row[0])
        self._check(scope_id, key_version, key, row, signer_key)
        return key

    def current_scope_keys(
        self,
        conn: sqlite3.Connection,
        scope_ids: Iterable[str],
        signer_key: Callable[[str, str], bytes | None],
        unchecked: Callable[[dict[str, tuple[int, bytes]]], None] | None = None,
    ) -> dict[str, tuple[int, bytes]]:
        """The current (key version, key) of each of ``scope_ids`` this member can open.

        What :meth:`scope_key` gives scope by scope, with every grant read in
        one query (opening the search index of a thousand clients asked two
        queries per scope): each key is unwrapped and its grant's signature
        checked exactly as there. A scope without a current grant, or whose
        grant is forged or damaged, is left out; :meth:`scope_key` names the reason.

        Args:
            conn: The vault's connection.
            scope_ids: The scopes wanted.
            signer_key: As for :meth:`scope_key`.
            unchecked: Called once every key is unwrapped and *before* any
                grant's signature is checked (the checks hold the GIL for a
                tenth of a second at a thousand scopes; a thread may meanwhile
                start work that needs the keys). What it is given is not yet
                trustworthy: work started with it counts only if this method
                then returns exactly the same keys. Not called if every key
                was opened before.
        """
        wanted = set(scope_ids)
        rows = conn.execute(
            "SELECT s.id, s.key_version, k.wrapped, k.granted_by, k.created, k.signature "
            "FROM scopes s JOIN scope_keys k ON k.scope_id = s.id "
            "AND k.key_version = s.key_version WHERE k.member_id = ?",
            (self.member_id,),
        ).fetchall()
        found: dict[str, tuple[int, bytes]] = {}
        pending: list[tuple[str, int, bytes, Sequence[object]]] = []
        for scope_id, key_version, *grant in rows:
            if scope_id not in wanted or not isinstance(key_version, int):
                continue
            key = self._scope_keys.get((scope_id, key_version))
            if key is not None:
                found[scope_id] = (key_version, key)
                continue
            try:
                key = self._unwrap(scope_id, key_version, grant[0])
            except errors.VaultError:
                continue
            pending.append((scope_id, key_version, key, grant))
        if not pending:
            return found
        if unchecked is not None:
            unchecked({**found, **{s: (v, k) for s, v, k, _ in pending}})
        for scope_id, key_version, key, grant in pending:
            try:
                self._check(scope_id, key_version, key, grant, signer_key)
            except errors.VaultError:
                continue
            found[scope_id] = (key_version, key)
        return found

    def _unwrap(self, scope_id: str, key_version: int, wrapped: object) -> bytes:
        """The key in a grant's wrapped blob (not yet trusted: see :meth:`_check`)."""
        try:
            return keys.unwrap(
                self.keys,
                as_bytes(wrapped),
                grant_context(self.vault_id, scope_id, key_version, self.member_id),
            )
        except CryptoError:
            raise _damaged(scope_id) from None

    def _check(
        self,
        scope_id: str,
        key_version: int,
        key: bytes,
        grant: Sequence[object],
        signer_key: Callable[[str, str], bytes | None],
    ) -> None:
        """Cache ``key`` if its grant (wrapped, granted by, created, signature) is genuine.

        The key is cached before the check (see :meth:`scope_key`) and dropped if it fails.
        """
        self._scope_keys[(scope_id, key_version)] = key
        genuine = False
        try:
            genuine = grant_is_genuine(
                self.vault_id,
                scope_id,
                key_version,
                self.member_id,
                grant[1],  # type: ignore[arg-type]
                grant[2],  # type: ignore[arg-type]
                as_bytes(grant[0]),
                as_bytes(grant[3]),
                signer_key,
            )
        finally:  # a check that failed, or raised, leaves no key behind
            if not genuine:
                self._scope_keys.pop((scope_id, key_version), None)
        if not genuine:
            raise _damaged(scope_id)

    def grant(
        self,
        conn: sqlite3.Connection,
        scope_id: str,
        key_version: int,
        key: bytes,
        member_id: str,
        exchange_public: bytes,
    ) -> None:
        """Wrap ``key`` for ``member_id`` and store the signed grant."""
        wrapped = keys.wrap_for(
            exchange_public, key, grant_context(self.vault_id, scope_id, key_version, member_id)
        )
        created = now()
        signature = self.sign(
            grant_message(
                self.vault_id, scope_id, key_version, member_id, self.member_id, created, wrapped
            )
        )
        conn.execute(
            "INSERT OR REPLACE INTO scope_keys VALUES (?, ?, ?, ?, ?, ?, ?)",
            (scope_id, key_version, member_id, wrapped, self.member_id, created, signature),
        )

    def readable_scopes(self, conn: sqlite3.Connection) -> set[str]:
        """Scope ids this member holds a grant for at the scope's current key version.

        Remembered until the file changes: the answer is reused only while
        ``conn`` has written nothing (``total_changes``) and no other connection
        has committed anything (``PRAGMA data_version``), and never inside a
        transaction (a rollback undoes writes without a counter going back). So
        a grant, revoke or rotation, here or by another process, is seen on the
        next call. With a thousand clients the query costs a few milliseconds,
        and opening the search index asks several times.
        """
        state = _file_state(conn)
        cached = self._readable
        if state is not None and cached is not None and cached[0] is conn and cached[1] == state:
            return set(cached[2])
        rows = conn.execute(
            "SELECT s.id FROM scopes s JOIN scope_keys k ON k.scope_id = s.id "
            "AND k.key_version = s.key_version WHERE k.member_id = ?",
            (self.member_id,),
        )
        found = {r[0] for r in rows}
        self._readable = None if state is None else (conn, state, frozenset(found))
        return found

    def forget(self) -> None:
        """Drop every key reference (Python cannot wipe immutable bytes; we drop them)."""
        self._scope_keys.clear()
        self._readable = None
        self.keys = None  # type: ignore[assignment]


def _damaged(scope_id: str) -> errors.DamagedHeaderError:
    return errors.DamagedHeaderError(
        "the vault", f"the key of scope {scope_id} is damaged or forged"
    )


def _file_state(conn: sqlite3.Connection) -> tuple[int, int] | None:
    """What identifies the file's content as ``conn`` sees it, or None inside a transaction.

    (the rows ``conn`` has changed, the data version that other connections' commits bump).
    """
    if conn.in_transaction:
        return None
    return conn.total_changes, conn.execute("PRAGMA data_version").fetchone()[0]
