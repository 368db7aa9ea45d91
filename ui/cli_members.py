"""``sitebook member``, ``audit`` and ``report leaver``: the team-vault commands.

A thin face on ``vault.members`` and ``vault.audit``. The invitation flow never
asks for another person's passphrase: ``member invite`` writes a file, the
invitee runs ``member accept FILE`` with their own passphrase (on the same vault
file here; sync carries it between machines), both compare the fingerprint it
prints, and the admin runs ``member confirm MEMBER FINGERPRINT``.

JSON shapes (``--json``)::

    member list     -> [{"id", "name", "role", "status", "fingerprint"}]
    member invite   -> {"member_id", "file", "role", "expires"}
    member accept   -> {"member_id", "fingerprint", "recovery_key"}
    member confirm / role -> {"id", "name", "role", "status", "fingerprint"}
    member revoke   -> {"id", "reencrypted"}
    audit           -> [{"seq", "created", "member_id", "member", "client",
                         "event", "record_id", "details"}]
    audit --verify  -> {"ok", "problems": [str]}
    report leaver   -> {"member_id", "name", "touched": [record], "readable": [record]}
                        record: {"id", "title", "client"}
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from crypto import kdf
from ui.cli_common import CliError, Progress, Session, read_file_text, short, table, when
from vault import Vault, team
from vault.members import Invitation
from vault.model import Member, Record


def _member_json(member: Member) -> dict:
    return {
        "id": member.id,
        "name": member.name,
        "role": member.role,
        "status": member.status,
        "fingerprint": member.fingerprint,
    }


def _client_name(vault: Vault, scope_id: str) -> str | None:
    kind = vault._scope_kind(scope_id)[0]
    if kind == "client":
        return vault.scope_name(scope_id)
    if kind == "restricted":
        parent = vault._scope_kind(scope_id)[1]
        return vault.scope_name(parent) if parent else None
    return None


def cmd_list(session: Session) -> int:
    """``member list``."""
    members = session.vault().members()
    if session.json:
        session.emit([_member_json(m) for m in members])
    else:
        session.lines(
            table(
                ["ID", "NAME", "ROLE", "STATUS", "FINGERPRINT"],
                [[short(m.id), m.name, m.role, m.status, m.fingerprint] for m in members],
            )
        )
    return 0


def cmd_invite(session: Session) -> int:
    """``member invite``."""
    args = session.args
    vault = session.vault()
    invitation = vault.invite(
        args.name,
        args.role,
        clients=args.client or None,
        internal=True if args.internal else None,
        days=args.days,
    )
    out = Path(args.out)
    if out.exists():
        raise CliError(f"{out} already exists; choose another file name")
    descriptor = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(invitation.to_json())
    if session.json:
        session.emit(
            {
                "member_id": invitation.member_id,
                "file": str(out),
                "role": invitation.role,
                "expires": invitation.expires,
            }
        )
    else:
        session.out(f"Invitation for {invitation.name} ({invitation.role}) written to {out}.")
        session.out("Hand the file over privately. When they have accepted it, compare the")
        session.out(
            "fingerprint they read out and run: "
            f"sitebook member confirm {short(invitation.member_id)} FINGERPRINT"
        )
    return 0


def cmd_accept(session: Session) -> int:
    """``member accept``: join with your own passphrase (no unlock needed)."""
    args = session.args
    invitation = Invitation.from_json(read_file_text(args.file, "invitation file"))
    params = (
        kdf.KdfParams(memory_kib=args.kdf_memory * 1024, iterations=3, lanes=4)
        if args.kdf_memory
        else None
    )
    vault = Vault.open(session.vault_path())
    try:
        accepted = vault.accept_invitation(invitation, session.new_passphrase(), kdf_params=params)
    finally:
        vault.close()
    if session.json:
        session.emit(
            {
                "member_id": accepted.member_id,
                "fingerprint": accepted.fingerprint,
                "recovery_key": accepted.recovery_key,
            }
        )
    else:
        session.out(f"You joined as member {short(accepted.member_id)}.")
        session.out(f"Read this fingerprint to the admin who invited you: {accepted.fingerprint}")
        session.out("")
        session.out("Your recovery key (write it down; it is shown only once):")
        session.out(f"    {accepted.recovery_key}")
    return 0


def cmd_confirm(session: Session) -> int:
    """``member confirm``."""
    args = session.args
    member = session.vault().confirm_member(args.target, " ".join(args.fingerprint))
    return _print_member(session, member, "Confirmed")


def cmd_role(session: Session) -> int:
    """``member role``."""
    args = session.args
    vault = session.vault()
    progress = Progress("Re-encrypting")
    member = vault.set_role(
        args.target,
        args.role,
        clients=args.client or None,
        internal=True if args.internal else (False if args.no_internal else None),
        progress=progress,
    )
    progress.finish()
    return _print_member(session, member, "Updated")


def cmd_revoke(session: Session) -> int:
    """``member revoke``: rotates every key the member held."""
    args = session.args
    vault = session.vault()
    target = vault._resolve_member(args.target)
    progress = Progress("Re-encrypting")
    moved = vault.revoke_member(target, progress=progress)
    progress.finish()
    if session.json:
        session.emit({"id": target, "reencrypted": moved})
    else:
        session.out(
            f"Removed {vault.member_name(target)}; rotated their keys and re-encrypted "
            f"{moved} item(s). Run 'sitebook report leaver {short(target)}' for the "
            "passwords to change."
        )
    return 0


def _print_member(session: Session, member: Member, verb: str) -> int:
    if session.json:
        session.emit(_member_json(member))
    else:
        session.out(f"{verb} {member.name}: {member.role}, {member.status}.")
    return 0


def cmd_audit(session: Session) -> int:
    """``audit``."""
    args = session.args
    vault = session.vault()
    if args.verify:
        problems = vault.verify_audit()
        if session.json:
            session.emit({"ok": not problems, "problems": problems})
        elif problems:
            session.lines(problems)
            session.out(f"{len(problems)} problem(s) found in the audit log.")
        else:
            session.out("The audit log is complete and every entry verifies.")
        return 1 if problems else 0
    entries = vault.audit_log(client=args.client, member=args.member_filter)
    if session.json:
        session.emit(
            [
                {
                    "seq": e.seq,
                    "created": e.created,
                    "member_id": e.member_id,
                    "member": e.member_name,
                    "client": _client_name(vault, e.scope_id),
                    "event": e.event,
                    "record_id": e.record_id,
                    "details": e.details,
                }
                for e in entries
            ]
        )
    else:
        session.lines(
            table(
                ["#", "WHEN", "WHO", "EVENT", "RECORD", "CLIENT"],
                [
                    [
                        str(e.seq),
                        when(e.created),
                        e.member_name,
                        e.event,
                        short(e.record_id) if e.record_id else "",
                        _client_name(vault, e.scope_id) or "",
                    ]
                    for e in entries
                ],
            )
        )
    return 0


def cmd_leaver(session: Session) -> int:
    """``report leaver``."""
    vault = session.vault()
    report = vault.leaver_report(session.args.target)

    def item(record: Record) -> dict:
        return {
            "id": record.id,
            "title": record.title,
            "client": _client_name(vault, record.scope_id),
        }

    def lines(records: list[Record], empty: str) -> list[str]:
        return [
            f"  {short(r.id)}  {r.title}  ({_client_name(vault, r.scope_id) or 'provider'})"
            for r in records
        ] or [f"  {empty}"]

    if session.json:
        session.emit(
            {
                "member_id": report.member_id,
                "name": report.name,
                "touched": [item(r) for r in report.touched],
                "readable": [item(r) for r in report.readable],
            }
        )
        return 0
    session.out(f"Passwords to change now that {report.name} has left:")
    session.out("")
    session.out(f"Revealed or copied by {report.name} (change these first):")
    session.lines(lines(report.touched, "none recorded"))
    session.out("")
    session.out(f"Every other credential {report.name} could read:")
    session.lines(lines(report.readable, "none"))
    return 0


def register(
    commands: argparse._SubParsersAction,
    common: argparse.ArgumentParser,
    formatter: type,
    common_without_member: argparse.ArgumentParser,
) -> None:
    """Add ``member``, ``audit`` and ``report`` (``audit --member`` filters by member)."""
    member = commands.add_parser(
        "member",
        help="invite, confirm, list, change and remove members",
        description="Team vaults: each member has their own passphrase and sees only the "
        "clients their role allows. Nobody ever types another person's passphrase.",
        formatter_class=formatter,
    )
    sub = member.add_subparsers(dest="subcommand", metavar="SUBCOMMAND", required=True)
    p = sub.add_parser(
        "list",
        help="list members, roles and fingerprints",
        description="Every member with their role, status and key fingerprint.",
        parents=[common],
    )
    p.set_defaults(func=cmd_list)

    p = sub.add_parser(
        "invite",
        help="write an invitation file for a new member",
        description="Write an invitation naming the role and clients. Nothing is granted "
        "until you confirm the member after comparing fingerprints.",
        parents=[common],
    )
    p.add_argument("name", help="the new member's name")
    p.add_argument("--role", required=True, choices=team.ROLES, help="their role")
    p.add_argument(
        "--client",
        action="append",
        default=[],
        metavar="C",
        help="a client they may read (repeat; required for client-admin; default: all)",
    )
    p.add_argument(
        "--internal", action="store_true", help="also give a read-only member provider notes"
    )
    p.add_argument("--days", type=int, default=14, help="days until it expires (default 14)")
    p.add_argument("--out", required=True, metavar="FILE", help="where to write the invitation")
    p.set_defaults(func=cmd_invite)

    p = sub.add_parser(
        "accept",
        help="accept an invitation with your own passphrase",
        description="Join a vault you were invited to. Your passphrase comes from "
        "--passphrase-file or SITEBOOK_PASSPHRASE, or is asked for twice. Read the "
        "printed fingerprint to the admin who invited you.",
        parents=[common],
    )
    p.add_argument("file", metavar="FILE", help="the invitation file")
    p.add_argument(
        "--kdf-memory", type=int, metavar="MIB", help="Argon2id memory in MiB (default: measured)"
    )
    p.set_defaults(func=cmd_accept)

    p = sub.add_parser(
        "confirm",
        help="confirm a member after comparing their fingerprint",
        description="Sign the membership and wrap the keys of every client the role may "
        "read. Compare the fingerprint the person reads out with theirs first.",
        parents=[common],
    )
    p.add_argument("target", metavar="MEMBER", help="member id (or prefix) or name")
    p.add_argument("fingerprint", nargs="+", help="the fingerprint they read out to you")
    p.set_defaults(func=cmd_confirm)

    p = sub.add_parser(
        "role",
        help="change a member's role or clients (lost access rotates keys)",
        description="Change what a member may read and write. Clients they lose are "
        "re-keyed and re-encrypted, so later records are beyond their old keys.",
        parents=[common],
    )
    p.add_argument("target", metavar="MEMBER", help="member id (or prefix) or name")
    p.add_argument("role", choices=team.ROLES, help="the new role")
    p.add_argument("--client", action="append", default=[], metavar="C", help="a client (repeat)")
    p.add_argument("--internal", action="store_true", help="give access to provider notes")
    p.add_argument("--no-internal", action="store_true", help="take provider notes away")
    p.set_defaults(func=cmd_role)

    p = sub.add_parser(
        "revoke",
        help="remove a member: rotate their keys and re-encrypt what they could read",
        description="Remove a member. Every key they held is replaced and everything "
        "under it re-encrypted (resumable if interrupted). Then run 'report leaver'.",
        parents=[common],
    )
    p.add_argument("target", metavar="MEMBER", help="member id (or prefix) or name")
    p.set_defaults(func=cmd_revoke)

    p = commands.add_parser(
        "audit",
        help="show or verify the audit log",
        description="Who unlocked, revealed, copied, edited, deleted, exported or imported "
        "what, and every member change and key rotation. Each entry is signed and chained. "
        "After the command, --member filters by member; to unlock as another member, put "
        "--member before the command (sitebook --member ME audit --member THEM).",
        parents=[common_without_member],
        formatter_class=formatter,
    )
    p.add_argument("--client", metavar="C", help="only entries about this client")
    p.add_argument(
        "--member", dest="member_filter", metavar="M", help="only entries by this member"
    )
    p.add_argument("--verify", action="store_true", help="check the chain and every signature")
    p.set_defaults(func=cmd_audit)

    report = commands.add_parser(
        "report",
        help="reports (the leaver checklist)",
        description="Reports built from the vault and its audit log.",
        formatter_class=formatter,
    )
    rsub = report.add_subparsers(dest="subcommand", metavar="REPORT", required=True)
    p = rsub.add_parser(
        "leaver",
        help="the credentials to rotate when a member leaves",
        description="Every credential the member could read, those they revealed or copied "
        "(from the audit log) first.",
        parents=[common],
    )
    p.add_argument("target", metavar="MEMBER", help="member id (or prefix) or name")
    p.set_defaults(func=cmd_leaver)
