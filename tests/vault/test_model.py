"""vault.model.with_changes: the cheap copy an import makes of every record is replace()."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vault.fields import FieldKind
from vault.model import Record, with_changes

_TEXT = st.text(max_size=8)
_RECORDS = st.builds(
    Record,
    id=_TEXT,
    scope_id=_TEXT,
    type=_TEXT,
    title=_TEXT,
    fields=st.dictionaries(_TEXT, _TEXT, max_size=3),
    custom=st.dictionaries(_TEXT, st.sampled_from(list(FieldKind)), max_size=2),
    tags=st.lists(_TEXT, max_size=3).map(tuple),
    links=st.lists(_TEXT, max_size=2).map(tuple),
    version=st.integers(1, 9),
    deleted=st.booleans(),
    source=st.none() | _TEXT,
)
_CHANGES = st.fixed_dictionaries(
    {},
    optional={
        "title": _TEXT,
        "fields": st.dictionaries(_TEXT, _TEXT, max_size=3),
        "tags": st.lists(_TEXT, max_size=3).map(tuple),
        "version": st.integers(1, 9),
        "vid": _TEXT,
        "deleted": st.booleans(),
        "source": st.none() | _TEXT,
    },
)


@given(_RECORDS, _CHANGES)
def test_with_changes_is_dataclasses_replace(record: Record, changes: dict) -> None:
    copy = with_changes(record, **changes)
    expected = dataclasses.replace(record, **changes)
    assert copy == expected
    assert vars(copy) == vars(expected)  # same attributes, nothing extra
    assert hash(copy.id) == hash(expected.id) and type(copy) is Record
    assert copy is not record


def test_the_copy_stays_frozen_and_the_original_unchanged() -> None:
    record = Record("a" * 32, "b" * 32, "credential", "Old", {"username": "x"})
    copy = with_changes(record, title="New")
    assert (record.title, copy.title) == ("Old", "New")
    with pytest.raises(dataclasses.FrozenInstanceError):
        copy.title = "again"  # type: ignore[misc]


def test_an_unknown_field_is_refused_like_replace() -> None:
    record = Record("a" * 32, "b" * 32, "credential", "T", {})
    with pytest.raises(TypeError):
        dataclasses.replace(record, colour="red")  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="colour"):
        with_changes(record, colour="red")
