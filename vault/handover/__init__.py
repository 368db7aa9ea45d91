"""Handover packages: everything a client owns, verified, readable without Sitebook.

``export_handover`` writes a folder (or zip) with README.html, a static site,
credentials.kdbx, records.json and its schema, attachments/, client.sitebook,
handover.pdf and a signed manifest (DESIGN.md §7, issue 6); ``verify_package``
checks one against its manifest; ``import_handover`` brings one into another
vault. The modules: ``snapshot`` (what is exported), ``site``/``readme``/``html``/
``assets`` (the HTML), ``audit_log``, ``kdbx``, ``records_json``, ``pdf``,
``manifest``, ``verify``, ``restore`` (record copying) and ``importer``.
"""

from __future__ import annotations

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
