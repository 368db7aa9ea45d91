"""Vault-wide commands: ``init``, ``demo``, ``passwd``, ``check``, ``generate`` and ``client``.

``init`` and ``demo`` create a vault and print its recovery key once; ``passwd``
re-seals the member's keys under a new passphrase; ``check`` verifies every
ciphertext and signature; ``generate`` makes a password without any vault;
``client`` manages client organisations (one encrypted scope each).
"""

from __future__ import annotations

import argparse
import contextlib
import getpass
from collections import Counter
from pathlib import Path

from crypto import kdf, passwords
from ui.cli_common import (
    CliError,
    Progress,
    Session,
    passphrase_from_file,
    prompt_new_passphrase,
    short,
    stdin_is_terminal,
    table,
)
from vault import Vault, paths

DEFAULT_DEMO_RECORDS = 400
DEFAULT_PASSWORD_LENGTH = 20


class UsageError(CliError):
    """Options that argparse accepts one by one but not together (exit code 2)."""


def kdf_memory(text: str) -> int:
    """An argparse ``type`` for ``--kdf-memory``: MiB from 64 to 2048."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number of MiB") from None
    low, high = kdf.FLOOR_MEMORY_KIB // 1024, kdf.MAX_MEMORY_KIB // 1024
    if not low <= value <= high:
        raise argparse.ArgumentTypeError(f"must be from {low} to {high} MiB")
    return value


def positive(text: str) -> int:
    """An argparse ``type`` for counts: a whole number of at least 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _kdf_params(session: Session, memory_mib: int | None) -> kdf.KdfParams:
    if memory_mib is None:
        session.note("Measuring this computer to set the key-derivation cost (about 1 s)...")
        return kdf.calibrate()
    return kdf.KdfParams(memory_mib * 1024, kdf.DEFAULT_ITERATIONS, kdf.DEFAULT_LANES)


def _default_owner() -> str:
    try:
        return getpass.getuser() or "Owner"
    except (OSError, KeyError, ImportError):
        return "Owner"


def _new_vault_path(text: str) -> Path:
    path = Path(text).expanduser()
    if path.exists() or path.is_symlink():
        raise CliError(f"{path} already exists; choose another file name")
    if not path.parent.is_dir():
        raise CliError(f"cannot create {path}: the folder {path.parent} does not exist")
    return path


def _recovery_lines(key: str) -> list[str]:
    return [
        "",
        "RECOVERY KEY - shown only this once. Write it down or print the emergency kit now:",
        "",
        f"    {key}",
        "",
        "Keep it on paper, away from this computer. With it the vault can be opened when",
        "the passphrase is lost; anyone who has it and the vault file can read everything.",
    ]


# ---------------------------------------------------------------------- init and demo


def cmd_init(session: Session) -> int:
    """``init``."""
    args = session.args
    path = _new_vault_path(args.path)
    passphrase = session.new_passphrase()
    params = _kdf_params(session, args.kdf_memory)
    vault, key = Vault.create(
        path,
        name=args.name or path.stem,
        owner=args.owner or _default_owner(),
        passphrase=passphrase,
        kdf_params=params,
    )
    session.adopt(vault)
    owner = vault.member_name(vault.member_id)
    if session.json:
        session.emit(
            {
                "path": str(path),
                "vault_id": vault.vault_id,
                "member_id": vault.member_id,
                "name": vault.name,
                "owner": owner,
                "recovery_key": key,
            }
        )
    else:
        session.out(f"Created vault '{vault.name}' at {path} (owner: {owner}).")
        session.lines(_recovery_lines(key))
    return 0


def cmd_demo(session: Session) -> int:
    """``demo``."""
    try:
        from vault.demo import build_demo
        from vault.demo_data import PROVIDER
    except ModuleNotFoundError as exc:
        if not (exc.name or "").startswith("vault.demo"):  # the demo modules, not a bug
            raise
        raise CliError("this Sitebook has no demo builder (vault/demo.py is missing)") from None
    args = session.args
    path = _new_vault_path(args.path or str(paths.data_dir() / "demo.sitebook"))
    passphrase = session.new_passphrase()
    vault, key = Vault.create(
        path,
        name=PROVIDER,
        owner=_default_owner(),
        passphrase=passphrase,
        kdf_params=_kdf_params(session, args.kdf_memory),
    )
    session.adopt(vault)
    progress = Progress("Writing demo records")
    try:
        counts = build_demo(vault, args.records, args.seed, progress)
    except BaseException:
        progress.finish()
        session.close()
        for suffix in ("", "-wal", "-shm"):
            with contextlib.suppress(OSError):
                Path(f"{path}{suffix}").unlink()
        raise
    progress.finish()
    if session.json:
        session.emit({"path": str(path), "counts": counts, "recovery_key": key})
    else:
        session.out(f"Created demo vault {path} with {sum(counts.values())} records:")
        session.lines("  " + line for line in table(("TYPE", "RECORDS"), sorted(counts.items())))
        session.lines(_recovery_lines(key))
    return 0


