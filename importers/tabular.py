"""Helpers the CSV importers share: loading a table, stable row ids, leftover columns.

CSV rows carry no ids, so a row's stable id is a hash of the columns that
identify it (for a login: title, URL and username); a second row with the
same identity gets ``#2``, so duplicates in one file both survive and a
re-import still finds each. Columns an importer does not know are kept as
custom text fields and listed as unmapped.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path

from importers.base import Parsed, RecordDraft
from importers.inputs import (
    CsvTable,
    decode_text,
    normal_key,
    read_bytes,
    read_csv,
    sniff_delimiter,
)
from vault.fields import FieldKind


def load_table(path: Path, *, delimiter: str | None = ",") -> CsvTable:
    """Read a CSV file (UTF-8 with or without BOM, UTF-16 with BOM, or Windows-1252).

    Args:
        path: The file.
        delimiter: The separator; None to guess it from the first line.
    """
    text = decode_text(read_bytes(path), path)
    return read_csv(text, path, delimiter=delimiter or sniff_delimiter(text))


class RowIds:
    """Stable ids from identifying values; repeats get ``#2``, ``#3``..."""

    def __init__(self) -> None:
        self._seen: Counter[str] = Counter()

    def __call__(self, *parts: str) -> str:
        joined = "\x1f".join(" ".join(p.split()).casefold() for p in parts)
        digest = hashlib.sha256(joined.encode("utf-8", "surrogatepass")).hexdigest()[:32]
        self._seen[digest] += 1
        count = self._seen[digest]
        return digest if count == 1 else f"{digest}#{count}"


def host_of(url: str) -> str:
    """The host part of a URL ("https://x.example.com/a" -> "x.example.com"), or ''."""
    text = re.sub(r"^[a-z][a-z0-9+.-]*://", "", url.strip(), flags=re.I)
    host = re.split(r"[/?#]", text, maxsplit=1)[0].rpartition("@")[2]
    return host


def column(row: dict[str, str], *names: str) -> str:
    """The value of the first of ``names`` (compared loosely) that is not empty in ``row``."""
    for name in names:
        wanted = normal_key(name)
        for key, value in row.items():
            if value.strip() and normal_key(key) == wanted:
                return value
    return ""


def humanize(header: str) -> str:
    """A column name as a person writes it: "configuration_status" -> "Configuration status"."""
    words = " ".join(header.replace("_", " ").split())
    return words[:1].upper() + words[1:] if words else header


def keep_rest(
    draft: RecordDraft,
    row: dict[str, str],
    used: Iterable[str],
    parsed: Parsed,
    *,
    secret: Iterable[str] = (),
    label: Callable[[str], str] | None = None,
) -> None:
    """Put every column not in ``used`` (compared loosely) into a custom field.

    ``label`` turns a header into the custom field's name (default: as is).
    """
    taken = {normal_key(n) for n in used}
    secrets = {normal_key(n) for n in secret}
    for name, value in row.items():
        key = normal_key(name)
        if key in taken or not value.strip():
            continue
        kind = FieldKind.SECRET if key in secrets else FieldKind.TEXT
        draft.put(label(name) if label else name, value, kind)
        parsed.note_unmapped(name)


def header_matches(keys: list[str], expected: Iterable[str], *, exact: bool = False) -> bool:
    """Whether a folded header has every expected column (and nothing else when exact)."""
    want = [normal_key(e) for e in expected]
    if exact:
        return keys == want
    return all(w in keys for w in want)
