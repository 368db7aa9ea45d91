"""The packaging files parse, associate .sitebook, carry pyproject's version; icons are complete.

Fast and always on: nothing here runs PyInstaller (test_bundle.py does, when asked).
"""

from __future__ import annotations

import ast
import configparser
import importlib.util
import plistlib
import re
import struct
import tomllib
from pathlib import Path
from types import ModuleType

import pytest
from defusedxml import ElementTree as ET

ROOT = Path(__file__).resolve().parents[2]
PACKAGING = ROOT / "packaging"
ICONS = ROOT / "ui" / "desktop" / "icons"
PNG_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
MIME_TYPE = "application/x-sitebook-vault"


def _version() -> str:
    return tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]["version"]


def _load(name: str) -> ModuleType:
    """Import a module from packaging/ by path (the folder is not a package: PyPI's
    ``packaging`` owns that name)."""
    spec = importlib.util.spec_from_file_location(f"sitebook_packaging_{name}", PACKAGING / name)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _png_size(data: bytes) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk."""
    assert data[:8] == PNG_SIGNATURE
    length, kind = struct.unpack(">I4s", data[8:16])
    assert kind == b"IHDR" and length == 13
    return struct.unpack(">II", data[16:24])


# --- the spec and its helper -------------------------------------------------------


def test_spec_is_python_with_two_executables_and_macos_bundle() -> None:
    text = (PACKAGING / "sitebook.spec").read_text("utf-8")
    ast.parse(text)
    assert 'name="sitebook-desktop"' in text and "console=False" in text
    assert 'name="sitebook"' in text and "console=True" in text
    assert "COLLECT(" in text and "BUNDLE(" in text
    assert 'copy_metadata("sitebook")' in text
    assert "config.info_plist()" in text  # the version is stamped from pyproject


def test_build_config_reads_the_version_from_pyproject() -> None:
    config = _load("build_config.py")
    assert config.project_version() == _version()
    plist = config.info_plist()
    assert plist["CFBundleShortVersionString"] == _version()
    assert plist["CFBundleVersion"] == _version()


def test_build_config_excludes_development_tools_and_unused_qt() -> None:
    config = _load("build_config.py")
    for name in ("pytest", "ruff", "hypothesis", "pip", "setuptools"):
        assert name in config.EXCLUDED_MODULES
    for name in ("QtWebEngineCore", "Qt3DCore", "QtQuick", "QtQml", "QtMultimedia", "QtNetwork"):
        assert f"PySide6.{name}" in config.UNUSED_QT_MODULES
    for used in ("QtCore", "QtGui", "QtWidgets", "QtDBus"):
        assert f"PySide6.{used}" not in config.UNUSED_QT_MODULES


def test_bundle_excludes_no_qt_module_the_window_imports() -> None:
    config = _load("build_config.py")
    imported = set()
    for path in (ROOT / "ui" / "desktop").glob("*.py"):
        imported |= set(re.findall(r"PySide6\.(Qt\w+)", path.read_text("utf-8")))
    assert imported, "ui/desktop imports no Qt module?"
    assert not {f"PySide6.{name}" for name in imported} & set(config.UNUSED_QT_MODULES)


@pytest.mark.parametrize(
    ("dest", "kept"),
    [
        ("PySide6/Qt/plugins/platforms/libqxcb.so", True),
        ("PySide6/Qt/plugins/platforms/libqoffscreen.so", True),
        ("PySide6/Qt/plugins/platforms/libqwayland.so", True),
        ("PySide6/Qt/plugins/platforms/libqvnc.so", False),
        ("PySide6/Qt/plugins/platforms/libqeglfs.so", False),
        ("PySide6\\Qt\\plugins\\platforms\\qwindows.dll", True),
        ("PySide6/Qt/plugins/platformthemes/libqgtk3.so", False),
        ("PySide6/Qt/plugins/xcbglintegrations/libqxcb-glx-integration.so", False),
        ("PySide6/Qt/plugins/imageformats/libqjpeg.so", True),
        ("PySide6/Qt/plugins/imageformats/libqtiff.so", False),
        ("PySide6/Qt/plugins/iconengines/libqsvgicon.so", True),
        ("PySide6/Qt/translations/qtbase_de.qm", False),
        ("PySide6/Qt/lib/libQt6Widgets.so.6", True),
        ("crypto/data/eff_large_wordlist.txt", True),
    ],
)
def test_keep_file(dest: str, kept: bool) -> None:
    assert _load("build_config.py").keep_file(dest) is kept


def test_desktop_launcher_turns_a_lone_path_into_vault_option() -> None:
    launcher = _load("launch_desktop.py")
    assert launcher.desktop_argv(["app", "/x/a.sitebook"]) == ["app", "--vault", "/x/a.sitebook"]
    assert launcher.desktop_argv(["app"]) == ["app"]
    assert launcher.desktop_argv(["app", "--vault", "v"]) == ["app", "--vault", "v"]
    assert launcher.desktop_argv(["app", "--help"]) == ["app", "--help"]


# --- Linux ---------------------------------------------------------------------------


def test_desktop_file_launches_the_window_and_declares_the_mime_type() -> None:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    parser.read(PACKAGING / "linux" / "sitebook.desktop", encoding="utf-8")
    entry = parser["Desktop Entry"]
    assert entry["Type"] == "Application"
    assert entry["Name"] == "Sitebook"
    assert entry["Exec"] == "sitebook-desktop %f"
    assert entry["Icon"] == "sitebook"
    assert entry["Terminal"] == "false"
    assert entry["MimeType"] == f"{MIME_TYPE};"
    assert entry["Categories"].endswith(";")


def test_mime_xml_maps_the_extension() -> None:
    ns = {"m": "http://www.freedesktop.org/standards/shared-mime-info"}
    root = ET.parse(PACKAGING / "linux" / "sitebook-mime.xml").getroot()
    mime = root.find("m:mime-type", ns)
    assert mime is not None and mime.get("type") == MIME_TYPE
    globs = [glob.get("pattern") for glob in mime.findall("m:glob", ns)]
    assert globs == ["*.sitebook"]


def test_metainfo_is_wellformed_and_carries_the_version() -> None:
    root = ET.parse(PACKAGING / "linux" / "org.sitebook.Sitebook.metainfo.xml").getroot()
    assert root.tag == "component" and root.get("type") == "desktop-application"
    assert root.findtext("id") == "org.sitebook.Sitebook"
    assert root.findtext("launchable") == "sitebook.desktop"
    assert root.findtext("provides/mediatype") == MIME_TYPE
    releases = root.findall("releases/release")
    assert releases and releases[0].get("version") == _version()


def test_install_script_installs_every_linux_file() -> None:
    script = (PACKAGING / "linux" / "install.sh").read_text("utf-8")
    for name in ("sitebook.desktop", "org.sitebook.Sitebook.metainfo.xml", "sitebook-mime.xml"):
        assert name in script
    assert "update-mime-database" in script


# --- Windows and macOS ---------------------------------------------------------------


def test_inno_setup_script_associates_the_extension_and_uninstalls() -> None:
    text = (PACKAGING / "windows" / "sitebook.iss").read_text("utf-8")
    for section in ("[Setup]", "[Files]", "[Icons]", "[Registry]"):
        assert section in text
    assert re.search(r'#define AppVersion "([^"]+)"', text)[1] == _version()  # type: ignore[index]
    assert r'Subkey: "Software\Classes\.sitebook"' in text
    assert "shell\\open\\command" in text and '""%1""' in text
    assert "uninsdeletekey" in text and "ChangesAssociations=yes" in text
    assert "{group}\\Uninstall" in text  # Start menu: the app and its uninstaller
    assert "sitebook.ico" in text


def test_info_plist_declares_the_document_type_and_version() -> None:
    with (PACKAGING / "macos" / "Info.plist").open("rb") as handle:
        plist = plistlib.load(handle)
    assert plist["CFBundleExecutable"] == "sitebook-desktop"
    assert plist["CFBundleIconFile"] == "sitebook.icns"
    assert plist["CFBundleShortVersionString"] == _version()
    (document,) = plist["CFBundleDocumentTypes"]
    assert document["CFBundleTypeExtensions"] == ["sitebook"]
    (declared,) = plist["UTExportedTypeDeclarations"]
    assert declared["UTTypeIdentifier"] in document["LSItemContentTypes"]
    assert declared["UTTypeTagSpecification"]["public.filename-extension"] == ["sitebook"]


def test_changelog_has_a_section_for_the_version() -> None:
    text = (ROOT / "CHANGELOG.md").read_text("utf-8")
    assert text.startswith("# Changelog")
    assert re.search(rf"^## \[{re.escape(_version())}\] - \d{{4}}-\d{{2}}-\d{{2}}$", text, re.M)


# --- icons ---------------------------------------------------------------------------


@pytest.mark.parametrize("size", PNG_SIZES)
def test_png_icon_has_its_size(size: int) -> None:
    data = (ICONS / f"sitebook-{size}.png").read_bytes()
    assert _png_size(data) == (size, size)


def test_ico_holds_every_size() -> None:
    data = (ICONS / "sitebook.ico").read_bytes()
    reserved, kind, count = struct.unpack("<HHH", data[:6])
    assert (reserved, kind) == (0, 1)
    sizes = []
    for index in range(count):
        width, height, _c, _r, _planes, bits, length, offset = struct.unpack(
            "<BBBBHHII", data[6 + 16 * index : 22 + 16 * index]
        )
        actual = _png_size(data[offset : offset + length])
        assert actual == ((width or 256), (height or 256))
        assert bits == 32
        sizes.append(actual[0])
    assert sorted(sizes) == list(ICO_SIZES)


def test_icns_holds_the_retina_sizes() -> None:
    data = (ICONS / "sitebook.icns").read_bytes()
    assert data[:4] == b"icns" and struct.unpack(">I", data[4:8])[0] == len(data)
    found: dict[bytes, tuple[int, int]] = {}
    position = 8
    while position < len(data):
        kind, length = struct.unpack(">4sI", data[position : position + 8])
        found[kind] = _png_size(data[position + 8 : position + length])
        position += length
    assert position == len(data)
    for kind, size in ((b"ic07", 128), (b"ic08", 256), (b"ic09", 512), (b"ic10", 1024)):
        assert found[kind] == (size, size)


def test_icon_generator_writes_the_same_containers() -> None:
    icons = _load("make_icons.py")
    png = {16: _png_of(16), 256: _png_of(256)}
    ico = icons.ico_bytes(png)
    assert struct.unpack("<HHH", ico[:6]) == (0, 1, 2)
    icns = icons.icns_bytes({b"ic08": png[256]})
    assert icns[:4] == b"icns" and len(icns) == 8 + 8 + len(png[256])


def _png_of(size: int) -> bytes:
    """A tiny valid-looking PNG header of the given size (enough for the containers)."""
    ihdr = struct.pack(">II5B", size, size, 8, 6, 0, 0, 0)
    return PNG_SIGNATURE + struct.pack(">I", 13) + b"IHDR" + ihdr + b"\0\0\0\0"


def test_packaging_is_not_importable_as_our_package() -> None:
    # packaging/ must not shadow PyPI's ``packaging`` (pip and setuptools need it).
    assert not (PACKAGING / "__init__.py").exists()
