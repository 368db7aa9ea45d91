"""KeePass databases (``kdbx``): KDBX 3.1 and 4, opened with pykeepass.

The file is opened with its password and/or key file; its decrypted XML is
then read exactly like a KeePass XML export (see :mod:`importers.keepass_xml`
for the mapping), with KDBX 4's attachments taken from the inner header.

Before pykeepass touches the file, the outer header is read here and its key
derivation cost checked: a hostile file declaring terabytes of Argon2 memory
or 2^64 AES rounds is refused with a clear message instead of exhausting the
machine. KeePass 1 ``.kdb`` files are refused (open them in KeePassXC and save
as KDBX).
"""

from __future__ import annotations

import hashlib
import io
import logging
import struct
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from importers.base import ImportOptions, Parsed
from importers.gcpause import pausing
from importers.inputs import Budget, parse_xml, read_bytes
from importers.keepass_xml import PREFIX, read_tree
from importers.registry import Format, Probe
from vault.errors import ImportInputError

NAME = "kdbx"
SIGNATURE = b"\x03\xd9\xa2\x9a"
KDBX2_SIG = b"\x67\xfb\x4b\xb5"
KDB1_SIG = b"\x65\xfb\x4b\xb5"

AES_KDF_UUID = bytes.fromhex("c9d9f39a628a4460bf740d08c18a4fea")
MAX_AES_ROUNDS = 1_000_000_000
MAX_ARGON2_BYTES = 4 * 1024 * 1024 * 1024
MAX_ARGON2_ITERATIONS = 10_000
MAX_ARGON2_LANES = 256
MAX_ARGON2_WORK = 256 * 1024 * 1024 * 1024  # memory bytes x iterations

log = logging.getLogger(__name__)


def _variant_dictionary(data: bytes, file: object) -> dict[str, int | bytes]:
    """Parse a KDBX 4 VariantDictionary (the KDF parameters)."""
    out: dict[str, int | bytes] = {}
    if len(data) < 2:
        raise ImportInputError("has a damaged header (KDF parameters)", file=file)
    pos = 2
    while pos < len(data):
        kind = data[pos]
        pos += 1
        if kind == 0:
            return out
        if pos + 4 > len(data):
            break
        (key_len,) = struct.unpack_from("<i", data, pos)
        pos += 4
        if key_len < 0 or pos + key_len + 4 > len(data):
            break
        key = data[pos : pos + key_len].decode("utf-8", "replace")
        pos += key_len
        (value_len,) = struct.unpack_from("<i", data, pos)
        pos += 4
        if value_len < 0 or pos + value_len > len(data):
            break
        value = data[pos : pos + value_len]
        pos += value_len
        if kind in (0x04, 0x05, 0x0C, 0x0D) and value_len in (4, 8):
            out[key] = int.from_bytes(value, "little")
        else:
            out[key] = value
    raise ImportInputError("has a damaged header (KDF parameters)", file=file)


@dataclass
class Header:
    """What the outer header says: version and, for AES-KDF, its seed and rounds."""

    major: int
    minor: int
    aes_seed: bytes | None = None
    aes_rounds: int | None = None


def check_header(data: bytes, file: object) -> Header:
    """Check the signature and the key-derivation cost; return what the header says.

    Raises:
        ImportInputError: Not a KDBX file, an unsupported version, a damaged
            header, or a key derivation too expensive to attempt.
    """
    if len(data) < 12 or data[:4] != SIGNATURE:
        raise ImportInputError("is not a KeePass database (no KDBX signature)", file=file)
    if data[4:8] == KDB1_SIG:
        raise ImportInputError(
            "is a KeePass 1 (.kdb) database; open it in KeePassXC and save it as KDBX first",
            file=file,
        )
    if data[4:8] != KDBX2_SIG:
        raise ImportInputError("is not a KeePass 2 database (unknown signature)", file=file)
    minor, major = struct.unpack_from("<HH", data, 8)
    if major not in (3, 4):
        raise ImportInputError(
            f"is a KDBX {major}.{minor} database; only 3 and 4 are read", file=file
        )
    header = Header(major, minor)
    pos, size_len = 12, 2 if major == 3 else 4
    while True:
        if pos + 1 + size_len > len(data):
            raise ImportInputError("has a damaged header (it ends early)", file=file)
        field_id = data[pos]
        length = int.from_bytes(data[pos + 1 : pos + 1 + size_len], "little")
        pos += 1 + size_len
        value = data[pos : pos + length]
        if len(value) != length:
            raise ImportInputError("has a damaged header (it ends early)", file=file)
        pos += length
        if field_id == 0:
            break
        if major == 3 and field_id == 5:
            header.aes_seed = value
        if major == 3 and field_id == 6 and length == 8:
            header.aes_rounds = int.from_bytes(value, "little")
            _check_aes_rounds(header.aes_rounds, file)
        if major == 4 and field_id == 11:
            params = _variant_dictionary(value, file)
            rounds, seed = params.get("R"), params.get("S")
            if params.get("$UUID") == AES_KDF_UUID and isinstance(rounds, int):
                _check_aes_rounds(rounds, file)
                if isinstance(seed, bytes):
                    header.aes_seed, header.aes_rounds = seed, rounds
            _check_argon2(params, file)
    return header