# ---------------------------------------------------------------------- passwd and check


def cmd_passwd(session: Session) -> int:
    """``passwd``."""
    args = session.args
    vault = session.vault()
    if args.new_passphrase_file:
        new = passphrase_from_file(args.new_passphrase_file, "new passphrase file")
    elif stdin_is_terminal():
        new = prompt_new_passphrase()
    else:
        raise CliError(
            "no new passphrase: use --new-passphrase-file FILE (or run in a terminal to be asked)"
        )
    vault.change_passphrase(new)
    if session.json:
        session.emit({"changed": True, "member_id": vault.member_id})
    else:
        session.out("Passphrase changed. The old one no longer opens this vault.")
    return 0


def cmd_check(session: Session) -> int:
    """``check``; exit code 1 when anything is damaged."""
    vault = session.vault()
    progress = Progress("Checking versions")
    report = vault.check(progress)
    progress.finish()
    problems = [
        {"kind": p.kind, "id": p.id, "version": p.version, "detail": p.detail}
        for p in report.problems
    ]
    if session.json:
        session.emit(
            {
                "ok": report.ok,
                "records": report.records,
                "versions": report.versions,
                "attachments": report.attachments,
                "problems": problems,
            }
        )
    else:
        session.out(
            f"Checked {report.records} records ({report.versions} versions) and "
            f"{report.attachments} attachments."
        )
        if report.skipped_scopes:
            session.out(f"Skipped {report.skipped_scopes} scope(s) you hold no key for.")
        for p in report.problems:
            version = f" version {p.version}" if p.version is not None else ""
            session.out(f"{p.kind} {p.id}{version}: {p.detail}")
        session.out(
            "No problems found." if report.ok else f"{len(report.problems)} problem(s) found."
        )
    return 0 if report.ok else 1


# ---------------------------------------------------------------------- generate


def cmd_generate(session: Session) -> int:
    """``generate``; needs no vault."""
    args = session.args
    try:
        if args.words is not None:
            if args.no_symbols:
                raise UsageError("--no-symbols applies to passwords (--length), not --words")
            secret = passwords.generate_passphrase(args.words)
            bits = passwords.passphrase_entropy_bits(args.words)
            kind = "passphrase"
        else:
            length = args.length or DEFAULT_PASSWORD_LENGTH
            secret = passwords.generate_password(length, symbols=not args.no_symbols)
            bits = passwords.password_entropy_bits(length, symbols=not args.no_symbols)
            kind = "password"
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if session.json:
        session.emit({"kind": kind, "password": secret, "bits": round(bits, 1)})
    else:
        session.out(secret)
        session.note(f"{bits:.1f} bits of entropy ({kind})")
    return 0


# ---------------------------------------------------------------------- client


def cmd_client_add(session: Session) -> int:
    """``client add``."""
    client = session.vault().add_client(session.args.name)
    if session.json:
        session.emit({"id": client.id, "name": client.name})
    else:
        session.out(f"Added client '{client.name}' ({client.id})")
    return 0


def cmd_client_list(session: Session) -> int:
    """``client list``."""
    vault = session.vault()
    clients = vault.clients()
    counts = Counter(record.scope_id for record in vault.list_records())
    if session.json:
        session.emit([{"id": c.id, "name": c.name, "records": counts[c.id]} for c in clients])
    elif clients:
        session.lines(
            table(
                ("ID", "NAME", "RECORDS"),
                ((short(c.id), c.name, str(counts[c.id])) for c in clients),
            )
        )
    else:
        session.note("No clients yet; add one with 'sitebook client add NAME'.")
    return 0


def cmd_client_rename(session: Session) -> int:
    """``client rename``."""
    client = session.vault().rename_client(session.args.client, session.args.new_name)
    if session.json:
        session.emit({"id": client.id, "name": client.name})
    else:
        session.out(f"Renamed client {short(client.id)} to '{client.name}'")
    return 0


# ---------------------------------------------------------------------- parser


