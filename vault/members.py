"""Inviting, confirming, changing and removing members; restricting credentials.

Nobody types another person's passphrase. An admin writes an invitation (a
file naming the role and clients, with a one-time code); the invitee accepts it
on their own machine with their own passphrase, which adds their public keys;
both compare a short fingerprint and only then does the admin confirm, which
signs the membership and wraps the scope keys for them. Removing access
rotates every scope key the member held and re-encrypts those scopes
(``vault.rotation``), so what is written afterwards is beyond their old keys.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from crypto import kdf as kdf_module
from crypto import keys, recovery
from vault import attachments as att
from vault import errors, rotation, state, team
from vault.codec import ctx, new_id, now
from vault.keyring import seal_recovery, seal_secrets
from vault.model import Member, Record
from vault.versions import VersionRow, reseal

Progress = Callable[[int, int], None]
INVITATION_KIND = "sitebook-invitation"


@dataclass(frozen=True)
class Invitation:
    """What an admin hands to a new member (as a file): role, clients, one-time code."""

    vault_id: str
    member_id: str
    name: str
    role: str
    code: str
    inviter: str
    inviter_fingerprint: str
    expires: str

    def to_json(self) -> str:
        """The invitation file's text."""
        return json.dumps({"kind": INVITATION_KIND, "version": 1, **self.__dict__}, indent=2)

    @classmethod
    def from_json(cls, text: str) -> Invitation:
        """Parse an invitation file; ImportInputError names what is wrong."""
        try:
            data = json.loads(text)
            if data.get("kind") != INVITATION_KIND:
                raise ValueError
            return cls(**{k: str(data[k]) for k in cls.__dataclass_fields__})
        except (ValueError, KeyError, TypeError, AttributeError):
            raise errors.ImportInputError("this is not a Sitebook invitation file") from None


@dataclass(frozen=True)
class Accepted:
    """What the invitee sees after accepting: the fingerprint to compare, their recovery key."""

    member_id: str
    fingerprint: str
    recovery_key: str


def _invite_hash(code: str) -> str:
    return hashlib.sha256(ctx("invite-code", code)).hexdigest()


def _accept_message(
    vault_id: str, member_id: str, invite_hash: str, exchange: bytes, signing: bytes
) -> bytes:
    return ctx("member-accept", vault_id, member_id, invite_hash, exchange, signing)


def _normalise_fingerprint(text: str) -> str:
    return "".join(text.split()).lower()


