"""One `kefu run`-like process of the Telegram gateway, for the receiver-lock tests.

    python -m tests.telegram.receiver_process API_URL TOKEN REDIS_URL PREFIX DB_PATH

Long polling with the scripted shop, the receiver lock in Redis; prints "TOKEN <lock
token>" once started and then runs until it is killed.
"""

from __future__ import annotations

import asyncio
import sys

from bot.telegram.gateway import build_telegram
from catalog.db import create_db_engine, init_schema
from dialogue.orders import OrderDesk
from tests.telegram.conftest import telegram_settings
from tests.telegram.scripted import ScriptedShop


async def main(api_url: str, token: str, redis_url: str, prefix: str, db_path: str) -> None:
    settings = telegram_settings(
        api_url,
        token,
        redis_url=redis_url,
        telegram_redis_prefix=prefix,
        telegram_leader_ttl_s=2.0,
        telegram_leader_renew_s=0.5,
        telegram_polling_timeout_s=1,
    )
    engine = create_db_engine(f"sqlite:///{db_path}")
    init_schema(engine)
    gateway = build_telegram(ScriptedShop(desk=OrderDesk(engine)), settings=settings)
    assert gateway.leadership is not None
    await gateway.start()
    print("TOKEN", gateway.leadership.lock.token, flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await gateway.stop()


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:6]))
