"""``sitebook export handover``, ``sitebook handover verify`` and ``sitebook import handover``.

A thin face on :mod:`vault.handover`. ``ui.cli`` wires these in with
:func:`register_export` and :func:`register_handover`; ``import handover``
lives under the ``import`` command of ``ui.cli_import``, which calls
:func:`add_import_handover_arguments` and :func:`run_import_handover`.

The handover passphrase (for credentials.kdbx and client.sitebook) is not the
vault's: it comes from ``--handover-passphrase-file`` (the global
``--passphrase-file`` still unlocks the vault), else ``export`` generates six
diceware words and prints them once, and ``import`` reads
``SITEBOOK_HANDOVER_PASSPHRASE`` or asks on a terminal.

JSON output (``--json``)::

    export handover  -> {"path", "client", "zip", "counts": {type: n}, "credentials",
                         "files", "fingerprint", "not_readable", "passphrase"}
                         # passphrase: the generated one, else null
    handover verify  -> {"ok", "path", "first_mismatch", "problems": [{"file", "detail"}],
                         "files", "client", "exported", "exporter": {"name", "member_id",
                         "public_key", "fingerprint"}, "counts"}
    import handover  -> {"client", "client_id", "records", "versions", "attachments",
                         "verified", "fingerprint"}
"""

from __future__ import annotations

import argparse
import getpass
import os
from pathlib import Path
from typing import Any

from ui.cli_common import CliError, Progress, Session, passphrase_from_file, stdin_is_terminal
from ui.cli_vault import kdf_memory
from vault import errors

ENV_HANDOVER_PASSPHRASE = "SITEBOOK_HANDOVER_PASSPHRASE"  # noqa: S105 - a variable's name


def _kdf(memory_mib: int | None) -> Any:
    if memory_mib is None:
        return None
    from crypto import kdf

    return kdf.KdfParams(memory_mib * 1024, kdf.DEFAULT_ITERATIONS, kdf.DEFAULT_LANES)


def _passphrase_lines(passphrase: str) -> list[str]:
    return [
        "",
        "HANDOVER PASSPHRASE - shown only this once. It opens credentials.kdbx and",
        "client.sitebook; it is not in the package. Give it to the client separately",
        "(in person or by phone, not in the same e-mail as the package):",
        "",
        f"    {passphrase}",
        "",
    ]


# ---------------------------------------------------------------------- export handover


def cmd_export_handover(session: Session) -> int:
    """``export handover``."""
    from vault.handover import export_handover  # ~0.25 s to import: only here

    args = session.args
    given = None
    if args.handover_passphrase_file:
        given = passphrase_from_file(args.handover_passphrase_file, "handover passphrase file")
    out = Path(args.out).expanduser()
    vault = session.vault()
    progress = Progress("Writing handover package")
    try:
        result = export_handover(
            vault,
            args.client,
            out,
            passphrase=given,
            zip=args.zip,
            history=not args.no_history,
            audit=not args.no_audit,
            progress=progress,
            kdf_params=_kdf(args.kdf_memory),
        )
    finally:
        progress.finish()
    client = vault.find_client(args.client).name
    if session.json:
        session.emit(
            {
                "path": str(result.path),
                "client": client,
                "zip": bool(args.zip),
                "counts": result.counts,
                "credentials": result.credentials,
                "files": len(result.files),
                "fingerprint": result.fingerprint,
                "not_readable": result.not_readable,
                "passphrase": result.passphrase_generated,
            }
        )
        return 0
    if result.not_readable:
        session.note(
            f"sitebook: warning: {result.not_readable} record(s) of {client} are restricted to "
            "other members and are not in the package; README.html says so"
        )
    total = sum(result.counts.values())
    session.out(
        f"Wrote the handover package of {client} to {result.path}: {total} records, "
        f"{result.credentials} password entries, {len(result.files)} files."
    )
    session.out(f"Signing key fingerprint: {result.fingerprint}")
    session.out("Tell the recipient this fingerprint yourself so they can check the package.")
    if result.passphrase_generated:
        session.lines(_passphrase_lines(result.passphrase_generated))
    return 0


# ---------------------------------------------------------------------- handover verify


def cmd_handover_verify(session: Session) -> int:
    """``handover verify``; exit code 1 when the package does not verify. Needs no vault."""
    from vault.handover import verify_package  # ~0.25 s to import: only here

    result = verify_package(Path(session.args.path).expanduser())
    if session.json:
        session.emit(
            {
                "ok": result.ok,
                "path": str(result.path),
                "first_mismatch": result.first_mismatch,
                "problems": [{"file": p.file, "detail": p.detail} for p in result.problems],
                "files": result.files,
                "client": result.client,
                "exported": result.exported,
                "exporter": result.exporter,
                "counts": result.counts,
            }
        )
        return 0 if result.ok else 1
    if result.ok:
        exporter = result.exporter
        session.out(
            f"OK: the handover package of {result.client} ({result.files} files) is intact and "
            f"signed by {exporter.get('name')} on {result.exported}."
        )
        session.out(f"Signing key fingerprint: {exporter.get('fingerprint')}")
        session.out("Compare it with the fingerprint the exporter gave you.")
        return 0
    session.out(f"FAILED: {result.problems[0]}")
    for problem in result.problems[1:]:
        session.out(f"  also: {problem}")
    return 1


# ---------------------------------------------------------------------- import handover


def _import_passphrase(session: Session) -> str:
    source = session.option("handover_passphrase_file")
    if source:
        return passphrase_from_file(source, "handover passphrase file")
    env = os.environ.get(ENV_HANDOVER_PASSPHRASE)
    if env:
        return env
    if stdin_is_terminal():
        return getpass.getpass("Handover passphrase: ")
    raise CliError(
        "no handover passphrase: use --handover-passphrase-file FILE or set "
        f"{ENV_HANDOVER_PASSPHRASE} (or run in a terminal to be asked)"
    )


