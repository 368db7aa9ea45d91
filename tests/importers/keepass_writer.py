"""A minimal KeePass 2 XML writer for round-trip tests (what KeePassXC's export looks like).

Only what the round trip needs: groups (nested by path), entries with
standard and custom strings (protected or not), tags, attachments in
``Meta/Binaries`` (gzip compressed or not), history and expiry.
"""

from __future__ import annotations

import base64
import gzip
import uuid
from dataclasses import dataclass, field
from xml.sax.saxutils import escape


@dataclass
class Entry:
    """One entry to write."""

    title: str
    username: str = ""
    password: str = ""
    url: str = ""
    notes: str = ""
    otp: str = ""
    custom: dict[str, tuple[str, bool]] = field(default_factory=dict)
    tags: list[str] = field(default_factory=list)
    group: tuple[str, ...] = ()
    attachments: dict[str, bytes] = field(default_factory=dict)
    history: list[Entry] = field(default_factory=list)
    expires: str = ""
    ident: uuid.UUID = field(default_factory=uuid.uuid4)


def _b64uuid(value: uuid.UUID) -> str:
    return base64.b64encode(value.bytes).decode()


def _string(key: str, value: str, protected: bool = False) -> str:
    attr = ' ProtectInMemory="True"' if protected else ""
    return f"<String><Key>{escape(key)}</Key><Value{attr}>{escape(value)}</Value></String>"


class _Binaries:
    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, data: bytes) -> int:
        compressed = len(self.items) % 2 == 1
        payload = gzip.compress(data, mtime=0) if compressed else data
        self.items.append(
            f'<Binary ID="{len(self.items)}" Compressed="{compressed}">'
            f"{base64.b64encode(payload).decode()}</Binary>"
        )
        return len(self.items) - 1


def _entry(entry: Entry, binaries: _Binaries, history: bool = True) -> str:
    parts = [f"<Entry><UUID>{_b64uuid(entry.ident)}</UUID><IconID>0</IconID>"]
    parts.append(f"<Tags>{escape(';'.join(entry.tags))}</Tags>")
    expiry = entry.expires or "2020-01-01T00:00:00Z"
    parts.append(
        f"<Times><ExpiryTime>{expiry}</ExpiryTime>"
        f"<Expires>{'True' if entry.expires else 'False'}</Expires></Times>"
    )
    parts.append(_string("Title", entry.title))
    parts.append(_string("UserName", entry.username))
    parts.append(_string("Password", entry.password, True))
    parts.append(_string("URL", entry.url))
    parts.append(_string("Notes", entry.notes))
    if entry.otp:
        parts.append(_string("otp", entry.otp, True))
    for key, (value, protected) in entry.custom.items():
        parts.append(_string(key, value, protected))
    for name, data in entry.attachments.items():
        parts.append(
            f'<Binary><Key>{escape(name)}</Key><Value Ref="{binaries.add(data)}"/></Binary>'
        )
    if history and entry.history:
        parts.append("<History>")
        parts.extend(_entry(old, binaries, history=False) for old in entry.history)
        parts.append("</History>")
    parts.append("</Entry>")
    return "".join(parts)


def write(entries: list[Entry]) -> str:
    """A KeePass XML document holding ``entries`` in their groups."""
    binaries = _Binaries()
    tree: dict = {"entries": [], "groups": {}}
    for entry in entries:
        node = tree
        for name in entry.group:
            node = node["groups"].setdefault(name, {"entries": [], "groups": {}})
        node["entries"].append(_entry(entry, binaries))

    def group(name: str, node: dict) -> str:
        inner = "".join(node["entries"]) + "".join(group(n, c) for n, c in node["groups"].items())
        ident = _b64uuid(uuid.uuid4())
        return f"<Group><UUID>{ident}</UUID><Name>{escape(name)}</Name>{inner}</Group>"

    body = group("Root", tree)
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<KeePassFile><Meta>'
        "<Generator>sitebook-tests</Generator><RecycleBinEnabled>False</RecycleBinEnabled>"
        f"<Binaries>{''.join(binaries.items)}</Binaries></Meta><Root>{body}</Root></KeePassFile>\n"
    )
