"""``sitebook sync``: exchange changes with other replicas through a folder or WebDAV.

A thin face on :mod:`vault.sync`. ``sync`` pushes and pulls until quiet (with
``--watch``, again every ``--interval`` seconds); the target given once with
``--target`` is remembered sealed in the vault (with ``--user`` and the WebDAV
password from ``--password-file`` or ``SITEBOOK_SYNC_PASSWORD``). A member who
accepted an invitation on a replica made by ``sync clone`` runs ``sync --target``
to publish their keys, and again once an admin confirmed them.

JSON shapes (``--json``)::

    sync             -> {"target", "pushed": [path], "sent", "applied": [path],
                         "received", "changed", "rejected": [{"path", "reason"}],
                         "refused": [{"kind", "id", "reason"}],
                         "waiting": [{"path", "reason"}], "unsendable",
                         "reencrypted", "repaired", "conflicts", "warnings": [str]}
                        (--watch prints one such object per line and round)
    sync status      -> {"target", "last_attempt", "last_success", "last_error",
                         "pending_changes", "waiting",
                         "rejected": [{"path", "reason", "at"}],
                         "refused": [{"kind", "id", "author", "reason"}], "conflicts"}
    sync clone       -> {"path", "vault_id"}
    sync compact     -> {"snapshots": [path]}
    sync conflicts   -> [{"record_id", "title", "client", "heads": [{"vid", "version",
                         "author", "author_id", "created", "deleted", "title"}]}]
    sync resolve     -> {"id", "version", "vid", "title"}
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

from ui.cli_common import (
    CliError,
    Progress,
    Session,
    labelled,
    passphrase_from_file,
    short,
    table,
    when,
)
from vault import Vault, errors, sync
from vault.sync.report import SyncReport
from vault.sync.targets import TargetSpec

ENV_SYNC_PASSWORD = "SITEBOOK_SYNC_PASSWORD"  # noqa: S105 - the name of a variable
DEFAULT_INTERVAL = 300.0


def _password(session: Session) -> str | None:
    source = session.option("password_file")
    if source:
        return passphrase_from_file(source, "password file")
    return os.environ.get(ENV_SYNC_PASSWORD) or None


def _spec(session: Session, location: str | None = None) -> TargetSpec | None:
    """The target given on the command line (with credentials), or None."""
    location = location or session.option("target")
    if not location:
        return None
    return sync.parse_spec(location, session.option("user"), _password(session))


def _target_for(session: Session, vault: Vault) -> TargetSpec:
    """The target to use: given now (then remembered), or the one saved before."""
    given = _spec(session)
    saved = sync.load_target(vault)
    if given is None:
        if saved is None:
            raise CliError(
                "no sync target yet: give one once with --target FOLDER-OR-URL "
                "(a shared folder, or a WebDAV URL with --user)"
            )
        user, password = session.option("user"), _password(session)
        if user or password:
            given = TargetSpec(saved.location, user or saved.user, password or saved.password)
            sync.save_target(vault, given)
            return given
        return saved
    if saved is not None and saved.location == given.location:
        given = TargetSpec(
            given.location, given.user or saved.user, given.password or saved.password
        )
    if saved is None or saved != given:
        moved = saved is not None and saved.location != given.location
        sync.save_target(vault, given)
        if moved:
            queued = sync.retarget(vault)
            session.note(
                f"sitebook: the sync target changed; {queued} change(s) of yours will be sent "
                "to the new one (an owner or admin can run 'sitebook sync compact' to copy "
                "everyone's history there)"
            )
    return given


def _unlocked_or_joined(session: Session) -> Vault:
    """The unlocked vault; for a member not yet confirmed here, publish keys and pull."""
    try:
        return session.vault()
    except errors.AccessDeniedError as exc:
        if "confirm" not in str(exc):
            raise
    spec = _spec(session)
    if spec is None:
        raise CliError(
            "your membership is not confirmed on this replica yet: run "
            "'sitebook sync --target FOLDER-OR-URL' with the target your admin uses"
        )
    path = session.vault_path()
    try:
        vault = sync.join(path, spec, session.passphrase(), session.option("member"))
    except errors.AccessDeniedError:
        fresh = Vault.open(path)
        try:
            member = fresh._member_row(session.option("member"))["id"]
            fingerprint = fresh.pending_fingerprint(member)
        except errors.VaultError:
            fingerprint = "?"
        finally:
            fresh.close()
        raise CliError(
            f"your keys are published on {spec.display}; an admin must now sync and confirm "
            f"you (your fingerprint: {fingerprint}), then run 'sitebook sync' again"
        ) from None
    session.adopt(vault)
    sync.save_target(vault, spec)
    return vault


def _summary(report: SyncReport) -> list[str]:
    lines = [
        f"Synced with {report.target}: sent {len(report.pushed)} pack(s) ({report.sent} "
        f"change(s)), merged {len(report.applied)} pack(s) ({report.received} new "
        f"version(s), {report.changed} record(s) changed)."
    ]
    if report.reencrypted:
        lines.append(f"Re-encrypted {report.reencrypted} item(s) under a new key.")
    if report.repaired:
        lines.append(f"Granted or rotated {report.repaired} key(s) for other members.")
    if report.conflicts:
        lines.append(f"{report.conflicts} record(s) in conflict: see 'sitebook sync conflicts'.")
    for path, reason in report.rejected:
        lines.append(f"Refused {path}: {reason}.")
    if report.refused:
        lines.append(
            f"Set aside {len(report.refused)} change(s) written without the right to write "
            "them (see 'sitebook sync status')."
        )
    if report.waiting:
        lines.append(f"{len(report.waiting)} pack(s) wait for a key or a membership.")
    lines.extend(report.warnings)
    return lines


def _run_once(session: Session, vault: Vault, spec: TargetSpec) -> SyncReport:
    progress = Progress("Syncing")
    try:
        return sync.sync(vault, spec, progress=progress)
    finally:
        progress.finish()


def cmd_sync(session: Session) -> int:
    """``sync``: once, or with --watch every --interval seconds."""
    args = session.args
    vault = _unlocked_or_joined(session)
    spec = _target_for(session, vault)
    if not args.watch:
        report = _run_once(session, vault, spec)
        if session.json:
            session.emit(report.to_json())
        else:
            session.lines(_summary(report))
        return 0
    if args.interval <= 0:
        raise CliError("--interval must be a positive number of seconds")
    done = 0
    while args.iterations is None or done < args.iterations:
        if done:
            time.sleep(args.interval)
        done += 1
        try:
            report = _run_once(session, vault, spec)
        except errors.SyncError as exc:
            # Offline, server down, disk full: say so and try again next round.
            session.note(f"sitebook: {exc}")
            continue
        if session.json:
            print(json.dumps(report.to_json(), ensure_ascii=False))
        else:
            session.out(f"[{time.strftime('%H:%M:%S')}] " + " ".join(_summary(report)))
    return 0


def cmd_status(session: Session) -> int:
    """``sync status``."""
    found = sync.read_status(session.vault())
    if session.json:
        session.emit(found.to_json())
        return 0
    pairs = [
        ("Target", found.target or "not set (sitebook sync --target FOLDER-OR-URL)"),
        ("Last sync", when(found.last_success or "") or "never"),
        ("Last attempt", when(found.last_attempt or "") or "never"),
        ("Last error", found.last_error or "none"),
        ("Waiting to send", f"{found.pending_changes} change(s)"),
        ("Waiting for keys", f"{found.waiting} pack(s)"),
        ("Conflicts", f"{found.conflicts} record(s)"),
        ("Refused packs", str(len(found.rejected))),
        ("Set-aside changes", str(len(found.refused))),
    ]
    session.lines(labelled(pairs))
    for item in found.rejected:
        session.out(f"  {item['path']}: {item['reason']}")
    for item in found.refused:
        session.out(f"  {item['kind']} {short(item['id'])}: {item['reason']}")
    return 0


def cmd_clone(session: Session) -> int:
    """``sync clone``: a new replica to accept an invitation on."""
    args = session.args
    spec = _spec(session, args.source)
    assert spec is not None
    path = sync.clone(spec, Path(args.path).expanduser(), args.vault_id)
    vault = Vault.open(path)
    vault_id = vault.vault_id
    vault.close()
    if session.json:
        session.emit({"path": str(path), "vault_id": vault_id})
    else:
        session.out(f"Created the replica {path} of vault {vault_id}.")
        session.out(f"Next: sitebook --vault {path} member accept INVITATION-FILE")
        session.out(f"then: sitebook --vault {path} sync --target {spec.display}")
    return 0


def cmd_compact(session: Session) -> int:
    """``sync compact``: snapshots so new replicas skip history."""
    args = session.args
    vault = session.vault()
    spec = _target_for(session, vault)
    sync.sync(vault, spec)
    scopes = [vault.find_client(c).id for c in args.client] if args.client else None
    target = sync.open_target(spec)
    try:
        written = sync.compact(vault, target, scopes, prune=args.prune)
    finally:
        target.close()
    if session.json:
        session.emit({"snapshots": written})
    else:
        session.out(
            f"Wrote {len(written)} snapshot(s)" + (" and pruned old packs." if args.prune else ".")
        )
    return 0


def _client(vault: Vault, scope_id: str) -> str | None:
    kind, parent = vault._scope_kind(scope_id)
    if kind == "client":
        return vault.scope_name(scope_id)
    if kind == "restricted" and parent:
        return _client(vault, parent)
    return None


def cmd_conflicts(session: Session) -> int:
    """``sync conflicts``."""
    vault = session.vault()
    found = vault.conflicts()
    if session.json:
        session.emit(
            [
                {
                    "record_id": c.record_id,
                    "title": c.title,
                    "client": _client(vault, c.scope_id),
                    "heads": [
                        {
                            "vid": h.vid,
                            "version": h.number,
                            "author": h.author_name,
                            "author_id": h.author,
                            "created": h.created,
                            "deleted": h.deleted,
                            "title": h.title,
                        }
                        for h in c.heads
                    ],
                }
                for c in found
            ]
        )
        return 0
    if not found:
        session.out("No conflicts.")
        return 0
    rows = []
    for c in found:
        for index, h in enumerate(c.heads):
            shown = "shown" if index == 0 else ""
            rows.append(
                [
                    short(c.record_id) if index == 0 else "",
                    h.vid[:8],
                    str(h.number),
                    h.author_name,
                    when(h.created),
                    "deleted" if h.deleted else h.title,
                    shown,
                ]
            )
    session.lines(table(["RECORD", "VERSION-ID", "NO", "BY", "WHEN", "TITLE", ""], rows))
    session.out("Keep one with: sitebook sync resolve RECORD --keep VERSION-ID")
    return 0


def cmd_resolve(session: Session) -> int:
    """``sync resolve``."""
    args = session.args
    record = session.vault().resolve_conflict(args.record, args.keep)
    if session.json:
        session.emit(
            {"id": record.id, "version": record.version, "vid": record.vid, "title": record.title}
        )
    else:
        session.out(f"Resolved {short(record.id)} ({record.title}) as version {record.version}.")
    return 0


def _target_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--user", metavar="NAME", help="WebDAV user name (remembered with the target)"
    )
    parser.add_argument(
        "--password-file",
        metavar="FILE",
        help=f"WebDAV password: first line of FILE (or ${ENV_SYNC_PASSWORD}); stored sealed",
    )


def register(
    commands: argparse._SubParsersAction, common: argparse.ArgumentParser, formatter: type
) -> None:
    """Add ``sync`` with ``status``, ``clone``, ``compact``, ``conflicts`` and ``resolve``."""
    p = commands.add_parser(
        "sync",
        help="exchange changes with other replicas (a shared folder or WebDAV)",
        description="Send this replica's changes and merge everyone else's, through a "
        "shared folder (file server, Syncthing, OneDrive, Dropbox) or a WebDAV server "
        "(Nextcloud, ownCloud, any RFC 4918 server). Everything on the target is "
        "encrypted and signed. Give --target once; it is remembered (sealed) in the vault.",
        parents=[common],
        formatter_class=formatter,
    )
    p.add_argument(
        "--target",
        metavar="URL|PATH",
        help="a folder, or a WebDAV URL (https://host/remote.php/dav/files/me/Sitebook/)",
    )
    _target_options(p)
    p.add_argument("--watch", action="store_true", help="keep syncing every --interval seconds")
    p.add_argument(
        "--interval",
        type=float,
        default=DEFAULT_INTERVAL,
        metavar="SECONDS",
        help=f"seconds between syncs with --watch (default {DEFAULT_INTERVAL:.0f})",
    )
    p.add_argument(
        "--iterations",
        type=int,
        metavar="N",
        help="with --watch, stop after N syncs (default: run until interrupted)",
    )
    p.set_defaults(func=cmd_sync)
    sub = p.add_subparsers(dest="subcommand", metavar="SUBCOMMAND")

    s = sub.add_parser(
        "status",
        help="when this replica last synced, what waits, what was refused",
        description="The sync target, the last sync and the last error, changes waiting "
        "to be sent, packs waiting for a key, refused packs with the reason, conflicts.",
        parents=[common],
    )
    s.set_defaults(func=cmd_status)

    s = sub.add_parser(
        "clone",
        help="make a new replica from a target, to accept an invitation on",
        description="Create a new vault file holding only the vault's public directory "
        "from the target. Then accept your invitation on it ('member accept') and run "
        "'sync --target' to publish your keys; after an admin confirmed you, sync again.",
        parents=[common],
    )
    s.add_argument("source", metavar="URL|PATH", help="the sync target your admin uses")
    s.add_argument("path", metavar="VAULT", help="the new vault file to create")
    s.add_argument("--vault-id", help="which vault, when the target holds several")
    _target_options(s)
    s.set_defaults(func=cmd_clone)

    s = sub.add_parser(
        "compact",
        help="write snapshots so new replicas skip old history (owners and admins)",
        description="Sync, then write one snapshot per scope you can read (or per "
        "--client) to the target. A new replica loads the snapshot instead of every pack. "
        "--prune then deletes the packs the snapshots cover.",
        parents=[common],
    )
    s.add_argument("--client", action="append", default=[], metavar="C", help="only this client")
    s.add_argument("--prune", action="store_true", help="delete the packs the snapshots cover")
    s.set_defaults(func=cmd_compact)

    s = sub.add_parser(
        "conflicts",
        help="list records edited on two replicas at once",
        description="Records with concurrent versions from different replicas. Both "
        "versions are kept; the one shown is listed first until you resolve it.",
        parents=[common],
    )
    s.set_defaults(func=cmd_conflicts)

    s = sub.add_parser(
        "resolve",
        help="end a conflict by keeping one version",
        description="Save the kept version's content as a new version that merges the "
        "others, so every replica sees one version again. Default: keep the one shown.",
        parents=[common],
    )
    s.add_argument("record", metavar="RECORD", help="record id (or prefix)")
    s.add_argument("--keep", metavar="VERSION-ID", help="the version id (or prefix) to keep")
    s.set_defaults(func=cmd_resolve)
