"""A full tour of the CLI on one vault: clients, records, history, links, files, templates.

One test walks the way a technician would, because every call pays for a
process start and a key derivation; the steps are grouped to keep the number
of calls small. At the end it checks that no secret reached any output that
did not ask for it with ``--reveal``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from tests.e2e.conftest import Cli

PASSWORD = "S3cret pass! trailing space "
PIN = "Pin#4711"
NEW_PASSWORD = "N3w-Secret-42"

RECORD_KEYS = {
    "id",
    "client",
    "client_id",
    "type",
    "title",
    "fields",
    "custom",
    "tags",
    "links",
    "backlinks",
    "attachments",
    "version",
    "created",
    "updated",
    "author",
    "deleted",
}


def test_tour(cli: Cli, vault_file: Path) -> None:
    # --- clients: add, rename, list (global options before and after the command)
    assert "Contoso" in cli.ok("client", "add", "Contoso").out
    fabrikam = cli.json("client", "add", "Fabrikam Inc")
    assert set(fabrikam) == {"id", "name"}
    cli.ok("client", "rename", "fabrik", "Fabrikam Ltd", "--vault", str(vault_file))
    clients = cli.ok("client", "list", "--json").json()
    assert [c["name"] for c in clients] == ["Contoso", "Fabrikam Ltd"]
    assert clients[1]["id"] == fabrikam["id"] and clients[0]["records"] == 0

    # --- records: a configuration, and a credential with a secret from a file
    config = cli.json(
        "record", "add", "--client", "Contoso", "--type", "configuration",
        "--title", "SRV-DC01", "--field", "kind=server", "--field", "hostname=srv-dc01",
        "--field", "ip_addresses=10.0.4.10 10.0.4.0/24", "--tag", "dc",
    )  # fmt: skip
    assert set(config) >= RECORD_KEYS
    assert config["client"] == "Contoso" and config["type"] == "configuration"
    assert config["fields"]["ip_addresses"] == "10.0.4.10, 10.0.4.0/24"
    secret_file = cli.cwd / "password.txt"
    secret_file.write_text(PASSWORD + "\n", encoding="utf-8")
    cred = cli.json(
        "record", "add", "--client", "contoso", "--type", "credential",
        "--title", "Domain admin", "--field", "username=administrator",
        "--field-file", "password=password.txt", "--field", f"pin:secret={PIN}",
        "--field", "Admin portal=https://portal.contoso.example",
        "--field", f"configuration={config['id'][:6]}",
        "--tag", "ad", "--tag", "Tier0", "--link", config["id"][:8],
    )  # fmt: skip
    assert cred["fields"]["password"] is None and cred["fields"]["pin"] is None
    assert cred["fields"]["configuration"] == config["id"]
    assert cred["custom"] == {"pin": "secret", "Admin portal": "text"}
    assert cred["tags"] == ["ad", "Tier0"] and cred["links"] == [config["id"]]
    assert cred["version"] == 1 and cred["deleted"] is False and cred["author"] == "Alice Admin"
    internal = cli.json("record", "add", "--type", "procedure", "--title", "Onboarding",
                        "--field", "body=# Steps\n1. Create the account")  # fmt: skip
    assert internal["client"] is None and internal["client_id"] is None

    # --- show: masked by default, revealed on request, links shown both ways
    shown = cli.ok("record", "show", cred["id"][:6]).out
    assert "Domain admin" in shown and "administrator" in shown
    assert "Password:" in shown and "••••••••" in shown
    assert "Links to:" in shown and "SRV-DC01" in shown
    revealed = cli.json("record", "show", cred["id"], "--reveal")
    assert revealed["fields"]["password"] == PASSWORD and revealed["fields"]["pin"] == PIN
    assert PASSWORD in cli.ok("record", "show", cred["id"], "--reveal").out
    config_view = cli.ok("record", "show", config["id"]).out
    assert "Linked from:" in config_view and cred["id"][:8] in config_view

    # --- edit, history, diff (secrets hidden unless --reveal), restore
    edited = cli.json(
        "record", "edit", cred["id"], "--title", "Domain admin (CONTOSO)",
        "--field", f"password={NEW_PASSWORD}", "--remove-field", "pin",
        "--add-tag", "rotated", "--remove-tag", "tier0",
    )  # fmt: skip
    assert edited["version"] == 2 and "pin" not in edited["fields"]
    assert edited["tags"] == ["ad", "rotated"]
    history = cli.json("record", "history", cred["id"])
    assert [v["version"] for v in history] == [1, 2]
    assert set(history[0]) >= {"version", "author", "created", "deleted", "title"}
    diff = cli.ok("record", "diff", cred["id"], "1", "2").out
    assert "Password: changed" in diff and "Title: Domain admin -> Domain admin (CONTOSO)" in diff
    changes = {c["what"]: c for c in cli.json("record", "diff", cred["id"], "1", "2", "--reveal")}
    assert changes["field:password"] == {
        "what": "field:password",
        "old": PASSWORD,
        "new": NEW_PASSWORD,
        "secret": True,
    }
    restored = cli.json("record", "restore", cred["id"], "1")
    assert restored["version"] == 3 and restored["title"] == "Domain admin"
    assert restored["tags"] == ["ad", "Tier0"]

    # --- delete, list without it, list with --deleted, undelete
    cli.ok("record", "rm", cred["id"])
    listed = cli.json("record", "list")
    assert cred["id"] not in {r["id"] for r in listed}
    assert {"id", "type", "title", "client", "updated"} <= set(listed[0])
    with_deleted = {r["id"]: r for r in cli.json("record", "list", "--deleted")}
    assert with_deleted[cred["id"]]["deleted"] is True
    refused = cli.fails(1, "record", "edit", cred["id"], "--title", "x")
    assert "undelete" in refused.err
    assert cli.json("record", "undelete", cred["id"][:8])["deleted"] is False
    table = cli.ok("record", "list", "--client", "Contoso").out.splitlines()
    assert table[0].split() == ["ID", "TYPE", "TITLE", "CLIENT", "UPDATED"]
    assert any(line.startswith(cred["id"][:8]) and "Contoso" in line for line in table)
    assert not any("Onboarding" in line for line in table)

    # --- link and unlink: shown on both records
    cli.ok("record", "link", internal["id"], config["id"])
    config_now = cli.json("record", "show", config["id"])
    assert set(config_now["backlinks"]) == {cred["id"], internal["id"]}
    cli.ok("record", "unlink", internal["id"], config["id"])  # checked with the attachments

    # --- attachments: a 3 MB random file round trip, no silent overwrite
    blob = os.urandom(3 * 1024 * 1024 + 17)
    (cli.cwd / "config-backup.bin").write_bytes(blob)
    attached = cli.json("attach", "add", config["id"], "config-backup.bin")
    assert attached["size"] == len(blob) and attached["name"] == "config-backup.bin"
    listed_files = cli.json("attach", "list", config["id"][:8])
    assert [a["id"] for a in listed_files] == [attached["id"]]
    out_dir = cli.cwd / "out"
    out_dir.mkdir()
    cli.ok("attach", "get", attached["id"][:8], cwd=out_dir)
    assert (out_dir / "config-backup.bin").read_bytes() == blob
    again = cli.fails(1, "attach", "get", attached["id"], cwd=out_dir)
    assert "already exists" in again.err and "--force" in again.err
    target = cli.cwd / "copy.bin"
    cli.ok("attach", "get", attached["id"], "--out", str(target))
    assert target.read_bytes() == blob
    config_now = cli.json("record", "show", config["id"])
    assert config_now["backlinks"] == [cred["id"]]
    assert config_now["attachments"] == [
        {
            "id": attached["id"],
            "name": "config-backup.bin",
            "size": len(blob),
            "sha256": attached["sha256"],
        }
    ]

    # --- templates: show, export as JSON, add a custom type, use it
    credential_view = cli.ok("template", "show", "credential").out
    assert "password" in credential_view and "secret" in credential_view
    definition = {
        "name": "Backup job",
        "description": "A scheduled backup and where it goes.",
        "fields": [
            {"name": "schedule", "kind": "text", "label": "Schedule", "list_column": True},
            {"name": "target", "kind": "url", "label": "Target"},
            {"name": "encryption_key", "kind": "secret", "label": "Encryption key"},
        ],
    }
    (cli.cwd / "backup-job.json").write_text(json.dumps(definition), encoding="utf-8")
    assert "backup-job" in cli.ok("template", "add", "backup-job.json").out
    types = {t["id"]: t for t in cli.json("template", "list")}
    assert types["backup-job"]["builtin"] is False and types["configuration"]["builtin"] is True
    exported = cli.json("template", "show", "backup-job")
    assert exported["id"] == "backup-job" and [f["name"] for f in exported["fields"]] == [
        "schedule",
        "target",
        "encryption_key",
    ]
    job = cli.json(
        "record", "add", "--type", "backup-job", "--title", "Nightly NAS",
        "--field", "schedule=02:00", "--field", "encryption_key=k3y-material",
    )  # fmt: skip
    assert job["fields"] == {"schedule": "02:00", "encryption_key": None}

    # --- check: everything verifies
    report = cli.json("check")
    assert report["ok"] is True and report["problems"] == []
    assert report["records"] == 4  # templates and memberships are not counted as records
    assert report["attachments"] == 1
    assert report["versions"] >= 10

    # --- no secret in any output that did not ask for it
    secrets = (PASSWORD.strip(), PIN, NEW_PASSWORD, "k3y-material")
    for call in cli.calls:
        if "--reveal" in call.args:
            continue
        for secret in secrets:
            where = f"sitebook {' '.join(call.args)}"
            assert secret not in call.out, f"a secret in the output of {where}"
            assert secret not in call.err, f"a secret in the errors of {where}"