def aes_kdf(seed: bytes, rounds: int, composite: bytes) -> bytes:
    """KeePass's AES-KDF, fast: ``rounds`` AES-ECB encryptions of each half of the key.

    Encrypting N zero blocks in CBC mode with the half as IV chains exactly
    those N encryptions (c_i = AES(c_{i-1} xor 0)), so OpenSSL does the loop
    at AES-NI speed instead of one Python call per round (pykeepass's way,
    which takes minutes for databases KeePassXC made).
    """
    chunk_blocks = 65536
    zeros = bytes(16 * chunk_blocks)
    out = b""
    for half in (composite[:16], composite[16:32]):
        encryptor = Cipher(algorithms.AES(seed), modes.CBC(half)).encryptor()
        last, left = half, rounds
        while left:
            count = min(left, chunk_blocks)
            last = encryptor.update(zeros[: 16 * count])[-16:]
            left -= count
        out += last
    return hashlib.sha256(out).digest()


def _check_aes_rounds(rounds: int, file: object) -> None:
    if rounds > MAX_AES_ROUNDS:
        raise ImportInputError(
            f"asks for {rounds:,} AES key-derivation rounds (more than {MAX_AES_ROUNDS:,}); "
            "lower them in KeePassXC (Database settings, Encryption) and try again",
            file=file,
        )


def _check_argon2(params: dict[str, int | bytes], file: object) -> None:
    memory, iterations, lanes = params.get("M"), params.get("I"), params.get("P")
    if not all(isinstance(v, int) for v in (memory, iterations, lanes)):
        return
    assert isinstance(memory, int) and isinstance(iterations, int) and isinstance(lanes, int)
    if (
        memory > MAX_ARGON2_BYTES
        or iterations > MAX_ARGON2_ITERATIONS
        or lanes > MAX_ARGON2_LANES
        or memory * iterations > MAX_ARGON2_WORK
    ):
        raise ImportInputError(
            f"asks for an Argon2 key derivation of {memory // (1024 * 1024):,} MiB x "
            f"{iterations:,} passes x {lanes} lanes, more than this computer should attempt; "
            "lower it in KeePassXC (Database settings, Encryption) and try again",
            file=file,
        )


@pausing
def parse(path: Path, options: ImportOptions) -> Parsed:
    """Open a KDBX 3.1 or 4 database with its password and/or key file and read it.

    Raises:
        ImportInputError: No credentials given, wrong credentials, a damaged or
            hostile file.
    """
    data = read_bytes(path)
    header = check_header(data, path)
    major = header.major
    if options.passphrase is None and options.keyfile is None:
        raise ImportInputError(
            "is a KeePass database; give its password (--kdbx-passphrase-file) "
            "and/or key file (--kdbx-keyfile)",
            file=path,
        )
    keyfile_data = None
    if options.keyfile is not None:
        keyfile_data = read_bytes(Path(options.keyfile), 16 * 1024 * 1024)
    from pykeepass import PyKeePass
    from pykeepass.exceptions import CredentialsError, HeaderChecksumError, PayloadChecksumError
    from pykeepass.kdbx_parsing.common import compute_key_composite

    def keyfile() -> io.BytesIO | None:
        return io.BytesIO(keyfile_data) if keyfile_data is not None else None

    try:
        transformed = None
        if header.aes_seed is not None and header.aes_rounds is not None:
            if len(header.aes_seed) != 32:
                raise ImportInputError("has a damaged header (AES-KDF seed)", file=path)
            composite = compute_key_composite(password=options.passphrase, keyfile=keyfile())
            transformed = aes_kdf(header.aes_seed, header.aes_rounds, composite)
        database = PyKeePass(
            io.BytesIO(data),
            password=options.passphrase,
            keyfile=keyfile(),
            transformed_key=transformed,
        )
    except CredentialsError:
        raise ImportInputError(
            "cannot be opened: the password or key file is wrong", file=path
        ) from None
    except (HeaderChecksumError, PayloadChecksumError):
        raise ImportInputError("is damaged (a checksum does not match)", file=path) from None
    except ImportInputError:
        raise
    except MemoryError:
        raise ImportInputError("needs more memory to open than is available", file=path) from None
    except (
        Exception
    ) as exc:  # pykeepass parses hostile bytes with construct: any error is bad input
        log.debug("pykeepass could not read the database: %s", type(exc).__name__)
        raise ImportInputError(
            f"cannot be read as a KeePass database ({type(exc).__name__})", file=path
        ) from None
    try:
        xml = database.xml()
        binaries = database.binaries if major >= 4 else None
    except Exception as exc:  # as above: damaged content inside a valid container
        raise ImportInputError(f"has damaged content ({type(exc).__name__})", file=path) from None
    budget = Budget()
    root = parse_xml(xml, path)
    by_ref = (
        {str(index): blob for index, blob in enumerate(binaries)} if binaries is not None else None
    )
    return read_tree(root, path, options, format_name=NAME, binaries=by_ref, budget=budget)


def sniff(probe: Probe) -> int:
    """Certain on the KDBX signature."""
    return 100 if probe.head[:4] == SIGNATURE and probe.head[4:8] in (KDBX2_SIG, KDB1_SIG) else 0


FORMAT = Format(
    NAME,
    "KeePass database (KDBX 3.1 / 4)",
    parse,
    sniff,
    prefix=PREFIX,
    description="a KeePass or KeePassXC database, opened with its password and/or key file",
)
