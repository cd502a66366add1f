"""Cut a streamed reply at the first stop string, without ever emitting part of one."""

from __future__ import annotations


class StopFilter:
    """Feed text deltas in, get the deltas that are safe to show out.

    Text that could be the start of a stop string is held back until the next
    delta decides it; once a stop string appears, everything from it on is dropped.
    """

    def __init__(self, stops: tuple[str, ...]) -> None:
        self._stops = tuple(s for s in stops if s)
        self._pending = ""
        self.stopped = False

    def feed(self, delta: str) -> str:
        if self.stopped:
            return ""
        if not self._stops:
            return delta
        text = self._pending + delta
        cut = min((i for i in (text.find(s) for s in self._stops) if i >= 0), default=-1)
        if cut >= 0:
            self.stopped = True
            self._pending = ""
            return text[:cut]
        hold = max(self._partial_suffix(text, s) for s in self._stops)
        self._pending = text[len(text) - hold :] if hold else ""
        return text[: len(text) - hold]

    def flush(self) -> str:
        """The held-back text at the end of the reply (it turned out not to be a stop)."""
        rest, self._pending = self._pending, ""
        return "" if self.stopped else rest

    @staticmethod
    def _partial_suffix(text: str, stop: str) -> int:
        """Length of the longest end of `text` that is a proper start of `stop`."""
        for n in range(min(len(stop) - 1, len(text)), 0, -1):
            if text.endswith(stop[:n]):
                return n
        return 0
