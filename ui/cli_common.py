"""Plumbing shared by the ``sitebook`` commands: the session, secrets input and output.

A :class:`Session` wraps the parsed arguments of one invocation. It finds the
vault (``--vault`` or ``SITEBOOK_VAULT``), reads a passphrase from the one
source that applies (``--passphrase-file``, ``SITEBOOK_PASSPHRASE``, a no-echo
prompt on a terminal) or a recovery key (``--recovery-key-file``), opens and
unlocks the vault the first time a command asks for it, and closes it at the
end. It also owns output: data on stdout (text, or JSON with ``--json``),
notes and progress on stderr, so stdout stays clean for scripts.

Nothing here prints a secret or puts one into an error message.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, TextIO

from vault import Vault
from vault.errors import VaultError

ENV_VAULT = "SITEBOOK_VAULT"
ENV_PASSPHRASE = "SITEBOOK_PASSPHRASE"  # noqa: S105 - the name of a variable
MASK = "••••••••"


class CliError(VaultError):
    """A mistake the command line itself detects (a missing option, an unreadable file)."""


def read_file_text(path: str | os.PathLike[str], what: str) -> str:
    """Read a small UTF-8 text file the user named, or raise CliError saying why not.

    Args:
        path: The file.
        what: What the file is for, for the message ("passphrase file").
    """
    try:
        return Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CliError(f"cannot read the {what} {path}: it does not exist") from None
    except IsADirectoryError:
        raise CliError(f"cannot read the {what} {path}: it is a folder") from None
    except UnicodeDecodeError:
        raise CliError(f"cannot read the {what} {path}: it is not UTF-8 text") from None
    except OSError as exc:
        raise CliError(f"cannot read the {what} {path}: {exc.strerror}") from None


def first_line(text: str) -> str:
    """The first line of ``text`` without its line ending (spaces are kept)."""
    return text.split("\n", 1)[0].removesuffix("\r")


def passphrase_from_file(path: str | os.PathLike[str], what: str = "passphrase file") -> str:
    """The first line of a passphrase file; an empty first line is an error."""
    value = first_line(read_file_text(path, what))
    if not value:
        raise CliError(f"the {what} {path} has an empty first line")
    return value


def stdin_is_terminal() -> bool:
    """True when a person can answer a prompt (stdin is a TTY)."""
    try:
        return sys.stdin is not None and sys.stdin.isatty()
    except (ValueError, OSError):
        return False


def prompt_new_passphrase(what: str = "New passphrase") -> str:
    """Ask twice, without echo, for a new passphrase; raise CliError if they differ."""
    first = getpass.getpass(f"{what}: ")
    second = getpass.getpass("Repeat it: ")
    if first != second:
        raise CliError("the two passphrases do not match; nothing was changed")
    if not first:
        raise CliError("no passphrase typed; nothing was changed")
    return first


class Progress:
    """A progress callback ``(done, total)`` that writes to stderr.

    On a terminal one line is redrawn in place; otherwise a plain line is
    written each time another tenth of the work is done, so logs stay short.
    With ``unit="bytes"`` the numbers are shown as MiB.
    """

    def __init__(self, label: str, *, unit: str = "", stream: TextIO | None = None) -> None:
        self.label = label
        self.unit = unit
        self.stream = stream or sys.stderr
        try:
            self.tty = self.stream.isatty()
        except (ValueError, OSError):
            self.tty = False
        self._last_tenth = -1
        self._drawn = False

    def _amount(self, value: int) -> str:
        if self.unit == "bytes":
            return f"{value / 1048576:.1f} MiB"
        return f"{value:,}"

    def __call__(self, done: int, total: int) -> None:
        """Report that ``done`` of ``total`` units are finished (total 0 if unknown)."""
        if total > 0:
            percent = min(100, done * 100 // total)
            text = f"{self.label}: {self._amount(done)} of {self._amount(total)} ({percent}%)"
            tenth = percent // 10
        else:
            text = f"{self.label}: {self._amount(done)}"
            tenth = self._last_tenth
        if self.tty:
            self.stream.write("\r\x1b[K" + text)
            self.stream.flush()
            self._drawn = True
        elif tenth != self._last_tenth:
            self.stream.write(text + "\n")
            self.stream.flush()
        self._last_tenth = tenth

    def finish(self) -> None:
        """End the progress line (on a terminal)."""
        if self.tty and self._drawn:
            self.stream.write("\n")
            self.stream.flush()
        self._drawn = False


class Session:
    """One invocation: its arguments, its vault (opened on demand) and its output."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self._vault: Vault | None = None

    # ------------------------------------------------------------------ options

    @property
    def json(self) -> bool:
        """Whether ``--json`` was given."""
        return bool(getattr(self.args, "json", False))

    def option(self, name: str, default: Any = None) -> Any:
        """An argument's value, or ``default`` when the command has no such option."""
        return getattr(self.args, name, default)

    def vault_path(self) -> Path:
        """The vault file from ``--vault`` or ``SITEBOOK_VAULT``."""
        path = self.option("vault") or os.environ.get(ENV_VAULT)
        if not path:
            raise CliError(f"no vault given: use --vault or {ENV_VAULT}")
        return Path(path).expanduser()

    # ------------------------------------------------------------------ secrets

    def passphrase(self, prompt: str = "Passphrase") -> str:
        """The passphrase from ``--passphrase-file``, ``SITEBOOK_PASSPHRASE`` or a prompt."""
        source = self.option("passphrase_file")
        if source:
            return passphrase_from_file(source)
        env = os.environ.get(ENV_PASSPHRASE)
        if env:
            return env
        if stdin_is_terminal():
            return getpass.getpass(f"{prompt}: ")
        raise CliError(
            f"no passphrase: use --passphrase-file FILE or set {ENV_PASSPHRASE} "
            "(or run in a terminal to be asked)"
        )

    def new_passphrase(self) -> str:
        """A new vault's passphrase: the usual sources, else asked twice on a terminal."""
        source = self.option("passphrase_file")
        if source:
            return passphrase_from_file(source)
        env = os.environ.get(ENV_PASSPHRASE)
        if env:
            return env
        if stdin_is_terminal():
            return prompt_new_passphrase("Choose a passphrase for the new vault")
        raise CliError(
            f"no passphrase: use --passphrase-file FILE or set {ENV_PASSPHRASE} "
            "(or run in a terminal to be asked)"
        )

    # ------------------------------------------------------------------ the vault

    def vault(self) -> Vault:
        """The vault, opened and unlocked on first use (recovery key or passphrase)."""
        if self._vault is None:
            path = self.vault_path()
            opened = Vault.open(path)
            try:
                member = self.option("member")
                recovery_file = self.option("recovery_key_file")
                if recovery_file:
                    text = read_file_text(recovery_file, "recovery key file").strip()
                    if not text:
                        raise CliError(f"the recovery key file {recovery_file} is empty")
                    opened.unlock_with_recovery(text, member)
                else:
                    opened.unlock(self.passphrase(f"Passphrase for {path.name}"), member)
            except BaseException:
                opened.close()
                raise
            if opened.read_only:
                self.note(
                    f"sitebook: note: {path.name} is read-only (read-only media or no write "
                    "permission): it can be read, changes are refused, and this unlock is not "
                    "recorded in its audit log"
                )
            self._vault = opened
        return self._vault

    def adopt(self, vault: Vault) -> None:
        """Use an already unlocked vault (just created) and close it at the end."""
        self._vault = vault

    def close(self) -> None:
        """Lock and close the vault if it was opened."""
        if self._vault is not None:
            self._vault.close()
            self._vault = None

    # ------------------------------------------------------------------ output

    def out(self, text: str = "") -> None:
        """Write a line of data to stdout."""
        print(text)

    def lines(self, lines: Iterable[str]) -> None:
        """Write lines of data to stdout."""
        for line in lines:
            print(line)

    def emit(self, data: Any) -> None:
        """Write ``data`` as JSON to stdout (UTF-8, two-space indent, keys in shape order)."""
        print(json.dumps(data, indent=2, ensure_ascii=False))

    def note(self, text: str) -> None:
        """Write a message for the person (not data) to stderr."""
        print(text, file=sys.stderr)

    def warn_damaged(self) -> None:
        """Say on stderr when records could not be read while listing."""
        if self._vault is not None and self._vault.damaged:
            count = len(self._vault.damaged)
            self.note(
                f"sitebook: warning: {count} record(s) could not be read; "
                "run 'sitebook check' for details"
            )


