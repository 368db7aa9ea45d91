"""``credentials.kdbx``: every record that holds a secret, as a KeePass 4 database (pykeepass).

One entry per record with a secret value in any version: credentials, and any
other record with a secret field (a configuration's licence key, a custom
secret). Mapping:

- Title, UserName (``username``), Password (``password``), URL (``url``) and
  Notes (``notes``) from the fields of the same name;
- the first TOTP field as ``otp`` (an ``otpauth://`` URI, what KeePassXC 2.6+
  and most managers read) *and* KeePassXC's legacy ``TOTP Seed`` / ``TOTP
  Settings`` pair (``period;digits``, or the KeeOtp form for SHA-256/512);
- every other field as a custom string field named by its label, protected when
  secret; references as the referenced record's title;
- tags as tags, attachments as attachments (files over :data:`MAX_EMBED` bytes
  stay in ``attachments/`` and the entry says where), ``Sitebook ID`` and
  ``Sitebook type`` so a program can match entries to ``records.json``;
- earlier versions as the entry's history (oldest first), so previous passwords
  are kept the way KeePass keeps them.

Groups: ``<Type plural>/<Location title>`` (location from the record's own
``location`` field, or from the configuration a credential points at), and
``Deleted in Sitebook/<Type plural>`` for deleted records.

The database uses Argon2id with the same cost as the handover's
``client.sitebook`` and AES-256.
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import argon2
from lxml.builder import E
from pykeepass import PyKeePass
from pykeepass.entry import Entry
from pykeepass.exceptions import CredentialsError
from pykeepass.group import Group
from pykeepass.kdbx_parsing.common import compute_key_composite
from pykeepass.kdbx_parsing.kdbx4 import kdf_uuids
from pykeepass.pykeepass import BLANK_DATABASE_LOCATION, BLANK_DATABASE_PASSWORD

from crypto import totp
from crypto.errors import TotpError
from crypto.kdf import KdfParams
from vault.fields import FieldKind
from vault.handover.snapshot import Item, Snapshot, label_of, ordered_fields
from vault.model import Record

MAX_EMBED = 64 * 1024 * 1024
"""Attachments larger than this stay in attachments/ only (KeePass holds attachments in memory)."""

STANDARD = {"username": "UserName", "password": "Password", "url": "URL", "notes": "Notes"}
RESERVED = frozenset(
    {"Title", "UserName", "Password", "URL", "Notes", "otp", "TOTP Seed", "TOTP Settings"}
)
ID_FIELD = "Sitebook ID"
TYPE_FIELD = "Sitebook type"
DELETED_GROUP = "Deleted in Sitebook"
SALT_BYTES = 32


def totp_fields(value: str) -> dict[str, str]:
    """The ``otp`` URI and KeePassXC's ``TOTP Seed``/``TOTP Settings`` for a stored seed.

    Raises:
        TotpError: The stored value is not a TOTP seed (it was validated on save,
            so only a damaged or foreign value gets here).
    """
    spec = totp.parse(value)
    seed = base64.b32encode(spec.secret).decode("ascii").rstrip("=")
    if spec.algorithm == "SHA1":
        settings = f"{spec.period};{spec.digits}"
    else:  # the legacy "period;digits" form cannot say the algorithm; KeeOtp's can
        settings = f"key={seed}&step={spec.period}&size={spec.digits}&otpHashMode={spec.algorithm}"
    return {"otp": spec.to_uri(), "TOTP Seed": seed, "TOTP Settings": settings}


BLANK_TRANSFORMED_KEY = bytes.fromhex(
    "0962cbeeed2e51b1417f31f21ef90cca3b205fe9bd987232ae23136a83be0cf7"
)
"""The transformed key of pykeepass' bundled empty database under its public password.

