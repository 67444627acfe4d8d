"""Password hashes: salted, counted rounds kept in the hash, and the hashes of older state folders still verify."""

from __future__ import annotations

import hashlib

from mocks.core import security


def test_a_hash_is_salted_and_verifies_only_its_password() -> None:
    first, second = security.hash_password("Matkhau@2024"), security.hash_password("Matkhau@2024")
    assert first != second and "Matkhau@2024" not in first
    assert security.verify_password("Matkhau@2024", first) and security.verify_password("Matkhau@2024", second)
    assert not security.verify_password("Matkhau@2025", first)


def test_a_hash_keeps_its_rounds_so_a_change_of_the_count_keeps_old_hashes() -> None:
    salt = bytes(range(16))
    older = hashlib.pbkdf2_hmac("sha256", b"Matkhau@2024", salt, 20_000).hex()
    assert security.PBKDF2_ITERATIONS != 20_000
    assert security.verify_password("Matkhau@2024", f"pbkdf2_sha256$20000${salt.hex()}${older}")
    # the officers' hashes of state folders written before the emulators shared one module
    assert security.verify_password("Matkhau@2024", f"pbkdf2$20000${salt.hex()}${older}")
    assert not security.verify_password("Matkhau@2025", f"pbkdf2$20000${salt.hex()}${older}")


def test_a_malformed_hash_or_password_is_refused_not_raised() -> None:
    good = security.hash_password("Matkhau@2024")
    for stored in ("", "plain", "md5$1$00$00", "pbkdf2_sha256$many$00$00", "pbkdf2_sha256$10$zz$00"):
        assert not security.verify_password("Matkhau@2024", stored)
    assert not security.verify_password("\ud800", good)          # a lone surrogate cannot be encoded
