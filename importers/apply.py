"""Turning parsed drafts into records: the plan, the dry run and the one-transaction write.

:func:`plan` compares every draft with the vault: a draft whose source id is
not there yet is created; one that is there and differs becomes a new version
(the source wins; the earlier content stays in the record's history, relations
made in Sitebook are kept); one that is there unchanged is skipped. A draft
that matches an *older* version of its record was edited in Sitebook since the
last import and is left alone. A record deleted in Sitebook is not brought
back. Source ids are kept per client, so the same file imported for two
clients gives each its own records.

:func:`run_import` shows the plan (dry run) or writes it inside one
transaction (``vault.bulk("import", ...)``, which also writes one audit entry
for the whole import): templates, clients, records, their history, relations
and attachments commit together or not at all. New records are written in
batches of :data:`BATCH` through ``Vault.replay_versions`` (validated and signed
per version, stored in one pass); updates go one by one. Progress is reported as
``progress(done, total)``; ``cancel()`` returning True raises
:class:`vault.errors.CancelledError` inside the transaction, so nothing stays.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from importers.base import (
    PREVIEW_ROWS,
    UNTITLED,
    AttachmentDraft,
    ImportReport,
    Parsed,
    RecordDraft,
    Skipped,
)
from importers.fitting import (
    MAX_CLIENT_NAME,
    Fitted,
    clean_label,
    fit,
    fit_tags,
    missing_required,
)
from importers.gcpause import paused
from vault import errors
from vault.attachments import clean_name
from vault.codec import new_id
from vault.fields import SECRET_KINDS, FieldKind, remembering
from vault.model import Record
from vault.templates import Template
from vault.vault import Vault

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]
Cancel = Callable[[], bool]

CREATE, UPDATE = "create", "update"


@dataclass
class Step:
    """One planned write."""

    action: str
    draft: RecordDraft
    scope_key: str
    template: Template
    fitted: Fitted
    tags: tuple[str, ...]
    revisions: list[Fitted] = field(default_factory=list)
    existing: Record | None = None
    attachments: list[AttachmentDraft] = field(default_factory=list)


@dataclass
class Plan:
    """What an import would do; :func:`run_import` carries it out."""

    report: ImportReport
    prefix: str
    steps: list[Step]
    new_templates: list[Template]
    new_clients: dict[str, str]
    scopes: dict[str, str]
    sources: dict[tuple[str, str], str]

    @property
    def total(self) -> int:
        """Units of work for progress: one per record write and per attachment."""
        return sum(1 + len(s.revisions) + len(s.attachments) for s in self.steps)


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _same(fitted: Fitted, tags: tuple[str, ...], record: Record) -> bool:
    custom = {name: FieldKind(kind) for name, kind in record.custom.items()}
    return (
        fitted.title == record.title
        and fitted.fields == record.fields
        and fitted.custom == custom
        and tags == tuple(record.tags)
    )


def _matches_older_version(
    vault: Vault, fitted: Fitted, tags: tuple[str, ...], record: Record
) -> bool:
    for number in range(record.version - 1, 0, -1):
        try:
            if _same(fitted, tags, vault.get_record(record.id, number)):
                return True
        except errors.VaultError:
            return False
    return False


def _order(drafts: list[RecordDraft]) -> list[RecordDraft]:
    """Drafts with the targets of links and references first (stable; cycles broken)."""
    by_source = {d.source_id: d for d in drafts}
    if not any(d.links or d.refs for d in drafts):
        return list(drafts)
    done: set[str] = set()
    visiting: set[str] = set()
    out: list[RecordDraft] = []
    for start in drafts:
        stack: list[tuple[RecordDraft, int]] = [(start, 0)]
        while stack:
            draft, index = stack.pop()
            key = draft.source_id
            if index == 0:
                if key in done or key in visiting:
                    continue
                visiting.add(key)
            targets = [*draft.links, *draft.refs.values()]
            if index < len(targets):
                stack.append((draft, index + 1))
                target = by_source.get(targets[index])
                if target is not None and target.source_id not in done | visiting:
                    stack.append((target, 0))
                continue
            visiting.discard(key)
            done.add(key)
            out.append(draft)
    return out


def _preview(step: Step, client: str) -> dict:
    kinds = {d.name: d.kind for d in step.template.fields} | step.fitted.custom
    fields = {
        name: (None if kinds.get(name, FieldKind.TEXT) in SECRET_KINDS else value[:80])
        for name, value in step.fitted.fields.items()
    }
    return {
        "action": step.action,
        "type": step.template.id,
        "title": step.fitted.title,
        "client": client,
        "tags": list(step.tags),
        "fields": fields,
        "attachments": [a.name for a in step.attachments],
        "versions": len(step.revisions) + 1,
    }


def plan(
    vault: Vault,
    parsed: Parsed,
    *,
    client: str | None = None,
    history: bool = True,
    dry_run: bool = False,
) -> Plan:
    """Compare drafts with the vault and decide what to create, update or skip.

    Args:
        vault: An unlocked vault.
        parsed: What the importer read.
        client: The client for drafts without their own (name or id); None for
            the provider-internal scope.
        history: Write earlier versions of new records as versions.
        dry_run: Mark the report as a dry run.

    Raises:
        VaultError: The client does not exist, or the vault cannot be read.
    """
    report = ImportReport(
        format=parsed.format,
        dry_run=dry_run,
        skipped=list(parsed.skipped),
        warnings=list(parsed.warnings),
        unmapped=list(parsed.unmapped),
    )
    default_scope = vault.scope_for(client)
    default_name = vault.scope_name(default_scope) if client is not None else ""
    clients = {c.name.casefold(): c for c in vault.clients()}

    templates = vault.templates()
    new_templates: list[Template] = []
    for template in parsed.templates:
        found = templates.get(template.id)
        if found is None:
            new_templates.append(template)
            templates[template.id] = template
            report.templates.append(template.id)
        elif found.builtin:
            report.skipped.append(
                Skipped(f"record type '{template.id}'", "a built-in type has that id")
            )

    sources: dict[tuple[str, str], str] = {}
    existing: dict[tuple[str, str], Record] = {}
    for record in vault.list_records(include_deleted=True):
        if record.source:
            existing[(record.scope_id, record.source)] = record
            sources[(record.scope_id, record.source)] = record.id

    scopes: dict[str, str] = {"": default_scope}
    new_clients: dict[str, str] = {}
    names: dict[str, str] = {"": default_name}
    steps: list[Step] = []
    seen: set[tuple[str, str]] = set()
    warn = report.warnings.append
    kept: dict[str, None] = {}  # every name a record keeps as a custom field, in order seen

    for draft in _order(parsed.drafts):
        origin = draft.origin or f"item '{clean_label(draft.title, 60)}'"
        if _is_empty(draft):
            report.skipped.append(Skipped(origin, "it is empty: no title, no values, no files"))
            continue
        scope_key = ""
        if draft.client is not None:
            name = clean_label(draft.client, MAX_CLIENT_NAME)
            if name:
                scope_key = name.casefold()
                if scope_key not in scopes:
                    found_client = clients.get(scope_key)
                    if found_client is not None:
                        scopes[scope_key] = found_client.id
                    else:
                        scopes[scope_key] = ""
                        new_clients[scope_key] = name
                        report.clients.append(name)
                    names[scope_key] = found_client.name if found_client else name
        template = templates.get(draft.type)
        if template is None:
            report.skipped.append(Skipped(origin, f"unknown record type '{draft.type}'"))
            continue
        source = f"{parsed.prefix}:{draft.source_id}"
        key = (scopes[scope_key] or f"new:{scope_key}", source)
        if key in seen:
            report.skipped.append(Skipped(origin, "the same item appears twice in the file"))
            continue
        seen.add(key)
        fitted = fit(template, draft.title, draft.fields, draft.custom, origin, warn)
        missing = missing_required(template, fitted.fields)
        if missing:
            report.skipped.append(Skipped(origin, f"{', '.join(missing)} is required but empty"))
            continue
        if fitted.custom.keys() - kept:  # a field with no home in its record type
            kept.update(dict.fromkeys(fitted.custom))
        tags = fit_tags(draft.tags, origin, warn)
        attachments = _safe_names([*draft.attachments, *fitted.attachments])
        record = existing.get(key)
        if record is None:
            revisions = []
            if history:
                for revision in draft.history:
                    old = fit(
                        template, revision.title, revision.fields, revision.custom, origin, warn
                    )
                    if not missing_required(template, old.fields):
                        revisions.append(old)
                        attachments.extend(_safe_names(old.attachments))
            step = Step(
                CREATE, draft, scope_key, template, fitted, tags, revisions, None, attachments
            )
        else:
            if record.deleted:
                report.skipped.append(
                    Skipped(origin, "deleted in Sitebook; restore it to import it again")
                )
                continue
            if record.type != template.id:
                report.skipped.append(
                    Skipped(
                        origin,
                        f"it was imported as a {record.type} and is now a {template.id}; "
                        "delete the record to import it again",
                    )
                )
                continue
            new_attachments = _new_attachments(vault, record, attachments)
            refs = {
                name: sources[(key[0], f"{parsed.prefix}:{target}")]
                for name, target in draft.refs.items()
                if (key[0], f"{parsed.prefix}:{target}") in sources
            }
            compared = replace(fitted, fields={**fitted.fields, **refs}) if refs else fitted
            if (
                not new_attachments
                and not _links_missing(sources, key[0], parsed.prefix, draft, record)
                and (
                    _same(compared, tags, record)
                    or _matches_older_version(vault, compared, tags, record)
                )
            ):
                report.unchanged += 1
                continue
            step = Step(
                UPDATE, draft, scope_key, template, fitted, tags, [], record, new_attachments
            )
        steps.append(step)
        if step.action == CREATE:
            report.created += 1
        else:
            report.updated += 1
        report.by_type[template.id] += 1
        report.attachments += len(step.attachments)
        if len(report.preview) < PREVIEW_ROWS:
            report.preview.append(_preview(step, names.get(scope_key, "")))
    report.unmapped = list(kept)
    return Plan(report, parsed.prefix, steps, new_templates, new_clients, scopes, sources)


def _resolved(
    sources: dict[tuple[str, str], str], scope: str, prefix: str, ids: list[str]
) -> list[str]:
    return [sources[(scope, f"{prefix}:{s}")] for s in ids if (scope, f"{prefix}:{s}") in sources]


def _links_missing(
    sources: dict[tuple[str, str], str], scope: str, prefix: str, draft: RecordDraft, record: Record
) -> bool:
    wanted = _resolved(sources, scope, prefix, draft.links)
    if any(link not in record.links for link in wanted):
        return True
    for name, target in draft.refs.items():
        found = sources.get((scope, f"{prefix}:{target}"))
        if found is not None and record.fields.get(name) != found:
            return True
    return False


def _safe_names(attachments: list[AttachmentDraft]) -> list[AttachmentDraft]:
    """Attachments with names the vault accepts ("attachment" when nothing is left)."""
    out = []
    for attachment in attachments:
        try:
            name = clean_name(attachment.name)
        except errors.ValidationError:
            name = "attachment"
        out.append(
            attachment if name == attachment.name else AttachmentDraft(name, attachment.data)
        )
    return out


def _new_attachments(
    vault: Vault, record: Record, attachments: list[AttachmentDraft]
) -> list[AttachmentDraft]:
    if not attachments:
        return []
    have = {(a.name, a.sha256) for a in vault.attachments(record.id)}
    return [a for a in attachments if (a.name, _digest(a.data)) not in have]


# ---------------------------------------------------------------------- writing


BATCH = 500
"""New records written per ``replay_versions`` call (progress moves once per batch)."""


class _Writer:
    """Carries out a plan: new records in batches, updates and attachments one by one."""

    def __init__(self, vault: Vault, plan_: Plan, progress: Progress | None, cancel: Cancel | None):
        self.vault = vault
        self.plan = plan_
        self.progress = progress
        self.cancel = cancel
        self.done = 0
        self.total = plan_.total
        self.ids: dict[tuple[str, str], str] = dict(plan_.sources)
        self.deferred: list[tuple[Step, str]] = []
        self.planned = {(s.scope_key, s.draft.source_id) for s in plan_.steps}
        self.pending: list[tuple[Step, list[Record]]] = []
        self.pending_ids: set[str] = set()

    def tick(self, amount: int = 1) -> None:
        if self.cancel is not None and self.cancel():
            raise errors.CancelledError()
        self.done += amount
        if self.progress is not None:
            self.progress(self.done, self.total)

    def check_cancel(self) -> None:
        if self.cancel is not None and self.cancel():
            raise errors.CancelledError()

    def scope(self, step: Step) -> str:
        return self.plan.scopes[step.scope_key]

    def resolve(self, step: Step) -> tuple[list[str], dict[str, str], bool]:
        scope, prefix = self.scope(step), self.plan.prefix
        links, refs, complete = [], {}, True
        for target in step.draft.links:
            found = self.ids.get((scope, f"{prefix}:{target}"))
            if found is None:
                complete = complete and not self._pending(step, target)
            else:
                links.append(found)
        for name, target in step.draft.refs.items():
            found = self.ids.get((scope, f"{prefix}:{target}"))
            if found is None:
                complete = complete and not self._pending(step, target)
            else:
                refs[name] = found
        return links, refs, complete

    def _pending(self, step: Step, target: str) -> bool:
        return (step.scope_key, target) in self.planned

    def _history(
        self, step: Step, links: list[str], refs: dict[str, str], source: str
    ) -> list[Record]:
        """The versions a new record gets: what ``add_record`` and one ``update_record``
        per later revision would store (refs and links on the newest version only)."""
        record_id, scope_id = new_id(), self.scope(step)
        versions = [*step.revisions, step.fitted]
        out: list[Record] = []
        custom: dict[str, FieldKind] = {}
        for version in versions:
            final = version is step.fitted
            custom = {**custom, **version.custom}
            out.append(
                Record(
                    id=record_id,
                    scope_id=scope_id,
                    type=step.template.id,
                    title=version.title,
                    fields={**version.fields, **(refs if final else {})},
                    custom=custom,
                    tags=step.tags,
                    links=tuple(links) if final else (),
                    source=source,
                )
            )
        return out

    def write(self, step: Step) -> str:
        """Write (or queue) one step; return the record's id."""
        self.check_cancel()
        vault, fitted = self.vault, step.fitted
        links, refs, complete = self.resolve(step)
        source = f"{self.plan.prefix}:{step.draft.source_id}"
        if step.action == CREATE:
            if any(link in self.pending_ids for link in links):
                self.flush()  # the vault checks that a link's target is stored
            history = self._history(step, links, refs, source)
            record_id = history[0].id
            self.pending.append((step, history))
            self.pending_ids.add(record_id)
            if len(self.pending) >= BATCH:
                self.flush()
        else:
            assert step.existing is not None
            self.flush()
            current = step.existing
            record_id = vault.update_record(
                current.id,
                title=fitted.title,
                fields=_replace_fields(current.fields, {**fitted.fields, **refs}),
                custom=fitted.custom,
                tags=step.tags,
                links=list(dict.fromkeys([*current.links, *links])),
            ).id
            self.tick()
            self._attach(step, record_id)
        self.ids[(self.scope(step), source)] = record_id
        if not complete:
            self.deferred.append((step, record_id))
        return record_id

    def flush(self) -> None:
        """Write the queued new records (one batch), then their attachments."""
        if not self.pending:
            return
        self.check_cancel()
        batch, self.pending, self.pending_ids = self.pending, [], set()
        self.vault.replay_versions([history for _step, history in batch])
        for step, history in batch:
            self.tick(len(history))
            self._attach(step, history[0].id)

    def _attach(self, step: Step, record_id: str) -> None:
        for attachment in step.attachments:
            self.check_cancel()
            self.vault.add_attachment(
                record_id, io.BytesIO(attachment.data), attachment.name or "attachment"
            )
            self.tick()

    def finish_links(self) -> None:
        self.flush()
        for step, record_id in self.deferred:
            self.check_cancel()
            links, refs, _ = self.resolve(step)
            current = self.vault.get_record(record_id)
            merged = list(dict.fromkeys([*current.links, *links]))
            if merged != list(current.links) or any(
                current.fields.get(k) != v for k, v in refs.items()
            ):
                self.vault.update_record(record_id, links=merged, fields=refs)


