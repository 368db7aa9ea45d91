"""Creating a vault and getting into it: recovery key, passphrase sources, passwd."""

from __future__ import annotations

import re

from tests.e2e.conftest import KDF, PASSPHRASE, Cli

KEY = re.compile(r"\b[0-9A-Z]{5}(?:-[0-9A-Z]{5}){7}\b")


def test_init_prints_a_recovery_key_that_unlocks(cli: Cli) -> None:
    made = cli.ok("init", "vault.sitebook", "--name", "Northwind IT", "--owner", "Alice", *KDF)
    assert "Created vault 'Northwind IT'" in made.out
    assert "write it down" in made.out.lower() and "emergency kit" in made.out
    keys = KEY.findall(made.out)
    assert len(keys) == 1, made.out
    assert PASSPHRASE not in made.out + made.err
    (cli.cwd / "recovery.txt").write_text(keys[0] + "\n", encoding="utf-8")

    # The recovery key alone opens the vault (no passphrase anywhere).
    no_passphrase = {"SITEBOOK_PASSPHRASE": None}
    cli.ok("--vault", "vault.sitebook", "--recovery-key-file", "recovery.txt",
           "client", "add", "Contoso", env=no_passphrase)  # fmt: skip
    # A key of another vault is refused; a wrong passphrase is one clear line.
    other = cli.json("init", "other.sitebook", *KDF)
    assert set(other) == {"path", "vault_id", "member_id", "name", "owner", "recovery_key"}
    assert other["name"] == "other" and KEY.fullmatch(other["recovery_key"])
    (cli.cwd / "other-key.txt").write_text(other["recovery_key"], encoding="utf-8")
    wrong_key = cli.fails(1, "client", "list", "--vault", "vault.sitebook",
                          "--recovery-key-file", "other-key.txt")  # fmt: skip
    assert wrong_key.err == "sitebook: This recovery key does not belong to this vault.\n"
    wrong = cli.fails(1, "--vault", "vault.sitebook", "client", "list",
                      env={"SITEBOOK_PASSPHRASE": "not the passphrase"})  # fmt: skip
    assert wrong.err == "sitebook: Wrong passphrase.\n" and wrong.out == ""
    # No passphrase source and no terminal: an error, never a hanging prompt.
    none = cli.fails(1, "--vault", "vault.sitebook", "client", "list", env=no_passphrase)
    assert none.err.startswith("sitebook: no passphrase:")
    # A passphrase file (first line only) works when the environment has none.
    (cli.cwd / "pass.txt").write_text(PASSPHRASE + "\nignored second line\n", encoding="utf-8")
    listed = cli.json("client", "list", "--vault", "vault.sitebook",
                      "--passphrase-file", "pass.txt", env=no_passphrase)  # fmt: skip
    assert [c["name"] for c in listed] == ["Contoso"]


def test_passwd_replaces_the_passphrase(cli: Cli, vault_file) -> None:
    (cli.cwd / "new.txt").write_text("a brand new passphrase\n", encoding="utf-8")
    changed = cli.json("passwd", "--new-passphrase-file", "new.txt")
    assert changed["changed"] is True
    old = cli.fails(1, "client", "list")
    assert old.err == "sitebook: Wrong passphrase.\n"
    cli.ok("client", "list", env={"SITEBOOK_PASSPHRASE": "a brand new passphrase"})
    (cli.cwd / "short.txt").write_text("x1y2z3\n", encoding="utf-8")
    too_short = cli.fails(
        1, "passwd", "--new-passphrase-file", "short.txt",
        env={"SITEBOOK_PASSPHRASE": "a brand new passphrase"},
    )  # fmt: skip
    assert "at least 8 characters" in too_short.err and "x1y2z3" not in too_short.err
