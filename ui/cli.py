"""The ``sitebook`` command line: every vault operation a script or a technician needs.

A thin face on the :class:`vault.Vault` API (no Qt here). This module builds the
parser and runs a command; the commands live in ``ui.cli_vault`` (init, demo,
client, check, passwd, generate), ``ui.cli_records`` (record ...) and
``ui.cli_files`` (attach ..., template ...); ``ui.cli_record_views`` renders
records; shared plumbing is ``ui.cli_common``.

Exit codes: 0 success; 1 an error the vault reports (one line ``sitebook:
<message>`` on stderr) or ``check`` found problems; 2 a usage error.

JSON output (``--json``; stable, keys in this order; lists are JSON arrays)::

    record show / add / edit / rm / undelete / restore / link / unlink -> object
        {"id", "client", "client_id", "type", "title",
         "fields": {name: value},        # secrets are null unless --reveal
         "custom": {name: kind},          # kinds of the non-template fields
         "tags": [str], "links": [id], "backlinks": [id],
         "attachments": [{"id", "name", "size", "sha256"}],
         "version", "created", "updated", "author", "author_id", "deleted"}
        client and client_id are null for provider-internal records;
        times are ISO 8601 UTC; author is a display name, author_id a member id.
    record list      -> [{"id", "type", "title", "client", "client_id", "tags",
                          "version", "updated", "deleted"}]
    record history   -> [{"version", "author", "author_id", "created", "deleted", "title"}]
    record diff      -> [{"what", "old", "new", "secret"}]
                        what: "title" | "type" | "tags" | "links" | "deleted" |
                        "field:<name>"; old/new null for secrets unless --reveal
    client add / rename -> {"id", "name"}
    client list      -> [{"id", "name", "records"}]
    attach add       -> {"id", "record_id", "name", "size", "sha256", "mime",
                         "created", "author"}
    attach list      -> [ the attach add object ]
    attach get       -> {"path", "name", "size"}
    template list    -> [{"id", "name", "plural", "builtin", "fields", "description"}]
    template show / add -> the definition: {"id", "name", "plural", "description",
                         "builtin", "fields": [{"name", "kind", "label", "required",
                         "choices", "list_column", "help"}]}
    check            -> {"ok", "records", "versions", "attachments",
                         "problems": [{"kind", "id", "version", "detail"}]}
    init             -> {"path", "vault_id", "member_id", "name", "owner", "recovery_key"}
    demo             -> {"path", "counts": {type: n}, "recovery_key"}
    passwd           -> {"changed": true, "member_id"}
    generate         -> {"kind": "password" | "passphrase", "password", "bits"}
"""

from __future__ import annotations

import argparse
import io
import logging
import os
import sys

from ui import (
    cli_files,
    cli_handover,
    cli_import,
    cli_members,
    cli_records,
    cli_search,
    cli_sync,
    cli_vault,
)
from ui.cli_common import ENV_PASSPHRASE, ENV_VAULT, Session
from vault.errors import VaultError

PROG = "sitebook"

EPILOG = f"""\
global options (--vault, --passphrase-file, --recovery-key-file, --member, --json)
may come before or after the command.

where the passphrase comes from, first match wins:
  --passphrase-file FILE   its first line
  {ENV_PASSPHRASE}      meant for scripts and tests; other programs running as
                           you can read a process's environment, so people should
                           prefer the file or the prompt
  a prompt without echo    only when stdin is a terminal
--recovery-key-file FILE unlocks with the emergency-kit recovery key instead.

environment:
  {ENV_VAULT}           the vault file when --vault is not given
  {ENV_PASSPHRASE}      the passphrase (see above)
  SITEBOOK_DATA_DIR, SITEBOOK_CACHE_DIR, SITEBOOK_LOG_DIR, SITEBOOK_CONFIG_DIR
                           move Sitebook's folders (e.g. for a portable install)

exit codes:
  0  success
  1  an error reported as one line 'sitebook: <message>' on stderr (wrong
     passphrase, no such record, damaged or newer vault, ...), or 'check'
     found problems
  2  usage error (unknown command or option, bad value)

--json prints data as JSON; the shapes are listed in the README.
"""


def version() -> str:
    """The installed distribution's version, or ``0+unknown`` when run from a checkout."""
    from importlib import metadata  # ~25 ms to import; only --version needs it

    try:
        return metadata.version("sitebook")
    except metadata.PackageNotFoundError:
        return "0+unknown"


