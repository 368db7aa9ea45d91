"""``sitebook attach ...`` and ``sitebook template ...``: attachments and record types.

Attachments are streamed into the vault encrypted and written back out
atomically; ``attach get`` never overwrites an existing file unless ``--force``.
Templates are read from and written as the JSON that
:meth:`vault.templates.Template.from_dict` accepts, so ``template show TYPE
--json > t.json`` gives a starting point for ``template add t.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from ui.cli_common import CliError, Progress, Session, human_size, read_file_text, short, table
from vault.model import Attachment
from vault.templates import Template

PROGRESS_FROM_BYTES = 8 * 1024 * 1024


def attachment_json(attachment: Attachment, author: str = "") -> dict[str, Any]:
    """The JSON shape of one attachment."""
    return {
        "id": attachment.id,
        "record_id": attachment.record_id,
        "name": attachment.name,
        "size": attachment.size,
        "sha256": attachment.sha256,
        "mime": attachment.mime,
        "created": attachment.created,
        "author": author,
    }


# ---------------------------------------------------------------------- attach


def cmd_attach_add(session: Session) -> int:
    """``attach add``."""
    args = session.args
    source = Path(args.file)
    if not source.is_file():
        raise CliError(f"cannot attach {source}: it is not a file")
    size = source.stat().st_size
    vault = session.vault()
    progress = Progress(f"Encrypting {source.name}", unit="bytes")

    def report(done: int, _total: int) -> None:
        progress(done, size)

    attachment = vault.add_attachment(
        args.record, source, args.name, progress=report if size >= PROGRESS_FROM_BYTES else None
    )
    progress.finish()
    if session.json:
        session.emit(attachment_json(attachment, vault.member_name(attachment.author)))
    else:
        session.out(
            f"Attached {attachment.name} ({human_size(attachment.size)}) to record "
            f"{short(attachment.record_id)}: attachment {attachment.id}"
        )
    return 0


def _extract_into_folder(session: Session, attachment_id: str, folder: Path, force: bool) -> Path:
    """Extract under the attachment's own name into ``folder``, refusing to overwrite."""
    vault = session.vault()
    staging = Path(tempfile.mkdtemp(prefix=".sitebook-", dir=folder))
    try:
        written = vault.extract_attachment(attachment_id, staging)
        final = folder / written.name
        if (final.exists() or final.is_symlink()) and not force:
            raise CliError(f"{final} already exists; use --force to overwrite it")
        if final.is_dir():
            raise CliError(f"{final} is a folder; use --out to choose another name")
        os.replace(written, final)
        return final
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def cmd_attach_get(session: Session) -> int:
    """``attach get``."""
    args = session.args
    out = Path(args.out).expanduser() if args.out else Path.cwd()
    if out.is_dir():
        dest = _extract_into_folder(session, args.attachment, out, args.force)
    else:
        if (out.exists() or out.is_symlink()) and not args.force:
            raise CliError(f"{out} already exists; use --force to overwrite it")
        if not out.parent.is_dir():
            raise CliError(f"cannot write {out}: the folder {out.parent} does not exist")
        dest = session.vault().extract_attachment(args.attachment, out)
    size = dest.stat().st_size
    if session.json:
        session.emit({"path": str(dest), "name": dest.name, "size": size})
    else:
        session.out(f"Saved {dest} ({human_size(size)})")
    return 0


def cmd_attach_list(session: Session) -> int:
    """``attach list``."""
    vault = session.vault()
    found = vault.attachments(session.args.record)
    if session.json:
        session.emit([attachment_json(a, vault.member_name(a.author)) for a in found])
    elif found:
        session.lines(
            table(
                ("ID", "NAME", "SIZE", "SHA-256", "ADDED"),
                (
                    (short(a.id), a.name, human_size(a.size), a.sha256[:16] + "…", a.created[:10])
                    for a in found
                ),
            )
        )
    else:
        session.note("No attachments.")
    if vault.damaged_attachments:
        session.note(
            f"sitebook: warning: {len(vault.damaged_attachments)} attachment(s) could not be "
            "read and are not listed; run 'sitebook check' for details"
        )
    return 0


# ---------------------------------------------------------------------- template


def template_summary(template: Template) -> dict[str, Any]:
    """The JSON shape of one row of ``template list``."""
    return {
        "id": template.id,
        "name": template.name,
        "plural": template.plural,
        "builtin": template.builtin,
        "fields": len(template.fields),
        "description": template.description,
    }


def cmd_template_list(session: Session) -> int:
    """``template list``."""
    templates = list(session.vault().templates().values())
    if session.json:
        session.emit([template_summary(t) for t in templates])
    else:
        session.lines(
            table(
                ("TYPE", "NAME", "FIELDS", "ORIGIN"),
                (
                    (t.id, t.name, str(len(t.fields)), "built-in" if t.builtin else "custom")
                    for t in templates
                ),
            )
        )
    return 0


