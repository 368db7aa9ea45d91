"""The export's speed-ups keep the package the same: tar-created files, the PDF's child process,
the KDBX key derived ahead, and the fallbacks when tar or the child is not there or fails.
"""

from __future__ import annotations

import hashlib
import pickle
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
from pykeepass import PyKeePass
from pykeepass.pykeepass import BLANK_DATABASE_LOCATION

from tests.handover.conftest import HANDOVER_PASSPHRASE, KDF, build_source
from vault.handover import export_handover, files, pdf_process, verify_package
from vault.handover.export import attachment_paths
from vault.handover.kdbx import BLANK_TRANSFORMED_KEY, prepare
from vault.handover.pdf import write_pdf
from vault.handover.records_json import write_records_json
from vault.handover.snapshot import Snapshot, take

PAGES = {
    f"site/records/{n:032x}.html": f"<p>page {n}</p>\n".encode() * (n % 700) for n in range(300)
}


def _write_all(root: Path) -> dict[str, dict]:
    (root / "site" / "records").mkdir(parents=True)
    hashes: dict[str, dict] = {}
    with files.FileWriter(root, hashes) as writer:
        for name, data in PAGES.items():
            writer.write(name, data)
    return hashes


def _check_all(root: Path, hashes: dict[str, dict]) -> None:
    on_disk = sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())
    assert on_disk == sorted(PAGES)
    for name, data in PAGES.items():
        assert (root / name).read_bytes() == data
        assert hashes[name] == {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}


def test_a_tar_header_reads_back_as_the_file_it_describes() -> None:
    header = files.tar_header(b"site/records/abc.html", 4500, 1_700_000_000)
    info = tarfile.TarInfo.frombuf(header, "utf-8", "strict")
    assert (info.name, info.size, info.mtime, info.mode) == (
        "site/records/abc.html",
        4500,
        1_700_000_000,
        0o644,
    )
    assert info.isfile()


