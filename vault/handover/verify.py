"""``sitebook handover verify``: check a package (folder or zip) against its signed manifest.

Needs nothing but the package: the exporter's public key is in the manifest,
and README.html prints its fingerprint for a person to compare out of band.
Checks, in order: the manifest can be read; its signature verifies with the
key it names (and that key has the fingerprint it states); every listed file
is present with the listed size and SHA-256; no unlisted file was added; the
counts agree with ``records.json`` and the files. Every problem is reported,
each naming its file; :attr:`VerifyResult.first_mismatch` is the first.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import zipfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from crypto import keys
from vault.handover.manifest import (
    CHUNK,
    FORMAT,
    LABEL,
    MANIFEST,
    SIGNATURE,
    read_signature,
    signature_document,
)
from vault.vault import verify_signature


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a package: which file, and what."""

    file: str
    detail: str

    def __str__(self) -> str:
        return f"{self.file}: {self.detail}"


@dataclass(frozen=True)
class VerifyResult:
    """The outcome of :func:`verify_package`."""

    ok: bool
    path: Path
    problems: tuple[Problem, ...] = ()
    files: int = 0
    client: str | None = None
    exported: str | None = None
    exporter: dict[str, Any] = field(default_factory=dict)
    counts: dict[str, Any] = field(default_factory=dict)

    @property
    def first_mismatch(self) -> str | None:
        """The file named by the first problem, or None when the package is intact."""
        return self.problems[0].file if self.problems else None


class _Source:
    """Files of a package, from a folder or a zip, by POSIX path relative to its root."""

    def names(self) -> list[str]:
        raise NotImplementedError

    def open(self, name: str) -> BinaryIO:
        raise NotImplementedError

    def read(self, name: str) -> bytes | None:
        if name not in self.names():
            return None
        with self.open(name) as handle:
            return handle.read()

    def digest(self, name: str) -> tuple[str, int]:
        sha = hashlib.sha256()
        size = 0
        with self.open(name) as handle:
            while chunk := handle.read(CHUNK):
                sha.update(chunk)
                size += len(chunk)
        return sha.hexdigest(), size


class _Folder(_Source):
    def __init__(self, root: Path) -> None:
        self.root = root
        self._names = sorted(
            p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file() or p.is_symlink()
        )

    def names(self) -> list[str]:
        return self._names

    def open(self, name: str) -> BinaryIO:
        return (self.root / name).open("rb")


class _Zip(_Source):
    def __init__(self, path: Path) -> None:
        self.zip = zipfile.ZipFile(path)
        members = [i.filename for i in self.zip.infolist() if not i.is_dir()]
        manifests = sorted(
            (m for m in members if m == MANIFEST or m.endswith("/" + MANIFEST)), key=len
        )
        self.prefix = manifests[0][: -len(MANIFEST)] if manifests else ""
        self._names = sorted(
            m[len(self.prefix) :] if m.startswith(self.prefix) else "../" + m for m in members
        )

    def names(self) -> list[str]:
        return self._names

    def open(self, name: str) -> BinaryIO:
        return self.zip.open(self.prefix + name)  # type: ignore[return-value]


def _source(path: Path) -> _Source:
    if path.is_dir():
        return _Folder(path)
    if zipfile.is_zipfile(path):
        return _Zip(path)
    raise ValueError("it is neither a handover folder nor a zip file")


