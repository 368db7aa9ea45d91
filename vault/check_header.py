"""``vault check`` for the plaintext header rows: members and scopes against signed data.

The ``members`` and ``scopes`` tables are hints the vault needs before anything
is decrypted (whom to unlock, which key opens which scope). Nothing signs them
directly, so check compares them with what is signed: every members row must
have a verified membership record whose status and keys it agrees with, and
every scope row must be the one its grants and record versions refer to. Each
disagreement becomes a :class:`~vault.model.Problem` naming the member or scope.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from vault import errors
from vault.codec import as_bytes, is_id, shown
from vault.model import CheckReport, Problem

if TYPE_CHECKING:
    from vault.vault import Vault

# members.status as written locally, for each signed status (accepted: keys added, unconfirmed).
_STATUS_FITS = {"invited": ("invited", "accepted"), "active": ("active",), "revoked": ("revoked",)}


def check_members(vault: Vault, report: CheckReport) -> None:
    """Every members row is vouched for by a signed membership that agrees with it."""
    directory = vault.directory()
    for member_id, status, signing, created in vault._conn.execute(
        "SELECT id, status, signing_public, created FROM members"
    ).fetchall():
        if not is_id(member_id):
            report.problems.append(Problem("member", shown(member_id), "its id is not valid"))
            continue
        try:
            signed = directory.state(member_id)
        except errors.VaultError:
            signed = None
        if signed is None:
            report.problems.append(
                Problem(
                    "member",
                    member_id,
                    "it has no signed membership record (added behind the vault's back, "
                    "or its record has not arrived yet: sync again)",
                )
            )
            continue
        if status not in _STATUS_FITS.get(signed.status, ()):
            report.problems.append(
                Problem(
                    "member",
                    member_id,
                    f"its status '{shown(status)}' does not match its signed membership "
                    f"({signed.status})",
                )
            )
        if signed.signing_public and as_bytes(signing or b"") != signed.signing_public:
            report.problems.append(
                Problem("member", member_id, "its public key does not match its signed membership")
            )
        first = directory.first_version_time(member_id)
        if first is not None and created != first:
            report.problems.append(
                Problem("member", member_id, "its creation date does not match its signed record")
            )


def check_scopes(vault: Vault, report: CheckReport) -> None:
    """Scopes exist where they are used, and their current key version is one that was granted."""
    conn = vault._conn
    me = vault._ring().member_id
    scopes = {
        row[0]: (row[1], row[2])
        for row in conn.execute("SELECT id, kind, key_version FROM scopes").fetchall()
    }
    used = conn.execute(
        "SELECT scope_id, count(*) FROM (SELECT scope_id FROM versions UNION ALL "
        "SELECT scope_id FROM attachments UNION ALL SELECT scope_id FROM scope_keys) "
        "GROUP BY scope_id"
    ).fetchall()
    for scope_id, count in used:
        if is_id(scope_id) and scope_id not in scopes:  # damaged ids are named with their row
            report.problems.append(
                Problem(
                    "scope",
                    shown(scope_id),
                    f"it is missing, yet {count} versions, attachments or key grants use it",
                )
            )
    grants: dict[str, dict[object, set[str]]] = {}
    for scope_id, key_version, member_id in conn.execute(
        "SELECT scope_id, key_version, member_id FROM scope_keys"
    ):
        grants.setdefault(scope_id, {}).setdefault(key_version, set()).add(member_id)
    try:
        mine = vault.member_state()
    except errors.VaultError:
        mine = None
    for scope_id, (kind, current) in scopes.items():
        versions = grants.get(scope_id, {})
        if current not in versions:
            report.problems.append(
                Problem(
                    "scope",
                    shown(scope_id),
                    f"nobody holds its current key version {shown(current)} "
                    "(its row was altered, or its key grants were deleted)",
                )
            )
            continue
        entitled = mine is not None and mine.may_read(kind, scope_id)
        if entitled and me not in versions[current]:
            report.problems.append(
                Problem(
                    "scope",
                    shown(scope_id),
                    "your role entitles you to it but you hold no key of its current version "
                    "(a key grant was deleted, or an admin's sync has not granted it yet)",
                )
            )
