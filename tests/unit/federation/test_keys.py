"""Key files: written with the right modes, never overwritten by accident, read with clear
errors."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from hypothesis import given
from hypothesis import strategies as st

from cta.federation.errors import KeyFileError
from cta.federation.keys import (
    VerifyingKey,
    generate_private_key,
    key_files,
    load_private_key,
    load_public_key,
    parse_public_key,
    public_key_text,
    write_key_pair,
)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_key_pair_round_trips_through_its_files(tmp_path: Path) -> None:
    key = generate_private_key()
    files = key_files(tmp_path / "keys", "GEO")
    write_key_pair(key, files)
    assert files.private.name == "GEO.key" and files.public.name == "GEO.pub"
    assert files.private.read_text().startswith("-----BEGIN PRIVATE KEY-----")
    assert mode(files.private) == 0o600
    assert mode(files.private.parent) == 0o700
    loaded = load_private_key(files.private)
    assert public_key_text(loaded) == public_key_text(key)
    assert public_key_text(load_public_key(files.public)) == public_key_text(key)
    assert loaded.sign(b"x") == key.sign(b"x")


def test_the_public_key_is_44_characters_of_base64() -> None:
    text = public_key_text(generate_private_key().public_key())
    assert len(text) == 44 and text.endswith("=")
    assert public_key_text(parse_public_key(text)) == text


def test_an_existing_key_is_kept_unless_forced(tmp_path: Path) -> None:
    files = key_files(tmp_path, "ARM")
    first = generate_private_key()
    write_key_pair(first, files)
    with pytest.raises(KeyFileError, match=r"exists.*--force"):
        write_key_pair(generate_private_key(), files)
    assert public_key_text(load_private_key(files.private)) == public_key_text(first)
    second = generate_private_key()
    write_key_pair(second, files, force=True)
    assert public_key_text(load_private_key(files.private)) == public_key_text(second)
    assert mode(files.private) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ARM.key", "ARM.pub"]  # no leftovers


def test_a_missing_key_file_says_how_to_make_one(tmp_path: Path) -> None:
    with pytest.raises(KeyFileError, match="cta keys init"):
        load_private_key(tmp_path / "GEO.key")


def test_a_private_key_readable_by_others_is_refused(tmp_path: Path) -> None:
    files = key_files(tmp_path, "GEO")
    write_key_pair(generate_private_key(), files)
    files.private.chmod(0o644)
    with pytest.raises(KeyFileError, match=r"mode 0644.*chmod 600"):
        load_private_key(files.private)


def write_private(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    path.chmod(0o600)
    return path


def test_a_file_that_is_not_pem_is_refused(tmp_path: Path) -> None:
    with pytest.raises(KeyFileError, match="not a PEM private key"):
        load_private_key(write_private(tmp_path / "k", b"hello"))


def test_a_key_of_another_kind_is_refused(tmp_path: Path) -> None:
    pem = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )  # fmt: skip
    with pytest.raises(KeyFileError, match="not an Ed25519 key"):
        load_private_key(write_private(tmp_path / "k", pem))


def test_an_encrypted_key_is_refused_with_the_reason(tmp_path: Path) -> None:
    pem = generate_private_key().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"secret"),
    )  # fmt: skip
    with pytest.raises(KeyFileError, match="encrypted"):
        load_private_key(write_private(tmp_path / "k", pem))


@pytest.mark.parametrize(
    ("text", "words"), [("not base64!", "not base64"), ("c2hvcnQ=", "5 bytes")]
)
def test_a_bad_public_key_text_says_what_is_wrong(text: str, words: str) -> None:
    with pytest.raises(KeyFileError, match=words):
        parse_public_key(text)


def test_a_public_key_file_with_garbage_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "GEO.pub"
    path.write_text("garbage!\n")
    with pytest.raises(KeyFileError, match=r"GEO\.pub: public key is not base64"):
        load_public_key(path)


# RFC 8032 §7.1, TEST 1 (the empty message) and TEST 2 (one byte)
RFC_8032 = [
    ("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
     "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9"
     "b46bd25bf5f0595bbe24655141438e7a100b"),
    ("3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
     "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f1"
     "1d8c387b2eaeb4302aeeb00d291612bb0c00"),
]  # fmt: skip


@pytest.mark.parametrize(("public", "message", "signature"), RFC_8032)
def test_the_verifying_key_accepts_rfc_8032s_test_vectors(
    public: str, message: str, signature: str
) -> None:
    key = VerifyingKey(bytes.fromhex(public))
    key.verify(bytes.fromhex(signature), bytes.fromhex(message))
    with pytest.raises(InvalidSignature):
        key.verify(bytes.fromhex(signature), bytes.fromhex(message) + b"\x00")


def test_the_verifying_key_accepts_what_cryptography_signs_and_nothing_else() -> None:
    key, other = generate_private_key(), generate_private_key()
    public = parse_public_key(public_key_text(key))
    message = "GEO 1 CrossingRecorded ✓".encode()
    signature = key.sign(message)
    public.verify(signature, message)
    refused = [
        signature[:63],  # one byte short: the message must not be read as its last byte
        signature + b"\x00",
        signature[:-1] + bytes([signature[-1] ^ 1]),
        bytes([signature[0] ^ 0x80]) + signature[1:],
        other.sign(message),
        b"\x00" * 64,
    ]  # fmt: skip
    for bad in refused:
        with pytest.raises(InvalidSignature):
            public.verify(bad, message)
    with pytest.raises(InvalidSignature):
        public.verify(signature[:63], bytes([signature[63]]) + message)


@given(message=st.binary(max_size=300), flip=st.integers(0, 64 * 8 - 1))
def test_libsodium_and_openssl_agree_on_signatures_and_on_a_bit_flipped(
    message: bytes, flip: int
) -> None:
    signature = _KEY.sign(message)
    _PUBLIC.verify(signature, message)  # libsodium accepts what OpenSSL signed
    _KEY.public_key().verify(signature, message)
    tampered = bytearray(signature)
    tampered[flip // 8] ^= 1 << (flip % 8)
    with pytest.raises(InvalidSignature):
        _PUBLIC.verify(bytes(tampered), message)
    with pytest.raises(InvalidSignature):
        _KEY.public_key().verify(bytes(tampered), message)


_KEY = generate_private_key()
_PUBLIC = parse_public_key(public_key_text(_KEY))
