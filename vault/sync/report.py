"""What one sync did: packs sent and merged, what was refused or is still waiting, and why."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field

from vault import errors

Progress = Callable[[int, int], None]
Cancelled = Callable[[], bool]


@dataclass
class SyncReport:
    """The outcome of a sync (or of one push or pull), for the CLI, the window and tests."""

    target: str = ""
    pushed: list[str] = field(default_factory=list)  # pack paths written
    sent: int = 0  # rows sent (versions, attachments, audit entries, grants, names)
    applied: list[str] = field(default_factory=list)  # pack paths merged
    received: int = 0  # record versions merged
    changed: int = 0  # records whose head changed
    rejected: list[tuple[str, str]] = field(default_factory=list)  # (path, reason)
    refused: list[tuple[str, str, str]] = field(default_factory=list)  # (kind, id, reason)
    waiting: list[tuple[str, str]] = field(default_factory=list)  # (path, reason)
    unsendable: int = 0  # changes in scopes this member holds no key for any more
    reencrypted: int = 0  # items re-encrypted after a key rotation arrived
    repaired: int = 0  # keys granted or scopes re-keyed by this (manager) replica
    conflicts: int = 0  # records in conflict after the sync
    warnings: list[str] = field(default_factory=list)

    @property
    def quiet(self) -> bool:
        """True when nothing was sent or merged."""
        return not self.pushed and not self.applied

    def to_json(self) -> dict:
        """Plain data (lists of pairs become lists of objects)."""
        data = asdict(self)
        data["rejected"] = [{"path": p, "reason": r} for p, r in self.rejected]
        data["waiting"] = [{"path": p, "reason": r} for p, r in self.waiting]
        data["refused"] = [{"kind": k, "id": i, "reason": r} for k, i, r in self.refused]
        return data


def check_cancel(cancelled: Cancelled | None) -> None:
    """Raise CancelledError when the person asked to stop (between packs only)."""
    if cancelled is not None and cancelled():
        raise errors.CancelledError()
