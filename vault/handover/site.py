"""The static HTML site of a handover: an index by type, one page per record, offline search.

Layout under the package root::

    site/index.html                 records by type, the search box and its results
    site/records/<record id>.html   one page per record (deleted ones included, marked)
    site/assets/style.css           screen and print styles
    site/assets/search.js           the search (plain JavaScript)
    site/assets/search-index.js     the bundled index: window.SITEBOOK_INDEX = [...]

Relations are links both ways (the record's own links and reference fields,
and "linked from"); attachments link into ``attachments/``; history lists every
version with what changed. Secret values never appear: a secret field shows
"stored in credentials.kdbx".
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from vault.fields import SECRET_KINDS, FieldKind
from vault.handover import assets
from vault.handover.files import FileWriter
from vault.handover.html import e, page, value_html
from vault.handover.snapshot import (
    SECRET_PLACEHOLDER,
    Item,
    Revision,
    Snapshot,
    label_of,
    ordered_fields,
)
from vault.model import Record

INDEX_TEXT_LIMIT = 4000
"""Characters of a record's text kept in the search index (the title is always whole)."""


def record_href(record_id: str) -> str:
    """A record page's path relative to the package root."""
    return f"site/records/{record_id}.html"


def write_site(
    snapshot: Snapshot,
    root: Path,
    attachment_paths: dict[str, str],
    *,
    tick: Callable[[int], None] | None = None,
    check: Callable[[], None] | None = None,
    hashes: dict[str, dict[str, Any]] | None = None,
    writer: FileWriter | None = None,
) -> None:
    """Write the site under ``root / "site"``.

    Args:
        snapshot: What to write.
        root: The package folder being built.
        attachment_paths: Attachment id -> its path relative to the package root.
        tick: Called with 1 per record page written.
        check: Called between pages; raises CancelledError to stop.
        hashes: Filled with {path relative to root: {"sha256", "size"}} of every
            file written, so the manifest need not read 10,000 pages back.
        writer: Creates the files (``files.FileWriter``, whose hashes are
            ``hashes``); the caller closes it, so the files may still be in
            the making when this returns. None: a writer of its own, closed here.
    """
    (root / "site" / "records").mkdir(parents=True, exist_ok=True)
    (root / "site" / "assets").mkdir(exist_ok=True)
    if writer is None:
        with FileWriter(root, {} if hashes is None else hashes) as own:
            _write_pages(snapshot, own, attachment_paths, tick, check)
    else:
        _write_pages(snapshot, writer, attachment_paths, tick, check)


def _write_pages(
    snapshot: Snapshot,
    files: FileWriter,
    attachment_paths: dict[str, str],
    tick: Callable[[int], None] | None,
    check: Callable[[], None] | None,
) -> None:
    def write(relative: str, text: str) -> None:
        files.write(relative, text.encode("utf-8"))

    write("site/assets/style.css", assets.STYLE_CSS)
    write("site/assets/search.js", assets.SEARCH_JS)
    write("site/assets/search-index.js", _search_index(snapshot))
    write("site/index.html", _index_page(snapshot))
    links = {i.id: (f"{i.id}.html", i.record.title) for i in snapshot.items}
    for item in snapshot.items:
        if check:
            check()
        write(record_href(item.id), _record_page(snapshot, item, links, attachment_paths))
        if tick:
            tick(1)


def _header(snapshot: Snapshot, root: str, crumbs: str) -> str:
    return (
        '<header class="top"><div class="crumbs">'
        f'<a href="{root}README.html">Handover</a> › '
        f'<a href="{root}site/index.html">{e(snapshot.client.name)}</a>{crumbs}</div>'
        f'<form action="{root}site/index.html" method="get" role="search">'
        '<input type="search" name="q" id="q" placeholder="Search records" '
        'aria-label="Search records"><button type="submit">Search</button></form></header>'
    )


def _footer(snapshot: Snapshot) -> str:
    return (
        f"<footer>Handover of {e(snapshot.client.name)} from {e(snapshot.provider)}, exported "
        f"{e(snapshot.exported)} by {e(snapshot.exporter.name)}. Secrets are not shown here: "
        "they are in credentials.kdbx.</footer>"
    )


# ---------------------------------------------------------------------- index and search


def _search_index(snapshot: Snapshot) -> str:
    entries = []
    for item in snapshot.items:
        record = item.record
        words = [*record.tags]
        for name in ordered_fields(snapshot, record):
            if item.is_secret(name):
                continue
            value = record.fields[name]
            if item.kinds.get(name) is FieldKind.REFERENCE:
                value = snapshot.title_of(value) or ""
            words.append(value)
        text = " ".join(" ".join(words).split()).lower()[:INDEX_TEXT_LIMIT]
        kind = snapshot.type_name(record.type) + (" (deleted)" if record.deleted else "")
        entries.append([f"records/{record.id}.html", kind, record.title, text])
    data = json.dumps(entries, ensure_ascii=True, separators=(",", ":")).replace("</", "<\\/")
    return f"/* Sitebook handover search index */\nwindow.SITEBOOK_INDEX = {data};\n"


