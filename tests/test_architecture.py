"""The dependency rules of DESIGN.md §1, checked on the source with :mod:`ast`.

- ``crypto``, ``vault``, ``search`` and ``importers`` import neither Qt nor ``ui``.
- ``crypto`` imports nothing of ours but itself.
- Nothing under ``ui`` outside ``ui/desktop`` imports Qt (the CLI stays Qt-free).
- Every module of ours has a module docstring saying what it owns.

Imports are read from the syntax tree, wherever they appear (functions and
``if TYPE_CHECKING:`` blocks included), together with ``importlib.import_module``
and ``__import__`` calls on a literal name.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORE_PACKAGES = ("crypto", "vault", "search", "importers")
QT_NAMES = frozenset({"PySide6", "shiboken6", "PySide2", "PyQt5", "PyQt6"})
OUR_PACKAGES = frozenset({*CORE_PACKAGES, "ui", "tests", "bench"})


def _modules(*packages: str) -> list[Path]:
    """Every .py file under the given top-level folders, skipping caches."""
    found: list[Path] = []
    for package in packages:
        folder = ROOT / package
        if folder.is_dir():
            found.extend(
                path
                for path in folder.rglob("*.py")
                if not any(part.startswith(".") or part == "__pycache__" for part in path.parts)
            )
    return sorted(found)


def _module_name(path: Path) -> str:
    """Dotted module name of a file under ROOT (``vault/__init__.py`` -> ``vault``)."""
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _parse(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _package_of(path: Path) -> str:
    """The package a relative import in this file is resolved against."""
    module = _module_name(path)
    return module if path.name == "__init__.py" else module.rpartition(".")[0]


def _imports(tree: ast.Module, package: str) -> Iterator[tuple[int, str]]:
    """Yield (line, absolute dotted name) for every import in the tree."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                base = parts[: len(parts) - (node.level - 1)]
                name = ".".join([*base, node.module] if node.module else base)
            else:
                name = node.module or ""
            yield node.lineno, name
        elif isinstance(node, ast.Call) and (name := _dynamic_import(node)):
            yield node.lineno, name


def _dynamic_import(call: ast.Call) -> str:
    """The literal name in ``importlib.import_module("x")`` or ``__import__("x")``, else ""."""
    func = call.func
    called = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
    if called not in {"__import__", "import_module"} or not call.args:
        return ""
    first = call.args[0]
    return first.value if isinstance(first, ast.Constant) and isinstance(first.value, str) else ""


def _violations(paths: list[Path], forbidden: frozenset[str]) -> list[str]:
    problems = []
    for path in paths:
        for line, name in _imports(_parse(path), _package_of(path)):
            top = name.split(".")[0]
            if top in forbidden:
                problems.append(f"{path.relative_to(ROOT)}:{line}: imports {name}")
    return problems


def test_core_imports_neither_qt_nor_ui() -> None:
    core = _modules(*CORE_PACKAGES)
    assert len(core) > 0, "found no core modules: the check would pass vacuously"
    assert _violations(core, QT_NAMES | {"ui"}) == []


def test_crypto_imports_nothing_of_ours() -> None:
    crypto = _modules("crypto")
    assert len(crypto) > 0, "found no crypto modules: the check would pass vacuously"
    assert _violations(crypto, OUR_PACKAGES - {"crypto"}) == []


def test_only_ui_desktop_imports_qt() -> None:
    desktop = ROOT / "ui" / "desktop"
    outside = [path for path in _modules("ui") if desktop not in path.parents]
    assert _violations(outside, QT_NAMES) == []


def test_every_module_has_a_docstring() -> None:
    modules = _modules(*CORE_PACKAGES, "ui")
    assert len(modules) > 0, "found no modules: the check would pass vacuously"
    missing = [path.relative_to(ROOT) for path in modules if not ast.get_docstring(_parse(path))]
    assert [str(path) for path in missing] == []


def test_the_checker_sees_every_kind_of_import() -> None:
    """Guard the guard: each way of importing is seen and resolved."""
    source = (
        "import PySide6.QtCore\n"
        "from ui.desktop import app\n"
        "from . import records\n"
        "from .search_glue import index\n"
        "def late():\n"
        "    import importlib\n"
        "    importlib.import_module('shiboken6')\n"
        "    __import__('PyQt6')\n"
    )
    names = {name for _, name in _imports(ast.parse(source), "vault.sync")}
    assert names >= {
        "PySide6.QtCore",
        "ui.desktop",
        "vault.sync",
        "vault.sync.search_glue",
        "shiboken6",
        "PyQt6",
    }
    assert _package_of(ROOT / "vault" / "__init__.py") == "vault"
    assert _package_of(ROOT / "vault" / "sync" / "engine.py") == "vault.sync"
