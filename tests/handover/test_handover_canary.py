"""Leak canary for the handover: secrets appear only in credentials.kdbx and client.sitebook.

Secret canaries go into a password (current and earlier versions), a TOTP
seed, a secret custom field, a licence key and a user template's secret field;
non-secret canaries into a plain custom field and access notes. After an
export every byte the test left on disk is scanned (the package, the temp and
Sitebook folders; the PDF's text through pdftotext, since its streams are
compressed): secrets appear nowhere but in the two protected files and the
source vault, and the non-secret canaries *do* appear in the site, the search
index and records.json, so the scan is not blind.
"""

from __future__ import annotations

import secrets
import shutil
import subprocess
from pathlib import Path

from tests.conftest import SitebookDirs
from tests.handover.conftest import HANDOVER_PASSPHRASE, KDF, build_source
from tests.reliability.canary import files_under, mark, scan
from vault.handover import export_handover


def _base32_mark() -> str:
    return "".join(secrets.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") for _ in range(32))


def test_secrets_stay_in_the_protected_files(tmp_path: Path, sitebook_dirs: SitebookDirs) -> None:
    secret = {
        "password": mark("password"),
        "password_old": mark("oldpassword"),
        "seed": _base32_mark(),
        "secret_custom": mark("secretcustom"),
        "license": mark("licence"),
    }
    plain = {"plain_custom": mark("plaincustom"), "note": mark("accessnote")}
    source = build_source(tmp_path / "source.sitebook", marks={**secret, **plain})
    job_key = mark("templatesecret")
    source.vault.update_record(source.ids["job"], fields={"encryption_key": job_key})
    secret["job"] = job_key
    out = tmp_path / "package"
    export_handover(
        source.vault, "Contoso Dental", out, passphrase=HANDOVER_PASSPHRASE, kdf_params=KDF
    )
    source.vault.close()

    protected = [out / "credentials.kdbx", out / "client.sitebook"]
    vault_files = [tmp_path / f"source.sitebook{s}" for s in ("", "-wal", "-shm")]
    files = files_under([tmp_path, *sitebook_dirs.roots()], exclude=[*protected, *vault_files])
    assert len(files) > 20
    if shutil.which("pdftotext"):
        text = tmp_path / "handover-pdf.txt"
        subprocess.run(["pdftotext", str(out / "handover.pdf"), str(text)], check=True)
        files.append(text)
        assert plain["note"] in text.read_text(encoding="utf-8")
    assert scan(secret.values(), files) == []
    for path in protected:  # the secrets are really in the protected files, just not in clear
        assert scan(secret.values(), [path]) == []

    found = {
        Path(f).relative_to(out).as_posix() for _m, f in scan(plain.values(), files_under([out]))
    }
    assert {"records.json", "site/assets/search-index.js"} <= found
    assert f"site/records/{source.ids['cred']}.html" in found
    assert f"site/records/{source.ids['site']}.html" in found
