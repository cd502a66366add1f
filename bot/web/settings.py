"""Web gateway settings, read once at start from `KEFU_*` environment variables."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from catalog.demo import IMAGES_DIR


class WebSettings(BaseSettings):
    """Everything the web app needs; env names are `KEFU_WEB_<FIELD>` unless noted."""

    model_config = SettingsConfigDict(
        env_prefix="KEFU_WEB_", env_file=".env", extra="ignore", populate_by_name=True
    )

    host: str = "127.0.0.1"
    port: int = 8000
    # Proxies whose X-Forwarded-For is believed (the client IP drives the per-IP limit).
    forwarded_allow_ips: str = "127.0.0.1"
    # Origins (scheme://host[:port]) whose pages may embed the widget; "*" allows any.
    # The app's own origin is always allowed, so the demo shop works with none listed.
    allowed_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # A request with no Origin header is not from a browser page (a shop's own backend,
    # curl): allowed unless this is False.
    allow_no_origin: bool = True

    # The longest shopper message, in characters; longer ones get a friendly error.
    max_message_chars: int = Field(default=4000, ge=1)
    # The largest HTTP body or WebSocket frame read at all; bigger ones are refused unread.
    max_body_bytes: int = Field(default=256 * 1024, ge=1024)

    # Token buckets: `capacity` messages at once, refilled at `per_minute`.
    session_burst: int = Field(default=8, ge=1)
    session_per_minute: float = Field(default=20.0, gt=0)
    ip_burst: int = Field(default=60, ge=1)
    ip_per_minute: float = Field(default=240.0, gt=0)
    # Shared counters across processes when set (redis://...); in memory otherwise.
    redis_url: str = Field(default="", validation_alias=AliasChoices("KEFU_REDIS_URL"))

    # HMAC-SHA256 key a shop's backend signs customer ids with; empty turns identity off.
    identity_secret: str = ""
    # Longest time a dialogue turn may take before the shopper gets an apology instead.
    turn_timeout_s: float = Field(default=120.0, gt=0)
    # On SIGTERM, answers being made get this long to finish before they are cancelled
    # (once for open HTTP requests, once for turns started over WebSockets).
    shutdown_grace_s: float = Field(default=20.0, ge=0)
    # permessage-deflate on WebSocket frames: answers are small JSON, so CPU outweighs bytes saved.
    ws_compression: bool = False
    # Frames queued for one slow socket before it is dropped (it resumes and replays).
    socket_queue: int = Field(default=512, ge=8)

    # Demo shop pages at "/" and "/p/{sku}"; product images come from this folder.
    demo_shop: bool = True
    product_images_dir: Path = IMAGES_DIR
    shop_name: str = "kefu demo shop"

    @field_validator("allowed_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        # "https://a.example, https://b.example" from the environment
        if isinstance(value, str):
            return [part.strip().rstrip("/") for part in value.split(",") if part.strip()]
        return value
