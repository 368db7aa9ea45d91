"""Joining from another machine: the vault's public directory, clone, announce and join.

Before a new member can decrypt anything they need the vault's public facts:
its id, root member and scope ids (``shared/vault.json``) and the members'
public rows (``shared/members/``). These are plaintext by design (ids and public
keys, as in the vault file itself) and each one authenticates itself: the vault
id is a hash of the root member's signing key, and a member's keys carry their
own signature over the invitation they accepted. They are hints, exactly like
the ``members`` table: every permission is checked against the signed
memberships inside the shared scope.

The flow: ``clone`` writes a new replica from the target; ``accept_invitation``
runs there; ``announce`` (part of every sync, and possible while locked)
publishes the new keys; an admin syncs, compares fingerprints and confirms, and
syncs again; ``join`` then pulls with the new member's own keys (before their
membership has reached their replica) and unlocks.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING

from crypto import keys
from crypto.errors import CryptoError
from vault import errors, schema, storage, team
from vault.codec import now
from vault.keyring import Keyring, open_with_passphrase
from vault.members import _accept_message
from vault.sync import ledger, targets

if TYPE_CHECKING:
    from vault.vault import Vault

MEMBER_FILE = re.compile(r"^([0-9a-f]{32})\.(invite|keys)\.json$")
MAX_DOC = 64 * 1024
META_KEYS = ("vault_id", "root_member", "root_nonce", "shared_scope", "internal_scope", "created")


def _dump(doc: dict) -> bytes:
    return json.dumps(doc, sort_keys=True, indent=1).encode()


def announce(vault: Vault, target: targets.Target) -> int:
    """Publish vault.json and members' public rows missing on the target; works locked."""
    conn = vault._conn
    vid = vault.vault_id
    written = 0
    shared = targets.shared_folder(vid)
    if "vault.json" not in {e.name for e in target.list(shared)}:
        meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
        doc = {"format": 1, **{k: meta.get(k) for k in META_KEYS}}
        written += target.create(f"{shared}/vault.json", _dump(doc))
    folder = targets.members_folder(vid)
    present = {e.name for e in target.list(folder)}
    root = vault._meta_value("root_member")
    for row in conn.execute(
        "SELECT id, created, exchange_public, signing_public, invite_hash, accepted FROM members"
    ).fetchall():
        member_id, created, exchange, signing, invite_hash, accepted = row
        if invite_hash and not signing and f"{member_id}.invite.json" not in present:
            doc = {"id": member_id, "created": created, "invite_hash": invite_hash}
            written += target.create(f"{folder}/{member_id}.invite.json", _dump(doc))
        usable = member_id == root or (accepted and invite_hash)
        if signing and usable and f"{member_id}.keys.json" not in present:
            doc = {
                "id": member_id,
                "created": created,
                "exchange_public": bytes(exchange).hex(),
                "signing_public": bytes(signing).hex(),
                "invite_hash": invite_hash,
                "accepted": bytes(accepted).hex() if accepted else None,
            }
            written += target.create(f"{folder}/{member_id}.keys.json", _dump(doc))
    return written


def _read_doc(target: targets.Target, path: str) -> dict:
    data = target.read(path)
    if len(data) > MAX_DOC:
        raise ValueError("too large")
    doc = json.loads(data.decode("utf-8"))
    if not isinstance(doc, dict):
        raise ValueError("not an object")
    return doc


def _member_values(
    doc: dict, kind: str, vault_id: str, root: str | None, nonce: str | None
) -> tuple:
    """Check a member file; return the members row it stands for (ValueError if bad)."""
    member_id, created = str(doc["id"]), str(doc["created"])
    invite_hash = doc.get("invite_hash")
    if kind == "invite":
        return member_id, created, "invited", b"", b"", str(invite_hash), None
    exchange = bytes.fromhex(str(doc["exchange_public"]))
    signing = bytes.fromhex(str(doc["signing_public"]))
    if len(exchange) != 32 or len(signing) != 32:
        raise ValueError("bad keys")
    if member_id == root:
        if nonce is None or team.derive_vault_id(signing, nonce) != vault_id:
            raise ValueError("the root's key does not match the vault id")
        return member_id, created, "active", exchange, signing, None, None
    accepted = bytes.fromhex(str(doc["accepted"]))
    try:
        keys.verify(
            signing,
            _accept_message(vault_id, member_id, str(invite_hash), exchange, signing),
            accepted,
        )
    except CryptoError:
        raise ValueError("its keys are not signed by the member") from None
    return member_id, created, "accepted", exchange, signing, str(invite_hash), accepted


