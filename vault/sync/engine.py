"""One sync: publish the directory, push, then pull and repair and push again until quiet.

``sync`` is what the CLI, the window and ``--watch`` call. It pushes first (so a
change made just before is on its way even if the pull fails), then repeats
pull -> re-encrypt what a rotation left behind -> repair keys (owners and admins)
-> push, until a round neither sends nor merges anything. Every failure of the
target becomes a :mod:`vault.errors` SyncError with a message a technician
understands, is recorded for ``status``, and loses nothing: packs are applied
whole or not at all, and rows stay in the outbox until their pack is written.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from vault import errors
from vault.sync import access, join, status, targets
from vault.sync.pull import pull
from vault.sync.push import push
from vault.sync.report import Cancelled, Progress, SyncReport

if TYPE_CHECKING:
    from vault.vault import Vault

log = logging.getLogger(__name__)

ROUNDS = 6


def resolve_target(
    vault: Vault, target: targets.Target | targets.TargetSpec | str | None
) -> tuple[targets.Target, bool]:
    """An open target from an argument or the saved setting; (target, opened here)."""
    if target is not None and hasattr(target, "list"):
        return target, False  # type: ignore[return-value]
    spec = target if target is not None else status.load_target(vault)
    if spec is None:
        raise errors.SyncError(
            "No sync target is set for this vault. Give one once with "
            "'sitebook sync --target FOLDER-OR-URL'."
        )
    return targets.open_target(spec), True  # type: ignore[arg-type]


def sync(
    vault: Vault,
    target: targets.Target | targets.TargetSpec | str | None = None,
    *,
    progress: Progress | None = None,
    cancelled: Cancelled | None = None,
    rounds: int = ROUNDS,
) -> SyncReport:
    """Exchange packs with the target until nothing changes; return what happened.

    Args:
        vault: An unlocked vault.
        target: A Target, TargetSpec, folder path or URL; None uses the saved one.
        progress: Called with (packs done, total or 0).
        cancelled: Polled between packs; True stops with CancelledError.
        rounds: At most this many pull/push rounds.
    """
    vault._ring()
    tgt, opened = resolve_target(vault, target)
    report = SyncReport(target=tgt.display)
    try:
        join.announce(vault, tgt)
        for path, problem in join.pull_members(vault, tgt):
            report.rejected.append((path, problem))
        _require_active(vault)
        push(vault, tgt, report, progress=progress, cancelled=cancelled)
        for _ in range(rounds):
            applied, pushed = len(report.applied), len(report.pushed)
            pull(vault, tgt, report, progress=progress, cancelled=cancelled)
            if len(report.applied) > applied:
                join.reconcile_members(vault)
                _require_active(vault)
            report.reencrypted += access.reencrypt(vault)
            report.repaired += access.repair(vault)
            push(vault, tgt, report, progress=progress, cancelled=cancelled)
            if len(report.applied) == applied and len(report.pushed) == pushed:
                break
        report.conflicts = status.read_status(vault).conflicts
        shared = targets.shared_folder(vault.vault_id) + "/"
        if any(
            path.startswith(shared) and "/" not in path[len(shared) :] for path, _ in report.waiting
        ):
            report.warnings.append(
                "Packs of the vault's shared directory are sealed under a key you do not hold: "
                "your membership may have been removed or changed. Ask an admin."
            )
    except errors.VaultError as exc:
        log.info("sync failed: %s", type(exc).__name__)
        status.record(vault, report, exc)
        raise
    finally:
        if opened:
            tgt.close()
    status.record(vault, report, None)
    return report


def _require_active(vault: Vault) -> None:
    me = vault.directory().state(vault._ring().member_id)
    if me is not None and not me.active:
        raise errors.SyncError(
            f"Your membership of this vault is {me.status}; nothing more can be synced. "
            "Ask an admin if this is a mistake."
        )