class MemberOps:
    """Member administration, mixed into :class:`vault.vault.Vault`."""

    def _require_manager(self) -> team.MemberState:
        me = self.member_state()  # type: ignore[attr-defined]
        if me.role not in team.MANAGERS or not me.active:
            raise errors.AccessDeniedError("manage members (only an owner or admin can)")
        return me

    def _clients_for(self, role: str, clients: Iterable[str] | None) -> frozenset[str] | None:
        if clients is None:
            if role == team.CLIENT_ADMIN:
                raise errors.ValidationError(
                    {"clients": "a client admin needs at least one client"}
                )
            return None
        found = frozenset(self.find_client(c).id for c in clients)  # type: ignore[attr-defined]
        if role == team.CLIENT_ADMIN and not found:
            raise errors.ValidationError({"clients": "a client admin needs at least one client"})
        return found

    def invite(
        self,
        name: str,
        role: str,
        *,
        clients: Iterable[str] | None = None,
        internal: bool | None = None,
        days: int = 14,
    ) -> Invitation:
        """Create an invitation for a new member; nothing is granted until confirmed."""
        me = self._require_manager()
        if role not in team.ROLES:
            raise errors.ValidationError({"role": f"choose one of {', '.join(team.ROLES)}"})
        if role == team.OWNER and me.role != team.OWNER:
            raise errors.AccessDeniedError("invite an owner (only an owner can)")
        name = " ".join(name.split())
        if not name:
            raise errors.ValidationError({"name": "must not be empty"})
        code = secrets.token_hex(16)
        member_id = new_id()
        if internal is None:
            internal = role in (team.OWNER, team.ADMIN, team.TECHNICIAN)
        if role == team.CLIENT_ADMIN:
            internal = False
        invited = team.MemberState(
            member_id=member_id,
            name=name,
            role=role,
            clients=self._clients_for(role, clients),
            internal=internal,
            status="invited",
            signing_public=None,
            exchange_public=None,
            since=now(),
            version=0,
            invite_hash=_invite_hash(code),
        )
        expires = (datetime.now(UTC) + timedelta(days=days)).isoformat(timespec="seconds")
        with self.transaction() as conn:  # type: ignore[attr-defined]
            conn.execute(
                "INSERT INTO members (id, created, status, exchange_public, signing_public, "
                "invite_hash) VALUES (?, ?, 'invited', ?, ?, ?)",
                (member_id, now(), b"", b"", invited.invite_hash),
            )
            self._write_member(invited)  # type: ignore[attr-defined]
            self._audit("member-invite", None, {"member": member_id, "role": role})  # type: ignore[attr-defined]
        return Invitation(
            vault_id=self.vault_id,  # type: ignore[attr-defined]
            member_id=member_id,
            name=name,
            role=role,
            code=code,
            inviter=me.member_id,
            inviter_fingerprint=self.fingerprint(),  # type: ignore[attr-defined]
            expires=expires,
        )

    def accept_invitation(
        self,
        invitation: Invitation,
        passphrase: str,
        *,
        kdf_params: kdf_module.KdfParams | None = None,
    ) -> Accepted:
        """Join with your own passphrase (works on a locked vault); returns your fingerprint."""
        if invitation.vault_id != self.vault_id:  # type: ignore[attr-defined]
            raise errors.VaultError("This invitation is for another vault.")
        if invitation.expires < datetime.now(UTC).isoformat(timespec="seconds"):
            raise errors.VaultError("This invitation has expired; ask for a new one.")
        conn = self._conn  # type: ignore[attr-defined]
        row = conn.execute(
            "SELECT status, invite_hash FROM members WHERE id = ?", (invitation.member_id,)
        ).fetchone()
        if row is None or row[0] != "invited" or not row[1]:
            raise errors.VaultError("This invitation was already used or withdrawn.")
        if not keys.equal(row[1].encode(), _invite_hash(invitation.code).encode()):
            raise errors.VaultError("This invitation's code does not match.")
        if len(passphrase) < 8:
            raise errors.ValidationError({"passphrase": "use at least 8 characters"})
        params = (kdf_params or kdf_module.calibrate()).check()
        if params.memory_kib < kdf_module.FLOOR_MEMORY_KIB:
            raise errors.ValidationError({"kdf": "memory must be at least 64 MiB"})
        member_keys = keys.MemberKeys.generate()
        vault_id = self.vault_id  # type: ignore[attr-defined]
        salt, sealed_secrets = seal_secrets(
            passphrase, member_keys, vault_id, invitation.member_id, params
        )
        recovery_text = recovery.generate()
        accepted = member_keys.sign(
            _accept_message(
                vault_id,
                invitation.member_id,
                row[1],
                member_keys.exchange_public,
                member_keys.signing_public,
            )
        )
        with self.transaction():  # type: ignore[attr-defined]
            conn.execute(
                "UPDATE members SET status = 'accepted', exchange_public = ?, signing_public = ?, "
                "kdf = ?, salt = ?, secrets = ?, recovery_secrets = ?, accepted = ? WHERE id = ?",
                (
                    member_keys.exchange_public,
                    member_keys.signing_public,
                    params.to_json(),
                    salt,
                    sealed_secrets,
                    seal_recovery(
                        recovery.parse(recovery_text), member_keys, vault_id, invitation.member_id
                    ),
                    accepted,
                    invitation.member_id,
                ),
            )
            # On a fresh replica (sync.clone) the invitee becomes its local member.
            conn.execute(
                "INSERT OR IGNORE INTO meta (key, value) VALUES ('local_member', ?)",
                (invitation.member_id,),
            )
        if getattr(self, "_default_member", None) is None:
            self._default_member = invitation.member_id
        return Accepted(
            invitation.member_id, keys.fingerprint(member_keys.signing_public), recovery_text
        )

    def pending_fingerprint(self, member_id: str) -> str:
        """The fingerprint of an accepted (not yet confirmed) member's key, to compare aloud."""
        row = self._conn.execute(  # type: ignore[attr-defined]
            "SELECT signing_public FROM members WHERE id = ? AND status = 'accepted'", (member_id,)
        ).fetchone()
        if row is None:
            raise errors.NotFoundError(f"No member {member_id} waiting for confirmation.")
        return keys.fingerprint(row[0])

    def confirm_member(self, member_id: str, fingerprint: str) -> Member:
        """After comparing fingerprints, sign the membership and wrap the scope keys."""
        self._require_manager()
        member_id = self._resolve_member(member_id)
        conn = self._conn  # type: ignore[attr-defined]
        row = conn.execute(
            "SELECT status, invite_hash, exchange_public, signing_public, accepted "
            "FROM members WHERE id = ?",
            (member_id,),
        ).fetchone()
        invited = self.directory().state(member_id)  # type: ignore[attr-defined]
        if row is None or invited is None or row[0] != "accepted" or invited.status != "invited":
            raise errors.VaultError(f"Member {member_id} has not accepted an invitation.")
        exchange, signing = bytes(row[2]), bytes(row[3])
        try:
            keys.verify(
                signing,
                _accept_message(
                    self.vault_id,  # type: ignore[attr-defined]
                    member_id,
                    invited.invite_hash,
                    exchange,
                    signing,
                ),
                bytes(row[4]),
            )
        except Exception:
            raise errors.VaultError("This member's acceptance does not verify.") from None
        if not keys.equal(
            _normalise_fingerprint(fingerprint).encode(),
            _normalise_fingerprint(keys.fingerprint(signing)).encode(),
        ):
            raise errors.VaultError(
                "The fingerprint does not match: do not confirm; "
                "ask the person to read theirs again."
            )
        active = replace(
            invited,
            status="active",
            signing_public=signing,
            exchange_public=exchange,
            invite_hash="",
        )
        with self.transaction():  # type: ignore[attr-defined]
            self._write_member(active)  # type: ignore[attr-defined]
            conn.execute(
                "UPDATE members SET status = 'active', invite_hash = NULL WHERE id = ?",
                (member_id,),
            )
            self._grant_entitled(active)
            self._audit("member-confirm", None, {"member": member_id, "role": active.role})  # type: ignore[attr-defined]
        return self._member(member_id)

    def _grant_entitled(self, member: team.MemberState) -> None:
        """Wrap the current key of every scope the role may read for the member."""
        conn = self._conn  # type: ignore[attr-defined]
        ring = self._ring()  # type: ignore[attr-defined]
        for scope_id, kind, key_version in conn.execute(
            "SELECT id, kind, key_version FROM scopes"
        ).fetchall():
            if not member.may_read(kind, scope_id):
                continue
            held = conn.execute(
                "SELECT 1 FROM scope_keys WHERE scope_id = ? AND key_version = ? AND member_id = ?",
                (scope_id, key_version, member.member_id),
            ).fetchone()
            if held:
                continue
            key = self._scope_key(scope_id, key_version)  # type: ignore[attr-defined]
            ring.grant(conn, scope_id, key_version, key, member.member_id, member.exchange_public)

    def _resolve_member(self, text: str) -> str:
        text = text.strip().lower()
        ids = [m for m in self.directory().member_ids() if m.startswith(text)]  # type: ignore[attr-defined]
        if len(ids) != 1:
            for member in self.members():  # type: ignore[attr-defined]
                if member.name.casefold() == text:
                    return member.id
            raise errors.NotFoundError(f"No single member matches '{text}'.")
        return ids[0]

    def _member(self, member_id: str) -> Member:
        return next(m for m in self.members() if m.id == member_id)  # type: ignore[attr-defined]

    def _held_scopes(self, member_id: str) -> set[str]:
        return {
            r[0]
            for r in self._conn.execute(  # type: ignore[attr-defined]
                "SELECT DISTINCT scope_id FROM scope_keys WHERE member_id = ?", (member_id,)
            )
        }

    def set_role(
        self,
        member_id: str,
        role: str,
        *,
        clients: Iterable[str] | None = None,
        internal: bool | None = None,
        progress: Progress | None = None,
    ) -> Member:
        """Change a member's role or clients; scopes they lose are rotated."""
        me = self._require_manager()
        member_id = self._resolve_member(member_id)
        current = self.member_state(member_id)  # type: ignore[attr-defined]
        if role not in team.ROLES:
            raise errors.ValidationError({"role": f"choose one of {', '.join(team.ROLES)}"})
        if team.OWNER in (role, current.role) and me.role != team.OWNER:
            raise errors.AccessDeniedError("change an owner (only an owner can)")
        if internal is None:
            internal = current.internal and role != team.CLIENT_ADMIN
        updated = replace(
            current,
            role=role,
            clients=self._clients_for(role, clients),
            internal=internal if role != team.CLIENT_ADMIN else False,
        )
        if member_id == me.member_id and role not in team.MANAGERS and not self._other_owner(me):
            raise errors.VaultError("Make someone else owner before giving up your own role.")
        before = self._held_scopes(member_id)
        with self.transaction():  # type: ignore[attr-defined]
            self._write_member(updated)  # type: ignore[attr-defined]
            kinds = {
                r[0]: r[1]
                for r in self._conn.execute("SELECT id, kind FROM scopes")  # type: ignore[attr-defined]
            }
            lost = {
                s
                for s in before
                if kinds.get(s) != "restricted" and not updated.may_read(kinds[s], s)
            }
            if lost:
                self._conn.execute(  # type: ignore[attr-defined]
                    f"DELETE FROM scope_keys WHERE member_id = ? AND scope_id IN "  # noqa: S608
                    f"({','.join('?' * len(lost))})",
                    (member_id, *sorted(lost)),
                )
                rotation.start(self, lost, set())  # type: ignore[arg-type]
            if updated.active:
                self._grant_entitled(updated)
            self._audit("member-role", None, {"member": member_id, "role": role})  # type: ignore[attr-defined]
        if lost:
            rotation.resume(self, progress)  # type: ignore[arg-type]
        return self._member(member_id)

    def _other_owner(self, me: team.MemberState) -> bool:
        return any(
            m.role == team.OWNER and m.status == "active" and m.id != me.member_id
            for m in self.members()  # type: ignore[attr-defined]
        )

    def transfer_ownership(self, member_id: str) -> Member:
        """Make another active member owner; you become an admin."""
        me = self._require_manager()
        if me.role != team.OWNER:
            raise errors.AccessDeniedError("transfer ownership (only an owner can)")
        target = self._resolve_member(member_id)
        self.set_role(target, team.OWNER, internal=True)
        self.set_role(me.member_id, team.ADMIN, internal=True)
        return self._member(target)

    def revoke_member(self, member_id: str, *, progress: Progress | None = None) -> int:
        """Remove a member: rotate every scope key they held and re-encrypt those scopes.

        Returns how many items were re-encrypted. Resumable: if interrupted, the
        next call of ``resume_rotation`` (or ``check``) finishes the job.
        """
        me = self._require_manager()
        member_id = self._resolve_member(member_id)
        if member_id == me.member_id:
            raise errors.VaultError("You cannot remove yourself; ask another admin.")
        current = self.member_state(member_id)  # type: ignore[attr-defined]
        if current.role == team.OWNER and me.role != team.OWNER:
            raise errors.AccessDeniedError("remove an owner (only an owner can)")
        held = self._held_scopes(member_id)
        with self.transaction() as conn:  # type: ignore[attr-defined]
            self._write_member(replace(current, status="revoked"))  # type: ignore[attr-defined]
            conn.execute("UPDATE members SET status = 'revoked' WHERE id = ?", (member_id,))
            rotation.start(self, held, {member_id})  # type: ignore[arg-type]
            self._audit("member-revoke", None, {"member": member_id, "scopes": len(held)})  # type: ignore[attr-defined]
        return rotation.resume(self, progress)  # type: ignore[arg-type]

    def resume_rotation(self, progress: Progress | None = None) -> int:
        """Finish any key rotation a crash interrupted (nothing to do is fine)."""
        return rotation.resume(self, progress)  # type: ignore[arg-type]

    def pending_rotation(self) -> dict[str, int]:
        """Scopes with items still under an old key version."""
        return rotation.pending(self)  # type: ignore[arg-type]

    def leaver_report(self, member: str) -> LeaverReport:
        """The rotation checklist for a member who leaves (see :func:`leaver_report`)."""
        return leaver_report(self, member)

    def restrict(self, record_id: str, member_ids: Iterable[str]) -> Record:
        """Move a record, with its whole history and attachments, into a sub-scope.

        Only the named members (and you) receive the sub-scope's key. Every version
        and attachment key is re-sealed under it, so nothing of the credential
        stays readable with the client's key. Rotate the secret afterwards all the
        same: whoever could read it before may have copied it.
        """
        record = self.get_record(record_id)  # type: ignore[attr-defined]
        kind, _ = self._scope_kind(record.scope_id)  # type: ignore[attr-defined]
        if kind == "restricted":
            raise errors.VaultError("This record is already restricted.")
        self._check_may_write(record.scope_id)  # type: ignore[attr-defined]
        named = tuple(sorted({self._resolve_member(m) for m in member_ids}))
        me = self._ring().member_id  # type: ignore[attr-defined]
        scope_id = new_id()
        with self.transaction() as conn:  # type: ignore[attr-defined]
            self._new_scope(  # type: ignore[attr-defined]
                scope_id,
                "restricted",
                f"Restricted: {record.title}",
                parent=record.scope_id,
                members=tuple(sorted({*named, me})),
            )
            new_key = self._scope_key(scope_id, 1)  # type: ignore[attr-defined]
            for raw in conn.execute(
                f"SELECT {VersionRow.COLUMNS} FROM versions WHERE record_id = ?",  # noqa: S608
                (record.id,),
            ).fetchall():
                row = VersionRow.from_row(tuple(raw))
                old_key = self._scope_key(row.scope_id, row.key_version)  # type: ignore[attr-defined]
                moved = reseal(self.vault_id, row, old_key, new_key, 1, scope_id)  # type: ignore[attr-defined]
                conn.execute(
                    "UPDATE versions SET scope_id = ?, key_version = 1, body = ? WHERE vid = ?",
                    (scope_id, moved.body, row.vid),
                )
            for row in conn.execute(
                "SELECT * FROM attachments WHERE record_id = ?", (record.id,)
            ).fetchall():
                old_key = self._scope_key(row["scope_id"], row["key_version"])  # type: ignore[attr-defined]
                wrapped = att.rewrap(self.vault_id, row, old_key, new_key, 1, scope_id)  # type: ignore[attr-defined]
                conn.execute(
                    "UPDATE attachments SET scope_id = ?, key_version = 1, file_key = ? "
                    "WHERE id = ?",
                    (scope_id, wrapped, row["id"]),
                )
            head = self._version_row(record.id)  # type: ignore[attr-defined]
            self._state_change(  # type: ignore[attr-defined]
                add=state.record_element(record.id, head.vid, scope_id, record.deleted),
                remove=state.record_element(record.id, head.vid, record.scope_id, record.deleted),
            )
            conn.execute(
                "UPDATE records SET scope_id = ?, seq = (SELECT max(seq) + 1 FROM records) "
                "WHERE id = ?",
                (scope_id, record.id),
            )
            self._audit("restrict", scope_id, {"members": list(named)}, record.id)  # type: ignore[attr-defined]
        self._forget_cache()  # type: ignore[attr-defined]
        return self.get_record(record.id)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class LeaverReport:
    """What to rotate when someone leaves: what they touched first, then all they could read."""

    member_id: str
    name: str
    touched: list[Record]  # credentials they revealed or copied (from the audit log)
    readable: list[Record]  # every other credential they could read


