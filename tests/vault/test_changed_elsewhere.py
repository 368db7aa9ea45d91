"""An edit based on an old version never silently replaces a newer one.

Background sync writes on a second connection while a technician edits in the
window. A save built on the version the editor opened must not overwrite what
the sync brought in meanwhile: it is refused with ChangedElsewhereError, and
the newer version stays the head.
"""

from __future__ import annotations

import pytest

from vault import Vault, errors


@pytest.fixture
def record_and_sibling(vault: Vault):
    client = vault.add_client("Contoso Dental")
    record = vault.add_record(client.id, "configuration", "fw01", {"hostname": "fw01"})
    sibling = vault.sibling()
    yield record, sibling
    sibling.close()


def test_a_save_based_on_an_old_version_is_refused(vault: Vault, record_and_sibling) -> None:
    opened, sibling = record_and_sibling
    synced = sibling.update_record(opened.id, fields={"hostname": "fw01-synced"})
    with pytest.raises(errors.ChangedElsewhereError) as caught:
        vault.update_record(opened.id, fields={"hostname": "fw01-mine"}, based_on=opened.vid)
    assert "changed elsewhere" in str(caught.value)
    head = vault.get_record(opened.id)
    assert head.vid == synced.vid and head.fields["hostname"] == "fw01-synced"
    # Based on the newest version, the same save goes through.
    saved = vault.update_record(opened.id, fields={"hostname": "fw01-mine"}, based_on=head.vid)
    assert saved.version == head.version + 1


def test_a_head_that_moves_between_read_and_write_is_caught(
    vault: Vault, record_and_sibling
) -> None:
    opened, sibling = record_and_sibling
    parent = vault._version_row(opened.id)  # read before the write lock is taken
    sibling.update_record(opened.id, fields={"hostname": "fw01-synced"})
    stale = vault.get_record(opened.id, opened.version)
    with pytest.raises(errors.ChangedElsewhereError):
        vault._write(stale, parent, event="edit")
    assert vault.get_record(opened.id).fields["hostname"] == "fw01-synced"
    assert [v.number for v in vault.history(opened.id)] == [1, 2]
