"""The web channel: HTTP + WebSocket chat API, the embeddable widget, the demo shop."""

from bot.web.app import create_app, make_rate_limiter, serve
from bot.web.settings import WebSettings

__all__ = ["WebSettings", "create_app", "make_rate_limiter", "serve"]
