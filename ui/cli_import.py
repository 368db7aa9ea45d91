"""``sitebook import [FORMAT] FILE``: bring records in from other tools.

A thin face on :mod:`importers`: read the file (format named or recognised
from its content), then either show what would happen (``--dry-run``) or
import everything in one transaction. ``--json`` prints one object::

    {"format", "imported", "by_type": {type: n}, "unmapped": [name],
     "skipped": [{"item", "reason"}], "warnings": [str],
     "dry_run", "created", "updated", "unchanged", "attachments",
     "templates": [type id], "clients": [name], "preview": [...]}

``preview`` lists the first records with their non-secret values (secrets are
null). Ctrl-C during the write rolls everything back.
"""

from __future__ import annotations

import argparse
import getpass
import sys
import textwrap
from pathlib import Path
from typing import Any

from importers import ImportOptions, import_file, registry
from importers.base import ImportReport
from ui import cli_handover
from ui.cli_common import (
    CliError,
    Progress,
    Session,
    passphrase_from_file,
    stdin_is_terminal,
    table,
)
from vault.vault import Vault

PROGRESS_FROM = 200


class _Output:
    """Session output, or plain stdout/stderr when called with a bare vault."""

    def __init__(self, target: Session | Vault, args: argparse.Namespace) -> None:
        self.session = target if isinstance(target, Session) else None
        self.json = bool(getattr(args, "json", False))

    def out(self, text: str = "") -> None:
        if self.session:
            self.session.out(text)
        else:
            print(text)

    def emit(self, data: Any) -> None:
        if self.session:
            self.session.emit(data)
        else:
            import json

            print(json.dumps(data, indent=2, ensure_ascii=False))

    def note(self, text: str) -> None:
        if self.session:
            self.session.note(text)
        else:
            print(text, file=sys.stderr)


def parse_mapping(items: list[str] | None) -> dict[str, str]:
    """``--map COLUMN=FIELD`` options as a dict (the last ``=`` splits, columns may hold one).

    Raises:
        UsageError: An item without ``=`` or with an empty side (exit code 2).
    """
    from ui.cli_vault import UsageError

    mapping: dict[str, str] = {}
    for item in items or []:
        column, sep, target = item.rpartition("=")
        if not sep or not column.strip() or not target.strip():
            raise UsageError(
                f"--map takes COLUMN=FIELD, e.g. --map 'Login name=username' (got '{item}')"
            )
        mapping[column.strip()] = target.strip()
    return mapping


def _split_target(values: list[str]) -> tuple[str | None, Path]:
    from ui.cli_vault import UsageError

    if len(values) == 1:
        return None, Path(values[0]).expanduser()
    if len(values) == 2:
        name = values[0]
        if name not in registry.names():
            raise UsageError(
                f"unknown format '{name}'; known formats: {', '.join(registry.names())}"
            )
        return name, Path(values[1]).expanduser()
    raise UsageError("give the file to import, optionally preceded by its format")


def _refuse_csv_options_elsewhere(
    args: argparse.Namespace, format_name: str | None, path: Path
) -> None:
    """``--map`` and ``--type`` say how to read a plain CSV; other formats know their fields.

    Raises:
        UsageError: Either option with a file of another format (exit code 2),
            rather than an import that quietly ignores what was asked.
    """
    from ui.cli_vault import UsageError

    given = [name for name in ("map", "type") if getattr(args, name, None)]
    if not given:
        return
    name = format_name or registry.sniff(path).name
    if name != "csv":
        options = " and ".join(f"--{option}" for option in given)
        verb = "apply" if len(given) > 1 else "applies"
        raise UsageError(
            f"{options} {verb} to plain CSV files (format csv); {path.name} is {name}, "
            "whose fields Sitebook knows"
        )


def _kdbx_passphrase(args: argparse.Namespace, path: Path) -> str | None:
    source = getattr(args, "kdbx_passphrase_file", None)
    if source:
        return passphrase_from_file(source, "KeePass password file")
    if getattr(args, "kdbx_keyfile", None):
        return None
    if stdin_is_terminal():
        return getpass.getpass(f"Password of {path.name}: ")
    return None


def options_from(args: argparse.Namespace, format_name: str | None, path: Path) -> ImportOptions:
    """The :class:`ImportOptions` the command line asks for."""
    options = ImportOptions(
        groups_as=getattr(args, "groups_as", "tags") or "tags",
        mapping=parse_mapping(getattr(args, "map", None)),
        record_type=getattr(args, "type", None),
        history=not getattr(args, "no_history", False),
    )
    keyfile = getattr(args, "kdbx_keyfile", None)
    if keyfile:
        options.keyfile = Path(keyfile).expanduser()
    is_kdbx = format_name == "kdbx" or (
        format_name is None
        and path.is_file()
        and registry.probe(path).head[:4] == b"\x03\xd9\xa2\x9a"
    )
    if is_kdbx:
        options.passphrase = _kdbx_passphrase(args, path)
    return options


