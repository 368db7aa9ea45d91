"""Writing the demo plan into a vault: a realistic IT provider with cross-linked clients.

``vault.demo_data`` plans the content; this module writes it through the public
vault API, resolving the plan's record keys into record ids. Records are written
in dependency order (whatever a reference field or link points at first), one
transaction per client, so an interrupted build leaves whole clients only.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from vault import errors
from vault.demo_data import DemoClient, DemoRecord, generate
from vault.fields import FieldKind
from vault.vault import Vault

Progress = Callable[[int, int], None]


def _ordered(records: list[DemoRecord], references: dict[str, frozenset[str]]) -> list[DemoRecord]:
    """Records with everything they point at placed before them (cycles keep plan order)."""
    by_key = {r.key: r for r in records}
    placed: set[str] = set()
    out: list[DemoRecord] = []

    def targets(record: DemoRecord) -> list[str]:
        refs = [record.fields[n] for n in references.get(record.type, ()) if record.fields.get(n)]
        return [k for k in (*refs, *record.links) if k in by_key and k != record.key]

    def visit(record: DemoRecord, path: set[str]) -> None:
        if record.key in placed or record.key in path:
            return
        path.add(record.key)
        for key in targets(record):
            visit(by_key[key], path)
        path.discard(record.key)
        placed.add(record.key)
        out.append(record)

    for record in records:
        visit(record, set())
    return out


def write_client(vault: Vault, client: DemoClient, references: dict[str, frozenset[str]]) -> Counter:
    """Write one planned client and its records in a single transaction."""
    counts: Counter = Counter()
    with vault.transaction():
        scope = vault.add_client(client.name).id
        ids: dict[str, str] = {}
        for record in _ordered(client.records, references):
            fields = {
                name: ids.get(value, "") if name in references.get(record.type, ()) else value
                for name, value in record.fields.items()
            }
            fields.update(record.custom)
            made = vault.add_record(
                scope,
                record.type,
                record.title,
                fields,
                custom={name: FieldKind.TEXT for name in record.custom},
                tags=record.tags,
                links=[ids[k] for k in record.links if k in ids],
                source=f"demo:{client.key}/{record.key}",
            )
            ids[record.key] = made.id
            counts[record.type] += 1
    return counts


def build_demo(
    vault: Vault, records: int = 400, seed: int = 1, progress: Progress | None = None
) -> dict[str, int]:
    """Fill an empty, unlocked vault with the demo plan; return counts per record type."""
    if records < 1:
        raise errors.ValidationError({"records": "must be at least 1"})
    if vault.clients():
        raise errors.VaultError("The demo goes into an empty vault; this one already has clients.")
    plan = generate(records=records, seed=seed)
    references = {
        type_id: frozenset(f.name for f in t.fields if f.kind is FieldKind.REFERENCE)
        for type_id, t in vault.templates().items()
    }
    total = sum(len(c.records) for c in plan.clients)
    counts: Counter = Counter()
    done = 0
    for client in plan.clients:
        counts += write_client(vault, client, references)
        done += len(client.records)
        if progress:
            progress(done, total)
    return dict(counts)
