"""Conflicts: concurrent versions of one record from two replicas, shown and resolved.

A record is in conflict while more than one of its versions is a head (no other
version names it as parent). The replica shows the deterministic winner and
keeps the others. ``resolve_conflict`` writes one new version whose parent is the
kept head and whose merge parent is the other (one version per further head), so
every replica sees the same graph close to a single head.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from vault import errors, state, team
from vault.model import Record, VersionInfo
from vault.versions import VersionRow

if TYPE_CHECKING:
    import sqlite3

_Q = ", ".join("v." + c.strip() for c in VersionRow.COLUMNS.split(","))


@dataclass(frozen=True)
class Conflict:
    """A record with concurrent versions; ``heads[0]`` is the one shown until resolved."""

    record_id: str
    scope_id: str
    title: str
    heads: list[VersionInfo]


class ConflictOps:
    """``conflicts()`` and ``resolve_conflict()``, mixed into :class:`vault.vault.Vault`."""

    _conn: sqlite3.Connection

    def _heads(self, record_id: str) -> list[VersionRow]:
        rows = self._conn.execute(
            f"SELECT {_Q} FROM versions v WHERE v.record_id = ? AND NOT EXISTS "  # noqa: S608
            "(SELECT 1 FROM versions w WHERE w.record_id = v.record_id "
            "AND (w.parent_vid = v.vid OR w.merge_vid = v.vid))",
            (record_id,),
        ).fetchall()
        found = [VersionRow.from_row(tuple(r)) for r in rows]
        return sorted(found, key=lambda r: (r.number, r.created, r.vid), reverse=True)

    def conflicts(self) -> list[Conflict]:
        """Readable records in conflict, newest first; damaged heads are skipped."""
        readable = self.readable_scopes()  # type: ignore[attr-defined]
        out = []
        for record_id, scope_id in self._conn.execute(
            "SELECT id, scope_id FROM records WHERE conflict = 1 ORDER BY updated DESC, id"
        ).fetchall():
            if scope_id not in readable:
                continue
            heads = []
            for row in self._heads(record_id):
                try:
                    record = self._open_row(row)  # type: ignore[attr-defined]
                except errors.VaultError:
                    continue
                heads.append(
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
            if heads:
                out.append(Conflict(record_id, scope_id, heads[0].title, heads))
        return out

    def conflict_versions(self, record_id: str) -> list[Record]:
        """The decrypted heads of a record in conflict, in the order of ``conflicts()``.

        For showing the versions side by side; damaged heads are skipped.
        """
        record_id = self.resolve_id(record_id)  # type: ignore[attr-defined]
        self.get_record(record_id)  # type: ignore[attr-defined]  # the access check
        out = []
        for row in self._heads(record_id):
            try:
                record = self._open_row(row)  # type: ignore[attr-defined]
            except errors.VaultError:
                continue
            out.append(replace(record, vid=row.vid, version=row.number, updated=row.created))
        return out

    def resolve_conflict(
        self,
        record_id: str,
        keep_vid: str | None = None,
        *,
        merged: Record | Mapping[str, str | None] | None = None,
    ) -> Record:
        """End a conflict: keep one head's content, or save a merged version.

        Args:
            record_id: The record (id or unique prefix).
            keep_vid: The version to keep (vid or unique prefix); default: the head shown.
            merged: Instead, the content to save: a Record (title, fields, tags, links,
                deleted), or field values applied to the kept head like ``update_record``.

        The new version's parent is the kept head and its merge parent the other
        head (one such version per further head).
        """
        from vault.sync.heads import recompute_heads

        record_id = self.resolve_id(record_id)  # type: ignore[attr-defined]
        heads = self._heads(record_id)
        if len(heads) < 2:
            raise errors.VaultError(f"Record {record_id} has no conflict to resolve.")
        keep = heads[0]
        if keep_vid:
            hits = [h for h in heads if h.vid.startswith(keep_vid.strip().lower())]
            if len(hits) != 1:
                raise errors.NotFoundError(f"No single head of record {record_id} is '{keep_vid}'.")
            keep = hits[0]
        content = self._open_row(keep)  # type: ignore[attr-defined]
        if isinstance(merged, Record):
            content = replace(
                content,
                title=merged.title,
                fields=dict(merged.fields),
                custom=dict(merged.custom),
                tags=merged.tags,
                links=merged.links,
                deleted=merged.deleted,
            )
        elif merged is not None:
            fields = dict(content.fields)
            for name, value in merged.items():
                if value is None or value == "":
                    fields.pop(name, None)
                else:
                    fields[name] = str(value)
            content = replace(content, fields=fields)
        member = content.type == team.MEMBER_TYPE and keep.scope_id == self.shared_scope_id  # type: ignore[attr-defined]
        if member:
            self._require_manager()  # type: ignore[attr-defined]
        else:
            content = self._validated(content)  # type: ignore[attr-defined]
        others = [h for h in heads if h.vid != keep.vid]
        with self.transaction():  # type: ignore[attr-defined]
            parent = keep
            saved = content
            for other in others:
                saved = self._write(  # type: ignore[attr-defined]
                    replace(content, scope_id=keep.scope_id),
                    parent,
                    merge=other,
                    trusted=member,
                    event=None if member else "edit",
                )
                parent = self._version_row(record_id)  # type: ignore[attr-defined]
            add, remove, _changed = recompute_heads(self, [record_id])  # type: ignore[arg-type]
            self._state_change(add=add % state.MODULUS, remove=remove % state.MODULUS)  # type: ignore[attr-defined]
        self._forget_cache()  # type: ignore[attr-defined]
        return self.get_record(saved.id)  # type: ignore[attr-defined]
