"""Exit codes and messages for bad input: usage errors, missing, foreign and newer files."""

from __future__ import annotations

import contextlib
import sqlite3
import struct

from tests.e2e.conftest import KDF, Cli

NEWER_MAJOR = 2


def test_usage_errors_exit_2(cli: Cli) -> None:
    assert cli.fails(2, "no-such-command").err.startswith("usage: sitebook")
    assert cli.ok("--version").out.startswith("sitebook ")
    missing_type = cli.fails(2, "record", "add", "--title", "x", "--vault", "v.sitebook")
    assert "--type" in missing_type.err
    bad_field = cli.fails(2, "record", "add", "--type", "credential", "--title", "x",
                          "--field", "Hunter2-no-equals")  # fmt: skip
    assert "NAME=VALUE" in bad_field.err and "Hunter2" not in bad_field.err
    assert "64" in cli.fails(2, "init", "v.sitebook", "--kdf-memory", "16").err
    both = cli.fails(2, "generate", "--words", "4", "--length", "12")
    assert "not allowed" in both.err


def test_missing_foreign_and_newer_vaults_exit_1(cli: Cli) -> None:
    no_vault = cli.fails(1, "record", "list")
    assert no_vault.err == "sitebook: no vault given: use --vault or SITEBOOK_VAULT\n"
    assert no_vault.out == ""
    absent = cli.fails(1, "--vault", "absent.sitebook", "record", "list")
    assert absent.err.startswith("sitebook: No vault at absent.sitebook.")
    (cli.cwd / "notes.txt").write_text("not a vault at all\n", encoding="utf-8")
    foreign = cli.fails(1, "client", "list", "--vault", "notes.txt")
    assert foreign.err == "sitebook: Cannot open notes.txt: it is not a Sitebook vault.\n"
    folder = cli.fails(1, "client", "list", "--vault", str(cli.cwd))
    assert "folder" in folder.err and len(folder.err.splitlines()) == 1

    cli.ok("init", "future.sitebook", *KDF)
    path = cli.cwd / "future.sitebook"
    data = bytearray(path.read_bytes())
    user_version = struct.unpack(">I", data[60:64])[0]
    data[60:64] = struct.pack(">I", NEWER_MAJOR << 16 | (user_version & 0xFFFF))
    path.write_bytes(bytes(data))
    newer = cli.fails(1, "client", "list", "--vault", "future.sitebook")
    assert "newer" in newer.err and "was not changed" in newer.err
    assert len(newer.err.splitlines()) == 1
    assert path.read_bytes() == bytes(data)
    exists = cli.fails(1, "init", "future.sitebook", *KDF)
    assert "already exists" in exists.err


def test_generate_needs_no_vault(cli: Cli) -> None:
    password = cli.ok("generate")
    assert len(password.out.strip()) == 20 and "bits of entropy" in password.err
    phrase = cli.json("generate", "--words", "6")
    assert phrase["kind"] == "passphrase" and len(phrase["password"].split("-")) >= 6
    assert 77 < phrase["bits"] < 78
    plain = cli.ok("generate", "--length", "32", "--no-symbols").out.strip()
    assert len(plain) == 32 and plain.isalnum()
    assert cli.fails(2, "generate", "--length", "2").err.startswith("sitebook: ")


def test_check_names_a_damaged_record_and_exits_1(cli: Cli, vault_file) -> None:
    record = cli.json("record", "add", "--type", "procedure", "--title", "Runbook",
                      "--field", "body=Step one")  # fmt: skip
    with contextlib.closing(sqlite3.connect(vault_file)) as conn, conn:
        body = conn.execute(
            "SELECT body FROM versions WHERE record_id = ?", (record["id"],)
        ).fetchone()[0]
        damaged = body[:-1] + bytes([body[-1] ^ 1])
        conn.execute("UPDATE versions SET body = ? WHERE record_id = ?", (damaged, record["id"]))
    text = cli.fails(1, "check")
    assert f"record {record['id']} version 1: " in text.out
    assert "problem(s) found" in text.out and "Step one" not in text.out
    report = cli.fails(1, "--json", "check").json()
    assert report["ok"] is False and report["records"] == 1
    assert report["problems"][0]["id"] == record["id"]
    assert set(report["problems"][0]) == {"kind", "id", "version", "detail"}
    shown = cli.fails(1, "record", "show", record["id"][:8])
    assert record["id"] in shown.err and "damaged" in shown.err
