"""Telegram gateway settings, read once at start from `KEFU_*` environment variables."""

from __future__ import annotations

from urllib.parse import urlsplit

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class TelegramSettings(BaseSettings):
    """Env names are `KEFU_<FIELD>` (KEFU_TELEGRAM_TOKEN, KEFU_REDIS_URL, KEFU_PUBLIC_URL...)."""

    model_config = SettingsConfigDict(env_prefix="KEFU_", env_file=".env", extra="ignore")

    # The bot's token from @BotFather; empty leaves Telegram off.
    telegram_token: SecretStr = SecretStr("")
    # A self-hosted Bot API server (or an emulator), e.g. "http://127.0.0.1:8081";
    # empty means https://api.telegram.org.
    telegram_api_url: str = ""
    # Set: Telegram posts updates to this HTTPS URL (webhook mode). Empty: long polling.
    telegram_webhook_url: str = ""
    # Telegram echoes it in X-Telegram-Bot-Api-Secret-Token; a random one is made when empty.
    telegram_webhook_secret: SecretStr = SecretStr("")
    # FSM state (language, link flow) and delivered-message keys in Redis when set.
    redis_url: str = ""
    telegram_redis_prefix: str = "kefu:tg"
    # With Redis, one process of the bot receives updates (long polling, or the webhook
    # registration) under a lock that expires after this long unless renewed; the other
    # processes try to take it every telegram_leader_renew_s and so take over within
    # about ttl + renew seconds of the receiver's death.
    telegram_leader_ttl_s: float = Field(default=6.0, gt=0)
    telegram_leader_renew_s: float = Field(default=2.0, gt=0)
    # The shop's public base URL, for "open in shop" buttons and product photos whose
    # URLs in the catalog are relative ("/p/EA-1001").
    public_url: str = ""

    # Flood control: Telegram asks for about one message a second per chat, 20 a
    # minute per group, 30 a second overall.
    telegram_chat_interval_s: float = Field(default=1.0, ge=0)
    telegram_group_interval_s: float = Field(default=3.0, ge=0)
    telegram_global_per_s: int = Field(default=30, ge=1)
    # A streamed answer is redrawn at most this often.
    telegram_edit_interval_s: float = Field(default=1.0, ge=0)
    # Telegram shows "typing…" for about 5 s; refreshed this often while answering.
    telegram_typing_interval_s: float = Field(default=4.0, gt=0)
    # Network errors and 5xx: retry after base, 2*base, 4*base... capped; give up after.
    telegram_retry_base_s: float = Field(default=0.5, gt=0)
    telegram_retry_max_s: float = Field(default=30.0, gt=0)
    telegram_give_up_after_s: float = Field(default=900.0, gt=0)
    # Stream with sendMessageDraft in private chats when the server supports it.
    telegram_drafts: bool = True
    # End each answer with the sources it was grounded on.
    telegram_show_sources: bool = True
    # Longest time a dialogue turn may take before the shopper gets an apology instead.
    telegram_turn_timeout_s: float = Field(default=120.0, gt=0)
    telegram_polling_timeout_s: int = Field(default=10, ge=0)
    # Failed /link attempts allowed per chat and hour (order ids and emails are not to be probed).
    telegram_link_attempts_per_hour: int = Field(default=5, ge=1)

    @property
    def enabled(self) -> bool:
        return bool(self.telegram_token.get_secret_value())

    @property
    def webhook_mode(self) -> bool:
        return bool(self.telegram_webhook_url)

    @property
    def webhook_path(self) -> str:
        """Where the web app serves the webhook: the path of the webhook URL."""
        return urlsplit(self.telegram_webhook_url).path or "/telegram/webhook"
