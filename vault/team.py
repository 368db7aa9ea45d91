"""Members, roles and per-client access, enforced by keys and verified signatures.

A member is a versioned record of type ``member`` in the shared scope, its id
equal to the member id, holding their name, role, the clients they may read,
their public keys and status. Every version is signed by a manager (owner or
admin) whose own membership was valid *at that moment*; the chain ends at the
vault's creator, whose key the vault id is derived from, so no later row in the
file can impersonate the root. Public keys in the ``members`` table are only
hints for unlocking: every signature is checked against the keys in the
verified membership in effect when it was made.

Access is cryptographic: a member can decrypt exactly the scopes whose keys are
wrapped for them. Write authority is checked on read: a version written by a
read-only member, or by anyone outside the scope, or after their revocation,
is reported as damaged and never shown.

Limits (documented, not hidden): times are the author's own clock, so a member
who is demoted or revoked could backdate writes they make with keys they still
hold; sync will anchor time to the order packs are accepted.
"""

from __future__ import annotations

import bisect
import hashlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from crypto import aead
from crypto.errors import CryptoError
from vault import errors
from vault.codec import ctx, load
from vault.versions import VersionRow, open_version

if TYPE_CHECKING:
    from vault.vault import Vault

OWNER, ADMIN, TECHNICIAN, CLIENT_ADMIN, READ_ONLY = (
    "owner",
    "admin",
    "technician",
    "client-admin",
    "read-only",
)
ROLES = (OWNER, ADMIN, TECHNICIAN, CLIENT_ADMIN, READ_ONLY)
MANAGERS = frozenset({OWNER, ADMIN})
WRITERS = frozenset({OWNER, ADMIN, TECHNICIAN, CLIENT_ADMIN})
MEMBER_TYPE = "member"
ALL = "all"


def derive_vault_id(root_public: bytes, nonce: str) -> str:
    """The vault id, bound to the creator's signing key so the root cannot be replaced."""
    return hashlib.sha256(ctx("vault-id", root_public, nonce)).hexdigest()[:32]


@dataclass(frozen=True)
class MemberState:
    """A verified membership as it stood from ``since`` until its next version."""

    member_id: str
    name: str
    role: str
    clients: frozenset[str] | None  # None: every client
    internal: bool
    status: str  # invited | active | revoked
    signing_public: bytes | None
    exchange_public: bytes | None
    since: str
    version: int
    invite_hash: str = ""

    @property
    def active(self) -> bool:
        """True when the member may use the vault."""
        return self.status == "active"

    def may_read(self, kind: str, scope_id: str) -> bool:
        """Whether this role may hold the key of a scope of ``kind``."""
        if not self.active:
            return False
        if kind == "shared":
            return True
        if kind == "internal":
            return self.role in MANAGERS or (self.internal and self.role != CLIENT_ADMIN)
        if kind == "client":
            return self.clients is None or scope_id in self.clients
        return False  # restricted scopes are granted by name only

    def may_write(self, kind: str, scope_id: str, held: bool) -> bool:
        """Whether a version by this member in that scope is legitimate."""
        if self.role not in WRITERS or not self.active:
            return False
        if kind == "restricted":
            return held
        return self.may_read(kind, scope_id)


def narrows(before: MemberState, after: MemberState) -> bool:
    """True when ``after`` grants nothing ``before`` did not (same keys, same person)."""
    return (
        ROLES.index(after.role) >= ROLES.index(before.role)
        and (
            before.clients is None
            or (after.clients is not None and after.clients <= before.clients)
        )
        and (before.internal or not after.internal)
        and after.signing_public == before.signing_public
        and after.exchange_public == before.exchange_public
        and after.status in (before.status, "revoked")
    )


def fields_of(state: MemberState) -> dict[str, str]:
    """The record fields that store a membership."""
    return {
        "role": state.role,
        "clients": ALL if state.clients is None else ",".join(sorted(state.clients)),
        "internal": "yes" if state.internal else "no",
        "status": state.status,
        "signing_public": (state.signing_public or b"").hex(),
        "exchange_public": (state.exchange_public or b"").hex(),
        "invite_hash": state.invite_hash,
    }


def _state_from(member_id: str, body: dict, number: int, since: str) -> MemberState:
    f = body["f"]
    clients = f.get("clients", "")
    return MemberState(
        member_id=member_id,
        name=body["title"],
        role=f["role"],
        clients=None if clients == ALL else frozenset(c for c in clients.split(",") if c),
        internal=f.get("internal") == "yes",
        status=f["status"],
        signing_public=bytes.fromhex(f.get("signing_public", "")) or None,
        exchange_public=bytes.fromhex(f.get("exchange_public", "")) or None,
        since=since,
        version=number,
        invite_hash=f.get("invite_hash", ""),
    )


