"""Plaintext discipline for the search index: canaries it indexes never reach the disk.

Plants a unique canary in every searchable place (title, text, Markdown, URL,
e-mail, tag, custom field, client name, attachment name and text) and in
secrets, builds the index, searches for every canary (suggestions and
substring fallbacks included), saves the encrypted snapshot, reopens the vault
and loads it, catches up after changes and saves again. The cache folder, the
temp folder, the vault file with its -wal/-shm, the logs and every other
Sitebook folder must hold none of the canaries. The index did hold them: each
searchable canary is found before and after the reload.
"""

from __future__ import annotations

import io
import logging
from pathlib import Path

from crypto.kdf import KdfParams
from search import SearchIndex
from tests.reliability.canary import files_under, mark, scan
from vault import Vault
from vault.fields import FieldKind

from .conftest import PASSPHRASE, reopen


def test_no_search_canary_reaches_the_disk(
    tmp_path: Path, sitebook_dirs, fast_kdf: KdfParams, caplog
) -> None:
    caplog.set_level(logging.DEBUG)
    sitebook_dirs.log.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(sitebook_dirs.log / "sitebook.log", encoding="utf-8")
    logging.getLogger().addHandler(handler)
    try:
        _exercise(tmp_path, sitebook_dirs, fast_kdf, caplog)
    finally:
        logging.getLogger().removeHandler(handler)
        handler.close()


def _exercise(tmp_path: Path, sitebook_dirs, fast_kdf: KdfParams, caplog) -> None:
    found: dict[str, str] = {}  # canary -> the query that must find it
    hidden: list[str] = []  # secrets: never indexed at all

    def plant(kind: str, query: str | None = None) -> str:
        value = mark(kind)
        found[value] = query or value
        return value

    path = tmp_path / "vault" / "canary.sitebook"
    path.parent.mkdir()
    vault, _ = Vault.create(
        path, name="Canary IT", owner="Owner", passphrase=PASSPHRASE, kdf_params=fast_kdf
    )
    client_name = mark("client")
    client = vault.add_client(client_name)
    title = plant("title")
    text = plant("text")
    markdown = plant("markdown")
    host = mark("host")
    found[host] = f"{host}.corp.local"
    url = plant("url")
    email = plant("email")
    tag = plant("tag")
    custom = plant("custom")
    secret = mark("secret")
    password = mark("password")
    hidden += [secret, password]
    config = vault.add_record(
        client.id,
        "configuration",
        title,
        {
            "hostname": text,
            "fqdn": f"{host}.corp.local",
            "notes": f"# Notes\n\nSee {markdown} for details.",
            "license_key": secret,
            "Custom note": custom,
        },
        custom={"Custom note": FieldKind.TEXT},
        tags=[tag],
    )
    vault.add_record(
        client.id,
        "credential",
        "plain credential",
        {"username": "admin", "password": password, "url": f"https://{url}.example/login"},
    )
    vault.add_record(client.id, "contact", "plain contact", {"email": f"{email}@example.com"})
    attachment_name = plant("attname")
    attachment_text = plant("atttext")
    vault.add_attachment(
        config.id,
        io.BytesIO(f"log line {attachment_text}\n".encode() * 50),
        f"{attachment_name}.log",
    )

    index = SearchIndex.open(vault)
    for value, query in found.items():
        assert index.search(query), value
        index.search_page(query[:-3] + "*")
        index.search_page("*" + query[4:12])
        index.search_page(query[:-1] + "x")  # no hit: suggestions and substring fallback
    assert [h.client for h in index.search(title)] == [client_name]
    for value in hidden:
        assert index.search(value) == []
    index.save()
    vault.rename_client(client.id, mark("client2"))
    vault.update_record(config.id, title=plant("title2"))
    index.search("anything")
    index.close()
    vault.close()

    again = reopen(path)
    with SearchIndex.open(again) as reloaded:
        assert reloaded.last_load == "loaded"
        for value, query in found.items():
            if value != title:
                assert reloaded.search(query), value
        for value in hidden:
            assert reloaded.search(value) == []
        again.add_record(client.id, "procedure", plant("later"), {"body": plant("laterbody")})
        assert reloaded.search(list(found)[-1])
        reloaded.maybe_save(0)
    again.close()

    planted = [*found, *hidden, client_name]
    files = files_under([tmp_path])
    snapshots = [p for p in files if p.suffix == ".idx"]
    assert snapshots and all(sitebook_dirs.cache in p.parents for p in snapshots)
    assert any(p.name.endswith(".sitebook") for p in files)
    assert scan(planted, files) == []
    assert not any(value in caplog.text for value in planted)
    # The scanner is not blind: the same canaries in a plaintext dump are found.
    dump = tmp_path / "plain-dump.bin"
    dump.write_bytes(" ".join(planted).encode())
    assert len(scan(planted, [dump])) == len(planted)