def verify_package(path: str | Path) -> VerifyResult:
    """Check a handover package (folder or zip) against its signed manifest.

    Never raises for a damaged package: every problem is in the result. A path
    that does not exist or is neither a folder nor a zip gives one problem.
    """
    path = Path(path)
    if not path.exists():
        return VerifyResult(False, path, (Problem(str(path), "does not exist"),))
    try:
        source = _source(path)
    except (ValueError, OSError, zipfile.BadZipFile) as exc:
        return VerifyResult(False, path, (Problem(str(path), str(exc)),))
    problems: list[Problem] = []
    raw = source.read(MANIFEST)
    if raw is None:
        return VerifyResult(False, path, (Problem(MANIFEST, "is missing"),))
    try:
        manifest = json.loads(raw.decode("utf-8"))
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
            raise ValueError
        listed: dict[str, dict[str, Any]] = manifest["files"]
        exporter = manifest["exporter"]
        public = base64.b64decode(exporter["public_key"], validate=True)
        vault_id = manifest["source_vault_id"]
    except (ValueError, KeyError, TypeError, UnicodeDecodeError, binascii.Error):
        return VerifyResult(False, path, (Problem(MANIFEST, "is not a handover manifest"),))
    problems.extend(_signature(source, raw, public, vault_id, exporter))
    problems.extend(_files(source, listed))
    if not problems:
        problems.extend(_counts(source, manifest.get("counts", {})))
    return VerifyResult(
        ok=not problems,
        path=path,
        problems=tuple(problems),
        files=len(listed),
        client=(manifest.get("client") or {}).get("name"),
        exported=manifest.get("created"),
        exporter=exporter,
        counts=manifest.get("counts", {}),
    )


def _signature(
    source: _Source, raw: bytes, public: bytes, vault_id: str, exporter: dict[str, Any]
) -> Iterator[Problem]:
    data = source.read(SIGNATURE)
    if data is None:
        yield Problem(SIGNATURE, "is missing: the manifest is not signed")
        return
    try:
        signature = read_signature(data)
        if signature_document(signature) != data:
            # Base64 and JSON allow several spellings of one signature; only the one
            # Sitebook writes is accepted, so that every changed byte is noticed.
            raise ValueError("it is not in the form Sitebook writes")
    except (ValueError, UnicodeDecodeError, binascii.Error) as exc:
        yield Problem(SIGNATURE, f"is damaged ({exc})")
        return
    if len(public) != 32 or not verify_signature(public, LABEL, vault_id, raw, signature):
        yield Problem(
            SIGNATURE,
            f"does not verify against {MANIFEST}: one of the two was changed after export",
        )
        return
    if exporter.get("fingerprint") != keys.fingerprint(public):
        yield Problem(MANIFEST, "states a fingerprint that does not belong to its public key")


def _files(source: _Source, listed: dict[str, dict[str, Any]]) -> Iterator[Problem]:
    present = set(source.names()) - {MANIFEST, SIGNATURE}
    for name in sorted(set(listed) | present):
        if name not in present:
            yield Problem(name, "is missing (listed in the manifest)")
            continue
        if name not in listed:
            yield Problem(name, "is not listed in the manifest (added after export)")
            continue
        try:
            digest, size = source.digest(name)
        except (OSError, zipfile.BadZipFile) as exc:  # a zip member whose CRC fails
            yield Problem(name, f"cannot be read ({exc})")
            continue
        expected = listed[name]
        if size != expected.get("size") or digest != expected.get("sha256"):
            yield Problem(name, "was changed after export (its SHA-256 differs)")


def _counts(source: _Source, counts: dict[str, Any]) -> Iterator[Problem]:
    """Cross-check the manifest's counts with records.json and the files (all hashes passed)."""
    data = source.read("records.json")
    if data is None:
        yield Problem("records.json", "is missing")
        return
    records = json.loads(data.decode("utf-8"))["records"]
    live = Counter(r["type"] for r in records if not r["deleted"])
    found = {
        "records": dict(sorted(live.items())),
        "deleted": sum(1 for r in records if r["deleted"]),
        "revisions": sum(len(r["revisions"]) for r in records),
        "attachments": sum(len(r["attachments"]) for r in records),
    }
    for key, value in found.items():
        stated = counts.get(key)
        if key == "records" and isinstance(stated, dict):
            stated = dict(sorted(stated.items()))
        if stated != value:
            yield Problem(MANIFEST, f"counts {key} {stated!r}, but records.json holds {value!r}")
    names = source.names()
    files = sum(1 for n in names if n.startswith("attachments/"))
    if files != found["attachments"]:
        yield Problem(
            "attachments/", f"holds {files} files; records.json lists {found['attachments']}"
        )
    pages = sum(1 for n in names if n.startswith("site/records/"))
    if pages != len(records):
        yield Problem("site/records/", f"holds {pages} pages for {len(records)} records")