@pytest.mark.parametrize("size", [0, 1, 2046, 2047, 2048, 4095, 10_000])
def test_the_gil_holding_hash_is_sha256(size: int) -> None:
    data = bytes(range(256)) * (size // 256) + bytes(size % 256)
    assert files.sha256_held(data) == hashlib.sha256(data).hexdigest()


@pytest.mark.skipif(shutil.which("tar") is None, reason="no tar on this system")
def test_files_created_through_tar_hold_their_bytes(tmp_path: Path) -> None:
    _check_all(tmp_path, _write_all(tmp_path))


def test_without_tar_the_files_are_written_directly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(files.shutil, "which", lambda name: None)
    _check_all(tmp_path, _write_all(tmp_path))


def test_a_failing_tar_leaves_the_files_written_directly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    false = shutil.which("false")
    if false is None:
        pytest.skip("no 'false' command to stand in for a broken tar")
    monkeypatch.setattr(files.shutil, "which", lambda name: false)
    _check_all(tmp_path, _write_all(tmp_path))


def test_the_kdbx_template_key_still_fits_the_installed_pykeepass() -> None:
    # Otherwise every export opens the empty template the slow way (its own Argon2d).
    assert PyKeePass(BLANK_DATABASE_LOCATION, transformed_key=BLANK_TRANSFORMED_KEY).root_group


def test_a_kdbx_key_derived_ahead_uses_a_fresh_salt_and_opens(tmp_path: Path) -> None:
    template = PyKeePass(BLANK_DATABASE_LOCATION, transformed_key=BLANK_TRANSFORMED_KEY)
    template_salt = template.kdbx.header.value.dynamic_header.kdf_parameters.data.dict["S"].value
    first, second = prepare(HANDOVER_PASSPHRASE, KDF), prepare(HANDOVER_PASSPHRASE, KDF)
    salts = [
        k.database.kdbx.header.value.dynamic_header.kdf_parameters.data.dict["S"].value
        for k in (first, second)
    ]
    assert salts[0] != salts[1] and template_salt not in salts
    first.database.add_entry(first.database.root_group, "t", "u", "p")
    first.database.save(str(tmp_path / "k.kdbx"), transformed_key=first.transformed_key)
    reopened = PyKeePass(str(tmp_path / "k.kdbx"), HANDOVER_PASSPHRASE)
    params = reopened.kdbx.header.value.dynamic_header.kdf_parameters.data.dict
    assert [e.title for e in reopened.entries] == ["t"]
    assert (params["M"].value, params["I"].value, params["P"].value) == (
        KDF.memory_kib * 1024,
        KDF.iterations,
        KDF.lanes,
    )


def _snapshot(tmp_path: Path) -> Snapshot:
    source = build_source(tmp_path / "source.sitebook")
    try:
        return take(source.vault, "Contoso Dental")
    finally:
        source.vault.close()


def test_the_child_gets_no_secret_and_writes_the_same_files(tmp_path: Path) -> None:
    snapshot = _snapshot(tmp_path)
    paths = attachment_paths(snapshot)
    data = pickle.dumps(pdf_process.child_view(snapshot))
    for secret in ("Winter-2026-Contoso!", "Autumn-2025-Contoso!", "XXXX-YYYY-ZZZZ-1111"):
        assert secret.encode() not in data
    (tmp_path / "child").mkdir()
    job = pdf_process.start(snapshot, tmp_path / "child", paths)
    assert job is not None
    hashes: dict[str, dict] = {}
    outcome = job.wait(hashes, None)
    assert outcome is not None and outcome.pages >= 3
    assert sorted(hashes) == sorted(pdf_process.WRITTEN)
    (tmp_path / "here").mkdir()
    assert write_pdf(snapshot, tmp_path / "here" / "handover.pdf") == outcome.pages
    write_records_json(snapshot, tmp_path / "here", paths)
    for name in ("records.json", "records.schema.json"):
        here = (tmp_path / "here" / name).read_bytes()
        assert (tmp_path / "child" / name).read_bytes() == here
        assert hashes[name]["sha256"] == hashlib.sha256(here).hexdigest()
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed; the text comparison needs it")
    texts = [
        subprocess.run(
            ["pdftotext", "-layout", str(tmp_path / folder / "handover.pdf"), "-"],
            check=True,
            capture_output=True,
        ).stdout
        for folder in ("child", "here")
    ]
    assert texts[0] == texts[1] and b"Contoso" in texts[0]


def test_a_failing_child_reports_none_and_leaves_nothing(tmp_path: Path) -> None:
    snapshot = _snapshot(tmp_path)
    root = tmp_path / "package"
    root.mkdir()
    (root / "handover.pdf").mkdir()  # the child writes records.json, then fails on the PDF
    job = pdf_process.start(snapshot, root, attachment_paths(snapshot))
    assert job is not None
    assert job.wait({}, None) is None
    assert [p.name for p in root.iterdir()] == ["handover.pdf"]  # only what was in its way


def test_without_tar_or_a_child_process_the_package_is_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = build_source(tmp_path / "source.sitebook")
    try:
        fast = export_handover(
            source.vault,
            "Contoso",
            tmp_path / "fast",
            passphrase=HANDOVER_PASSPHRASE,
            kdf_params=KDF,
        )
        monkeypatch.setattr(files.shutil, "which", lambda name: None)
        monkeypatch.setattr(pdf_process, "start", lambda snapshot, root, paths: None)
        plain = export_handover(
            source.vault,
            "Contoso",
            tmp_path / "plain",
            passphrase=HANDOVER_PASSPHRASE,
            kdf_params=KDF,
        )
    finally:
        source.vault.close()
    assert verify_package(fast.path).ok and verify_package(plain.path).ok
    assert fast.files == plain.files
    assert "pdf and records.json (child process)" in fast.cpu_timings
    assert "pdf and records.json (child process)" not in plain.cpu_timings
    for name in ("records.schema.json", "site/assets/style.css", "site/assets/search.js"):
        assert (fast.path / name).read_bytes() == (plain.path / name).read_bytes()


def test_a_name_a_tar_header_cannot_carry_is_written_directly(tmp_path: Path) -> None:
    names = ["site/ünïcode.html", "site/" + "x" * 120 + ".html", "site/plain.html"]
    (tmp_path / "site").mkdir()
    hashes: dict[str, dict] = {}
    with files.FileWriter(tmp_path, hashes) as writer:
        for name in names:
            writer.write(name, name.encode())
    for name in names:
        assert (tmp_path / name).read_bytes() == name.encode()
        assert hashes[name]["sha256"] == hashlib.sha256(name.encode()).hexdigest()


def test_a_frozen_app_starts_the_bundled_command_as_the_child(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In a PyInstaller app the child is ``sitebook --handover-pdf-child`` beside the executable.

    The bundled command is stood in for by a script that runs the real
    ``packaging/launch_cli.py`` (what PyInstaller freezes) with this interpreter.
    """
    repo = Path(__file__).resolve().parents[2]
    launcher = (repo / "packaging" / "launch_cli.py").read_text()
    assert f'HANDOVER_PDF_CHILD = "{pdf_process.CHILD_FLAG}"' in launcher
    bundle = tmp_path / "bundle"
    bundle.mkdir()
    cli = bundle / "sitebook"
    cli.write_text(
        f'#!/bin/sh\nPYTHONPATH="{repo}" exec "{sys.executable}" '
        f'"{repo / "packaging" / "launch_cli.py"}" "$@"\n'
    )
    cli.chmod(0o755)
    snapshot = _snapshot(tmp_path)
    root = tmp_path / "package"
    root.mkdir()
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", str(bundle / "sitebook-desktop"))
    assert pdf_process.child_command(root) == [str(cli), pdf_process.CHILD_FLAG, str(root)]
    job = pdf_process.start(snapshot, root, attachment_paths(snapshot))
    assert job is not None
    hashes: dict[str, dict] = {}
    outcome = job.wait(hashes, None)
    assert outcome is not None and outcome.pages >= 3
    assert sorted(hashes) == sorted(pdf_process.WRITTEN)
    assert (root / "handover.pdf").read_bytes().startswith(b"%PDF")


def test_a_frozen_app_without_the_bundled_command_writes_the_pdf_itself(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", str(tmp_path / "sitebook-desktop"))
    assert pdf_process.child_command(tmp_path) is None


def test_a_child_that_prints_something_else_counts_as_failed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Stray output instead of the report: the caller writes the files itself."""
    snapshot = _snapshot(tmp_path)
    root = tmp_path / "package"
    root.mkdir()
    stray = "import sys; sys.stdin.buffer.read(); print('not a report')"
    monkeypatch.setattr(pdf_process, "child_command", lambda root: [sys.executable, "-c", stray])
    job = pdf_process.start(snapshot, root, attachment_paths(snapshot))
    assert job is not None
    assert job.wait({}, None) is None