def _index_page(snapshot: Snapshot) -> str:
    parts = [
        _header(snapshot, "../", ""),
        f"<h1>{e(snapshot.client.name)}</h1>",
        f'<p class="meta">{len(snapshot.live)} records, exported {e(snapshot.exported)} from '
        f'{e(snapshot.provider)}. Start with the <a href="../README.html">README</a>.</p>',
        '<section class="noprint"><h2>Search</h2>'
        '<p id="result-count" class="muted" aria-live="polite"></p>'
        '<ul id="results" class="results"></ul></section>',
        "<h2>Contents</h2><ul>",
    ]
    counts = snapshot.counts()
    for type_id, count in counts.items():
        parts.append(
            f'<li><a href="#type-{e(type_id)}">{e(snapshot.type_name(type_id, True))}</a> '
            f'<span class="muted">({count})</span></li>'
        )
    if snapshot.deleted:
        parts.append(f'<li><a href="#deleted">Deleted records</a> ({len(snapshot.deleted)})</li>')
    if snapshot.audit_entries is not None:
        parts.append(
            f'<li><a href="audit.html">Audit log</a> ({len(snapshot.audit_entries)} entries)</li>'
        )
    parts.append("</ul>")
    by_type: dict[str, list[Item]] = {}
    for item in snapshot.live:
        by_type.setdefault(item.record.type, []).append(item)
    for type_id in counts:
        parts.append(_type_table(snapshot, type_id, by_type[type_id]))
    if snapshot.deleted:
        parts.append('<h2 id="deleted">Deleted records</h2>')
        parts.append(
            '<p class="note">Deleted in Sitebook before the handover; kept with their history.</p>'
        )
        parts.append(_type_table(snapshot, None, snapshot.deleted))
    parts.append(_footer(snapshot))
    return page(
        f"{snapshot.client.name} — handover",
        "\n".join(parts),
        root="../",
        scripts=("assets/search-index.js", "assets/search.js"),
    )


