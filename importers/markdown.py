"""A folder of Markdown (``markdown``): Obsidian vaults, Joplin and BookStack exports.

The input is a folder, a zip of one, or a single ``.md`` file. Each
``.md``/``.markdown`` file becomes a record:

- Front matter (``---`` YAML at the top; flat keys, lists, quoted and block
  values) -> fields: ``title`` -> title; ``tags``/``tag``/``keywords``/
  ``categories``/``aliases`` -> tags (aliases as a custom field); ``type`` naming a
  Sitebook record type -> that type (default ``procedure``); ``client`` -> the
  client; a key naming a field of the type -> that field; anything else ->
  a custom text field. Times (created, updated, date) are left out on purpose.
- The text -> the procedure's body (or ``notes`` for other types). The title
  is the front matter's, else the first ``# heading``, else the file name.
- Folders -> a tag with the folder path, or with ``groups_as="clients"`` the
  top folder names the client.
- Linked images and files (``![](img.png)``, ``[spec](files/spec.pdf)``,
  Obsidian's ``![[img.png]]``, Joplin's ``_resources``) -> attachments; the
  link is rewritten to the attachment's name.
- Wiki links (``[[Other note]]``, ``[[Other note|alias]]``) and links to
  other ``.md`` files -> relations.
- Reported: links to notes or files that are not there (a warning), and
  files no note links to (skipped: attach them from a note to import them).

The stable id is the note's path inside the folder.
"""

from __future__ import annotations

import posixpath
import re
from pathlib import Path, PurePosixPath
from urllib.parse import unquote

from importers.base import AttachmentDraft, ImportOptions, Parsed, RecordDraft, unique_name
from importers.inputs import Tree, decode_text
from importers.registry import Format, Probe
from vault.errors import ImportInputError
from vault.fields import FieldKind
from vault.templates import BUILTIN_TEMPLATES

NAME = "markdown"
NOTE_SUFFIXES = (".md", ".markdown")
TIME_KEYS = {
    "created",
    "updated",
    "date",
    "modified",
    "created_at",
    "updated_at",
    "user_created_time",
    "user_updated_time",
}
TAG_KEYS = {"tags", "tag", "keywords", "categories", "category"}
LINK = re.compile(r"(!?)\[((?:[^\[\]\\]|\\.)*)\]\(\s*<?([^()<>\n]+?)>?(\s+\"[^\"]*\")?\s*\)")
WIKI = re.compile(r"(!?)\[\[([^\[\]|#]+)(#[^\[\]|]*)?(?:\|([^\[\]]*))?\]\]")
HEADING = re.compile(r"^#\s+(.+?)\s*#*\s*$", re.M)
SKIP_FOLDERS = {".obsidian", ".trash", ".git"}


def front_matter(text: str) -> tuple[dict[str, object], str, str]:
    """Split text into (front matter values, body, raw front matter).

    Supports what notes use: ``key: value``, quoted values, ``[a, b]`` lists,
    ``- item`` block lists, ``key: |`` block text and one level of nesting
    (``parent.child``). Returns the raw block too, so nothing is lost when a
    line cannot be read.
    """
    if not text.startswith("---"):
        return {}, text, ""
    lines = text.split("\n")
    if lines[0].strip() != "---":
        return {}, text, ""
    for end in range(1, len(lines)):
        if lines[end].strip() in ("---", "..."):
            break
    else:
        return {}, text, ""
    raw = "\n".join(lines[1:end])
    body = "\n".join(lines[end + 1 :])
    values: dict[str, object] = {}
    key = ""
    block: list[str] | None = None
    parent = ""
    for line in lines[1:end]:
        if block is not None:
            if line.startswith((" ", "\t")) or not line.strip():
                block.append(line.strip())
                continue
            values[key] = "\n".join(block).strip()
            block = None
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if stripped.startswith("- ") and key:
            current = values.get(key)
            items = current if isinstance(current, list) else []
            items.append(_scalar(stripped[2:]))
            values[key] = items
            continue
        match = re.match(r"^(\s*)([^:]+?):(?:\s+(.*))?$", line)
        if not match:
            values.setdefault("front matter", raw)
            continue
        indent, name, value = (
            match.group(1),
            match.group(2).strip().strip("\"'"),
            (match.group(3) or "").strip(),
        )
        if indent and parent:
            name = f"{parent}.{name}"
        else:
            parent = name if not value else ""
        key = name
        if value in ("|", ">", "|-", ">-"):
            block = []
        elif value.startswith("[") and value.endswith("]"):
            values[key] = [_scalar(v) for v in value[1:-1].split(",") if v.strip()]
        elif value:
            values[key] = _scalar(value)
        else:
            values[key] = ""
    if block is not None:
        values[key] = "\n".join(block).strip()
    return values, body, raw