def run_import_handover(args: argparse.Namespace, session: Session) -> int:
    """``import handover PATH``: bring a package's client into the vault as a new client."""
    from vault.handover import import_handover  # ~0.25 s to import: only here

    path = Path(args.path).expanduser()
    if not path.exists():
        raise CliError(f"cannot import {path}: it does not exist")
    passphrase = _import_passphrase(session)
    vault = session.vault()
    progress = Progress("Importing handover")
    try:
        result = import_handover(
            vault, path, passphrase, client_name=args.client_name, progress=progress
        )
    except errors.WrongPassphraseError:
        raise CliError("wrong handover passphrase; nothing was imported") from None
    finally:
        progress.finish()
    if session.json:
        session.emit(
            {
                "client": result.client.name,
                "client_id": result.client.id,
                "records": result.records,
                "versions": result.versions,
                "attachments": result.attachments,
                "verified": result.verified,
                "fingerprint": result.fingerprint,
            }
        )
        return 0
    session.out(
        f"Imported {result.records} records ({result.versions} versions) and "
        f"{result.attachments} attachments as client '{result.client.name}'."
    )
    if result.verified:
        session.out(
            f"The package verified; it was signed by the key {result.fingerprint}. "
            "Compare it with the fingerprint the exporter gave you."
        )
    else:
        session.note("sitebook: warning: a bare client.sitebook has no signed manifest to check")
    return 0


def add_import_handover_arguments(
    parser: argparse.ArgumentParser, *, with_path: bool = True
) -> None:
    """Add ``import handover``'s arguments to the parser ``ui.cli_import`` made for it.

    ``ui.cli_import`` reads ``import handover PATH`` as FORMAT and FILE, so it
    adds only the options (``with_path=False``) and passes PATH as ``args.path``.
    """
    if with_path:
        parser.add_argument(
            "path",
            metavar="PATH",
            help="the handover package: its folder, its zip file, or its client.sitebook",
        )
    parser.add_argument(
        "--handover-passphrase-file",
        metavar="FILE",
        help=f"read the handover passphrase from FILE (else ${ENV_HANDOVER_PASSPHRASE} or "
        "a prompt)",
    )
    parser.add_argument(
        "--client-name",
        metavar="NAME",
        help="name of the new client (default: the client's name in the package)",
    )


# ---------------------------------------------------------------------- parsers


def _parents(common: argparse.ArgumentParser | None) -> list[argparse.ArgumentParser]:
    return [common] if common is not None else []


def register_export(
    commands: argparse._SubParsersAction,
    common: argparse.ArgumentParser | None = None,
    formatter: type = argparse.HelpFormatter,
) -> None:
    """Add ``export`` with its subcommand ``handover``."""
    export = commands.add_parser(
        "export",
        help="export a client's documentation",
        description="Export documentation out of the vault.",
        formatter_class=formatter,
    )
    sub = export.add_subparsers(dest="subcommand", metavar="SUBCOMMAND", required=True)
    p = sub.add_parser(
        "handover",
        help="write a client's handover package (site, KeePass file, JSON, PDF, signed)",
        description="Write everything a client owns as a package that opens without "
        "Sitebook: README.html, a static site, credentials.kdbx, records.json with its "
        "schema, attachments/, client.sitebook, handover.pdf and a signed manifest.json. "
        "The package appears at --out only when complete. credentials.kdbx and "
        "client.sitebook are protected by the handover passphrase: from "
        "--handover-passphrase-file, or six generated words printed once.",
        parents=_parents(common),
        formatter_class=formatter,
    )
    p.add_argument("--client", required=True, metavar="CLIENT", help="the client's name or id")
    p.add_argument(
        "--out", required=True, metavar="PATH", help="the folder (or zip file) to create"
    )
    p.add_argument("--zip", action="store_true", help="write one zip file instead of a folder")
    p.add_argument(
        "--handover-passphrase-file",
        metavar="FILE",
        help="read the handover passphrase from FILE (default: generate one and print it)",
    )
    p.add_argument(
        "--no-history", action="store_true", help="only the newest version of each record"
    )
    p.add_argument(
        "--no-audit", action="store_true", help="leave the client's audit log out of the package"
    )
    p.add_argument(
        "--kdf-memory",
        type=kdf_memory,
        metavar="MIB",
        help="Argon2id memory in MiB for the protected files (default: measured, about 1 s)",
    )
    p.set_defaults(func=cmd_export_handover)


def register_handover(
    commands: argparse._SubParsersAction,
    common: argparse.ArgumentParser | None = None,
    formatter: type = argparse.HelpFormatter,
) -> None:
    """Add ``handover`` with its subcommand ``verify``."""
    handover = commands.add_parser(
        "handover",
        help="check handover packages",
        description="Work with handover packages written by 'sitebook export handover'.",
        formatter_class=formatter,
    )
    sub = handover.add_subparsers(dest="subcommand", metavar="SUBCOMMAND", required=True)
    p = sub.add_parser(
        "verify",
        help="check a handover package's hashes, signature and counts (no vault needed)",
        description="Check every file of a handover package (folder or zip) against its "
        "signed manifest: SHA-256, the exporter's signature, the counts, and that no file "
        "was added or removed. Prints the first mismatch; exit code 1 when anything differs. "
        "Compare the printed fingerprint with the one the exporter gave you.",
        parents=_parents(common),
        formatter_class=formatter,
    )
    p.add_argument("path", metavar="PATH", help="the package folder or zip file")
    p.set_defaults(func=cmd_handover_verify)
