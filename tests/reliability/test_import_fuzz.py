"""Mutation fuzzing of every import format: bad input is refused cleanly, and never half-written.

Each format's fixture is mutated by hypothesis (bytes flipped, inserted,
deleted, duplicated, truncated, structural characters spliced in; for zips,
one member is mutated and the zip rebuilt so the mutation gets past the CRC).
Every mutant must either parse or raise a known error (ImportInputError or
another VaultError): no other exception may escape.

A smaller number of mutants per format is then imported into a real vault
with a failure injected at a random write (a cancel, or a simulated disk
error): the vault must be exactly as before, 0 records written. Mutants that
parse must also import without the vault refusing a value (fitting keeps
every value acceptable).

CI runs 500 parse mutants per format and 20 imports per format; with
``SITEBOOK_RELIABILITY=full`` 5,000 and 200.
"""

from __future__ import annotations

import io
import os
import shutil
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crypto.kdf import KdfParams
from importers import registry
from importers.apply import plan, run_import
from importers.base import ImportOptions
from vault import Vault
from vault.errors import CancelledError, ImportInputError, VaultError

DATA = Path(__file__).resolve().parents[1] / "importers" / "data"
KDBX_PASSWORD = "kdbx fixture password"
FULL = os.environ.get("SITEBOOK_RELIABILITY") == "full"
PARSE_EXAMPLES = 5000 if FULL else 500
IMPORT_EXAMPLES = 200 if FULL else 20

SEEDS = {
    "keepass-xml": "keepass.xml",
    "kdbx": "fuzz.kdbx",
    "bitwarden-json": "bitwarden.json",
    "bitwarden-csv": "bitwarden.csv",
    "1password-1pux": "1password.1pux",
    "1password-csv": "1password.csv",
    "1password-1pif": "data.1pif",
    "lastpass-csv": "lastpass.csv",
    "chrome-csv": "chrome.csv",
    "firefox-csv": "firefox.csv",
    "keepassxc-csv": "keepassxc.csv",
    "dashlane-csv": "dashlane.zip",
    "itglue": "itglue.zip",
    "itflow-csv": "itflow-assets.csv",
    "csv": "generic.csv",
    "markdown": "markdown.zip",
}
SPLICES = [
    b'"',
    b",",
    b";",
    b"\n",
    b"\r\n",
    b"\x00",
    b"\xff\xfe",
    b"<",
    b">",
    b"</",
    b"&amp;",
    b"{",
    b"}",
    b"[",
    b"]",
    b":",
    b"\\",
    b"---\n",
    b"NoteType:",
    b"http://sn",
    b"[[",
    b"](",
    b"otpauth://totp/x?secret=",
    b"\xc3",
    b"\x81",
    b"9" * 40,
    b"-1",
    b"null",
    b"true",
    b'Ref="99"',
    b"<Group>",
    b"DOC-1-2 ",
]


def test_every_format_has_a_seed() -> None:
    assert set(SEEDS) == set(registry.names())


@pytest.fixture(scope="module")
def seeds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """Each format's seed bytes (the KDBX one made here with a cheap KDF and entries)."""
    from pykeepass import PyKeePass

    folder = tmp_path_factory.mktemp("seeds")
    kdbx = folder / "fuzz.kdbx"
    shutil.copyfile(DATA / "empty-kdbx4.kdbx", kdbx)
    database = PyKeePass(str(kdbx), password=KDBX_PASSWORD)
    group = database.add_group(database.root_group, "Servers")
    entry = database.add_entry(group, "Überserver", "admin", "S3cret!", url="https://srv.example")
    entry.set_custom_property("PIN", "1234", protect=True)
    entry.otp = "otpauth://totp/x?secret=JBSWY3DPEHPK3PXP"
    entry.add_attachment(database.add_binary(b"runbook\n"), "runbook.txt")
    database.add_entry(database.root_group, "Printer", "", "", notes="multi\nline")
    database.save()
    out = {}
    for name, file in SEEDS.items():
        source = kdbx if file == "fuzz.kdbx" else DATA / file
        out[name] = source.read_bytes()
    return out


# ---------------------------------------------------------------------- mutations

_mutation = st.one_of(
    st.tuples(st.just("flip"), st.floats(0, 1), st.integers(1, 255)),
    st.tuples(st.just("insert"), st.floats(0, 1), st.binary(min_size=1, max_size=8)),
    st.tuples(st.just("splice"), st.floats(0, 1), st.sampled_from(SPLICES)),
    st.tuples(st.just("delete"), st.floats(0, 1), st.integers(1, 64)),
    st.tuples(st.just("duplicate"), st.floats(0, 1), st.integers(1, 256)),
    st.tuples(st.just("truncate"), st.floats(0, 1), st.just(0)),
)
_mutations = st.lists(_mutation, min_size=1, max_size=4)


def mutate(data: bytes, mutations: list[tuple]) -> bytes:
    """Apply mutations (kind, relative position, argument) to bytes."""
    buffer = bytearray(data)
    for kind, where, argument in mutations:
        at = int(where * len(buffer)) if buffer else 0
        if kind == "flip" and buffer:
            at = min(at, len(buffer) - 1)
            buffer[at] ^= argument
        elif kind in ("insert", "splice"):
            buffer[at:at] = argument
        elif kind == "delete":
            del buffer[at : at + argument]
        elif kind == "duplicate":
            buffer[at:at] = buffer[at : at + argument]
        elif kind == "truncate":
            del buffer[at:]
    return bytes(buffer)