def _scalar(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1]
    return value


class _Notes:
    def __init__(self, tree: Tree, options: ImportOptions, only: str | None) -> None:
        self.tree = tree
        self.options = options
        self.parsed = Parsed(NAME, NAME)
        names = [n for n in tree.names() if not (set(PurePosixPath(n).parts[:-1]) & SKIP_FOLDERS)]
        self.notes = [
            n for n in names if n.lower().endswith(NOTE_SUFFIXES) and (only is None or n == only)
        ]
        self.files = [n for n in names if not n.lower().endswith(NOTE_SUFFIXES)]
        self.by_name: dict[str, list[str]] = {}
        for name in names:
            self.by_name.setdefault(PurePosixPath(name).name.casefold(), []).append(name)
        self.titles: dict[str, str] = {}
        self.used: set[str] = set()

    def find_file(self, note: str, target: str) -> str | None:
        path = unquote(target.split("#", 1)[0].split("?", 1)[0])
        if not path:
            return None
        joined = posixpath.normpath(posixpath.join(posixpath.dirname(note), path)).lstrip("/")
        for candidate in (joined, path.lstrip("/")):
            found = self.tree.find(candidate)
            if found is not None:
                return found
        matches = self.by_name.get(PurePosixPath(path).name.casefold(), [])
        return matches[0] if len(matches) == 1 else None

    def find_note(self, name: str) -> str | None:
        wanted = name.strip().casefold()
        for candidate in (wanted, f"{wanted}.md"):
            matches = [
                n
                for n in self.notes
                if n.casefold() == candidate or n.casefold().endswith("/" + candidate)
            ]
            if matches:
                return matches[0]
        for note, title in self.titles.items():
            if title.casefold() == wanted or PurePosixPath(note).stem.casefold() == wanted:
                return note
        return None

    def missing(self, draft: RecordDraft, target: str) -> None:
        self.parsed.warn(f"{draft.origin}: it links to '{target[:80]}', which is not in the folder")

    def attach(self, draft: RecordDraft, found: str) -> str:
        data = self.tree.read(found)
        for existing in draft.attachments:
            if existing.data == data and PurePosixPath(found).name in existing.name:
                return existing.name
        name = unique_name(PurePosixPath(found).name, {a.name for a in draft.attachments})
        draft.attachments.append(AttachmentDraft(name, data))
        self.used.add(found)
        return name

    def rewrite(self, note: str, draft: RecordDraft, text: str) -> str:
        def link(match: re.Match[str]) -> str:
            bang, label, target, title = (
                match.group(1),
                match.group(2),
                match.group(3),
                match.group(4) or "",
            )
            if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.I) or target.startswith("#"):
                return match.group(0)
            found = self.find_file(note, target)
            if found is None:
                self.missing(draft, unquote(target))
                return match.group(0)
            if found.lower().endswith(NOTE_SUFFIXES):
                draft.links.append(found)
                return match.group(0)
            name = self.attach(draft, found)
            return f"{bang}[{label}]({name.replace(' ', '%20')}{title})"

        def wiki(match: re.Match[str]) -> str:
            bang, target, alias = match.group(1), match.group(2), match.group(4)
            note_target = self.find_note(target)
            if note_target is not None and not bang:
                draft.links.append(note_target)
                return match.group(0)
            found = self.find_file(note, target.strip())
            if found is None:
                found = note_target
            if found is None:
                self.missing(draft, target.strip())
                return match.group(0)
            if found.lower().endswith(NOTE_SUFFIXES):
                draft.links.append(found)
                return match.group(0)
            name = self.attach(draft, found)
            label = alias if alias and not alias.strip().isdigit() else PurePosixPath(found).name
            return f"{bang}[{label}]({name.replace(' ', '%20')})"

        return WIKI.sub(wiki, LINK.sub(link, text))


