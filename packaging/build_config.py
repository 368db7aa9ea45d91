"""What the PyInstaller spec needs to know, kept importable so tests can check it.

The version comes from ``pyproject.toml`` only; the spec stamps it into the
macOS Info.plist at build time, and tests check that the committed copies in
Info.plist, the Inno Setup script and the AppStream metadata agree with it.
The trimming lists say what the bundle leaves out and why.
"""

from __future__ import annotations

import plistlib
import tomllib
from pathlib import Path, PurePosixPath
from typing import Any

PACKAGING = Path(__file__).resolve().parent
ROOT = PACKAGING.parent
ICONS = ROOT / "ui" / "desktop" / "icons"
INFO_PLIST = PACKAGING / "macos" / "Info.plist"

# Python packages never shipped: development tools and test libraries (they are
# not imported by the app, but a hook or an optional import could pull them in),
# and standard-library parts we do not use.
EXCLUDED_MODULES = (
    "pytest",
    "_pytest",
    "pytestqt",
    "pytest_timeout",
    "hypothesis",
    "ruff",
    "pip",
    "setuptools",
    "pkg_resources",
    "distutils",
    "jsonschema",
    # ReportLab imports Pillow unconditionally, but handover.pdf draws no
    # images: leave out Pillow's optional codecs and toolkit bridges (and the
    # libavif, libwebp and Little CMS copies they bring).
    "PIL._avif",
    "PIL.AvifImagePlugin",
    "PIL._webp",
    "PIL.WebPImagePlugin",
    "PIL._imagingcms",
    "PIL.ImageCms",
    "PIL._imagingtk",
    "PIL.ImageTk",
    "PIL.ImageQt",
    "tkinter",
    "_tkinter",
    "idlelib",
    "lib2to3",
    "pydoc_data",
    "test",
    "tests",
    "bench",
)

# The Qt modules the window imports (grep ui/desktop for "PySide6."): QtCore,
# QtGui, QtWidgets, QtPrintSupport (printing the recovery kit) and, for
# screen-lock detection on Linux, QtDBus. Everything
# else PySide6 offers stays out.
UNUSED_QT_MODULES = tuple(
    f"PySide6.{name}"
    for name in (
        "Qt3DAnimation",
        "Qt3DCore",
        "Qt3DExtras",
        "Qt3DInput",
        "Qt3DLogic",
        "Qt3DRender",
        "QtBluetooth",
        "QtCharts",
        "QtConcurrent",
        "QtDataVisualization",
        "QtDesigner",
        "QtGraphs",
        "QtHelp",
        "QtHttpServer",
        "QtLocation",
        "QtMultimedia",
        "QtMultimediaWidgets",
        "QtNetwork",
        "QtNetworkAuth",
        "QtNfc",
        "QtOpenGL",
        "QtOpenGLWidgets",
        "QtPdf",
        "QtPdfWidgets",
        "QtPositioning",
        "QtQml",
        "QtQuick",
        "QtQuick3D",
        "QtQuickControls2",
        "QtQuickWidgets",
        "QtRemoteObjects",
        "QtScxml",
        "QtSensors",
        "QtSerialBus",
        "QtSerialPort",
        "QtSpatialAudio",
        "QtSql",
        "QtStateMachine",
        "QtSvg",
        "QtSvgWidgets",
        "QtTest",
        "QtTextToSpeech",
        "QtUiTools",
        "QtWebChannel",
        "QtWebEngineCore",
        "QtWebEngineQuick",
        "QtWebEngineWidgets",
        "QtWebSockets",
        "QtWebView",
        "QtXml",
    )
)

