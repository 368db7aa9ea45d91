"""The formats Sitebook imports, and the sniffer that picks one from a file's content.

Each format module defines ``FORMAT``, a :class:`Format` naming its CLI name,
its reader and its sniffer. The sniffer looks at a :class:`Probe` (the first
64 KiB, the CSV header, or a folder's or zip's file names) and returns a score
from 0 (not this format) to 100 (certain); the highest score wins. Modules are
imported on first use so that ``sitebook --help`` stays fast.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from importers.base import ImportOptions, Parsed
from importers.inputs import MAX_FILES, csv_header, is_zip, normal_key
from vault.errors import ImportInputError

HEAD_BYTES = 64 * 1024

_MODULES: dict[str, str] = {
    "keepass-xml": "keepass_xml",
    "kdbx": "kdbx",
    "bitwarden-json": "bitwarden_json",
    "bitwarden-csv": "bitwarden_csv",
    "1password-1pux": "onepassword_1pux",
    "1password-csv": "onepassword_csv",
    "1password-1pif": "onepassword_1pif",
    "lastpass-csv": "lastpass_csv",
    "chrome-csv": "chrome_csv",
    "firefox-csv": "firefox_csv",
    "keepassxc-csv": "keepassxc_csv",
    "dashlane-csv": "dashlane_csv",
    "itglue": "itglue",
    "itflow-csv": "itflow_csv",
    "csv": "generic_csv",
    "markdown": "markdown",
}
"""CLI name -> module under ``importers``, in the order of the issue."""


@dataclass
class Probe:
    """What a sniffer may look at: the start of a file, or the names in a folder or zip."""

    path: Path
    is_dir: bool
    head: bytes = b""
    names: list[str] = field(default_factory=list)

    @cached_property
    def text(self) -> str:
        """The head decoded as text for sniffing ('' when it looks binary)."""
        if self.head[:2] in (b"\xff\xfe", b"\xfe\xff"):
            return self.head.decode("utf-16", errors="replace")
        if b"\x00" in self.head:
            return ""
        return self.head.decode("utf-8", errors="replace").lstrip("\ufeff")

    @cached_property
    def header(self) -> list[str]:
        """The first CSV row ([] when the head does not look like CSV)."""
        if self.is_dir or self.is_zip or not self.text.strip():
            return []
        return csv_header(self.text)

    @cached_property
    def header_keys(self) -> list[str]:
        """The CSV header folded for comparison (lower case, letters and digits only)."""
        return [normal_key(cell) for cell in self.header]

    @property
    def is_zip(self) -> bool:
        """Whether the file is a zip."""
        return not self.is_dir and is_zip(self.head)

    @property
    def suffix(self) -> str:
        """The file's lower-case extension (".csv")."""
        return self.path.suffix.lower()


@dataclass(frozen=True)
class Format:
    """One importable format.

    Attributes:
        name: The CLI's name ("keepass-xml").
        label: What a person reads ("KeePass 2 XML").
        parse: Reads a path into a :class:`Parsed`.
        sniff: Scores a :class:`Probe` from 0 to 100.
        prefix: The source-id prefix stored with records (defaults to ``name``);
            formats that share ids (KeePass XML and KDBX) share a prefix.
        folder: Whether the input may be a folder (or a zip of one).
        description: One line for help texts.
    """

    name: str
    label: str
    parse: Callable[[Path, ImportOptions], Parsed]
    sniff: Callable[[Probe], int]
    prefix: str = ""
    folder: bool = False
    description: str = ""

    @property
    def source_prefix(self) -> str:
        """The prefix of this format's source ids."""
        return self.prefix or self.name


_loaded: dict[str, Format] | None = None