def _type_table(snapshot: Snapshot, type_id: str | None, items: list[Item]) -> str:
    template = snapshot.template(type_id) if type_id else None
    columns = [f for f in template.fields if f.list_column and not f.secret] if template else []
    head = "".join(f"<th>{e(f.label)}</th>" for f in columns)
    if type_id is None:
        head = "<th>Type</th>"
    rows = []
    for item in items:
        record = item.record
        link = f'<a href="records/{record.id}.html">{e(record.title)}</a>'
        if type_id is None:
            cells = f"<td>{e(snapshot.type_name(record.type))}</td>"
        else:
            cells = "".join(f"<td>{e(_plain(snapshot, item, f.name))}</td>" for f in columns)
        rows.append(f"<tr><td>{link}</td>{cells}</tr>")
    heading = (
        f'<h2 id="type-{e(type_id)}">{e(snapshot.type_name(type_id, True))}</h2>' if type_id else ""
    )
    return (
        f"{heading}<table><thead><tr><th>Title</th>{head}</tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def _plain(snapshot: Snapshot, item: Item, name: str) -> str:
    value = item.record.fields.get(name, "")
    if item.kinds.get(name) is FieldKind.REFERENCE and value:
        return snapshot.title_of(value) or value[:8]
    return value


# ---------------------------------------------------------------------- record pages


def _record_page(
    snapshot: Snapshot,
    item: Item,
    links: dict[str, tuple[str, str]],
    attachment_paths: dict[str, str],
) -> str:
    record = item.record
    type_name = snapshot.type_name(record.type)
    plural = snapshot.type_name(record.type, True)
    crumb = f' › <a href="../index.html#type-{e(record.type)}">{e(plural)}</a>'
    parts = [_header(snapshot, "../../", crumb), f"<h1>{e(record.title)}</h1>"]
    updated = record.updated[:16].replace("T", " ")
    meta = f"{e(type_name)} · version {record.version} · updated {e(updated)} UTC"
    parts.append(f'<p class="meta">{meta} · id <code>{record.id}</code></p>')
    if record.deleted:
        parts.append(
            '<p class="banner">This record was deleted in Sitebook; it is kept for its history.</p>'
        )
    if record.tags:
        parts.append(
            '<p class="tags">' + "".join(f"<span>{e(t)}</span>" for t in record.tags) + "</p>"
        )
    parts.append(_fields_table(snapshot, item, record, links))
    parts.append(_relations(snapshot, item, links))
    parts.append(_attachments(item, attachment_paths))
    parts.append(_history(snapshot, item))
    parts.append(_footer(snapshot))
    return page(f"{record.title} — {type_name}", "\n".join(parts), root="../../")


def _fields_table(
    snapshot: Snapshot, item: Item, record: Record, links: dict[str, tuple[str, str]]
) -> str:
    rows = []
    kinds = {**item.kinds, **record.custom} if record.custom else item.kinds
    for name in ordered_fields(snapshot, record):
        label = label_of(snapshot, record, name)
        kind = kinds.get(name, FieldKind.TEXT)
        if kind in SECRET_KINDS:  # what Item.is_secret(name, record) says
            cell = f'<span class="secret">{SECRET_PLACEHOLDER}</span>'
        else:
            cell = value_html(kind, record.fields[name], links)
        rows.append(f"<tr><th>{e(label)}</th><td>{cell}</td></tr>")
    if not rows:
        return '<p class="muted">No fields are set.</p>'
    return f'<table class="fields"><tbody>{"".join(rows)}</tbody></table>'


def _relations(snapshot: Snapshot, item: Item, links: dict[str, tuple[str, str]]) -> str:
    def entry(record_id: str) -> str:
        target = links.get(record_id)
        if target is None:
            return f'<li class="missing">record {e(record_id[:8])} (not part of this handover)</li>'
        other = snapshot.by_id[record_id].record
        return (
            f'<li><a href="{e(target[0])}">{e(target[1])}</a> '
            f'<span class="muted">{e(snapshot.type_name(other.type))}</span></li>'
        )

    parts = ["<h2>Related records</h2>"]
    if not item.record.links and not item.backlinks:
        parts.append('<p class="muted">None.</p>')
    if item.record.links:
        parts.append("<h3>Links to</h3><ul>" + "".join(map(entry, item.record.links)) + "</ul>")
    if item.backlinks:
        parts.append("<h3>Linked from</h3><ul>" + "".join(map(entry, item.backlinks)) + "</ul>")
    return "".join(parts)


def _attachments(item: Item, attachment_paths: dict[str, str]) -> str:
    if not item.attachments:
        return ""
    rows = []
    for attachment in item.attachments:
        href = "../../" + attachment_paths[attachment.id]
        rows.append(
            f'<tr><td><a href="{e(href)}">{e(attachment.name)}</a></td>'
            f"<td>{attachment.size:,} bytes</td><td><code>{attachment.sha256}</code></td></tr>"
        )
    return (
        "<h2>Attachments</h2><table><thead><tr><th>File</th><th>Size</th><th>SHA-256</th>"
        f"</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def _history(snapshot: Snapshot, item: Item) -> str:
    if not snapshot.history:
        return (
            '<h2>History</h2><p class="muted">Not included: the package was exported '
            "without history.</p>"
        )
    rows = []
    previous: Revision | None = None
    for revision in item.revisions:
        info = revision.info
        changes = _changes(snapshot, item, previous, revision)
        detail = (
            "<details><summary>"
            f"{len(changes)} change{'s' if len(changes) != 1 else ''}</summary><ul>"
            + "".join(f"<li>{c}</li>" for c in changes)
            + "</ul></details>"
            if changes and previous is not None
            else f'<span class="muted">{" ".join(changes) or "no change"}</span>'
        )
        rows.append(
            f"<tr><td>{info.number}</td><td>{e(info.created[:19].replace('T', ' '))}</td>"
            f"<td>{e(info.author_name)}</td><td>{detail}</td></tr>"
        )
        previous = revision
    return (
        "<h2>History</h2><table><thead><tr><th>Version</th><th>Saved (UTC)</th><th>By</th>"
        f"<th>Changes</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def _changes(snapshot: Snapshot, item: Item, before: Revision | None, after: Revision) -> list[str]:
    new = after.record
    if before is None:
        return ["created" + (" (deleted)" if new.deleted else "")]
    old = before.record
    out = []
    if old.type != new.type:
        out.append(f"type: {e(old.type)} → {e(new.type)}")
    if old.title != new.title:
        out.append(f"title: {e(old.title)} → {e(new.title)}")
    if old.tags != new.tags:
        out.append(f"tags: {e(', '.join(old.tags) or '—')} → {e(', '.join(new.tags) or '—')}")
    if old.links != new.links:

        def names(ids: tuple[str, ...]) -> str:
            return ", ".join(snapshot.title_of(i) or i[:8] for i in ids) or "—"

        out.append(f"related: {e(names(old.links))} → {e(names(new.links))}")
    if old.deleted != new.deleted:
        out.append("deleted" if new.deleted else "restored")
    for name in dict.fromkeys([*old.fields, *new.fields]):
        a, b = old.fields.get(name, ""), new.fields.get(name, "")
        if a == b:
            continue
        label = e(label_of(snapshot, new if name in new.fields else old, name))
        if item.is_secret(name, new) or item.is_secret(name, old):
            out.append(
                f'{label}: <span class="secret">changed (old values are in the '
                "credentials.kdbx entry's history)</span>"
            )
        else:
            out.append(f"{label}: {e(_short(a))} → {e(_short(b))}")
    return out


def _short(value: str, limit: int = 300) -> str:
    if not value:
        return "—"
    return value if len(value) <= limit else value[: limit - 1] + "…"
