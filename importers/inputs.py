"""Reading foreign files safely: size and nesting limits, text decoding, CSV, JSON, XML, zip.

Every importer reads through these helpers so that bad input always ends as
:class:`vault.errors.ImportInputError` naming the file, the line or element and
the field, and hostile input (entity expansion, external entities, zip and
gzip bombs, absurd nesting, huge fields) is refused before it costs memory.
XML with a DTD goes through defusedxml, which refuses it; XML that provably has
none (so no entity can be declared) is parsed by the C parser, which builds the
same tree faster. Nothing is ever extracted to disk.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import zipfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from itertools import chain
from pathlib import Path, PurePosixPath
from typing import Any
from xml.etree.ElementTree import Element, ParseError, XMLParser

import defusedxml.ElementTree as safe_et
from defusedxml import DefusedXmlException

from vault.errors import ImportInputError

MAX_FILE_BYTES = 512 * 1024 * 1024
"""The largest single input file (or zip member) read."""
MAX_UNPACKED_BYTES = 2 * 1024 * 1024 * 1024
"""The most bytes one import may inflate from zips and compressed attachments, in total."""
MAX_DEPTH = 64
"""The deepest nesting of groups, folders, JSON or XML elements accepted."""
MAX_ITEMS = 1_000_000
"""The most items (rows, entries, files) one import may hold."""
MAX_CSV_FIELD = 16 * 1024 * 1024
"""The longest single CSV cell."""
MAX_FILES = 100_000
"""The most files a folder or zip may hold."""

_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


class Budget:
    """Counts bytes inflated during one import against :data:`MAX_UNPACKED_BYTES`."""

    def __init__(self, limit: int = MAX_UNPACKED_BYTES) -> None:
        self.limit = limit
        self.used = 0

    def take(self, amount: int, file: object, what: str) -> None:
        """Account for ``amount`` more bytes or raise ImportInputError."""
        self.used += amount
        if self.used > self.limit:
            raise ImportInputError(
                f"{what} unpacks to more than {self.limit // (1024 * 1024)} MiB in total; "
                "refusing to continue",
                file=file,
            )


def read_bytes(path: Path, limit: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of a file, refusing folders, missing files and files over ``limit``."""
    try:
        size = path.stat().st_size
        if path.is_dir():
            raise ImportInputError("is a folder, not a file", file=path)
        if size > limit:
            raise ImportInputError(
                f"is {size // (1024 * 1024)} MiB; the largest file read is "
                f"{limit // (1024 * 1024)} MiB",
                file=path,
            )
        with path.open("rb") as handle:
            data = handle.read(limit + 1)
    except FileNotFoundError:
        raise ImportInputError("does not exist", file=path) from None
    except PermissionError:
        raise ImportInputError("cannot be read (permission denied)", file=path) from None
    except OSError as exc:
        raise ImportInputError(f"cannot be read ({exc.strerror})", file=path) from None
    if len(data) > limit:
        raise ImportInputError("grew past the size limit while being read", file=path)
    return data


def file_head(path: Path, size: int = 8) -> bytes:
    """The first ``size`` bytes of a file (b"" for a folder)."""
    if path.is_dir():
        return b""
    try:
        with path.open("rb") as handle:
            return handle.read(size)
    except FileNotFoundError:
        raise ImportInputError("does not exist", file=path) from None
    except OSError as exc:
        raise ImportInputError(f"cannot be read ({exc.strerror})", file=path) from None


def decode_text(data: bytes, file: object, *, legacy: str | None = "cp1252") -> str:
    """Decode text: UTF-8 (BOM or not), UTF-16 with a BOM, else ``legacy`` (Windows-1252).

    Raises:
        ImportInputError: Neither decodes; names the line of the first bad byte.
    """
    if data.startswith(_UTF16_BOMS):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise ImportInputError(f"is not valid UTF-16 text ({exc.reason})", file=file) from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        first_bad = exc.start
    if legacy:
        try:
            return data.decode(legacy)
        except UnicodeDecodeError:
            pass
    line = data.count(b"\n", 0, first_bad) + 1
    raise ImportInputError(
        "is not UTF-8 text" + (" nor Windows-1252 text" if legacy else ""), file=file, line=line
    )


# ---------------------------------------------------------------------- JSON


