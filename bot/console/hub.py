"""The staff consoles connected to this process, and what each is sent live.

Each socket has a bounded queue: a console that stops reading is dropped (it
reconnects and reloads) rather than holding memory or slowing the others.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

log = logging.getLogger(__name__)
QUEUE_FRAMES = 256


@dataclass(eq=False)
class ConsoleSocket:
    staff_email: str
    is_admin: bool
    queue: asyncio.Queue[str] = field(default_factory=lambda: asyncio.Queue(QUEUE_FRAMES))
    dropped: bool = False  # it fell behind; its writer closes the socket


class ConsoleHub:
    def __init__(self) -> None:
        self._sockets: set[ConsoleSocket] = set()

    def join(self, socket: ConsoleSocket) -> None:
        self._sockets.add(socket)

    def leave(self, socket: ConsoleSocket) -> None:
        self._sockets.discard(socket)

    @property
    def size(self) -> int:
        return len(self._sockets)

    def broadcast(self, frame_for: Callable[[ConsoleSocket], str | None]) -> None:
        """Queue `frame_for(socket)` on every socket (None: nothing for that one)."""
        for socket in list(self._sockets):
            frame = frame_for(socket)
            if frame is None:
                continue
            try:
                socket.queue.put_nowait(frame)
            except asyncio.QueueFull:
                log.warning("console of %s is not reading; dropping it", socket.staff_email)
                self._sockets.discard(socket)
                socket.dropped = True
