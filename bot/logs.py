"""Process logging: plain text for a terminal, or one JSON object per line for collectors.

`KEFU_LOG_FORMAT=json` makes every line (kefu's, uvicorn's, aiogram's) a JSON
object with time, level, logger and message, plus `conversation_id` while a turn
is being handled (a contextvar the dialogue manager sets per turn).
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Literal

from pydantic_settings import BaseSettings, SettingsConfigDict

from dialogue.observers import CONVERSATION_ID

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"
_MARK = "_kefu_handler"  # set on the handler this module installs


class LogSettings(BaseSettings):
    """`KEFU_LOG_FORMAT` (text | json) and `KEFU_LOG_LEVEL`."""

    model_config = SettingsConfigDict(env_prefix="KEFU_LOG_", env_file=".env", extra="ignore")

    format: Literal["text", "json"] = "text"
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"


class ConversationFilter(logging.Filter):
    """Put the conversation of the running turn on every record (None outside turns)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.conversation_id = CONVERSATION_ID.get()
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        conversation = getattr(record, "conversation_id", None)
        if conversation:
            line["conversation_id"] = conversation
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        conversation = getattr(record, "conversation_id", None)
        return f"{text} [conversation {conversation}]" if conversation else text


def configure_logging(settings: LogSettings | None = None) -> None:
    """Send every logger's records to stderr in the chosen format (replacing ours if set)."""
    settings = settings or LogSettings()
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        JsonFormatter() if settings.format == "json" else TextFormatter(TEXT_FORMAT)
    )
    handler.addFilter(ConversationFilter())
    setattr(handler, _MARK, True)
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, _MARK, False)]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(settings.level)


def configured() -> bool:
    """True once `configure_logging` ran: servers then leave logging to it."""
    return any(getattr(h, _MARK, False) for h in logging.getLogger().handlers)
