"""The import's speed-ups store exactly what the plain path stores.

An import now parses DTD-free XML with the C parser, normalises each value once
(``vault.fields.remembering``), accepts common URLs without ``urlsplit`` and
pauses the cycle collector. Each fixture is imported twice into real vaults:
once as shipped and once with every shortcut switched off; every version of
every record must be identical, and the XML trees of both parsers the same.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import gc
import re
import weakref
from pathlib import Path
from xml.etree.ElementTree import Element, SubElement, tostring

import defusedxml.ElementTree as safe_et
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bench.bench_import import generate
from crypto.kdf import KdfParams
from importers import apply, inputs, keepass_xml, registry
from importers.base import ImportOptions
from importers.fitting import fit, fit_tags
from importers.gcpause import paused
from vault import Vault, fields
from vault.errors import ImportInputError, ValidationError
from vault.fields import FieldKind
from vault.recordstore import clean_tags
from vault.templates import BUILTIN_TEMPLATES

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


def _level_walk(root: Element, file: object) -> None:
    """The element count and nesting check as round 2 wrote it (the reference)."""
    limit = inputs.MAX_DEPTH * 4
    level: list[Element] = [root]
    depth, count = 1, 0
    while level:
        if depth > limit:
            raise ImportInputError(
                f"nests XML elements deeper than {limit} levels (<{level[0].tag}>)", file=file
            )
        count += len(level)
        if count > inputs.MAX_ITEMS * 20:
            raise ImportInputError("has too many XML elements", file=file)
        level = [child for element in level for child in element]
        depth += 1


def _outcome(check: object, root: Element) -> str:
    try:
        check(root, "x.xml")  # type: ignore[operator]
    except ImportInputError as error:
        return str(error)
    return "accepted"


def _chain(depth: int, width: int = 1) -> Element:
    root = current = Element("root")
    for number in range(depth - 1):
        for other in range(width - 1):
            SubElement(current, f"leaf{other}")
        current = SubElement(current, f"level{number}")
    return root


_TREES = st.recursive(st.just(0), lambda inner: st.lists(inner, max_size=4), max_leaves=40)


def _build(shape: object, tag: str = "e") -> Element:
    element = Element(tag)
    for number, child in enumerate(shape if isinstance(shape, list) else []):
        element.append(_build(child, f"{tag}{number}"))
    return element


@settings(max_examples=300, deadline=None)
@given(_TREES, st.integers(1, 6), st.integers(1, 60))
def test_the_depth_check_answers_like_the_level_walk(
    shape: object, max_depth: int, max_items: int
) -> None:
    root = _build(shape)
    with pytest.MonkeyPatch.context() as patch:  # small limits, so both refusals happen
        patch.setattr(inputs, "MAX_DEPTH", max_depth)
        patch.setattr(inputs, "MAX_ITEMS", max_items / 20)  # at most max_items elements
        assert _outcome(inputs._check_xml_depth, root) == _outcome(_level_walk, root)


@pytest.mark.parametrize(("depth", "width"), [(256, 1), (257, 1), (257, 3), (400, 2)])
def test_deep_xml_gets_the_same_message(depth: int, width: int) -> None:
    root = _chain(depth, width)
    outcome = _outcome(inputs._check_xml_depth, root)
    assert outcome == _outcome(_level_walk, root)
    assert (outcome == "accepted") == (depth <= inputs.MAX_DEPTH * 4)


@settings(max_examples=2000)
@given(
    st.text(max_size=30)
    | st.binary(max_size=20).map(lambda raw: base64.b64encode(raw).decode())
    | st.text(alphabet="ABCabc019+/= \n\t\u00e9", max_size=30)
)
def test_uuid_hex_reads_what_b64decode_reads(text: str) -> None:
    try:
        raw = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        expected = ""
    else:
        expected = raw.hex() if len(raw) == 16 and any(raw) else ""
    assert keepass_xml.uuid_hex(text) == expected


def test_objects_made_while_paused_skip_the_young_generation_but_stay_collectable() -> None:
    class Node:
        other: object = None

    assert gc.get_freeze_count() == 0
    with paused():
        kept = [Node() for _ in range(1000)]
        first, second = Node(), Node()
        first.other, second.other = second, first  # a cycle only the collector frees
        watch = weakref.ref(first)
        del first, second
    young = {id(o) for o in gc.get_objects(generation=0)}
    assert not any(id(node) in young for node in kept)  # no scan of them when gc resumes
    assert gc.get_freeze_count() == 0 and gc.isenabled()
    assert watch() is not None
    gc.collect()
    assert watch() is None  # the oldest generation is still collected


def test_a_freeze_made_by_someone_else_is_left_alone() -> None:
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        with paused():
            made = [object() for _ in range(10)]
        assert gc.get_freeze_count() == frozen and made
    finally:
        gc.unfreeze()


def test_a_value_the_template_refuses_is_kept_as_a_custom_field() -> None:
    warnings: list[str] = []
    template = BUILTIN_TEMPLATES["credential"]
    fitted = fit(
        template, "T", {"url": "not a url at all", "username": "bob"}, {}, "item", warnings.append
    )
    assert fitted.fields["username"] == "bob" and "url" not in fitted.fields
    kept = [name for name in fitted.custom if fitted.fields.get(name) == "not a url at all"]
    assert len(kept) == 1 and fitted.custom[kept[0]] == FieldKind.TEXT
    assert len(warnings) == 1 and "kept as the custom field" in warnings[0]
    assert "not a url at all" not in warnings[0]


_TAG_TEXT = st.text(alphabet=st.sampled_from("aA b\t\n\x00\x85\u2028é-" + "x" * 5), max_size=70)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(_TAG_TEXT, max_size=4), min_size=1, max_size=4))
def test_remembered_tags_give_the_answers_of_the_plain_path(lists: list[list[str]]) -> None:
    def answers() -> list[object]:
        out: list[object] = []
        for tags in lists:
            warnings: list[str] = []
            out.append((fit_tags(tags, "item", warnings.append), warnings))
            try:
                out.append(clean_tags(tags))
            except ValidationError as error:
                out.append(str(error))
        return out

    plain = answers()
    with fields.remembering():
        first, again = answers(), answers()  # the second pass reads the memory
    assert first == plain and again == plain