Opening that template the ordinary way runs its own Argon2d (64 MiB, 14 passes:
about as long as the handover's whole KDF) only to read an empty file. This
key is derived from public constants (the file's salt and the password
"password"), so it guards nothing; the saved file gets a fresh salt and the
handover passphrase under ``kdf``. Should pykeepass ship another template, the
key no longer fits and the template is opened the slow way.
"""


def _new_database(passphrase: str, kdf: KdfParams) -> PyKeePass:
    try:
        database = PyKeePass(BLANK_DATABASE_LOCATION, transformed_key=BLANK_TRANSFORMED_KEY)
    except CredentialsError:
        database = PyKeePass(BLANK_DATABASE_LOCATION, BLANK_DATABASE_PASSWORD)
    database.password = passphrase
    params = database.kdbx.header.value.dynamic_header.kdf_parameters.data.dict
    params["$UUID"].value = kdf_uuids["argon2id"]
    params["M"].value = kdf.memory_kib * 1024
    params["I"].value = kdf.iterations
    params["P"].value = kdf.lanes
    return database


@dataclass
class KdbxKey:
    """An empty database whose key is derived already (Argon2id is the slow part).

    :func:`prepare` runs before the records are read, on the thread that writes
    the file later, so the derivation overlaps the reading.
    """

    database: PyKeePass
    transformed_key: bytes


def prepare(passphrase: str, kdf: KdfParams) -> KdbxKey:
    """A new database under ``passphrase`` with a fresh salt, and its derived key.

    What pykeepass computes on save (``kdbx4.compute_transformed``): Argon2id
    over the SHA-256 of SHA-256 of the passphrase. The salt is new: the empty
    template's salt is public.
    """
    database = _new_database(passphrase, kdf)
    params = database.kdbx.header.value.dynamic_header.kdf_parameters.data.dict
    params["S"].value = secrets.token_bytes(SALT_BYTES)
    key = argon2.low_level.hash_secret_raw(
        secret=compute_key_composite(password=passphrase),
        salt=params["S"].value,
        hash_len=32,
        type=argon2.low_level.Type.ID,
        time_cost=kdf.iterations,
        memory_cost=kdf.memory_kib,
        parallelism=kdf.lanes,
        version=params["V"].value,
    )
    return KdbxKey(database, key)


class _Groups:
    """Groups created on demand by path."""

    def __init__(self, database: PyKeePass) -> None:
        self.database = database
        self.made: dict[tuple[str, ...], Group] = {(): database.root_group}

    def get(self, path: tuple[str, ...]) -> Group:
        if path not in self.made:
            parent = self.get(path[:-1])
            self.made[path] = self.database.add_group(parent, path[-1])
        return self.made[path]


def _location(snapshot: Snapshot, item: Item) -> str | None:
    record = item.record
    ref = record.fields.get("location")
    if ref is None and record.type == "credential":
        config = snapshot.by_id.get(record.fields.get("configuration", ""))
        ref = config.record.fields.get("location") if config else None
    return snapshot.title_of(ref) if ref else None


def _content(snapshot: Snapshot, item: Item, record: Record) -> dict[str, tuple[str, bool]]:
    """Entry strings for one version: name -> (value, protected)."""
    kinds = {**item.kinds, **record.custom} if record.custom else item.kinds
    strings: dict[str, tuple[str, bool]] = {"Title": (record.title, False)}
    totp_done = False
    for name in ordered_fields(snapshot, record):
        value = record.fields[name]
        kind = kinds.get(name, FieldKind.TEXT)
        secret = item.is_secret(name, record)
        if name in STANDARD and (record.type == "credential" or name == "notes"):
            strings[STANDARD[name]] = (value, name == "password")
            continue
        if kind is FieldKind.TOTP and not totp_done:
            try:
                strings.update({k: (v, True) for k, v in totp_fields(value).items()})
                totp_done = True
                continue
            except TotpError:
                pass  # kept below as a protected custom field, exactly as stored
        if kind is FieldKind.REFERENCE:
            value = snapshot.title_of(value) or f"record {value} (not in this handover)"
        key = label_of(snapshot, record, name)
        if key in RESERVED or key in strings or key in (ID_FIELD, TYPE_FIELD):
            key = f"{key} ({name})"
        strings[key] = (value, secret)
    strings[ID_FIELD] = (record.id, False)
    strings[TYPE_FIELD] = (snapshot.type_name(record.type), False)
    return strings


def _make_entry(
    database: PyKeePass, strings: dict[str, tuple[str, bool]], tags: tuple[str, ...]
) -> Entry:
    """A new, unattached entry holding ``strings`` (standard fields and custom ones)."""

    def text(key: str) -> str:
        return strings.get(key, ("", False))[0]

    entry = Entry(
        title=text("Title"),
        username=text("UserName"),
        password=text("Password"),
        url=text("URL") or None,
        notes=text("Notes") or None,
        tags=list(tags) or None,
        kp=database,
    )
    for key, (value, protected) in strings.items():
        if key in STANDARD.values() or key == "Title":
            continue
        attributes = {"Protected": "True"} if protected else {}
        entry._element.append(E.String(E.Key(key), E.Value(value, **attributes)))
    return entry


def write_kdbx(
    snapshot: Snapshot,
    path: Path,
    passphrase: str,
    kdf: KdfParams,
    attachment_files: dict[str, Path],
    tick: Callable[[int], None] | None = None,
    check: Callable[[], None] | None = None,
    key: KdbxKey | None = None,
) -> int:
    """Write ``credentials.kdbx``; return how many entries it holds.

    Args:
        snapshot: What to write.
        path: The file to create.
        passphrase: The handover passphrase.
        kdf: Argon2id cost (memory, passes, lanes).
        attachment_files: Attachment id -> the exported file (read back to embed it).
        tick: Called with 1 per record looked at.
        check: Raises CancelledError to stop.
        key: From :func:`prepare` with the same passphrase and cost (derived
            ahead); None derives it here.
    """
    prepared = key or prepare(passphrase, kdf)
    database = prepared.database
    database.database_name = f"{snapshot.client.name} — credentials"
    database.database_description = (
        f"Handover from {snapshot.provider}, exported {snapshot.exported}. Every Sitebook "
        "record with a secret; the rest is in the package's site and records.json."
    )
    groups = _Groups(database)
    count = 0
    for item in snapshot.items:
        if check:
            check()
        if tick:
            tick(1)
        if not (item.record.type == "credential" or item.has_secrets):
            continue
        path_parts: tuple[str, ...] = (snapshot.type_name(item.record.type, plural=True),)
        if item.record.deleted:
            path_parts = (DELETED_GROUP, *path_parts)
        else:
            location = _location(snapshot, item)
            if location:
                path_parts = (*path_parts, location)
        head = item.revisions[-1].record
        entry = _make_entry(database, _content(snapshot, item, head), head.tags)
        _times(entry, item.record.created, item.revisions[-1].info.created)
        if snapshot.history and len(item.revisions) > 1:
            history = E.History()
            for revision in item.revisions[:-1]:
                old = _make_entry(
                    database, _content(snapshot, item, revision.record), revision.record.tags
                )
                old.uuid = entry.uuid  # KeePass history entries share the entry's UUID
                _times(old, item.record.created, revision.info.created)
                history.append(old._element)
            entry._element.append(history)
        groups.get(path_parts).append(entry)
        _embed(database, entry, item, attachment_files)
        count += 1
    # The KDF salt was made fresh by prepare(); master seed and IVs are rotated here.
    database.save(str(path), transformed_key=prepared.transformed_key)
    return count


def _times(entry: Entry, created: str, modified: str) -> None:
    """Carry Sitebook's creation and save times over (unparsable times are left as now)."""
    try:
        entry.ctime = datetime.fromisoformat(created)
        entry.mtime = datetime.fromisoformat(modified)
    except (TypeError, ValueError):
        pass


def _embed(
    database: PyKeePass, entry: Entry, item: Item, attachment_files: dict[str, Path]
) -> None:
    names: set[str] = set()
    for attachment in item.attachments:
        name = attachment.name
        stem, dot, ext = name.rpartition(".")
        number = 2
        while name in names:
            name = f"{stem} ({number}).{ext}" if dot else f"{attachment.name} ({number})"
            number += 1
        names.add(name)
        source = attachment_files[attachment.id]
        if attachment.size > MAX_EMBED:
            entry.set_custom_property(
                f"Attachment: {name}", f"too large to embed; see {source.parent.name}/{source.name}"
            )
            continue
        binary = database.add_binary(source.read_bytes(), compressed=True, protected=False)
        entry.add_attachment(binary, name)
