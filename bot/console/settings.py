"""Staff console settings, read once at start from `KEFU_CONSOLE_*` environment variables."""

from __future__ import annotations

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class ConsoleSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="KEFU_CONSOLE_", env_file=".env", extra="ignore", populate_by_name=True
    )

    # Serve the console at /console on the same app as the widget.
    enabled: bool = True
    # Hours a staff login stays valid without activity.
    session_hours: float = Field(default=12.0, gt=0)
    # Send cookies only over HTTPS; leave off for http://127.0.0.1 during a trial run.
    secure_cookies: bool = False
    # Failed logins before an account is locked, and the first lock's length (doubling after).
    lockout_after: int = Field(default=5, ge=1)
    lockout_seconds: float = Field(default=30.0, gt=0)
    # No login lasts longer than this, however active.
    session_max_hours: float = Field(default=168.0, gt=0)
    # Failed logins one IP address may make per window before it must wait (every account).
    login_ip_failures: int = Field(default=20, ge=1)
    login_ip_window_seconds: float = Field(default=900.0, gt=0)
    # Signs the login form's cookie; set the same value on every replica (random when empty).
    secret_key: SecretStr = SecretStr("")
    # Cross-process fan-out of live events (handoff, staff replies) when set.
    redis_url: str = Field(default="", validation_alias=AliasChoices("KEFU_REDIS_URL"))
