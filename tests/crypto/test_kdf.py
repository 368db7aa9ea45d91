"""Argon2id: the RFC 9106 known answer, and our bounds-checked wrapper in crypto.kdf."""

from __future__ import annotations

import json
import time

import pytest
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id
from hypothesis import given, settings
from hypothesis import strategies as st

from crypto import kdf
from crypto.errors import KdfParamsError
from crypto.kdf import KdfParams, calibrate, derive_key

# Smallest parameters the bounds allow: keeps the wrapper tests fast.
CHEAP = KdfParams(memory_kib=kdf.MIN_MEMORY_KIB, iterations=1, lanes=1)
SALT = bytes(range(16))


def test_rfc9106_argon2id_known_answer() -> None:
    # RFC 9106 section 5.3: Argon2id, version 0x13, with secret and associated data.
    tag = Argon2id(
        salt=b"\x02" * 16,
        length=32,
        iterations=3,
        lanes=4,
        memory_cost=32,
        ad=b"\x04" * 12,
        secret=b"\x03" * 8,
    ).derive(b"\x01" * 32)
    assert tag.hex() == "0d640df58d78766c08c037a34a8b53c9d01ef0452d75b65eb52520e96b01e659"


def test_rfc9106_vector_fails_without_secret_and_ad() -> None:
    # The secret and associated data really are part of the computation.
    tag = Argon2id(salt=b"\x02" * 16, length=32, iterations=3, lanes=4, memory_cost=32).derive(
        b"\x01" * 32
    )
    assert tag.hex() != "0d640df58d78766c08c037a34a8b53c9d01ef0452d75b65eb52520e96b01e659"


def test_derive_key_pinned_output() -> None:
    # Stored vaults depend on this exact mapping (UTF-8 passphrase, 32-byte output).
    key = derive_key("correct horse battery staple", SALT, CHEAP)
    assert key.hex() == "be11a00f0f5e3ac386a81f7801231ddb4433b15ae8e8c1d63117830492f8cb38"


def test_same_passphrase_and_salt_give_same_key() -> None:
    first = derive_key("passphrase", SALT, CHEAP)
    assert len(first) == kdf.KEY_LENGTH == 32
    assert derive_key("passphrase", SALT, CHEAP) == first
    assert derive_key(b"passphrase", SALT, CHEAP) == first


def test_different_salt_passphrase_or_params_give_different_keys() -> None:
    base = derive_key("passphrase", SALT, CHEAP)
    assert derive_key("passphrase", bytes(16), CHEAP) != base
    assert derive_key("passphrasf", SALT, CHEAP) != base
    assert derive_key("passphrase", SALT, KdfParams(kdf.MIN_MEMORY_KIB, 2, 1)) != base


def test_non_ascii_passphrase_is_utf8() -> None:
    assert derive_key("pässwörd", SALT, CHEAP) == derive_key("pässwörd".encode(), SALT, CHEAP)


def test_short_salt_rejected() -> None:
    with pytest.raises(KdfParamsError, match="salt"):
        derive_key("passphrase", b"\0" * 15, CHEAP)


HOSTILE_PARAMS = [
    pytest.param({"memory_kib": 4 * 1024**3}, id="memory-4TiB"),
    pytest.param({"memory_kib": kdf.MAX_MEMORY_KIB + 1}, id="memory-over-2GiB"),
    pytest.param({"memory_kib": kdf.MIN_MEMORY_KIB - 1}, id="memory-under-16MiB"),
    pytest.param({"memory_kib": 0}, id="memory-zero"),
    pytest.param({"memory_kib": -1}, id="memory-negative"),
    pytest.param({"memory_kib": 65536.0}, id="memory-float"),
    pytest.param({"memory_kib": "65536"}, id="memory-string"),
    pytest.param({"iterations": 0}, id="passes-zero"),
    pytest.param({"iterations": 11}, id="passes-eleven"),
    pytest.param({"iterations": 2**64}, id="passes-huge"),
    pytest.param({"iterations": True}, id="passes-bool"),
    pytest.param({"lanes": 0}, id="lanes-zero"),
    pytest.param({"lanes": 17}, id="lanes-seventeen"),
    pytest.param({"lanes": None}, id="lanes-none"),
]


@pytest.mark.parametrize("change", HOSTILE_PARAMS)
def test_out_of_bounds_params_rejected_before_allocating(
    change: dict[str, object], monkeypatch: pytest.MonkeyPatch
) -> None:
    def must_not_run(*args: object, **kwargs: object) -> None:
        raise AssertionError("Argon2id was called with out-of-bounds parameters")

    monkeypatch.setattr(kdf, "Argon2id", must_not_run)
    params = KdfParams(**change)  # type: ignore[arg-type]
    start = time.perf_counter()
    with pytest.raises(KdfParamsError):
        params.check()
    with pytest.raises(KdfParamsError):
        derive_key("passphrase", SALT, params)
    assert time.perf_counter() - start < 0.5