# Qt plugins kept, by plugin folder; folders not listed are kept whole.
# platforms: xcb and wayland for a desktop, offscreen for headless runs and
# tests; Windows and macOS keep their one native platform plugin.
KEEP_PLUGINS = {
    "platforms": (
        "libqxcb",
        "libqwayland",
        "libqoffscreen",
        "qwindows",
        "libqcocoa",
        "qoffscreen",
    ),
    "imageformats": ("libqgif", "libqico", "libqjpeg", "qgif", "qico", "qjpeg"),
    # The GTK 3 theme drags in GTK, GDK, Cairo, Pango and ATK (about 20 MB);
    # the XDG portal theme gives native file dialogs without them.
    "platformthemes": ("libqxdgdesktopportal",),
    # Client-side window decorations on Wayland; libadwaita would need QtSvg.
    "wayland-decoration-client": ("libbradient",),
    "wayland-shell-integration": ("libxdg-shell",),
}
# Plugin folders dropped whole: input devices and GPU back-ends a widgets app
# without OpenGL does not need, and platform-theme helpers we do not rely on.
# The window draws with the raster engine, so the OpenGL integrations go too.
DROP_PLUGIN_DIRS = (
    "generic",
    "egldeviceintegrations",
    "networkinformation",
    "tls",
    "xcbglintegrations",
    "wayland-graphics-integration-client",
)
# Shared libraries Qt loads with dlopen (not linked), so never pruned as unused.
DLOPENED = ("libdbus-1",)


def project() -> dict[str, Any]:
    """The ``[project]`` table of pyproject.toml."""
    return tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]


def project_version() -> str:
    """The one version number, from pyproject.toml."""
    return str(project()["version"])


def info_plist() -> dict[str, Any]:
    """The macOS Info.plist with the version stamped from pyproject.toml."""
    with INFO_PLIST.open("rb") as handle:
        plist = plistlib.load(handle)
    version = project_version()
    plist["CFBundleShortVersionString"] = version
    plist["CFBundleVersion"] = version
    return plist


def keep_file(dest: str) -> bool:
    """Whether a collected binary or data file (destination path) stays in the bundle."""
    parts = PurePosixPath(dest.replace("\\", "/")).parts
    if "translations" in parts and "PySide6" in parts:
        return False  # we ship no translations of our own, so Qt's are unused
    if "plugins" in parts:
        index = parts.index("plugins")
        if len(parts) > index + 2:
            folder, name = parts[index + 1], parts[-1]
            if folder in DROP_PLUGIN_DIRS:
                return False
            keep = KEEP_PLUGINS.get(folder)
            if keep is not None:
                return name.startswith(keep)
    return True


def _prunable(dest: str) -> bool:
    """A shared library PyInstaller added as a dependency (not an extension or a plugin)."""
    path = PurePosixPath(dest)
    folder = path.parent.as_posix()
    return (
        folder in (".", "PySide6/Qt/lib")
        and ".so" in path.name
        and not path.name.startswith(("libpython", *DLOPENED))
    )


def prune_unneeded(binaries: list[tuple[str, str, str]]) -> list[tuple[str, str, str]]:
    """Drop shared libraries nothing left in the bundle links (Linux).

    ``keep_file`` removes plugins after PyInstaller has already collected
    their dependencies (GTK for the GTK theme, OpenGL for the GL integrations).
    This walks the ELF ``NEEDED`` lists of what stays and removes, until
    nothing changes, every dependency-only library no remaining binary needs,
    together with symlinks pointing at it. Other platforms are returned as is.
    """
    import sys

    if not sys.platform.startswith("linux"):
        return list(binaries)
    from PyInstaller.depend import bindepend

    cache: dict[str, set[str]] = {}

    def needs(src: str) -> set[str]:
        if src not in cache:
            try:
                cache[src] = {name for name, _path in bindepend.get_imports(src)}
            except Exception:  # not an ELF file (a symlink entry, a script)
                cache[src] = set()
        return cache[src]

    entries = list(binaries)
    while True:
        needed: set[str] = set()
        for _dest, src, kind in entries:
            if kind != "SYMLINK":
                needed |= needs(src)
        dropped = {
            dest
            for dest, _src, kind in entries
            if kind == "BINARY" and _prunable(dest) and PurePosixPath(dest).name not in needed
        }
        # A symlink at the top level stands for its target's soname: keep both
        # when something needs that name.
        dropped -= {dest for dest in dropped if PurePosixPath(dest).name in needed}
        dropped |= {
            dest
            for dest, src, kind in entries
            if kind == "SYMLINK"
            and (PurePosixPath(dest).parent / src).as_posix() in dropped
            and PurePosixPath(dest).name not in needed
        }
        if not dropped:
            present = {dest for dest, _src, _kind in entries}
            return [
                (dest, src, kind)
                for dest, src, kind in entries
                if kind != "SYMLINK" or (PurePosixPath(dest).parent / src).as_posix() in present
            ]
        entries = [entry for entry in entries if entry[0] not in dropped]