def _is_empty(draft: RecordDraft) -> bool:
    """An item with nothing in it (a blank row, an empty vault entry): no record is made.

    Importers title an item without a name "Untitled"; with nothing else in it,
    that title alone does not make a record worth keeping.
    """
    return not (
        draft.title.strip() not in ("", UNTITLED)
        or any(value != "" for value in draft.fields.values())  # a password may be " "
        or draft.attachments
        or draft.links
        or draft.refs
        or draft.history
    )


def _replace_fields(old: dict[str, str], new: dict[str, str]) -> dict[str, str | None]:
    """The ``fields`` argument of update_record that makes a record hold exactly ``new``."""
    out: dict[str, str | None] = {name: None for name in old if name not in new}
    out.update(new)
    return out


def _one_transaction(vault: Vault, the_plan: Plan) -> contextlib.AbstractContextManager:
    """The import's single transaction: ``vault.bulk`` (one audit entry for the whole
    import instead of one per record) where the vault has it, else a plain transaction."""
    bulk = getattr(vault, "bulk", None)
    if bulk is None:
        return vault.transaction()
    report = the_plan.report
    scope = the_plan.scopes.get("") or None
    return bulk(
        "import",
        scope,
        format=report.format,
        created=report.created,
        updated=report.updated,
        attachments=report.attachments,
    )


