"""Staff passwords are hashed with scrypt: salted, parameters kept with the hash, verified in
constant time, and a missing hash costs the same work as a real one."""

from __future__ import annotations

import pytest

from cta.services.passwords import MIN_LENGTH, PasswordError, hash_password, verify_password

FAST = {"n": 2**10, "r": 8, "p": 1}  # the tests' cost; the node's default is 2**15


def test_the_right_password_verifies_and_a_wrong_one_does_not() -> None:
    stored = hash_password("correct horse battery", **FAST)
    assert verify_password("correct horse battery", stored)
    assert not verify_password("correct horse batterY", stored)
    assert not verify_password("", stored)


def test_the_stored_form_names_scrypt_and_its_parameters_and_never_the_password() -> None:
    stored = hash_password("correct horse battery")
    scheme, n, r, p, salt, digest = stored.split("$")
    assert (scheme, n, r, p) == ("scrypt", str(2**15), "8", "1")  # 32 MiB a guess
    assert "correct" not in stored and len(salt) >= 21 and len(digest) >= 42


def test_the_same_password_hashes_differently_each_time() -> None:
    assert hash_password("correct horse battery", **FAST) != hash_password(
        "correct horse battery", **FAST)


def test_old_parameters_still_verify_after_they_are_raised() -> None:
    stored = hash_password("correct horse battery", n=2**11, r=4, p=2)
    assert verify_password("correct horse battery", stored)


def test_no_stored_hash_and_a_damaged_one_verify_nothing() -> None:
    assert not verify_password("anything at all", None)
    assert not verify_password("anything at all", "scrypt$1$2$3$!!$!!")
    assert not verify_password("anything at all", "md5$abc")


@pytest.mark.parametrize("password", ["", "x" * (MIN_LENGTH - 1), "y" * 201])
def test_too_short_or_too_long_a_password_is_refused(password: str) -> None:
    with pytest.raises(PasswordError):
        hash_password(password)


@pytest.mark.parametrize("password", ["long enough\tbut tabbed", "long enough\x00with NUL",
                                      "\x1b[31mlong enough red", "long enough \ud800 half"])
def test_a_password_with_a_control_character_or_half_a_surrogate_pair_is_refused(
    password: str,
) -> None:
    """No sign-in form can type them (the sweep set one with an escape sequence from a pipe)."""
    with pytest.raises(PasswordError, match="control characters"):
        hash_password(password)


def test_letters_of_every_script_and_spaces_make_a_password() -> None:
    stored = hash_password("Ծաղիկ ყვავილი Çiçək цветок")
    assert verify_password("Ծաղիկ ყვავილი Çiçək цветок", stored)
