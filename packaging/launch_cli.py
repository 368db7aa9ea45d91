"""Entry point of the bundled ``sitebook`` command (PyInstaller script).

Started as ``sitebook --handover-pdf-child ROOT`` it is the handover export's
PDF writer (:mod:`vault.handover.pdf_process`): a frozen app has no Python
interpreter to start that child with, so it starts this command instead.
"""

from __future__ import annotations

import sys

HANDOVER_PDF_CHILD = "--handover-pdf-child"  # vault.handover.pdf_process.CHILD_FLAG


if __name__ == "__main__":
    if sys.argv[1:2] == [HANDOVER_PDF_CHILD]:
        from vault.handover.pdf_process import main as write_pdf_files

        raise SystemExit(write_pdf_files(sys.argv[2:]))
    from ui.cli import main

    raise SystemExit(main())
