"""Signed shopper identity: the shop's backend vouches for a customer id.

Token: "<customer_id>.<expires_unix>.<hex HMAC-SHA256(secret, '<customer_id>.<expires_unix>')>".
The shop renders it into the widget tag (`data-identity`) for a logged-in
customer; kefu then answers that customer's order questions. Without a valid
token the shopper is anonymous.
"""

from __future__ import annotations

import hashlib
import hmac
import time


class IdentityError(ValueError):
    """The token is malformed, forged or expired."""


def sign_identity(secret: str, customer_id: int, expires_at: int) -> str:
    """What a shop's backend puts in `data-identity` (any language can do the same)."""
    payload = f"{customer_id}.{expires_at}"
    mac = hmac.new(secret.encode(), payload.encode(), hashlib.sha256).hexdigest()
    return f"{payload}.{mac}"


def verify_identity(secret: str, token: str, now: float | None = None) -> int:
    """The customer id in a valid token; IdentityError otherwise."""
    if not secret:
        raise IdentityError("signed identity is not enabled on this server")
    parts = token.split(".")
    if len(parts) != 3 or not parts[0].isdigit() or not parts[1].isdigit():
        raise IdentityError("malformed identity token")
    customer, expires, mac = parts
    expected = hmac.new(
        secret.encode(), f"{customer}.{expires}".encode(), hashlib.sha256
    ).hexdigest()
    if not hmac.compare_digest(expected, mac.lower()):
        raise IdentityError("identity signature does not match")
    if int(expires) < (time.time() if now is None else now):
        raise IdentityError("identity token has expired")
    return int(customer)
