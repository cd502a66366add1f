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
        cut = self._first_stop(text)
        # a longer stop may have begun before the one found ("|b<" against "b" in "|b"):
        # then wait for the next delta to tell which stop comes first
        held_from = len(text) - max(self._partial_suffix(text, s) for s in self._stops)
        if 0 <= cut < held_from:
            return self._stop(text, cut)
        self._pending = text[held_from:]
        return text[:held_from]

    def flush(self) -> str:
        """The held-back text at the end of the reply, up to a stop it may hold."""
        rest, self._pending = self._pending, ""
        if self.stopped:
            return ""
        cut = self._first_stop(rest)
        return rest if cut < 0 else self._stop(rest, cut)

    def _first_stop(self, text: str) -> int:
        return min((i for i in (text.find(s) for s in self._stops) if i >= 0), default=-1)

    def _stop(self, text: str, cut: int) -> str:
        self.stopped = True
        self._pending = ""
        return text[:cut]

    @staticmethod
    def _partial_suffix(text: str, stop: str) -> int:
        """Length of the longest end of `text` that is a proper start of `stop`."""
        for n in range(min(len(stop) - 1, len(text)), 0, -1):
            if text.endswith(stop[:n]):
                return n
        return 0
