"""Keeping keys right after a merge: re-encrypt, grant what is missing, re-key what leaked.

After packs arrive, three things can be out of step, and this module puts them
right on the replica that notices:

- a rotation arrived: rows here are still under the old key version, so they are
  re-encrypted (``rotation.resume``) for every scope this member holds the
  current key of;
- someone entitled lacks a key version (confirmed on one replica while another
  rotated, or given a client later): an owner or admin grants every version they
  hold, so the scope's whole history opens for them;
- someone *not* entitled holds the current key (two admins removed two people at
  the same time, each rotating without knowing of the other): an owner or admin
  rotates again without them.

Two managers repairing at once is harmless: key versions never collide
(``rotation.next_key_version``), the highest wins, and the next sync converges.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from vault import errors, rotation, team

if TYPE_CHECKING:
    from vault.vault import Vault


def reencrypt(vault: Vault) -> int:
    """Re-encrypt rows left under old key versions in scopes this member can read."""
    return rotation.resume(vault, scopes=vault.readable_scopes())


def repair(vault: Vault) -> int:
    """Grant missing key versions and re-key leaked scopes (owners and admins only)."""
    try:
        me = vault.member_state()
    except errors.VaultError:
        return 0
    if me.role not in team.MANAGERS or not me.active:
        return 0
    conn = vault._conn
    directory = vault.directory()
    members = [directory.state(m) for m in directory.member_ids()]
    active = [m for m in members if m is not None and m.active and m.exchange_public]
    done = 0
    for scope_id, kind, current in conn.execute(
        "SELECT id, kind, key_version FROM scopes ORDER BY id"
    ).fetchall():
        if scope_id not in vault.readable_scopes():
            continue
        try:
            named = set(vault._label(scope_id).get("members", [])) if kind == "restricted" else None
        except errors.VaultError:
            continue
        entitled = {
            m.member_id: m
            for m in active
            if (m.member_id in named if named is not None else m.may_read(kind, scope_id))
        }
        holders = {
            r[0]
            for r in conn.execute(
                "SELECT member_id FROM scope_keys WHERE scope_id = ? AND key_version = ?",
                (scope_id, current),
            )
        }
        leaked = holders - set(entitled) - {me.member_id}
        with vault.transaction():
            if leaked:
                conn.execute(
                    f"DELETE FROM scope_keys WHERE scope_id = ? AND member_id IN "  # noqa: S608
                    f"({','.join('?' * len(leaked))})",
                    (scope_id, *sorted(leaked)),
                )
                rotation.start(vault, {scope_id}, set())
                done += 1
            done += _grant_missing(vault, scope_id, list(entitled.values()))
    if done:
        vault._forget_cache()
    return done


def _grant_missing(vault: Vault, scope_id: str, entitled: list[team.MemberState]) -> int:
    """Wrap every key version this member holds for entitled members who lack it."""
    conn = vault._conn
    ring = vault._ring()
    mine = [
        r[0]
        for r in conn.execute(
            "SELECT key_version FROM scope_keys WHERE scope_id = ? AND member_id = ?",
            (scope_id, ring.member_id),
        )
    ]
    granted = 0
    for version in sorted(mine):
        have = {
            r[0]
            for r in conn.execute(
                "SELECT member_id FROM scope_keys WHERE scope_id = ? AND key_version = ?",
                (scope_id, version),
            )
        }
        missing = [m for m in entitled if m.member_id not in have]
        if not missing:
            continue
        try:
            key = vault._scope_key(scope_id, version)
        except errors.VaultError:
            continue
        for member in missing:
            ring.grant(conn, scope_id, version, key, member.member_id, member.exchange_public)  # type: ignore[arg-type]
            granted += 1
    return granted
