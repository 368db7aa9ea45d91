"""Importers: one module per foreign format, each yielding record drafts (issue 5).

The public API, shared by the CLI (``sitebook import``) and the window's wizard:

- :func:`read` reads a file or folder into a :class:`~importers.base.Parsed`
  (drafts, warnings, what cannot be imported), picking the format from the
  content when none is named (:func:`importers.registry.sniff`).
- :func:`import_file` reads and imports in one call; with ``dry_run`` it only
  reports what would happen. The write is one vault transaction with
  progress and cancel (:mod:`importers.apply`).
- :mod:`importers.generic_csv` exposes the column-mapping API for any CSV.

Formats (CLI names): see :func:`importers.registry.formats`. Each module's
docstring documents its mapping onto Sitebook's record types.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from importers.base import ImportOptions, ImportReport, Parsed, RecordDraft

if TYPE_CHECKING:
    from importers.apply import Cancel, Progress
    from vault.vault import Vault

__all__ = ["ImportOptions", "ImportReport", "Parsed", "RecordDraft", "import_file", "read"]


def read(
    path: str | Path, format: str | None = None, options: ImportOptions | None = None
) -> Parsed:
    """Read a file or folder into drafts without touching any vault.

    Args:
        path: The file (or folder, for IT Glue and Markdown exports).
        format: A CLI format name; None to recognise it from the content.
        options: Reading options (groups as tags or clients, CSV mapping, KDBX key).

    Raises:
        ImportInputError: The input cannot be read; the message names the file,
            line or element, and field.
    """
    from importers import registry
    from importers.inputs import noticing

    path = Path(path)
    found = registry.named(format, path) if format else registry.sniff(path)
    with noticing() as notes:
        parsed = found.parse(path, options or ImportOptions())
    parsed.warnings.extend(notes)
    return parsed


def import_file(
    vault: Vault,
    path: str | Path,
    *,
    format: str | None = None,
    client: str | None = None,
    options: ImportOptions | None = None,
    dry_run: bool = False,
    progress: Progress | None = None,
    cancel: Cancel | None = None,
) -> ImportReport:
    """Read a file and import it into an unlocked vault (or report what would happen).

    Args:
        vault: The unlocked vault.
        path: The file or folder.
        format: A CLI format name, or None to recognise it.
        client: The client for records that do not name their own; None for
            the provider-internal scope.
        options: Reading options.
        dry_run: Only report; write nothing.
        progress: ``progress(done, total)`` during the write.
        cancel: Returning True cancels; nothing is written.

    Raises:
        ImportInputError: Bad input. CancelledError: cancelled. VaultError: the
            vault refused the write (nothing is written in every case).
    """
    from importers.apply import run_import

    options = options or ImportOptions()
    parsed = read(path, format, options)
    return run_import(
        vault,
        parsed,
        client=client,
        dry_run=dry_run,
        history=options.history,
        progress=progress,
        cancel=cancel,
    )