class _VersionAction(argparse.Action):
    """``--version``, looked up only when asked for (the metadata scan costs start-up time)."""

    def __init__(self, option_strings: list[str], dest: str, **kwargs: object) -> None:
        kwargs.setdefault("default", argparse.SUPPRESS)
        super().__init__(option_strings, dest, nargs=0, **kwargs)  # type: ignore[arg-type]

    def __call__(self, parser: argparse.ArgumentParser, *_args: object, **_kw: object) -> None:
        print(f"{PROG} {version()}")
        parser.exit()


def _global_options(
    parser: argparse.ArgumentParser, *, suppress: bool, member: bool = True
) -> None:
    """Add the options every command accepts.

    On the top-level parser they get real defaults; on each command they default
    to ``SUPPRESS`` so that a value given before the command is not reset by the
    command's parser.
    """
    group = parser.add_argument_group("global options")

    def default(value: object) -> object:
        return argparse.SUPPRESS if suppress else value

    group.add_argument(
        "--vault",
        metavar="PATH",
        default=default(None),
        help=f"the vault file (default: ${ENV_VAULT})",
    )
    group.add_argument(
        "--passphrase-file",
        metavar="FILE",
        default=default(None),
        help="read the passphrase from the first line of FILE",
    )
    group.add_argument(
        "--recovery-key-file",
        metavar="FILE",
        default=default(None),
        help="unlock with the recovery key in FILE instead of a passphrase",
    )
    if member:
        group.add_argument(
            "--member",
            metavar="ID",
            default=default(None),
            help="unlock as this member (id or prefix) when several people share the file",
        )
    group.add_argument(
        "--json",
        action="store_true",
        default=default(False),
        help="print data as JSON (see the README for the shapes)",
    )


def build_parser() -> argparse.ArgumentParser:
    """The complete ``sitebook`` argument parser (also walked by tests/test_docs.py)."""
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Sitebook: an encrypted, offline documentation vault for IT service\n"
        "providers. Every command works on one vault file.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--version", action=_VersionAction, help="show the version of Sitebook and exit"
    )
    _global_options(parser, suppress=False)
    common = argparse.ArgumentParser(add_help=False)
    _global_options(common, suppress=True)
    commands = parser.add_subparsers(
        dest="command", metavar="COMMAND", required=True, title="commands"
    )
    formatter = argparse.HelpFormatter
    cli_vault.register(commands, common, formatter)
    cli_records.register(commands, common, formatter)
    cli_files.register(commands, common, formatter)
    without_member = argparse.ArgumentParser(add_help=False)
    _global_options(without_member, suppress=True, member=False)
    cli_members.register(commands, common, formatter, without_member)
    cli_handover.register_export(commands, common, formatter)
    cli_handover.register_handover(commands, common, formatter)
    cli_import.register(commands, common, formatter)
    cli_search.register(commands, common, formatter)
    cli_sync.register(commands, common, formatter)
    return parser


def _exit_code(code: object) -> int:
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1


class _StderrHandler(logging.Handler):
    """Log records as ``sitebook: warning: ...`` on whatever ``sys.stderr`` is at the time."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            sys.stderr.write(f"{PROG}: warning: {record.getMessage()}\n")
        except Exception:  # logging must never break a command
            self.handleError(record)


def _configure_output() -> None:
    """Never die on an unencodable character; show vault warnings as one line each.

    The log handler is only installed when nothing else configured logging (a
    test runner or an embedding program keeps its own).
    """
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors="backslashreplace")
    root = logging.getLogger()
    if not root.handlers:
        root.addHandler(_StderrHandler(logging.WARNING))


def main(argv: list[str] | None = None) -> int:
    """Run one ``sitebook`` command and return its exit code.

    Args:
        argv: The arguments after the program name (default: ``sys.argv[1:]``).

    Returns:
        0 on success, 1 when the vault reports an error (or ``check`` finds
        problems), 2 for a usage error.
    """
    _configure_output()
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return _exit_code(exc.code)
    session = Session(args)
    try:
        return int(args.func(session) or 0)
    except cli_vault.UsageError as exc:
        print(f"{PROG}: {exc}", file=sys.stderr)
        return 2
    except VaultError as exc:
        print(f"{PROG}: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"\n{PROG}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (``sitebook record list | head``): stop quietly.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    finally:
        session.close()


if __name__ == "__main__":
    sys.exit(main())
