"""Team vaults from the command line: invite, accept, confirm, roles, audit, leaver, revoke."""

from __future__ import annotations

from tests.e2e.conftest import KDF, Cli

BOB = {"SITEBOOK_PASSPHRASE": "bob's passphrase 1"}


def test_team_tour(cli: Cli, vault_file) -> None:
    v = ("--vault", str(vault_file))
    cli.ok(*v, "client", "add", "Contoso")
    cli.ok(*v, "client", "add", "Fabrikam")
    secret = cli.json(
        *v, "record", "add", "--client", "Contoso", "--type", "credential", "--title", "Admin",
        "--field", "password=hunter2",
    )  # fmt: skip
    invited = cli.json(*v, "member", "invite", "Bob", "--role", "client-admin",
                       "--client", "Contoso", "--out", "bob.json")  # fmt: skip
    assert invited["role"] == "client-admin"
    assert (cli.cwd / "bob.json").stat().st_mode & 0o077 == 0, "the invitation is private"
    accepted = cli.json(*v, "member", "accept", "bob.json", *KDF, env=BOB)
    assert accepted["member_id"] == invited["member_id"]
    bob = accepted["member_id"]
    # Bob cannot get in before the admin confirms; a wrong fingerprint is refused.
    early = cli.fails(1, *v, "--member", bob, "client", "list", env=BOB)
    assert "confirm" in early.err
    wrong = cli.fails(1, *v, "member", "confirm", bob[:8], "0000", "0000", "0000", "0000", "0000")
    assert "does not match" in wrong.err
    confirmed = cli.json(*v, "member", "confirm", bob[:8], *accepted["fingerprint"].split())
    assert confirmed["status"] == "active" and confirmed["role"] == "client-admin"

    clients = cli.json(*v, "--member", bob, "client", "list", env=BOB)
    assert [c["name"] for c in clients] == ["Contoso"]
    shown = cli.json(*v, "--member", bob, "record", "show", secret["id"], "--reveal", env=BOB)
    assert shown["fields"]["password"] == "hunter2"

    entries = cli.json(*v, "audit", "--member", bob)
    assert [e["event"] for e in entries] == ["unlock", "unlock", "reveal"]
    assert entries[-1]["record_id"] == secret["id"] and entries[-1]["client"] == "Contoso"
    assert cli.json(*v, "audit", "--verify") == {"ok": True, "problems": []}

    restricted = cli.json(*v, "record", "restrict", secret["id"][:8])
    assert restricted["id"] == secret["id"]
    hidden = cli.fails(1, *v, "--member", bob, "record", "show", secret["id"], env=BOB)
    assert "do not have access" in hidden.err
    leaver = cli.json(*v, "report", "leaver", bob[:8])
    assert [r["id"] for r in leaver["touched"]] == [secret["id"]]
    revoked = cli.json(*v, "member", "revoke", bob[:8])
    assert revoked["reencrypted"] > 0
    gone = cli.fails(1, *v, "--member", bob, "client", "list", env=BOB)
    assert "member was removed" in gone.err
    members = {m["id"]: m for m in cli.json(*v, "member", "list")}
    assert members[bob]["status"] == "revoked"
    assert cli.json(*v, "check")["ok"] is True
