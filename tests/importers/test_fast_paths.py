"""The import's speed-ups store exactly what the plain path stores.

An import now parses DTD-free XML with the C parser, normalises each value once
(``vault.fields.remembering``), accepts common URLs without ``urlsplit`` and
pauses the cycle collector. Each fixture is imported twice into real vaults:
once as shipped and once with every shortcut switched off; every version of
every record must be identical, and the XML trees of both parsers the same.
"""

from __future__ import annotations

import contextlib
import gc
import re
from pathlib import Path
from xml.etree.ElementTree import tostring

import defusedxml.ElementTree as safe_et
import pytest

from bench.bench_import import generate
from crypto.kdf import KdfParams
from importers import apply, inputs, registry
from importers.base import ImportOptions
from importers.gcpause import paused
from vault import Vault, fields
from vault.errors import ImportInputError

from .conftest import PASSPHRASE

FIXTURES = ["keepass.xml", "bitwarden.json", "lastpass.csv", "1password.1pux", "itglue.zip"]


def _versions(vault: Vault) -> dict[str, list[tuple]]:
    """Every version of every imported record, record ids (random) replaced by sources."""
    heads = vault.list_records(include_deleted=True)
    names = {h.id: f"{vault.scope_name(h.scope_id)}|{h.source}" for h in heads}
    out: dict[str, list[tuple]] = {}
    for head in heads:
        if not head.source:
            continue
        versions = [vault.get_record(head.id, n) for n in range(1, head.version + 1)]
        out[names[head.id]] = [
            (
                r.type,
                r.title,
                {name: names.get(value, value) for name, value in r.fields.items()},
                r.custom,
                r.tags,
                sorted(names.get(link, link) for link in r.links),
            )
            for r in versions
        ]
    return out


def _import(path: Path, vault: Vault) -> dict[str, list[tuple]]:
    parsed = registry.sniff(path).parse(path, ImportOptions())
    report = apply.run_import(vault, parsed, client="Contoso Dental")
    assert report.created > 0
    return _versions(vault)


def _new_vault(folder: Path, kdf: KdfParams) -> Vault:
    made, _ = Vault.create(
        folder / "v.sitebook",
        name="Northwind IT",
        owner="Alice",
        passphrase=PASSPHRASE,
        kdf_params=kdf,
    )
    made.add_client("Contoso Dental")
    return made


def _bench_xml(folder: Path) -> Path:
    path = folder / "bench.xml"
    generate(path, 300)
    return path


@pytest.mark.parametrize("name", [*FIXTURES, "bench"])
def test_shortcuts_store_exactly_what_the_plain_path_stores(
    name: str, data: Path, tmp_path: Path, fast_kdf: KdfParams, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = _bench_xml(tmp_path) if name == "bench" else data / name
    (tmp_path / "fast").mkdir()
    (tmp_path / "plain").mkdir()
    fast_vault = _new_vault(tmp_path / "fast", fast_kdf)
    try:
        fast = _import(source, fast_vault)
    finally:
        fast_vault.close()
    monkeypatch.setattr(fields, "_PLAIN_URL", re.compile(r"(?!)"))  # never matches
    monkeypatch.setattr(apply, "remembering", contextlib.nullcontext)
    monkeypatch.setattr(inputs, "_no_dtd", lambda _data: False)  # always defusedxml
    plain_vault = _new_vault(tmp_path / "plain", fast_kdf)
    try:
        plain = _import(source, plain_vault)
    finally:
        plain_vault.close()
    assert fast == plain
    assert len(fast) >= 3


def test_the_c_parser_builds_the_tree_defusedxml_builds(data: Path, tmp_path: Path) -> None:
    for path in [data / "keepass.xml", _bench_xml(tmp_path)]:
        raw = path.read_bytes()
        assert inputs._no_dtd(raw)
        fast = tostring(inputs.parse_xml(raw, path))
        assert fast == tostring(safe_et.fromstring(raw, forbid_dtd=True))


@pytest.mark.parametrize(
    "document",
    [
        b'<!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>',
        b'<?xml version="1.0"?>\n<!DOCTYPE x SYSTEM "file:///etc/passwd"><x/>',
        b"<x><!-- <!DOCTYPE in a comment still takes the careful path --></x>",
        '<?xml version="1.0" encoding="UTF-16"?><x/>'.encode("utf-16"),
        b'<?xml version="1.0" encoding="cp037"?><x/>',
        b"\xef\xbb\xbf<!DOCTYPE x><x/>",
    ],
)
def test_anything_that_may_hold_a_dtd_goes_through_defusedxml(document: bytes) -> None:
    assert not inputs._no_dtd(document)


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (b'<!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>', "forbidden XML feature"),
        (b"<x>&undefined;</x>", "not well-formed XML (undefined entity"),
        (b"<x><y></x>", "not well-formed XML (mismatched tag"),
    ],
)
def test_bad_xml_is_refused_as_before(document: bytes, message: str) -> None:
    with pytest.raises(ImportInputError, match=re.escape(message)):
        inputs.parse_xml(document, "bad.xml")


def test_documents_without_a_dtd_take_the_fast_path() -> None:
    assert inputs._no_dtd(b'<?xml version="1.0" encoding="utf-8"?><KeePassFile/>')
    assert inputs._no_dtd(b"\xef\xbb\xbf<KeePassFile/>")
    assert inputs._no_dtd(b'<?xml version="1.0" encoding="ISO-8859-1"?><a>\xe9</a>')


def test_the_cycle_collector_is_paused_only_inside_and_nests() -> None:
    assert gc.isenabled()
    with paused():
        assert not gc.isenabled()
        with paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(RuntimeError), paused():
        raise RuntimeError("boom")
    assert gc.isenabled()
