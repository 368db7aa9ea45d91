"""The snapshot file format and the stored sections: round trips by property, and refusals."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from search import snapshot
from search.document import Section, dump_sections, load_sections, pack_sections, unpack_sections

HEX = "0123456789abcdef"
ids = st.text(alphabet=HEX, min_size=32, max_size=32)
scopes = st.lists(
    st.tuples(
        ids,
        st.integers(min_value=-(2**63), max_value=2**63 - 1),
        st.binary(min_size=32, max_size=32),
    ),
    max_size=5,
    unique_by=lambda s: s[0],
)


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=20_000), covered=scopes, mark=st.integers(0, 2**63))
def test_snapshot_round_trip(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, data: bytes, covered, mark: int
) -> None:
    monkeypatch.setattr(snapshot, "CHUNK_SIZE", 4096)
    path = tmp_path / "x" / "search-test.idx"
    keys = {scope: (version, key) for scope, version, key in covered}
    snapshot.write(path, data, mark=mark, vault_id="a" * 32, member_id="b" * 32, scopes=covered)
    found = snapshot.read(path, vault_id="a" * 32, member_id="b" * 32, key_for=keys.__getitem__)
    assert not isinstance(found, str), found
    plain, header = found
    assert bytes(plain) == data
    assert header.mark == mark and {s for s, _ in header.scopes} == set(keys)
    assert not [p for p in path.parent.iterdir() if p != path]


def test_refusals(tmp_path: Path) -> None:
    path = tmp_path / "s.idx"
    key = os.urandom(32)
    covered = [("c" * 32, 1, key)]
    snapshot.write(
        path, b"index bytes", mark=1, vault_id="a" * 32, member_id="b" * 32, scopes=covered
    )

    def read(**kw):
        args = {"vault_id": "a" * 32, "member_id": "b" * 32, "key_for": lambda s: (1, key)}
        return snapshot.read(path, **{**args, **kw})

    assert not isinstance(read(), str)
    assert "another vault" in read(vault_id="d" * 32)
    assert "another vault" in read(member_id="d" * 32)
    assert "changed" in read(key_for=lambda s: (2, key))
    assert "authentication" in read(key_for=lambda s: (1, os.urandom(32)))

    def unreadable(scope: str) -> tuple[int, bytes]:
        raise PermissionError(scope)

    assert "cannot read" in read(key_for=unreadable)
    assert "no snapshot" in snapshot.read(
        tmp_path / "missing.idx", vault_id="a" * 32, member_id="b" * 32, key_for=unreadable
    )
    with pytest.raises(ValueError, match="hex"):
        snapshot.write(path, b"", mark=0, vault_id="A" * 32, member_id="b" * 32, scopes=[])


sections = st.lists(
    st.builds(
        Section,
        st.text(max_size=20),
        st.sampled_from(["title", "tags", "fields", "body"]),
        st.text(max_size=200),
        st.booleans(),
    ),
    max_size=6,
)


@given(sections)
def test_sections_round_trip(found: list[Section]) -> None:
    assert load_sections(dump_sections(found)) == tuple(found)


@given(sections)
def test_packed_sections_round_trip(found: list[Section]) -> None:
    assert unpack_sections(pack_sections(found)) == tuple(found)


def test_packed_sections_are_smaller_for_template_shaped_records() -> None:
    found = [
        Section("Title", "title", "srv-dc01"),
        Section("Hostname", "fields", "srv-dc01"),
        Section("IP addresses", "fields", "10.0.4.12"),
        Section("Operating system", "fields", "Windows Server 2022"),
        Section("Fields", "body", "Kind, Hostname, IP addresses, Operating system"),
    ]
    assert len(pack_sections(found)) < len(dump_sections(found).encode()) * 0.7


def test_peek_reads_the_header_without_the_keys(tmp_path: Path) -> None:
    path = tmp_path / "snap.idx"
    scope = "b" * 32
    snapshot.write(
        path, b"body" * 100, mark=42, vault_id="a" * 32, member_id="c" * 32,
        scopes=[(scope, 3, b"k" * 32)],
    )  # fmt: skip
    header = snapshot.peek(path)
    assert not isinstance(header, str)
    assert (header.mark, header.scopes, header.vault_id) == (42, ((scope, 3),), "a" * 32)
    assert snapshot.peek(tmp_path / "missing.idx") == "there is no snapshot"
    path.write_bytes(b"SBIX")
    assert isinstance(snapshot.peek(path), str)


def test_sections_stored_as_json_text_read_back() -> None:
    found = (Section("Title", "title", "srv-dc01"), Section("Notes", "body", "line\nnext", False))
    assert unpack_sections(dump_sections(found)) == found
    assert unpack_sections(pack_sections(found)) == found
