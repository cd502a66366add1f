"""The staff member behind a request: who they are and their session's CSRF token."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class StaffUser:
    id: int
    email: str
    name: str
    role: Literal["agent", "admin"]
    # the session's token every state-changing request must echo back
    csrf_token: str

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"
