"""Markdown folders: front matter, folders, attachments, wiki links, and a round trip."""

from __future__ import annotations

import os
import string
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import importers
from importers.base import ImportOptions
from importers.markdown import front_matter
from vault import Vault


def _by_source(path: Path, **options) -> dict:
    return {
        d.source_id: d for d in importers.read(path, "markdown", ImportOptions(**options)).drafts
    }


def test_front_matter_sets_type_fields_and_tags(data: Path) -> None:
    router = _by_source(data / "markdown")["Contoso Dental/Network/Core router.md"]
    assert router.type == "configuration"
    assert router.fields["hostname"] == "rtr-01" and router.fields["kind"] == "network"
    assert router.fields["vendor"] == "Cisco" and "created" not in router.fields
    assert router.tags == ["Contoso Dental/Network", "network", "critical"]
    assert router.fields["notes"].startswith("Cisco ISR 4331.")


def test_images_and_files_become_attachments(data: Path) -> None:
    drafts = _by_source(data / "markdown")
    router = drafts["Contoso Dental/Network/Core router.md"]
    assert sorted(a.name for a in router.attachments) == ["isr4331.pdf", "rack photo.png"]
    assert "![rack](rack%20photo.png)" in router.fields["notes"]
    restore = drafts["Contoso Dental/Restore procedure.md"]
    assert [a.name for a in restore.attachments] == ["screenshot.png"]
    assert "![screenshot.png](screenshot.png)" in restore.fields["body"]
    joplin = drafts["Joplin/Printer.md"]
    assert joplin.title == "Printer 2. OG" and joplin.attachments[0].data.startswith(b"\x89PNG")


def test_wiki_links_and_note_links_become_relations(data: Path) -> None:
    drafts = _by_source(data / "markdown")
    router = drafts["Contoso Dental/Network/Core router.md"]
    assert set(router.links) == {"Contoso Dental/Restore procedure.md", "Contoso Dental/VPN.md"}
    assert drafts["Contoso Dental/VPN.md"].links == ["Contoso Dental/Network/Core router.md"]


def test_missing_targets_and_unlinked_files_are_reported(data: Path) -> None:
    parsed = importers.read(data / "markdown", "markdown")
    assert any("Does not exist" in w for w in parsed.warnings)
    assert [s.reason for s in parsed.skipped] == ["no note links to it"]
    assert parsed.skipped[0].item.endswith("unlinked.xlsx")


def test_folders_as_clients(data: Path) -> None:
    drafts = _by_source(data / "markdown", groups_as="clients")
    assert drafts["Contoso Dental/VPN.md"].client == "Contoso Dental"
    assert drafts["Contoso Dental/Network/Core router.md"].tags[0] == "Network"
    assert drafts["Fabrikam Legal/Welcome.md"].client == "Fabrikam Legal"


def test_a_single_note(data: Path) -> None:
    parsed = importers.read(data / "markdown" / "Contoso Dental" / "VPN.md")
    assert parsed.format == "markdown" and [d.title for d in parsed.drafts] == ["VPN"]


def test_import_links_records(data: Path, vault: Vault, client) -> None:
    importers.import_file(vault, data / "markdown.zip", client=client.name)
    records = {r.source: r for r in vault.list_records()}
    router = records["markdown:Contoso Dental/Network/Core router.md"]
    assert records["markdown:Contoso Dental/VPN.md"].id in router.links


def test_front_matter_parser() -> None:
    meta, body, _raw = front_matter(
        '---\ntitle: "Quoted: title"\ntags: [a, b]\nlist:\n  - x\n  - y\nblock: |\n  one\n  two\n'
        "nested:\n  key: value\n---\nBody"
    )
    assert meta == {
        "title": "Quoted: title",
        "tags": ["a", "b"],
        "list": ["x", "y"],
        "block": "one\ntwo",
        "nested": "",
        "nested.key": "value",
    }
    assert body == "Body"
    assert front_matter("no front matter")[0] == {}
    assert front_matter("---\nunterminated: yes\n")[0] == {}


_line = (
    st.text(alphabet=string.ascii_letters + string.digits + " .,-äöü", min_size=1, max_size=30)
    .map(str.strip)
    .filter(bool)
)


@settings(max_examples=30, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    notes=st.dictionaries(
        st.text(alphabet=string.ascii_lowercase, min_size=1, max_size=8),
        st.tuples(
            _line,
            st.lists(_line, min_size=1, max_size=4),
            st.lists(st.sampled_from(["ops", "net", "hr"]), max_size=2, unique=True),
        ),
        min_size=1,
        max_size=5,
    ),
    folder=st.sampled_from(["", "Clients/Contoso"]),
)
def test_round_trip_through_markdown_files(tmp_path_factory, notes: dict, folder: str) -> None:
    root = tmp_path_factory.mktemp("md")
    for stem, (title, lines, tags) in notes.items():
        target = root / folder / f"{stem}.md" if folder else root / f"{stem}.md"
        target.parent.mkdir(parents=True, exist_ok=True)
        tag_text = "[" + ", ".join(tags) + "]"
        target.write_text(
            f"---\ntitle: {title}\ntags: {tag_text}\n---\n" + "\n".join(lines) + "\n",
            encoding="utf-8",
        )
    drafts = {d.source_id: d for d in importers.read(root, "markdown").drafts}
    for stem, (title, lines, tags) in notes.items():
        draft = drafts[f"{folder}/{stem}.md" if folder else f"{stem}.md"]
        assert draft.title == title
        assert draft.fields["body"].strip() == "\n".join(lines).strip()
        assert draft.tags == ([folder] if folder else []) + tags


def test_a_link_out_of_the_folder_is_left_out_and_reported(data: Path, tmp_path: Path) -> None:
    """A folder someone sent must not pull a local file into the vault."""
    outside = tmp_path / "private.key"
    outside.write_text("PRIVATE KEY MATERIAL")
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "kept.png").write_bytes(b"\x89PNG kept")
    (folder / "inside.png").symlink_to(folder / "kept.png")  # a link within the folder is fine
    (folder / "key.png").symlink_to(outside)
    (folder / "gone.png").symlink_to(tmp_path / "nothing-here")
    (folder / "elsewhere").symlink_to(tmp_path)  # a folder: never entered
    os.mkfifo(folder / "pipe.png")  # reading it would wait forever
    (folder / "Server.md").write_text("![a](key.png) ![b](inside.png) ![c](kept.png)\n")
    parsed = importers.read(folder, "markdown")
    [note] = parsed.drafts
    assert sorted(a.name for a in note.attachments) == ["inside.png", "kept.png"]
    assert all(b"PRIVATE" not in a.data for a in note.attachments)
    reasons = {Path(s.item).name: s.reason for s in parsed.skipped}
    assert reasons == {
        "key.png": "a symbolic link to a file outside the imported folder",
        "gone.png": "a symbolic link to nothing",
        "elsewhere": "a symbolic link to a folder",
        "pipe.png": "not a regular file",
    }
    # one note on its own: the rest of its folder is not looked at, nor reported
    single = importers.read(folder / "Server.md", "markdown")
    assert single.skipped == []
    assert sorted(a.name for a in single.drafts[0].attachments) == ["inside.png", "kept.png"]