@dataclass
class Directory:
    """Verified memberships of one unlock, cached; built lazily from the shared scope."""

    vault: Vault
    _rows: dict[str, list[tuple[VersionRow, dict]]] = field(default_factory=dict)
    _verified: dict[tuple[str, str], MemberState | None] = field(default_factory=dict)

    def _versions(self, member_id: str) -> list[tuple[VersionRow, dict]]:
        if member_id not in self._rows:
            v = self.vault
            found: list[tuple[VersionRow, dict]] = []
            for raw in v._conn.execute(
                # Sorted by time for ``state(at)``'s bisection; concurrent versions
                # merged from replicas share a number, so time comes first.
                f"SELECT {VersionRow.COLUMNS} FROM versions WHERE record_id = ? "  # noqa: S608
                "AND scope_id = ? ORDER BY created, number, vid",
                (member_id, v.shared_scope_id),
            ):
                row = VersionRow.from_row(tuple(raw))
                try:
                    key = v._scope_key(row.scope_id, row.key_version)
                    plain = aead.open_sealed(
                        key,
                        row.body,
                        ctx(
                            "record",
                            v.vault_id,
                            row.scope_id,
                            row.record_id,
                            row.vid,
                            row.number,
                            row.key_version,
                        ),
                    )
                    body = load(plain)
                except (CryptoError, ValueError, errors.AccessDeniedError):
                    continue
                if isinstance(body, dict) and body.get("t") == MEMBER_TYPE:
                    found.append((row, body))
            self._rows[member_id] = found
        return self._rows[member_id]

    def state(self, member_id: str, at: str | None = None, _depth: int = 0) -> MemberState | None:
        """The verified membership in effect at time ``at`` (now when None), or None."""
        versions = self._versions(member_id)
        if at is not None:
            times = [row.created for row, _ in versions]
            versions = versions[: bisect.bisect_right(times, at)]
        if not versions or _depth > 64:
            return None
        row, body = versions[-1]
        cached = self._verified.get((member_id, row.vid), ...)
        if cached is not ...:
            return cached  # type: ignore[return-value]
        verified = self._verify(row, body, _depth)
        self._verified[(member_id, row.vid)] = verified
        return verified

    def _verify(self, row: VersionRow, body: dict, depth: int) -> MemberState | None:
        v = self.vault
        try:
            candidate = _state_from(row.record_id, body, row.number, row.created)
        except (KeyError, ValueError, TypeError):
            return None
        if row.author == row.record_id and row.number > 1:
            # A member may narrow their own membership (step down, leave), never widen it.
            previous = self._parent_state(row, depth + 1)
            if previous is None or not narrows(previous, candidate):
                return None
            signer_key = previous.signing_public
        elif row.author == row.record_id:
            # Only the creator's first version may sign itself, and only with the
            # key the vault id was derived from.
            nonce = v._meta_value("root_nonce")
            if (
                row.record_id != v._meta_value("root_member")
                or candidate.signing_public is None
                or nonce is None
                or derive_vault_id(candidate.signing_public, nonce) != v.vault_id
            ):
                return None
            signer_key = candidate.signing_public
        else:
            signer = self.state(row.author, row.created, depth + 1)
            if signer is None or signer.role not in MANAGERS or not signer.active:
                return None
            signer_key = signer.signing_public
        try:
            key = v._scope_key(row.scope_id, row.key_version)
            open_version(v.vault_id, row, key, signer_key)
        except (errors.VaultError, CryptoError):
            return None
        return candidate

    def _parent_state(self, row: VersionRow, depth: int) -> MemberState | None:
        """The verified state of the version a membership version was written on."""
        for parent, body in self._versions(row.record_id):
            if parent.vid == row.parent_vid:
                cached = self._verified.get((parent.record_id, parent.vid), ...)
                if cached is ...:
                    cached = self._verify(parent, body, depth)
                    self._verified[(parent.record_id, parent.vid)] = cached
                return cached  # type: ignore[return-value]
        return None

    def first_version_time(self, member_id: str) -> str | None:
        """When a member's membership record was first written (its members row's created)."""
        versions = self._versions(member_id)
        return versions[0][0].created if versions else None

    def signing_key(self, member_id: str, at: str | None) -> bytes | None:
        """The verified signing key of a member at a time, for checking their signatures."""
        found = self.state(member_id, at)
        return found.signing_public if found else None

    def member_ids(self) -> list[str]:
        """Every member id that has a membership record."""
        rows = self.vault._conn.execute(
            "SELECT DISTINCT record_id FROM versions WHERE scope_id = ?",
            (self.vault.shared_scope_id,),
        )
        return [r[0] for r in rows if self._versions(r[0])]
