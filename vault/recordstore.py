"""Records: create, read, update, history, diff, restore, delete, relations, templates.

Every save writes a new signed, encrypted version and keeps the old ones. Delete is
a tombstone version (restorable); restore writes the old content as a new version.
Decrypted heads are cached per unlock in a catalog that is caught up from the
``seq`` high-water mark, so several windows and commands can share one file; a
damaged record is listed in ``damaged`` and never stops the rest from loading.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from vault import errors, state
from vault.batchwrite import write_histories
from vault.codec import dump, load, new_id, now
from vault.fields import SECRET_KINDS, FieldKind, remembered_tags
from vault.model import Change, Record, VersionInfo, with_changes
from vault.ordering import text_order
from vault.team import MEMBER_TYPE, Directory
from vault.templates import BUILTIN_TEMPLATES, Template, validate_fields
from vault.versions import VersionRow, open_version, refuse_damaged, seal_version

if TYPE_CHECKING:
    from collections.abc import Iterator

log = logging.getLogger(__name__)

TEMPLATE_TYPE = "template"
MAX_TITLE = 500
MAX_TAG = 64
_QUALIFIED = ", ".join("v." + c.strip() for c in VersionRow.COLUMNS.split(","))


def clean_title(title: str) -> str:
    """Collapse white space and check length; raise ValidationError if empty."""
    title = " ".join((title or "").split())
    if not title:
        raise errors.ValidationError({"title": "must not be empty"})
    if len(title) > MAX_TITLE:
        raise errors.ValidationError({"title": f"is longer than {MAX_TITLE} characters"})
    return title


def clean_tags(tags: Iterable[str]) -> tuple[str, ...]:
    """Strip, drop empties and duplicates (any case), keep order."""
    memory = remembered_tags()  # inside an import: tags accepted before, by their raw text
    seen: dict[str, str] = {}
    for raw in tags:
        known = memory.get(raw) if memory is not None and raw.__class__ is str else None
        if known is None:
            tag = " ".join(str(raw).split())
            if not tag:
                continue
            if len(tag) > MAX_TAG or not tag.isprintable():
                raise errors.ValidationError(
                    {"tags": f"a tag must be 1-{MAX_TAG} printable characters"}
                )
            known = (tag.casefold(), tag)
            if memory is not None and raw.__class__ is str:
                memory[raw] = known
        seen.setdefault(*known)
    return tuple(seen.values())


class RecordStore:
    """Record operations of :class:`vault.vault.Vault` (mixed in; needs its key plumbing)."""

    _conn: sqlite3.Connection
    vault_id: str
    shared_scope_id: str

    def __init__(self) -> None:
        self._forget_cache()

    def _forget_cache(self) -> None:
        self._key_versions: dict[str, int] = {}
        self._directory: Directory | None = None
        self._kinds: dict[str, tuple[str, str | None]] = {}
        self._catalog: dict[str, Record] = {}
        self._catalog_seq = -1
        self.damaged: dict[str, str] = {}
        self.damaged_attachments: dict[str, str] = {}  # attachment id -> what is wrong
        self._labels: dict[str, str] = {}
        self._names: dict[str, str] = {}
        self._user_templates: dict[str, Template] | None = None
        self._retired: frozenset[str] = frozenset()  # read with _user_templates
        self._templates_seen = -1  # PRAGMA data_version when _user_templates was read

    # ------------------------------------------------------------------ reading

    def _open_row(self, row: VersionRow) -> Record:
        """Decrypt and verify a version, including its author's right to write it there."""
        refuse_damaged(row)
        key = self._scope_key(row.scope_id, row.key_version)  # type: ignore[attr-defined]
        directory = self.directory()  # type: ignore[attr-defined]
        author = directory.state(row.author, row.created)
        record = open_version(self.vault_id, row, key, author.signing_public if author else None)
        if record.type == MEMBER_TYPE and row.scope_id == self.shared_scope_id:
            verified = directory.state(row.record_id, row.created)
            if verified is None or verified.version != row.number:
                raise errors.DamagedRecordError(
                    row.record_id, "its membership is not signed by a manager", row.number
                )
            return record
        kind, parent = self._scope_kind(row.scope_id)  # type: ignore[attr-defined]
        if kind == "restricted" and parent:
            kind, scope = self._scope_kind(parent)[0], parent  # type: ignore[attr-defined]
        else:
            scope = row.scope_id
        if author is None or not author.may_write(kind, scope, held=True):
            raise errors.DamagedRecordError(
                row.record_id, "it was written by someone without write access here", row.number
            )
        return record

    def _version_row(self, record_id: str, number: int | None = None) -> VersionRow:
        if number is None:
            row = self._conn.execute(
                f"SELECT {_QUALIFIED} FROM versions v JOIN records r ON r.id = v.record_id "  # noqa: S608
                "AND r.head_vid = v.vid WHERE r.id = ?",
                (record_id,),
            ).fetchone()
        else:
            row = self._conn.execute(
                f"SELECT {VersionRow.COLUMNS} FROM versions WHERE record_id = ? AND number = ?",  # noqa: S608
                (record_id, number),
            ).fetchone()
        if row is None:
            what = f"record {record_id}" + (f" version {number}" if number else "")
            raise errors.NotFoundError(f"No {what}.")
        return VersionRow.from_row(tuple(row))

    def _with_meta(self, record: Record, meta: sqlite3.Row | tuple) -> Record:
        return replace(record, created=meta[0], updated=meta[1])

    def refresh(self, progress: Callable[[int, int], None] | None = None) -> None:
        """Catch the catalog up with every record changed since it was last read."""
        readable = self.readable_scopes()  # type: ignore[attr-defined]
        rows = self._conn.execute(
            f"SELECT {_QUALIFIED}, "  # noqa: S608
            "r.created, r.updated, r.seq FROM records r JOIN versions v "
            "ON v.record_id = r.id AND v.vid = r.head_vid WHERE r.seq > ? ORDER BY r.seq",
            (self._catalog_seq,),
        ).fetchall()
        total = len(rows)
        for done, row in enumerate(rows, 1):
            version = VersionRow.from_row(tuple(row)[: VersionRow.WIDTH])
            self._catalog.pop(version.record_id, None)
            self.damaged.pop(version.record_id, None)
            if not isinstance(row[-1], int):  # a damaged change counter (check names it)
                self.damaged[version.record_id] = "its change counter is damaged"
                continue
            self._catalog_seq = max(self._catalog_seq, row[-1])
            if version.scope_id not in readable:
                continue
            try:
                record = self._with_meta(self._open_row(version), (row[-3], row[-2]))
            except errors.DamagedRecordError as exc:
                self.damaged[version.record_id] = str(exc)
                log.warning("damaged record %s skipped", version.record_id)
                continue
            except errors.AccessDeniedError:
                continue
            self._catalog[record.id] = record
            if progress and done % 500 == 0:
                progress(done, total)
        if self._catalog_seq < 0:
            self._catalog_seq = 0

    def high_water_mark(self) -> int:
        """The newest change counter in the file (derived indexes remember it)."""
        return self._conn.execute("SELECT coalesce(max(seq), 0) FROM records").fetchone()[0]

    def changes(
        self,
        since: int = 0,
        *,
        scopes: Iterable[str] | None = None,
        until: int | None = None,
    ) -> tuple[list[Record], list[str], int]:
        """Heads changed after change counter ``since``, for derived indexes.

        Returns (readable records including tombstones and templates, ids of records
        that changed but are now unreadable or damaged, the new high-water mark).
        An index drops the second list and upserts the first. ``scopes`` and
        ``until`` narrow the read to records of those scopes and changes up to
        that counter (an index filling in a scope that became readable, without
        decrypting the rest of the vault); the mark is then theirs alone.
        """
        readable = self.readable_scopes()  # type: ignore[attr-defined]
        where, args = "r.seq > ?", [since]
        if scopes is not None:
            where += " AND r.scope_id IN (SELECT value FROM json_each(?))"
            args.append(json.dumps(sorted(scopes)))
        if until is not None:
            where += " AND r.seq <= ?"
            args.append(until)
        rows = self._conn.execute(
            f"SELECT {_QUALIFIED}, r.created, r.updated, r.seq FROM records r "  # noqa: S608
            "JOIN versions v ON v.record_id = r.id AND v.vid = r.head_vid "
            f"WHERE {where} ORDER BY r.seq",
            args,
        ).fetchall()
        found: list[Record] = []
        gone: list[str] = []
        mark = since
        for row in rows:
            version = VersionRow.from_row(tuple(row)[: VersionRow.WIDTH])
            if not isinstance(row[-1], int):  # a damaged change counter (check names it)
                gone.append(version.record_id)
                continue
            mark = max(mark, row[-1])
            if version.scope_id not in readable:
                gone.append(version.record_id)
                continue
            try:
                found.append(self._with_meta(self._open_row(version), (row[-3], row[-2])))
            except (errors.DamagedRecordError, errors.AccessDeniedError):
                gone.append(version.record_id)
        return found, gone, mark

    def with_attachments(self, record_ids: Iterable[str]) -> set[str]:
        """Which of these records have attachments, in one query (nothing decrypted).

        A derived index reading a thousand changed records asks this once instead
        of listing each record's attachments; only those it names need listing.
        """
        rows = self._conn.execute(
            "SELECT DISTINCT record_id FROM attachments WHERE deleted = 0 "
            "AND record_id IN (SELECT value FROM json_each(?))",
            (json.dumps(list(record_ids)),),
        )
        return {r[0] for r in rows}

    def resolve_id(self, text: str) -> str:
        """A full record id from an id or a unique prefix of at least 4 characters."""
        text = text.strip().lower()
        if len(text) == 32:
            return text
        if len(text) < 4:
            raise errors.NotFoundError(
                f"No record '{text}' (give at least 4 characters of its id)."
            )
        rows = self._conn.execute(
            "SELECT id FROM records WHERE id LIKE ? || '%' LIMIT 2", (text,)
        ).fetchall()
        if not rows:
            raise errors.NotFoundError(f"No record '{text}'.")
        if len(rows) > 1:
            raise errors.AmbiguousError(f"'{text}' matches several records; give more of the id.")
        return rows[0][0]

    def get_record(self, record_id: str, version: int | None = None) -> Record:
        """One record (its head, or a given version number), decrypted and verified."""
        record_id = self.resolve_id(record_id)
        row = self._version_row(record_id, version)
        if row.scope_id not in self.readable_scopes():  # type: ignore[attr-defined]
            raise errors.AccessDeniedError(f"record {record_id}")
        found = self._conn.execute(
            "SELECT created FROM records WHERE id = ?", (record_id,)
        ).fetchone()
        if found is None:  # its versions are there, its records row is not
            raise errors.DamagedRecordError(record_id, "its records row is missing", version)
        return self._with_meta(self._open_row(row), (found[0], row.created))

    def list_records(
        self,
        scope_id: str | None = None,
        type: str | None = None,
        *,
        include_deleted: bool = False,
    ) -> list[Record]:
        """Records the member can read, newest first; damaged ones are in ``damaged``."""
        self.refresh()
        out = [
            r
            for r in self._catalog.values()
            if r.scope_id != self.shared_scope_id
            and (scope_id is None or r.scope_id == scope_id)
            and (type is None or r.type == type)
            and (include_deleted or not r.deleted)
        ]
        out.sort(key=lambda r: (r.updated, r.id), reverse=True)
        return out

    def count_records(self) -> int:
        """How many live records the member can read (templates excluded)."""
        return len(self.list_records())

    # ------------------------------------------------------------------ templates

    def templates(self) -> dict[str, Template]:
        """Built-in and user-defined templates by type id.

        Cached until this object changes a template, or another connection (a
        sync on a sibling, another process) commits anything: its commit may
        have added, changed or retired one.
        """
        seen = self._conn.execute("PRAGMA data_version").fetchone()[0]
        if self._user_templates is None or seen != self._templates_seen:
            self._templates_seen = seen
            user: dict[str, Template] = {}
            retired: set[str] = set()
            for record in self._shared_records():
                if record.type == TEMPLATE_TYPE and not record.deleted:
                    try:
                        template = Template.from_dict(load(record.fields["definition"].encode()))
                    except (errors.VaultError, ValueError, KeyError):
                        self.damaged[record.id] = "template definition is unreadable"
                        continue
                    user[template.id] = template
                    if record.fields.get("retired"):
                        retired.add(template.id)
            self._user_templates, self._retired = user, frozenset(retired)
        return {**BUILTIN_TEMPLATES, **self._user_templates}

    def _shared_records(self) -> list[Record]:
        """Heads of the shared scope (templates), read directly: no full catalog load."""
        rows = self._conn.execute(
            f"SELECT {_QUALIFIED} FROM records r JOIN versions v "  # noqa: S608
            "ON v.record_id = r.id AND v.vid = r.head_vid WHERE r.scope_id = ?",
            (self.shared_scope_id,),
        ).fetchall()
        out = []
        for row in rows:
            try:
                out.append(self._open_row(VersionRow.from_row(tuple(row))))
            except errors.DamagedRecordError as exc:
                self.damaged[row[0]] = str(exc)
        return out

    def template(self, type_id: str) -> Template:
        """The template of a record type; NotFoundError names the known ones."""
        found = self.templates().get(type_id)
        if found is None:
            known = ", ".join(self.templates())
            raise errors.NotFoundError(f"No record type '{type_id}'. Known types: {known}.")
        return found

    def add_template(self, template: Template) -> Template:
        """Store a user-defined template (shared with every member)."""
        checked = Template.from_dict({**template.to_dict(), "builtin": False})
        if checked.id in self.templates():
            raise errors.VaultError(f"A record type '{checked.id}' already exists.")
        record = Record(
            id=new_id(),
            scope_id=self.shared_scope_id,
            type=TEMPLATE_TYPE,
            title=checked.name,
            fields={"definition": dump(checked.to_dict()).decode()},
        )
        self._write(record, None)
        self._user_templates = None
        return checked

    def _template_record(self, type_id: str) -> Record:
        """The live shared record that holds the user template ``type_id``."""
        if type_id in BUILTIN_TEMPLATES:
            raise errors.ValidationError({"id": "built-in record types cannot be changed"})
        for record in self._shared_records():
            if record.type != TEMPLATE_TYPE or record.deleted:
                continue
            try:
                if load(record.fields["definition"].encode()).get("id") == type_id:
                    return record
            except (errors.VaultError, ValueError, KeyError, AttributeError):
                continue
        raise errors.NotFoundError(f"No custom record type '{type_id}'.")

    def update_template(self, template: Template) -> Template:
        """Save a new version of a user template; secret fields cannot be removed or unmasked."""
        from vault.template_changes import change_problems

        record = self._template_record(template.id)
        checked = Template.from_dict({**template.to_dict(), "builtin": False})
        problems = change_problems(self.template(template.id), checked)
        if problems:
            raise errors.ValidationError(problems)
        fields = {**record.fields, "definition": dump(checked.to_dict()).decode()}
        self._write(
            replace(record, title=checked.name, fields=fields), self._version_row(record.id)
        )
        self._user_templates = None
        return checked

    def retire_template(self, type_id: str, retired: bool = True) -> None:
        """Hide a user template from new records (``retired=False`` brings it back).

        Records of a retired type keep their template: they still show, edit and search.
        """
        record = self._template_record(type_id)
        fields = dict(record.fields)
        if retired:
            fields["retired"] = "yes"
        else:
            fields.pop("retired", None)
        if fields != record.fields:
            self._write(replace(record, fields=fields), self._version_row(record.id))
            self._user_templates = None

    def retired_templates(self) -> set[str]:
        """Ids of the user templates retired with :meth:`retire_template` (read with them)."""
        self.templates()
        return set(self._retired)

    def kinds(self, record: Record) -> dict[str, FieldKind]:
        """Every field's kind for a record: template kinds, then its custom kinds."""
        template = self.templates().get(record.type)
        known = {f.name: f.kind for f in template.fields} if template else {}
        return {**known, **record.custom}

    # ------------------------------------------------------------------ writing

    def _check_may_write(self, scope_id: str) -> None:
        """Refuse a write the unlocked member's role does not allow."""
        me = self.member_state()  # type: ignore[attr-defined]
        kind, parent = self._scope_kind(scope_id)  # type: ignore[attr-defined]
        if kind == "restricted" and parent:
            kind, scope_id = self._scope_kind(parent)[0], parent  # type: ignore[attr-defined]
        if not me.may_write(kind, scope_id, held=True):
            raise errors.AccessDeniedError(
                "write here (your role is " + me.role + ")"
                if me.active
                else "write here (your membership is not active)"
            )

    def _write(
        self,
        record: Record,
        parent: VersionRow | None,
        *,
        trusted: bool = False,
        event: str | None = None,
        merge: VersionRow | None = None,
    ) -> Record:
        """Seal, sign and store ``record`` as the next version; update the catalog.

        ``trusted`` skips the role check for the vault's own bookkeeping (memberships,
        whose authority is verified through their signatures instead). ``merge`` is
        a second parent: the other head of a conflict this version resolves.
        """
        ring = self._ring()  # type: ignore[attr-defined]
        if not trusted:
            self._check_may_write(record.scope_id)
        key_version, key = self._current_key(record.scope_id)  # type: ignore[attr-defined]
        created = now()
        number = max(parent.number if parent else 0, merge.number if merge else 0) + 1
        with self.transaction() as conn:  # type: ignore[attr-defined]
            if parent is not None:
                # The parent was read before this transaction took the write lock; a
                # sync on another connection may have moved the head since.
                head = conn.execute(
                    "SELECT head_vid FROM records WHERE id = ?", (record.id,)
                ).fetchone()
                if head is None or head[0] not in {parent.vid, merge.vid if merge else None}:
                    raise errors.ChangedElsewhereError(record.id)
            seq = conn.execute("SELECT coalesce(max(seq), 0) + 1 FROM records").fetchone()[0]
            row = seal_version(
                self.vault_id,
                record,
                number=number,
                vid=new_id(),
                parent_vid=parent.vid if parent else None,
                key=key,
                key_version=key_version,
                signer=ring.keys,
                author=ring.member_id,
                created=created,
                merge_vid=merge.vid if merge else None,
            )
            conn.execute(
                f"INSERT INTO versions ({VersionRow.COLUMNS}) "  # noqa: S608
                f"VALUES ({', '.join('?' * VersionRow.WIDTH)})",
                row.as_tuple(),
            )
            old = (
                conn.execute(
                    "SELECT head_vid, scope_id, deleted FROM records WHERE id = ?", (record.id,)
                ).fetchone()
                if parent is not None
                else None
            )
            self._state_change(  # type: ignore[attr-defined]
                add=state.record_element(record.id, row.vid, record.scope_id, record.deleted),
                remove=state.record_element(record.id, old[0], old[1], bool(old[2])) if old else 0,
            )
            if parent is None:
                conn.execute(
                    "INSERT INTO records (id, scope_id, head, head_vid, created, updated, deleted, "
                    "seq) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        record.id,
                        record.scope_id,
                        number,
                        row.vid,
                        created,
                        created,
                        int(record.deleted),
                        seq,
                    ),
                )
                first = created
            else:
                conn.execute(
                    "UPDATE records SET scope_id = ?, head = ?, head_vid = ?, updated = ?, "
                    "deleted = ?, seq = ? WHERE id = ?",
                    (
                        record.scope_id,
                        number,
                        row.vid,
                        created,
                        int(record.deleted),
                        seq,
                        record.id,
                    ),
                )
                first = conn.execute(
                    "SELECT created FROM records WHERE id = ?", (record.id,)
                ).fetchone()[0]
            if event and not trusted:
                self._audit(event, record.scope_id, {"version": number}, record.id)  # type: ignore[attr-defined]
        saved = replace(
            record,
            version=number,
            vid=row.vid,
            author=ring.member_id,
            created=first,
            updated=created,
        )
        if self._catalog_seq >= 0 and seq == self._catalog_seq + 1:
            self._catalog[saved.id] = saved
            self._catalog_seq = seq
        return saved

    def _touch(self, record_id: str) -> None:
        """Bump a record's change counter (after adding an attachment) so indexes catch up.

        Its date becomes the newest attachment's (signed) date, which check can verify.
        """
        seq = self._conn.execute("SELECT coalesce(max(seq), 0) + 1 FROM records").fetchone()[0]
        self._conn.execute(
            "UPDATE records SET seq = ?, updated = max(updated, coalesce((SELECT max(created) "
            "FROM attachments WHERE record_id = ?), updated)) WHERE id = ?",
            (seq, record_id, record_id),
        )

    def _validated(self, record: Record) -> Record:
        template = self.template(record.type)
        known, kinds = template.field_map, record.custom
        declared = {
            name: kinds.get(name, FieldKind.TEXT) for name in record.fields if name not in known
        }
        fields = validate_fields(template, record.fields, declared)
        custom = {name: kind for name, kind in declared.items() if name in fields}
        links: tuple[str, ...] = ()
        if record.links:
            links = tuple(dict.fromkeys(self.resolve_id(link) for link in record.links))
        if record.id in links:
            raise errors.ValidationError({"links": "a record cannot link to itself"})
        for link in links:
            self._version_row(link)
        return with_changes(  # dataclasses.replace, cheaper: every imported record passes here
            record,
            title=clean_title(record.title),
            fields=fields,
            custom=custom,
            tags=clean_tags(record.tags),
            links=links,
        )

    def add_record(
        self,
        scope_id: str,
        type: str,
        title: str,
        fields: Mapping[str, str] | None = None,
        *,
        custom: Mapping[str, FieldKind] | None = None,
        tags: Iterable[str] = (),
        links: Iterable[str] = (),
        source: str | None = None,
    ) -> Record:
        """Create a record in a scope (a client's, or the provider-internal one)."""
        if scope_id == self.shared_scope_id or type == TEMPLATE_TYPE:
            raise errors.ValidationError({"type": "use add_template for record types"})
        if type in self.templates() and type in self._retired:  # cached: nothing decrypted
            name = self.template(type).name
            problem = f"'{name}' is a retired record type; reinstate it to add new records"
            raise errors.ValidationError({"type": problem})
        self._current_key(scope_id)  # type: ignore[attr-defined]  # access check
        record = Record(
            id=new_id(),
            scope_id=scope_id,
            type=type,
            title=title,
            fields={k: ("" if v is None else str(v)) for k, v in (fields or {}).items()},
            custom=dict(custom or {}),
            tags=tuple(tags),
            links=tuple(links),
            source=source,
        )
        return self._write(self._validated(record), None, event="create")

    def replay_versions(
        self,
        histories: Sequence[Sequence[Record]],
        *,
        validate: bool = True,
        event: str | None = "create",
    ) -> list[Record]:
        """Create many records, each with its versions oldest first, in one pass; return heads.

        Stores what ``add_record`` followed by ``update_record`` per later version
        would (each version sealed, signed and chained; audit entries unless in
        ``bulk``), batched: for imports and handovers. Record ids are the ones
        given and must be new; links must point at records already stored.
        ``validate=False`` stores content as given (copies from another vault);
        ``event=None`` writes no audit entry per version. See :mod:`vault.batchwrite`.
        """
        return write_histories(self, histories, validate=validate, event=event)  # type: ignore[arg-type]

    def update_record(
        self,
        record_id: str,
        *,
        title: str | None = None,
        fields: Mapping[str, str | None] | None = None,
        custom: Mapping[str, FieldKind] | None = None,
        tags: Iterable[str] | None = None,
        links: Iterable[str] | None = None,
        scope_id: str | None = None,
        based_on: str | None = None,
    ) -> Record:
        """Save a new version with the given changes; ``fields`` values of None or '' remove.

        ``based_on`` is the version id the editor started from: if the record has a
        newer version by now, :class:`~vault.errors.ChangedElsewhereError` is raised
        instead of overwriting it.
        """
        current = self.get_record(record_id)
        if based_on is not None and current.vid != based_on:
            raise errors.ChangedElsewhereError(current.id)
        if current.deleted:
            raise errors.VaultError(f"Record {current.id} is deleted; undelete it first.")
        merged = dict(current.fields)
        for name, value in (fields or {}).items():
            if value is None or value == "":
                merged.pop(name, None)
            else:
                merged[name] = str(value)
        updated = replace(
            current,
            title=current.title if title is None else title,
            fields=merged,
            custom={**current.custom, **(custom or {})},
            tags=current.tags if tags is None else tuple(tags),
            links=current.links if links is None else tuple(links),
            scope_id=scope_id or current.scope_id,
        )
        if scope_id:
            self._current_key(scope_id)  # type: ignore[attr-defined]  # access check
        return self._write(self._validated(updated), self._version_row(current.id), event="edit")

    def delete(self, record_id: str) -> Record:
        """Tombstone a record (kept with its history; ``undelete`` brings it back)."""
        current = self.get_record(record_id)
        if current.deleted:
            return current
        return self._write(
            replace(current, deleted=True), self._version_row(current.id), event="delete"
        )

    def undelete(self, record_id: str) -> Record:
        """Bring a tombstoned record back as a new version."""
        current = self.get_record(record_id)
        if not current.deleted:
            return current
        return self._write(
            replace(current, deleted=False), self._version_row(current.id), event="undelete"
        )

    def restore(self, record_id: str, version: int) -> Record:
        """Save the content of an old version as the newest version."""
        record_id = self.resolve_id(record_id)
        old = self.get_record(record_id, version)
        head = self._version_row(record_id)
        restored = replace(old, deleted=False, scope_id=head.scope_id)
        return self._write(self._validated(restored), head, event="restore")

    def link(self, record_id: str, other_id: str) -> Record:
        """Relate two records (stored on the first, shown on both)."""
        current = self.get_record(record_id)
        other = self.resolve_id(other_id)
        if other in current.links:
            return current
        return self.update_record(current.id, links=(*current.links, other))

    def unlink(self, record_id: str, other_id: str) -> Record:
        """Remove a relation from the first record to the second."""
        current = self.get_record(record_id)
        other = self.resolve_id(other_id)
        return self.update_record(current.id, links=tuple(x for x in current.links if x != other))

    def backlinks(self, record_id: str) -> list[Record]:
        """Live records that link to this one or reference it in a reference field."""
        record_id = self.resolve_id(record_id)
        self.refresh()
        out = []
        for record in self._catalog.values():
            if record.deleted or record.id == record_id or record.scope_id == self.shared_scope_id:
                continue
            if record_id in record.links or record_id in record.fields.values():
                out.append(record)
        return sorted(out, key=lambda r: (r.type, text_order(r.title)))

    # ------------------------------------------------------------------ history

    def _versions(self, record_id: str) -> Iterator[VersionRow]:
        for row in self._conn.execute(
            f"SELECT {VersionRow.COLUMNS} FROM versions WHERE record_id = ? ORDER BY number",  # noqa: S608
            (record_id,),
        ):
            yield VersionRow.from_row(tuple(row))

    def history(self, record_id: str) -> list[VersionInfo]:
        """Every version of a record, oldest first."""
        record_id = self.resolve_id(record_id)
        self.get_record(record_id)  # access check
        out = []
        for row in self._versions(record_id):
            record = self._open_row(row)
            out.append(
                VersionInfo(
                    row.number,
                    row.vid,
                    row.author,
                    self.member_name(row.author),  # type: ignore[attr-defined]
                    row.created,
                    record.deleted,
                    record.title,
                )
            )
        return out

    def diff(self, record_id: str, old: int, new: int) -> list[Change]:
        """What changed between two versions; secret values are flagged, not hidden."""
        a = self.get_record(record_id, old)
        b = self.get_record(record_id, new)
        kinds = {**self.kinds(a), **self.kinds(b)}
        changes: list[Change] = []
        for what, x, y in (
            ("type", a.type, b.type),
            ("title", a.title, b.title),
            ("tags", ", ".join(a.tags), ", ".join(b.tags)),
            ("links", ", ".join(a.links), ", ".join(b.links)),
            ("deleted", str(a.deleted).lower(), str(b.deleted).lower()),
        ):
            if x != y:
                changes.append(Change(what, x, y))
        for name in dict.fromkeys([*a.fields, *b.fields]):
            x, y = a.fields.get(name, ""), b.fields.get(name, "")
            if x != y:
                secret = kinds.get(name, FieldKind.TEXT) in SECRET_KINDS
                changes.append(Change(f"field:{name}", x, y, secret))
        return changes
