"""The reliability battery's figures: where they go, and the table ``make reliability`` prints.

Each battery test appends one JSON line per measured figure (test, runs,
failures, detail, seed, mode, seconds, known defect) to the results file:

* ``$SITEBOOK_RELIABILITY_REPORT`` when set;
* else ``build/reliability.jsonl`` when ``SITEBOOK_RELIABILITY=full`` (what
  ``make reliability`` sets; ``build/`` is ignored by git and removed by
  ``make clean``);
* else a file in pytest's temporary folder, so ``make test`` leaves nothing in
  the repository.

Run as a script (``python tests/reliability/report.py [FILE]``) it prints one
table: test, runs, failures, and what was measured. A failure count on a row
marked "known defect" belongs to a strict xfail, described in its reason.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
ENV_MODE = "SITEBOOK_RELIABILITY"
ENV_REPORT = "SITEBOOK_RELIABILITY_REPORT"


def full_mode() -> bool:
    """True for the long runs (``SITEBOOK_RELIABILITY=full``)."""
    return os.environ.get(ENV_MODE, "").strip().lower() == "full"


def results_path(temp_folder: Path | None = None) -> Path:
    """Where the figures go; see the module docstring for the order of choice."""
    explicit = os.environ.get(ENV_REPORT, "").strip()
    if explicit:
        return Path(explicit)
    if full_mode() or temp_folder is None:
        return REPO / "build" / "reliability.jsonl"
    return Path(temp_folder) / "reliability.jsonl"


def append(path: Path, entry: dict[str, Any]) -> None:
    """Append one figure to the results file (creating its folder)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(entry, sort_keys=True) + "\n")


def load(path: Path) -> list[dict[str, Any]]:
    """Every figure in a results file; unreadable lines are skipped."""
    if not path.exists():
        return []
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if isinstance(entry, dict) and "test" in entry:
            out.append(entry)
    return out


def format_table(entries: Iterable[dict[str, Any]]) -> str:
    """One row per test (figures of the same name are summed), as aligned text."""
    entries = list(entries)
    rows: dict[str, dict[str, Any]] = {}
    for entry in entries:
        row = rows.setdefault(
            entry["test"],
            {"runs": 0, "failures": 0, "detail": [], "known": False, "seconds": 0.0},
        )
        row["runs"] += int(entry.get("runs", 0))
        row["failures"] += int(entry.get("failures", 0))
        row["seconds"] += float(entry.get("seconds", 0.0))
        row["known"] = row["known"] or bool(entry.get("known_defect"))
        if entry.get("detail") and entry["detail"] not in row["detail"]:
            row["detail"].append(entry["detail"])
    if not rows:
        return "reliability: no figures recorded"
    header = ("test", "runs", "failures", "seconds", "what was measured")
    table = [header]
    for name, row in rows.items():
        failures = str(row["failures"]) + (" (known defect)" if row["known"] else "")
        table.append(
            (name, str(row["runs"]), failures, f"{row['seconds']:.1f}", "; ".join(row["detail"]))
        )
    widths = [max(len(r[i]) for r in table) for i in range(4)]
    lines = []
    for number, row in enumerate(table):
        cells = [row[0].ljust(widths[0]), row[1].rjust(widths[1]), row[2].rjust(widths[2])]
        cells.append(row[3].rjust(widths[3]))
        lines.append("  ".join(cells) + "  " + row[4])
        if number == 0:
            lines.append("  ".join("-" * w for w in widths) + "  " + "-" * 17)
    seeds = sorted({str(e["seed"]) for e in entries if e.get("seed") is not None})
    modes = sorted({str(e["mode"]) for e in entries if e.get("mode")})
    lines.append("")
    lines.append(f"mode: {', '.join(modes) or '?'}; seeds: {', '.join(seeds) or '-'}")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    """Print the table for the results file given, or the default one."""
    path = Path(argv[1]) if len(argv) > 1 else results_path()
    entries = load(path)
    print(f"Reliability battery figures ({path}):")
    print(format_table(entries))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
