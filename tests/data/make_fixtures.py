"""Regenerate the vault fixtures in tests/data (run by hand; the files are committed).

Each ``Broken*`` file has one named defect and a test in
``tests/vault/test_broken_fixtures.py`` that expects a clear rejection.
Usage: ``python -m tests.data.make_fixtures``.
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

from crypto import recovery
from crypto.kdf import KdfParams
from vault import Vault, schema

HERE = Path(__file__).parent
PASSPHRASE = "fixture passphrase"
FIRST_CLIENT_RECORD = (
    "(SELECT r.id FROM records r JOIN scopes s ON s.id = r.scope_id "
    "WHERE s.kind = 'client' ORDER BY r.rowid LIMIT 1)"
)


def _plain(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = DELETE")
    return conn


def _good(path: Path) -> dict[str, str]:
    for stale in HERE.glob(path.name + "*"):
        stale.unlink()
    vault, _key = Vault.create(
        path,
        name="Fixture IT",
        owner="Fixture Owner",
        passphrase=PASSPHRASE,
        kdf_params=KdfParams(),
    )
    client = vault.add_client("Fixture Client")
    ids = {}
    for n in range(3):
        ids[f"record{n}"] = vault.add_record(
            client.id, "credential", f"Account {n}", {"username": f"user{n}", "password": f"pw-{n}"}
        ).id
    vault.close()
    conn = _plain(path)
    conn.close()
    return ids


def main() -> None:
    good = HERE / "GoodSmall.sitebook"
    ids = _good(good)
    (HERE / "GoodSmall.ids").write_text("\n".join(ids.values()) + "\n")

    (HERE / "BrokenEmpty.sitebook").write_bytes(b"")
    (HERE / "BrokenNotAVault.sitebook").write_text("This is a shopping list, not a vault.\n")
    other = HERE / "BrokenOtherSqlite.sitebook"
    other.unlink(missing_ok=True)
    conn = _plain(other)
    conn.execute("CREATE TABLE notes (body TEXT)")
    conn.close()

    def variant(name: str, *statements: str) -> Path:
        target = HERE / name
        shutil.copyfile(good, target)
        conn = _plain(target)
        for statement in statements:
            conn.execute(statement)
        conn.close()
        return target

    variant(
        "BrokenNewerFormat.sitebook",
        f"PRAGMA user_version = {schema.pack_version(schema.FORMAT_MAJOR + 1, 0)}",
    )
    variant("BrokenHeaderNoVaultId.sitebook", "DELETE FROM meta WHERE key = 'vault_id'")
    variant("BrokenHeaderNoMembers.sitebook", "DELETE FROM members")
    variant(
        "BrokenHeaderHostileKdf.sitebook",
        """UPDATE members SET kdf = '{"alg":"argon2id","m":4294967296,"t":4294967296,"p":4}'""",
    )
    variant("BrokenHeaderTablesMissing.sitebook", "DROP TABLE scopes")
    # Both damage the first record written (ids["record0"]).
    variant(
        "BrokenRecordCiphertext.sitebook",
        "UPDATE versions SET body = substr(body, 1, 20) || zeroblob(1) || substr(body, 22) "
        "WHERE record_id = " + FIRST_CLIENT_RECORD,
    )
    variant(
        "BrokenRecordSignature.sitebook",
        "UPDATE versions SET author = (SELECT id FROM scopes LIMIT 1) "
        "WHERE record_id = " + FIRST_CLIENT_RECORD,
    )
    (HERE / "BrokenWrongPassphrase.txt").write_text("fixture passphrasE\n")
    (HERE / "BrokenWrongRecoveryKey.txt").write_text(recovery.generate() + "\n")
    key = recovery.generate()
    typo = key[:7] + ("X" if key[7] != "X" else "Y") + key[8:]
    (HERE / "BrokenRecoveryKeyTypo.txt").write_text(typo + "\n")


if __name__ == "__main__":
    main()
