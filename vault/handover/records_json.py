"""``records.json`` and its JSON Schema: every record, field, relation, revision, attachment.

The file is for programs (another documentation tool's importer, a script);
``records.schema.json`` beside it (JSON Schema 2020-12) says exactly what it
holds. Secret field values are ``null`` with ``"secret": true``: they live in
``credentials.kdbx`` (and ``client.sitebook``) only. Record ids are the ones in
the source vault, so links, backlinks and reference field values point at other
records of the same file.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from vault.fields import SECRET_KINDS, FieldKind
from vault.handover.files import Hashes, write_file
from vault.handover.snapshot import (
    SECRET_PLACEHOLDER,
    Item,
    Snapshot,
    label_of,
    ordered_fields,
)
from vault.model import Record
from vault.templates import BUILTIN_TEMPLATES

FORMAT = "sitebook-handover-records"
FORMAT_VERSION = 1

_ID = {"type": "string", "pattern": "^[0-9a-f]{32}$"}
_TIME = {"type": "string", "minLength": 1}
_FIELD = {
    "type": "object",
    "additionalProperties": False,
    "required": ["name", "label", "kind", "secret", "value"],
    "properties": {
        "name": {"type": "string", "minLength": 1},
        "label": {"type": "string"},
        "kind": {"enum": [k.value for k in FieldKind]},
        "secret": {"type": "boolean"},
        "value": {"type": ["string", "null"], "description": "null when secret"},
    },
    "if": {"properties": {"secret": {"const": True}}},
    "then": {"properties": {"value": {"type": "null"}}},
    "else": {"properties": {"value": {"type": "string"}}},
}
_CONTENT = {
    "type": {"type": "string", "minLength": 1},
    "title": {"type": "string", "minLength": 1},
    "deleted": {"type": "boolean"},
    "source": {"type": ["string", "null"]},
    "tags": {"type": "array", "items": {"type": "string"}},
    "links": {"type": "array", "items": _ID},
    "fields": {"type": "array", "items": {"$ref": "#/$defs/field"}},
}
_CONTENT_REQUIRED = ["type", "title", "deleted", "source", "tags", "links", "fields"]

SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "urn:sitebook:handover:records:1",
    "title": "Sitebook handover records",
    "description": "Every record of one client, exported by Sitebook. Secret values are null "
    f"and {SECRET_PLACEHOLDER}.",
    "type": "object",
    "additionalProperties": False,
    "required": [
        "format",
        "format_version",
        "client",
        "provider",
        "source_vault_id",
        "exported",
        "history_included",
        "types",
        "records",
    ],
    "properties": {
        "format": {"const": FORMAT},
        "format_version": {"const": FORMAT_VERSION},
        "client": {
            "type": "object",
            "additionalProperties": False,
            "required": ["id", "name"],
            "properties": {"id": _ID, "name": {"type": "string"}},
        },
        "provider": {"type": "string"},
        "source_vault_id": _ID,
        "exported": _TIME,
        "history_included": {"type": "boolean"},
        "types": {"type": "array", "items": {"$ref": "#/$defs/type"}},
        "records": {"type": "array", "items": {"$ref": "#/$defs/record"}},
    },
    "$defs": {
        "field": _FIELD,
        "type": {
            "type": "object",
            "additionalProperties": False,
            "required": ["id", "name", "plural", "description", "builtin", "fields"],
            "properties": {
                "id": {"type": "string"},
                "name": {"type": "string"},
                "plural": {"type": "string"},
                "description": {"type": "string"},
                "builtin": {"type": "boolean"},
                "fields": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "additionalProperties": False,
                        "required": ["name", "kind", "label", "required", "choices"],
                        "properties": {
                            "name": {"type": "string"},
                            "kind": {"enum": [k.value for k in FieldKind]},
                            "label": {"type": "string"},
                            "required": {"type": "boolean"},
                            "choices": {"type": "array", "items": {"type": "string"}},
                            "list_column": {"type": "boolean"},
                            "help": {"type": "string"},
                        },
                    },
                },
            },
        },
        "attachment": {
            "type": "object",
            "additionalProperties": False,
            "required": ["id", "name", "size", "sha256", "mime", "created", "author_id", "path"],
            "properties": {
                "id": _ID,
                "name": {"type": "string", "minLength": 1},
                "size": {"type": "integer", "minimum": 0},
                "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
                "mime": {"type": "string"},
                "created": _TIME,
                "author_id": {"type": "string"},
                "path": {"type": "string", "pattern": "^attachments/"},
            },
        },
        "revision": {
            "type": "object",
            "additionalProperties": False,
            "required": ["version", "vid", "created", "author_id", "author", *_CONTENT_REQUIRED],
            "properties": {
                "version": {"type": "integer", "minimum": 1},
                "vid": {"type": "string"},
                "created": _TIME,
                "author_id": {"type": "string"},
                "author": {"type": "string"},
                **_CONTENT,
            },
        },
        "record": {
            "type": "object",
            "additionalProperties": False,
            "required": [
                "id",
                "version",
                "created",
                "updated",
                "backlinks",
                "attachments",
                "revisions",
                "restricted",
                *_CONTENT_REQUIRED,
            ],
            "properties": {
                "id": _ID,
                "version": {"type": "integer", "minimum": 1},
                "created": _TIME,
                "updated": _TIME,
                "backlinks": {"type": "array", "items": _ID},
                "restricted": {
                    "type": "boolean",
                    "description": "restricted to some members of the provider in Sitebook",
                },
                "attachments": {"type": "array", "items": {"$ref": "#/$defs/attachment"}},
                "revisions": {
                    "type": "array",
                    "minItems": 1,
                    "items": {"$ref": "#/$defs/revision"},
                    "description": "oldest first; only the newest when history was left out",
                },
                **_CONTENT,
            },
        },
    },
}


def _fields(snapshot: Snapshot, item: Item, record: Record) -> list[dict[str, Any]]:
    kinds = {**item.kinds, **record.custom} if record.custom else item.kinds
    out = []
    for name in ordered_fields(snapshot, record):
        kind = kinds.get(name, FieldKind.TEXT)
        secret = kind in SECRET_KINDS  # what Item.is_secret(name, record) says
        out.append(
            {
                "name": name,
                "label": label_of(snapshot, record, name),
                "kind": str(kind),
                "secret": secret,
                "value": None if secret else record.fields[name],
            }
        )
    return out


def _content(
    snapshot: Snapshot, item: Item, record: Record, fields: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    return {
        "type": record.type,
        "title": record.title,
        "deleted": record.deleted,
        "source": record.source,
        "tags": list(record.tags),
        "links": list(record.links),
        "fields": _fields(snapshot, item, record) if fields is None else fields,
    }


def record_json(snapshot: Snapshot, item: Item, attachment_paths: dict[str, str]) -> dict:
    """The JSON object of one record (see ``$defs/record`` in :data:`SCHEMA`)."""
    record = item.record
    head = _fields(snapshot, item, record)  # the newest revision is the head: built once
    return {
        "id": record.id,
        "version": record.version,
        "created": record.created,
        "updated": record.updated,
        **_content(snapshot, item, record, head),
        "backlinks": item.backlinks,
        "restricted": record.id in snapshot.restricted,
        "attachments": [
            {
                "id": a.id,
                "name": a.name,
                "size": a.size,
                "sha256": a.sha256,
                "mime": a.mime,
                "created": a.created,
                "author_id": a.author,
                "path": attachment_paths[a.id],
            }
            for a in item.attachments
        ],
        "revisions": [
            {
                "version": rev.info.number,
                "vid": rev.info.vid,
                "created": rev.info.created,
                "author_id": rev.info.author,
                "author": rev.info.author_name,
                **_content(snapshot, item, rev.record, head if rev.record is record else None),
            }
            for rev in item.revisions
        ],
    }


def document(snapshot: Snapshot, attachment_paths: dict[str, str]) -> dict[str, Any]:
    """The whole ``records.json`` document."""
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "client": {"id": snapshot.client.id, "name": snapshot.client.name},
        "provider": snapshot.provider,
        "source_vault_id": snapshot.vault_id,
        "exported": snapshot.exported,
        "history_included": snapshot.history,
        "types": [
            {**t.to_dict(), "builtin": t.id in BUILTIN_TEMPLATES}
            for t in snapshot.templates.values()
        ],
        "records": [record_json(snapshot, item, attachment_paths) for item in snapshot.items],
    }


def write_records_json(
    snapshot: Snapshot,
    root: Path,
    attachment_paths: dict[str, str],
    tick: Callable[[int], None] | None = None,
    hashes: Hashes | None = None,
) -> None:
    """Write ``records.json`` and ``records.schema.json`` into the package folder.

    ``hashes`` (if given) gets the SHA-256 and size of both, taken of the bytes written.
    """
    data = document(snapshot, attachment_paths)
    records = data.pop("records")
    # One record per line: readable with ``grep`` and a pager, and written by the C
    # encoder (``indent`` would switch json to its pure-Python encoder, ~8x slower).
    encode = json.JSONEncoder(ensure_ascii=False, separators=(", ", ": ")).encode
    compact = encode(data)
    text = "".join((compact[:-1], ', "records": [\n', ",\n".join(map(encode, records)), "\n]}\n"))
    known: Hashes = {} if hashes is None else hashes
    folder = str(root)
    write_file(folder, "records.json", text.encode("utf-8"), known)
    schema = json.dumps(SCHEMA, indent=2) + "\n"
    write_file(folder, "records.schema.json", schema.encode("utf-8"), known)
    if tick:
        tick(len(snapshot.items))
