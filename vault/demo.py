"""Writing the demo plan into a vault: a realistic IT provider with cross-linked clients.

``vault.demo_data`` plans the content, already in dependency order (whatever a
reference field or link points at comes first); this module writes it through
the public vault API, resolving the plan's record keys into record ids, one
transaction per client, so an interrupted build leaves whole clients only.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from vault import errors
from vault.demo_data import DemoClient, generate
from vault.fields import FieldKind
from vault.vault import Vault

Progress = Callable[[int, int], None]


def write_client(vault: Vault, client: DemoClient) -> Counter:
    """Write one planned client and its records in a single transaction."""
    with vault.transaction():
        scope = vault.add_client(client.name).id
        with vault.bulk("import", scope, source="demo", records=len(client.records)):
            return _write_records(vault, scope, client)


def _write_records(vault: Vault, scope: str, client: DemoClient) -> Counter:
    counts: Counter = Counter()
    ids: dict[str, str] = {}
    for record in client.records:
        made = vault.add_record(
            scope,
            record.type,
            record.title,
            record.fields_with_ids(ids) | record.custom,
            custom=dict.fromkeys(record.custom, FieldKind.TEXT),
            tags=record.tags,
            links=[ids[key] for key in record.links],
            source=f"demo:{record.key}",
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
    total = plan.record_count
    counts: Counter = Counter()
    done = 0
    for client in plan.clients:
        counts += write_client(vault, client)
        done += len(client.records)
        if progress:
            progress(done, total)
    return dict(counts)
