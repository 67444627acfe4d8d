"""Password hashes: salted, counted rounds kept in the hash, and the hashes of older state folders still verify."""

from __future__ import annotations

import hashlib

from mocks.core import security


def test_a_hash_is_salted_and_verifies_only_its_password() -> None:
    first, second = security.hash_password("Matkhau@2024"), security.hash_password("Matkhau@2024")
    assert first != second and "Matkhau@2024" not in first
    assert security.verify_password("Matkhau@2024", first) and security.verify_password("Matkhau@2024", second)
    assert not security.verify_password("Matkhau@2025", first)


def older_hash(password: str, *, scheme: str = "pbkdf2_sha256", rounds: int = security.PBKDF2_ITERATIONS * 20) -> str:
    """A hash as an older state folder holds it: another count (20,000 then), or the officers' former scheme."""
    salt = bytes(range(16))
    return f"{scheme}${rounds}${salt.hex()}${hashlib.pbkdf2_hmac('sha256', password.encode(), salt, rounds).hex()}"


def test_a_hash_keeps_its_rounds_so_a_change_of_the_count_keeps_old_hashes() -> None:
    for stored in (older_hash("Matkhau@2024"), older_hash("Matkhau@2024", scheme="pbkdf2")):
        assert security.verify_password("Matkhau@2024", stored)
        assert not security.verify_password("Matkhau@2025", stored)
        assert security.needs_rehash(stored)
    assert not security.needs_rehash(security.hash_password("Matkhau@2024"))


def test_a_malformed_hash_or_password_is_refused_not_raised() -> None:
    good = security.hash_password("Matkhau@2024")
    for stored in ("", "plain", "md5$1$00$00", "pbkdf2_sha256$many$00$00", "pbkdf2_sha256$10$zz$00",
                   "pbkdf2$99999999999999999999$00$aa",     # a count no C integer holds
                   "pbkdf2$1$00$\u00e9",                     # a digest that is not ASCII
                   "pbkdf2_sha256$0$00$00", f"pbkdf2_sha256${security.MAX_ITERATIONS + 1}$00$00", None, 42):
        assert not security.verify_password("Matkhau@2024", stored), stored
    assert not security.verify_password("\ud800", good)          # a lone surrogate cannot be encoded