def _text_report(out: _Output, report: ImportReport, path: Path, client: str) -> None:
    verb = "Would import" if report.dry_run else "Imported"
    out.out(
        f"{verb} {report.imported} record(s) from {path.name} ({report.format}) into {client}: "
        f"{report.created} new, {report.updated} updated, {report.unchanged} unchanged"
        + (f", {report.attachments} attachment(s)" if report.attachments else "")
    )
    if report.by_type:
        out.out()
        for line in table(("TYPE", "RECORDS"), sorted(report.by_type.items())):
            out.out(line)
    if report.templates:
        out.out(f"\nNew record types: {', '.join(report.templates)}")
    if report.clients:
        out.out(f"New clients: {', '.join(report.clients)}")
    if report.preview:
        out.out("\nFirst records:")
        rows = [
            (p["action"], p["type"], p["title"][:60], p["client"] or "internal")
            for p in report.preview
        ]
        for line in table(("ACTION", "TYPE", "TITLE", "CLIENT"), rows):
            out.out("  " + line)
    if report.unmapped:
        shown, more = report.unmapped_shown()
        names = ", ".join(shown) + (f" and {more} more" if more else "")
        out.out(f"\nKept as custom fields: {names}")
    for skipped in report.skipped:
        out.note(f"skipped: {skipped.item}: {skipped.reason}")
    for warning in report.warnings:
        out.note(f"warning: {warning}")
    if report.dry_run:
        out.note("Dry run: nothing was written.")


def run(args: argparse.Namespace, target: Session | Vault) -> int:
    """Run ``sitebook import`` with parsed ``args`` on a session (or an unlocked vault).

    Returns:
        0 on success (including a dry run).

    Raises:
        ImportInputError: Bad input. CliError: bad options. VaultError: the
            vault refused the write (nothing was written).
    """
    out = _Output(target, args)
    values = [args.target] + ([args.file] if getattr(args, "file", None) else [])
    format_name, path = _split_target(values)
    if not path.exists():
        raise CliError(f"cannot import {path}: it does not exist")
    _refuse_csv_options_elsewhere(args, format_name, path)
    options = options_from(args, format_name, path)
    vault = target.vault() if isinstance(target, Session) else target
    client = getattr(args, "client", None)
    label = vault.find_client(client).name if client else "the provider-internal scope"
    progress = Progress(f"Importing {path.name}")
    started = {"shown": False}

    def report_progress(done: int, total: int) -> None:
        if total >= PROGRESS_FROM:
            started["shown"] = True
            progress(done, total)

    report = import_file(
        vault,
        path,
        format=format_name,
        client=client,
        options=options,
        dry_run=bool(getattr(args, "dry_run", False)),
        progress=report_progress,
    )
    if started["shown"]:
        progress.finish()
    if out.json:
        out.emit(report.to_json())
    else:
        _text_report(out, report, path, label)
    return 0


def cmd_import(session: Session) -> int:
    """``import``; ``import handover PATH`` brings in a handover package instead."""
    args = session.args
    if args.target == "handover":
        if not args.file:
            raise CliError("import handover needs the package: sitebook import handover PATH")
        args.path = args.file
        return cli_handover.run_import_handover(args, session)
    return run(args, session)


DESCRIPTION = """\
Import records from another tool. The format is recognised from the file's
content; name it first when it is not (sitebook import lastpass-csv FILE).
Records go to --client (default: provider-internal). The import is one
transaction: all or nothing. Importing the same file again creates no
duplicates: unchanged items are skipped, changed items become a new version.
Fields with no place in Sitebook become custom fields; anything that cannot
be imported is listed with the reason.

'sitebook import handover PATH' brings in a Sitebook handover package (its
folder, zip or client.sitebook) as a new client, history and attachments
included; its passphrase comes from --handover-passphrase-file, the
environment or a prompt.

formats:
  {formats}
"""


def register(
    commands: argparse._SubParsersAction,
    common: argparse.ArgumentParser | None = None,
    formatter: type = argparse.RawDescriptionHelpFormatter,
) -> None:
    """Add the ``import`` command (``common`` holds the global options, as elsewhere).

    ``formatter`` is accepted for symmetry with the other ``register`` functions;
    the description keeps its line breaks, so a raw formatter is always used.
    """
    parents = [common] if common is not None else []
    p = commands.add_parser(
        "import",
        help="import from KeePass, Bitwarden, 1Password, LastPass, browsers, IT Glue, "
        "ITFlow, CSV or Markdown",
        description=DESCRIPTION.format(
            formats=textwrap.fill(
                ", ".join(registry.names()), 78, subsequent_indent="  ", break_on_hyphens=False
            )
        ),
        parents=parents,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "target",
        metavar="[FORMAT] FILE",
        help="the file or folder to import, optionally preceded by its format",
    )
    p.add_argument("file", nargs="?", help=argparse.SUPPRESS)
    p.add_argument("--client", metavar="CLIENT", help="client name or id (default: internal)")
    p.add_argument(
        "--dry-run", action="store_true", help="show what would be imported; write nothing"
    )
    p.add_argument(
        "--map",
        action="append",
        metavar="COLUMN=FIELD",
        help="for CSV: put a column into a field (title, tags, client, type, id, a field "
        "name of the record type, custom:NAME, secret:NAME, or - to ignore); repeatable",
    )
    p.add_argument(
        "--type",
        metavar="TYPE",
        help="for CSV: the record type of each row (default: credential)",
    )
    p.add_argument(
        "--groups-as",
        choices=("tags", "clients"),
        default="tags",
        help="groups and folders become tags (default), or their top level names the client",
    )
    p.add_argument(
        "--kdbx-passphrase-file",
        metavar="FILE",
        help="for KDBX: read the database password from the first line of FILE",
    )
    p.add_argument("--kdbx-keyfile", metavar="FILE", help="for KDBX: the database's key file")
    p.add_argument(
        "--no-history",
        action="store_true",
        help="import only the current state of each item, not its earlier versions",
    )
    cli_handover.add_import_handover_arguments(p, with_path=False)
    if common is None:
        p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.set_defaults(func=cmd_import)
