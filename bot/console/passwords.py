"""Staff passwords: argon2id hashes, the length rule, generated passwords.

argon2-cffi lives behind this module only; its exceptions never leave it.
"""

from __future__ import annotations

import secrets
import string
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

MIN_LENGTH = 12
# Long enough that a bcrypt-style truncation or a typo-ed paste is not silently accepted.
MAX_LENGTH = 1024
GENERATED_LENGTH = 20
# No look-alike characters (0/O, 1/l/I): generated passwords are read off a terminal.
_ALPHABET = "".join(c for c in string.ascii_letters + string.digits if c not in "0O1lI")

# argon2id with the library's current defaults (RFC 9106 low-memory profile).
_hasher = PasswordHasher()
# Verified against when the email is unknown, so that a miss costs as long as a hit.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


class WeakPassword(ValueError):
    """A new password breaks the rules; the message says which one."""


@dataclass(frozen=True)
class Verification:
    ok: bool
    # a fresh hash when the stored one was made with older parameters
    new_hash: str | None = None


def check_new_password(password: str, email: str) -> None:
    """Raise WeakPassword unless `password` may be set for the account `email`."""
    if len(password) < MIN_LENGTH:
        raise WeakPassword(f"a password needs at least {MIN_LENGTH} characters")
    if len(password) > MAX_LENGTH:
        raise WeakPassword(f"a password may have at most {MAX_LENGTH} characters")
    if password.strip().lower() == email.strip().lower():
        raise WeakPassword("the password must not be the email address")
    if password.strip() == "":
        raise WeakPassword("the password must not be blank")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored_hash: str, password: str) -> Verification:
    """Check `password`; a hash made with outdated parameters comes back renewed."""
    if len(password) > MAX_LENGTH:
        return Verification(False)
    try:
        _hasher.verify(stored_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return Verification(False)
    if _hasher.check_needs_rehash(stored_hash):
        return Verification(True, _hasher.hash(password))
    return Verification(True)


def burn_verification_time(password: str) -> None:
    """Spend as long as a real check does, for logins with an unknown email."""
    verify_password(_DUMMY_HASH, password)


def generate_password(length: int = GENERATED_LENGTH) -> str:
    """A random password from `secrets` (about 5.8 bits a character)."""
    if length < MIN_LENGTH:
        raise ValueError(f"generated passwords have at least {MIN_LENGTH} characters")
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))