def parse_json(text: str | bytes, file: object, *, first_line: int = 1) -> Any:
    """Parse JSON, refusing nesting deeper than :data:`MAX_DEPTH` and absurd numbers.

    ``first_line`` is the line the text starts on in its file (for messages).
    """
    if isinstance(text, bytes):
        text = decode_text(text, file, legacy=None)
    _check_json_depth(text, file, first_line)
    try:
        return json.loads(text, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise ImportInputError(
            f"is not valid JSON ({exc.msg})", file=file, line=exc.lineno + first_line - 1
        ) from None
    except (ValueError, RecursionError) as exc:
        raise ImportInputError(f"is not usable JSON ({exc})", file=file) from None


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


_JSON_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.DOTALL)


def _check_json_depth(text: str, file: object, first_line: int = 1) -> None:
    depth = 0
    for match in _JSON_TOKENS.finditer(text):
        char = match.group()[0]
        if char in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                line = text.count("\n", 0, match.start()) + first_line
                raise ImportInputError(
                    f"nests deeper than {MAX_DEPTH} levels", file=file, line=line
                )
        elif char in "]}":
            depth -= 1


def expect(value: Any, kind: type | tuple[type, ...], file: object, where: str) -> Any:
    """``value`` if it is of ``kind``, else ImportInputError naming ``where``."""
    if isinstance(value, kind):
        return value
    names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
    words = {"dict": "an object", "list": "a list", "str": "text", "int": "a number"}
    wanted = words.get(names, names)
    raise ImportInputError(f"{where} should be {wanted}", file=file)