def mutate_zip(data: bytes, member: float, mutations: list[tuple]) -> bytes:
    """Mutate one member of a zip and rebuild it (so the CRC check passes)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        members = [(info.filename, archive.read(info)) for info in archive.infolist()]
    index = min(int(member * len(members)), len(members) - 1)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for number, (name, content) in enumerate(members):
            archive.writestr(name, mutate(content, mutations) if number == index else content)
    return out.getvalue()


@st.composite
def mutants(draw: st.DrawFn, seed: bytes) -> bytes:
    mutations = draw(_mutations)
    if seed.startswith(b"PK") and draw(st.booleans()):
        return mutate_zip(seed, draw(st.floats(0, 1)), mutations)
    return mutate(seed, mutations)


def _options(name: str) -> ImportOptions:
    return ImportOptions(passphrase=KDBX_PASSWORD if name == "kdbx" else None)


def _suffix(name: str) -> str:
    return Path(SEEDS[name]).suffix


def parse_or_refuse(name: str, path: Path):
    """Parse a mutant; known errors are fine (returns None), anything else escapes."""
    try:
        return registry.get(name).parse(path, _options(name))
    except (ImportInputError, VaultError):
        return None


# ---------------------------------------------------------------------- parse-only fuzzing


@pytest.mark.parametrize("name", sorted(SEEDS))
def test_mutants_parse_or_are_refused(name: str, seeds: dict[str, bytes], tmp_path: Path) -> None:
    target = tmp_path / f"mutant{_suffix(name)}"

    @settings(
        max_examples=PARSE_EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(data=mutants(seeds[name]))
    def check(data: bytes) -> None:
        target.write_bytes(data)
        parse_or_refuse(name, target)

    check()


# ---------------------------------------------------------------------- import under failure


@pytest.fixture(scope="module")
def fuzz_vault(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Vault]:
    path = tmp_path_factory.mktemp("fuzzvault") / "fuzz.sitebook"
    vault, _ = Vault.create(
        path,
        name="Fuzz",
        owner="Fuzzer",
        passphrase="fuzz passphrase",
        kdf_params=KdfParams(memory_kib=64 * 1024, iterations=3, lanes=4),
    )
    vault.add_client("Fuzz client")
    yield vault
    vault.close()


def _snapshot(vault: Vault) -> tuple:
    conn = vault._conn
    return (
        vault.high_water_mark(),
        conn.execute("SELECT count(*) FROM versions").fetchone()[0],
        conn.execute("SELECT count(*) FROM attachments").fetchone()[0],
        conn.execute("SELECT count(*) FROM scopes").fetchone()[0],
    )


@pytest.mark.parametrize("name", sorted(SEEDS))
def test_a_failed_import_writes_nothing(
    name: str, seeds: dict[str, bytes], fuzz_vault: Vault, tmp_path: Path, monkeypatch
) -> None:
    target = tmp_path / f"mutant{_suffix(name)}"

    @settings(
        max_examples=IMPORT_EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(
        data=st.one_of(st.just(seeds[name]), mutants(seeds[name])),
        fail_at=st.floats(0, 1),
        how=st.sampled_from(["cancel", "disk"]),
    )
    def check(data: bytes, fail_at: float, how: str) -> None:
        target.write_bytes(data)
        parsed = parse_or_refuse(name, target)
        if parsed is None:
            return
        before = _snapshot(fuzz_vault)
        total = plan(fuzz_vault, parsed, client="Fuzz client").total
        if total == 0:
            run_import(fuzz_vault, parsed, client="Fuzz client")
            assert _snapshot(fuzz_vault)[1:] == before[1:]
            return
        stop = min(int(fail_at * total), total - 1)
        ticks = {"n": 0}

        def cancel() -> bool:
            ticks["n"] += 1
            return how == "cancel" and ticks["n"] > stop

        def progress(done: int, _total: int) -> None:
            if how == "disk" and done > stop:
                raise VaultError("disk full (injected)")

        with pytest.raises((CancelledError, VaultError)):
            run_import(fuzz_vault, parsed, client="Fuzz client", cancel=cancel, progress=progress)
        assert _snapshot(fuzz_vault) == before, "a failed import left something behind"
        assert [c.name for c in fuzz_vault.clients()] == ["Fuzz client"]

    check()


@pytest.mark.parametrize("name", sorted(SEEDS))
def test_parsed_mutants_import_without_the_vault_refusing_a_value(
    name: str, seeds: dict[str, bytes], tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Whatever parses must fit: a ValidationError here would mean data left behind."""
    folder = tmp_path_factory.mktemp(f"fit-{name}")
    target = folder / f"mutant{_suffix(name)}"
    vault, _ = Vault.create(
        folder / "v.sitebook",
        name="Fit",
        owner="Fitter",
        passphrase="fit passphrase",
        kdf_params=KdfParams(memory_kib=64 * 1024, iterations=3, lanes=4),
    )
    try:

        @settings(
            max_examples=IMPORT_EXAMPLES // 2,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        )
        @given(data=mutants(seeds[name]))
        def check(data: bytes) -> None:
            target.write_bytes(data)
            parsed = parse_or_refuse(name, target)
            if parsed is not None:
                run_import(vault, parsed)

        check()
    finally:
        vault.close()