def run_import(
    vault: Vault,
    parsed: Parsed,
    *,
    client: str | None = None,
    dry_run: bool = False,
    history: bool = True,
    progress: Progress | None = None,
    cancel: Cancel | None = None,
) -> ImportReport:
    """Import parsed drafts into the vault (or only report what would happen).

    Args:
        vault: An unlocked vault.
        parsed: What an importer read.
        client: The client for drafts without their own; None for provider-internal.
        dry_run: Only plan; write nothing.
        history: Write earlier versions of new records as versions.
        progress: Called as ``progress(done, total)`` after each write.
        cancel: Polled before each write; True cancels and rolls everything back.

    Returns:
        The report (for a dry run, of what would happen).

    Raises:
        CancelledError: ``cancel()`` returned True; nothing was written.
        VaultError: The vault refused a write; nothing was written.
    """
    with remembering(), paused():  # each value normalised once; no cycle-collector passes
        return _run(vault, parsed, client, dry_run, history, progress, cancel)


def _run(
    vault: Vault,
    parsed: Parsed,
    client: str | None,
    dry_run: bool,
    history: bool,
    progress: Progress | None,
    cancel: Cancel | None,
) -> ImportReport:
    the_plan = plan(vault, parsed, client=client, history=history, dry_run=dry_run)
    report = the_plan.report
    if dry_run or not (the_plan.steps or the_plan.new_templates):
        return report
    writer = _Writer(vault, the_plan, progress, cancel)
    with _one_transaction(vault, the_plan):
        for template in the_plan.new_templates:
            writer.check_cancel()
            vault.add_template(template)
        for key, name in the_plan.new_clients.items():
            writer.check_cancel()
            the_plan.scopes[key] = vault.add_client(name).id
        for step in the_plan.steps:
            report.record_ids.append(writer.write(step))
        writer.finish_links()
        writer.check_cancel()
    log.info("import finished: %d created, %d updated", report.created, report.updated)
    return report