# ---------------------------------------------------------------------- formatting


def short(record_id: str) -> str:
    """The 8-character short form of an id (enough to type back in most vaults)."""
    return record_id[:8]


def when(iso: str) -> str:
    """An ISO UTC timestamp as ``YYYY-MM-DD HH:MM UTC`` ('' stays '')."""
    if not iso:
        return ""
    return iso[:16].replace("T", " ") + " UTC"


def day(iso: str) -> str:
    """The date part of an ISO timestamp."""
    return iso[:10]


def human_size(size: int) -> str:
    """A byte count for people: ``512 B``, ``3.0 MiB``."""
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{int(value)} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"  # pragma: no cover - the loop always returns


def clip(text: str, width: int) -> str:
    """One line of at most ``width`` characters, with an ellipsis when cut."""
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def table(headers: Sequence[str], rows: Iterable[Sequence[str]]) -> list[str]:
    """Left-aligned columns separated by two spaces; the last column is not padded."""
    rows = [list(map(str, row)) for row in rows]
    widths = [len(h) for h in headers]
    for row in rows:
        for index, cell in enumerate(row):
            widths[index] = max(widths[index], len(cell))

    def line(cells: Sequence[str]) -> str:
        padded = [cell.ljust(widths[i]) for i, cell in enumerate(cells[:-1])]
        return "  ".join([*padded, cells[-1]]).rstrip()

    return [line(list(headers)), *(line(row) for row in rows)]


def labelled(pairs: Iterable[tuple[str, str]], indent: str = "") -> list[str]:
    """``Label:  value`` lines with values aligned; later lines of a value are indented."""
    pairs = list(pairs)
    width = max((len(label) for label, _ in pairs), default=0) + 2
    out = []
    for label, value in pairs:
        head = f"{indent}{label + ':':<{width}}"
        parts = value.split("\n") if value else [""]
        pad = " " * len(head)
        # Values are printed exactly (a password may end in a space); only padding is trimmed.
        out.append(head + parts[0] if parts[0] else head.rstrip())
        out.extend(pad + part if part else "" for part in parts[1:])
    return out
