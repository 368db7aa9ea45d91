"""Tampering with scope-key grants straight in the file, as an attacker with write access can.

Shared by the keyring and search-index tests: a grant is one ``scope_keys`` row
holding the scope key wrapped for a member's public X25519 key, so anyone who can
write the file can wrap a key of their own choosing for that member.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from crypto import aead, keys
from vault.keyring import grant_context


def current_grant(path: Path, scope_id: str) -> tuple[str, int, bytes, bytes]:
    """(member id, key version, member's exchange public key, wrapped) of a current grant."""
    with sqlite3.connect(path) as conn:
        member_id, version, wrapped = conn.execute(
            "SELECT k.member_id, k.key_version, k.wrapped FROM scope_keys k JOIN scopes s "
            "ON s.id = k.scope_id AND s.key_version = k.key_version WHERE k.scope_id = ?",
            (scope_id,),
        ).fetchone()
        (public,) = conn.execute(
            "SELECT exchange_public FROM members WHERE id = ?", (member_id,)
        ).fetchone()
    conn.close()
    return member_id, version, public, wrapped


def replace_wrapped(path: Path, scope_id: str, wrapped: bytes) -> None:
    """Put ``wrapped`` in place of the scope's grant."""
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE scope_keys SET wrapped = ? WHERE scope_id = ?", (wrapped, scope_id))
    conn.close()


def plant_grant(path: Path, vault_id: str, scope_id: str, chosen: bytes | None = None) -> int:
    """Replace the member's grant of ``scope_id`` by ``chosen`` (a fresh key by default).

    Returns the key version.
    """
    member_id, version, public, _ = current_grant(path, scope_id)
    context = grant_context(vault_id, scope_id, version, member_id)
    replace_wrapped(path, scope_id, keys.wrap_for(public, chosen or aead.new_key(), context))
    return int(version)
