"""``sitebook demo``: a demo vault with records, progress on stderr and clean JSON on stdout."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import KDF, Cli


def test_demo_builds_a_checked_vault(cli: Cli) -> None:
    pytest.importorskip("vault.demo")
    made = cli.ok("--json", "demo", "demo.sitebook", "--records", "40", "--seed", "7", *KDF)
    result = made.json()  # progress went to stderr, so stdout is pure JSON
    assert set(result) == {"path", "counts", "recovery_key"}
    assert "demo records" in made.err
    total = sum(result["counts"].values())
    assert total > 0
    listed = cli.json("record", "list", "--vault", "demo.sitebook")
    assert len(listed) == total
    assert {r["type"] for r in listed} == set(result["counts"])