def cmd_template_show(session: Session) -> int:
    """``template show``."""
    template = session.vault().template(session.args.type)
    if session.json:
        session.emit(template.to_dict())
        return 0
    origin = "built-in" if template.builtin else "custom"
    session.out(f"{template.name} ({template.id}, {origin})")
    if template.description:
        session.out(template.description)
    session.out()

    def notes(field: Any) -> str:
        parts = []
        if field.required:
            parts.append("required")
        if field.list_column:
            parts.append("list column")
        if field.choices:
            parts.append("choices: " + ", ".join(field.choices))
        if field.help:
            parts.append(field.help)
        return "; ".join(parts)

    session.lines(
        table(
            ("FIELD", "KIND", "LABEL", "NOTES"),
            ((f.name, str(f.kind), f.label, notes(f)) for f in template.fields),
        )
    )
    return 0


def cmd_template_add(session: Session) -> int:
    """``template add``."""
    path = session.args.file
    text = read_file_text(path, "template file")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CliError(
            f"{path}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
        ) from None
    if isinstance(data, dict):
        data = {**data, "builtin": False}  # a template added by a person is never built in
    template = Template.from_dict(data)
    vault = session.vault()
    added = vault.add_template(template)
    if session.json:
        session.emit(added.to_dict())
    else:
        session.out(f"Added record type '{added.id}' ({added.name}, {len(added.fields)} fields)")
    return 0


# ---------------------------------------------------------------------- parser


def register(
    commands: argparse._SubParsersAction, common: argparse.ArgumentParser, formatter: type
) -> None:
    """Add ``attach`` and ``template`` with their subcommands."""
    attach = commands.add_parser(
        "attach",
        help="add, list and extract file attachments of records",
        description="Files attached to records are encrypted inside the vault.",
        formatter_class=formatter,
    )
    sub = attach.add_subparsers(dest="subcommand", metavar="SUBCOMMAND", required=True)
    p = sub.add_parser(
        "add",
        help="encrypt a file into the vault as an attachment of a record",
        description="Encrypt a file into the vault as an attachment of a record.",
        parents=[common],
        formatter_class=formatter,
    )
    p.add_argument("record", metavar="RECORD", help="record id or a unique prefix")
    p.add_argument("file", metavar="FILE", help="the file to attach")
    p.add_argument("--name", help="the attachment's name (default: the file's name)")
    p.set_defaults(func=cmd_attach_add)

    p = sub.add_parser(
        "get",
        help="decrypt an attachment to a file",
        description="Decrypt an attachment. Without --out it is written into the current "
        "folder under its own name; an existing file is never overwritten unless --force.",
        parents=[common],
        formatter_class=formatter,
    )
    p.add_argument("attachment", metavar="ATTACHMENT_ID", help="attachment id or unique prefix")
    p.add_argument("--out", metavar="PATH", help="file to write, or a folder to write into")
    p.add_argument("--force", action="store_true", help="overwrite an existing file")
    p.set_defaults(func=cmd_attach_get)

    p = sub.add_parser(
        "list",
        help="list a record's attachments",
        description="List a record's attachments: id, name, size, SHA-256, date added.",
        parents=[common],
        formatter_class=formatter,
    )
    p.add_argument("record", metavar="RECORD", help="record id or a unique prefix")
    p.set_defaults(func=cmd_attach_list)

    template = commands.add_parser(
        "template",
        help="list, show and add record types (templates)",
        description="A template defines a record type: its fields, their kinds and order.",
        formatter_class=formatter,
    )
    sub = template.add_subparsers(dest="subcommand", metavar="SUBCOMMAND", required=True)
    p = sub.add_parser(
        "list",
        help="list record types, built-in and custom",
        description="List record types, built-in and custom.",
        parents=[common],
        formatter_class=formatter,
    )
    p.set_defaults(func=cmd_template_list)

    p = sub.add_parser(
        "show",
        help="show a record type's fields and their kinds",
        description="Show a record type's fields and kinds. With --json, print the "
        "definition in the form 'sitebook template add' accepts.",
        parents=[common],
        formatter_class=formatter,
    )
    p.add_argument("type", metavar="TYPE", help="the type id, e.g. configuration")
    p.set_defaults(func=cmd_template_show)

    p = sub.add_parser(
        "add",
        help="add a record type from a JSON definition",
        description='Add a record type from a JSON file: {"name": "Backup job", "fields": '
        '[{"name": "schedule", "kind": "text", "label": "Schedule"}, ...]}. Optional keys: '
        "id, plural, description; per field: required, choices, list_column, help. "
        "'sitebook template show TYPE --json' prints an example.",
        parents=[common],
        formatter_class=formatter,
    )
    p.add_argument("file", metavar="FILE.json", help="the template definition")
    p.set_defaults(func=cmd_template_add)