def register(
    commands: argparse._SubParsersAction, common: argparse.ArgumentParser, formatter: type
) -> None:
    """Add ``init``, ``demo``, ``client``, ``check``, ``passwd`` and ``generate``."""
    kdf_help = (
        "Argon2id memory in MiB (64-2048; 3 passes, 4 lanes); "
        "default: measured so that unlocking takes about 1 s on this computer"
    )
    p = commands.add_parser(
        "init",
        help="create a new vault and print its recovery key",
        description="Create a new vault. The passphrase comes from --passphrase-file or "
        "SITEBOOK_PASSPHRASE, or is asked for twice. The recovery key is printed once: "
        "write it down or print the emergency kit.",
        parents=[common],
        formatter_class=formatter,
    )
    p.add_argument("path", metavar="VAULT", help="the vault file to create (*.sitebook)")
    p.add_argument("--name", help="the vault's (your organisation's) name; default: file name")
    p.add_argument("--owner", help="the owner's display name; default: your user name")
    p.add_argument("--kdf-memory", type=kdf_memory, metavar="MIB", help=kdf_help)
    p.set_defaults(func=cmd_init)

    p = commands.add_parser(
        "demo",
        help="create a demo vault full of realistic sample records",
        description="Create a demo vault with sample clients and records, for trying "
        "Sitebook out or benchmarking. The passphrase comes from the usual sources.",
        parents=[common],
        formatter_class=formatter,
    )
    p.add_argument(
        "path",
        metavar="VAULT",
        nargs="?",
        help="the vault file to create; default: demo.sitebook in the Sitebook data folder",
    )
    p.add_argument(
        "--records",
        type=positive,
        default=DEFAULT_DEMO_RECORDS,
        metavar="N",
        help=f"how many records (default {DEFAULT_DEMO_RECORDS})",
    )
    p.add_argument("--seed", type=int, default=1, metavar="S", help="random seed (default 1)")
    p.add_argument("--kdf-memory", type=kdf_memory, metavar="MIB", help=kdf_help)
    p.set_defaults(func=cmd_demo)

    client = commands.add_parser(
        "client",
        help="add, list and rename clients",
        description="Clients are the organisations you look after; each has its own key.",
        formatter_class=formatter,
    )
    sub = client.add_subparsers(dest="subcommand", metavar="SUBCOMMAND", required=True)
    p = sub.add_parser(
        "add",
        help="add a client",
        description="Add a client.",
        parents=[common],
        formatter_class=formatter,
    )
    p.add_argument("name", metavar="NAME", help="the client's name")
    p.set_defaults(func=cmd_client_add)
    p = sub.add_parser(
        "list",
        help="list clients with their record counts",
        description="List clients with their record counts.",
        parents=[common],
        formatter_class=formatter,
    )
    p.set_defaults(func=cmd_client_list)
    p = sub.add_parser(
        "rename",
        help="rename a client (its records stay with it)",
        description="Rename a client; its id and records stay the same.",
        parents=[common],
        formatter_class=formatter,
    )
    p.add_argument("client", metavar="CLIENT", help="the client's name, id or a unique prefix")
    p.add_argument("new_name", metavar="NEWNAME", help="the new name")
    p.set_defaults(func=cmd_client_rename)

    p = commands.add_parser(
        "check",
        help="verify every record, version and attachment; exit 1 if anything is damaged",
        description="Verify every ciphertext and signature you can read. Each problem is "
        "printed as 'record <id> version <n>: <detail>'; the exit code is 1 when there "
        "are problems.",
        parents=[common],
        formatter_class=formatter,
    )
    p.set_defaults(func=cmd_check)

    p = commands.add_parser(
        "passwd",
        help="change your passphrase",
        description="Change your passphrase. The current one comes from the usual sources "
        "(or unlock with --recovery-key-file if it is lost); the new one from "
        "--new-passphrase-file or is asked for twice.",
        parents=[common],
        formatter_class=formatter,
    )
    p.add_argument(
        "--new-passphrase-file", metavar="FILE", help="read the new passphrase (first line)"
    )
    p.set_defaults(func=cmd_passwd)

    p = commands.add_parser(
        "generate",
        help="generate a random password or passphrase (no vault needed)",
        description="Print a random password (default: 20 characters of all classes) or "
        "a diceware passphrase (--words). Its entropy goes to stderr.",
        parents=[common],
        formatter_class=formatter,
    )
    choice = p.add_mutually_exclusive_group()
    choice.add_argument(
        "--words", type=positive, metavar="N", help="a passphrase of N words from the EFF list"
    )
    choice.add_argument(
        "--length",
        type=positive,
        metavar="N",
        help=f"a password of N characters (default {DEFAULT_PASSWORD_LENGTH})",
    )
    p.add_argument("--no-symbols", action="store_true", help="letters and digits only")
    p.set_defaults(func=cmd_generate)