def test_bounds_themselves_are_accepted() -> None:
    for params in (
        KdfParams(kdf.MIN_MEMORY_KIB, kdf.MIN_ITERATIONS, kdf.MIN_LANES),
        KdfParams(kdf.MAX_MEMORY_KIB, kdf.MAX_ITERATIONS, kdf.MAX_LANES),
        KdfParams(),
    ):
        assert params.check() is params


def test_defaults_match_design() -> None:
    params = KdfParams()
    assert (params.memory_kib, params.iterations, params.lanes) == (64 * 1024, 3, 4)


def test_json_round_trip() -> None:
    params = KdfParams(memory_kib=256 * 1024, iterations=4, lanes=2)
    text = params.to_json()
    assert json.loads(text) == {"alg": "argon2id", "m": 262144, "t": 4, "p": 2}
    assert KdfParams.from_json(text) == params
    assert KdfParams.from_json(text.encode()) == params


GARBAGE_JSON = [
    pytest.param("", id="empty"),
    pytest.param("not json", id="not-json"),
    pytest.param(b"\xff\xfe\x00", id="not-utf8"),
    pytest.param("null", id="null"),
    pytest.param("[]", id="list"),
    pytest.param('"argon2id"', id="string"),
    pytest.param("{}", id="empty-object"),
    pytest.param('{"alg": "argon2i", "m": 65536, "t": 3, "p": 4}', id="wrong-alg"),
    pytest.param('{"alg": "scrypt", "n": 16384}', id="other-kdf"),
    pytest.param('{"alg": "argon2id", "m": 65536, "t": 3}', id="missing-lanes"),
    pytest.param('{"alg": "argon2id", "m": 4294967296, "t": 3, "p": 4}', id="memory-4TiB"),
    pytest.param('{"alg": "argon2id", "m": 65536, "t": 1000000, "p": 4}', id="passes-million"),
    pytest.param('{"alg": "argon2id", "m": 65536, "t": 3, "p": 255}', id="lanes-255"),
    pytest.param('{"alg": "argon2id", "m": -65536, "t": 3, "p": 4}', id="memory-negative"),
    pytest.param('{"alg": "argon2id", "m": 1e400, "t": 3, "p": 4}', id="memory-infinite"),
    pytest.param('{"alg": "argon2id", "m": NaN, "t": 3, "p": 4}', id="memory-nan"),
    pytest.param('{"alg": "argon2id", "m": "65536", "t": 3, "p": 4}', id="memory-string"),
    pytest.param('{"alg": "argon2id", "m": 65536, "t": true, "p": 4}', id="passes-bool"),
    pytest.param('{"alg": "argon2id", "m": [65536], "t": 3, "p": 4}', id="memory-list"),
    pytest.param('{"alg": "argon2id", "m": ' + "9" * 5000 + ', "t": 3, "p": 4}', id="huge-int"),
    pytest.param("[" * 100_000, id="deeply-nested"),
]


@pytest.mark.parametrize("text", GARBAGE_JSON)
def test_hostile_or_garbage_json_rejected(text: str | bytes) -> None:
    with pytest.raises(KdfParamsError):
        KdfParams.from_json(text)


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        st.text(max_size=200),
        st.dictionaries(
            st.sampled_from(["alg", "m", "t", "p", "x"]),
            st.one_of(
                st.integers(),
                st.floats(),
                st.text(max_size=10),
                st.booleans(),
                st.none(),
                st.just("argon2id"),
            ),
        ).map(json.dumps),
    )
)
def test_from_json_only_ever_returns_checked_params_or_kdf_error(text: str) -> None:
    try:
        params = KdfParams.from_json(text)
    except KdfParamsError:
        return
    assert kdf.MIN_MEMORY_KIB <= params.memory_kib <= kdf.MAX_MEMORY_KIB
    assert kdf.MIN_ITERATIONS <= params.iterations <= kdf.MAX_ITERATIONS
    assert kdf.MIN_LANES <= params.lanes <= kdf.MAX_LANES


def test_calibrate_never_goes_below_the_floor() -> None:
    params = calibrate(target_seconds=0.05)
    assert params.check() is params
    assert params.memory_kib >= kdf.FLOOR_MEMORY_KIB
    assert params.memory_kib <= kdf.CALIBRATION_CAP_KIB
    assert params.memory_kib % 1024 == 0
    assert (params.iterations, params.lanes) == (kdf.DEFAULT_ITERATIONS, kdf.DEFAULT_LANES)
