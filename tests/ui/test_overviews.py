"""The client overview and the expiry view, drawn from the search index (issue #4 item 7).

Each figure on the screens is checked against the decrypted records themselves
(``vault.list_records``, read only after the screen is drawn, as the oracle).
"""

from __future__ import annotations

import datetime
from collections import Counter

import pytest

from crypto import passwords
from tests.ui.conftest import OFFSCREEN_NOISE, SIGNAL_TIMEOUT_MS, unlock
from ui.desktop import dialogs
from ui.desktop.overviews import due_dates, password_health
from vault.fields import FieldKind

pytestmark = OFFSCREEN_NOISE

EXPIRY_NAMES = ("warranty_expires", "license_expires", "ends_on", "rotation_due", "review_due")


@pytest.fixture
def unlocked(qtbot, window, small_vault):
    unlock(qtbot, window, small_vault.passphrase)
    yield window
    dialogs.clear_answers()


def test_expiry_dates_match_the_records(qtbot, unlocked) -> None:
    vault, index = unlocked.vault, unlocked.index
    today = datetime.date(2026, 6, 1)
    found = due_dates(vault, index, today=today, horizon=3650)
    expected = set()
    for record in vault.list_records():
        kinds = vault.kinds(record)
        for name, value in record.fields.items():
            dated = kinds.get(name) is FieldKind.DATE and name in EXPIRY_NAMES and value
            if dated and (datetime.date.fromisoformat(value) - today).days <= 3650:
                expected.add((record.id, value))
    assert expected, "the demo vault should hold due dates"
    assert {(d.record_id, d.date.isoformat()) for d in found} == expected
    assert [d.date for d in found] == sorted(d.date for d in found)
    assert all(d.client and d.what for d in found)

    dialog = unlocked.screens.show_expiry()
    assert dialog.load_job is not None  # read on the worker
    with qtbot.waitSignal(dialog.load_job.finished, timeout=SIGNAL_TIMEOUT_MS):
        pass
    assert dialog.load_job is None
    shown = {dialog.model.payload(r) for r in range(dialog.model.rowCount())}
    within = {d.record_id for d in due_dates(vault, index, horizon=90)}
    assert shown == within


def test_client_overview_from_the_index_then_the_details(qtbot, unlocked) -> None:
    vault, index = unlocked.vault, unlocked.index
    client = max(vault.clients(), key=lambda c: index.counts().get(c.id, {}).get("credential", 0))
    unlocked.browser.select_scope(client.id)
    overview = unlocked.screens.show_overview()
    job = overview.details_job
    if job is not None:
        with qtbot.waitSignal(job.finished, timeout=SIGNAL_TIMEOUT_MS):
            pass
    qtbot.waitUntil(lambda: "Checking the passwords" not in overview.page.toPlainText())
    text = overview.page.toPlainText()

    records = vault.list_records(client.id)
    creds = [r for r in records if r.type == "credential" and r.fields.get("password")]
    reuse = Counter(r.fields["password"] for r in creds)
    weak = sum(passwords.strength(r.fields["password"])[0] <= 1 for r in creds)
    reused = sum(reuse[r.fields["password"]] > 1 for r in creds)
    health = password_health(vault, index, client.id, today=datetime.date(2100, 1, 1))
    due = sum(bool(r.fields.get("rotation_due")) for r in records if r.type == "credential")
    assert (len(health.weak), len(health.reused), len(health.rotation)) == (weak, reused, due)
    assert creds, "the client should have credentials to check"

    today = password_health(vault, index, client.id)
    assert f"{weak} weak, {reused} reused, {len(today.rotation)} due for rotation" in text
    assert client.name in text
    agreement = next(r for r in records if r.type == "agreement")
    path = agreement.fields.get("escalation_path", "").splitlines()
    assert agreement.title in text and (not path or path[0] in text)
    contacts = sorted(
        (r for r in records if r.type == "contact"),
        key=lambda r: (float(r.fields.get("escalation_order") or 99), r.title.casefold()),
    )
    assert contacts and contacts[0].title in text
    first = text.index(contacts[0].title)
    assert all(first <= text.index(c.title) for c in contacts[1:5])
