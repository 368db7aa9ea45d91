"""``verify_package``: any changed, added or removed byte is found and its file named.

A package is copied once per test from the module's export; the source vault
is not needed (verify works from the package alone).
"""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import pytest

from tests.handover.conftest import Package
from vault.handover import verify_package
from vault.handover.manifest import MANIFEST, SIGNATURE


@pytest.fixture
def copy(package: Package, tmp_path: Path) -> Path:
    target = tmp_path / "copy"
    shutil.copytree(package.path, target)
    return target


def _flip(path: Path, offset: int | None = None) -> None:
    data = bytearray(path.read_bytes())
    where = len(data) // 2 if offset is None else offset
    data[where] ^= 0x01
    path.write_bytes(bytes(data))


def test_an_intact_package_verifies(package: Package) -> None:
    result = verify_package(package.path)
    assert result.ok, result.problems
    assert result.first_mismatch is None
    assert result.client == "Contoso Dental"
    assert result.exporter["fingerprint"] == package.source.vault.fingerprint()
    assert result.counts["records"]["credential"] == 2
    assert result.files == len(package.result.files) - 2


def test_flipping_a_byte_of_any_file_is_named(package: Package, tmp_path: Path) -> None:
    names = sorted(package.result.files)
    assert len(names) > 20
    for number, name in enumerate(names):
        target = tmp_path / f"p{number}"
        shutil.copytree(package.path, target)
        _flip(target / name)
        result = verify_package(target)
        assert not result.ok, name
        first = str(result.problems[0])
        if name in (MANIFEST, SIGNATURE):
            assert MANIFEST in first or SIGNATURE in first, (name, first)
        else:
            assert result.first_mismatch == name, (name, result.problems)
        shutil.rmtree(target)


def test_an_added_file_is_named(copy: Path) -> None:
    (copy / "site" / "records" / "extra.html").write_text("<p>new</p>", encoding="utf-8")
    result = verify_package(copy)
    assert not result.ok
    assert result.first_mismatch == "site/records/extra.html"
    assert "not listed" in str(result.problems[0])


@pytest.mark.parametrize("name", ["records.json", "credentials.kdbx", MANIFEST, SIGNATURE])
def test_a_removed_file_is_named(copy: Path, name: str) -> None:
    (copy / name).unlink()
    result = verify_package(copy)
    assert not result.ok
    assert result.first_mismatch == name


def test_a_removed_attachment_is_named(copy: Path, package: Package) -> None:
    name = next(f for f in package.result.files if f.startswith("attachments/"))
    (copy / name).unlink()
    assert verify_package(copy).first_mismatch == name


def test_a_re_signed_manifest_with_another_key_is_caught(copy: Path) -> None:
    """Changing a hash in the manifest breaks the signature."""
    manifest = json.loads((copy / MANIFEST).read_text(encoding="utf-8"))
    manifest["files"]["records.json"]["sha256"] = "0" * 64
    (copy / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    result = verify_package(copy)
    assert not result.ok and result.first_mismatch == SIGNATURE


def test_a_zip_verifies_and_a_changed_member_is_named(copy: Path, tmp_path: Path) -> None:
    archive = tmp_path / "pkg.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_STORED) as out:
        for path in sorted(copy.rglob("*")):
            if path.is_file():
                out.write(path, f"pkg/{path.relative_to(copy).as_posix()}")
    assert verify_package(archive).ok
    tampered = tmp_path / "tampered.zip"
    with zipfile.ZipFile(archive) as src, zipfile.ZipFile(tampered, "w") as out:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "pkg/records.json":
                data = data.replace(b"srv-dc01", b"srv-dc02", 1)
            out.writestr(info, data)
    result = verify_package(tampered)
    assert not result.ok and result.first_mismatch == "records.json"


def test_not_a_package(tmp_path: Path) -> None:
    assert verify_package(tmp_path / "missing").problems[0].detail == "does not exist"
    (tmp_path / "empty").mkdir()
    assert verify_package(tmp_path / "empty").first_mismatch == MANIFEST
    (tmp_path / "file.txt").write_text("hello", encoding="utf-8")
    assert not verify_package(tmp_path / "file.txt").ok
