"""A deterministic, realistic demo data set: an IT provider and the clients it looks after.

This module owns the *plan* of the demo vault: which clients exist and which
records each holds, with every field value written out. It does no vault I/O
and handles no passphrases; a writer turns the plan into records, resolving
the record keys that reference fields and links hold into record ids.
The shape of the plan is in :mod:`vault.demo_plan`, the per-client builder in
:mod:`vault.demo_builder` and its word lists in :mod:`vault.demo_texts`.

The same ``(records, seed)`` always gives the same plan: all randomness comes
from :class:`random.Random` instances seeded from ``seed``, and every date is
a fixed offset from 2026-01-01. Every field value passes
:func:`vault.templates.validate_fields` for its record's template.
"""

from __future__ import annotations

import gc
import random

from vault.demo_builder import ClientBuilder
from vault.demo_plan import PROVIDER, TECHNICIANS, TYPES, DemoClient, DemoPlan, DemoRecord
from vault.demo_texts import FIXED_CLIENTS, STEMS, TOWNS, TRADES

__all__ = [
    "PROVIDER",
    "TECHNICIANS",
    "TYPES",
    "DemoClient",
    "DemoPlan",
    "DemoRecord",
    "generate",
]


def _client_names(count: int, rng: random.Random) -> list[tuple[str, str]]:
    """Return ``count`` unique (name, short name) pairs; the fixed four come first."""
    names = list(FIXED_CLIENTS[:count])
    taken = {name for name, _ in names}
    pool = [(f"{stem} {trade}", stem) for stem in STEMS for trade in TRADES]
    rng.shuffle(pool)
    for town in ("", *TOWNS, *(f"Site {n}" for n in range(2, 10_000))):
        for name, stem in pool:
            if len(names) >= count:
                return names
            full = f"{name} {town}".strip() if town else name
            if full not in taken:
                taken.add(full)
                names.append((full, stem))
    return names


def _allocation(budget: int) -> dict[str, int]:
    """How many records of each type a client with ``budget`` records gets."""
    counts = dict.fromkeys(TYPES, 0)
    if budget < 9:
        priority = ("agreement", "location", "contact", "configuration", "credential",
                    "procedure", "exception", "service-entry")  # fmt: skip
        for type_ in priority[:budget]:
            counts[type_] = 1
        return counts
    counts["agreement"] = 1
    counts["location"] = 1 + (budget >= 60) + (budget >= 150)
    for type_, share in (
        ("contact", 0.08),
        ("configuration", 0.34),
        ("credential", 0.18),
        ("procedure", 0.08),
        ("exception", 0.04),
    ):
        counts[type_] = max(1, int(budget * share))
    rest = budget - sum(counts.values())
    while rest < 1:
        largest = max(("configuration", "credential", "contact"), key=counts.__getitem__)
        counts[largest] -= 1
        rest += 1
    counts["service-entry"] = rest
    return counts


def generate(records: int = 400, seed: int = 1) -> DemoPlan:
    """Plan a demo vault of about ``records`` records for a fictional IT provider.

    Roughly 100 records per client, at least 4 clients (Contoso Dental,
    Fabrikam Logistics, Tailspin Architects, Woodgrove Bakery, then generated
    names). Every client has exactly one agreement and, from nine records on,
    at least one record of every type.

    Args:
        records: Total number of records across all clients (exact).
        seed: Seed for every random choice; the same seed gives the same plan.

    Returns:
        The plan; nothing is written anywhere.
    """
    # The plan is a few hundred thousand small, acyclic objects: cyclic garbage
    # collection passes over them cost a third of the time and find nothing.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return DemoPlan(provider=PROVIDER, clients=_clients(records, seed))
    finally:
        if was_enabled:
            gc.enable()


def _clients(records: int, seed: int) -> list[DemoClient]:
    if records <= 0:
        return []
    count = max(1, min(max(4, round(records / 100)), records // 9))
    rng = random.Random(seed)
    names = _client_names(count, rng)
    base, extra = divmod(records, count)
    clients: list[DemoClient] = []
    keys: set[str] = set()
    for index, (name, short) in enumerate(names):
        budget = base + (1 if index < extra else 0)
        builder = ClientBuilder(random.Random(seed * 1_000_003 + index), index, name, short)
        while builder.key in keys:  # two names with the same slug
            builder.key += "-x"
        keys.add(builder.key)
        counts = _allocation(budget)
        for number in range(1, counts["location"] + 1):
            builder.location(number)
        for number in range(1, counts["contact"] + 1):
            builder.contact(number)
        for number in range(1, counts["configuration"] + 1):
            builder.configuration(number)
        for number in range(1, counts["credential"] + 1):
            builder.credential(number)
        for number in range(1, counts["procedure"] + 1):
            builder.procedure(number)
        for number in range(1, counts["exception"] + 1):
            builder.exception(number)
        builder.service_entries(counts["service-entry"])
        if counts["agreement"]:
            builder.agreement()
        clients.append(DemoClient(key=builder.key, name=name, records=builder.records))
    return clients