def leaver_report(vault: MemberOps, member: str) -> LeaverReport:
    """The rotation checklist for a member who leaves (or left)."""
    v = vault
    member_id = v._resolve_member(member)
    state = v.directory().state(member_id)  # type: ignore[attr-defined]
    if state is None:
        raise errors.NotFoundError(f"No verified member {member}.")
    scopes: set[str] = set()
    for scope_id, kind in v._conn.execute(  # type: ignore[attr-defined]
        "SELECT id, kind FROM scopes"
    ).fetchall():
        if kind == "restricted":
            try:
                named = v._label(scope_id).get("members", [])  # type: ignore[attr-defined]
            except errors.VaultError:
                named = []
            if member_id in named:
                scopes.add(scope_id)
        elif replace(state, status="active").may_read(kind, scope_id):
            scopes.add(scope_id)
    everything = {r.id: r for r in v.list_records()}  # type: ignore[attr-defined]
    touched_ids = list(
        dict.fromkeys(
            e.record_id
            for e in v.audit_log(member=member_id)  # type: ignore[attr-defined]
            if e.event in ("reveal", "copy") and e.record_id in everything
        )
    )
    # What they saw stays on the list wherever it lives now (restricted since, say).
    touched = [everything[i] for i in touched_ids]
    rest = [
        r
        for r in everything.values()
        if r.type == "credential" and r.scope_id in scopes and r.id not in touched_ids
    ]
    return LeaverReport(member_id, state.name, touched, rest)