def text_of(value: Any) -> str:
    """A JSON scalar as text ('' for null; numbers and booleans as written)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float, str)):
        return str(value)
    return json.dumps(value, ensure_ascii=False)


# ---------------------------------------------------------------------- XML


def parse_xml(data: bytes, file: object) -> Element:
    """Parse XML safely: no DTD, no entities, no external references.

    A document that may hold a DTD goes through defusedxml (which refuses it);
    one that provably holds none (:func:`_no_dtd`) through the C parser.

    Raises:
        ImportInputError: Not well-formed (with its line), or a forbidden construct,
            or nested deeper than :data:`MAX_DEPTH` * 4 elements.
    """
    try:
        root = _fast_xml(data) if _no_dtd(data) else safe_et.fromstring(data, forbid_dtd=True)
    except ParseError as exc:
        line = exc.position[0] if getattr(exc, "position", None) else None
        message = str(exc).split(":", 1)[0]
        raise ImportInputError(
            f"is not well-formed XML ({message})", file=file, line=line
        ) from None
    except DefusedXmlException as exc:
        raise ImportInputError(
            f"uses a forbidden XML feature ({type(exc).__name__}); refusing it", file=file
        ) from None
    except (ValueError, RecursionError) as exc:
        raise ImportInputError(f"cannot be read as XML ({exc})", file=file) from None
    _check_xml_depth(root, file)
    return root


_XML_DECLARATION = re.compile(rb"<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._-]*)[\"']")
_ASCII_SAFE_ENCODINGS = frozenset({b"utf-8", b"utf8", b"us-ascii", b"ascii", b"iso-8859-1"})


def _no_dtd(data: bytes | str) -> bool:
    """True when ``data`` provably has no DTD, so no entity can be declared or fetched.

    Entities (internal, external, parameter) can only be declared inside a
    ``<!DOCTYPE`` declaration, and without one expat refuses every entity
    reference but the five predefined ones. The marker is searched for as bytes,
    so the answer is only trusted for encodings expat reads natively that spell
    ASCII as ASCII (UTF-8, US-ASCII, ISO-8859-1); anything else (UTF-16, other
    declared encodings, a marker anywhere, even in a comment) goes through
    defusedxml, which refuses the DTD as before.
    """
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
    head = (raw[3:] if raw.startswith(b"\xef\xbb\xbf") else raw).lstrip(b" \t\r\n")
    if not head.startswith(b"<") or head[1:2] in (b"", b"\x00"):
        return False
    declared = _XML_DECLARATION.match(head) if head.startswith(b"<?xml") else None
    if declared is not None and declared[1].lower() not in _ASCII_SAFE_ENCODINGS:
        return False
    return b"<!DOCTYPE" not in raw and b"<!ENTITY" not in raw


def _fast_xml(data: bytes | str) -> Element:
    """Parse XML that has no DTD with the C parser (what defusedxml would build, faster).

    defusedxml has to use the pure-Python parser to hook its DTD and entity
    checks; for a document without a DTD (see :func:`_no_dtd`) those hooks never
    fire, so the C parser builds the same tree in about half the time.
    """
    parser = XMLParser()  # noqa: S314 - no DTD, so nothing defusedxml guards against
    parser.feed(data)
    return parser.close()


def _check_xml_depth(root: Element, file: object) -> None:
    """Refuse a tree nested too deep or with too many elements (walked level by level)."""
    limit = MAX_DEPTH * 4
    level: list[Element] = [root]
    depth, count = 1, 0
    while level:
        if depth > limit:
            raise ImportInputError(
                f"nests XML elements deeper than {limit} levels (<{level[0].tag}>)", file=file
            )
        count += len(level)
        if count > MAX_ITEMS * 20:
            raise ImportInputError("has too many XML elements", file=file)
        # Every child, in order, without a Python loop (leaves have none to give).
        level = list(chain.from_iterable(filter(len, level)))
        depth += 1


# ---------------------------------------------------------------------- CSV


@dataclass
class CsvTable:
    """A CSV file read into rows: the header and (line number, row as dict) pairs."""

    file: object
    header: list[str]
    rows: list[tuple[int, dict[str, str]]]
    extra: list[tuple[int, list[str]]]


def _dedupe_header(cells: list[str]) -> list[str]:
    out: list[str] = []
    for index, cell in enumerate(cells, 1):
        name = cell.strip().lstrip("\ufeff").strip() or f"column {index}"
        base, number = name, 2
        while name in out:
            name = f"{base} ({number})"
            number += 1
        out.append(name)
    return out


def sniff_delimiter(text: str) -> str:
    """The delimiter of a CSV's first line: comma, semicolon, tab or pipe (comma if unsure)."""
    first = text.split("\n", 1)[0]
    counts = {d: first.count(d) for d in (",", ";", "\t", "|")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > 0 else ","


_NOTICED: ContextVar[list[str] | None] = ContextVar("_NOTICED", default=None)


@contextmanager
def noticing() -> Iterator[list[str]]:
    """Collect what the readers notice while one import reads its files (warnings).

    ``importers.read`` wraps every format's parse in it, so a CSV whose rows do
    not match its header is reported whichever importer read it.
    """
    token = _NOTICED.set([])
    try:
        notes = _NOTICED.get()
        assert notes is not None
        yield notes
    finally:
        _NOTICED.reset(token)


def _notice(message: str) -> None:
    notes = _NOTICED.get()
    if notes is not None:
        notes.append(message)


def _lines(numbers: list[int]) -> str:
    shown = ", ".join(str(n) for n in numbers[:5])
    return (
        f"line {shown}"
        if len(numbers) == 1
        else f"lines {shown}" + (" ..." if len(numbers) > 5 else "")
    )


def read_csv(text: str, file: object, *, delimiter: str = ",", header: bool = True) -> CsvTable:
    """Read CSV text; blank lines are skipped, short rows padded.

    Cells beyond the header's columns are kept under "column N" (and listed in
    ``extra``) so that nothing is dropped. Rows shorter or longer than the
    header are reported (:func:`noticing`): a short last row is how a file cut
    off between two cells looks.

    Args:
        text: The decoded file.
        file: The file's name for messages.
        delimiter: The separator.
        header: Whether the first row names the columns (else "column 1"...).

    Raises:
        ImportInputError: A malformed row (names its line), a cell over
            :data:`MAX_CSV_FIELD`, or more than :data:`MAX_ITEMS` rows.
    """
    _check_quotes(text, file, delimiter)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False)
    names: list[str] | None = None
    rows: list[tuple[int, dict[str, str]]] = []
    extra: list[tuple[int, list[str]]] = []
    short: list[int] = []
    old_limit = csv.field_size_limit(MAX_CSV_FIELD)
    try:
        while True:
            line = reader.line_num + 1
            try:
                cells = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:
                raise ImportInputError(f"is not valid CSV ({exc})", file=file, line=line) from None
            if not any(cell.strip() for cell in cells):
                continue
            if names is None:
                if header:
                    names = _dedupe_header(cells)
                    continue
                names = [f"column {n}" for n in range(1, len(cells) + 1)]
            if len(rows) >= MAX_ITEMS:
                raise ImportInputError(f"has more than {MAX_ITEMS:,} rows", file=file, line=line)
            if len(cells) < len(names):
                short.append(line)
            padded = cells + [""] * (len(names) - len(cells))
            row = dict(zip(names, padded, strict=False))
            if len(cells) > len(names):
                extra.append((line, cells[len(names) :]))
                for number, cell in enumerate(cells[len(names) :], len(names) + 1):
                    row[f"column {number}"] = cell
            rows.append((line, row))
    finally:
        csv.field_size_limit(old_limit)
    if names is None:
        raise ImportInputError("is empty (no header row)", file=file)
    if short:
        _notice(
            f"{file}: {len(short)} row(s) have fewer cells than the header ({_lines(short)}); "
            "is the file cut off?"
        )
    if extra:
        more = [line for line, _cells in extra]
        _notice(
            f"{file}: {len(extra)} row(s) have more cells than the header ({_lines(more)}); "
            "the extra cells are kept as custom fields"
        )
    return CsvTable(file, names, rows, extra)


