"""Secrets at rest: salted password hashes, digests of bearer values, one-time codes."""

from __future__ import annotations

import functools
import hashlib
import hmac
import re
import secrets

# PBKDF2 rounds. The emulators' accounts hold test data, never a real secret, and every log-in checks one hash:
# at 20,000 rounds (5 ms) hashing was the largest share of a VNeID log-in's CPU, so a load measured the emulator's
# hashing more than the portal. The count is kept in each hash: a hash of an older state folder still verifies, and
# is written again at today's count at its next right password (`needs_rehash`), which also keeps an unknown name's
# decoy as slow as a known one's.
PBKDF2_ITERATIONS = 1_000
MAX_ITERATIONS = 1_000_000          # a stored count beyond this is a corrupt row, not a hash to spend minutes on
# The officers' hashes of state folders written before the emulators shared this module.
LEGACY_SCHEMES = ("pbkdf2",)


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    dk = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, PBKDF2_ITERATIONS)
    return f"pbkdf2_sha256${PBKDF2_ITERATIONS}${salt.hex()}${dk.hex()}"


def verify_password(password: str, stored: object) -> bool:
    """Whether `password` is the one `stored` hashes; a malformed or corrupt stored value is simply no match."""
    try:
        scheme, iterations, salt, expected = str(stored).split("$")
        rounds = int(iterations)
        if (scheme != "pbkdf2_sha256" and scheme not in LEGACY_SCHEMES) or not 1 <= rounds <= MAX_ITERATIONS:
            return False
        dk = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), bytes.fromhex(salt), rounds)
        return hmac.compare_digest(dk.hex(), expected)
    except (ValueError, TypeError, UnicodeEncodeError, OverflowError):
        return False


def needs_rehash(stored: str) -> bool:
    """A hash of another scheme or count than today's (an older state folder's): hash the password again."""
    return not str(stored).startswith(f"pbkdf2_sha256${PBKDF2_ITERATIONS}$")


@functools.cache
def decoy_hash() -> str:
    """A hash to check a password against when the user name is unknown: the answer takes as long either way."""
    return hash_password(secrets.token_urlsafe(16))


def digest(value: str) -> str:
    """What we keep of a random bearer value (code, token, client secret): its SHA-256."""
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def same_digest(value: str, stored: str) -> bool:
    return hmac.compare_digest(digest(value), stored)


def new_otp() -> str:
    return f"{secrets.randbelow(1_000_000):06d}"


class WeakPassword(ValueError):
    """A password the rule refuses; `field` is the form control it concerns."""

    def __init__(self, code: str, vi: str, en: str, field: str) -> None:
        super().__init__(en)
        self.code, self.vi, self.en, self.field = code, vi, en, field


def check_new_password(password: object, confirm: str | None = None) -> None:
    """At least 8 characters (at most 128), letters and digits; `confirm`, when given, the same."""
    if not isinstance(password, str) or len(password) < 8:
        raise WeakPassword("WEAK_PASSWORD", "Mật khẩu phải có ít nhất 8 ký tự, gồm cả chữ và số.",
                           "The password needs at least 8 characters with letters and digits.", "password")
    if len(password) > 128:
        raise WeakPassword("WEAK_PASSWORD", "Mật khẩu dài quá 128 ký tự.",
                           "The password is longer than 128 characters.", "password")
    if not re.search(r"[^\W\d_]", password) or not re.search(r"\d", password):
        raise WeakPassword("WEAK_PASSWORD", "Mật khẩu phải gồm cả chữ cái và chữ số.",
                           "The password must contain both letters and digits.", "password")
    if confirm is not None and confirm != password:
        raise WeakPassword("PASSWORD_MISMATCH", "Mật khẩu nhập lại không khớp.",
                           "The two passwords differ.", "password_confirm")
