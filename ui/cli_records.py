"""``sitebook record ...``: add, show, edit, list, history, diff, restore, delete, link.

Field values come from ``--field NAME=VALUE`` (``NAME:KIND=VALUE`` for a custom
field of another kind, e.g. ``pin:secret=1234``) or ``--field-file NAME=PATH``,
which reads the value from a file so that secrets stay off the command line and
out of shell history. Secrets are masked in every view unless ``--reveal``.
The JSON shapes are documented in :mod:`ui.cli`.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from ui.cli_common import CliError, Session, clip, day, read_file_text, short, table, when
from ui.cli_record_views import (
    client_label,
    diff_lines,
    record_json,
    show_lines,
    summary_json,
    type_name,
)
from vault.fields import FieldKind
from vault.model import Record
from vault.templates import Template

FieldSpec = tuple[str, FieldKind | None, str]
_KINDS = {kind.value for kind in FieldKind}


# ---------------------------------------------------------------------- argument types


def field_spec(text: str) -> FieldSpec:
    """Parse ``NAME=VALUE`` or ``NAME:KIND=VALUE`` (an argparse ``type``).

    The error message never repeats the argument: it may be a secret.
    """
    head, sep, value = text.partition("=")
    if not sep:
        raise argparse.ArgumentTypeError("expected NAME=VALUE or NAME:KIND=VALUE")
    name, kind = head, None
    before, colon, after = head.rpartition(":")
    if colon and after.strip().lower() in _KINDS:
        name, kind = before, FieldKind(after.strip().lower())
    name = name.strip()
    if not name:
        raise argparse.ArgumentTypeError("the field name before '=' is empty")
    return name, kind, value


def _file_value(path: str) -> str:
    """A value read from a file: UTF-8, one trailing line ending dropped."""
    text = read_file_text(path, "field file")
    if text.endswith("\r\n"):
        return text[:-2]
    return text.removesuffix("\n")


def _saved(session: Session, record: Record, verb: str) -> int:
    vault = session.vault()
    if session.json:
        session.emit(record_json(vault, record))
    else:
        where = client_label(vault, record.scope_id)
        session.out(
            f"{verb} record {record.id} (version {record.version}): "
            f"{type_name(vault, record.type)} '{record.title}' in {where}"
        )
    return 0


# ---------------------------------------------------------------------- field input


def _collect_fields(
    session: Session,
    template: Template,
    specs: Sequence[FieldSpec],
    file_specs: Sequence[FieldSpec],
    existing_custom: dict[str, FieldKind],
) -> tuple[dict[str, str], dict[str, FieldKind]]:
    """Field values and new custom kinds from ``--field`` and ``--field-file`` options."""
    vault = session.vault()
    values: dict[str, str] = {}
    custom: dict[str, FieldKind] = {}
    given = [*specs, *((name, kind, _file_value(path)) for name, kind, path in file_specs)]
    for name, kind, value in given:
        definition = template.field(name)
        if definition is not None:
            if kind is not None and kind is not definition.kind:
                raise CliError(
                    f"'{name}' is a {definition.kind} field of {template.name}; leave out ':{kind}'"
                )
            effective = definition.kind
        else:
            if kind is not None:
                custom[name] = kind
            elif name not in existing_custom:
                custom[name] = FieldKind.TEXT
                session.note(
                    f"sitebook: note: '{name}' is not a field of {template.name}; "
                    "it is saved as a custom text field"
                )
            effective = custom.get(name) or existing_custom.get(name, FieldKind.TEXT)
        if effective is FieldKind.REFERENCE and value.strip():
            value = vault.resolve_id(value)
        values[name] = value
    return values, custom


# ---------------------------------------------------------------------- commands


def cmd_add(session: Session) -> int:
    """``record add``."""
    args = session.args
    vault = session.vault()
    scope = vault.scope_for(args.client)
    template = vault.template(args.type)
    fields, custom = _collect_fields(session, template, args.field, args.field_file, {})
    links = [vault.resolve_id(link) for link in args.link]
    record = vault.add_record(
        scope, template.id, args.title, fields, custom=custom, tags=args.tag, links=links
    )
    return _saved(session, record, "Added")


def cmd_show(session: Session) -> int:
    """``record show``."""
    args = session.args
    vault = session.vault()
    head = vault.get_record(args.id)
    record = head if args.version is None else vault.get_record(head.id, args.version)
    if args.reveal and record.secret_names(vault.kinds(record)):
        vault.log_event("reveal", record.id, version=record.version)
    if session.json:
        session.emit(record_json(vault, record, reveal=args.reveal))
    else:
        session.lines(show_lines(vault, record, head, reveal=args.reveal))
    return 0


def cmd_edit(session: Session) -> int:
    """``record edit``."""
    args = session.args
    if not (
        args.title is not None
        or args.field
        or args.field_file
        or args.remove_field
        or args.tag is not None
        or args.add_tag
        or args.remove_tag
    ):
        raise CliError(
            "nothing to change: give --title, --field, --field-file, --remove-field, "
            "--tag, --add-tag or --remove-tag"
        )
    vault = session.vault()
    current = vault.get_record(args.id)
    template = vault.template(current.type)
    fields, custom = _collect_fields(
        session, template, args.field, args.field_file, dict(current.custom)
    )
    changes: dict[str, str | None] = dict(fields)
    for name in args.remove_field:
        if name not in current.fields:
            raise CliError(f"record {short(current.id)} has no field '{name}'")
        changes[name] = None
    tags: list[str] | None = None
    if args.tag is not None or args.add_tag or args.remove_tag:
        tags = list(current.tags if args.tag is None else args.tag)
        tags.extend(args.add_tag)
        removed = {tag.casefold() for tag in args.remove_tag}
        tags = [tag for tag in tags if tag.casefold() not in removed]
    record = vault.update_record(
        current.id, title=args.title, fields=changes, custom=custom or None, tags=tags
    )
    return _saved(session, record, "Saved")


def cmd_list(session: Session) -> int:
    """``record list``."""
    args = session.args
    vault = session.vault()
    scope = vault.scope_for(args.client) if args.client else None
    if args.type:
        vault.template(args.type)  # a clear error for an unknown type
    records = vault.list_records(scope, args.type, include_deleted=args.deleted)
    if session.json:
        session.emit([summary_json(vault, r) for r in records])
    elif records:
        session.lines(
            table(
                ("ID", "TYPE", "TITLE", "CLIENT", "UPDATED"),
                (
                    (
                        short(r.id),
                        r.type,
                        clip(r.title, 50) + (" [deleted]" if r.deleted else ""),
                        clip(client_label(vault, r.scope_id), 30),
                        day(r.updated),
                    )
                    for r in records
                ),
            )
        )
    else:
        session.note("No records.")
    session.warn_damaged()
    return 0


def cmd_history(session: Session) -> int:
    """``record history``."""
    vault = session.vault()
    versions = vault.history(session.args.id)
    if session.json:
        session.emit(
            [
                {
                    "version": v.number,
                    "author": v.author_name,
                    "author_id": v.author,
                    "created": v.created,
                    "deleted": v.deleted,
                    "title": v.title,
                }
                for v in versions
            ]
        )
    else:
        session.lines(
            table(
                ("VERSION", "DATE", "AUTHOR", "TITLE"),
                (
                    (
                        str(v.number),
                        when(v.created),
                        v.author_name,
                        clip(v.title, 50) + (" [deleted]" if v.deleted else ""),
                    )
                    for v in versions
                ),
            )
        )
    return 0


def cmd_diff(session: Session) -> int:
    """``record diff``."""
    args = session.args
    vault = session.vault()
    changes = vault.diff(args.id, args.v1, args.v2)
    if args.reveal and any(c.secret for c in changes):
        vault.log_event("reveal", vault.resolve_id(args.id), versions=[args.v1, args.v2])
    if session.json:
        session.emit(
            [
                {
                    "what": c.what,
                    "old": c.old if args.reveal or not c.secret else None,
                    "new": c.new if args.reveal or not c.secret else None,
                    "secret": c.secret,
                }
                for c in changes
            ]
        )
    elif not changes:
        session.out(f"No differences between version {args.v1} and version {args.v2}.")
    else:
        record = vault.get_record(args.id, args.v2)
        session.out(f"Changes from version {args.v1} to version {args.v2}:")
        session.lines(
            "  " + line for line in diff_lines(vault, record, changes, reveal=args.reveal)
        )
    return 0


def cmd_restore(session: Session) -> int:
    """``record restore``."""
    vault = session.vault()
    record = vault.restore(session.args.id, session.args.version)
    return _saved(session, record, f"Restored version {session.args.version} of")


def cmd_rm(session: Session) -> int:
    """``record rm``."""
    vault = session.vault()
    record = vault.delete(session.args.id)
    if session.json:
        session.emit(record_json(vault, record))
    else:
        session.out(
            f"Deleted record {record.id} '{record.title}'. "
            f"'sitebook record undelete {short(record.id)}' brings it back."
        )
    return 0


def cmd_undelete(session: Session) -> int:
    """``record undelete``."""
    vault = session.vault()
    return _saved(session, vault.undelete(session.args.id), "Brought back")


def cmd_link(session: Session) -> int:
    """``record link``."""
    vault = session.vault()
    return _saved(session, vault.link(session.args.id, session.args.other), "Linked")


def cmd_unlink(session: Session) -> int:
    """``record unlink``."""
    vault = session.vault()
    return _saved(session, vault.unlink(session.args.id, session.args.other), "Unlinked")


def cmd_restrict(session: Session) -> int:
    """``record restrict``."""
    vault = session.vault()
    return _saved(session, vault.restrict(session.args.id, session.args.members), "Restricted")


# ---------------------------------------------------------------------- parser


FIELD_HELP = (
    "set a field: NAME=VALUE, or NAME:KIND=VALUE for a custom field of another kind "
    "(e.g. pin:secret=1234); NAME is the field name 'sitebook template show TYPE' lists; "
    "a name the template lacks becomes a custom text field; repeatable"
)
FIELD_FILE_HELP = (
    "set a field from the contents of a file (NAME=PATH or NAME:KIND=PATH; one trailing "
    "newline is dropped), so secrets stay off the command line and out of shell history; "
    "repeatable"
)


def register(
    commands: argparse._SubParsersAction, common: argparse.ArgumentParser, formatter: type
) -> None:
    """Add ``record`` and its subcommands to the top-level parser."""
    record = commands.add_parser(
        "record",
        help="add, show, edit, list and delete records; history, diff, restore, links",
        description="Records are the documentation itself: configurations, credentials, "
        "procedures, exceptions, service entries, contacts, locations, agreements and "
        "your own types. Every save keeps the previous version.",
        formatter_class=formatter,
    )
    sub = record.add_subparsers(dest="subcommand", metavar="SUBCOMMAND", required=True)

    def leaf(name: str, help: str, description: str = "") -> argparse.ArgumentParser:
        return sub.add_parser(
            name,
            help=help,
            description=description or help[:1].upper() + help[1:] + ".",
            parents=[common],
            formatter_class=formatter,
        )

    p = leaf(
        "add",
        "create a record",
        "Create a record of a type in a client's scope (or the provider-internal scope "
        "without --client). Example: sitebook record add --client Contoso --type credential "
        "--title 'Domain admin' --field username=administrator --field-file password=pw.txt",
    )
    p.add_argument("--client", metavar="CLIENT", help="client name or id (default: internal)")
    p.add_argument("--type", required=True, metavar="TYPE", help="record type, e.g. credential")
    p.add_argument("--title", required=True, help="the record's title")
    p.add_argument(
        "--field",
        action="append",
        default=[],
        type=field_spec,
        metavar="NAME=VALUE",
        help=FIELD_HELP,
    )
    p.add_argument(
        "--field-file",
        action="append",
        default=[],
        type=field_spec,
        metavar="NAME=PATH",
        help=FIELD_FILE_HELP,
    )
    p.add_argument("--tag", action="append", default=[], help="add a tag; repeatable")
    p.add_argument(
        "--link", action="append", default=[], metavar="ID", help="link to a record; repeatable"
    )
    p.set_defaults(func=cmd_add)

    p = leaf(
        "show",
        "show one record with its fields, tags, links, backlinks and attachments",
        "Show a record laid out by its template. Secrets are shown as ••••••••; "
        "--reveal shows them.",
    )
    p.add_argument("id", metavar="ID", help="record id or a unique prefix (4+ characters)")
    p.add_argument("--reveal", action="store_true", help="show secret values")
    p.add_argument("--version", type=int, metavar="N", help="show an older version")
    p.set_defaults(func=cmd_show)

    p = leaf(
        "edit",
        "change a record (saves a new version)",
        "Change a record's title, fields or tags. The previous version is kept; "
        "'sitebook record history' lists versions.",
    )
    p.add_argument("id", metavar="ID", help="record id or a unique prefix")
    p.add_argument("--title", help="new title")
    p.add_argument(
        "--field",
        action="append",
        default=[],
        type=field_spec,
        metavar="NAME=VALUE",
        help=FIELD_HELP + "; an empty VALUE removes the field",
    )
    p.add_argument(
        "--field-file",
        action="append",
        default=[],
        type=field_spec,
        metavar="NAME=PATH",
        help=FIELD_FILE_HELP,
    )
    p.add_argument(
        "--remove-field",
        action="append",
        default=[],
        metavar="NAME",
        help="remove a field; repeatable",
    )
    p.add_argument(
        "--tag",
        action="append",
        default=None,
        help="replace all tags with the --tag values given; repeatable",
    )
    p.add_argument("--add-tag", action="append", default=[], metavar="TAG", help="add a tag")
    p.add_argument("--remove-tag", action="append", default=[], metavar="TAG", help="remove a tag")
    p.set_defaults(func=cmd_edit)

    p = leaf(
        "list",
        "list records: short id, type, title, client, updated date",
        "List records, most recently changed first.",
    )
    p.add_argument("--client", metavar="CLIENT", help="only this client's records")
    p.add_argument("--type", metavar="TYPE", help="only records of this type")
    p.add_argument(
        "--deleted", action="store_true", help="include deleted records (marked [deleted])"
    )
    p.set_defaults(func=cmd_list)

    p = leaf("history", "list every version of a record")
    p.add_argument("id", metavar="ID", help="record id or a unique prefix")
    p.set_defaults(func=cmd_history)

    p = leaf(
        "diff",
        "show what changed between two versions",
        "Show what changed between two versions of a record. A changed secret is "
        "reported as 'changed' unless --reveal.",
    )
    p.add_argument("id", metavar="ID", help="record id or a unique prefix")
    p.add_argument("v1", type=int, metavar="V1", help="the older version number")
    p.add_argument("v2", type=int, metavar="V2", help="the newer version number")
    p.add_argument("--reveal", action="store_true", help="show changed secret values")
    p.set_defaults(func=cmd_diff)

    p = leaf(
        "restore",
        "save an old version's content as the newest version",
        "Save the content of an old version as a new version (nothing is lost: the "
        "versions in between stay in the history).",
    )
    p.add_argument("id", metavar="ID", help="record id or a unique prefix")
    p.add_argument("version", type=int, metavar="VERSION", help="the version to bring back")
    p.set_defaults(func=cmd_restore)

    p = leaf(
        "rm",
        "delete a record (kept with its history; undelete brings it back)",
    )
    p.add_argument("id", metavar="ID", help="record id or a unique prefix")
    p.set_defaults(func=cmd_rm)

    p = leaf("undelete", "bring a deleted record back")
    p.add_argument("id", metavar="ID", help="record id or a unique prefix")
    p.set_defaults(func=cmd_undelete)

    p = leaf(
        "link",
        "relate a record to another (shown on both)",
        "Relate record ID to record OTHER: ID lists it under 'Links to', OTHER under "
        "'Linked from'.",
    )
    p.add_argument("id", metavar="ID", help="the record that links")
    p.add_argument("other", metavar="OTHER", help="the record linked to")
    p.set_defaults(func=cmd_link)

    p = leaf("unlink", "remove the link from a record to another")
    p.add_argument("id", metavar="ID", help="the record that links")
    p.add_argument("other", metavar="OTHER", help="the record linked to")
    p.set_defaults(func=cmd_unlink)

    p = leaf(
        "restrict",
        "let only named members (and you) read a record",
        "Move a record, with its whole history and attachments, into a sub-scope whose key "
        "only the named members and you hold. Others with access to the client no longer "
        "see it. Change the secret afterwards: whoever could read it before may have kept it.",
    )
    p.add_argument("id", metavar="ID", help="record id or a unique prefix")
    p.add_argument(
        "--to",
        dest="members",
        action="append",
        default=[],
        metavar="MEMBER",
        help="a member who may read it (id prefix or name; repeat)",
    )
    p.set_defaults(func=cmd_restrict)