def formats() -> dict[str, Format]:
    """Every format by CLI name, in the order of the issue."""
    global _loaded
    if _loaded is None:
        found: dict[str, Format] = {}
        for name, module in _MODULES.items():
            fmt: Format = importlib.import_module(f"importers.{module}").FORMAT
            assert fmt.name == name, f"importers.{module} calls itself {fmt.name}"
            found[name] = fmt
        _loaded = found
    return dict(_loaded)


def names() -> list[str]:
    """The CLI names of every format, without importing their modules."""
    return list(_MODULES)


def get(name: str) -> Format:
    """The format called ``name``.

    Raises:
        ImportInputError: No such format; the message lists them.
    """
    if name not in _MODULES:
        raise ImportInputError(f"unknown format '{name}'; known formats: {', '.join(_MODULES)}")
    return formats()[name]


def probe(path: Path) -> Probe:
    """Look at a path for sniffing (first 64 KiB, or the file names of a folder or zip)."""
    if path.is_dir():
        listing: list[str] = []
        for index, child in enumerate(sorted(path.rglob("*"))):
            if index >= MAX_FILES:
                break
            if child.is_file():
                listing.append(child.relative_to(path).as_posix())
        return Probe(path, True, b"", listing)
    try:
        with path.open("rb") as handle:
            head = handle.read(HEAD_BYTES)
    except FileNotFoundError:
        raise ImportInputError("does not exist", file=path) from None
    except OSError as exc:
        raise ImportInputError(f"cannot be read ({exc.strerror})", file=path) from None
    result = Probe(path, False, head)
    if result.is_zip:
        import zipfile

        try:
            with zipfile.ZipFile(path) as archive:
                result.names = [i.filename for i in archive.infolist()[:MAX_FILES]]
        except (zipfile.BadZipFile, NotImplementedError, OSError, ValueError, EOFError):
            result.names = []
    return result


SURE = 90
"""A sniff score at which a format is sure a file is its own."""


def named(name: str, path: Path) -> Format:
    """The format called ``name``, for ``path``, unless the file is plainly another format.

    Naming a format forces it on a file its sniffer does not recognise (an
    unusual export). But when that sniffer rules the file out and another
    format is sure of it, reading it as the named one would fail with a
    puzzling message ("not a readable zip file") or, worse, map its columns
    wrongly; the person is told what the file looks like instead.

    Raises:
        ImportInputError: No such format, or the file is plainly another format.
    """
    chosen = get(name)
    found = probe(path)
    if (found.is_dir and not chosen.folder) or _score(chosen, found) > 0:
        return chosen
    likely = [fmt for score, fmt in _scores(found) if fmt is not chosen and score >= SURE]
    if likely:
        raise ImportInputError(
            f"looks like {likely[0].label} ({likely[0].name}), not {chosen.label}; "
            f"import it as {likely[0].name}, or let Sitebook recognise the format",
            file=path,
        )
    return chosen


def _score(fmt: Format, found: Probe) -> int:
    try:
        return fmt.sniff(found)
    except ImportInputError:
        return 0


def _scores(found: Probe) -> list[tuple[int, Format]]:
    """Every format that may read ``found`` and recognises it, with its score."""
    scored = [
        (_score(fmt, found), fmt) for fmt in formats().values() if fmt.folder or not found.is_dir
    ]
    return [(score, fmt) for score, fmt in scored if score > 0]


def sniff(path: Path) -> Format:
    """The format of a file or folder, from its content.

    Raises:
        ImportInputError: Nothing recognises it, or two formats are equally sure
            (the message says which, so the person can name one).
    """
    scores = [(score, fmt.name) for score, fmt in _scores(probe(path))]
    if not scores:
        raise ImportInputError(
            "is not in a format Sitebook recognises; name the format "
            f"(one of: {', '.join(formats())})",
            file=path,
        )
    scores.sort(reverse=True)
    best = scores[0]
    ties = [name for score, name in scores if score == best[0]]
    if len(ties) > 1:
        raise ImportInputError(f"could be any of {', '.join(ties)}; name the format", file=path)
    return formats()[best[1]]
