"""Sync between replicas through a folder or WebDAV: offline-first, nothing lost.

Nobody opens one vault file from several machines. Each person keeps a replica
(a vault file); replicas exchange encrypted, signed, immutable *packs* through a
target the client or provider already runs. The public API::

    from vault import sync
    report = sync.sync(vault, "/mnt/share/Sitebook")       # or an https:// WebDAV URL
    sync.read_status(vault)                                 # for the window
    sync.compact(vault, target)                             # snapshots for new replicas
    sync.clone(target, "new.sitebook")                      # a new member's replica
    vault = sync.join("new.sitebook", target, passphrase)   # after the admin confirmed

Conflicts are on the vault itself: ``vault.conflicts()`` and
``vault.resolve_conflict(record_id, keep_vid)``.

Modules: ``targets`` (layout, the Target protocol), ``folder`` and ``webdav``
(the two targets), ``pack`` (the file format), ``rows`` (the body database),
``push``, ``pull``, ``merge`` (natural-key inserts and integrity checks),
``policy`` (who may have written what, decided per row whatever the arrival
order), ``heads`` (heads, conflicts, the signed state), ``snapshot``, ``join``
(directory, clone, join), ``access`` (re-encryption and key repair after
merges), ``ledger`` (local bookkeeping), ``status``, ``conflicts``, ``report``
and ``engine`` (the sync loop).
"""

from __future__ import annotations

from vault.sync.engine import resolve_target, sync
from vault.sync.join import announce, clone, join
from vault.sync.pull import pull
from vault.sync.push import push
from vault.sync.report import SyncReport
from vault.sync.snapshot import compact
from vault.sync.status import (
    SyncStatus,
    forget_target,
    load_target,
    read_status,
    record,
    retarget,
    save_target,
)
from vault.sync.targets import Target, TargetSpec, open_target, parse_spec

__all__ = [
    "SyncReport",
    "SyncStatus",
    "Target",
    "TargetSpec",
    "announce",
    "clone",
    "compact",
    "forget_target",
    "join",
    "load_target",
    "open_target",
    "parse_spec",
    "pull",
    "push",
    "read_status",
    "record",
    "resolve_target",
    "retarget",
    "save_target",
    "sync",
]