def _check_quotes(text: str, file: object, delimiter: str) -> None:
    """Refuse a quote left open at the end of the file (a cut-off export).

    The lenient reader would silently take everything after it as one cell.
    """
    if '"' not in text:
        return
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    old_limit = csv.field_size_limit(MAX_CSV_FIELD)
    try:
        while True:
            line = reader.line_num + 1
            try:
                next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                if "unexpected end of data" in str(exc):
                    raise ImportInputError(
                        "ends inside a quoted cell (is the file cut off?)", file=file, line=line
                    ) from None
                return  # other strictness complaints: the lenient reader copes
    finally:
        csv.field_size_limit(old_limit)


def csv_header(text: str) -> list[str]:
    """The first row of CSV text, trimmed (empty when it cannot be read); for sniffing."""
    try:
        first = next(csv.reader(io.StringIO(text, newline=""), delimiter=sniff_delimiter(text)))
    except (csv.Error, StopIteration):
        return []
    return [cell.strip().lstrip("\ufeff").strip() for cell in first]


def normal_key(name: str) -> str:
    """A header compared loosely: lower case, only letters and digits."""
    return re.sub(r"[^0-9a-z]+", "", name.casefold())


# ---------------------------------------------------------------------- compressed data


def inflate(data: bytes, file: object, what: str, budget: Budget, limit: int) -> bytes:
    """Decompress gzip or zlib data, refusing output over ``limit`` (and the budget)."""
    decompressor = zlib.decompressobj(zlib.MAX_WBITS | 32)
    try:
        out = decompressor.decompress(data, limit + 1)
    except zlib.error:
        raise ImportInputError(f"{what} is not valid compressed data", file=file) from None
    if len(out) > limit or decompressor.unconsumed_tail:
        raise ImportInputError(
            f"{what} unpacks to more than {limit // (1024 * 1024)} MiB", file=file
        )
    budget.take(len(out), file, what)
    return out


# ---------------------------------------------------------------------- folders and zips


def _link_problem(link: Path, inside: Path) -> str | None:
    """Why a symbolic link in an imported folder is left out, or None to read it."""
    if not link.exists():
        return "a symbolic link to nothing"
    if not link.is_file():
        return "a symbolic link to something other than a file"
    if not link.resolve().is_relative_to(inside):
        return "a symbolic link to a file outside the imported folder"
    return None