def _title(meta: dict[str, object], body: str, name: str) -> str:
    title = str(meta.get("title", "") or "").strip()
    if not title:
        heading = HEADING.search(body)
        title = heading.group(1).strip() if heading else PurePosixPath(name).stem
    return title


def _note(notes: _Notes, name: str, text: str) -> None:
    meta, body, _raw = front_matter(text)
    origin = f"note '{name}'"
    title = _title(meta, body, name)
    meta.pop("title", None)
    record_type = str(meta.pop("type", "") or "").strip().casefold()
    if record_type not in BUILTIN_TEMPLATES:
        if record_type:
            meta["type (front matter)"] = record_type
        record_type = "procedure"
    folders = list(PurePosixPath(name).parts[:-1])
    client = str(meta.pop("client", "") or "").strip() or None
    if notes.options.groups_as == "clients" and folders and client is None:
        client, folders = folders[0], folders[1:]
    tags = ["/".join(folders)] if folders else []
    for key in list(meta):
        if key.casefold() in TAG_KEYS:
            value = meta.pop(key)
            tags.extend(
                str(v).lstrip("#")
                for v in (value if isinstance(value, list) else re.split(r"[,\s]+", str(value)))
                if str(v).strip()
            )
    draft = RecordDraft(name, record_type, title, tags=tags, client=client, origin=origin)
    template = BUILTIN_TEMPLATES[record_type]
    for key, value in meta.items():
        if key.casefold() in TIME_KEYS:
            notes.parsed.note_dates_left_out()
            continue
        text_value = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
        if template.field(key) is not None:
            draft.put(key, text_value)
        else:
            draft.put(key, text_value, FieldKind.TEXT)
            notes.parsed.note_unmapped(key)
    if "front matter" in meta:
        notes.parsed.warn(
            f"{origin}: some front matter lines could not be read; kept as a custom field"
        )
    body = notes.rewrite(name, draft, body)
    target = (
        "body"
        if record_type == "procedure"
        else next(
            (f.name for f in template.fields if f.name == "notes"),
            next((f.name for f in template.fields if f.kind is FieldKind.MARKDOWN), "Body"),
        )
    )
    if body.strip():
        draft.put(target, body, None if template.field(target) else FieldKind.TEXT)
    elif record_type == "procedure":
        draft.put("body", title)
    notes.parsed.add(draft)


def parse(path: Path, options: ImportOptions) -> Parsed:
    """Read a folder (or zip) of Markdown notes, or a single note."""
    only = None
    root = path
    if path.is_file() and path.suffix.lower() in NOTE_SUFFIXES:
        root, only = path.parent, path.name
    with Tree(root) as tree:
        notes = _Notes(tree, options, only)
        if only is None:  # one note: its folder's other files are none of the import's business
            tree.report_left_out(notes.parsed.skip)
        if not notes.notes:
            raise ImportInputError("holds no Markdown notes (.md)", file=path)
        texts = {}
        for name in notes.notes:
            text = decode_text(tree.read(name), tree.label(name)).replace("\r\n", "\n")
            meta, body, _raw = front_matter(text)
            notes.titles[name] = _title(meta, body, name)
            texts[name] = text
        for name in notes.notes:
            _note(notes, name, texts.pop(name))
        if only is None:
            for name in notes.files:
                if name not in notes.used:
                    notes.parsed.skip(tree.label(name), "no note links to it")
    return notes.parsed


def sniff(probe: Probe) -> int:
    """Likely for a folder or zip of .md files; sure for a single .md file."""
    if probe.is_dir or probe.is_zip:
        notes = [n for n in probe.names if n.lower().endswith(NOTE_SUFFIXES)]
        return 60 if notes else 0
    return 80 if probe.suffix in NOTE_SUFFIXES else 0


FORMAT = Format(
    NAME,
    "Markdown folder (Obsidian, Joplin, BookStack)",
    parse,
    sniff,
    folder=True,
    description="a folder of Markdown notes, or a zip of one",
)
