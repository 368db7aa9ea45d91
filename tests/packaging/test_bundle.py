"""Build the Linux bundle and run it: the window on a demo vault, the CLI on a new vault.

Slow (PyInstaller takes a minute or two, plus a build venv the first time), so
it runs only with ``SITEBOOK_PACKAGE_TEST=1``:

    SITEBOOK_PACKAGE_TEST=1 make test PYTEST_ARGS=tests/packaging

The test builds with ``make package`` (which uses its own venv with only the
runtime dependencies). ``SITEBOOK_PACKAGE_DIST=dist/sitebook`` tests an
already built bundle instead of building one.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]["version"]
PASSPHRASE = "correct horse battery staple bundle"
DESKTOP_START_SECONDS = 90
DESKTOP_RUN_SECONDS = 3
BUILD_SECONDS = 1800
# Nothing of these may be in the bundle: test and development tools, Qt we do not use.
FORBIDDEN = (
    "pytest",
    "_pytest",
    "pytestqt",
    "ruff",
    "hypothesis",
    "pip",
    "setuptools",
    "tests",
    "QtWebEngine",
    "Qt6WebEngine",
    "Qt6Quick",
    "Qt6Qml",
    "Qt6Multimedia",
    "Qt6Network",
    "Qt63D",
    "Qt6Pdf",
    "translations",
    "libgtk-3",
)

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        os.environ.get("SITEBOOK_PACKAGE_TEST") != "1",
        reason="builds the PyInstaller bundle; set SITEBOOK_PACKAGE_TEST=1",
    ),
    pytest.mark.timeout(BUILD_SECONDS + 300),
]


@pytest.fixture(scope="module")
def bundle() -> Path:
    """The bundle folder: built with ``make package`` unless SITEBOOK_PACKAGE_DIST names one."""
    given = os.environ.get("SITEBOOK_PACKAGE_DIST")
    if given:
        folder = Path(given).resolve()
    else:
        subprocess.run(
            ["make", "package", f"PYTHON={sys.executable}"],
            cwd=ROOT,
            check=True,
            timeout=BUILD_SECONDS,
        )
        folder = ROOT / "dist" / "sitebook"
    assert (folder / "sitebook").is_file() and (folder / "sitebook-desktop").is_file()
    return folder


def _env(root: Path) -> dict[str, str]:
    """A clean environment: every Sitebook folder under ``root``, offscreen Qt, cheap KDF."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("SITEBOOK_", "PYTHON", "VIRTUAL_ENV", "QT_"))
    }
    for name in ("DATA", "CACHE", "LOG", "CONFIG"):
        env[f"SITEBOOK_{name}_DIR"] = str(root / name.lower())
    env.update(
        QT_QPA_PLATFORM="offscreen",
        SITEBOOK_DEMO_KDF_MIB="64",
        SITEBOOK_PASSPHRASE=PASSPHRASE,
        TMPDIR=str(root / "tmp"),
    )
    (root / "tmp").mkdir(parents=True, exist_ok=True)
    return env


def _run(bundle: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(bundle / "sitebook"), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_bundle_holds_no_development_tools_or_unused_qt(bundle: Path) -> None:
    bad = []
    for path in bundle.rglob("*"):
        parts = path.relative_to(bundle).parts
        if any(part.startswith(FORBIDDEN) for part in parts):
            bad.append(str(path.relative_to(bundle)))
    assert not bad, bad[:20]
    # An editable install's metadata may be copied as sitebook.egg-info.
    found = [*bundle.rglob("*.dist-info"), *bundle.rglob("*.egg-info")]
    metadata = {path.name.split("-")[0].split(".")[0] for path in found}
    assert "sitebook" in metadata
    assert not metadata & {"pytest", "ruff", "hypothesis", "pip", "setuptools"}


def test_the_window_icon_is_bundled(bundle: Path) -> None:
    icons = {path.name for path in bundle.rglob("ui/desktop/icons/sitebook-*.png")}
    assert icons == {f"sitebook-{size}.png" for size in (16, 24, 32, 48, 64, 128, 256, 512)}


def test_cli_version_is_pyproject_version(bundle: Path, tmp_path: Path) -> None:
    result = _run(bundle, _env(tmp_path), "--version")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"sitebook {VERSION}"


def test_cli_creates_and_checks_a_vault(bundle: Path, tmp_path: Path) -> None:
    env = _env(tmp_path)
    vault = tmp_path / "bundle.sitebook"
    init = _run(bundle, env, "init", str(vault), "--name", "Bundle IT", "--kdf-memory", "64")
    assert init.returncode == 0, init.stderr
    env["SITEBOOK_VAULT"] = str(vault)
    for args in (
        ("client", "add", "Contoso Dental"),
        ("record", "add", "--client", "contoso", "--type", "configuration", "--title", "dc01"),
    ):
        result = _run(bundle, env, *args)
        assert result.returncode == 0, result.stderr
    check = _run(bundle, env, "check")
    assert check.returncode == 0, check.stdout + check.stderr
    assert "Traceback" not in check.stderr

    demo = tmp_path / "demo.sitebook"
    made = _run(bundle, env, "demo", str(demo), "--records", "50", "--kdf-memory", "64")
    assert made.returncode == 0, made.stderr
    checked = _run(bundle, env, "--vault", str(demo), "check")
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_desktop_creates_the_demo_vault_offscreen(bundle: Path, tmp_path: Path) -> None:
    env = _env(tmp_path)
    log = tmp_path / "log" / "sitebook.log"
    demo = tmp_path / "data" / "demo.sitebook"
    with subprocess.Popen(
        [str(bundle / "sitebook-desktop"), "--demo"],  # no argument: the start page
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    ) as process:
        try:
            deadline = time.monotonic() + DESKTOP_START_SECONDS
            while time.monotonic() < deadline and process.poll() is None:
                if demo.exists() and log.exists() and "vault unlocked" in log.read_text():
                    break
                time.sleep(0.25)
            assert process.poll() is None, "the bundled app exited early"
            time.sleep(DESKTOP_RUN_SECONDS)  # let it run with the vault open
            assert process.poll() is None, "the bundled app exited while running"
        finally:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)  # the app closes and locks the vault
            try:
                output, _ = process.communicate(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                output, _ = process.communicate()
    assert demo.is_file()
    assert (tmp_path / "data" / "demo-passphrase.txt").is_file()
    text = log.read_text("utf-8")
    assert "demo vault created" in text
    assert "vault unlocked" in text
    assert " ERROR " not in text and " CRITICAL " not in text, text
    assert "Traceback" not in output, output
    assert process.returncode == 0, output
