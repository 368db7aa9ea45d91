"""``manifest.json`` and ``manifest.sig``: what a handover holds, and the exporter's signature.

``manifest.json`` lists every other file of the package with its SHA-256 and
size, the counts, the source vault id and the exporter (name, member id,
Ed25519 public key, fingerprint). It is written in one canonical form (UTF-8,
keys sorted, two-space indent, a final newline) and those exact bytes are
signed with the exporter's key through :meth:`vault.vault.Vault.sign` under the
label ``handover-manifest``.

``manifest.sig`` is a small JSON object::

    {"algorithm": "Ed25519", "label": "handover-manifest",
     "signed": "sitebook external-sig context (see README.html)",
     "signature": "<base64 of the 64-byte signature>"}

The signed message is not the bare file: :func:`vault.codec.ctx` binds it to
the purpose and the source vault, i.e. the bytes ``b"sitebook\\0external-sig\\0"``
followed by three length-prefixed parts (4-byte big-endian length, then a type
byte ``s`` for text or ``b`` for bytes, then the value): the label, the source
vault id, and the manifest's bytes. Anyone can check it with any Ed25519
implementation and the public key from the manifest; the fingerprint printed in
README.html lets a person compare that key with what the exporter told them.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
LABEL = "handover-manifest"
FORMAT = "sitebook-handover"
FORMAT_VERSION = 1
CHUNK = 1024 * 1024


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _walk(folder: str, prefix: str) -> Iterator[tuple[str, os.DirEntry[str]]]:
    with os.scandir(folder) as entries:
        for entry in entries:
            if entry.is_dir():
                yield from _walk(entry.path, f"{prefix}{entry.name}/")
            elif entry.is_file():
                yield f"{prefix}{entry.name}", entry


def package_files(root: Path) -> list[str]:
    """Every file below ``root`` as a POSIX relative path, sorted, without the manifest pair."""
    return sorted(name for name, _ in _walk(str(root), "") if name not in (MANIFEST, SIGNATURE))


def file_table(
    root: Path, known: dict[str, dict[str, Any]] | None = None
) -> dict[str, dict[str, Any]]:
    """{relative path: {"sha256", "size"}} for every file of the package.

    ``known`` holds hashes taken of the exact bytes as they were written; a file
    listed there with the same size on disk is not read back. Every other file
    is read and hashed.
    """
    known = known or {}
    found = {name: entry for name, entry in _walk(str(root), "")}
    table: dict[str, dict[str, Any]] = {}
    for name in sorted(found):
        if name in (MANIFEST, SIGNATURE):
            continue
        size = found[name].stat().st_size
        entry = known.get(name)
        if entry is not None and entry["size"] == size:
            table[name] = {"sha256": entry["sha256"], "size": size}
        else:
            table[name] = {"sha256": sha256_file(root / name), "size": size}
    return table


def canonical(manifest: dict[str, Any]) -> bytes:
    """The one byte form a manifest is written and signed in."""
    return (json.dumps(manifest, sort_keys=True, indent=2, ensure_ascii=False) + "\n").encode()


def signature_document(signature: bytes) -> bytes:
    """The bytes of ``manifest.sig``."""
    return (
        json.dumps(
            {
                "algorithm": "Ed25519",
                "label": LABEL,
                "signed": "sitebook external-sig context (see README.html)",
                "signature": base64.b64encode(signature).decode("ascii"),
            },
            indent=2,
        )
        + "\n"
    ).encode()


def read_signature(data: bytes) -> bytes:
    """The raw signature from ``manifest.sig`` bytes.

    Raises:
        ValueError: Not the expected JSON, or not a 64-byte base64 signature.
    """
    document = json.loads(data.decode("utf-8"))
    if not isinstance(document, dict) or document.get("algorithm") != "Ed25519":
        raise ValueError("not an Ed25519 signature document")
    if document.get("label") != LABEL:
        raise ValueError("the signature is for another purpose")
    raw = base64.b64decode(document.get("signature", ""), validate=True)
    if len(raw) != 64:
        raise ValueError("an Ed25519 signature has 64 bytes")
    return raw