def pull_members(vault: Vault, target: targets.Target) -> list[tuple[str, str]]:
    """Merge members' public rows from the target; return (path, problem) for bad ones."""
    conn = vault._conn
    folder = targets.members_folder(vault.vault_id)
    seen = ledger.known(conn, folder)
    problems = []
    for entry in sorted(target.list(folder), key=lambda e: e.name):
        found = MEMBER_FILE.match(entry.name)
        path = f"{folder}/{entry.name}"
        if found is None or not ledger.wanted(seen.get(path), entry):
            continue
        problem = None
        try:
            doc = _read_doc(target, path)
            values = _member_values(
                doc,
                found.group(2),
                vault.vault_id,
                vault._meta_value("root_member"),
                vault._meta_value("root_nonce"),
            )
            if values[0] != found.group(1):
                raise ValueError("it is named for another member")
            problem = _merge_member(conn, values)
        except (ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
            problem = f"it is not a valid member file ({exc})"
        with vault.transaction():
            ledger.mark(
                conn, path, "rejected" if problem else "applied", size=entry.size, detail=problem
            )
        if problem:
            problems.append((path, problem))
    return problems


def _merge_member(conn: sqlite3.Connection, values: tuple) -> str | None:
    member_id, created, status, exchange, signing, invite_hash, accepted = values
    local = conn.execute(
        "SELECT status, signing_public, invite_hash FROM members WHERE id = ?", (member_id,)
    ).fetchone()
    if local is None:
        conn.execute(
            "INSERT INTO members (id, created, status, exchange_public, signing_public, "
            "invite_hash, accepted) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (member_id, created, status, exchange, signing, invite_hash, accepted),
        )
        return None
    if not signing:
        return None
    if local[1]:
        return None if bytes(local[1]) == signing else "another set of keys claims this member"
    if local[2] and invite_hash != local[2]:
        return "its keys answer another invitation"
    conn.execute(
        "UPDATE members SET status = CASE WHEN status = 'invited' THEN ? ELSE status END, "
        "exchange_public = ?, signing_public = ?, accepted = ? WHERE id = ?",
        (status, exchange, signing, accepted, member_id),
    )
    return None


def reconcile_members(vault: Vault) -> None:
    """Make the local members table agree with the verified memberships (after a pull)."""
    conn = vault._conn
    directory = vault.directory()
    with vault.transaction():
        for member_id in directory.member_ids():
            found = directory.state(member_id)
            if found is None:
                continue
            row = conn.execute(
                "SELECT status, signing_public FROM members WHERE id = ?", (member_id,)
            ).fetchone()
            if row is None:
                conn.execute(
                    "INSERT INTO members (id, created, status, exchange_public, signing_public) "
                    "VALUES (?, ?, ?, ?, ?)",
                    (
                        member_id,
                        directory.first_version_time(member_id) or found.since,
                        found.status,
                        found.exchange_public or b"",
                        found.signing_public or b"",
                    ),
                )
                continue
            status = found.status
            if status == "invited" and row[0] == "accepted":
                continue
            if status != row[0]:
                conn.execute(
                    "UPDATE members SET status = ?, invite_hash = CASE WHEN ? = 'invited' "
                    "THEN invite_hash ELSE NULL END WHERE id = ?",
                    (status, status, member_id),
                )
            if not row[1] and found.signing_public:
                conn.execute(
                    "UPDATE members SET signing_public = ?, exchange_public = ? WHERE id = ?",
                    (found.signing_public, found.exchange_public or b"", member_id),
                )


def clone(
    target: targets.Target | targets.TargetSpec | str,
    path: str | os.PathLike[str],
    vault_id: str | None = None,
) -> Path:
    """Create a new replica at ``path`` holding the vault's public directory.

    Accept an invitation on it next (``Vault.accept_invitation``), then sync.
    ``vault_id`` picks the vault when the target holds several (the invitation names it).
    """
    path = Path(path)
    if path.exists():
        raise errors.VaultError(f"{path} already exists; choose another file name.")
    opened = not hasattr(target, "list")
    tgt = targets.open_target(target) if opened else target  # type: ignore[arg-type]
    try:
        if vault_id is None:
            found = [e.name for e in tgt.list("") if e.folder and targets.ID.match(e.name)]
            if len(found) != 1:
                raise errors.SyncError(
                    f"{tgt.display} holds {len(found)} vaults; say which one (its id is in "
                    "the invitation)."
                )
            vault_id = found[0]
        folder = targets.members_folder(vault_id)
        try:
            meta = _read_doc(tgt, f"{targets.shared_folder(vault_id)}/vault.json")
            values = {k: str(meta[k]) for k in META_KEYS}
        except (ValueError, KeyError, TypeError, UnicodeDecodeError, errors.SyncTargetError):
            raise errors.SyncError(
                f"{tgt.display} holds no readable vault {vault_id}; ask an admin to sync first."
            ) from None
        if values["vault_id"] != vault_id:
            raise errors.SyncError(f"{tgt.display} holds a vault under the wrong id.")
        members, files = [], []
        for entry in sorted(tgt.list(folder), key=lambda e: e.name):
            found_file = MEMBER_FILE.match(entry.name)
            if found_file is None:
                continue
            try:
                doc = _read_doc(tgt, f"{folder}/{entry.name}")
                member = _member_values(
                    doc, found_file.group(2), vault_id, values["root_member"], values["root_nonce"]
                )
            except (ValueError, KeyError, TypeError, UnicodeDecodeError):
                continue
            members.append(member)
            files.append((f"{folder}/{entry.name}", entry.size))
        if not any(m[0] == values["root_member"] and m[4] for m in members):
            raise errors.SyncError(
                f"{tgt.display}: the vault's founding member cannot be verified; refusing it."
            )
        _write_replica(path, values, members, files)
    finally:
        if opened:
            tgt.close()
    return path


def _write_replica(path: Path, meta: dict, members: list[tuple], files: list) -> None:
    temp = path.with_name(f".{path.name}.cloning")
    with contextlib.suppress(FileNotFoundError):
        temp.unlink()
    try:
        conn = sqlite3.connect(str(temp), isolation_level=None)
        conn.execute("PRAGMA journal_mode = DELETE")
        schema.migrate(conn)
    except sqlite3.Error as exc:
        raise errors.StorageError(path, "its folder is missing or not writable") from exc
    try:
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany("INSERT INTO meta (key, value) VALUES (?, ?)", list(meta.items()))
        for values in members:
            member_id, created, status, exchange, signing, invite_hash, accepted = values
            conn.execute(
                "INSERT INTO members (id, created, status, exchange_public, signing_public, "
                "invite_hash, accepted) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE "
                "SET status = CASE WHEN excluded.signing_public != x'' THEN excluded.status "
                "ELSE status END, exchange_public = CASE WHEN excluded.signing_public != x'' "
                "THEN excluded.exchange_public ELSE exchange_public END, signing_public = CASE "
                "WHEN excluded.signing_public != x'' THEN excluded.signing_public ELSE "
                "signing_public END, accepted = coalesce(excluded.accepted, accepted)",
                (member_id, created, status, exchange, signing, invite_hash, accepted),
            )
        stamp = now()
        conn.executemany(
            "INSERT INTO sync_packs (path, state, size, at) VALUES (?, 'applied', ?, ?)",
            [(p, size, stamp) for p, size in files],
        )
        conn.execute("COMMIT")
        conn.close()
    except BaseException:
        conn.close()
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()
        raise
    os.replace(temp, path)
    storage.fsync_dir(path.parent)


def join(
    path: str | os.PathLike[str],
    target: targets.Target | targets.TargetSpec | str,
    passphrase: str,
    member_id: str | None = None,
) -> Vault:
    """Sync a replica whose member was confirmed elsewhere, unlock it and remember the target.

    Raises AccessDeniedError ("an admin must confirm") while the confirmation has
    not reached the target; the member's keys are published either way.
    """
    from vault.sync.engine import sync
    from vault.sync.pull import pull
    from vault.sync.status import save_target
    from vault.vault import Vault

    opened = not hasattr(target, "list")
    tgt = targets.open_target(target) if opened else target  # type: ignore[arg-type]
    vault = Vault.open(path)
    try:
        announce(vault, tgt)
        pull_members(vault, tgt)
        try:
            vault.unlock(passphrase, member_id)
        except errors.AccessDeniedError:
            row = vault._member_row(member_id)
            vault._keyring = Keyring(
                vault.vault_id, row["id"], open_with_passphrase(row, passphrase, vault.vault_id)
            )
            try:
                pull(vault, tgt)
            finally:
                vault.lock()
            vault.unlock(passphrase, member_id)
            reconcile_members(vault)  # this replica's rows follow the memberships just pulled
        if not hasattr(target, "list"):
            spec = target if isinstance(target, targets.TargetSpec) else targets.parse_spec(target)  # type: ignore[arg-type]
            save_target(vault, spec)
        sync(vault, tgt)
    except BaseException:
        vault.close()
        raise
    finally:
        if opened:
            tgt.close()
    return vault