class Tree:
    """A folder or a zip read as a read-only tree of files with posix relative names.

    Names never escape the tree: absolute names, ``..`` parts, symbolic links
    to folders and symbolic links to files outside the folder are left out (a
    folder someone sent must not pull ``~/.ssh/id_ed25519`` into the vault as
    an attachment), and so are pipes and devices (reading one would hang);
    :attr:`left_out` lists what a folder left out, for the import's report.
    Every read is size-checked.
    """

    def __init__(self, path: Path, budget: Budget | None = None) -> None:
        self.path = path
        self.budget = budget or Budget()
        self._zip: zipfile.ZipFile | None = None
        self._names: dict[str, Any] = {}
        self.left_out: list[tuple[str, str]] = []
        """(item, reason) for every file left out of a folder."""
        if path.is_dir():
            self._scan_folder()
        else:
            self._open_zip()

    def _scan_folder(self) -> None:
        base = self.path
        inside = base.resolve()
        for folder, dirs, files in os.walk(base, followlinks=False):
            rel = Path(folder).relative_to(base)
            if len(rel.parts) > MAX_DEPTH:
                raise ImportInputError(f"nests folders deeper than {MAX_DEPTH} levels", file=folder)
            dirs.sort()
            for name in dirs:  # os.walk lists links to folders here and does not enter them
                if (Path(folder) / name).is_symlink():
                    self.left_out.append((str(Path(folder) / name), "a symbolic link to a folder"))
            for name in sorted(files):
                full = Path(folder) / name
                reason = _link_problem(full, inside) if full.is_symlink() else None
                if reason is None and not full.is_file():  # a pipe or a device: reading hangs
                    reason = "not a regular file"
                if reason:
                    self.left_out.append((str(full), reason))
                    continue
                key = (PurePosixPath(*rel.parts) / name).as_posix()
                self._names[key] = full
                if len(self._names) > MAX_FILES:
                    raise ImportInputError(f"holds more than {MAX_FILES:,} files", file=base)

    def _open_zip(self) -> None:
        try:
            self._zip = zipfile.ZipFile(self.path)
            infos = self._zip.infolist()
        except FileNotFoundError:
            raise ImportInputError("does not exist", file=self.path) from None
        except (zipfile.BadZipFile, NotImplementedError, OSError, ValueError, EOFError) as exc:
            raise ImportInputError(f"is not a readable zip file ({exc})", file=self.path) from None
        if len(infos) > MAX_FILES:
            raise ImportInputError(f"holds more than {MAX_FILES:,} files", file=self.path)
        for info in infos:
            if info.is_dir():
                continue
            name = info.filename.replace("\\", "/")
            parts = PurePosixPath(name).parts
            if name.startswith("/") or ".." in parts or not parts:
                continue
            if len(parts) > MAX_DEPTH:
                raise ImportInputError(
                    f"nests folders deeper than {MAX_DEPTH} levels", file=f"{self.path}:{name}"
                )
            self._names[PurePosixPath(*parts).as_posix()] = info

    def report_left_out(self, skip: Callable[[str, str], None]) -> None:
        """Hand every left-out file to ``skip(item, reason)`` (``Parsed.skip``)."""
        for item, reason in self.left_out:
            skip(item, reason)

    def close(self) -> None:
        """Close the zip (if any)."""
        if self._zip is not None:
            self._zip.close()

    def __enter__(self) -> Tree:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def names(self) -> list[str]:
        """Every file's relative name, sorted."""
        return sorted(self._names)

    def label(self, name: str) -> str:
        """How to name a member in messages."""
        return str(self.path / name) if self._zip is None else f"{self.path}:{name}"

    def find(self, name: str) -> str | None:
        """The stored name matching ``name`` case-insensitively, or None."""
        if name in self._names:
            return name
        folded = name.casefold()
        for key in self._names:
            if key.casefold() == folded:
                return key
        return None

    def size(self, name: str) -> int:
        """The (declared) size of a member."""
        entry = self._names[name]
        return entry.file_size if isinstance(entry, zipfile.ZipInfo) else entry.stat().st_size

    def read(self, name: str, limit: int = MAX_FILE_BYTES) -> bytes:
        """The bytes of a member, size-checked (and counted against the budget for zips)."""
        entry = self._names.get(name)
        if entry is None:
            raise ImportInputError("is missing", file=self.label(name))
        if not isinstance(entry, zipfile.ZipInfo):
            return read_bytes(entry, limit)
        if entry.flag_bits & 0x1:
            raise ImportInputError(
                "is encrypted; export without a zip password", file=self.label(name)
            )
        if entry.file_size > limit:
            raise ImportInputError("is too large", file=self.label(name))
        self.budget.take(entry.file_size, self.label(name), "the zip")
        assert self._zip is not None
        try:
            with self._zip.open(entry) as handle:
                data = handle.read(limit + 1)
        except (
            zipfile.BadZipFile,
            zlib.error,
            OSError,
            EOFError,
            ValueError,
        ) as exc:
            raise ImportInputError(f"cannot be unpacked ({exc})", file=self.label(name)) from None
        except NotImplementedError as exc:
            raise ImportInputError(f"uses {exc}", file=self.label(name)) from None
        if len(data) > limit:
            raise ImportInputError("is too large", file=self.label(name))
        return data


def is_zip(head: bytes) -> bool:
    """Whether bytes start like a zip file."""
    return head.startswith((b"PK\x03\x04", b"PK\x05\x06"))
