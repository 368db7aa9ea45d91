"""Leak-canary helpers: unique markers, and a scanner over every byte a test left on disk."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterable
from pathlib import Path


def mark(kind: str) -> str:
    """A unique marker that cannot appear by chance in ciphertext or metadata."""
    return f"cnry{kind}{secrets.token_hex(8)}"


def encodings(marker: str) -> list[bytes]:
    """The byte forms a leaked marker could take on disk."""
    return [marker.encode("utf-8"), marker.encode("utf-16-le"), marker.encode("utf-16-be")]


def files_under(roots: Iterable[Path], exclude: Iterable[Path] = ()) -> list[Path]:
    """Every regular file below the roots (following no links), minus the excluded ones."""
    skip = {Path(p).resolve() for p in exclude}
    found: list[Path] = []
    for root in roots:
        root = Path(root)
        if root.is_file():
            found.append(root)
            continue
        for folder, _dirs, names in os.walk(root):
            for name in names:
                path = Path(folder) / name
                if path.is_file() and not path.is_symlink() and path.resolve() not in skip:
                    found.append(path)
    return found


def scan(markers: Iterable[str], files: Iterable[Path]) -> list[tuple[str, str]]:
    """(marker, file) for every marker found in any file; the empty list means no leak."""
    needles = {m: encodings(m) for m in markers}
    hits = []
    for path in files:
        data = path.read_bytes()
        for marker, forms in needles.items():
            if any(form in data for form in forms):
                hits.append((marker, str(path)))
    return hits
