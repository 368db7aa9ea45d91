"""IT Glue documents and attachments (part of the ``itglue`` importer).

Documents: each ``DOC-<organisation id>-<document id> <name>`` folder under
``documents/`` holds an HTML page and its images. The page becomes a
``procedure`` in Markdown (:mod:`importers.htmlmd`); every image it shows is
attached and linked by its attachment name; other files in the folder are
attached too. ``documents.csv`` (when present) names the document and its
organisation; otherwise the folder name does. Folders between ``documents/``
and the DOC folder become a tag (the document folder path in IT Glue).

Attachments: ``attachments/<kind>/<id>/<file>`` is attached to the item with
that id (configurations, passwords, locations, contacts, documents, domains,
organisations, or a flexible asset).
"""

from __future__ import annotations

import posixpath
import re
from pathlib import PurePosixPath
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

from importers.base import AttachmentDraft, RecordDraft, unique_name
from importers.htmlmd import to_markdown
from importers.inputs import decode_text
from importers.tabular import column

if TYPE_CHECKING:
    from importers.itglue import Export

DOC_FOLDER = re.compile(r"DOC-(\d+)-(\d+)(?:\s+(.*))?$")
HTML = (".html", ".htm")
KINDS = {
    "configurations": "configuration",
    "passwords": "password",
    "locations": "location",
    "contacts": "contact",
    "documents": "document",
    "domains": "domain",
    "organizations": "organization",
}


def image_extension(data: bytes) -> str:
    """A file extension for image bytes without one ('' when unknown)."""
    for magic, extension in (
        (b"\x89PNG", ".png"),
        (b"\xff\xd8\xff", ".jpg"),
        (b"GIF8", ".gif"),
        (b"RIFF", ".webp"),
        (b"<svg", ".svg"),
        (b"BM", ".bmp"),
    ):
        if data.startswith(magic):
            return extension
    return ""


def _document_rows(export: Export) -> dict[str, tuple[str, str | None]]:
    table = export.table("documents")
    out: dict[str, tuple[str, str | None]] = {}
    if table is None:
        return out
    for _line, row in table.rows:
        ident = column(row, "id").strip()
        if ident:
            out[ident] = (column(row, "name").strip(), export.org(row))
    return out


def _folders(export: Export) -> dict[str, list[str]]:
    """DOC folder path -> its files."""
    out: dict[str, list[str]] = {}
    for name in export.tree.names():
        parts = PurePosixPath(name).parts
        for index, part in enumerate(parts[:-1]):
            if DOC_FOLDER.match(part):
                out.setdefault("/".join(parts[: index + 1]), []).append(name)
                break
    return out


def _resolve(files: list[str], page: str, source: str) -> str | None:
    if not source or source.startswith(("data:", "http:", "https:", "//")):
        return None
    path = unquote(urlsplit(source).path).lstrip("/")
    if not path:
        return None
    candidates = [posixpath.normpath(posixpath.join(posixpath.dirname(page), path)), path]
    for candidate in candidates:
        for name in files:
            if name == candidate or name.endswith("/" + path):
                return name
    tail = PurePosixPath(path).name
    matches = [n for n in files if PurePosixPath(n).name == tail]
    return matches[0] if len(matches) == 1 else None


def read_documents(export: Export) -> None:
    """Add a procedure for every DOC-* folder."""
    rows = _document_rows(export)
    for folder, files in sorted(_folders(export).items()):
        match = DOC_FOLDER.match(PurePosixPath(folder).name)
        assert match is not None
        org_id, doc_id, folder_name = match.group(1), match.group(2), (match.group(3) or "").strip()
        name, client = rows.get(doc_id, ("", None))
        client = client or export.orgs.get(org_id)
        title = name or folder_name or f"Document {doc_id}"
        origin = f"document '{title[:60]}'"
        pages = sorted(
            (f for f in files if f.lower().endswith(HTML)), key=export.tree.size, reverse=True
        )
        draft = RecordDraft(f"document:{doc_id}", "procedure", title, client=client, origin=origin)
        relative = folder[len(export.base) :] if folder.startswith(export.base) else folder
        between = [
            p
            for p in PurePosixPath(relative).parts[1:-1]
            if p.casefold() not in {(client or "").casefold()}
        ]
        if between:
            draft.tags.append("/".join(between))
        used: set[str] = set()
        names: dict[str, str] = {}

        def image(
            source: str,
            page: str,
            used: set[str] = used,
            names: dict[str, str] = names,
            draft: RecordDraft = draft,
            files: list[str] = files,
        ) -> str:
            found = _resolve(files, page, source)
            if found is None:
                export.parsed.warn(
                    f"{draft.origin}: the image '{source[:80]}' is not in the export"
                )
                return ""
            if found not in names:
                data = export.tree.read(found)
                base = PurePosixPath(found).name
                if "." not in base:
                    base += image_extension(data)
                names[found] = unique_name(base, {a.name for a in draft.attachments})
                draft.attachments.append(AttachmentDraft(names[found], data))
            used.add(found)
            return names[found].replace(" ", "%20")

        body = ""
        if pages:
            page = pages[0]
            html = decode_text(export.tree.read(page), export.tree.label(page))
            body = to_markdown(html, lambda source, _alt, page=page: image(source, page))
            used.add(page)
            for extra in pages[1:]:
                used.add(extra)
                draft.attachments.append(
                    AttachmentDraft(PurePosixPath(extra).name, export.tree.read(extra))
                )
        else:
            export.parsed.warn(f"{origin}: no HTML page in {folder}; its files are attached")
        for name in files:
            if name not in used:
                draft.attachments.append(
                    AttachmentDraft(
                        unique_name(PurePosixPath(name).name, {a.name for a in draft.attachments}),
                        export.tree.read(name),
                    )
                )
        draft.put("body", body or title)
        export.add(draft)


def read_attachments(export: Export) -> None:
    """Attach attachments/<kind>/<id>/<file> to the items they belong to."""
    prefix = f"{export.base}attachments/"
    for name in export.tree.names():
        if not name.startswith(prefix):
            continue
        parts = PurePosixPath(name[len(prefix) :]).parts
        if len(parts) < 3:
            export.parsed.skip(
                export.tree.label(name), "an attachment outside attachments/<kind>/<id>/"
            )
            continue
        kind, ident = parts[0].casefold(), parts[1]
        source = f"{KINDS.get(kind, 'flex')}:{ident}"
        draft = export.by_source.get(source)
        if draft is None:
            export.parsed.skip(export.tree.label(name), f"no {kind} with id {ident} in the export")
            continue
        draft.attachments.append(
            AttachmentDraft(
                unique_name(parts[-1], {a.name for a in draft.attachments}), export.tree.read(name)
            )
        )
