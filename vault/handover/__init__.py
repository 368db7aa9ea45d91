"""Handover packages: everything a client owns, verified, readable without Sitebook.

``export_handover`` writes a folder (or zip) with README.html, a static site,
credentials.kdbx, records.json and its schema, attachments/, client.sitebook,
handover.pdf and a signed manifest (DESIGN.md §7, issue 6); ``verify_package``
checks one against its manifest; ``import_handover`` brings one into another
vault. The modules: ``snapshot`` (what is exported), ``site``/``readme``/``html``/
``assets`` (the HTML), ``audit_log``, ``kdbx``, ``records_json``, ``pdf`` and
``pdf_process`` (the PDF and records.json in a child process), ``protected``
(credentials.kdbx and client.sitebook), ``files`` (writing and hashing),
``manifest``, ``verify``, ``restore`` (record copying) and ``importer``.

The three entry points are imported on first use (PEP 562), so the child
process that writes the PDF does not load pykeepass and the exporter.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from vault.handover.export import HandoverResult, export_handover
    from vault.handover.importer import ImportResult, import_handover
    from vault.handover.verify import Problem, VerifyResult, verify_package

__all__ = [
    "HandoverResult",
    "ImportResult",
    "Problem",
    "VerifyResult",
    "export_handover",
    "import_handover",
    "verify_package",
]

_HOME = {
    "HandoverResult": "export",
    "export_handover": "export",
    "ImportResult": "importer",
    "import_handover": "importer",
    "Problem": "verify",
    "VerifyResult": "verify",
    "verify_package": "verify",
}


def __getattr__(name: str) -> Any:
    module = _HOME.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"vault.handover.{module}"), name)
    globals()[name] = value
    return value
